with

tickets as (

    select * from {{ ref('stg_support__tickets') }}

),

categories as (

    select * from {{ ref('ticket_categories') }}

),

prompts as (

    select * from {{ ref('int_tickets__prompted_for_messages') }}

),

messages as (

    select * from {{ ref('int_messages__requested') }}

),

message_prompt_in_force as (

    select * from {{ ref('int_prompts__promoted') }}
    where prompt_name = 'message'

),

current_messages as (

    select messages.*

    from messages
    inner join prompts
        on
            messages.ticket_id = prompts.ticket_id
            and messages.prompt_hash = prompts.prompt_hash
    where messages.model = {{ quote_string_literal(var('message_model')) }}

),

final as (

    select
        tickets.ticket_id,
        tickets.customer_name,
        tickets.customer_email,
        tickets.contact_preference,
        case when tickets.contact_preference = 'Text Message' then 'text message' else 'email' end as channel,
        categories.categorization_status,
        categories.category,
        current_messages.message,
        cast({{ word_count('current_messages.message') }} as bigint) as word_count,
        cast(
            case
                when tickets.contact_preference = 'Text Message' then message_prompt_in_force.text_word_limit
                else message_prompt_in_force.email_word_limit
            end as bigint
        ) as word_limit,
        {{ word_count('current_messages.message') }} > case
            when tickets.contact_preference = 'Text Message' then message_prompt_in_force.text_word_limit
            else message_prompt_in_force.email_word_limit
        end as is_over_word_limit,
        current_messages.model,
        current_messages.backend,
        current_messages.prompt_hash,
        cast(current_messages.generated_at as timestamp with time zone) as generated_at

    from tickets
    inner join categories
        on tickets.ticket_id = categories.ticket_id
    left join current_messages
        on tickets.ticket_id = current_messages.ticket_id
    cross join message_prompt_in_force

)

select * from final
