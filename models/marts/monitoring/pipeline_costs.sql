{#-
    What each run paid to categorise its tickets, and cumulatively, against "the teacher labels
    every ticket". Calls are attributed to the run in whose time window they were answered (from
    one run's first sight of new tickets to the next's). Credits per call are the mean tokens per
    ticket of each role on the eval split (model_costs) times the catalog price; training is
    trained tokens times the training price of the base model.
-#}
with

sampled as (

    select * from {{ ref('int_tickets__sampled') }}

),

teacher_answers as (

    select * from {{ ref('int_teacher_labels__requested') }}

),

scoring_answers as (

    select * from {{ ref('int_finetuned_categories__requested') }}

),

candidate_answers as (

    select * from {{ ref('int_candidate_categories__requested') }}

),

ticket_embeddings as (

    select * from {{ ref('int_ticket_embeddings__requested') }}

),

finetune_jobs as (

    select * from {{ ref('stg_finetuning__jobs') }}

),

model_costs as (

    select * from {{ ref('model_costs') }}

),

-- As finetune_payoff: FINETUNE's training rate per million trained tokens, per base model.
training_prices as (

    select
        base_model as model,
        input_credits_per_million_tokens as credits_per_million_tokens

    from {{ ref('cortex_models') }}
    where priced_as = 'finetune_training'

),

runs as (

    select
        sampled_at as run_started_at,
        count(*) as new_tickets,
        sum(case when sampling_reason = 'bootstrap' then 1 else 0 end) as bootstrap_tickets,
        sum(case when sampling_reason = 'audit' then 1 else 0 end) as audit_tickets

    from sampled
    group by sampled_at

),

run_windows as (

    select
        run_started_at,
        new_tickets,
        bootstrap_tickets,
        audit_tickets,
        row_number() over (order by run_started_at) as run_number,
        lead(run_started_at) over (order by run_started_at) as next_run_started_at

    from runs

),

calls as (

    select
        'teacher' as call_role,
        labeled_at as called_at,
        cast(null as bigint) as trained_tokens,
        cast(null as {{ dbt.type_string() }}) as base_model
    from teacher_answers

    union all

    select
        'student' as call_role,
        student_answers.categorized_at as called_at,
        cast(null as bigint) as trained_tokens,
        cast(null as {{ dbt.type_string() }}) as base_model
    from (
        select categorized_at from scoring_answers
        union all
        select categorized_at from candidate_answers
    ) as student_answers

    union all

    -- The embedding classifier's one paid call per ticket: its embedding.
    select
        'embedding' as call_role,
        embedded_at as called_at,
        cast(null as bigint) as trained_tokens,
        cast(null as {{ dbt.type_string() }}) as base_model
    from ticket_embeddings

    union all

    select
        'training' as call_role,
        launched_at as called_at,
        trained_tokens,
        base_model
    from finetune_jobs
    where is_trained and trainer = 'cortex_finetune'

),

calls_per_run as (

    select
        run_windows.run_started_at,
        sum(case when calls.call_role = 'teacher' then 1 else 0 end) as teacher_calls,
        sum(case when calls.call_role = 'student' then 1 else 0 end) as student_calls,
        sum(case when calls.call_role = 'embedding' then 1 else 0 end) as embedding_calls,
        sum(case when calls.call_role = 'training' then 1 else 0 end) as trainings,
        coalesce(sum(
            case
                when calls.call_role = 'training'
                    then calls.trained_tokens * training_prices.credits_per_million_tokens / 1000000.0
            end
        ), 0) as training_credits

    from run_windows
    left join calls
        on
            run_windows.run_started_at <= calls.called_at
            and (run_windows.next_run_started_at is null or run_windows.next_run_started_at > calls.called_at)
    left join training_prices
        on lower(calls.base_model) = lower(training_prices.model)
    group by run_windows.run_started_at

),

prices as (

    select
        max(case when model_role = 'teacher' then credits_per_ticket end) as teacher_credits_per_call,
        max(case when model_role = 'finetuned' then credits_per_ticket end) as student_credits_per_call,
        max(case when model_role = 'embedding_classifier' then credits_per_ticket end) as embedding_credits_per_call

    from model_costs

),

priced as (

    select
        run_windows.run_number,
        run_windows.run_started_at,
        run_windows.new_tickets,
        run_windows.bootstrap_tickets,
        run_windows.audit_tickets,
        calls_per_run.teacher_calls,
        calls_per_run.student_calls + calls_per_run.embedding_calls as student_calls,
        calls_per_run.trainings,
        calls_per_run.teacher_calls * prices.teacher_credits_per_call as teacher_credits,
        coalesce(calls_per_run.student_calls * prices.student_credits_per_call, 0)
        + coalesce(calls_per_run.embedding_calls * prices.embedding_credits_per_call, 0) as student_credits,
        calls_per_run.training_credits,
        run_windows.new_tickets * prices.teacher_credits_per_call as teacher_every_ticket_credits

    from run_windows
    inner join calls_per_run
        on run_windows.run_started_at = calls_per_run.run_started_at
    cross join prices

),

final as (

    select
        run_number,
        run_started_at,
        new_tickets,
        bootstrap_tickets,
        audit_tickets,
        teacher_calls,
        student_calls,
        trainings,
        teacher_credits,
        student_credits,
        training_credits,
        teacher_credits + student_credits + training_credits as categorization_credits,
        teacher_every_ticket_credits,
        sum(new_tickets) over (order by run_number) as cumulative_tickets,
        sum(teacher_calls) over (order by run_number) as cumulative_teacher_calls,
        sum(student_calls) over (order by run_number) as cumulative_student_calls,
        sum(teacher_credits + student_credits + training_credits) over (order by run_number)
            as cumulative_categorization_credits,
        sum(teacher_every_ticket_credits) over (order by run_number) as cumulative_teacher_every_ticket_credits,
        sum(teacher_credits + student_credits + training_credits) over (order by run_number)
        / nullif(sum(teacher_every_ticket_credits) over (order by run_number), 0)
            as cumulative_share_of_teacher_every_ticket

    from priced

)

select * from final
