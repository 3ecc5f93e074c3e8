{#-
    Per ticket, the answer of the most recently promoted model that answered the ticket's current
    prompt (a non-null answer first): with var rescore_after_promotion new_tickets, older tickets
    keep the category of the model that was in use when they arrived.
-#}
{%- set promoted_models = promoted_finetuned_models(source('finetuning', 'model_promotions')) -%}
{%- set promoted_literals = [] -%}
{%- set promotion_ranks = [] -%}
{%- for promoted_model in promoted_models -%}
    {%- do promoted_literals.append(quote_string_literal(promoted_model | lower)) -%}
    {%- do promotion_ranks.append('when ' ~ quote_string_literal(promoted_model | lower) ~ ' then ' ~ loop.index) -%}
{%- endfor -%}

with

prompts as (

    select * from {{ ref('int_tickets__prompted_for_categorization') }}

),

answers as (

    select * from {{ ref('int_finetuned_categories__requested') }}

),

current_answers as (

    select
        answers.finetuned_category_id,
        answers.ticket_id,
        answers.model,
        answers.prompt_hash,
        answers.is_structured_output,
        answers.raw_response,
        -- A structured answer is JSON: its category field is the answer.
        coalesce({{ answer_json_category('answers.raw_response') }}, answers.raw_response) as answer_text,
        answers.backend,
        answers.categorized_at,
        {{ ("case lower(answers.model) " ~ promotion_ranks | join(' ') ~ " end") if promoted_models else "1" }}
            as promotion_rank

    from answers
    inner join prompts
        on
            answers.ticket_id = prompts.ticket_id
            and answers.prompt_hash = prompts.finetuned_model_prompt_hash
    where {{ "lower(answers.model) in (" ~ promoted_literals | join(', ') ~ ")" if promoted_models else "1 = 0" }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by ticket_id
            order by case when raw_response is null then 1 else 0 end, promotion_rank
        ) as answer_rank

    from current_answers

),

chosen_answers as (

    select * from ranked
    where answer_rank = 1

),

categorized as (

    {{ categorize_responses('chosen_answers', 'finetuned_category_id', 'answer_text') }}

),

final as (

    select
        chosen_answers.ticket_id,
        chosen_answers.model,
        chosen_answers.prompt_hash,
        chosen_answers.is_structured_output,
        chosen_answers.raw_response,
        categorized.category,
        chosen_answers.backend,
        chosen_answers.categorized_at

    from chosen_answers
    inner join categorized
        on chosen_answers.finetuned_category_id = categorized.finetuned_category_id

)

select * from final
