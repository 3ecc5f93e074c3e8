{{
    config(
        materialized='cortex_incremental',
        full_refresh=paid_answers_full_refresh(),
        query_tag=cortex_query_tag('finetuned categories'),
    )
}}

{#-
    The promoted fine-tuned model (FINETUNE's) categorises the tickets assigned to it
    (int_tickets__assigned_student). The model's name is looked up because AI_COMPLETE must
    name it; which tickets it answers is a join. While the champion is an embedding classifier,
    or nothing is promoted yet, the model names no model and calls nothing.
-#}
{%- set champion = promoted_finetuned_model(source('finetuning', 'model_promotions')) -%}
{%- set jobs = source('finetuning', 'finetune_jobs') -%}
{%- set champion_job = latest_successful_finetune_job(jobs, model_name=champion) if champion else none -%}
{%- set finetuned_champion = champion if champion_job and champion_job['trainer'] == 'cortex_finetune' else none -%}

{%- set tickets_to_categorize -%}
    select
        prompts.ticket_id,
        prompts.finetuned_model_prompt as prompt,
        prompts.finetuned_model_prompt_hash as prompt_hash

    from {{ ref('int_tickets__prompted_for_categorization') }} as prompts
    inner join {{ ref('int_tickets__assigned_student') }} as assignments
        on prompts.ticket_id = assignments.ticket_id
    where
        assignments.trainer = 'cortex_finetune'
        and lower(assignments.student_model) = lower({{ quote_string_literal(finetuned_champion or '') }})
        -- An eval ticket it answered as a candidate is not paid for again.
        and not exists (
            select 1
            from {{ ref('int_candidate_categories__requested') }} as candidate_answers
            where
                candidate_answers.ticket_id = prompts.ticket_id
                and lower(candidate_answers.model) = lower(assignments.student_model)
                and candidate_answers.prompt_hash = prompts.finetuned_model_prompt_hash
                and candidate_answers.raw_response is not null
        )
{%- endset %}

{{ cortex_answers(
    tickets_to_categorize,
    model=trainer_model_to_call(finetuned_champion, trainer='cortex_finetune') if finetuned_champion else none,
    id_column='finetuned_category_id',
    answered_at_column='categorized_at',
    structured_output=var('finetuned_structured_output'),
) }}
