{#-
    A student family's name from vars: database.schema.name, a version adds _<version>. The name
    is the trainer's: var finetuned_model_name for cortex_finetune, var embedding_classifier_name
    for embedding_classifier (default: the first configured trainer).
-#}
{% macro finetuned_model_name(version=none, trainer=none) -%}
    {%- set trainer = _trainer(trainer) -%}
    {%- set database = var('finetuned_model_database') or target.database -%}
    {%- set schema = var('finetuned_model_schema') or target.schema -%}
    {%- set version = (version if version is not none else var('finetuned_model_version', '')) | string | trim -%}
    {%- set family = var('embedding_classifier_name') if trainer == 'embedding_classifier' else var('finetuned_model_name') -%}
    {%- set name = family ~ ('_' ~ version if version else '') -%}
    {{ return(_validate_model_name(database ~ '.' ~ schema ~ '.' ~ name)) }}
{%- endmacro %}

{#- The relation of the jobs table that `launch_finetune` writes and the scoring models read. -#}
{% macro finetune_jobs_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema=target.schema, identifier='finetune_jobs')) }}
{%- endmacro %}

{#- The relation of the promotions table that `evaluate_and_promote_candidate` writes. -#}
{% macro model_promotions_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema=target.schema, identifier='model_promotions')) }}
{%- endmacro %}

{#-
    THE latest successful fine-tuning job of this project's model family (every version of var
    finetuned_model_name), as a dict (job_id, model_name, base_model, trained_tokens), or none.
    With `model_name`, the latest successful job that trained that exact model. Everything that
    needs "the latest successful job" calls this (or reads the finetuned_model_versions mart).
-#}
{% macro latest_successful_finetune_job(jobs_relation=none, model_name=none, trainer=none) -%}
    {%- set jobs_relation = jobs_relation or finetune_jobs_relation() -%}
    {%- if not execute or load_relation(jobs_relation) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set latest_success -%}
        select job_id, model_name, base_model, trained_tokens, coalesce(trainer, 'cortex_finetune') as trainer
        from {{ jobs_relation }}
        where
            status = 'SUCCESS'
            {%- if model_name %}
            and lower(model_name) = lower({{ quote_string_literal(model_name) }})
            {%- else %}
            and {{ _in_finetuned_model_family('model_name', trainer) }}
            {%- endif %}
        order by finished_at desc, launched_at desc
        limit 1
    {%- endset -%}
    {%- set found = run_query(latest_success) -%}
    {%- if found.rows | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set row = found.rows[0] -%}
    {{ return({'job_id': row[0], 'model_name': row[1], 'base_model': row[2], 'trained_tokens': row[3], 'trainer': row[4]}) }}
{%- endmacro %}

{#-
    A SQL condition: `column` names a model of this project's student families (the vars' names,
    any version); with `trainer`, of that trainer's family only.
-#}
{% macro _in_finetuned_model_family(column, trainer=none) -%}
    {%- set conditions = [] -%}
    {%- for family_trainer in ([trainer] if trainer else ['cortex_finetune', 'embedding_classifier']) -%}
        {%- set family = finetuned_model_name(version='', trainer=family_trainer) | lower -%}
        {%- do conditions.append("lower(" ~ column ~ ") = " ~ quote_string_literal(family)
            ~ " or substr(lower(" ~ column ~ "), 1, " ~ (family | length + 1) ~ ") = " ~ quote_string_literal(family ~ '_')) -%}
    {%- endfor -%}
    ({{ conditions | join(' or ') }})
{%- endmacro %}

{#-
    THE fine-tuned model in use: the model of the latest promotion recorded in the promotions
    table (`promotions_relation`, passed in as source('finetuning', 'model_promotions') by models
    so the lineage shows it), or none while no candidate has been promoted (the bootstrap phase).
-#}
{% macro promoted_finetuned_model(promotions_relation=none) -%}
    {%- set promotions_relation = promotions_relation or model_promotions_relation() -%}
    {%- if not execute or load_relation(promotions_relation) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set promoted -%}
        select candidate_model
        from {{ promotions_relation }}
        where is_promoted
        order by evaluated_at desc
        limit 1
    {%- endset -%}
    {%- set found = run_query(promoted) -%}
    {{ return(found.rows[0][0] if found.rows | length > 0 else none) }}
{%- endmacro %}

{#- Every model ever promoted, most recent promotion first (an empty list in the bootstrap phase). -#}
{% macro promoted_finetuned_models(promotions_relation=none) -%}
    {%- set promotions_relation = promotions_relation or model_promotions_relation() -%}
    {%- if not execute or load_relation(promotions_relation) is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set promoted = run_query(
        "select candidate_model, max(evaluated_at) from " ~ promotions_relation
        ~ " where is_promoted group by candidate_model order by 2 desc") -%}
    {{ return(promoted.columns[0].values() | list) }}
{%- endmacro %}

{#-
    The candidate awaiting evaluation: the model of the latest successful job (latest_successful_finetune_job;
    of `trainer`'s family when given) when no evaluation of it is recorded in the promotions
    table yet; else none.
-#}
{% macro finetuned_model_candidate(jobs_relation=none, promotions_relation=none, trainer=none) -%}
    {%- set promotions_relation = promotions_relation or model_promotions_relation() -%}
    {%- set latest = latest_successful_finetune_job(jobs_relation, trainer=trainer) -%}
    {%- if latest is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if load_relation(promotions_relation) is not none -%}
        {%- set judged = run_query(
            "select count(*) from " ~ promotions_relation
            ~ " where lower(candidate_model) = lower(" ~ quote_string_literal(latest['model_name']) ~ ")") -%}
        {%- if judged.rows[0][0] | int > 0 -%}
            {{ return(none) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(latest['model_name']) }}
{%- endmacro %}
