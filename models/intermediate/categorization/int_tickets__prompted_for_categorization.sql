{#-
    A table (the folder's default): the Cortex-calling models read it once per chunk of
    var cortex_chunk_rows, and building every ticket's prompt again for each chunk was most of
    the chunk's SQL.
-#}

{%- set max_request_characters = checked_number_var('max_request_characters', minimum=1, whole_number=true) %}

with

tickets as (

    select * from {{ ref('stg_support__tickets') }}

),

truncated as (

    select
        ticket_id,
        left(request, {{ max_request_characters }}) as request_for_prompt,
        length(request) as request_characters,
        length(request) > {{ max_request_characters }} as is_request_truncated

    from tickets

),

prompted as (

    select
        ticket_id,
        {{ categorization_prompt('request_for_prompt') }} as prompt,
        -- The fine-tuned model learnt the task from its training pairs: it is sent the request
        -- alone, without the instructions and the category list (most of the teacher's tokens).
        request_for_prompt as finetuned_model_prompt,
        request_characters,
        is_request_truncated

    from truncated

),

final as (

    select
        ticket_id,
        prompt,
        md5(prompt) as prompt_hash,
        finetuned_model_prompt,
        md5(finetuned_model_prompt) as finetuned_model_prompt_hash,
        request_characters,
        is_request_truncated

    from prompted

)

select * from final
