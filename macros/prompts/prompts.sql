{#-
    The full prompt each stage sends, built in SQL from the prompt var (quoted) and the
    ticket's columns (values, never SQL). The same macro serves the teacher, the base model,
    the fine-tuning pairs and the fine-tuned model, so all of them see the same text.
-#}
{% macro categorization_prompt(request_expression) -%}
    {{ quote_string_literal(var('categorization_prompt')) }} || ' ' || coalesce({{ request_expression }}, '')
{%- endmacro %}

{#-
    The message prompt (see resolve_message_prompt) plus the customer's details and the ticket's
    category. The message studio (app/studio/data.py) appends the same text: keep them identical.
-#}
{% macro message_prompt(customer_name_expression, contact_preference_expression, category_expression) -%}
    {{ quote_string_literal(resolve_message_prompt()) }}
        || ' Here is the customer information: Name: ' || coalesce({{ customer_name_expression }}, '')
        || ', Contact preference: ' || coalesce({{ contact_preference_expression }}, '')
        || ', Request category: ' || coalesce({{ category_expression }}, 'Unknown')
{%- endmacro %}

{#-
    The message instructions the build uses: the latest prompt saved from the message studio
    (source studio.saved_message_prompts, which the app creates on its first save) when that
    table exists and holds a non-blank prompt, else var('message_prompt'). A model that calls
    this declares the source itself (`-- depends_on: {{ source('studio', 'saved_message_prompts') }}`)
    so the lineage shows it: at parse time this macro returns the var without querying.
-#}
{% macro resolve_message_prompt() -%}
    {%- set configured_prompt = var('message_prompt') -%}
    {%- if not execute -%}
        {{ return(configured_prompt) }}
    {%- endif -%}
    {%- set saved_prompts = load_relation(source('studio', 'saved_message_prompts')) -%}
    {%- if saved_prompts is none -%}
        {{ return(configured_prompt) }}
    {%- endif -%}
    {%- set latest_saved_prompt -%}
        select prompt
        from {{ saved_prompts }}
        where prompt is not null and trim(prompt) != ''
        order by saved_at desc
        limit 1
    {%- endset -%}
    {%- set found = run_query(latest_saved_prompt) -%}
    {%- if found.rows | length == 0 -%}
        {{ return(configured_prompt) }}
    {%- endif -%}
    {{ return(found.rows[0][0]) }}
{%- endmacro %}
