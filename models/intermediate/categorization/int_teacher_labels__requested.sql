{{
    config(
        materialized='cortex_incremental',
        full_refresh=paid_answers_full_refresh(),
        query_tag=cortex_query_tag('teacher labels'),
    )
}}

{#- The teacher labels exactly the tickets int_tickets__sampled chose: bootstrap and audit. -#}
{%- set tickets_in_teacher_sample -%}
    select
        prompts.ticket_id,
        prompts.prompt,
        prompts.prompt_hash

    from {{ ref('int_tickets__prompted_for_categorization') }} as prompts
    inner join {{ ref('int_tickets__sampled') }} as sampled
        on prompts.ticket_id = sampled.ticket_id
    where sampled.is_teacher_labeled
{%- endset %}

{{ cortex_answers(
    tickets_in_teacher_sample,
    model=var('teacher_model'),
    id_column='teacher_label_id',
    answered_at_column='labeled_at',
    structured_output=var('teacher_structured_output'),
) }}
