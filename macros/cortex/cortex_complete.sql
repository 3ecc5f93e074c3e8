{#-
    AI_COMPLETE(model, prompt [, model_parameters [, response_format]]) -> the model's answer as
    text, null for a row that fails (AI functions answer null on a failed row since Snowflake's
    2026_02 behaviour bundle; such a row is sent again by the next run).
    `model` is a model name (a string, checked); `prompt` and `response_format` are SQL
    expressions, so ticket text reaches the model as a column value and never as SQL.
    `model_parameters` is a mapping ({temperature: 0, max_tokens: 64}) rendered as a constant;
    `response_format` is an expression giving JSON text ({"type": "json", "schema": {...}}) or none.
    var cortex_function_names: legacy calls SNOWFLAKE.CORTEX.TRY_COMPLETE(model, prompt) instead
    (without parameters or response_format), for accounts that keep the legacy names.
-#}
{% macro cortex_complete(model, prompt, model_parameters=none, response_format=none) -%}
    {%- if model_parameters is not none and model_parameters is not mapping -%}
        {{ exceptions.raise_compiler_error("cortex_complete: model_parameters must be a mapping such as {temperature: 0}, got " ~ (model_parameters | string | tojson)) }}
    {%- endif -%}
    {{ return(adapter.dispatch('cortex_complete', 'support_ticket_llm')(
        _validate_model_name(model), prompt, model_parameters, response_format)) }}
{%- endmacro %}

{% macro default__cortex_complete(model, prompt, model_parameters, response_format) -%}
    {{ exceptions.raise_compiler_error("cortex_complete: adapter '" ~ adapter.type() ~ "' has no Cortex; use the snowflake or the local (duckdb) target.") }}
{%- endmacro %}

{% macro snowflake__cortex_complete(model, prompt, model_parameters, response_format) -%}
    {%- if cortex_function_names() == 'legacy' -%}
        snowflake.cortex.try_complete({{ quote_string_literal(model) }}, {{ prompt }})
    {%- elif response_format is not none -%}
        to_varchar(ai_complete(
            {{ quote_string_literal(model) }},
            {{ prompt }},
            {{ _object_constant(model_parameters or {}) }},
            parse_json({{ response_format }})
        ))
    {%- elif model_parameters is not none -%}
        ai_complete({{ quote_string_literal(model) }}, {{ prompt }}, {{ _object_constant(model_parameters) }})
    {%- else -%}
        ai_complete({{ quote_string_literal(model) }}, {{ prompt }})
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__cortex_complete(model, prompt, model_parameters, response_format) -%}
    {%- if cortex_function_names() == 'legacy' -%}
        cortex_try_complete({{ quote_string_literal(model) }}, {{ prompt }})
    {%- else -%}
        cortex_ai_complete(
            {{ quote_string_literal(model) }},
            {{ prompt }},
            {{ quote_string_literal(tojson(model_parameters) if model_parameters is not none else none) }},
            {{ response_format if response_format is not none else 'null' }}
        )
    {%- endif -%}
{%- endmacro %}


{#-
    AI_COUNT_TOKENS('ai_complete', model, text) -> the number of tokens `text` costs with `model`
    in AI_COMPLETE (not for fine-tuned models); legacy: SNOWFLAKE.CORTEX.COUNT_TOKENS(model, text).
-#}
{% macro cortex_count_tokens(model, text) -%}
    {{ return(adapter.dispatch('cortex_count_tokens', 'support_ticket_llm')(_validate_model_name(model), text)) }}
{%- endmacro %}

{% macro default__cortex_count_tokens(model, text) -%}
    {{ exceptions.raise_compiler_error("cortex_count_tokens: adapter '" ~ adapter.type() ~ "' has no Cortex; use the snowflake or the local (duckdb) target.") }}
{%- endmacro %}

{% macro snowflake__cortex_count_tokens(model, text) -%}
    {%- if cortex_function_names() == 'legacy' -%}
        snowflake.cortex.count_tokens({{ quote_string_literal(model) }}, {{ text }})
    {%- else -%}
        ai_count_tokens('ai_complete', {{ quote_string_literal(model) }}, {{ text }})
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__cortex_count_tokens(model, text) -%}
    {%- if cortex_function_names() == 'legacy' -%}
        cortex_count_tokens({{ quote_string_literal(model) }}, {{ text }})
    {%- else -%}
        cortex_ai_count_tokens('ai_complete', {{ quote_string_literal(model) }}, {{ text }})
    {%- endif -%}
{%- endmacro %}


