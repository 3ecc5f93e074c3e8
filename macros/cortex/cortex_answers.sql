{#-
    The body of a model that asks a Cortex model once per (ticket, model, prompt, response
    format), materialized as `cortex_incremental` (macros/cortex/cortex_incremental.sql), which
    runs it chunk by chunk. `cortex_function` 'complete' (default) asks AI_COMPLETE for a text
    answer; 'embed' asks AI_EMBED for the prompt's embedding (a vector; no structured output).

    `candidates` is a select of (ticket_id, prompt, prompt_hash): the tickets this stage may
    send. `structured_output` says which requests each ticket makes:
      'off'  - plain text only;
      'on'   - with response_format, a JSON schema whose `category` is one of the valid
               categories (category_response_format);
      'auto' - with response_format where the catalog (seed cortex_models) says the model supports
               it, decided in SQL when the model runs, else plain;
      'both' - one request of each kind (to measure what structured output changes).
    With var cortex_function_names: legacy every request is plain (TRY_COMPLETE has no
    response_format).
    `model` none (no model to ask yet, e.g. no fine-tuned champion): a select of no rows that
    names no model and calls nothing, so a query never names a model the account cannot call.
    The macro
      - leaves out every request that already has a row for the same model, prompt hash and
        response format hash in the model's table (so nothing is paid for twice; the
        materialization deletes failed calls, stored as null, before it starts, so they are sent
        again once per run),
      - stops first when more rows would be sent than the cost guard allows (cortex_call_guard),
      - takes at most var cortex_chunk_rows of them (one chunk; the materialization commits each
        chunk and repeats the statement until nothing is left),
      - asks `model` with AI_COMPLETE (cortex_complete, var cortex_model_parameters), and records
        the provenance of each answer: the model, the backend that answered, the prompt hash, the
        response format's hash (null for a plain request) and when.
