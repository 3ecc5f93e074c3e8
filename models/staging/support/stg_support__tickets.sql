with

base_tickets as (

    select * from {{ ref('base_support__tickets') }}

),

final as (

    select
        ticket_id,
        customer_name,
        customer_email,
        service_type,
        request,
        contact_preference,
        source_row_fingerprint

    from base_tickets
    where quarantine_reason is null

)

select * from final
