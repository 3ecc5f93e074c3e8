{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}

{#-
    The embedding classifier's answers, computed in SQL (no Cortex call: the embeddings are
    paid once in int_ticket_embeddings__requested): for each ticket a version must categorise
    (the tickets assigned to it, and the promotion eval tickets while it is a candidate), the
    category whose centroid is nearest (highest cosine similarity) to the ticket's embedding.
    Laid out like the fine-tuned model's answer table: the category is the raw answer.
-#}
with

prompts as (

    select * from {{ ref('int_tickets__prompted_for_categorization') }}

),

assignments as (

    select * from {{ ref('int_tickets__assigned_student') }}

),

versions as (

    select * from {{ ref('int_student_versions__listed') }}

),

eval_tickets as (

    select * from {{ ref('int_promotion_eval_tickets__selected') }}

),

centroids as (

    select * from {{ ref('int_student_centroids__trained') }}

),

embeddings as (

    select * from {{ ref('int_ticket_embeddings__requested') }}

),

tickets_to_score as (

    select
        assignments.ticket_id,
        assignments.student_model

    from assignments
    where assignments.trainer = 'embedding_classifier'

    union distinct

    select
        eval_tickets.ticket_id,
        versions.student_model

    from eval_tickets
    cross join versions
    where
        versions.is_candidate
        and versions.trainer = 'embedding_classifier'

),

unscored as (

    select
        tickets_to_score.ticket_id,
        tickets_to_score.student_model,
        prompts.finetuned_model_prompt_hash as prompt_hash

    from tickets_to_score
    inner join prompts
        on tickets_to_score.ticket_id = prompts.ticket_id
    {%- if is_incremental() %}
        where not exists (
                select 1
                from {{ this }} as scored
                where
                    scored.ticket_id = tickets_to_score.ticket_id
                    and scored.model = tickets_to_score.student_model
                    and scored.prompt_hash = prompts.finetuned_model_prompt_hash
            )
    {%- endif %}

),

similarities as (

    select
        unscored.ticket_id,
        unscored.student_model,
        unscored.prompt_hash,
        centroids.category,
        {{ vector_cosine_similarity('embeddings.embedding', 'centroids.centroid') }} as similarity

    from unscored
    inner join centroids
        on unscored.student_model = centroids.student_model
    inner join embeddings
        on
            unscored.ticket_id = embeddings.ticket_id
            and unscored.prompt_hash = embeddings.prompt_hash
            and centroids.embedding_model = embeddings.model
            and embeddings.embedding is not null

),

nearest as (

    select * from similarities
    qualify row_number() over (
            partition by ticket_id, student_model
            order by similarity desc, category asc
        ) = 1

),

final as (

    select
        md5(ticket_id || '|' || student_model || '|' || prompt_hash) as student_category_id,
        ticket_id,
        student_model as model,
        prompt_hash,
        false as is_structured_output,
        category as raw_response,
        cast(similarity as double) as similarity,
        'sql-nearest-centroid' as backend,
        current_timestamp as categorized_at

    from nearest

)

select * from final
