with

base_tickets as (

    select * from {{ ref('base_support__tickets') }}

),

final as (

    select
        source_row_fingerprint,
        quarantine_reason,
        ticket_id,
        customer_name,
        customer_email,
        service_type,
        request,
        contact_preference

    from base_tickets
    where quarantine_reason is not null

)

select * from final
