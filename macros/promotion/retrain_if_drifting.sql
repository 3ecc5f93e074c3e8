{#-
    dbt run-operation retrain_if_drifting

    With var retrain_on_drift: true, when the audit_agreement mart (as the last run built it) says
    the latest run is drifting (the same condition as the drift test) and no candidate has been
    judged since the rolling window started (so the window measures the model in use, and a
    failed retrain is not repeated every day), launches a new version trained on every teacher
    label so far with each configured trainer. The main job's next steps train it (selector
    train_students, describe_finetune with wait), judge and promote it. Otherwise nothing
    happens.
-#}
{% macro retrain_if_drifting() -%}
    {%- set agreement = ref('audit_agreement') -%}
    {%- if load_relation(agreement) is none -%}
        {{ log("Drift: no audit_agreement yet (no audit run); nothing to do.", info=true) }}
        {{ return(false) }}
    {%- endif -%}
    {%- set latest = run_query("select rolling_agreement, rolling_audited_tickets, is_drifting, rolling_window_started_at, drift_threshold from " ~ agreement ~ " where is_latest_run") -%}
    {%- if latest.rows | length == 0 or not latest.rows[0][2] -%}
        {{ log("Drift: none flagged" ~ (" (rolling agreement " ~ _format_number(latest.rows[0][0], 3) ~ " on " ~ latest.rows[0][1] ~ " audit tickets)" if latest.rows | length > 0 else "") ~ ".", info=true) }}
        {{ return(false) }}
    {%- endif -%}
    {%- set row = latest.rows[0] -%}
    {%- if not var('retrain_on_drift') -%}
        {%- do exceptions.warn("Drift: rolling audit agreement " ~ _format_number(row[0], 3) ~ " on the last " ~ row[1]
            ~ " audit tickets is below its drift threshold " ~ _format_number(row[4], 3)
            ~ " (audit_agreement.drift_threshold). Retrain with `make retrain`, or set var retrain_on_drift: true to let the job do it.") -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set promotions = model_promotions_relation() -%}
    {%- set judged_since = run_query("select count(*) from " ~ promotions ~ " as promotions where promotions.evaluated_at >= (select rolling_window_started_at from " ~ agreement ~ " where is_latest_run)") -%}
    {%- if judged_since.rows[0][0] | int > 0 -%}
        {{ log("Drift flagged, but a candidate was judged since the rolling window started (" ~ row[3] ~ "): waiting for the window to measure the model in use.", info=true) }}
        {{ return(false) }}
    {%- endif -%}
    {{ log("Drift: rolling audit agreement " ~ _format_number(row[0], 3) ~ " < drift threshold " ~ _format_number(row[4], 3) ~ "; retraining (var retrain_on_drift).", info=true) }}
    {%- do launch_finetune(retrain=true) -%}
    {{ return(true) }}
{%- endmacro %}
