{#-
    A table, not a view like the rest of staging: every chunk of the Cortex-calling models
    (cortex_incremental) reads the tickets through it again, and cleaning, fingerprinting and
    ranking every source row each time was most of a chunk's SQL.
-#}
{{ config(materialized='table') }}
{%- if tickets_come_from_seed() %}
-- depends_on: {{ ref('support_tickets') }}
{%- endif %}

with

source_tickets as (

    select * from {{ source('support', 'support_tickets') }}

),

cleaned as (

    select
        nullif(trim(ticket_id), '') as ticket_id,
        nullif(trim(customer_name), '') as customer_name,
        nullif(lower(trim(customer_email)), '') as customer_email,
        nullif(trim(service_type), '') as service_type,
        nullif(trim(request), '') as request,
        nullif(trim(contact_preference), '') as contact_preference,
        md5(
            coalesce(ticket_id, '') || '|' || coalesce(customer_name, '') || '|'
            || coalesce(customer_email, '') || '|' || coalesce(service_type, '') || '|'
            || coalesce(request, '') || '|' || coalesce(contact_preference, '')
        ) as source_row_fingerprint

    from source_tickets

),

ranked as (

    select
        *,
        -- Deterministic whatever the load order: rows with a request first, then by content.
        row_number() over (
            partition by ticket_id
            order by case when request is null then 1 else 0 end, source_row_fingerprint
        ) as rank_within_ticket_id

    from cleaned

),

final as (

    select
        *,
        case
            when ticket_id is null then 'missing ticket_id'
            when rank_within_ticket_id > 1 then 'duplicate ticket_id'
            when request is null then 'missing request'
        end as quarantine_reason

    from ranked

)

select * from final
