{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        full_refresh=paid_answers_full_refresh(),
    )
}}

{#-
    Decided once per ticket, when the ticket is first seen, and never revisited:
      bootstrap    while no model is promoted, up to var bootstrap_ticket_budget tickets in all
                   (the first-seen tickets in md5 order),
      audit        once a model is promoted, the run's audit quota (macro audit_sizing): with
                   var audit_sizing share, ceil(var audit_share_percent % of the run's new
                   tickets); with detectable_drop, a fixed count from vars (all the new tickets
                   when there are fewer): those first in audit_bucket order (hash_bucket of the
                   ticket id, salted apart from the split), so the teacher's calls are exactly
                   the quota,
      not_sampled  every other ticket: only the fine-tuned model categorises it.
-#}
{%- set budget = checked_number_var('bootstrap_ticket_budget', minimum=0, whole_number=true) -%}
{%- set audits = audit_sizing() -%}
{%- set promoted_model = promoted_finetuned_model(source('finetuning', 'model_promotions')) -%}
{%- set bootstrap_used = 0 -%}
{%- if execute and is_incremental() -%}
    {%- set bootstrap_count_query = "select count(*) from " ~ this ~ " where sampling_reason = 'bootstrap'" -%}
    {%- set bootstrap_used = run_query(bootstrap_count_query).rows[0][0] | int -%}
{%- endif -%}
{#- Bootstrap: the first-seen tickets in sample_key order, up to what is left of the budget;
    audit: the first ceil(share x k) of the run's k new tickets in audit_bucket order, or the
    first audits_per_run of them (fewer new tickets: all of them). -#}
{%- if promoted_model is none -%}
    {%- set sample_reason = 'bootstrap' -%}
    {%- set sample_order = 'new_tickets.sample_key' -%}
    {%- set sample_quota = [budget | int - bootstrap_used, 0] | max -%}
{%- else -%}
    {%- set sample_reason = 'audit' -%}
    {%- set sample_order = 'new_tickets.audit_bucket, new_tickets.sample_key' -%}
    {%- if audits.sizing == 'share' -%}
        {%- set sample_quota = 'ceil(' ~ audits.share_percent ~ ' * count(*) over () / 100.0)' -%}
    {%- else -%}
        {%- set sample_quota = audits.audits_per_run -%}
    {%- endif -%}
{%- endif -%}

with

split as (

    select * from {{ ref('int_tickets__split') }}

),

new_tickets as (

    select
        split.ticket_id,
        split.split,
        -- noqa: disable=PRS
        cast({{ hash_bucket("'audit sample|' || split.ticket_id", 10000) }} as integer) as audit_bucket,
        -- noqa: enable=PRS
        md5('teacher sample|' || split.ticket_id) as sample_key

    from split
    {%- if is_incremental() %}
        where
            not exists (
                select 1
                from {{ this }} as seen
                where seen.ticket_id = split.ticket_id
            )
    {%- endif %}

),

ranked as (

    select
        new_tickets.ticket_id,
        new_tickets.split,
        new_tickets.audit_bucket,
        row_number() over (order by {{ sample_order }}) as sample_rank,
        {{ sample_quota }} as sample_quota

    from new_tickets

),

decided as (

    select
        ticket_id,
        split,
        audit_bucket,
        case
            when sample_rank <= sample_quota then {{ quote_string_literal(sample_reason) }}
            else 'not_sampled'
        end as sampling_reason,
        {{ quote_string_literal(promoted_model) }} as promoted_model_when_sampled

    from ranked

),

final as (

    select
        ticket_id,
        split,
        sampling_reason,
        sampling_reason in ('bootstrap', 'audit') as is_teacher_labeled,
        audit_bucket,
        cast(promoted_model_when_sampled as {{ dbt.type_string() }}) as promoted_model_when_sampled,
        {{ quote_string_literal(invocation_id) }} as sampled_in_invocation_id,
        current_timestamp as sampled_at

    from decided

)

select * from final
