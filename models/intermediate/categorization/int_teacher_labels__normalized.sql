{%- set teacher_model = var('teacher_model') -%}

with

prompts as (

    select * from {{ ref('int_tickets__prompted_for_categorization') }}

),

split as (

    select * from {{ ref('int_tickets__split') }}

),

teacher_labels as (

    select * from {{ ref('int_teacher_labels__requested') }}

),

current_labels as (

    select
        teacher_labels.teacher_label_id,
        teacher_labels.ticket_id,
        teacher_labels.model,
        teacher_labels.prompt_hash,
        teacher_labels.is_structured_output,
        teacher_labels.raw_response,
        coalesce(
            {{ answer_json_category('teacher_labels.raw_response') }}, teacher_labels.raw_response
        ) as answer_text,
        teacher_labels.backend,
        teacher_labels.labeled_at,
        prompts.prompt,
        split.split

    from teacher_labels
    inner join prompts
        on
            teacher_labels.ticket_id = prompts.ticket_id
            and teacher_labels.prompt_hash = prompts.prompt_hash
    inner join split
        on teacher_labels.ticket_id = split.ticket_id
    where teacher_labels.model = {{ quote_string_literal(teacher_model) }}
    -- One answer per ticket: the latest (a plain and a structured request may both exist).
    qualify row_number() over (partition by teacher_labels.ticket_id order by teacher_labels.labeled_at desc) = 1

),

categorized as (

    {{ categorize_responses('current_labels', 'teacher_label_id', 'answer_text') }}

),

final as (

    select
        current_labels.ticket_id,
        current_labels.split,
        current_labels.model,
        current_labels.prompt_hash,
        current_labels.prompt,
        current_labels.is_structured_output,
        current_labels.raw_response,
        categorized.category,
        current_labels.backend,
        current_labels.labeled_at

    from current_labels
    inner join categorized
        on current_labels.teacher_label_id = categorized.teacher_label_id

)

select * from final
