{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='finetuned_category_id',
        on_schema_change='append_new_columns',
        query_tag=cortex_query_tag('finetuned categories'),
    )
}}

{%- set every_ticket -%}
    select
        ticket_id,
        prompt,
        prompt_hash

    from {{ ref('int_tickets__prompted_for_categorization') }}
{%- endset %}

{{ cortex_answers(
    every_ticket,
    model=resolve_finetuned_model(source('finetuning', 'finetune_jobs')),
    id_column='finetuned_category_id',
    answered_at_column='categorized_at',
    structured_output=var('finetuned_structured_output'),
) }}
