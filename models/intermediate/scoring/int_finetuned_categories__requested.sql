{%- set finetuned_model = resolve_finetuned_model(source('finetuning', 'finetune_jobs')) -%}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='finetuned_category_id',
        on_schema_change='fail',
        query_tag=cortex_query_tag('finetuned categories'),
    )
}}

{%- set tickets_to_categorize -%}
    select
        prompts.ticket_id,
        prompts.prompt,
        prompts.prompt_hash

    from {{ ref('int_tickets__prompted_for_categorization') }} as prompts
    {%- if is_incremental() %}
    where not exists (
        select 1
        from {{ this }} as already_categorized
        where
            already_categorized.ticket_id = prompts.ticket_id
            and already_categorized.model = {{ quote_string_literal(finetuned_model) }}
            and already_categorized.prompt_hash = prompts.prompt_hash
            and already_categorized.raw_response is not null
    )
    {%- endif %}
{%- endset -%}
{{ cortex_call_guard(tickets_to_categorize) }}

with

tickets_to_categorize as (

    {{ tickets_to_categorize }}

),

final as (

    select
        md5(
            ticket_id || '|' || {{ quote_string_literal(finetuned_model) }} || '|' || prompt_hash
        ) as finetuned_category_id,
        ticket_id,
        {{ quote_string_literal(finetuned_model) }} as model,
        prompt_hash,
        {{ cortex_try_complete(finetuned_model, 'prompt') }} as raw_response,
        {{ cortex_backend_name(finetuned_model) }} as backend,
        current_timestamp as categorized_at

    from tickets_to_categorize

)

select * from final
