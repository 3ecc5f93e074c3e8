{#-
    The training step as one interface, one implementation per trainer (var `trainer`: one name
    or a list; default embedding_classifier). Each verb takes the trainer (default: the first
    configured one; the operations pass a job's own trainer for its job):
        trainer_launch(model_name, base_model, training_query, validation_query, max_epochs) -> job id
        trainer_describe(job_id) -> the job (a mapping: id, status, progress, model, error,
                                    trained_tokens, training_result, finished_on)
        trainer_cancel(job_id)   -> the trainer's answer (text)
        trainer_show()           -> every job the trainer knows (a list of mappings)
        trainer_model_to_call(model_name) -> the name AI_COMPLETE calls for a trained model
    A trainer named T provides macros T_launch_job, T_describe_job, T_cancel_job, T_show_jobs and T_model_to_call
    (as default__T_..., or per adapter as snowflake__T_... / duckdb__T_...); the
    operations (launch_finetune, describe_finetune, cancel_finetune, show_finetune_jobs) and the
    scoring models call only this interface, so a trainer plugs in without touching them.
    Trainers: cortex_finetune (SNOWFLAKE.CORTEX.FINETUNE) and embedding_classifier (AI_EMBED and
    a nearest-centroid classifier trained in SQL by the model int_student_centroids__trained).
-#}
{% macro trainer_launch(model_name, base_model, training_query, validation_query=none, max_epochs=none, trainer=none) -%}
    {{ return(_trainer_macro('_launch_job', trainer)(model_name, base_model, training_query, validation_query, max_epochs)) }}
{%- endmacro %}

{% macro trainer_describe(job_id, trainer=none) -%}
    {{ return(_trainer_macro('_describe_job', trainer)(job_id)) }}
{%- endmacro %}

{% macro trainer_cancel(job_id, trainer=none) -%}
    {{ return(_trainer_macro('_cancel_job', trainer)(job_id)) }}
{%- endmacro %}

{% macro trainer_show(trainer=none) -%}
    {{ return(_trainer_macro('_show_jobs', trainer)()) }}
{%- endmacro %}

{% macro trainer_model_to_call(model_name, trainer=none) -%}
    {{ return(_trainer_macro('_model_to_call', trainer)(model_name)) }}
{%- endmacro %}

{#-
    The trainer's macro for a verb: <trainer><suffix>, looked up like adapter.dispatch does
    (snowflake__/duckdb__ then default__). Called through a name, since dbt's static parser only
    reads constant macro names in adapter.dispatch.
-#}
{% macro _trainer_macro(suffix, trainer=none) -%}
    {%- set dispatch = adapter.dispatch -%}
    {{ return(dispatch(_trainer(trainer) ~ suffix, 'support_ticket_llm')) }}
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


{#-
    ---- embedding_classifier: AI_EMBED + nearest centroid, trained in SQL ------------------------
    A version is launched by recording its job (launch_finetune does that); the model
    int_student_centroids__trained trains it at its next build (selector train_students): one
    centroid per category, the average embedding (var embedding_model, recorded as the job's
    base_model) of the train-split tickets the teacher had labelled when the job was launched.
    It is called in SQL (int_student_categories__scored): no Cortex model to call, nothing to
    cancel on Snowflake's side.
-#}

{% macro default__embedding_classifier_launch_job(model_name, base_model, training_query, validation_query, max_epochs) -%}
    {%- if max_epochs is not none -%}
        {{ log("embedding_classifier: max_epochs does not apply (a nearest-centroid classifier is trained in one pass); ignored.", info=true) }}
    {%- endif -%}
    {{ return('embedding-classifier-' ~ local_md5(model_name ~ '|' ~ invocation_id ~ '|' ~ modules.datetime.datetime.utcnow().isoformat())) }}
{%- endmacro %}

{#- The job as trainer_describe returns it: SUCCESS once its centroids are built, else PENDING. -#}
{% macro default__embedding_classifier_describe_job(job_id) -%}
    {%- set jobs = finetune_jobs_relation() -%}
    {%- set centroids = ref('int_student_centroids__trained') -%}
    {%- set job_row = run_query("select model_name, status, launched_at from " ~ jobs ~ " where job_id = " ~ quote_string_literal(job_id)) -%}
    {%- if job_row.rows | length == 0 -%}
        {{ exceptions.raise_compiler_error("No job " ~ job_id ~ " in " ~ jobs ~ ".") }}
    {%- endif -%}
    {%- set model_name = job_row.rows[0][0] -%}
    {%- if job_row.rows[0][1] == 'CANCELLED' -%}
        {{ return({'id': job_id, 'status': 'CANCELLED', 'model': model_name, 'progress': 0, 'error': {'message': 'cancelled before it was trained'}}) }}
    {%- endif -%}
    {%- set trained = none -%}
    {%- if load_relation(centroids) is not none -%}
        {%- set trained = run_query("select count(*), sum(training_examples), max(trained_at) from " ~ centroids ~ " where job_id = " ~ quote_string_literal(job_id)).rows[0] -%}
    {%- endif -%}
    {%- if trained is none or (trained[0] | int) == 0 -%}
        {{ return({'id': job_id, 'status': 'PENDING', 'model': model_name, 'progress': 0,
            'note': 'trained by the next `dbt build --selector train_students` (model int_student_centroids__trained)'}) }}
    {%- endif -%}
    {{ return({'id': job_id, 'status': 'SUCCESS', 'model': model_name, 'progress': 1.0,
        'trained_tokens': 0, 'categories': trained[0] | int, 'training_examples': trained[1] | int,
        'finished_on': none}) }}
{%- endmacro %}

{#- Nothing runs on Snowflake's side: cancelling a version not trained yet marks it CANCELLED. -#}
{% macro default__embedding_classifier_cancel_job(job_id) -%}
    {%- set described = default__embedding_classifier_describe_job(job_id) -%}
    {%- if described['status'] == 'SUCCESS' -%}
        {{ return("Job " ~ job_id ~ " is already trained; a trained version is never used unless promoted.") }}
    {%- endif -%}
    {%- do run_query("update " ~ finetune_jobs_relation() ~ " set status = 'CANCELLED', status_checked_at = current_timestamp where job_id = " ~ quote_string_literal(job_id)) -%}
    {%- do adapter.commit() if target.type == 'duckdb' -%}
    {{ return("Job " ~ job_id ~ " cancelled before it was trained.") }}
{%- endmacro %}

{% macro default__embedding_classifier_show_jobs() -%}
    {%- set listed = run_query("select job_id, status, model_name, base_model from " ~ finetune_jobs_relation() ~ " where trainer = 'embedding_classifier' order by launched_at desc") -%}
    {%- set jobs = [] -%}
    {%- for row in listed.rows -%}
        {%- do jobs.append({'id': row[0], 'status': row[1], 'model': row[2], 'base_model': row[3]}) -%}
    {%- endfor -%}
    {{ return(jobs) }}
{%- endmacro %}

{#- An embedding classifier is scored in SQL; its name is its key in the answer tables. -#}
{% macro default__embedding_classifier_model_to_call(model_name) -%}
    {{ return(model_name) }}
{%- endmacro %}
