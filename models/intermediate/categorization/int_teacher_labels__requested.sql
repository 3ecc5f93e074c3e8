{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='teacher_label_id',
        on_schema_change='append_new_columns',
        query_tag=cortex_query_tag('teacher labels'),
    )
}}

{%- set tickets_in_teacher_sample -%}
    select
        prompts.ticket_id,
        prompts.prompt,
        prompts.prompt_hash

    from {{ ref('int_tickets__prompted_for_categorization') }} as prompts
    inner join {{ ref('int_tickets__split') }} as split
        on prompts.ticket_id = split.ticket_id
    where split.is_in_teacher_sample
{%- endset %}

{{ cortex_answers(
    tickets_in_teacher_sample,
    model=var('teacher_model'),
    id_column='teacher_label_id',
    answered_at_column='labeled_at',
    structured_output=var('teacher_structured_output'),
) }}
