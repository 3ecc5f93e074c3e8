with

teacher_labels as (

    select * from {{ ref('int_teacher_labels__normalized') }}

),

prompts as (

    select * from {{ ref('int_tickets__prompted_for_categorization') }}

),

final as (

    -- The teacher answered the categorisation prompt; the fine-tuned model learns to answer the
    -- same category from its own, shorter prompt (the request alone).
    select
        teacher_labels.ticket_id,
        teacher_labels.split,
        prompts.finetuned_model_prompt as prompt,
        prompts.finetuned_model_prompt_hash as prompt_hash,
        teacher_labels.category as completion,
        teacher_labels.labeled_at

    from teacher_labels
    inner join prompts
        on teacher_labels.ticket_id = prompts.ticket_id
    -- A pair teaches the model only when the teacher's answer is a valid category.
    where teacher_labels.category != 'Unknown'

)

select * from final
