{#-
    The full prompt each stage sends, built in SQL from the prompt var (quoted) and the
    ticket's columns (values, never SQL). The same macro serves the teacher, the base model,
    the fine-tuning pairs and the fine-tuned model, so all of them see the same text.
-#}
{% macro categorization_prompt(request_expression) -%}
    {{ quote_string_literal(var('categorization_prompt')) }} || ' ' || coalesce({{ request_expression }}, '')
{%- endmacro %}

{#- The quickstart's message prompt plus the customer's details and the ticket's category. -#}
{% macro message_prompt(customer_name_expression, contact_preference_expression, category_expression) -%}
    {{ quote_string_literal(var('message_prompt')) }}
        || ' Here is the customer information: Name: ' || coalesce({{ customer_name_expression }}, '')
        || ', Contact preference: ' || coalesce({{ contact_preference_expression }}, '')
        || ', Request category: ' || coalesce({{ category_expression }}, 'Unknown')
{%- endmacro %}
