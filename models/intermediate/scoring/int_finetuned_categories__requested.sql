{{
    config(
        materialized='cortex_incremental',
        full_refresh=paid_answers_full_refresh(),
        query_tag=cortex_query_tag('finetuned categories'),
    )
}}

{#-
    The promoted model (promoted_finetuned_model) categorises the tickets no promoted model has
    categorised with the current prompt (var rescore_after_promotion: new_tickets, the default),
    or every ticket it has not answered itself (every_ticket: one paid call per ticket after each
    promotion). Before any promotion (the bootstrap phase) nothing is sent.
-#}
{%- set rescore = var('rescore_after_promotion') -%}
{%- if rescore not in ('new_tickets', 'every_ticket') -%}
    {{ exceptions.raise_compiler_error("var rescore_after_promotion must be 'new_tickets' or 'every_ticket', got " ~ rescore) }}
{%- endif -%}
{%- set promoted_models = promoted_finetuned_models(source('finetuning', 'model_promotions')) -%}
{%- set model_in_use = promoted_models[0] if promoted_models else none -%}
{%- set promoted_literals = [] -%}
{%- for promoted_model in promoted_models -%}
    {%- do promoted_literals.append(quote_string_literal(promoted_model | lower)) -%}
{%- endfor -%}

{%- set tickets_to_categorize -%}
    select
        prompts.ticket_id,
        prompts.finetuned_model_prompt as prompt,
        prompts.finetuned_model_prompt_hash as prompt_hash

    from {{ ref('int_tickets__prompted_for_categorization') }} as prompts
    {%- if model_in_use is none %}
    where 1 = 0
    {%- elif rescore == 'new_tickets' and execute and load_relation(this) is not none %}
    where not exists (
        select 1
        from {{ this }} as categorized
        where
            categorized.ticket_id = prompts.ticket_id
            and categorized.prompt_hash = prompts.finetuned_model_prompt_hash
            and categorized.raw_response is not null
            and lower(categorized.model) in ({{ promoted_literals | join(', ') }})
    )
    {%- endif %}
{%- endset %}

{{ cortex_answers(
    tickets_to_categorize,
    model=trainer_model_to_call(model_in_use) if model_in_use else finetuned_model_name(),
    id_column='finetuned_category_id',
    answered_at_column='categorized_at',
    structured_output=var('finetuned_structured_output'),
) }}
