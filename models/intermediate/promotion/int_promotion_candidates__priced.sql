{#-
    What one call of each candidate's student costs, per 1,000 tickets, on the promotion eval
    tickets' token counts at the catalog's rate for it: its embedding model's (AI_EMBED), or the
    fine-tuned inference rate of its base ('<base>:finetuned'). Null without a rate.
-#}
with

versions as (

    select * from {{ ref('int_student_versions__listed') }}

),

eval_tokens as (

    select * from {{ ref('int_promotion_eval_tokens__counted') }}

),

eval_tickets as (

    select * from {{ ref('int_promotion_eval_tickets__selected') }}

),

model_catalog as (

    select * from {{ ref('cortex_models') }}

),

candidates as (

    select
        student_model,
        trainer,
        base_model,
        case
            when trainer = 'cortex_finetune' then base_model || ':finetuned'
            else base_model
        end as pricing_model

    from versions
    where is_candidate

),

final as (

    select
        candidates.student_model as candidate_model,
        candidates.trainer,
        candidates.pricing_model,
        cast(
            1000 * avg(
                eval_tokens.prompt_tokens * model_catalog.input_credits_per_million_tokens
                + eval_tokens.completion_tokens * model_catalog.output_credits_per_million_tokens
            ) / 1000000.0 as double
        ) as credits_per_1000_tickets

    from candidates
    inner join eval_tokens
        on
            candidates.trainer = eval_tokens.trainer
            and lower(candidates.base_model) = lower(eval_tokens.tokenizer_model)
    inner join eval_tickets
        on
            eval_tokens.ticket_id = eval_tickets.ticket_id
            and eval_tokens.prompt_hash = eval_tickets.prompt_hash
    left join model_catalog
        on lower(candidates.pricing_model) = lower(model_catalog.model_name)
    group by candidates.student_model, candidates.trainer, candidates.pricing_model

)

select * from final
