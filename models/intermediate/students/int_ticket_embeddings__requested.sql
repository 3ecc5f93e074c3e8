{{
    config(
        materialized='cortex_incremental',
        full_refresh=paid_answers_full_refresh(),
        query_tag=cortex_query_tag('ticket embeddings'),
    )
}}

{#-
    The embedding classifier's input: AI_EMBED(var embedding_model, the request alone) once per
    ticket, model and request (paid once, like every Cortex answer: the cortex_incremental
    materialization, its chunked commits and the cost guard). Tickets are embedded only while an
    embedding classifier is configured (var trainer) or one has been trained.
-#}
{%- set embedding_trainer_configured = 'embedding_classifier' in configured_trainers() -%}

{%- set tickets_to_embed -%}
    select
        prompts.ticket_id,
        prompts.finetuned_model_prompt as prompt,
        prompts.finetuned_model_prompt_hash as prompt_hash

    from {{ ref('int_tickets__prompted_for_categorization') }} as prompts
    -- Embedded once the ticket has been seen (sampled), so the call falls in its run's window.
    inner join {{ ref('int_tickets__sampled') }} as sampled
        on prompts.ticket_id = sampled.ticket_id
    {%- if not embedding_trainer_configured %}
    where exists (
        select 1
        from {{ ref('stg_finetuning__jobs') }} as jobs
        where jobs.trainer = 'embedding_classifier'
    )
    {%- endif %}
{%- endset %}

{{ cortex_answers(
    tickets_to_embed,
    model=var('embedding_model'),
    id_column='ticket_embedding_id',
    answer_column='embedding',
    answered_at_column='embedded_at',
    cortex_function='embed',
) }}
