{#-
    The full prompt each stage sends, built in SQL from the instructions (see
    categorization_instructions) and the ticket's columns (values, never SQL). The same macro
    serves the teacher, the base model, the fine-tuning pairs and the fine-tuned model, so all of
    them see the same text.
-#}
{% macro categorization_prompt(request_expression) -%}
    {{ categorization_instructions() }} || ' ' || coalesce({{ request_expression }}, '')
{%- endmacro %}

{#-
    The categorisation instructions as a SQL expression: var categorization_prompt (a template,
    quoted) with {categories} replaced, in SQL, by the rows of the valid_categories seed, one per
    line in list_position order ("<category>: <description>" when var
    categorization_prompt_lists_descriptions is true). The seed is read by the query, never at
    compile time, so the SQL text does not depend on the table.
-#}
{% macro categorization_instructions() -%}
    {%- set template = var('categorization_prompt') -%}
    {%- if '{categories}' not in template -%}
        {{ exceptions.raise_compiler_error("var categorization_prompt must contain the placeholder {categories}, where the categories of seeds/valid_categories.csv are listed.") }}
    {%- endif -%}
    {%- if var('categorization_prompt_lists_descriptions') -%}
        {%- set listed = "category || coalesce(': ' || nullif(trim(description), ''), '')" -%}
    {%- else -%}
        {%- set listed = "category" -%}
    {%- endif -%}
    (
        select replace(
            {{ quote_string_literal(template) }},
            '{categories}',
            {{ dbt.listagg(listed, 'chr(10)', 'order by list_position, category') }}
        )
        from {{ ref('valid_categories') }}
    )
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
