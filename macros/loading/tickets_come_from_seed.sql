{#-
    Whether the source table is filled by the synthetic seed `support_tickets` (DuckDB without a
    user CSV). Mirrors the seed's `enabled` config in dbt_project.yml; staging then depends on
    the seed so that `dbt build` loads it first.
-#}
{% macro tickets_come_from_seed() -%}
    {{ return(target.type == 'duckdb' and var('tickets_csv', '') == '') }}
{%- endmacro %}
