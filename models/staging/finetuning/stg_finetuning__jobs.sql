with

source as (

    select * from {{ source('finetuning', 'finetune_jobs') }}

),

renamed as (

    select
        job_id,
        model_name as student_model,
        -- Rows written before the project had a second trainer are FINETUNE's.
        coalesce(trainer, 'cortex_finetune') as trainer,
        base_model,
        options,
        backend,
        target_name,
        status,
        status = 'SUCCESS' as is_trained,
        launched_at,
        status_checked_at,
        finished_at,
        error_message,
        trained_tokens,
        training_loss,
        validation_loss

    from source
    where {{ _in_finetuned_model_family('model_name') }}

)

select * from renamed
