{#-
    dbt run-operation evaluate_and_promote_candidate

    Records the promotion decision the model int_promotion_candidates__judged made (build
    selector evaluate_candidate first): one row per candidate in the promotions table, with its
    figures and the reason. The rule lives in that model (and its unit tests); this operation
    only writes down what it decided, once per candidate. A candidate that is not promoted is a
    warning with what to do; it never fails the run.
-#}
{% macro evaluate_and_promote_candidate() -%}
    {%- set promotions = model_promotions_relation() -%}
    {%- do create_model_promotions_table() -%}
    {%- set judged = ref('int_promotion_candidates__judged') -%}
    {%- if load_relation(judged) is none -%}
        {{ exceptions.raise_compiler_error(judged ~ " does not exist: run `dbt build --selector evaluate_candidate` first.") }}
    {%- endif -%}
    {%- set columns = [
        'candidate_model', 'job_id', 'trainer', 'eval_tickets', 'candidate_correct', 'candidate_accuracy',
        'candidate_accuracy_lower', 'candidate_accuracy_upper', 'credits_per_1000_tickets', 'champion_model',
        'paired_tickets', 'champion_accuracy', 'accuracy_difference', 'accuracy_difference_lower_bound',
        'best_candidate_model', 'difference_from_best_lower_bound', 'min_finetuned_accuracy',
        'promotion_margin', 'is_promoted', 'decision_reason'] -%}
    {%- set new_decisions -%}
        select {{ columns | join(', ') }}
        from {{ judged }} as judged
        where not exists (
            select 1
            from {{ promotions }} as recorded
            where lower(recorded.candidate_model) = lower(judged.candidate_model)
        )
    {%- endset -%}
    {%- set decided = run_query(new_decisions ~ " order by is_promoted desc, candidate_model") -%}
    {%- if decided.rows | length == 0 -%}
        {{ log("No candidate to judge: every trained student has been judged. In use: " ~ (promoted_finetuned_model(promotions) or 'none (bootstrap phase)') ~ ".", info=true) }}
        {{ return(none) }}
    {%- endif -%}
    {%- set record -%}
        insert into {{ promotions }} ({{ columns | join(', ') }}, evaluated_at)
        select decided.*, current_timestamp from ({{ new_decisions }}) as decided
    {%- endset -%}
    {%- do run_query(record) -%}
    {%- do adapter.commit() if target.type == 'duckdb' -%}

    {%- set state = namespace(promoted=none) -%}
    {%- for row in decided.rows -%}
        {%- set candidate = row['candidate_model'] -%}
        {%- if row['is_promoted'] -%}
            {%- set state.promoted = candidate -%}
            {{ log("Promoted " ~ candidate ~ " (" ~ row['trainer'] ~ "): " ~ row['decision_reason'] ~ ". It categorises tickets from now on (var rescore_after_promotion: " ~ var('rescore_after_promotion') ~ ").", info=true) }}
        {%- endif -%}
    {%- endfor -%}
    {%- for row in decided.rows -%}
        {%- if not row['is_promoted'] -%}
            {%- set in_use = promoted_finetuned_model(promotions) -%}
            {%- do exceptions.warn("Candidate " ~ row['candidate_model'] ~ " (" ~ row['trainer'] ~ ") NOT promoted: " ~ row['decision_reason'] ~ ". "
                ~ (("The tickets keep " ~ in_use ~ "'s categories.") if in_use else "No model is promoted yet, so tickets stay 'awaiting_promoted_model' (no category).")
                ~ " What to do: label more tickets (raise var bootstrap_ticket_budget; new tickets are sampled), then train a new version with `make retrain`;"
                ~ " or, if the bar is too high for your data, lower var min_finetuned_accuracy (or raise var promotion_margin) and retrain.") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(state.promoted is not none) }}
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
            decision_reason varchar,
            trainer varchar,
            credits_per_1000_tickets double,
            best_candidate_model varchar,
            difference_from_best_lower_bound double
        )
    {%- endset -%}
    {%- do run_query(ddl) -%}
    {#- Columns a table of an older version of the project lacks (its rows judged FINETUNE's models). -#}
    {%- set present = adapter.get_columns_in_relation(promotions) | map(attribute='name') | map('lower') | list -%}
    {%- for name, data_type in [('trainer', 'varchar'), ('credits_per_1000_tickets', 'double'), ('best_candidate_model', 'varchar'), ('difference_from_best_lower_bound', 'double')] -%}
        {%- if name not in present -%}
            {%- do run_query("alter table " ~ promotions ~ " add column " ~ name ~ " " ~ data_type) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}
