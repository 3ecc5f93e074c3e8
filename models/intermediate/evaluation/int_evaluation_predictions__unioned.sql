{%- set base_model = var('finetune_base_model') -%}

with

teacher_labels as (

    select * from {{ ref('int_teacher_labels__normalized') }}

),

base_model_categories as (

    select * from {{ ref('int_base_model_categories__normalized') }}

),

student_answers as (

    select * from {{ ref('int_student_answers__categorized') }}

),

student_versions as (

    select * from {{ ref('int_student_versions__listed') }}

),

prompts as (

    select * from {{ ref('int_tickets__prompted_for_categorization') }}

),

valid_categories as (

    select * from {{ ref('valid_categories') }}

),

-- The evaluation set: eval-split tickets the teacher answered. Its answers are the reference.
eval_tickets as (

    select
        ticket_id,
        model,
        prompt_hash,
        is_structured_output,
        raw_response,
        category,
        backend

    from teacher_labels
    where
        split = 'eval'
        and raw_response is not null

),

-- The base model is asked twice: as it is (plain text) and with structured output.
base_model_request_kinds as (

    select
        'base_zero_shot' as model_role,
        false as is_structured_output

    union all

    select
        'base_zero_shot_structured' as model_role,
        true as is_structured_output

),

-- One student per trainer: its latest promoted version, else its latest trained one.
reported_students as (

    select
        {{ student_model_role('trainer') }} as model_role,
        student_model

    from student_versions
    where is_reported

),

predictions as (

    select
        ticket_id,
        'teacher' as model_role,
        model,
        prompt_hash,
        is_structured_output,
        raw_response,
        category as predicted_category,
        category as teacher_category,
        backend

    from eval_tickets

    union all

    select
        eval_tickets.ticket_id,
        base_model_request_kinds.model_role,
        {{ quote_string_literal(base_model) }} as model,
        eval_tickets.prompt_hash,
        base_model_request_kinds.is_structured_output,
        base_model_categories.raw_response,
        -- No answer (not asked yet, or a failed call) counts as 'Unknown'.
        coalesce(base_model_categories.category, 'Unknown') as predicted_category,
        eval_tickets.category as teacher_category,
        base_model_categories.backend

    from eval_tickets
    cross join base_model_request_kinds
    left join base_model_categories
        on
            eval_tickets.ticket_id = base_model_categories.ticket_id
            and eval_tickets.prompt_hash = base_model_categories.prompt_hash
            and base_model_request_kinds.is_structured_output = base_model_categories.is_structured_output

    union all

    select
        eval_tickets.ticket_id,
        reported_students.model_role,
        reported_students.student_model as model,
        -- Its own prompt (the request alone).
        prompts.finetuned_model_prompt_hash as prompt_hash,
        coalesce(student_answers.is_structured_output, false) as is_structured_output,
        student_answers.raw_response,
        coalesce(student_answers.category, 'Unknown') as predicted_category,
        eval_tickets.category as teacher_category,
        student_answers.backend

    from eval_tickets
    cross join reported_students
    inner join prompts
        on eval_tickets.ticket_id = prompts.ticket_id
    left join student_answers
        on
            eval_tickets.ticket_id = student_answers.ticket_id
            and lower(reported_students.student_model) = lower(student_answers.model)
            and prompts.finetuned_model_prompt_hash = student_answers.prompt_hash

),

final as (

    select
        predictions.ticket_id,
        predictions.model_role,
        predictions.model,
        predictions.prompt_hash,
        predictions.is_structured_output,
        predictions.raw_response,
        predictions.predicted_category,
        predictions.teacher_category,
        predictions.predicted_category = predictions.teacher_category as is_correct,
        -- Format validity: the raw answer, with
        -- surrounding blanks (space, tab, line feed, carriage return) trimmed, is exactly one
        -- category name as listed (case-sensitive); for a structured-output request, the answer is
        -- a JSON object whose `category` is exactly one. A null answer is not valid.
        valid_categories.category is not null as is_format_valid,
        predictions.predicted_category = 'Unknown' as is_unknown,
        predictions.backend

    from (
        select
            *,
            case
                when is_structured_output then {{ answer_json_category('raw_response') }}
                else trim(raw_response, ' ' || chr(9) || chr(10) || chr(13))
            end as answer_as_sent
        from predictions
    ) as predictions
    left join valid_categories
        on predictions.answer_as_sent = valid_categories.category

)

select * from final
