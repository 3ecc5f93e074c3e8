{#-
    dbt run-operation evaluate_and_promote_candidate

    Judges the candidate (the latest fine-tuned model not judged yet) on the promotion eval set,
    as int_candidate_evaluation__compared lays it out (build selector evaluate_candidate first),
    and records the decision, with its figures, in the promotions table. The candidate is
    promoted when
      - at least var min_eval_tickets_to_judge_models eval tickets judge it,
      - its accuracy against the teacher reaches var min_finetuned_accuracy, and
      - it is not worse than the champion (the promoted model) on the same tickets: the lower
        bound of a one-sided 95% interval on the paired accuracy difference (candidate minus
        champion) is at least -var promotion_margin.
    A candidate that fails is recorded as not promoted and the operation warns with what to do;
    it never fails the run.
-#}
{% macro evaluate_and_promote_candidate() -%}
    {%- set promotions = model_promotions_relation() -%}
    {%- do create_model_promotions_table() -%}
    {%- set candidate = finetuned_model_candidate(finetune_jobs_relation(), promotions) -%}
    {%- if candidate is none -%}
        {{ log("No candidate to judge: every fine-tuned model has been judged. In use: " ~ (promoted_finetuned_model(promotions) or 'none (bootstrap phase)') ~ ".", info=true) }}
        {{ return(none) }}
    {%- endif -%}
    {%- set compared = ref('int_candidate_evaluation__compared') -%}
    {%- if load_relation(compared) is none -%}
        {{ exceptions.raise_compiler_error(compared ~ " does not exist: run `dbt build --selector evaluate_candidate` first.") }}
    {%- endif -%}

    {%- set min_accuracy = var('min_finetuned_accuracy') -%}
    {%- set margin = var('promotion_margin') -%}
    {%- set min_tickets = var('min_eval_tickets_to_judge_models') | int -%}
    {%- set figures_query -%}
        with

        compared as (

            select * from {{ compared }}
            where lower(candidate_model) = lower({{ quote_string_literal(candidate) }})

        ),

        counted as (

            select
                count(*) as eval_tickets,
                sum(case when is_candidate_correct then 1 else 0 end) as candidate_correct,
                sum(case when has_champion_answer then 1 else 0 end) as paired_tickets,
                sum(case when has_champion_answer and is_candidate_correct then 1 else 0 end) as paired_candidate_correct,
                sum(case when has_champion_answer and is_champion_correct then 1 else 0 end) as paired_champion_correct,
                sum(case when has_champion_answer and is_candidate_correct and not is_champion_correct then 1 else 0 end) as only_candidate_correct,
                sum(case when has_champion_answer and is_champion_correct and not is_candidate_correct then 1 else 0 end) as only_champion_correct,
                max(champion_model) as champion_model

            from compared

        )

        select
            eval_tickets,
            candidate_correct,
            1.0 * candidate_correct / nullif(eval_tickets, 0) as candidate_accuracy,
            {{ wilson_interval_lower('candidate_correct', 'eval_tickets') }} as candidate_accuracy_lower,
            {{ wilson_interval_upper('candidate_correct', 'eval_tickets') }} as candidate_accuracy_upper,
            champion_model,
            paired_tickets,
            1.0 * paired_champion_correct / nullif(paired_tickets, 0) as champion_accuracy,
            1.0 * (paired_candidate_correct - paired_champion_correct) / nullif(paired_tickets, 0) as accuracy_difference,
            -- Paired (McNemar) standard error of the difference; 1.645 = one-sided 95%.
            1.0 * (paired_candidate_correct - paired_champion_correct) / nullif(paired_tickets, 0)
            - 1.645 * sqrt(
                greatest(
                    (only_candidate_correct + only_champion_correct)
                    - 1.0 * (only_candidate_correct - only_champion_correct) * (only_candidate_correct - only_champion_correct)
                    / nullif(paired_tickets, 0),
                    0
                )
            ) / nullif(paired_tickets, 0) as accuracy_difference_lower_bound

        from counted
    {%- endset -%}
    {%- set row = run_query(figures_query).rows[0] -%}
    {%- set eval_tickets = row[0] | int -%}
    {%- set accuracy = row[2] -%}
    {%- set champion = row[5] -%}
    {%- set difference_lower_bound = row[9] -%}

    {%- if eval_tickets < min_tickets -%}
        {%- set is_promoted = false -%}
        {%- set reason = "too few eval tickets to judge: " ~ eval_tickets ~ " < " ~ min_tickets ~ " (var min_eval_tickets_to_judge_models)" -%}
    {%- elif accuracy is none or accuracy < min_accuracy -%}
        {%- set is_promoted = false -%}
        {%- set reason = "accuracy " ~ _format_number(accuracy, 3) ~ " below var min_finetuned_accuracy " ~ min_accuracy -%}
    {%- elif champion and (row[6] | int) > 0 and difference_lower_bound is not none and difference_lower_bound < -margin -%}
        {%- set is_promoted = false -%}
        {%- set reason = "worse than the champion " ~ champion ~ ": accuracy difference " ~ _format_number(row[8], 3)
            ~ ", one-sided 95% lower bound " ~ _format_number(difference_lower_bound, 3) ~ " < -" ~ margin ~ " (var promotion_margin)" -%}
    {%- else -%}
        {%- set is_promoted = true -%}
        {%- set reason = "accuracy " ~ _format_number(accuracy, 3) ~ " >= " ~ min_accuracy
            ~ (" and not worse than " ~ champion ~ " (difference lower bound " ~ _format_number(difference_lower_bound, 3) ~ " >= -" ~ margin ~ ")" if champion else " (first promoted model)") -%}
    {%- endif -%}

    {%- set job = latest_successful_finetune_job(finetune_jobs_relation(), model_name=candidate) -%}
    {%- set record -%}
        insert into {{ promotions }} (
            candidate_model, job_id, evaluated_at, eval_tickets, candidate_correct, candidate_accuracy,
            candidate_accuracy_lower, candidate_accuracy_upper, champion_model, paired_tickets,
            champion_accuracy, accuracy_difference, accuracy_difference_lower_bound,
            min_finetuned_accuracy, promotion_margin, is_promoted, decision_reason
        )
        values (
            {{ quote_string_literal(candidate) }},
            {{ quote_string_literal(job['job_id'] if job else none) }},
            current_timestamp,
            {{ eval_tickets }},
            {{ row[1] | int }},
            {{ _sql_number(row[2]) }},
            {{ _sql_number(row[3]) }},
            {{ _sql_number(row[4]) }},
            {{ quote_string_literal(champion) }},
            {{ row[6] | int }},
            {{ _sql_number(row[7]) }},
            {{ _sql_number(row[8]) }},
            {{ _sql_number(row[9]) }},
            {{ min_accuracy }},
            {{ margin }},
            {{ 'true' if is_promoted else 'false' }},
            {{ quote_string_literal(reason) }}
        )
    {%- endset -%}
    {%- do run_query(record) -%}
    {%- do adapter.commit() if target.type == 'duckdb' -%}

    {%- if is_promoted -%}
        {{ log("Promoted " ~ candidate ~ ": " ~ reason ~ ". It categorises tickets from now on (var rescore_after_promotion: " ~ var('rescore_after_promotion') ~ ").", info=true) }}
    {%- else -%}
        {%- do exceptions.warn("Candidate " ~ candidate ~ " NOT promoted: " ~ reason ~ ". "
            ~ (("The tickets keep " ~ promoted_finetuned_model(promotions) ~ "'s categories.") if promoted_finetuned_model(promotions) else "No model is promoted yet, so tickets stay 'awaiting_promoted_model' (no category).")
            ~ " What to do: label more tickets (raise var bootstrap_ticket_budget; new tickets are sampled), then train a new version with `make retrain`;"
            ~ " or train longer (var finetune_max_epochs) with `make retrain`; or, if the bar is too high for your data, lower var min_finetuned_accuracy (or raise var promotion_margin) and retrain.") -%}
    {%- endif -%}
    {{ return(is_promoted) }}
{%- endmacro %}


{% macro _sql_number(value) -%}
    {{ return('null' if value is none else (value | float | string)) }}
{%- endmacro %}


{#-
    The promotions table, created when missing: by evaluate_and_promote_candidate, and by the
    project's on-run-start hook so that the finetuning source exists from the first run on.
-#}
{% macro create_model_promotions_table() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set promotions = model_promotions_relation() -%}
    {%- do adapter.create_schema(promotions) -%}
    {%- set ddl -%}
        create table if not exists {{ promotions }} (
            candidate_model varchar,
            job_id varchar,
            evaluated_at timestamp,
            eval_tickets integer,
            candidate_correct integer,
            candidate_accuracy double,
            candidate_accuracy_lower double,
            candidate_accuracy_upper double,
            champion_model varchar,
            paired_tickets integer,
            champion_accuracy double,
            accuracy_difference double,
            accuracy_difference_lower_bound double,
            min_finetuned_accuracy double,
            promotion_margin double,
            is_promoted boolean,
            decision_reason varchar
        )
    {%- endset -%}
    {%- do run_query(ddl) -%}
    {{ return('') }}
{%- endmacro %}