{#- Which Cortex function names the project calls: 'ai' (AI_COMPLETE, AI_COUNT_TOKENS) or 'legacy'. -#}
{% macro cortex_function_names() -%}
    {%- set names = var('cortex_function_names', 'ai') -%}
    {%- if names not in ('ai', 'legacy') -%}
        {{ exceptions.raise_compiler_error("var cortex_function_names must be 'ai' (AI_COMPLETE, AI_COUNT_TOKENS) or 'legacy' (SNOWFLAKE.CORTEX.TRY_COMPLETE, COUNT_TOKENS), got " ~ (names | string | tojson)) }}
    {%- endif -%}
    {{ return(names) }}
{%- endmacro %}


{#-
    A mapping of plain values (strings, numbers, booleans, null, lists, mappings) as a Snowflake
    object constant: {'temperature': 0, 'max_tokens': 64}. Strings are quoted literals.
-#}
{% macro _object_constant(value) -%}
    {%- if value is none -%}
        {{ return('null') }}
    {%- elif value is mapping -%}
        {%- set entries = [] -%}
        {%- for key, item in value.items() -%}
            {%- do entries.append(quote_string_literal(key) ~ ': ' ~ _object_constant(item)) -%}
        {%- endfor -%}
        {{ return('{' ~ entries | join(', ') ~ '}') }}
    {%- elif value is string -%}
        {{ return(quote_string_literal(value)) }}
    {%- elif value is sameas true or value is sameas false -%}
        {{ return('true' if value else 'false') }}
    {%- elif value is number -%}
        {{ return(value | string) }}
    {%- elif value is iterable -%}
        {%- set items = [] -%}
        {%- for item in value -%}
            {%- do items.append(_object_constant(item)) -%}
        {%- endfor -%}
        {{ return('[' ~ items | join(', ') ~ ']') }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error("_object_constant: cannot render " ~ (value | string | tojson)) }}
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


{#-
    AI_EMBED(model, text) -> the text's embedding, a VECTOR (Snowflake) or a FLOAT[] list (the
    local emulator: its sentence encoder). `text` is a SQL expression; null text gives null.
    Only AI_EMBED is called (also with var cortex_function_names: legacy: its legacy forms
    EMBED_TEXT_768/1024 are dimension-specific).
-#}
{% macro cortex_embed(model, text) -%}
    {{ return(adapter.dispatch('cortex_embed', 'support_ticket_llm')(_validate_model_name(model), text)) }}
{%- endmacro %}

{% macro default__cortex_embed(model, text) -%}
    {{ exceptions.raise_compiler_error("cortex_embed: adapter '" ~ adapter.type() ~ "' has no Cortex; use the snowflake or the local (duckdb) target.") }}
{%- endmacro %}

{% macro snowflake__cortex_embed(model, text) -%}
    ai_embed({{ quote_string_literal(model) }}, {{ text }})
{%- endmacro %}

{% macro duckdb__cortex_embed(model, text) -%}
    cortex_ai_embed({{ quote_string_literal(model) }}, {{ text }})
{%- endmacro %}


{#- AI_COUNT_TOKENS('ai_embed', model, text): the tokens AI_EMBED bills for `text`. -#}
{% macro cortex_count_embedding_tokens(model, text) -%}
    {{ return(adapter.dispatch('cortex_count_embedding_tokens', 'support_ticket_llm')(_validate_model_name(model), text)) }}
{%- endmacro %}

{% macro default__cortex_count_embedding_tokens(model, text) -%}
    {{ exceptions.raise_compiler_error("cortex_count_embedding_tokens: adapter '" ~ adapter.type() ~ "' has no Cortex; use the snowflake or the local (duckdb) target.") }}
{%- endmacro %}

{% macro snowflake__cortex_count_embedding_tokens(model, text) -%}
    ai_count_tokens('ai_embed', {{ quote_string_literal(model) }}, {{ text }})
{%- endmacro %}

{% macro duckdb__cortex_count_embedding_tokens(model, text) -%}
    cortex_ai_count_tokens('ai_embed', {{ quote_string_literal(model) }}, {{ text }})
{%- endmacro %}
