{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        full_refresh=paid_answers_full_refresh(),
        query_tag=cortex_query_tag('candidate token counts'),
    )
}}

{#-
    What one call of each configured trainer's student costs on a promotion eval ticket, in
    tokens, counted with AI_COUNT_TOKENS once per ticket, prompt and tokenizer: the embedding
    classifier embeds the request (var embedding_model's tokenizer, no output tokens); a
    fine-tuned model is sent the request and answers a category (var finetune_base_model's
    tokenizer: AI_COUNT_TOKENS does not take fine-tuned models; the teacher's category stands in
    for its answer). The promotion decision prices candidates with these counts.
-#}
{%- set trainers = configured_trainers() -%}
{%- set tokenizers = [] -%}
{%- if 'embedding_classifier' in trainers -%}
    {%- do tokenizers.append(('embedding_classifier', var('embedding_model'))) -%}
{%- endif -%}
{%- if 'cortex_finetune' in trainers -%}
    {%- do tokenizers.append(('cortex_finetune', var('finetune_base_model'))) -%}
{%- endif -%}

{%- set tickets_to_count -%}
    select
        eval_tickets.ticket_id,
        eval_tickets.prompt_hash,
        eval_tickets.prompt,
        eval_tickets.teacher_category

    from {{ ref('int_promotion_eval_tickets__selected') }} as eval_tickets
{%- endset -%}
{#- The guard counts every eval ticket (an upper bound of what is counted). -#}
{{ cortex_call_guard(tickets_to_count) }}

with

tickets_to_count as (

    {{ tickets_to_count }}

),

counted as (

    -- noqa: disable=LT02
    {%- for trainer, tokenizer in tokenizers %}

    select
        ticket_id,
        prompt_hash,
        {{ quote_string_literal(trainer) }} as trainer,
        {{ quote_string_literal(tokenizer) }} as tokenizer_model,
        {%- if trainer == 'embedding_classifier' %}
        {{ cortex_count_embedding_tokens(tokenizer, 'prompt') }} as prompt_tokens,
        0 as completion_tokens,
        {%- else %}
        {{ cortex_count_tokens(tokenizer, 'prompt') }} as prompt_tokens,
        {{ cortex_count_tokens(tokenizer, 'teacher_category') }} as completion_tokens,
        {%- endif %}
        current_timestamp as counted_at

    from tickets_to_count
    {%- if is_incremental() %}
    where not exists (
        select 1
        from {{ this }} as counted
        where
            counted.ticket_id = tickets_to_count.ticket_id
            and counted.prompt_hash = tickets_to_count.prompt_hash
            and counted.tokenizer_model = {{ quote_string_literal(tokenizer) }}
    )
    {%- endif %}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}
    -- noqa: enable=LT02

),

final as (

    select
        md5(ticket_id || '|' || prompt_hash || '|' || trainer || '|' || tokenizer_model) as token_count_id,
        ticket_id,
        prompt_hash,
        trainer,
        tokenizer_model,
        cast(prompt_tokens as bigint) as prompt_tokens,
        cast(completion_tokens as bigint) as completion_tokens,
        counted_at

    from counted

)

select * from final
