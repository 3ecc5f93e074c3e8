{{ config(materialized='view') }}

{#-
    The tickets a candidate is judged on: eval-split tickets the teacher answered with the
    current prompt, with the prompt a fine-tuned model is sent for them. No version trains on
    them (training reads the train split only).
-#}
with

teacher_labels as (

    select * from {{ ref('int_teacher_labels__normalized') }}

),

prompts as (

    select * from {{ ref('int_tickets__prompted_for_categorization') }}

),

final as (

    select
        teacher_labels.ticket_id,
        prompts.finetuned_model_prompt_hash as prompt_hash,
        prompts.finetuned_model_prompt as prompt,
        teacher_labels.category as teacher_category

    from teacher_labels
    inner join prompts
        on teacher_labels.ticket_id = prompts.ticket_id
    where
        teacher_labels.split = 'eval'
        and teacher_labels.raw_response is not null

)

select * from final
