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
    The full message prompt: the instructions (a SQL expression: the message prompt in force,
    column `prompt` of int_prompts__promoted) plus the customer's details and the ticket's
    category (values, never SQL). The message studio (app/studio/data.py) appends the same text:
    keep them identical.
-#}
{% macro message_prompt(instructions_expression, customer_name_expression, contact_preference_expression, category_expression) -%}
    {{ instructions_expression }}
        || ' Here is the customer information: Name: ' || coalesce({{ customer_name_expression }}, '')
        || ', Contact preference: ' || coalesce({{ contact_preference_expression }}, '')
        || ', Request category: ' || coalesce({{ category_expression }}, 'Unknown')
{%- endmacro %}

{#-
    The word limits a message prompt states (`prompt`, a string), as {'text': n, 'email': n}: "less than /
    fewer than / under / below N words" allows N - 1 words, "maximum / at most / no more than /
    up to N words" allows N. A limit belongs to the medium (text message or e-mail) named last
    before it (else first after it); a limit naming no medium applies to both; a medium without
    a limit keeps the quickstart's (24 for texts, 100 for e-mails). The same rule as the local
    emulator's writer, so the mart's tests check the limits the writer was given.
-#}
{% macro message_word_limits(prompt) -%}
    {%- set limits = {'text': none, 'email': none} -%}
    {%- set limit_pattern = '(?i)\\b(less than|fewer than|under|below|maximum(?: of)?|max\\.?(?: of)?|at most|no more than|not more than|up to|within)\\s+(\\d{1,4})\\s+words?\\b' -%}
    {%- set text_pattern = '(?i)\\b(?:text[- ]?messages?|sms|texts?)\\b' -%}
    {%- set email_pattern = '(?i)\\be-?mails?\\b' -%}
    {%- for found in modules.re.finditer(limit_pattern, prompt) -%}
        {%- set strict = found.group(1) | lower in ['less than', 'fewer than', 'under', 'below'] -%}
        {%- set allowed = [(found.group(2) | int) - (1 if strict else 0), 1] | max -%}
        {%- set before = prompt[:found.start()] -%}
        {%- set text_end = [-1] -%}
        {%- set email_end = [-1] -%}
        {%- for match in modules.re.finditer(text_pattern, before) -%}{%- do text_end.append(match.end()) -%}{%- endfor -%}
        {%- for match in modules.re.finditer(email_pattern, before) -%}{%- do email_end.append(match.end()) -%}{%- endfor -%}
        {%- if text_end | max >= 0 or email_end | max >= 0 -%}
            {%- set medium = 'text' if text_end | max > email_end | max else 'email' -%}
        {%- else -%}
            {%- set after = prompt[found.end():found.end() + 60] -%}
            {%- set next_text = modules.re.search(text_pattern, after) -%}
            {%- set next_email = modules.re.search(email_pattern, after) -%}
            {%- if next_text and (not next_email or next_text.start() < next_email.start()) -%}
                {%- set medium = 'text' -%}
            {%- elif next_email -%}
                {%- set medium = 'email' -%}
            {%- else -%}
                {%- set medium = 'both' -%}
            {%- endif -%}
        {%- endif -%}
        {%- for key in ['text', 'email'] if (medium in [key, 'both']) and limits[key] is none -%}
            {%- do limits.update({key: allowed}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return({
        'text': limits['text'] if limits['text'] is not none else 24,
        'email': limits['email'] if limits['email'] is not none else 100
    }) }}
{%- endmacro %}
