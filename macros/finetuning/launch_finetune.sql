{#-
    dbt run-operation launch_finetune [--args '{max_epochs: 3, allow_concurrent: false, force: false, retrain: false}']

    Launches each configured trainer (var trainer: embedding_classifier by default, cortex_finetune
    for FINETUNE('CREATE'), or a list of both; see trainer_launch) for its student family on the
    training pairs (train split for training, eval split for validation) and records each job in
    the jobs table. The model a job makes is a candidate: `evaluate_and_promote_candidate`
    decides whether it is used.
    - A model name is trained once: when a job already trained it successfully, nothing is
      launched (training is billed), unless force. A new model is a new name: set var
      finetuned_model_version, or pass retrain: true, which names the next version (_v2, _v3, ...)
      and trains it on every teacher label so far (bootstrap and audits, train split).
    - Refuses while a job for the same model name is still running, unless allow_concurrent.
    Returns the job ids, one per trainer.
-#}
{% macro launch_finetune(max_epochs=none, allow_concurrent=false, force=false, retrain=false) -%}
    {%- set max_epochs = max_epochs if max_epochs is not none else var('finetune_max_epochs', none) -%}
    {%- set pairs = ref('int_training_pairs__prepared') -%}
    {%- set jobs = finetune_jobs_relation() -%}

    {%- if load_relation(pairs) is none -%}
        {{ exceptions.raise_compiler_error("The training pairs " ~ pairs ~ " do not exist yet: run `dbt build --selector prepare_training_data` first.") }}
    {%- endif -%}
    {%- set split_counts = run_query("select split, count(*) from " ~ pairs ~ " group by split") -%}
    {%- set rows_per_split = {} -%}
    {%- for row in split_counts.rows -%}
        {%- do rows_per_split.update({row[0]: row[1]}) -%}
    {%- endfor -%}
    {%- if rows_per_split.get('train', 0) == 0 -%}
        {{ exceptions.raise_compiler_error("No training pairs in the train split of " ~ pairs ~ ": the teacher labelled no ticket with a valid category. Check the teacher's answers in int_teacher_labels__normalized.") }}
    {%- endif -%}

    {%- do create_finetune_jobs_table() -%}
    {%- set launched = [] -%}
    {%- for trainer in configured_trainers() -%}
        {%- do launched.append(_launch_trainer(trainer, pairs, jobs, rows_per_split, max_epochs, allow_concurrent, force, retrain)) -%}
    {%- endfor -%}
    {{ return(launched) }}
{%- endmacro %}


{#- One trainer's launch (see launch_finetune): the job id, new or the one that already trained the model. -#}
{% macro _launch_trainer(trainer, pairs, jobs, rows_per_split, max_epochs, allow_concurrent, force, retrain) -%}
    {%- set model_name = _next_finetuned_model_version(trainer) if retrain else finetuned_model_name(trainer=trainer) -%}
    {%- set base_model = var('embedding_model') if trainer == 'embedding_classifier' else var('finetune_base_model') -%}

    {%- if not force -%}
        {%- set trained = latest_successful_finetune_job(jobs, model_name=model_name) -%}
        {%- if trained is not none -%}
            {{ log("Model " ~ model_name ~ " was already trained by job " ~ trained['job_id'] ~ "; nothing launched. "
                ~ "To train a new version on every teacher label so far run `make retrain` (launch_finetune --args '{retrain: true}'); to replace this one pass --args '{force: true}'.", info=true) }}
            {{ return(trained['job_id']) }}
        {%- endif -%}
    {%- endif -%}

    {%- if not allow_concurrent -%}
        {%- set running = run_query(
            "select job_id from " ~ jobs ~ " where lower(model_name) = lower(" ~ quote_string_literal(model_name)
            ~ ") and status in ('LAUNCHED', 'PENDING', 'IN_PROGRESS')") -%}
        {%- if running.rows | length > 0 -%}
            {%- if trainer == 'embedding_classifier' -%}
                {{ log("Model " ~ model_name ~ " is launched and not trained yet (job " ~ running.columns[0].values() | join(', ') ~ "): `dbt build --selector train_students` trains it.", info=true) }}
                {{ return(running.rows[0][0]) }}
            {%- endif -%}
            {{ exceptions.raise_compiler_error(
                "A fine-tuning job for " ~ model_name ~ " is still running (" ~ running.columns[0].values() | join(', ')
                ~ "). Wait for it with `dbt run-operation describe_finetune --args '{wait: true}'`, cancel it with "
                ~ "`dbt run-operation cancel_finetune`, or launch anyway with --args '{allow_concurrent: true}'.") }}
        {%- endif -%}
    {%- endif -%}

    {%- set training_query = "select prompt, completion from " ~ pairs ~ " where split = 'train'" -%}
    {%- set validation_query = "select prompt, completion from " ~ pairs ~ " where split = 'eval'" if rows_per_split.get('eval', 0) > 0 else none -%}
    {%- set options = {'max_epochs': max_epochs} if max_epochs is not none and trainer == 'cortex_finetune' else {} -%}

    {%- set job_id = trainer_launch(model_name, base_model, training_query, validation_query, max_epochs, trainer=trainer) -%}
    {{ log("Launched " ~ trainer ~ " job " ~ job_id ~ ": " ~ base_model ~ " -> " ~ model_name
        ~ " on " ~ rows_per_split.get('train', 0) ~ " training and " ~ rows_per_split.get('eval', 0) ~ " validation pairs.", info=true) }}

    {%- set record_job -%}
        insert into {{ jobs }} (
            job_id, model_name, base_model, training_query, validation_query, options,
            backend, target_name, launched_at, status, trainer
        )
        values (
            {{ quote_string_literal(job_id) }},
            {{ quote_string_literal(model_name) }},
            {{ quote_string_literal(base_model) }},
            {{ quote_string_literal(training_query) }},
            {{ quote_string_literal(validation_query) }},
            {{ quote_string_literal(tojson(options)) }},
            {{ cortex_backend_name(base_model) if trainer == 'cortex_finetune' else "'sql'" }},
            {{ quote_string_literal(target.name) }},
            current_timestamp,
            'LAUNCHED',
            {{ quote_string_literal(trainer) }}
        )
    {%- endset -%}
    {%- do run_query(record_job) -%}
    {%- do adapter.commit() if target.type == 'duckdb' -%}
    {{ return(job_id) }}
{%- endmacro %}


{#- The name of the next version of a trainer's model family: _v<n>, n = 1 + the versions launched so far. -#}
{% macro _next_finetuned_model_version(trainer=none) -%}
    {%- set jobs = finetune_jobs_relation() -%}
    {%- set launched = run_query("select count(distinct lower(model_name)) from " ~ jobs ~ " where " ~ _in_finetuned_model_family('model_name', _trainer(trainer))) -%}
    {%- set state = namespace(version=(launched.rows[0][0] | int) + 1) -%}
    {%- for attempt in range(1000) -%}
        {%- set taken = run_query("select count(*) from " ~ jobs ~ " where lower(model_name) = lower("
            ~ quote_string_literal(finetuned_model_name(version='v' ~ state.version, trainer=trainer)) ~ ")") -%}
        {%- if taken.rows[0][0] | int > 0 -%}
            {%- set state.version = state.version + 1 -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(finetuned_model_name(version='v' ~ state.version, trainer=trainer)) }}
{%- endmacro %}


{#-
    The jobs table, created when missing: by launch_finetune, and by the project's on-run-start
    hook so that the finetuning source exists from the first run on.
-#}
{% macro create_finetune_jobs_table() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set jobs = finetune_jobs_relation() -%}
    {%- do adapter.create_schema(jobs) -%}
    {%- set ddl -%}
        create table if not exists {{ jobs }} (
            job_id varchar,
            model_name varchar,
            base_model varchar,
            training_query varchar,
            validation_query varchar,
            options varchar,
            backend varchar,
            target_name varchar,
            launched_at timestamp,
            status varchar,
            status_checked_at timestamp,
            finished_at timestamp,
            error_message varchar,
            trained_tokens bigint,
            training_loss double,
            validation_loss double,
            trainer varchar
        )
    {%- endset -%}
    {%- do run_query(ddl) -%}
    {#- A table an older version of the project created has no trainer column: its jobs are FINETUNE's. -#}
    {%- set present = adapter.get_columns_in_relation(jobs) | map(attribute='name') | map('lower') | list -%}
    {%- if 'trainer' not in present -%}
        {%- do run_query("alter table " ~ jobs ~ " add column trainer varchar") -%}
        {%- do run_query("update " ~ jobs ~ " set trainer = 'cortex_finetune'") -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
