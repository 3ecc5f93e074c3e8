{#-
    A number in [0, buckets) from a string key, identical on every engine: the first 16 hex
    digits of md5(key) read as an unsigned 64-bit integer, modulo `buckets`.
-#}
{% macro hash_bucket(key_expression, buckets=100) -%}
    {%- if buckets is not number or buckets < 1 -%}
        {{ exceptions.raise_compiler_error("hash_bucket: buckets must be a positive integer, got " ~ buckets) }}
    {%- endif -%}
    {{ return(adapter.dispatch('hash_bucket', 'support_ticket_llm')(key_expression, buckets)) }}
{%- endmacro %}

{% macro default__hash_bucket(key_expression, buckets) -%}
    {{ exceptions.raise_compiler_error("hash_bucket is not implemented for adapter '" ~ adapter.type() ~ "'") }}
{%- endmacro %}

{% macro snowflake__hash_bucket(key_expression, buckets) -%}
    mod(md5_number_upper64({{ key_expression }}), {{ buckets }})
{%- endmacro %}

{% macro duckdb__hash_bucket(key_expression, buckets) -%}
    (('0x' || substr(md5({{ key_expression }}), 1, 16))::ubigint % {{ buckets }})
{%- endmacro %}
