{#-
    A table (the folder's default): int_messages__requested reads it once per chunk of
    var cortex_chunk_rows, and building every ticket's prompt again for each chunk was most of
    the chunk's SQL. It is rebuilt before int_messages__requested in the same selector.
-#}

with

tickets as (

    select * from {{ ref('stg_support__tickets') }}

),

finetuned_categories as (

    select * from {{ ref('int_finetuned_categories__normalized') }}

),

message_prompt_in_force as (

    select
        prompt,
        text_word_limit,
        email_word_limit

    from {{ ref('int_prompts__promoted') }}
    where prompt_name = 'message'

),

prompted as (

    select
        tickets.ticket_id,
        {{ message_prompt(
            'message_prompt_in_force.prompt',
            'tickets.customer_name',
            'tickets.contact_preference',
            'finetuned_categories.category',
        ) }} as prompt,
        case
            when tickets.contact_preference = 'Text Message' then message_prompt_in_force.text_word_limit
            else message_prompt_in_force.email_word_limit
        end as word_limit

    from tickets
    inner join finetuned_categories
        on tickets.ticket_id = finetuned_categories.ticket_id
    cross join message_prompt_in_force

),

final as (

    select
        ticket_id,
        prompt,
        md5(prompt) as prompt_hash,
        word_limit

    from prompted

)

select * from final