-#}
{% macro cortex_answers(candidates, model, id_column, answer_column='raw_response', answered_at_column='answered_at', structured_output='off', cortex_function='complete') -%}
    {%- if model is none -%}
        {{ return(_no_cortex_answers(id_column, answer_column, answered_at_column)) }}
    {%- endif -%}
    {%- set model_literal = quote_string_literal(_validate_model_name(model)) -%}
    {%- if cortex_function not in ('complete', 'embed') -%}
        {{ exceptions.raise_compiler_error("cortex_answers: cortex_function must be 'complete' (AI_COMPLETE) or 'embed' (AI_EMBED), got " ~ (cortex_function | string | tojson)) }}
    {%- endif -%}
    {%- set structured_output = 'off' if cortex_function == 'embed' else _requested_structured_output(structured_output) -%}
    {%- set model_parameters = var('cortex_model_parameters', none) -%}
    {%- set chunk_rows = checked_number_var('cortex_chunk_rows', minimum=1, whole_number=true) -%}
    {{- config(meta={'cortex_answer_columns': {'id': id_column, 'answer': answer_column, 'answered_at': answered_at_column,
        'answer_type': 'vector' if cortex_function == 'embed' else 'text', 'model': model}}) -}}
    {#- A full refresh the model allows (paid_answers_full_refresh) re-sends everything: the guard counts it all. -#}
    {%- set answered_table_exists = execute and load_relation(this) is not none and not should_full_refresh() -%}
    {%- set requests -%}
        select
            candidates.ticket_id,
            candidates.prompt,
            candidates.prompt_hash,
            request_formats.response_format,
            case
                when request_formats.response_format is not null then md5(request_formats.response_format)
            end as response_format_hash

        from ({{ candidates }}) as candidates
        cross join ({{ _request_formats(model, structured_output) }}) as request_formats
    {%- endset -%}
    {%- set rows_without_answer -%}
        select requests.*

        from ({{ requests }}) as requests
        {%- if answered_table_exists %}
        where not {{ _has_answered_row(model_literal, answer_column=answer_column) }}
        {%- endif %}
    {%- endset -%}
    {{- cortex_call_guard(rows_without_answer) }}

with

requests as (

    {{ requests }}

),

rows_to_send as (

    select
        requests.ticket_id,
        requests.prompt,
        requests.prompt_hash,
        requests.response_format,
        requests.response_format_hash

    from requests
    where not {{ _has_answered_row(model_literal) }}
    order by requests.ticket_id, requests.prompt_hash, requests.response_format_hash
    limit {{ chunk_rows }}

),

final as (

    select
        md5(
            ticket_id || '|' || {{ model_literal }} || '|' || prompt_hash
            || coalesce('|' || response_format_hash, '')
        ) as {{ id_column }},
        ticket_id,
        {{ model_literal }} as model,
        prompt_hash,
        response_format_hash,
        response_format_hash is not null as is_structured_output,
        {% if cortex_function == 'embed' -%}
            {{ cortex_embed(model, 'prompt') }}
        {%- elif structured_output == 'off' -%}
            {{ cortex_complete(model, 'prompt', model_parameters) }}
        {%- elif structured_output == 'on' -%}
            {{ cortex_complete(model, 'prompt', model_parameters, 'response_format') }}
        {%- else -%}
            case
                when response_format is null then {{ cortex_complete(model, 'prompt', model_parameters) }}
                else {{ cortex_complete(model, 'prompt', model_parameters, 'response_format') }}
            end
        {%- endif %} as {{ answer_column }},
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


{#- The structured_output setting in force: checked, and 'off' when the legacy functions are called. -#}
{% macro _requested_structured_output(structured_output) -%}
    {%- set setting = structured_output | string | lower -%}
    {%- set setting = {'true': 'on', 'false': 'off', 'none': 'off'}.get(setting, setting) -%}
    {%- if setting not in ('off', 'on', 'auto', 'both') -%}
        {{ exceptions.raise_compiler_error("structured output must be off, on, auto (where the catalog says the model supports it) or both, got " ~ (structured_output | string | tojson)) }}
    {%- endif -%}
    {{ return('off' if cortex_function_names() == 'legacy' else setting) }}
{%- endmacro %}


{#- A select of the response formats each ticket is sent with: one row per request (null = plain text). -#}
{% macro _request_formats(model, structured_output) -%}
    {%- if structured_output == 'off' -%}
        select cast(null as varchar) as response_format
    {%- elif structured_output == 'on' -%}
        select {{ category_response_format() }} as response_format
    {%- elif structured_output == 'both' -%}
        select cast(null as varchar) as response_format
        union all
        select {{ category_response_format() }} as response_format
    {%- else -%}
        select
            case
                when coalesce(max(catalog.supports_structured_output), false) then {{ category_response_format() }}
            end as response_format
        from {{ ref('cortex_models') }} as catalog
        where lower(catalog.model_name) = lower({{ quote_string_literal(model) }})
    {%- endif -%}
{%- endmacro %}


{#-
    Whether the model's table already holds a row for `requests`' ticket, prompt hash and response
    format hash from the same model. With `answer_column`, only a non-null answer counts (what the
    cost guard counts before the run: failed calls are sent again); without, any row counts (what
    each chunk leaves out, so a call that fails in this run is not retried by the next chunk).
-#}
{% macro _has_answered_row(model_literal, answer_column=none) -%}
    exists (
        select 1
        from {{ this }} as answered
        where
            answered.ticket_id = requests.ticket_id
            and answered.model = {{ model_literal }}
            and answered.prompt_hash = requests.prompt_hash
            and answered.response_format_hash is not distinct from requests.response_format_hash
            {%- if answer_column %}
            and answered.{{ answer_column }} is not null
            {%- endif %}
    )
{%- endmacro %}


{#- The body of a cortex_answers model with no model to ask: the answer table's columns, no row, no call. -#}
{% macro _no_cortex_answers(id_column, answer_column, answered_at_column) -%}
    {{- config(meta={'cortex_answer_columns': {'id': id_column, 'answer': answer_column, 'answered_at': answered_at_column, 'answer_type': 'text'}}) -}}
    select
        cast(null as {{ dbt.type_string() }}) as {{ id_column }},
        cast(null as {{ dbt.type_string() }}) as ticket_id,
        cast(null as {{ dbt.type_string() }}) as model,
        cast(null as {{ dbt.type_string() }}) as prompt_hash,
        cast(null as {{ dbt.type_string() }}) as response_format_hash,
        cast(null as {{ dbt.type_boolean() }}) as is_structured_output,
        cast(null as {{ dbt.type_string() }}) as {{ answer_column }},
        cast(null as {{ dbt.type_string() }}) as backend,
        current_timestamp as {{ answered_at_column }}
    where 1 = 0
{%- endmacro %}
