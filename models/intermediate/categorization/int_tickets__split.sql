{%- set train_share_percent = var('train_share_percent') -%}
{%- if train_share_percent is not number or train_share_percent < 1 or train_share_percent > 99 -%}
    {{ exceptions.raise_compiler_error("var train_share_percent must be a whole number from 1 to 99, got " ~ train_share_percent) }}
{%- endif -%}
{%- set teacher_ticket_budget = var('teacher_ticket_budget', none) -%}
{%- if teacher_ticket_budget is not none and (teacher_ticket_budget is not number or teacher_ticket_budget < 1) -%}
    {{ exceptions.raise_compiler_error("var teacher_ticket_budget must be a positive whole number or null (no cap), got " ~ teacher_ticket_budget) }}
{%- endif -%}

with

tickets as (

    select * from {{ ref('stg_support__tickets') }}

),

bucketed as (

    select
        ticket_id,
        -- noqa: disable=PRS
        -- (linted as Snowflake SQL, but rendered for the local target: DuckDB's ubigint cast)
        cast({{ hash_bucket('ticket_id', 100) }} as integer) as split_bucket,
        -- noqa: enable=PRS
        md5('teacher sample|' || ticket_id) as sample_key

    from tickets

),

final as (

    select
        ticket_id,
        split_bucket,
        case when split_bucket < {{ train_share_percent }} then 'train' else 'eval' end as split,
        {% if teacher_ticket_budget is none -%}
            true
        {%- else -%}
            row_number() over (order by sample_key) <= {{ teacher_ticket_budget }}
        {%- endif %} as is_in_teacher_sample

    from bucketed

)

select * from final
