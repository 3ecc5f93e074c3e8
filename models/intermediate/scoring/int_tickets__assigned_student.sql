{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        full_refresh=paid_answers_full_refresh(),
    )
}}

{#-
    Which student categorises each ticket, decided when the ticket is first categorised: the
    champion (the model of the latest promotion) at that moment. With var
    rescore_after_promotion every_ticket, a newly promoted champion is also assigned every ticket
    already seen (one paid call per ticket for a fine-tuned model; free for an embedding
    classifier). Before any promotion nothing is assigned ('awaiting_promoted_model').
-#}
{%- set rescore = var('rescore_after_promotion') -%}
{%- if rescore not in ('new_tickets', 'every_ticket') -%}
    {{ exceptions.raise_compiler_error("var rescore_after_promotion must be 'new_tickets' or 'every_ticket', got " ~ rescore) }}
{%- endif -%}

with

prompts as (

    select * from {{ ref('int_tickets__prompted_for_categorization') }}

),

versions as (

    select * from {{ ref('int_student_versions__listed') }}

),

champion as (

    select
        student_model,
        trainer

    from versions
    where is_champion

),

-- Every (ticket, student) assigned so far: nothing on the first build.
-- noqa: disable=LT02
{%- if is_incremental() %}

assigned as (

    select
        ticket_id,
        student_model

    from {{ this }}

),
{%- else %}

assigned as (

    select
        cast(null as {{ dbt.type_string() }}) as ticket_id,
        cast(null as {{ dbt.type_string() }}) as student_model
    where 1 = 0

),
{%- endif %}
-- noqa: enable=LT02

already_assigned as (

    select distinct ticket_id from assigned

),

unassigned as (

    select
        prompts.ticket_id,
        champion.student_model,
        champion.trainer

    from prompts
    cross join champion
    where
        not exists (
            select 1
            from assigned
            where
                assigned.ticket_id = prompts.ticket_id
                -- With every_ticket, a ticket is assigned again to each new champion.
                and (
                    {{ 'true' if rescore == 'new_tickets' else 'false' }}
                    or lower(assigned.student_model) = lower(champion.student_model)
                )
        )

),

final as (

    select
        md5(unassigned.ticket_id || '|' || unassigned.student_model) as assignment_id,
        unassigned.ticket_id,
        unassigned.student_model,
        unassigned.trainer,
        case
            when already_assigned.ticket_id is not null then 'rescored_after_promotion'
            else 'first_categorisation'
        end as assignment_reason,
        current_timestamp as assigned_at

    from unassigned
    left join already_assigned
        on unassigned.ticket_id = already_assigned.ticket_id

)

select * from final
