{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}

{#-
    The embedding classifier's training: for each launched version (a job of trainer
    embedding_classifier) not trained yet, one centroid per category, the average embedding
    (VECTOR_AVG) of the train-split tickets the teacher had labelled with that category when the
    version was launched. A nearest-centroid classifier: closed form, in SQL, on every engine.
    Rows are written once per version and never change, so a version is the same model forever.
-#}
with

jobs as (

    select * from {{ ref('stg_finetuning__jobs') }}

),

training_pairs as (

    select * from {{ ref('int_training_pairs__prepared') }}

),

embeddings as (

    select * from {{ ref('int_ticket_embeddings__requested') }}

),

-- noqa: disable=LT02
{%- if is_incremental() %}

trained_versions as (

    select distinct job_id from {{ this }}

),
{%- else %}

trained_versions as (

    select cast(null as {{ dbt.type_string() }}) as job_id
    where 1 = 0

),
{%- endif %}
-- noqa: enable=LT02

versions_to_train as (

    select
        jobs.job_id,
        jobs.student_model,
        jobs.base_model as embedding_model,  -- noqa: RF04
        jobs.launched_at

    from jobs
    where
        jobs.trainer = 'embedding_classifier'
        and jobs.status not in ('CANCELLED', 'ERROR')
        and not exists (
            select 1
            from trained_versions
            where trained_versions.job_id = jobs.job_id
        )

),

training_examples as (

    select
        versions_to_train.job_id,
        versions_to_train.student_model,
        versions_to_train.embedding_model,
        training_pairs.completion as category,
        embeddings.embedding

    from versions_to_train
    inner join training_pairs
        on
            training_pairs.split = 'train'
            and versions_to_train.launched_at >= training_pairs.labeled_at
    inner join embeddings
        on
            training_pairs.ticket_id = embeddings.ticket_id
            and training_pairs.prompt_hash = embeddings.prompt_hash
            and versions_to_train.embedding_model = embeddings.model
            and embeddings.embedding is not null

),

centroids as (

    select
        job_id,
        student_model,
        embedding_model,
        category,
        {{ vector_average('embedding') }} as centroid,
        count(*) as training_examples

    from training_examples
    group by job_id, student_model, embedding_model, category

),

final as (

    select
        md5(job_id || '|' || category) as centroid_id,
        job_id,
        student_model,
        embedding_model,
        category,
        centroid,
        cast(training_examples as bigint) as training_examples,
        current_timestamp as trained_at

    from centroids

)

select * from final
