{{ config(severity='warn') }}
-- A warning, not an error: below var min_eval_tickets_to_judge_models tickets the evaluation set
-- is too small for the accuracy and format tests to judge, so they pass without judging.
select
    model_role,
    eval_tickets,
    {{ var('min_eval_tickets_to_judge_models') | int }} as min_eval_tickets_to_judge_models

from {{ ref('model_evaluation') }}
where
    model_role = 'finetuned'
    and eval_tickets < {{ var('min_eval_tickets_to_judge_models') | int }}
