{%- set message_model = var('message_model') -%}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='message_id',
        on_schema_change='fail',
        query_tag=cortex_query_tag('messages'),
    )
}}

{%- set tickets_to_message -%}
    select
        prompts.ticket_id,
        prompts.prompt,
        prompts.prompt_hash

    from {{ ref('int_tickets__prompted_for_messages') }} as prompts
    {%- if is_incremental() %}
    where not exists (
        select 1
        from {{ this }} as already_messaged
        where
            already_messaged.ticket_id = prompts.ticket_id
            and already_messaged.model = {{ quote_string_literal(message_model) }}
            and already_messaged.prompt_hash = prompts.prompt_hash
            and already_messaged.message is not null
    )
    {%- endif %}
{%- endset -%}
{{ cortex_call_guard(tickets_to_message) }}

with

tickets_to_message as (

    {{ tickets_to_message }}

),

final as (

    select
        md5(
            ticket_id || '|' || {{ quote_string_literal(message_model) }} || '|' || prompt_hash
        ) as message_id,
        ticket_id,
        {{ quote_string_literal(message_model) }} as model,
        prompt_hash,
        {{ cortex_try_complete(message_model, 'prompt') }} as message,
        {{ cortex_backend_name(message_model) }} as backend,
        current_timestamp as generated_at

    from tickets_to_message

)

select * from final
