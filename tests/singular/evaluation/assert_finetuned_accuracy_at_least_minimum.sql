-- The fine-tuned model must agree with the teacher on at least var min_finetuned_accuracy of the
-- evaluation set. Not judged below var min_eval_tickets_to_judge_models tickets (too few to tell).
{%- set min_accuracy = var('min_finetuned_accuracy') -%}
{%- if min_accuracy is not number -%}
    {{ exceptions.raise_compiler_error("var min_finetuned_accuracy must be a number from 0 to 1, got " ~ min_accuracy) }}
{%- endif %}

with

model_evaluation as (

    select * from {{ ref('model_evaluation') }}

)

select
    model,
    eval_tickets,
    accuracy,
    {{ min_accuracy }} as min_finetuned_accuracy

from model_evaluation
where
    model_role = 'finetuned'
    and eval_tickets >= {{ var('min_eval_tickets_to_judge_models') | int }}
    and coalesce(accuracy, 0) < {{ min_accuracy }}
