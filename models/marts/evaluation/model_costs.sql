with

model_evaluation as (

    select * from {{ ref('model_evaluation') }}

),

predictions as (

    select * from {{ ref('int_evaluation_predictions__unioned') }}

),

token_counts as (

    select * from {{ ref('int_evaluation_tokens__counted') }}

),

model_catalog as (

    select * from {{ ref('cortex_models') }}

),

-- Counts of the answers the evaluation uses now (not of earlier models or prompts).
current_token_counts as (

    select token_counts.*

    from token_counts
    inner join predictions
        on
            token_counts.ticket_id = predictions.ticket_id
            and token_counts.model = predictions.model
            and token_counts.prompt_hash = predictions.prompt_hash
            and token_counts.model_role = predictions.model_role

),

tokens_per_role as (

    select
        model_role,
        -- The catalog row that prices the role's calls: a fine-tuned model is billed at its own
        -- inference rate (the '<base>:finetuned' row), not at its base model's.
        max(
            case when model_role = 'finetuned' then tokenizer_model || ':finetuned' else tokenizer_model end
        ) as billing_model,
        count(*) as counted_tickets,
        avg(prompt_tokens) as mean_prompt_tokens,
        avg(completion_tokens) as mean_completion_tokens,
        avg(prompt_tokens + completion_tokens) as mean_tokens_per_ticket

    from current_token_counts
    group by model_role

),

final as (

    select
        model_evaluation.model_role,
        cast(model_evaluation.model_role_order as bigint) as model_role_order,
        model_evaluation.model,
        tokens_per_role.billing_model,
        cast(coalesce(tokens_per_role.counted_tickets, 0) as bigint) as counted_tickets,
        cast(tokens_per_role.mean_prompt_tokens as double) as mean_prompt_tokens,
        cast(tokens_per_role.mean_completion_tokens as double) as mean_completion_tokens,
        cast(tokens_per_role.mean_tokens_per_ticket as double) as mean_tokens_per_ticket,
        cast(model_catalog.input_credits_per_million_tokens as double) as input_credits_per_million_tokens,
        cast(model_catalog.output_credits_per_million_tokens as double) as output_credits_per_million_tokens,
        model_catalog.price_basis,
        cast(
            (
                tokens_per_role.mean_prompt_tokens * model_catalog.input_credits_per_million_tokens
                + tokens_per_role.mean_completion_tokens * model_catalog.output_credits_per_million_tokens
            ) / 1000000.0 as double
        ) as credits_per_ticket,
        cast(
            (
                tokens_per_role.mean_prompt_tokens * model_catalog.input_credits_per_million_tokens
                + tokens_per_role.mean_completion_tokens * model_catalog.output_credits_per_million_tokens
            ) / 1000.0 as double
        ) as credits_per_1000_tickets

    from model_evaluation
    left join tokens_per_role
        on model_evaluation.model_role = tokens_per_role.model_role
    left join model_catalog
        on lower(tokens_per_role.billing_model) = lower(model_catalog.model_name)

)

select * from final
