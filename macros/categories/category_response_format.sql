{#-
    AI_COMPLETE's response_format for a categorisation, as JSON text built in SQL from the
    valid_categories seed (a scalar subquery; no table is read to decide the SQL text):
        {"type": "json", "schema": {"type": "object",
            "properties": {"category": {"type": "string", "enum": [<every valid category>]}},
            "required": ["category"], "additionalProperties": false}}
-#}
{% macro category_response_format() -%}
    {{ return(adapter.dispatch('category_response_format', 'support_ticket_llm')()) }}
{%- endmacro %}

{% macro default__category_response_format() -%}
    {{ exceptions.raise_compiler_error("category_response_format is not implemented for adapter '" ~ adapter.type() ~ "'") }}
{%- endmacro %}

{% macro snowflake__category_response_format() -%}
    (
        select
            to_json(object_construct(
                'type', 'json',
                'schema', object_construct(
                    'type', 'object',
                    'properties', object_construct(
                        'category', object_construct(
                            'type', 'string',
                            'enum', array_agg(category) within group (order by category)
                        )
                    ),
                    'required', array_construct('category'),
                    'additionalProperties', false
                )
            ))
        from {{ ref('valid_categories') }}
    )
{%- endmacro %}

{% macro duckdb__category_response_format() -%}
    (
        select
            cast(json_object(
                'type', 'json',
                'schema', json_object(
                    'type', 'object',
                    'properties', json_object(
                        'category', json_object(
                            'type', 'string',
                            'enum', to_json(list(category order by category))
                        )
                    ),
                    'required', json_array('category'),
                    'additionalProperties', false
                )
            ) as varchar)
        from {{ ref('valid_categories') }}
    )
{%- endmacro %}


{#- The `category` of an answer that is a JSON object (a structured answer); null for any other answer. -#}
{% macro answer_json_category(expression) -%}
    {{ return(adapter.dispatch('answer_json_category', 'support_ticket_llm')(expression)) }}
{%- endmacro %}

{% macro default__answer_json_category(expression) -%}
    {{ exceptions.raise_compiler_error("answer_json_category is not implemented for adapter '" ~ adapter.type() ~ "'") }}
{%- endmacro %}

{% macro snowflake__answer_json_category(expression) -%}
    try_parse_json({{ expression }}):category::varchar
{%- endmacro %}

{% macro duckdb__answer_json_category(expression) -%}
    case when json_valid({{ expression }}) then json_extract_string({{ expression }}, '$.category') end
{%- endmacro %}
