{{ config(severity='warn') }}
-- Fine-tuning must fix the format: the fine-tuned model's share of answers that are exactly one
-- valid category must be higher than the base model's zero-shot share. Not judged below var
-- min_eval_tickets_to_judge_models tickets.
with

model_evaluation as (

    select * from {{ ref('model_evaluation') }}

),

finetuned as (

    select * from model_evaluation
    where model_role = 'finetuned'

),

base_model as (

    select * from model_evaluation
    where model_role = 'base_zero_shot'

)

select
    finetuned.model as finetuned_model,
    finetuned.format_validity as finetuned_format_validity,
    base_model.model as base_model,
    base_model.format_validity as base_model_format_validity

from finetuned
cross join base_model
where
    finetuned.eval_tickets >= {{ var('min_eval_tickets_to_judge_models') | int }}
    and not coalesce(finetuned.format_validity > base_model.format_validity, false)
