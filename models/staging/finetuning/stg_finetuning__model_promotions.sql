with

source as (

    select * from {{ source('finetuning', 'model_promotions') }}

),

renamed as (

    select
        candidate_model as student_model,
        job_id,
        -- Rows written before the project had a second trainer judged FINETUNE's models.
        coalesce(trainer, 'cortex_finetune') as trainer,
        evaluated_at,
        eval_tickets,
        candidate_correct,
        candidate_accuracy,
        candidate_accuracy_lower,
        candidate_accuracy_upper,
        credits_per_1000_tickets,
        champion_model,
        paired_tickets,
        champion_accuracy,
        accuracy_difference,
        accuracy_difference_lower_bound,
        best_candidate_model,
        difference_from_best_lower_bound,
        min_finetuned_accuracy,
        promotion_margin,
        is_promoted,
        decision_reason

    from source

)

select * from renamed
