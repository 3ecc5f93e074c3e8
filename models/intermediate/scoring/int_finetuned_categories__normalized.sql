{%- set finetuned_model = resolve_finetuned_model(source('finetuning', 'finetune_jobs')) -%}

with

prompts as (

    select * from {{ ref('int_tickets__prompted_for_categorization') }}

),

finetuned_categories as (

    select * from {{ ref('int_finetuned_categories__requested') }}

),

current_categories as (

    select finetuned_categories.*

    from finetuned_categories
    inner join prompts
        on
            finetuned_categories.ticket_id = prompts.ticket_id
            and finetuned_categories.prompt_hash = prompts.prompt_hash
    where finetuned_categories.model = {{ quote_string_literal(finetuned_model) }}

),

categorized as (

    {{ categorize_responses('current_categories', 'finetuned_category_id', 'raw_response') }}

),

final as (

    select
        current_categories.ticket_id,
        current_categories.model,
        current_categories.prompt_hash,
        current_categories.raw_response,
        categorized.category,
        current_categories.backend,
        current_categories.categorized_at

    from current_categories
    inner join categorized
        on current_categories.finetuned_category_id = categorized.finetuned_category_id

)

select * from final
