{#-
    THE answer to "which student is in use" for readers outside dbt (the message studio): every
    version this project trained, of every trainer, with its promotion decision; is_in_use marks
    the model of the latest promotion.
-#}
with

student_versions as (

    select * from {{ ref('int_student_versions__listed') }}

),

promotions as (

    select * from {{ ref('stg_finetuning__model_promotions') }}

),

final as (

    select
        student_versions.job_id,
        student_versions.student_model as model_name,
        student_versions.trainer,
        student_versions.base_model,
        student_versions.status,
        student_versions.launched_at,
        student_versions.finished_at,
        student_versions.trained_tokens,
        promotions.evaluated_at,
        promotions.eval_tickets,
        promotions.candidate_accuracy,
        promotions.candidate_accuracy_lower,
        promotions.candidate_accuracy_upper,
        promotions.credits_per_1000_tickets,
        promotions.champion_model,
        promotions.accuracy_difference_lower_bound,
        coalesce(promotions.is_promoted, false) as is_promoted,
        promotions.decision_reason,
        student_versions.is_champion as is_in_use

    from student_versions
    left join promotions
        on student_versions.job_id = promotions.job_id

)

select * from final
