{#-
    One row per student the evaluation reports (one per trainer): what it costs to train and to
    call, against the teacher labelling every ticket, and where it breaks even.
-#}
with

student_versions as (

    select * from {{ ref('int_student_versions__listed') }}

),

model_costs as (

    select * from {{ ref('model_costs') }}

),

model_catalog as (

    select * from {{ ref('cortex_models') }}

),

split as (

    select * from {{ ref('int_tickets__split') }}

),

teacher_labels as (

    select * from {{ ref('int_teacher_labels__normalized') }}

),

-- FINETUNE bills trained tokens (input tokens x epochs) at the '<base>:finetune-training' rate;
-- the embedding classifier is trained in SQL, on embeddings already paid for as its calls.
training_prices as (

    select
        base_model,
        input_credits_per_million_tokens as credits_per_million_tokens,
        price_basis

    from model_catalog
    where priced_as = 'finetune_training'

),

reported_students as (

    select
        {{ student_model_role('trainer') }} as model_role,
        student_model,
        trainer,
        base_model,
        job_id,
        trained_tokens,
        is_champion

    from student_versions
    where is_reported

),

ticket_counts as (

    select count(*) as tickets

    from split

),

teacher_labeled_counts as (

    select count(*) as teacher_labeled_tickets

    from teacher_labels
    where raw_response is not null

),

teacher_costs as (

    select * from model_costs
    where model_role = 'teacher'

),

priced as (

    select
        reported_students.student_model,
        reported_students.trainer,
        reported_students.is_champion as is_in_use,
        reported_students.base_model,
        reported_students.job_id,
        reported_students.trained_tokens,
        training_prices.credits_per_million_tokens as training_credits_per_million_tokens,
        case
            when reported_students.trainer = 'embedding_classifier' then 'no training charge: trained in SQL'
            else training_prices.price_basis
        end as training_price_basis,
        case
            when reported_students.trainer = 'embedding_classifier' then 0
            else reported_students.trained_tokens * training_prices.credits_per_million_tokens / 1000000.0
        end as training_credits,
        teacher_costs.model as teacher_model,
        teacher_costs.credits_per_ticket as teacher_credits_per_ticket,
        student_costs.credits_per_ticket as student_credits_per_ticket,
        teacher_costs.credits_per_ticket - student_costs.credits_per_ticket as credits_saved_per_ticket,
        teacher_costs.credits_per_1000_tickets as teacher_credits_per_1000_tickets,
        student_costs.credits_per_1000_tickets as student_credits_per_1000_tickets,
        ticket_counts.tickets,
        teacher_labeled_counts.teacher_labeled_tickets

    from reported_students
    cross join ticket_counts
    cross join teacher_labeled_counts
    cross join teacher_costs
    left join model_costs as student_costs
        on reported_students.model_role = student_costs.model_role
    left join training_prices
        on
            reported_students.trainer = 'cortex_finetune'
            and lower(reported_students.base_model) = lower(training_prices.base_model)

),

final as (

    select
        student_model as finetuned_model,
        trainer,
        is_in_use,
        base_model,
        job_id,
        trained_tokens,
        training_credits_per_million_tokens,
        training_price_basis,
        training_credits,
        teacher_model,
        teacher_credits_per_1000_tickets,
        student_credits_per_1000_tickets as finetuned_credits_per_1000_tickets,
        teacher_credits_per_1000_tickets - student_credits_per_1000_tickets as credits_saved_per_1000_tickets,
        -- Null when the student is not cheaper per ticket: it never pays off.
        cast(
            case
                when credits_saved_per_ticket > 0 then ceil(training_credits / credits_saved_per_ticket)
            end as integer
        ) as break_even_tickets,
        tickets,
        teacher_labeled_tickets,
        {{ var('bootstrap_ticket_budget') | int }} as bootstrap_ticket_budget,
        teacher_labeled_tickets * teacher_credits_per_ticket as teacher_credits_spent,
        tickets * teacher_credits_per_ticket as teacher_credits_for_every_ticket,
        (tickets - teacher_labeled_tickets) * teacher_credits_per_ticket as teacher_credits_saved_by_sampling,
        tickets * student_credits_per_ticket as finetuned_credits_for_every_ticket,
        teacher_labeled_tickets * teacher_credits_per_ticket
        + training_credits
        + tickets * student_credits_per_ticket as pipeline_credits,
        tickets * teacher_credits_per_ticket
        - teacher_labeled_tickets * teacher_credits_per_ticket
        - training_credits
        - tickets * student_credits_per_ticket as credits_saved_against_teacher_only

    from priced

)

select * from final
