{#-
    Every answer a student gave, from every trainer, placed on a category: the fine-tuned
    models' (AI_COMPLETE, as candidate and in use) and the embedding classifiers' (SQL). One row
    per ticket, model and prompt: where two stages answered the same, a non-null answer first.
-#}
with

finetuned_answers as (

    select * from {{ ref('int_finetuned_categories__requested') }}

),

finetuned_candidate_answers as (

    select * from {{ ref('int_candidate_categories__requested') }}

),

embedding_classifier_answers as (

    select * from {{ ref('int_student_categories__scored') }}

),

answers as (

    select
        ticket_id,
        model,
        prompt_hash,
        is_structured_output,
        raw_response,
        backend,
        categorized_at

    from finetuned_answers

    union all

    select
        ticket_id,
        model,
        prompt_hash,
        is_structured_output,
        raw_response,
        backend,
        categorized_at

    from finetuned_candidate_answers

    union all

    select
        ticket_id,
        model,
        prompt_hash,
        is_structured_output,
        raw_response,
        backend,
        categorized_at

    from embedding_classifier_answers

),

unique_answers as (

    select
        md5(ticket_id || '|' || model || '|' || prompt_hash) as student_answer_id,
        *,
        -- A structured answer is JSON: its category field is the answer.
        coalesce({{ answer_json_category('raw_response') }}, raw_response) as answer_text

    from answers
    qualify row_number() over (
            partition by ticket_id, lower(model), prompt_hash
            order by case when raw_response is null then 1 else 0 end, categorized_at
        ) = 1

),

categorized as (

    {{ categorize_responses('unique_answers', 'student_answer_id', 'answer_text') }}

),

final as (

    select
        unique_answers.student_answer_id,
        unique_answers.ticket_id,
        unique_answers.model,
        unique_answers.prompt_hash,
        unique_answers.is_structured_output,
        unique_answers.raw_response,
        case when unique_answers.raw_response is not null then categorized.category end as category,
        unique_answers.backend,
        unique_answers.categorized_at

    from unique_answers
    inner join categorized
        on unique_answers.student_answer_id = categorized.student_answer_id

)

select * from final
