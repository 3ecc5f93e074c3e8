{#-
    Every student version this project trained or launched, with where it stands: trained,
    judged, promoted, the candidate of its trainer (the latest trained version not judged yet),
    the champion (the model of the latest promotion), its rank among promoted models, and
    whether the evaluation marts report it for its trainer.
-#}
with

jobs as (

    select * from {{ ref('stg_finetuning__jobs') }}

),

promotions as (

    select * from {{ ref('stg_finetuning__model_promotions') }}

),

latest_job_per_model as (

    select * from jobs
    qualify row_number() over (
            partition by lower(student_model)
            order by case when is_trained then 0 else 1 end, finished_at desc nulls last, launched_at desc
        ) = 1

),

decisions as (

    select
        lower(student_model) as model_key,
        max(evaluated_at) as evaluated_at,
        max(case when is_promoted then evaluated_at end) as promoted_at,
        count(*) > 0 as is_judged

    from promotions
    group by lower(student_model)

),

versions as (

    select
        latest_job_per_model.job_id,
        latest_job_per_model.student_model,
        latest_job_per_model.trainer,
        latest_job_per_model.base_model,
        latest_job_per_model.status,
        latest_job_per_model.is_trained,
        latest_job_per_model.launched_at,
        latest_job_per_model.finished_at,
        latest_job_per_model.trained_tokens,
        coalesce(decisions.is_judged, false) as is_judged,
        decisions.promoted_at is not null as is_promoted,
        decisions.evaluated_at,
        decisions.promoted_at

    from latest_job_per_model
    left join decisions
        on lower(latest_job_per_model.student_model) = decisions.model_key

),

final as (

    select
        *,
        -- The candidate of a trainer: its latest trained version, while it is not judged.
        is_trained
        and not is_judged
        and row_number() over (
            partition by trainer, is_trained
            order by finished_at desc nulls last, launched_at desc
        ) = 1 as is_candidate,
        case
            when is_promoted then row_number() over (partition by is_promoted order by promoted_at desc)
        end as promotion_rank,
        is_promoted and promoted_at = max(promoted_at) over () as is_champion,
        -- The version of its trainer the evaluation marts report: its latest promoted version,
        -- else its latest trained one.
        is_trained
        and row_number() over (
            partition by trainer, is_trained
            order by promoted_at desc nulls last, finished_at desc nulls last, launched_at desc
        ) = 1 as is_reported

    from versions

)

select * from final
