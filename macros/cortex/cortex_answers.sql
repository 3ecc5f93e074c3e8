{#-
    The body of an incremental model that asks a Cortex model once per (ticket, model, prompt,
    response format).

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
    The macro
      - leaves out, on incremental runs, every request that already has a non-null answer for the
        same model, prompt hash and response format hash (so nothing is paid for twice; failed
        calls, stored as null, are sent again),
      - stops first when more rows would be sent than the cost guard allows (cortex_call_guard),
      - asks `model` with AI_COMPLETE (cortex_complete, var cortex_model_parameters), and records
        the provenance of each answer: the model, the backend that answered, the prompt hash, the
        response format's hash (null for a plain request) and when.
    The model using it is incremental (delete+insert) with `unique_key=id_column`.
-#}
{% macro cortex_answers(candidates, model, id_column, answer_column='raw_response', answered_at_column='answered_at', structured_output='off') -%}
    {%- set model_literal = quote_string_literal(_validate_model_name(model)) -%}
    {%- set structured_output = _requested_structured_output(structured_output) -%}
    {%- set model_parameters = var('cortex_model_parameters', none) -%}
    {%- set rows_to_send -%}
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
        {%- if is_incremental() %}
        where not exists (
            select 1
            from {{ this }} as answered
            where
                answered.ticket_id = candidates.ticket_id
                and answered.model = {{ model_literal }}
                and answered.prompt_hash = candidates.prompt_hash
                and answered.response_format_hash is not distinct from (
                    case
                        when request_formats.response_format is not null then md5(request_formats.response_format)
                    end
                )
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
        md5(
            ticket_id || '|' || {{ model_literal }} || '|' || prompt_hash
            || coalesce('|' || response_format_hash, '')
        ) as {{ id_column }},
        ticket_id,
        {{ model_literal }} as model,
        prompt_hash,
        response_format_hash,
        response_format_hash is not null as is_structured_output,
        {% if structured_output == 'off' -%}
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
