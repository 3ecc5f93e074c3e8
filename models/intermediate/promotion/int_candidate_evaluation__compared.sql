{#-
    The candidate against the teacher and against the champion (the promoted model) on the same
    promotion eval tickets: what `evaluate_and_promote_candidate` decides on.
-#}
{%- set jobs = source('finetuning', 'finetune_jobs') -%}
{%- set promotions = source('finetuning', 'model_promotions') -%}
{%- set candidate = finetuned_model_candidate(jobs, promotions) -%}
{%- set champion = promoted_finetuned_model(promotions) -%}

with

eval_tickets as (

    select * from {{ ref('int_promotion_eval_tickets__selected') }}

),

candidate_answers as (

    select * from {{ ref('int_candidate_categories__requested') }}

),

scoring_answers as (

    select * from {{ ref('int_finetuned_categories__requested') }}

),

-- Every answer a fine-tuned model gave to an eval ticket's current prompt, from either stage.
fine_tuned_answers as (

    select
        candidate_answers.ticket_id,
        candidate_answers.model,
        candidate_answers.prompt_hash,
        candidate_answers.raw_response

    from candidate_answers

    union all

    select
        scoring_answers.ticket_id,
        scoring_answers.model,
        scoring_answers.prompt_hash,
        scoring_answers.raw_response

    from scoring_answers

),

current_answers as (

    select
        md5(fine_tuned_answers.ticket_id || '|' || fine_tuned_answers.model) as answer_id,
        fine_tuned_answers.ticket_id,
        fine_tuned_answers.model,
        fine_tuned_answers.raw_response,
        coalesce({{ answer_json_category('fine_tuned_answers.raw_response') }}, fine_tuned_answers.raw_response)
            as answer_text,
        row_number() over (
            partition by fine_tuned_answers.ticket_id, fine_tuned_answers.model
            order by fine_tuned_answers.raw_response
        ) as answer_rank

    from fine_tuned_answers
    inner join eval_tickets
        on
            fine_tuned_answers.ticket_id = eval_tickets.ticket_id
            and fine_tuned_answers.prompt_hash = eval_tickets.prompt_hash
    where
        fine_tuned_answers.raw_response is not null
        and lower(fine_tuned_answers.model) in (
            lower({{ quote_string_literal(candidate or '') }}),
            lower({{ quote_string_literal(champion or '') }})
        )

),

unique_answers as (

    select * from current_answers
    where answer_rank = 1

),

categorized as (

    {{ categorize_responses('unique_answers', 'answer_id', 'answer_text') }}

),

answer_categories as (

    select
        unique_answers.ticket_id,
        lower(unique_answers.model) as model_key,
        categorized.category

    from unique_answers
    inner join categorized
        on unique_answers.answer_id = categorized.answer_id

),

final as (

    select
        eval_tickets.ticket_id,
        eval_tickets.teacher_category,
        cast({{ quote_string_literal(candidate) }} as {{ dbt.type_string() }}) as candidate_model,
        candidate_categories.category as candidate_category,
        cast({{ quote_string_literal(champion) }} as {{ dbt.type_string() }}) as champion_model,
        champion_categories.category as champion_category,
        coalesce(candidate_categories.category = eval_tickets.teacher_category, false) as is_candidate_correct,
        coalesce(champion_categories.category = eval_tickets.teacher_category, false) as is_champion_correct,
        champion_categories.category is not null as has_champion_answer

    from eval_tickets
    left join answer_categories as candidate_categories
        on
            eval_tickets.ticket_id = candidate_categories.ticket_id
            and candidate_categories.model_key = lower({{ quote_string_literal(candidate or '') }})
    left join answer_categories as champion_categories
        on
            eval_tickets.ticket_id = champion_categories.ticket_id
            and champion_categories.model_key = lower({{ quote_string_literal(champion or '') }})

)

select * from final
