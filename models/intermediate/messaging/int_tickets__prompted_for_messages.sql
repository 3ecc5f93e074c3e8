{{ config(materialized='view') }}
-- The message prompt may come from the message studio (macro resolve_message_prompt):
-- depends_on: {{ source('studio', 'saved_message_prompts') }}

with

tickets as (

    select * from {{ ref('stg_support__tickets') }}

),

finetuned_categories as (

    select * from {{ ref('int_finetuned_categories__normalized') }}

),

prompted as (

    select
        tickets.ticket_id,
        {{ message_prompt(
            'tickets.customer_name',
            'tickets.contact_preference',
            'finetuned_categories.category',
        ) }} as prompt

    from tickets
    inner join finetuned_categories
        on tickets.ticket_id = finetuned_categories.ticket_id

),

final as (

    select
        ticket_id,
        prompt,
        md5(prompt) as prompt_hash

    from prompted

)

select * from final
