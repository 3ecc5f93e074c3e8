{{ config(materialized='view') }}

{#-
    The tickets a candidate is judged on: eval-split tickets the teacher answered with the
    current prompt. No version trains on them (training reads the train split only).
-#}
with

teacher_labels as (

    select * from {{ ref('int_teacher_labels__normalized') }}

),

final as (

    select
        ticket_id,
        prompt_hash,
        prompt,
        category as teacher_category

    from teacher_labels
    where
        split = 'eval'
        and raw_response is not null

)

select * from final
