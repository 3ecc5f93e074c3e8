{#-
    dbt run-operation describe_finetune [--args '{job_id: ..., wait: true, max_wait_minutes: 120, poll_seconds: 60}']

    DESCRIBEs training jobs with their own trainer (trainer_describe) and records each status in
    the jobs table: the job given, else every job of the project's student families that has not
    ended (else the latest one launched). With wait: true polls until each job ends (SYSTEM$WAIT
    between polls on Snowflake), for at most max_wait_minutes. Fails with the job's error when a
    job ends in ERROR or CANCELLED, and when the wait runs out. Returns the job described last.
-#}
{% macro describe_finetune(job_id=none, wait=false, max_wait_minutes=120, poll_seconds=60) -%}
    {%- set jobs = finetune_jobs_relation() -%}
    {%- set job_ids = [job_id] if job_id else _finetune_jobs_to_describe(jobs) -%}
    {%- set state = namespace(job=none) -%}
    {%- for described_job_id in job_ids -%}
        {%- set state.job = _describe_finetune_job(jobs, described_job_id, wait, max_wait_minutes, poll_seconds) -%}
    {%- endfor -%}
    {{ return(state.job) }}
{%- endmacro %}


{#- One job: see describe_finetune. -#}
{% macro _describe_finetune_job(jobs, job_id, wait, max_wait_minutes, poll_seconds) -%}
    {%- set trainer = _job_trainer(jobs, job_id) -%}
    {%- set max_polls = [1, ((max_wait_minutes * 60) / poll_seconds) | round(0, 'ceil') | int] | max -%}
    {%- set state = namespace(job=none, polls=0) -%}

    {%- for poll in range(max_polls + 1) -%}
        {%- if state.job is none or (wait and state.job['status'] not in _finetune_final_statuses()) -%}
            {%- if poll > 0 -%}
                {%- if trainer == 'embedding_classifier' -%}
                    {#- Trained by a dbt build, not while waiting: one answer is the answer. -#}
                    {{ exceptions.raise_compiler_error("Embedding classifier job " ~ job_id ~ " is not trained yet: run `dbt build --selector train_students`, then describe it again.") }}
                {%- endif -%}
                {%- do _wait_seconds(poll_seconds) -%}
            {%- endif -%}
            {%- set state.job = trainer_describe(job_id, trainer=trainer) -%}
            {%- set state.polls = poll + 1 -%}
            {%- do _record_finetune_status(jobs, job_id, state.job) -%}
            {{ log(trainer ~ " job " ~ job_id ~ ": " ~ state.job['status'] ~ " (progress " ~ state.job.get('progress') ~ ")", info=true) }}
        {%- endif -%}
    {%- endfor -%}

    {%- set job = state.job -%}
    {%- if job['status'] in ('ERROR', 'CANCELLED') -%}
        {{ exceptions.raise_compiler_error("Training job " ~ job_id ~ " ended in " ~ job['status'] ~ ": " ~ tojson(job.get('error'))) }}
    {%- elif wait and job['status'] != 'SUCCESS' -%}
        {{ exceptions.raise_compiler_error("Training job " ~ job_id ~ " is still " ~ job['status'] ~ " after " ~ max_wait_minutes ~ " minutes; run describe_finetune again later.") }}
    {%- endif -%}
    {%- if job['status'] == 'SUCCESS' -%}
        {%- if trainer == 'embedding_classifier' -%}
            {{ log("Model " ~ job.get('model') ~ " is ready: " ~ job.get('categories') ~ " category centroids from " ~ job.get('training_examples') ~ " training examples.", info=true) }}
        {%- else -%}
            {{ log("Model " ~ job.get('model') ~ " is ready: trained tokens " ~ job.get('trained_tokens')
                ~ ", training loss " ~ (job.get('training_result') or {}).get('training_loss')
                ~ ", validation loss " ~ (job.get('training_result') or {}).get('validation_loss'), info=true) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(job) }}
{%- endmacro %}


{#- The trainer of a recorded job (cortex_finetune for rows of older project versions). -#}
{% macro _job_trainer(jobs, job_id) -%}
    {%- set found = run_query("select coalesce(max(trainer), 'cortex_finetune') from " ~ jobs ~ " where job_id = " ~ quote_string_literal(job_id)) -%}
    {{ return(found.rows[0][0] if found.rows | length > 0 else 'cortex_finetune') }}
{%- endmacro %}


{#- The jobs describe_finetune looks at by default: every unfinished job of the families, else the latest. -#}
{% macro _finetune_jobs_to_describe(jobs) -%}
    {%- set latest = _latest_finetune_job_id(jobs) -%}
    {%- set unfinished = run_query(
        "select job_id from " ~ jobs ~ " where " ~ _in_finetuned_model_family('model_name')
        ~ " and status in ('LAUNCHED', 'PENDING', 'IN_PROGRESS') order by launched_at") -%}
    {{ return(unfinished.columns[0].values() | list if unfinished.rows | length > 0 else [latest]) }}
{%- endmacro %}


{#- dbt run-operation show_finetune_jobs: every job the trainer knows (FINETUNE('SHOW') by default). -#}
{% macro show_finetune_jobs() -%}
    {%- set listed = [] -%}
    {%- for trainer in configured_trainers() -%}
        {%- do listed.extend(trainer_show(trainer=trainer)) -%}
    {%- endfor -%}
    {%- for job in listed -%}
        {{ log(job.get('id') ~ "  " ~ job.get('status') ~ "  " ~ job.get('model') ~ "  (base " ~ job.get('base_model') ~ ")", info=true) }}
    {%- endfor -%}
    {{ return(listed) }}
{%- endmacro %}


{#- dbt run-operation cancel_finetune [--args '{job_id: ...}']: cancels a job (the latest by default; FINETUNE('CANCEL') by default). -#}
{% macro cancel_finetune(job_id=none) -%}
    {%- set jobs = finetune_jobs_relation() -%}
    {%- set job_id = job_id or _latest_finetune_job_id(jobs) -%}
    {%- set trainer = _job_trainer(jobs, job_id) -%}
    {{ log("Cancel " ~ job_id ~ ": " ~ trainer_cancel(job_id, trainer=trainer), info=true) }}
    {%- do _record_finetune_status(jobs, job_id, trainer_describe(job_id, trainer=trainer)) -%}
{%- endmacro %}


{% macro _finetune_final_statuses() -%}
    {{ return(['SUCCESS', 'ERROR', 'CANCELLED']) }}
{%- endmacro %}


{% macro _latest_finetune_job_id(jobs) -%}
    {%- if load_relation(jobs) is none -%}
        {{ exceptions.raise_compiler_error("No fine-tuning job has been launched yet (" ~ jobs ~ " does not exist): run `dbt run-operation launch_finetune` first.") }}
    {%- endif -%}
    {%- set latest = run_query(
        "select job_id from " ~ jobs ~ " where " ~ _in_finetuned_model_family('model_name') ~ " order by launched_at desc limit 1") -%}
    {%- if latest.rows | length == 0 -%}
        {{ exceptions.raise_compiler_error("No fine-tuning job for " ~ finetuned_model_name(version='') ~ " in " ~ jobs ~ ": run `dbt run-operation launch_finetune` first.") }}
    {%- endif -%}
    {{ return(latest.rows[0][0]) }}
{%- endmacro %}


{% macro _record_finetune_status(jobs, job_id, job) -%}
    {%- set result = job.get('training_result') or {} -%}
    {%- set error = job.get('error') -%}
    {%- set finished_on = job.get('finished_on') -%}
    {%- set update_status -%}
        update {{ jobs }}
        set
            status = {{ quote_string_literal(job['status']) }},
            status_checked_at = current_timestamp,
            finished_at = {{ _timestamp_literal_from_epoch_ms(finished_on) }},
            error_message = {{ quote_string_literal(tojson(error) if error else none) }},
            trained_tokens = {{ job.get('trained_tokens') | int if job.get('trained_tokens') is not none else 'null' }},
            training_loss = {{ result.get('training_loss') | float if result.get('training_loss') is not none else 'null' }},
            validation_loss = {{ result.get('validation_loss') | float if result.get('validation_loss') is not none else 'null' }}
        where job_id = {{ quote_string_literal(job_id) }}
    {%- endset -%}
    {%- do run_query(update_status) -%}
    {%- do adapter.commit() if target.type == 'duckdb' -%}
{%- endmacro %}


{% macro _timestamp_literal_from_epoch_ms(epoch_ms) -%}
    {%- if epoch_ms is none or epoch_ms == '' -%}
        {{ return('null') }}
    {%- endif -%}
    {%- set moment = modules.datetime.datetime.fromtimestamp((epoch_ms | int) / 1000.0, modules.pytz.utc) -%}
    {{ return("cast('" ~ moment.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "' as timestamp)") }}
{%- endmacro %}


{% macro _wait_seconds(seconds) -%}
    {{ return(adapter.dispatch('_wait_seconds', 'support_ticket_llm')(seconds | int)) }}
{%- endmacro %}

{% macro default___wait_seconds(seconds) -%}
    {{ exceptions.raise_compiler_error("Waiting for a fine-tuning job is not supported on adapter '" ~ adapter.type() ~ "'.") }}
{%- endmacro %}

{% macro snowflake___wait_seconds(seconds) -%}
    {%- do run_query("select system$wait(" ~ seconds ~ ")") -%}
{%- endmacro %}

{#- The local emulator trains synchronously: a job is finished when DESCRIBE first answers. -#}
{% macro duckdb___wait_seconds(seconds) -%}
    {{ log("Local fine-tuning jobs finish when launched; not waiting.", info=false) }}
{%- endmacro %}
