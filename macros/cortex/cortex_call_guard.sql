{#-
    Stops a model before it calls Cortex when it would send more rows than the per-run cap.

    `rows_to_send` is the select whose rows the model is about to send. When the model runs
    (dbt run / build; not compile or docs) the rows are counted; above var cortex_max_rows_per_model the model fails, saying how many rows
    and how to raise the cap. var cortex_call_guard_enabled: false turns the guard off.
-#}
{% macro cortex_call_guard(rows_to_send) -%}
    {%- if execute and flags.WHICH in ('run', 'build') and var('cortex_call_guard_enabled', true) -%}
        {%- set cap = var('cortex_max_rows_per_model') | int -%}
        {%- set counted = run_query("select count(*) from (" ~ rows_to_send ~ ") as rows_to_send") -%}
        {%- set row_count = counted.rows[0][0] | int -%}
        {%- if row_count > cap -%}
            {{ exceptions.raise_compiler_error(
                model.name ~ " would send " ~ row_count ~ " rows to Cortex, above the cap of " ~ cap
                ~ " rows per model and run (var cortex_max_rows_per_model). Raise it with --vars '{cortex_max_rows_per_model: "
                ~ row_count ~ "}', or turn the guard off with --vars '{cortex_call_guard_enabled: false}'.") }}
        {%- endif -%}
        {{ log(model.name ~ ": sending " ~ row_count ~ " rows to Cortex (cap " ~ cap ~ ").", info=true) }}
    {%- endif -%}
{%- endmacro %}
