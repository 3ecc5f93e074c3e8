{#-
    Model names are spliced into SQL as literals, so they are checked first: a Cortex model
    name, or a fully qualified fine-tuned model name (database.schema.name).
-#}
{% macro _validate_model_name(model) -%}
    {%- if model is not string or not modules.re.fullmatch('[A-Za-z0-9][-A-Za-z0-9_.]{0,254}', model) -%}
        {{ exceptions.raise_compiler_error(
            "Invalid model name " ~ (model | string | tojson) ~ ": use "
            ~ "a model of the catalog (seeds/cortex_models.csv) or a fine-tuned model's database.schema.name (letters, digits, _ . -).") }}
    {%- endif -%}
    {{ return(model) }}
{%- endmacro %}
