{#-
    Each candidate (the latest trained, not yet judged version of each trainer) against the
    teacher and against the champion (the promoted model) on the same promotion eval tickets:
    what the promotion decision (int_promotion_candidates__judged) is computed from.
-#}
with

eval_tickets as (

    select * from {{ ref('int_promotion_eval_tickets__selected') }}

),

versions as (

    select * from {{ ref('int_student_versions__listed') }}

),

student_answers as (

    select * from {{ ref('int_student_answers__categorized') }}

),

candidates as (

    select
        student_model,
        trainer

    from versions
    where is_candidate

),

champion as (

    select student_model from versions
    where is_champion

),

answered_categories as (

    select
        student_answers.ticket_id,
        lower(student_answers.model) as model_key,
        student_answers.category

    from student_answers
    inner join eval_tickets
        on
            student_answers.ticket_id = eval_tickets.ticket_id
            and student_answers.prompt_hash = eval_tickets.prompt_hash
    where student_answers.raw_response is not null

),

final as (

    select
        md5(eval_tickets.ticket_id || '|' || candidates.student_model) as candidate_evaluation_id,
        eval_tickets.ticket_id,
        eval_tickets.teacher_category,
        candidates.student_model as candidate_model,
        candidates.trainer,
        candidate_categories.category as candidate_category,
        champion.student_model as champion_model,
        champion_categories.category as champion_category,
        coalesce(candidate_categories.category = eval_tickets.teacher_category, false) as is_candidate_correct,
        coalesce(champion_categories.category = eval_tickets.teacher_category, false) as is_champion_correct,
        champion_categories.category is not null as has_champion_answer

    from eval_tickets
    cross join candidates
    left join champion
        on 1 = 1
    left join answered_categories as candidate_categories
        on
            eval_tickets.ticket_id = candidate_categories.ticket_id
            and lower(candidates.student_model) = candidate_categories.model_key
    left join answered_categories as champion_categories
        on
            eval_tickets.ticket_id = champion_categories.ticket_id
            and lower(champion.student_model) = champion_categories.model_key

)

select * from final
