{#-
    dbt run-operation load_billed_usage [--args '{lookback_days: 30}']

    Copies what Snowflake billed for this project's Cortex calls into the billed usage table
    (source cortex_usage.cortex_billed_usage_history, which model cortex_billed_usage reads):
    the rows of SNOWFLAKE.ACCOUNT_USAGE.CORTEX_AISQL_USAGE_HISTORY whose QUERY_TAG names this
    project (cortex_query_tag), per query, model and function, with the stage the tag names.
    - The view lags (rows arrive hours after a query): run it again later; each run replaces the
      copy with what the view holds now, so nothing is counted twice.
    - A role that cannot read ACCOUNT_USAGE (or var read_billed_usage: false, or the local target)
      gets a clear warning and an empty copy: cortex_billed_usage still builds, with the estimate
      alone.
-#}
{% macro load_billed_usage(lookback_days=30) -%}
    {%- do create_billed_usage_table() -%}
    {%- set copy = billed_usage_relation() -%}
    {%- if not var('read_billed_usage', true) -%}
        {{ log("load_billed_usage: var read_billed_usage is false; the cost stays an estimate (model_costs).", info=true) }}
        {{ return(0) }}
    {%- endif -%}
    {{ return(adapter.dispatch('load_billed_usage', 'support_ticket_llm')(copy, lookback_days | int)) }}
{%- endmacro %}

{% macro default__load_billed_usage(copy, lookback_days) -%}
    {{ log("load_billed_usage: the " ~ target.type ~ " target has no CORTEX_AISQL_USAGE_HISTORY; cortex_billed_usage shows the estimate alone.", info=true) }}
    {{ return(0) }}
{%- endmacro %}

{% macro snowflake__load_billed_usage(copy, lookback_days) -%}
    {%- set view = api.Relation.create(database='SNOWFLAKE', schema='ACCOUNT_USAGE', identifier='CORTEX_AISQL_USAGE_HISTORY') -%}
    {#- load_relation lists the schema's objects; a role without access sees none (no error). -#}
    {%- if load_relation(view) is none -%}
        {%- do exceptions.warn(
            "load_billed_usage: role " ~ target.role ~ " cannot read " ~ view ~ " (it needs the SNOWFLAKE database's "
            ~ "USAGE_VIEWER role or IMPORTED PRIVILEGES); what Cortex billed stays unknown and cortex_billed_usage "
            ~ "shows the estimate of model_costs alone.") -%}
        {{ return(0) }}
    {%- endif -%}
    {%- do run_query("delete from " ~ copy) -%}
    {%- set refresh -%}
        insert into {{ copy }} (
            usage_time, pipeline_stage, dbt_model, function_name, model_name, query_id, query_tag,
            tokens, input_tokens, output_tokens, token_credits, loaded_at
        )
        select
            usage_history.usage_time,
            try_parse_json(usage_history.query_tag):stage::varchar,
            try_parse_json(usage_history.query_tag):model::varchar,
            usage_history.function_name,
            usage_history.model_name,
            usage_history.query_id,
            usage_history.query_tag,
            usage_history.tokens,
            usage_history.tokens_granular:input::number,
            usage_history.tokens_granular:output::number,
            usage_history.token_credits,
            current_timestamp
        from {{ view }} as usage_history
        where
            try_parse_json(usage_history.query_tag):project::varchar = {{ quote_string_literal(project_name) }}
            and usage_history.usage_time >= dateadd(day, -{{ lookback_days }}, current_timestamp)
    {%- endset -%}
    {%- do run_query(refresh) -%}
    {%- set counted = run_query("select count(*), coalesce(sum(token_credits), 0) from " ~ copy) -%}
    {{ log("load_billed_usage: " ~ counted.rows[0][0] ~ " billed rows of this project (" ~ counted.rows[0][1]
        ~ " credits) in the last " ~ lookback_days ~ " days; the view lags by hours, run again later for the rest.", info=true) }}
    {{ return(counted.rows[0][0]) }}
{%- endmacro %}


{#- The billed usage table: where load_billed_usage copies the usage history (the source of cortex_billed_usage). -#}
{% macro billed_usage_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema=target.schema, identifier='cortex_billed_usage_history')) }}
{%- endmacro %}


{#- Creates the billed usage table when missing: by load_billed_usage and the project's on-run-start hook. -#}
{% macro create_billed_usage_table() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set copy = billed_usage_relation() -%}
    {%- do adapter.create_schema(copy) -%}
    {%- set ddl -%}
        create table if not exists {{ copy }} (
            usage_time timestamp,
            pipeline_stage varchar,
            dbt_model varchar,
            function_name varchar,
            model_name varchar,
            query_id varchar,
            query_tag varchar,
            tokens bigint,
            input_tokens bigint,
            output_tokens bigint,
            token_credits double,
            loaded_at timestamp
        )
    {%- endset -%}
    {%- do run_query(ddl) -%}
    {{ return('') }}
{%- endmacro %}
