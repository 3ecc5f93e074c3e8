{#-
    Vector arithmetic the embedding classifier needs, the same on every engine: Snowflake's
    VECTOR functions, and on DuckDB the lists the local emulator's AI_EMBED returns.
-#}

{#- The element-wise average of a column of vectors (an aggregate; nulls are ignored). -#}
{% macro vector_average(vector_expression) -%}
    {{ return(adapter.dispatch('vector_average', 'support_ticket_llm')(vector_expression)) }}
{%- endmacro %}

{% macro default__vector_average(vector_expression) -%}
    {{ exceptions.raise_compiler_error("vector_average is not implemented for adapter '" ~ adapter.type() ~ "'") }}
{%- endmacro %}

{#- VECTOR_AVG on Snowflake; on DuckDB the macro of the same name that the emulator registers. -#}
{% macro snowflake__vector_average(vector_expression) -%}
    vector_avg({{ vector_expression }})
{%- endmacro %}

{% macro duckdb__vector_average(vector_expression) -%}
    vector_avg({{ vector_expression }})
{%- endmacro %}


{#- The cosine similarity of two vectors of the same length. -#}
{% macro vector_cosine_similarity(left_vector, right_vector) -%}
    {{ return(adapter.dispatch('vector_cosine_similarity', 'support_ticket_llm')(left_vector, right_vector)) }}
{%- endmacro %}

{% macro default__vector_cosine_similarity(left_vector, right_vector) -%}
    {{ exceptions.raise_compiler_error("vector_cosine_similarity is not implemented for adapter '" ~ adapter.type() ~ "'") }}
{%- endmacro %}

{% macro snowflake__vector_cosine_similarity(left_vector, right_vector) -%}
    vector_cosine_similarity({{ left_vector }}, {{ right_vector }})
{%- endmacro %}

{% macro duckdb__vector_cosine_similarity(left_vector, right_vector) -%}
    list_cosine_similarity({{ left_vector }}, {{ right_vector }})
{%- endmacro %}
