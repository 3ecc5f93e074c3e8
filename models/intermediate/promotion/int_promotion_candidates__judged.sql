{#-
    THE promotion rule (see its yml): one row per candidate, judged on the same promotion eval
    tickets; the cheapest eligible candidate within the margin of the best is promoted.
-#}
{%- set min_accuracy = checked_number_var('min_finetuned_accuracy', minimum=0, maximum=1) -%}
{%- set margin = checked_number_var('promotion_margin', minimum=0, maximum=1) -%}
{%- set min_tickets = checked_number_var('min_eval_tickets_to_judge_models', minimum=1, whole_number=true) -%}

with

compared as (

    select * from {{ ref('int_candidate_evaluation__compared') }}

),

versions as (

    select * from {{ ref('int_student_versions__listed') }}

),

priced as (

    select * from {{ ref('int_promotion_candidates__priced') }}

),

counted as (

    select
        candidate_model,
        trainer,
        count(*) as eval_tickets,
        sum(case when is_candidate_correct then 1 else 0 end) as candidate_correct,
        max(champion_model) as champion_model,
        sum(case when has_champion_answer then 1 else 0 end) as paired_tickets,
        sum(case when has_champion_answer and is_champion_correct then 1 else 0 end) as paired_champion_correct,
        sum(case when has_champion_answer and is_candidate_correct and not is_champion_correct then 1 else 0 end)
            as only_candidate_correct,
        sum(case when has_champion_answer and is_champion_correct and not is_candidate_correct then 1 else 0 end)
            as only_champion_correct

    from compared
    group by candidate_model, trainer

),

figures as (

    select
        counted.candidate_model,
        counted.trainer,
        versions.job_id,
        counted.eval_tickets,
        counted.candidate_correct,
        1.0 * counted.candidate_correct / nullif(counted.eval_tickets, 0) as candidate_accuracy,
        {{ wilson_interval_lower('counted.candidate_correct', 'counted.eval_tickets') }} as candidate_accuracy_lower,
        {{ wilson_interval_upper('counted.candidate_correct', 'counted.eval_tickets') }} as candidate_accuracy_upper,
        priced.credits_per_1000_tickets,
        counted.champion_model,
        counted.paired_tickets,
        1.0 * counted.paired_champion_correct / nullif(counted.paired_tickets, 0) as champion_accuracy,
        1.0 * (counted.only_candidate_correct - counted.only_champion_correct) / nullif(counted.paired_tickets, 0)
            as accuracy_difference,
        {{ paired_difference_lower_bound(
            'counted.only_candidate_correct',
            'counted.only_champion_correct',
            'counted.paired_tickets',
        ) }} as accuracy_difference_lower_bound

    from counted
    inner join versions
        on counted.candidate_model = versions.student_model
    left join priced
        on counted.candidate_model = priced.candidate_model

),

gated as (

    select
        *,
        case
            when eval_tickets < {{ min_tickets }}
                then 'too few eval tickets to judge: ' || cast(eval_tickets as {{ dbt.type_string() }})
                    || ' < {{ min_tickets }} (var min_eval_tickets_to_judge_models)'
            when coalesce(candidate_accuracy, 0) < {{ min_accuracy }}
                then 'accuracy ' || {{ number_text('candidate_accuracy') }}
                    || ' below var min_finetuned_accuracy {{ min_accuracy }}'
            when champion_model is not null and paired_tickets > 0 and accuracy_difference_lower_bound < -{{ margin }}
                then 'worse than the champion ' || champion_model || ': accuracy difference '
                    || {{ number_text('accuracy_difference') }} || ', one-sided 95% lower bound '
                    || {{ number_text('accuracy_difference_lower_bound') }} || ' < -{{ margin }} (var promotion_margin)'
        end as failed_gate

    from figures

),

best_candidate as (

    select candidate_model from gated
    where failed_gate is null
    qualify row_number() over (
            order by candidate_accuracy desc, credits_per_1000_tickets asc nulls last, candidate_model asc
        ) = 1

),

-- Each eligible candidate against the best one, ticket by ticket (the same paired bound).
versus_best as (

    select
        candidate_answers.candidate_model,
        max(best_candidate.candidate_model) as best_candidate_model,
        {{ paired_difference_lower_bound(
            'sum(case when candidate_answers.is_candidate_correct and not best_answers.is_candidate_correct then 1 else 0 end)',
            'sum(case when best_answers.is_candidate_correct and not candidate_answers.is_candidate_correct then 1 else 0 end)',
            'count(*)') }} as difference_from_best_lower_bound

    from compared as candidate_answers
    cross join best_candidate
    inner join compared as best_answers
        on
            candidate_answers.ticket_id = best_answers.ticket_id
            and best_candidate.candidate_model = best_answers.candidate_model
    group by candidate_answers.candidate_model

),

within_margin as (

    select
        gated.*,
        versus_best.best_candidate_model,
        best_figures.candidate_accuracy as best_candidate_accuracy,
        versus_best.difference_from_best_lower_bound,
        gated.failed_gate is null
        and versus_best.difference_from_best_lower_bound >= -{{ margin }} as is_within_margin_of_best

    from gated
    left join versus_best
        on gated.candidate_model = versus_best.candidate_model
    left join gated as best_figures
        on versus_best.best_candidate_model = best_figures.candidate_model

),

chosen as (

    select
        candidate_model,
        credits_per_1000_tickets

    from within_margin
    where is_within_margin_of_best
    qualify row_number() over (
            order by credits_per_1000_tickets asc nulls last, candidate_accuracy desc, candidate_model asc
        ) = 1

),

final as (

    select
        within_margin.candidate_model,
        within_margin.trainer,
        within_margin.job_id,
        cast(within_margin.eval_tickets as integer) as eval_tickets,
        cast(within_margin.candidate_correct as integer) as candidate_correct,
        cast(within_margin.candidate_accuracy as double) as candidate_accuracy,
        cast(within_margin.candidate_accuracy_lower as double) as candidate_accuracy_lower,
        cast(within_margin.candidate_accuracy_upper as double) as candidate_accuracy_upper,
        cast(within_margin.credits_per_1000_tickets as double) as credits_per_1000_tickets,
        within_margin.champion_model,
        cast(within_margin.paired_tickets as integer) as paired_tickets,
        cast(within_margin.champion_accuracy as double) as champion_accuracy,
        cast(within_margin.accuracy_difference as double) as accuracy_difference,
        cast(within_margin.accuracy_difference_lower_bound as double) as accuracy_difference_lower_bound,
        within_margin.best_candidate_model,
        cast(within_margin.difference_from_best_lower_bound as double) as difference_from_best_lower_bound,
        cast({{ min_accuracy }} as double) as min_finetuned_accuracy,
        cast({{ margin }} as double) as promotion_margin,
        chosen.candidate_model is not null as is_promoted,
        case
            when within_margin.failed_gate is not null then within_margin.failed_gate
            when not within_margin.is_within_margin_of_best
                then 'not within the margin of the best candidate ' || within_margin.best_candidate_model
                    || ': accuracy ' || {{ number_text('within_margin.candidate_accuracy') }} || ' against '
                    || {{ number_text('within_margin.best_candidate_accuracy') }}
                    || ', one-sided 95% lower bound of the difference '
                    || {{ number_text('within_margin.difference_from_best_lower_bound') }}
                    || ' < -{{ margin }} (var promotion_margin)'
            when chosen.candidate_model is null
                then 'not the cheapest candidate within the margin of the best: '
                    || cheapest.candidate_model || ' costs '
                    || {{ number_text('cheapest.credits_per_1000_tickets', 4) }}
                    || ' credits per 1,000 tickets against '
                    || {{ number_text('within_margin.credits_per_1000_tickets', 4) }}
            else 'accuracy ' || {{ number_text('within_margin.candidate_accuracy') }} || ' >= {{ min_accuracy }}'
                || case
                    when within_margin.champion_model is not null
                        then ' and not worse than ' || within_margin.champion_model || ' (difference lower bound '
                            || {{ number_text('within_margin.accuracy_difference_lower_bound') }}
                            || ' >= -{{ margin }})'
                    else ' (first promoted model)'
                end
                || case
                    when (
                        select count(*) from within_margin as others
                        where others.failed_gate is null
                    ) > 1
                        then '; the cheapest candidate within the margin of the best ('
                            || {{ number_text('within_margin.credits_per_1000_tickets', 4) }}
                            || ' credits per 1,000 tickets)'
                    else ''
                end
        end as decision_reason

    from within_margin
    left join chosen
        on within_margin.candidate_model = chosen.candidate_model
    left join chosen as cheapest
        on 1 = 1

)

select * from final
