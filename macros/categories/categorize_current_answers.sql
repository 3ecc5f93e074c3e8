{#-
    The body of a model that places a calling model's current answers on categories.

    `answers` is the relation a `cortex_answers` model wrote (every answer ever paid for); the
    result keeps, per ticket (and, with keep_each_request_kind, per kind of request: plain or
    structured output), the latest answer
    of `model` to the ticket's current categorisation prompt (int_tickets__prompted_for_categorization),
    with the category it names (categorize_responses; a structured answer is read as JSON, its
    `category` field). The raw answer is kept. `id_column` is the answers' key.
-#}
{% macro categorize_current_answers(answers, model, id_column, answered_at_column='categorized_at', keep_each_request_kind=false) -%}
with

prompts as (

    select * from {{ ref('int_tickets__prompted_for_categorization') }}

),

answers as (

    select * from {{ answers }}

),

current_answers as (

    select
        answers.*,
        coalesce({{ answer_json_category('answers.raw_response') }}, answers.raw_response) as answer_text

    from answers
    inner join prompts
        on
            answers.ticket_id = prompts.ticket_id
            and answers.prompt_hash = prompts.prompt_hash
    where answers.model = {{ quote_string_literal(_validate_model_name(model)) }}
    qualify row_number() over (
        partition by answers.ticket_id{{ ', answers.is_structured_output' if keep_each_request_kind }}
        order by answers.{{ answered_at_column }} desc
    ) = 1

),

categorized as (

    {{ categorize_responses('current_answers', id_column, 'answer_text') }}

),

final as (

    select
        current_answers.ticket_id,
        current_answers.model,
        current_answers.prompt_hash,
        current_answers.is_structured_output,
        current_answers.raw_response,
        categorized.category,
        current_answers.backend,
        current_answers.{{ answered_at_column }}

    from current_answers
    inner join categorized
        on current_answers.{{ id_column }} = categorized.{{ id_column }}

)

select * from final
{%- endmacro %}
