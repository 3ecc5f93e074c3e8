{%- set base_model = var('finetune_base_model') -%}

with

prompts as (

    select * from {{ ref('int_tickets__prompted_for_categorization') }}

),

base_model_categories as (

    select * from {{ ref('int_base_model_categories__requested') }}

),

current_categories as (

    select base_model_categories.*

    from base_model_categories
    inner join prompts
        on
            base_model_categories.ticket_id = prompts.ticket_id
            and base_model_categories.prompt_hash = prompts.prompt_hash
    where base_model_categories.model = {{ quote_string_literal(base_model) }}

),

categorized as (

    {{ categorize_responses('current_categories', 'base_model_category_id', 'raw_response') }}

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
        on current_categories.base_model_category_id = categorized.base_model_category_id

)

select * from final
