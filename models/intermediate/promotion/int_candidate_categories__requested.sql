{{
    config(
        materialized='cortex_incremental',
        full_refresh=paid_answers_full_refresh(),
        query_tag=cortex_query_tag('candidate evaluation'),
    )
}}

{#-
    The candidate (the latest fine-tuned model not yet judged) answers the promotion eval set
    before it may categorise anything. Without a candidate nothing is sent.
-#}
{%- set jobs = source('finetuning', 'finetune_jobs') -%}
{%- set promotions = source('finetuning', 'model_promotions') -%}
{%- set candidate = finetuned_model_candidate(jobs, promotions) -%}

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
    model=trainer_model_to_call(candidate) if candidate else finetuned_model_name(),
    id_column='candidate_category_id',
    answered_at_column='categorized_at',
    structured_output=var('finetuned_structured_output'),
) }}
