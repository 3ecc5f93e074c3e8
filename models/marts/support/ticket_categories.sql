with

tickets as (

    select * from {{ ref('stg_support__tickets') }}

),

sampled as (

    select * from {{ ref('int_tickets__sampled') }}

),

prompts as (

    select * from {{ ref('int_tickets__prompted_for_categorization') }}

),

finetuned_categories as (

    select * from {{ ref('int_finetuned_categories__normalized') }}

),

teacher_labels as (

    select * from {{ ref('int_teacher_labels__normalized') }}

),

final as (

    select
        tickets.ticket_id,
        tickets.service_type,
        tickets.contact_preference,
        sampled.split,
        sampled.sampling_reason,
        prompts.is_request_truncated,
        case
            when finetuned_categories.ticket_id is not null then 'categorized'
            else 'awaiting_promoted_model'
        end as categorization_status,
        finetuned_categories.category,
        finetuned_categories.raw_response,
        finetuned_categories.model,
        finetuned_categories.backend,
        finetuned_categories.prompt_hash,
        finetuned_categories.categorized_at,
        teacher_labels.category as teacher_category,
        teacher_labels.model as teacher_model,
        teacher_labels.ticket_id is not null as is_teacher_labeled,
        case
            when teacher_labels.ticket_id is not null
                then finetuned_categories.category = teacher_labels.category
        end as is_agreeing_with_teacher

    from tickets
    inner join sampled
        on tickets.ticket_id = sampled.ticket_id
    inner join prompts
        on tickets.ticket_id = prompts.ticket_id
    left join finetuned_categories
        on tickets.ticket_id = finetuned_categories.ticket_id
    left join teacher_labels
        on tickets.ticket_id = teacher_labels.ticket_id

)

select * from final
