{%- set train_share_percent = var('train_share_percent') -%}
{%- if train_share_percent is not number or train_share_percent < 1 or train_share_percent > 99 -%}
    {{ exceptions.raise_compiler_error("var train_share_percent must be a whole number from 1 to 99, got " ~ train_share_percent) }}
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
        cast({{ hash_bucket('ticket_id', 100) }} as integer) as split_bucket
        -- noqa: enable=PRS

    from tickets

),

final as (

    select
        ticket_id,
        split_bucket,
        case when split_bucket < {{ train_share_percent }} then 'train' else 'eval' end as split

    from bucketed

)

select * from final
