{#-
    Text reduced to what matters for matching a category name: lower case, every run of
    characters other than letters and digits turned into one space, padded with a space at
    each end so that `contains(response_key, category_key)` only matches whole words.
-#}
{% macro category_match_key(expression) -%}
    {{ return(adapter.dispatch('category_match_key', 'support_ticket_llm')(expression)) }}
{%- endmacro %}

{% macro default__category_match_key(expression) -%}
    {{ exceptions.raise_compiler_error("category_match_key is not implemented for adapter '" ~ adapter.type() ~ "'") }}
{%- endmacro %}

{% macro snowflake__category_match_key(expression) -%}
    ' ' || trim(regexp_replace(lower(coalesce({{ expression }}, '')), '[^a-z0-9]+', ' ')) || ' '
{%- endmacro %}

{% macro duckdb__category_match_key(expression) -%}
    ' ' || trim(regexp_replace(lower(coalesce({{ expression }}, '')), '[^a-z0-9]+', ' ', 'g')) || ' '
{%- endmacro %}
