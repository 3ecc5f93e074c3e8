{{
    config(
        materialized='cortex_incremental',
        full_refresh=paid_answers_full_refresh(),
        query_tag=cortex_query_tag('messages'),
    )
}}

{%- set every_categorized_ticket -%}
    select
        ticket_id,
        prompt,
        prompt_hash

    from {{ ref('int_tickets__prompted_for_messages') }}
{%- endset %}

{{ cortex_answers(
    every_categorized_ticket,
    model=var('message_model'),
    id_column='message_id',
    answer_column='message',
    answered_at_column='generated_at',
) }}
