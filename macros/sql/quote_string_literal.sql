{#- A value from a var or a macro argument, as a SQL string literal that no content can escape. -#}
{% macro quote_string_literal(value) -%}
    {%- if value is none -%}
        null
    {%- else -%}
        {{ return(adapter.dispatch('quote_string_literal', 'support_ticket_llm')(value | string)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__quote_string_literal(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}

{#- Snowflake reads backslash escapes inside single-quoted strings, so backslashes are doubled first. -#}
{% macro snowflake__quote_string_literal(value) -%}
    '{{ value | replace("\\", "\\\\") | replace("'", "''") }}'
{%- endmacro %}
