{{
    config(
        materialized='cortex_incremental',
        full_refresh=paid_answers_full_refresh(),
        query_tag=cortex_query_tag('base model evaluation'),
    )
}}

{#-
    Only the eval split, and there only the tickets the teacher answered: the base model is
    measured against the teacher, so any other call would be paid for nothing.
-#}
{%- set teacher_labeled_eval_tickets -%}
    select
        prompts.ticket_id,
        prompts.prompt,
        prompts.prompt_hash

    from {{ ref('int_tickets__prompted_for_categorization') }} as prompts
    inner join {{ ref('int_teacher_labels__normalized') }} as teacher_labels
        on
            prompts.ticket_id = teacher_labels.ticket_id
            and prompts.prompt_hash = teacher_labels.prompt_hash
    where
        teacher_labels.split = 'eval'
        and teacher_labels.raw_response is not null
{%- endset %}

{{ cortex_answers(
    teacher_labeled_eval_tickets,
    model=var('finetune_base_model'),
    id_column='base_model_category_id',
    answered_at_column='categorized_at',
    structured_output=var('base_model_structured_output'),
) }}
