{{ config(materialized='view') }}

with

tickets as (

    select * from {{ ref('stg_support__tickets') }}

),

prompted as (

    select
        ticket_id,
        {{ categorization_prompt('request') }} as prompt

    from tickets

),

final as (

    select
        ticket_id,
        prompt,
        md5(prompt) as prompt_hash

    from prompted

)

select * from final
