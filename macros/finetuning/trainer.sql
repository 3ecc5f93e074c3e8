{#-
    The training step as one interface, dispatched by var `trainer` (default cortex_finetune):
        trainer_launch(model_name, base_model, training_query, validation_query, max_epochs) -> job id
        trainer_describe(job_id) -> the job (a mapping: id, status, progress, model, error,
                                    trained_tokens, training_result, finished_on)
        trainer_cancel(job_id)   -> the trainer's answer (text)
        trainer_show()           -> every job the trainer knows (a list of mappings)
        trainer_model_to_call(model_name) -> the name AI_COMPLETE calls for a trained model
    A trainer named T provides macros T_launch_job, T_describe_job, T_cancel_job, T_show_jobs and T_model_to_call
    (as default__T_..., or per adapter as snowflake__T_... / duckdb__T_...); the
    operations (launch_finetune, describe_finetune, cancel_finetune, show_finetune_jobs) and the
    scoring models call only this interface, so a second trainer plugs in without touching them.
-#}
{% macro trainer_launch(model_name, base_model, training_query, validation_query=none, max_epochs=none) -%}
    {{ return(_trainer_macro('_launch_job')(model_name, base_model, training_query, validation_query, max_epochs)) }}
{%- endmacro %}

{% macro trainer_describe(job_id) -%}
    {{ return(_trainer_macro('_describe_job')(job_id)) }}
{%- endmacro %}

{% macro trainer_cancel(job_id) -%}
    {{ return(_trainer_macro('_cancel_job')(job_id)) }}
{%- endmacro %}

{% macro trainer_show() -%}
    {{ return(_trainer_macro('_show_jobs')()) }}
{%- endmacro %}

{% macro trainer_model_to_call(model_name) -%}
    {{ return(_trainer_macro('_model_to_call')(model_name)) }}
{%- endmacro %}

{#-
    The trainer's macro for a verb: <trainer><suffix>, looked up like adapter.dispatch does
    (snowflake__/duckdb__ then default__). Called through a name, since dbt's static parser only
    reads constant macro names in adapter.dispatch.
-#}
{% macro _trainer_macro(suffix) -%}
    {%- set dispatch = adapter.dispatch -%}
    {{ return(dispatch(_trainer() ~ suffix, 'support_ticket_llm')) }}
{%- endmacro %}

{#-
    The trainers this run launches: var trainer, one name or a list of names, checked (each a
    macro-name prefix). Default: embedding_classifier, whose student every account can call.
-#}
{% macro configured_trainers() -%}
    {%- set configured = var('trainer', 'embedding_classifier') -%}
    {%- set names = [configured] if configured is string else configured -%}
    {%- if names is string or names is mapping or names is not iterable or names | length == 0 -%}
        {{ exceptions.raise_compiler_error("var trainer must name a trainer or list trainers (embedding_classifier, cortex_finetune); got " ~ (configured | string | tojson)) }}
    {%- endif -%}
    {%- for name in names -%}
        {%- if name is not string or not modules.re.fullmatch('[a-z][a-z0-9_]{0,62}', name) -%}
            {{ exceptions.raise_compiler_error("var trainer must name a trainer (macros <trainer>_launch_job, _describe_job, _cancel_job, _show_jobs, _model_to_call), e.g. embedding_classifier or cortex_finetune; got " ~ (configured | string | tojson)) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names | unique | list) }}
{%- endmacro %}

{#- The trainer a macro call is for: `trainer` when given, else the first configured one. -#}
{% macro _trainer(trainer=none) -%}
    {{ return(trainer or configured_trainers()[0]) }}
{%- endmacro %}


{#- ---- cortex_finetune: SNOWFLAKE.CORTEX.FINETUNE (emulated on DuckDB) ---------------------- -#}

{% macro default__cortex_finetune_launch_job(model_name, base_model, training_query, validation_query, max_epochs) -%}
    {%- set launched = run_query("select " ~ cortex_finetune_create(model_name, base_model, training_query, validation_query, max_epochs) ~ " as job_id") -%}
    {{ return(launched.rows[0][0]) }}
{%- endmacro %}

{#- On Snowflake, the launch says once per run that FINETUNE is going away (cortex-finetuning, read 2026-12-01). -#}
{% macro snowflake__cortex_finetune_launch_job(model_name, base_model, training_query, validation_query, max_epochs) -%}
    {{ log(cortex_finetune_deprecation_notice(), info=true) }}
    {{ return(default__cortex_finetune_launch_job(model_name, base_model, training_query, validation_query, max_epochs)) }}
{%- endmacro %}

{% macro default__cortex_finetune_describe_job(job_id) -%}
    {%- set described = run_query("select " ~ cortex_finetune_describe(job_id) ~ " as job") -%}
    {{ return(fromjson(described.rows[0][0] | string)) }}
{%- endmacro %}

{% macro default__cortex_finetune_cancel_job(job_id) -%}
    {%- set cancelled = run_query("select " ~ cortex_finetune_cancel(job_id) ~ " as answer") -%}
    {{ return(cancelled.rows[0][0]) }}
{%- endmacro %}

{% macro default__cortex_finetune_show_jobs() -%}
    {%- set shown = run_query("select " ~ cortex_finetune_show() ~ " as jobs") -%}
    {{ return(fromjson(shown.rows[0][0] | string)) }}
{%- endmacro %}

{#- A FINETUNE model is called by the name it was created under. -#}
{% macro default__cortex_finetune_model_to_call(model_name) -%}
    {{ return(model_name) }}
{%- endmacro %}

{% macro cortex_finetune_deprecation_notice() -%}
    {{ return("Note: Snowflake Cortex Fine-tuning (FINETUNE) is scheduled for deprecation in Q1 2027; Snowflake points "
        ~ "to Cortex Training instead, which this project cannot call yet (docs/after-finetune.md).") }}
{%- endmacro %}
