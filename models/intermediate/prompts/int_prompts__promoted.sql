-- The prompt in force per prompt name: the latest promotion (dbt run-operation promote_prompt),
-- else the project's default from dbt_project.yml. Data, not SQL text: promoting a prompt changes
-- this table's rows and nothing in any model's compiled SQL. The word limits the prompt states
-- (message_word_limits) travel with it: read from the var here, recorded by promote_prompt.
{%- set default_word_limits = message_word_limits(var('message_prompt')) %}

with

promotions as (

    select * from {{ source('studio', 'prompt_promotions') }}

),

latest_promotions as (

    select
        prompt_name,
        prompt,
        'promotion' as prompt_source,
        proposal_id,
        proposed_by,
        promoted_by,
        promoted_at,
        text_word_limit,
        email_word_limit

    from promotions
    qualify row_number() over (
            partition by prompt_name order by promoted_at desc, proposal_id desc
        ) = 1

),

project_defaults as (

    select
        'message' as prompt_name,
        {{ quote_string_literal(var('message_prompt')) }} as prompt,
        'dbt_project.yml var message_prompt' as prompt_source,
        cast(null as varchar) as proposal_id,
        cast(null as varchar) as proposed_by,
        cast(null as varchar) as promoted_by,
        cast(null as timestamp) as promoted_at,
        {{ default_word_limits.text }} as text_word_limit,
        {{ default_word_limits.email }} as email_word_limit

),

in_force as (

    select * from latest_promotions

    union all

    select * from project_defaults
    where prompt_name not in (select latest_promotions.prompt_name from latest_promotions)

)

select * from in_force
