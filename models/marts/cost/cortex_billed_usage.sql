{#-
    Billed Cortex usage beside the estimate. The billed side is the copy load_billed_usage makes
    of SNOWFLAKE.ACCOUNT_USAGE.CORTEX_AISQL_USAGE_HISTORY (empty locally, or without access); the
    estimate is model_costs' credits per ticket times the answers each categorisation stage holds.
-#}
with

billed_usage as (

    select * from {{ source('cortex_usage', 'cortex_billed_usage_history') }}

),

model_costs as (

    select * from {{ ref('model_costs') }}

),

teacher_labels as (

    select * from {{ ref('int_teacher_labels__requested') }}

),

base_model_categories as (

    select * from {{ ref('int_base_model_categories__requested') }}

),

finetuned_categories as (

    select * from {{ ref('int_finetuned_categories__requested') }}

),

ticket_embeddings as (

    select * from {{ ref('int_ticket_embeddings__requested') }}

),

messages as (

    select * from {{ ref('int_messages__requested') }}

),

-- The answers each stage holds (one paid request each), with the model role that prices them.
answers as (

    select
        'teacher labels' as pipeline_stage,
        model,
        'teacher' as model_role,
        raw_response as answer_text
    from teacher_labels

    union all

    select
        'base model evaluation' as pipeline_stage,
        model,
        case when is_structured_output then 'base_zero_shot_structured' else 'base_zero_shot' end as model_role,
        raw_response as answer_text
    from base_model_categories

    union all

    select
        'finetuned categories' as pipeline_stage,
        model,
        'finetuned' as model_role,
        raw_response as answer_text
    from finetuned_categories

    union all

    select
        'ticket embeddings' as pipeline_stage,
        model,
        'embedding_classifier' as model_role,
        case when embedding is not null then 'embedded' end as answer_text
    from ticket_embeddings

    union all

    -- No evaluation prices a message: its estimate stays null.
    select
        'messages' as pipeline_stage,
        model,
        cast(null as varchar) as model_role,
        message as answer_text
    from messages

),

estimated as (

    select
        answers.pipeline_stage,
        lower(answers.model) as model_key,
        max(answers.model) as model,
        count(answers.answer_text) as answered_requests,
        sum(model_costs.credits_per_ticket) as estimated_credits

    from answers
    left join model_costs
        on answers.model_role = model_costs.model_role
    where answers.answer_text is not null
    group by answers.pipeline_stage, lower(answers.model)

),

billed as (

    select
        pipeline_stage,
        lower(model_name) as model_key,
        max(model_name) as model,
        count(distinct query_id) as billed_queries,
        sum(tokens) as billed_tokens,
        sum(input_tokens) as billed_input_tokens,
        sum(output_tokens) as billed_output_tokens,
        sum(token_credits) as billed_credits,
        max(usage_time) as last_billed_at

    from billed_usage
    group by pipeline_stage, lower(model_name)

),

final as (

    select
        coalesce(estimated.pipeline_stage, billed.pipeline_stage) as pipeline_stage,
        coalesce(estimated.model, billed.model) as model,
        coalesce(estimated.answered_requests, 0) as answered_requests,
        estimated.estimated_credits,
        coalesce(billed.billed_queries, 0) as billed_queries,
        billed.billed_tokens,
        billed.billed_input_tokens,
        billed.billed_output_tokens,
        billed.billed_credits,
        billed.billed_credits - estimated.estimated_credits as credits_difference,
        billed.last_billed_at,
        billed.pipeline_stage is not null as is_billed_usage_read

    from estimated
    full outer join billed
        on
            estimated.pipeline_stage = billed.pipeline_stage
            and estimated.model_key = billed.model_key

)

select * from final
