{#-
    Shared pieces of the stand-in tests. Private to this package (names start with `stand_in_`
    so they cannot be mistaken for the real package's macros).
-#}

{#- `where <row_condition>` when a condition is given, else nothing. -#}
{% macro stand_in_where(row_condition) -%}
    {%- if row_condition %}
    where {{ row_condition }}
    {%- endif -%}
{%- endmacro %}


{#- A boolean SQL expression: `expression` lies within the bounds (either bound may be none). -#}
{% macro stand_in_within_bounds(expression, min_value, max_value, strictly) -%}
    {%- if min_value is none and max_value is none -%}
        {{ exceptions.raise_compiler_error(
            "dbt_expectations (offline stand-in): give min_value, max_value or both.") }}
    {%- endif -%}
    {%- set checks = [] -%}
    {%- if min_value is not none -%}
        {%- do checks.append(expression ~ (" > " if strictly else " >= ") ~ min_value) -%}
    {%- endif -%}
    {%- if max_value is not none -%}
        {%- do checks.append(expression ~ (" < " if strictly else " <= ") ~ max_value) -%}
    {%- endif -%}
    {{ return("(" ~ checks | join(" and ") ~ ")") }}
{%- endmacro %}


{#- A list argument (group_by, ...) given as a single column name is read as a one-item list. -#}
{% macro stand_in_as_list(value) -%}
    {%- if value is none -%}
        {{ return([]) }}
    {%- elif value is string -%}
        {{ return([value]) }}
    {%- endif -%}
    {{ return(value | list) }}
{%- endmacro %}


{#-
    A boolean SQL expression: `regex` is found somewhere in `expression` (null when it is null).
    `is_raw` keeps backslashes as written where the engine would read them as escapes (Snowflake);
    `flags` are the engine's regular-expression parameters, e.g. 'i' for case-insensitive.
-#}
{% macro stand_in_regex_found(expression, regex, is_raw, flags) -%}
    {{ return(adapter.dispatch('stand_in_regex_found', 'dbt_expectations')(expression, regex, is_raw, flags)) }}
{%- endmacro %}

{% macro default__stand_in_regex_found(expression, regex, is_raw, flags) -%}
    {{ exceptions.raise_compiler_error(
        "dbt_expectations (offline stand-in) has regular expressions for duckdb and snowflake only, not '"
        ~ adapter.type() ~ "'. Install the real package: `dbt deps` with the dbt Hub reachable.") }}
{%- endmacro %}

{% macro duckdb__stand_in_regex_found(expression, regex, is_raw, flags) -%}
    {#- DuckDB string literals keep backslashes, so raw and plain patterns are written alike. -#}
    regexp_matches({{ expression }}, '{{ regex | replace("'", "''") }}', '{{ flags or "" }}')
{%- endmacro %}

{% macro snowflake__stand_in_regex_found(expression, regex, is_raw, flags) -%}
    {%- if is_raw -%}
        {%- if '$$' in regex -%}
            {{ exceptions.raise_compiler_error("dbt_expectations (offline stand-in): a raw regex cannot contain $$: " ~ regex) }}
        {%- endif -%}
        {%- set pattern = "$$" ~ regex ~ "$$" -%}
    {%- else -%}
        {%- set pattern = "'" ~ (regex | replace("'", "''")) ~ "'" -%}
    {%- endif -%}
    regexp_instr({{ expression }}, {{ pattern }}, 1, 1, 0, '{{ flags or "c" }}') > 0
{%- endmacro %}
