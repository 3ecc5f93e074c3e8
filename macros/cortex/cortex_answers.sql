{#-
    The body of an incremental model that asks a Cortex model once per (ticket, model, prompt).

    `candidates` is a select of (ticket_id, prompt, prompt_hash): the tickets this stage may
    send. The macro
      - leaves out, on incremental runs, every candidate that already has a non-null answer for
        the same model and prompt hash (so nothing is paid for twice; failed calls, stored as
        null, are sent again),
      - stops first when more rows would be sent than the cost guard allows (cortex_call_guard),
      - asks `model` with TRY_COMPLETE, and records the provenance of each answer: the model,
        the backend that answered, the prompt hash and when.
    The model using it is incremental (delete+insert) with `unique_key=id_column`.
-#}
{% macro cortex_answers(candidates, model, id_column, answer_column='raw_response', answered_at_column='answered_at') -%}
    {%- set model_literal = quote_string_literal(_validate_model_name(model)) -%}
    {%- set rows_to_send -%}
        select
            candidates.ticket_id,
            candidates.prompt,
            candidates.prompt_hash

        from ({{ candidates }}) as candidates
        {%- if is_incremental() %}
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
    {{- cortex_call_guard(rows_to_send) }}

with

rows_to_send as (

    {{ rows_to_send }}

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
