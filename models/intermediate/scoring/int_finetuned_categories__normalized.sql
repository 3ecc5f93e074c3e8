{#-
    Per ticket, the category of the student assigned to it (int_tickets__assigned_student): the
    answer of its latest assignment that has one (with var rescore_after_promotion new_tickets,
    older tickets keep the category of the model that was in use when they arrived).
-#}
with

prompts as (

    select * from {{ ref('int_tickets__prompted_for_categorization') }}

),

assignments as (

    select * from {{ ref('int_tickets__assigned_student') }}

),

student_answers as (

    select * from {{ ref('int_student_answers__categorized') }}

),

assigned_answers as (

    select
        assignments.ticket_id,
        student_answers.model,
        student_answers.prompt_hash,
        student_answers.is_structured_output,
        student_answers.raw_response,
        student_answers.category,
        student_answers.backend,
        student_answers.categorized_at,
        assignments.assigned_at

    from assignments
    inner join prompts
        on assignments.ticket_id = prompts.ticket_id
    inner join student_answers
        on
            assignments.ticket_id = student_answers.ticket_id
            and lower(assignments.student_model) = lower(student_answers.model)
            and prompts.finetuned_model_prompt_hash = student_answers.prompt_hash

),

chosen_answers as (

    select * from assigned_answers
    qualify row_number() over (
            partition by ticket_id
            order by case when raw_response is null then 1 else 0 end, assigned_at desc
        ) = 1

),

final as (

    select
        ticket_id,
        model,
        prompt_hash,
        is_structured_output,
        raw_response,
        coalesce(category, 'Unknown') as category,
        backend,
        categorized_at

    from chosen_answers

)

select * from final
