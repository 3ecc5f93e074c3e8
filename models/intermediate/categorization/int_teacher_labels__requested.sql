{%- set teacher_model = var('teacher_model') -%}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='teacher_label_id',
        on_schema_change='fail',
        query_tag=cortex_query_tag('teacher labels'),
    )
}}

{%- set tickets_to_label -%}
    select
        prompts.ticket_id,
        prompts.prompt,
        prompts.prompt_hash

    from {{ ref('int_tickets__prompted_for_categorization') }} as prompts
    inner join {{ ref('int_tickets__split') }} as split
        on prompts.ticket_id = split.ticket_id
    where split.is_in_teacher_sample
    {%- if is_incremental() %}
        and not exists (
            select 1
            from {{ this }} as already_labeled
            where
                already_labeled.ticket_id = prompts.ticket_id
                and already_labeled.model = {{ quote_string_literal(teacher_model) }}
                and already_labeled.prompt_hash = prompts.prompt_hash
                and already_labeled.raw_response is not null
        )
    {%- endif %}
{%- endset -%}
{{ cortex_call_guard(tickets_to_label) }}

with

tickets_to_label as (

    {{ tickets_to_label }}

),

final as (

    select
        md5(
            ticket_id || '|' || {{ quote_string_literal(teacher_model) }} || '|' || prompt_hash
        ) as teacher_label_id,
        ticket_id,
        {{ quote_string_literal(teacher_model) }} as model,
        prompt_hash,
        {{ cortex_try_complete(teacher_model, 'prompt') }} as raw_response,
        {{ cortex_backend_name(teacher_model) }} as backend,
        current_timestamp as labeled_at

    from tickets_to_label

)

select * from final
