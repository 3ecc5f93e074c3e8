{#-
    The full prompt each stage sends, built in SQL from the prompt var (quoted) and the
    ticket's columns (values, never SQL). The same macro serves the teacher, the base model,
    the fine-tuning pairs and the fine-tuned model, so all of them see the same text.
-#}
{% macro categorization_prompt(request_expression) -%}
    {{ quote_string_literal(var('categorization_prompt')) }} || ' ' || coalesce({{ request_expression }}, '')
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
