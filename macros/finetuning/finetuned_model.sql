{#- The fine-tuned model's fully qualified name, from vars: database.schema.name[_version]. -#}
{% macro finetuned_model_name() -%}
    {%- set database = var('finetuned_model_database') or target.database -%}
    {%- set schema = var('finetuned_model_schema') or target.schema -%}
    {%- set version = var('finetuned_model_version', '') | string | trim -%}
    {%- set name = var('finetuned_model_name') ~ ('_' ~ version if version else '') -%}
    {{ return(_validate_model_name(database ~ '.' ~ schema ~ '.' ~ name)) }}
{%- endmacro %}

{#- The relation of the jobs table that `launch_finetune` writes and the scoring models read. -#}
{% macro finetune_jobs_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema=target.schema, identifier='finetune_jobs')) }}
{%- endmacro %}

{#-
    The fine-tuned model the scoring models call: the one the latest successful launch of
    `finetuned_model_name()` produced, read from the jobs table (`jobs_relation`, passed in as
    source('finetuning', 'finetune_jobs') so the lineage shows the dependency).
    Without one, `dbt run` / `dbt build` stop with what to do; compile, docs and linting go on
    with the name the vars give.
-#}
{% macro resolve_finetuned_model(jobs_relation) -%}
    {%- set expected_name = finetuned_model_name() -%}
    {%- if not execute -%}
        {{ return(expected_name) }}
    {%- endif -%}
    {%- set must_exist = flags.WHICH in ('run', 'build') -%}
    {%- set how_to_train = "Train it first: `dbt run-operation launch_finetune` then `dbt run-operation describe_finetune --args '{wait: true}'` (or `make run`)." -%}
    {%- if load_relation(jobs_relation) is none -%}
        {%- if not must_exist -%}
            {{ return(expected_name) }}
        {%- endif -%}
        {{ exceptions.raise_compiler_error("No fine-tuning job has been launched here yet (" ~ jobs_relation ~ " does not exist). " ~ how_to_train) }}
    {%- endif -%}
    {%- set latest_success -%}
        select model_name
        from {{ jobs_relation }}
        where lower(model_name) = lower({{ quote_string_literal(expected_name) }})
            and status = 'SUCCESS'
        order by finished_at desc, launched_at desc
        limit 1
    {%- endset -%}
    {%- set found = run_query(latest_success) -%}
    {%- if found.rows | length == 0 -%}
        {%- if not must_exist -%}
            {{ return(expected_name) }}
        {%- endif -%}
        {{ exceptions.raise_compiler_error("No successful fine-tuning job for model " ~ expected_name ~ " in " ~ jobs_relation ~ ". " ~ how_to_train) }}
    {%- endif -%}
    {{ return(trainer_model_to_call(found.rows[0][0])) }}
{%- endmacro %}
