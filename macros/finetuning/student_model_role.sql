{#-
    The evaluation marts' model_role of a student, from its trainer (a SQL expression):
    'finetuned' for cortex_finetune's models, the trainer's name for the others
    ('embedding_classifier').
-#}
{% macro student_model_role(trainer_expression) -%}
    case when {{ trainer_expression }} = 'cortex_finetune' then 'finetuned' else {{ trainer_expression }} end
{%- endmacro %}
