with

teacher_labels as (

    select * from {{ ref('int_teacher_labels__normalized') }}

),

final as (

    select
        ticket_id,
        split,
        prompt,
        category as completion

    from teacher_labels
    -- A pair teaches the model only when the teacher's answer is a valid category.
    where category != 'Unknown'

)

select * from final
