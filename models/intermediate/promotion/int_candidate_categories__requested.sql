{{
    config(
        materialized='cortex_incremental',
        full_refresh=paid_answers_full_refresh(),
        query_tag=cortex_query_tag('candidate evaluation'),
    )
}}

{#-
    The fine-tuned candidate (FINETUNE's latest trained model not judged yet) answers the
    promotion eval set before it may categorise anything; its name is looked up because
    AI_COMPLETE must name it. Without such a candidate it names no model and calls nothing. (An embedding classifier
    candidate answers in SQL: int_student_categories__scored.)
-#}
{%- set jobs = source('finetuning', 'finetune_jobs') -%}
{%- set promotions = source('finetuning', 'model_promotions') -%}
{%- set candidate = finetuned_model_candidate(jobs, promotions, trainer='cortex_finetune') -%}

{%- set promotion_eval_tickets -%}
    select
        ticket_id,
        prompt,
        prompt_hash

    from {{ ref('int_promotion_eval_tickets__selected') }}
    {%- if candidate is none %}
    where 1 = 0
    {%- endif %}
{%- endset %}

{{ cortex_answers(
    promotion_eval_tickets,
    model=trainer_model_to_call(candidate, trainer='cortex_finetune') if candidate else none,
    id_column='candidate_category_id',
    answered_at_column='categorized_at',
    structured_output=var('finetuned_structured_output'),
) }}
