{#-
    COMPLETE(model, prompt) -> the model's answer as text.
    `model` is a model name (a string, checked); `prompt` is a SQL expression, so ticket text
    reaches the model as a column value and never as SQL.
-#}
{% macro cortex_complete(model, prompt) -%}
    {{ return(adapter.dispatch('cortex_complete', 'support_ticket_llm')(_validate_model_name(model), prompt)) }}
{%- endmacro %}

{% macro default__cortex_complete(model, prompt) -%}
    {{ exceptions.raise_compiler_error("cortex_complete: adapter '" ~ adapter.type() ~ "' has no Cortex; use the snowflake or the local (duckdb) target.") }}
{%- endmacro %}

{% macro snowflake__cortex_complete(model, prompt) -%}
    {%- if var('use_ai_complete', false) -%}
        ai_complete({{ quote_string_literal(model) }}, {{ prompt }})
    {%- else -%}
        snowflake.cortex.complete({{ quote_string_literal(model) }}, {{ prompt }})
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__cortex_complete(model, prompt) -%}
    cortex_complete({{ quote_string_literal(model) }}, {{ prompt }})
{%- endmacro %}


{#- TRY_COMPLETE(model, prompt) -> like COMPLETE, but null where the call fails. -#}
{% macro cortex_try_complete(model, prompt) -%}
    {{ return(adapter.dispatch('cortex_try_complete', 'support_ticket_llm')(_validate_model_name(model), prompt)) }}
{%- endmacro %}

{% macro default__cortex_try_complete(model, prompt) -%}
    {{ exceptions.raise_compiler_error("cortex_try_complete: adapter '" ~ adapter.type() ~ "' has no Cortex; use the snowflake or the local (duckdb) target.") }}
{%- endmacro %}

{#- AI_COMPLETE answers null on a failed row since Snowflake's 2026_02 behaviour bundle. -#}
{% macro snowflake__cortex_try_complete(model, prompt) -%}
    {%- if var('use_ai_complete', false) -%}
        ai_complete({{ quote_string_literal(model) }}, {{ prompt }})
    {%- else -%}
        snowflake.cortex.try_complete({{ quote_string_literal(model) }}, {{ prompt }})
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__cortex_try_complete(model, prompt) -%}
    cortex_try_complete({{ quote_string_literal(model) }}, {{ prompt }})
{%- endmacro %}


{#- COUNT_TOKENS(model, text) -> the number of tokens `text` costs with `model` (not for fine-tuned models). -#}
{% macro cortex_count_tokens(model, text) -%}
    {{ return(adapter.dispatch('cortex_count_tokens', 'support_ticket_llm')(_validate_model_name(model), text)) }}
{%- endmacro %}

{% macro default__cortex_count_tokens(model, text) -%}
    {{ exceptions.raise_compiler_error("cortex_count_tokens: adapter '" ~ adapter.type() ~ "' has no Cortex; use the snowflake or the local (duckdb) target.") }}
{%- endmacro %}

{% macro snowflake__cortex_count_tokens(model, text) -%}
    snowflake.cortex.count_tokens({{ quote_string_literal(model) }}, {{ text }})
{%- endmacro %}

{% macro duckdb__cortex_count_tokens(model, text) -%}
    cortex_count_tokens({{ quote_string_literal(model) }}, {{ text }})
{%- endmacro %}


{#- Which backend answers `model` on this target, recorded beside every answer (provenance). -#}
{% macro cortex_backend_name(model) -%}
    {{ return(adapter.dispatch('cortex_backend_name', 'support_ticket_llm')(_validate_model_name(model))) }}
{%- endmacro %}

{% macro default__cortex_backend_name(model) -%}
    {{ exceptions.raise_compiler_error("cortex_backend_name: adapter '" ~ adapter.type() ~ "' has no Cortex backend.") }}
{%- endmacro %}

{% macro snowflake__cortex_backend_name(model) -%}
    'snowflake-cortex'
{%- endmacro %}

{% macro duckdb__cortex_backend_name(model) -%}
    cortex_backend_name({{ quote_string_literal(model) }})
{%- endmacro %}
