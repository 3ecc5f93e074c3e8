{#- The number of whitespace-separated words in a text (0 for null or blank). -#}
{% macro word_count(expression) -%}
    {{ return(adapter.dispatch('word_count', 'support_ticket_llm')(expression)) }}
{%- endmacro %}

{% macro default__word_count(expression) -%}
    {{ exceptions.raise_compiler_error("word_count is not implemented for adapter '" ~ adapter.type() ~ "'") }}
{%- endmacro %}

{% macro snowflake__word_count(expression) -%}
    case
        when trim(coalesce({{ expression }}, '')) = '' then 0
        else array_size(split(trim(regexp_replace({{ expression }}, '\\s+', ' ')), ' '))
    end
{%- endmacro %}

{% macro duckdb__word_count(expression) -%}
    case
        when trim(coalesce({{ expression }}, '')) = '' then 0
        else len(regexp_split_to_array(trim({{ expression }}), '\s+'))
    end
{%- endmacro %}
