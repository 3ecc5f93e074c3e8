{#-
    FINETUNE as SQL expressions, one macro per verb. Every argument is a plain value that is
    quoted here; queries are passed to Cortex as text, the way the SQL API takes them.
-#}
{% macro cortex_finetune_create(model_name, base_model, training_query, validation_query=none, max_epochs=none) -%}
    {%- if max_epochs is not none and (max_epochs is not number or max_epochs < 1 or max_epochs > 10) -%}
        {{ exceptions.raise_compiler_error("cortex_finetune_create: max_epochs must be an integer from 1 to 10, got " ~ max_epochs) }}
    {%- endif -%}
    {{ return(adapter.dispatch('cortex_finetune_create', 'support_ticket_llm')(
        _validate_model_name(model_name), _validate_model_name(base_model), training_query, validation_query, max_epochs)) }}
{%- endmacro %}

{% macro default__cortex_finetune_create(model_name, base_model, training_query, validation_query, max_epochs) -%}
    {{ exceptions.raise_compiler_error("cortex_finetune_create: adapter '" ~ adapter.type() ~ "' has no Cortex fine-tuning.") }}
{%- endmacro %}

{% macro snowflake__cortex_finetune_create(model_name, base_model, training_query, validation_query, max_epochs) -%}
    snowflake.cortex.finetune(
        'CREATE',
        {{ quote_string_literal(model_name) }},
        {{ quote_string_literal(base_model) }},
        {{ quote_string_literal(training_query) }}
        {%- if validation_query is not none or max_epochs is not none %},
        {#- No validation query but options: NULL, as Snowflake's own client (snowflake-ml-python's
            Finetune.create) sends it; an empty string is not a query. #}
        {{ quote_string_literal(validation_query) }}
        {%- endif %}
        {%- if max_epochs is not none %},
        {'max_epochs': {{ max_epochs }}}
        {%- endif %}
    )
{%- endmacro %}

{% macro duckdb__cortex_finetune_create(model_name, base_model, training_query, validation_query, max_epochs) -%}
    cortex_finetune_create(
        {{ quote_string_literal(model_name) }},
        {{ quote_string_literal(base_model) }},
        {{ quote_string_literal(training_query) }},
        {{ quote_string_literal(validation_query) }},
        {{ quote_string_literal(tojson({'max_epochs': max_epochs}) if max_epochs is not none else none) }}
    )
{%- endmacro %}


{% macro cortex_finetune_describe(job_id) -%}
    {{ return(adapter.dispatch('cortex_finetune_describe', 'support_ticket_llm')(job_id)) }}
{%- endmacro %}

{% macro default__cortex_finetune_describe(job_id) -%}
    {{ exceptions.raise_compiler_error("cortex_finetune_describe: adapter '" ~ adapter.type() ~ "' has no Cortex fine-tuning.") }}
{%- endmacro %}

{% macro snowflake__cortex_finetune_describe(job_id) -%}
    snowflake.cortex.finetune('DESCRIBE', {{ quote_string_literal(job_id) }})
{%- endmacro %}

{% macro duckdb__cortex_finetune_describe(job_id) -%}
    cortex_finetune_describe({{ quote_string_literal(job_id) }})
{%- endmacro %}


{% macro cortex_finetune_show() -%}
    {{ return(adapter.dispatch('cortex_finetune_show', 'support_ticket_llm')()) }}
{%- endmacro %}

{% macro default__cortex_finetune_show() -%}
    {{ exceptions.raise_compiler_error("cortex_finetune_show: adapter '" ~ adapter.type() ~ "' has no Cortex fine-tuning.") }}
{%- endmacro %}

{% macro snowflake__cortex_finetune_show() -%}
    snowflake.cortex.finetune('SHOW')
{%- endmacro %}

{% macro duckdb__cortex_finetune_show() -%}
    cortex_finetune_show()
{%- endmacro %}


{% macro cortex_finetune_cancel(job_id) -%}
    {{ return(adapter.dispatch('cortex_finetune_cancel', 'support_ticket_llm')(job_id)) }}
{%- endmacro %}

{% macro default__cortex_finetune_cancel(job_id) -%}
    {{ exceptions.raise_compiler_error("cortex_finetune_cancel: adapter '" ~ adapter.type() ~ "' has no Cortex fine-tuning.") }}
{%- endmacro %}

{% macro snowflake__cortex_finetune_cancel(job_id) -%}
    snowflake.cortex.finetune('CANCEL', {{ quote_string_literal(job_id) }})
{%- endmacro %}

{% macro duckdb__cortex_finetune_cancel(job_id) -%}
    cortex_finetune_cancel({{ quote_string_literal(job_id) }})
{%- endmacro %}
