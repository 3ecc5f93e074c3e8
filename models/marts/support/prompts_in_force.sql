with

promoted_prompts as (

    select * from {{ ref('int_prompts__promoted') }}

),

final as (

    select
        prompt_name,
        prompt,
        prompt_source,
        proposal_id,
        proposed_by,
        promoted_by,
        cast(promoted_at as timestamp) as promoted_at

    from promoted_prompts

)

select * from final
