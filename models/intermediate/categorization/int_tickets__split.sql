{%- set train_share_percent = checked_number_var('train_share_percent', minimum=1, maximum=99, whole_number=true) -%}

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
