{#-
    THE answer to "which fine-tuned model is in use" for readers outside dbt (the message
    studio): every version this project trained, with its promotion decision; is_in_use marks
    the model of macro promoted_finetuned_model (the latest promotion).
-#}
{%- set model_in_use = promoted_finetuned_model(source('finetuning', 'model_promotions')) -%}

with

finetune_jobs as (

    select * from {{ source('finetuning', 'finetune_jobs') }}

),

promotions as (

    select * from {{ source('finetuning', 'model_promotions') }}

),

family_jobs as (

    select * from finetune_jobs
    where {{ _in_finetuned_model_family('model_name') }}

),

final as (

    select
        family_jobs.job_id,
        family_jobs.model_name,
        family_jobs.base_model,
        family_jobs.status,
        family_jobs.launched_at,
        family_jobs.finished_at,
        family_jobs.trained_tokens,
        promotions.evaluated_at,
        promotions.eval_tickets,
        promotions.candidate_accuracy,
        promotions.candidate_accuracy_lower,
        promotions.candidate_accuracy_upper,
        promotions.champion_model,
        promotions.accuracy_difference_lower_bound,
        coalesce(promotions.is_promoted, false) as is_promoted,
        promotions.decision_reason,
        family_jobs.status = 'SUCCESS'
        and lower(family_jobs.model_name) = lower({{ quote_string_literal(model_in_use or '') }})
        and family_jobs.job_id = promotions.job_id as is_in_use

    from family_jobs
    left join promotions
        on family_jobs.job_id = promotions.job_id

)

select * from final
