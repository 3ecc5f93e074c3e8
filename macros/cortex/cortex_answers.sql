{#-
    The body of a model that asks a Cortex model once per (ticket, model, prompt), materialized
    as `cortex_incremental` (macros/cortex/cortex_incremental.sql), which runs it chunk by chunk.

    `candidates` is a select of (ticket_id, prompt, prompt_hash): the tickets this stage may
    send. The macro
      - leaves out every candidate that already has a row for the same model and prompt hash in
        the model's table (so nothing is paid for twice; the materialization deletes failed calls,
        stored as null, before it starts, so they are sent again once per run),
      - stops first when more rows would be sent than the cost guard allows (cortex_call_guard),
      - takes at most var cortex_chunk_rows of them (one chunk; the materialization commits each
        chunk and repeats the statement until nothing is left),
      - asks `model` with TRY_COMPLETE, and records the provenance of each answer: the model,
        the backend that answered, the prompt hash and when.
-#}
{% macro cortex_answers(candidates, model, id_column, answer_column='raw_response', answered_at_column='answered_at') -%}
    {%- set model_literal = quote_string_literal(_validate_model_name(model)) -%}
    {%- set chunk_rows = var('cortex_chunk_rows') -%}
    {%- if chunk_rows is not number or chunk_rows < 1 -%}
        {{ exceptions.raise_compiler_error("var cortex_chunk_rows must be a positive whole number, got " ~ chunk_rows) }}
    {%- endif -%}
    {{- config(meta={'cortex_answer_columns': {'id': id_column, 'answer': answer_column, 'answered_at': answered_at_column}}) -}}
    {#- A full refresh the model allows (paid_answers_full_refresh) re-sends everything: the guard counts it all. -#}
    {%- set answered_table_exists = execute and load_relation(this) is not none and not should_full_refresh() -%}
    {%- set rows_without_answer -%}
        select
            candidates.ticket_id,
            candidates.prompt,
            candidates.prompt_hash

        from ({{ candidates }}) as candidates
        {%- if answered_table_exists %}
        where not exists (
            select 1
            from {{ this }} as answered
            where
                answered.ticket_id = candidates.ticket_id
                and answered.model = {{ model_literal }}
                and answered.prompt_hash = candidates.prompt_hash
                and answered.{{ answer_column }} is not null
        )
        {%- endif %}
    {%- endset -%}
    {{- cortex_call_guard(rows_without_answer) }}

with

candidates as (

    {{ candidates }}

),

rows_to_send as (

    select
        candidates.ticket_id,
        candidates.prompt,
        candidates.prompt_hash

    from candidates
    where not exists (
        select 1
        from {{ this }} as answered
        where
            answered.ticket_id = candidates.ticket_id
            and answered.model = {{ model_literal }}
            and answered.prompt_hash = candidates.prompt_hash
    )
    order by candidates.ticket_id, candidates.prompt_hash
    limit {{ chunk_rows }}

),

final as (

    select
        md5(ticket_id || '|' || {{ model_literal }} || '|' || prompt_hash) as {{ id_column }},
        ticket_id,
        {{ model_literal }} as model,
        prompt_hash,
        {{ cortex_try_complete(model, 'prompt') }} as {{ answer_column }},
        {{ cortex_backend_name(model) }} as backend,
        current_timestamp as {{ answered_at_column }}

    from rows_to_send

)

select * from final
{%- endmacro %}


{#-
    Whether a model that holds paid answers is rebuilt from scratch by `dbt build --full-refresh`:
    only when var refresh_paid_answers names it (every answer in it is then paid for again).
-#}
{% macro paid_answers_full_refresh() -%}
    {%- set named = var('refresh_paid_answers', []) -%}
    {%- if named is string -%}
        {%- set named = [named] -%}
    {%- endif -%}
    {{ return(this is not none and this.identifier in named) }}
{%- endmacro %}
