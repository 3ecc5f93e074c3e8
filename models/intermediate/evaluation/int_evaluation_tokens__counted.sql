{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        full_refresh=paid_answers_full_refresh(),
        unique_key='token_count_id',
        on_schema_change='fail',
        query_tag=cortex_query_tag('evaluation token counts'),
    )
}}

{#-
    The tokenizer of each model role. AI_COUNT_TOKENS does not accept fine-tuned models, so the
    fine-tuned model's tokens are counted with var finetune_base_model's tokenizer (its base);
    the embedding classifier's with var embedding_model's, for AI_EMBED (no output tokens).
-#}
{%- set teacher_tokenizer = var('teacher_model') -%}
{%- set base_model_tokenizer = var('finetune_base_model') -%}
{%- set embedding_tokenizer = var('embedding_model') -%}

{%- set answers_to_count -%}
    select
        predictions.ticket_id,
        predictions.model_role,
        predictions.model,
        predictions.prompt_hash,
        -- Each role's own prompt: the fine-tuned model is sent the request alone.
        case
            when predictions.model_role in ('finetuned', 'embedding_classifier') then prompts.finetuned_model_prompt
            else prompts.prompt
        end as prompt,
        predictions.raw_response

    from {{ ref('int_evaluation_predictions__unioned') }} as predictions
    inner join {{ ref('int_tickets__prompted_for_categorization') }} as prompts
        on
            predictions.ticket_id = prompts.ticket_id
            and predictions.prompt_hash = case
                when predictions.model_role in ('finetuned', 'embedding_classifier') then prompts.finetuned_model_prompt_hash
                else prompts.prompt_hash
            end
    where predictions.raw_response is not null
    {%- if is_incremental() %}
        and not exists (
            select 1
            from {{ this }} as already_counted
            where
                already_counted.ticket_id = predictions.ticket_id
                and already_counted.model_role = predictions.model_role
                and already_counted.model = predictions.model
                and already_counted.prompt_hash = predictions.prompt_hash
        )
    {%- endif %}
{%- endset -%}
{{ cortex_call_guard(answers_to_count) }}

with

answers_to_count as (

    {{ answers_to_count }}

),

counted as (

    -- noqa: disable=LT02
    -- One select per model role, each counted with its role's tokenizer.
    {%- for model_role, tokenizer in [
        ('teacher', teacher_tokenizer),
        ('base_zero_shot', base_model_tokenizer),
        ('base_zero_shot_structured', base_model_tokenizer),
        ('finetuned', base_model_tokenizer),
        ('embedding_classifier', embedding_tokenizer),
    ] %}

    select
        md5(ticket_id || '|' || model_role || '|' || model || '|' || prompt_hash) as token_count_id,
        ticket_id,
        model_role,
        model,
        prompt_hash,
        {{ quote_string_literal(tokenizer) }} as tokenizer_model,
        {%- if model_role == 'embedding_classifier' %}
        {{ cortex_count_embedding_tokens(tokenizer, 'prompt') }} as prompt_tokens,
        0 as completion_tokens,
        {%- else %}
        {{ cortex_count_tokens(tokenizer, 'prompt') }} as prompt_tokens,
        {{ cortex_count_tokens(tokenizer, 'raw_response') }} as completion_tokens,
        {%- endif %}
        current_timestamp as counted_at

    from answers_to_count
    where model_role = {{ quote_string_literal(model_role) }}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}
    -- noqa: enable=LT02

),

final as (

    select * from counted

)

select * from final
