{#-
    dbt run-operation load_support_tickets [--args '{csv_path: path/to/tickets.csv}']

    Creates and fills source('support', 'support_tickets') with the quickstart's six VARCHAR columns.
    - Snowflake: the quickstart's file format and stage (var tickets_stage_url), the table, and
      COPY INTO from the stage.
    - DuckDB: reads a CSV (csv_path, else var tickets_csv): header names in any case, quoted
      fields that may hold newlines, every column read as text. The table is replaced in one
      statement, so a failed load leaves the previous table as it was.
-#}
{% macro load_support_tickets(csv_path=none) -%}
    {%- set source_relation = api.Relation.create(
        database=var('tickets_source_database') or target.database,
        schema=var('tickets_source_schema') or (target.schema ~ '_raw'),
        identifier='support_tickets') -%}
    {%- do adapter.create_schema(source_relation) -%}
    {%- do adapter.dispatch('load_support_tickets', 'support_ticket_llm')(source_relation, csv_path or var('tickets_csv', '')) -%}
    {%- set loaded = run_query("select count(*) from " ~ source_relation) -%}
    {{ log("Loaded " ~ loaded.rows[0][0] ~ " ticket rows into " ~ source_relation, info=true) }}
{%- endmacro %}

{% macro _support_ticket_columns() -%}
    {{ return(['ticket_id', 'customer_name', 'customer_email', 'service_type', 'request', 'contact_preference']) }}
{%- endmacro %}

{% macro default__load_support_tickets(source_relation, csv_path) -%}
    {{ exceptions.raise_compiler_error("load_support_tickets is not implemented for adapter '" ~ adapter.type() ~ "'.") }}
{%- endmacro %}

{% macro snowflake__load_support_tickets(source_relation, csv_path) -%}
    {%- set schema_path = source_relation.database ~ '.' ~ source_relation.schema -%}
    {%- set statements = [
        "create file format if not exists " ~ schema_path ~ ".support_tickets_csv
            type = csv
            skip_header = 1
            field_optionally_enclosed_by = '\"'",
        "create stage if not exists " ~ schema_path ~ ".support_tickets_stage
            url = " ~ quote_string_literal(var('tickets_stage_url')) ~ "
            file_format = " ~ schema_path ~ ".support_tickets_csv",
        "create table if not exists " ~ source_relation ~ " (
            ticket_id varchar(60),
            customer_name varchar(60),
            customer_email varchar(60),
            service_type varchar(60),
            request varchar,
            contact_preference varchar(60)
        )",
        "copy into " ~ source_relation ~ " from @" ~ schema_path ~ ".support_tickets_stage",
    ] -%}
    {%- for statement in statements -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}
{%- endmacro %}

{% macro duckdb__load_support_tickets(source_relation, csv_path) -%}
    {%- if not csv_path -%}
        {{ exceptions.raise_compiler_error("load_support_tickets needs a CSV on DuckDB: --args '{csv_path: path/to/tickets.csv}' or var tickets_csv.") }}
    {%- endif -%}
    {%- set found = run_query("select count(*) from glob(" ~ quote_string_literal(csv_path) ~ ")") -%}
    {%- if found.rows[0][0] == 0 -%}
        {{ exceptions.raise_compiler_error("Ticket file not found: " ~ csv_path) }}
    {%- endif -%}
    {%- set reader = "read_csv(" ~ quote_string_literal(csv_path)
        ~ ", header = true, all_varchar = true, quote = '\"', escape = '\"', normalize_names = true, strict_mode = true)" -%}
    {%- set header = run_query("select * from " ~ reader ~ " limit 0") -%}
    {%- set found_columns = header.column_names | map('lower') | list -%}
    {%- set missing = [] -%}
    {%- for column in _support_ticket_columns() if column not in found_columns -%}
        {%- do missing.append(column) -%}
    {%- endfor -%}
    {%- if missing -%}
        {{ exceptions.raise_compiler_error("The ticket file " ~ csv_path ~ " lacks the column(s) " ~ missing | join(', ')
            ~ "; it has " ~ found_columns | join(', ') ~ ". Expected the quickstart's six columns: "
            ~ _support_ticket_columns() | join(', ') ~ " (header names in any case).") }}
    {%- endif -%}
    {%- set load -%}
        create or replace table {{ source_relation }} as
        select
            {%- for column in _support_ticket_columns() %}
            cast({{ adapter.quote(column) }} as varchar) as {{ column }}{{ "," if not loop.last }}
            {%- endfor %}
        from {{ reader }}
    {%- endset -%}
    {%- do run_query(load) -%}
    {%- do adapter.commit() -%}
{%- endmacro %}
