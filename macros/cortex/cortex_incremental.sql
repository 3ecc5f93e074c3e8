{#-
    The materialization of the models that pay Cortex for answers (their body is a
    `cortex_answers(...)` select of at most var cortex_chunk_rows new rows).

    - Creates the table empty when it does not exist (its columns are fixed by cortex_answers).
    - Deletes the failed calls (null answers) so that they are sent again, once per run.
    - Inserts one chunk and commits, and repeats until a chunk adds no row: a run that dies
      mid-stage keeps every committed chunk, and the next run sends only what was not answered.
    - `--full-refresh` drops the table only when the model's `full_refresh` config allows it
      (macro paid_answers_full_refresh: var refresh_paid_answers names the model); otherwise the
      paid answers are kept and the flag is ignored, with a warning.
-#}
{% materialization cortex_incremental, default -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set columns = (config.get('meta') or {}).get('cortex_answer_columns') -%}
    {%- if not columns -%}
        {{ exceptions.raise_compiler_error(this.identifier ~ ": the cortex_incremental materialization is for models whose body is a cortex_answers(...) call.") }}
    {%- endif -%}

    {#- Snowflake: the model's query_tag (cortex_query_tag) on every statement, as dbt-snowflake's own materializations do. -#}
    {%- set original_query_tag = set_query_tag() if adapter.type() == 'snowflake' else none -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- if flags.FULL_REFRESH and existing_relation is not none -%}
        {%- if should_full_refresh() -%}
            {{ log(this.identifier ~ ": full refresh requested by var refresh_paid_answers - dropping every paid answer; each ticket is sent (and billed) again.", info=true) }}
            {%- do adapter.drop_relation(existing_relation) -%}
            {%- set existing_relation = none -%}
        {%- else -%}
            {%- do exceptions.warn(this.identifier ~ " holds paid Cortex answers: --full-refresh is ignored for it and only unanswered rows are sent. To pay for every answer again, name it: --vars '{refresh_paid_answers: [" ~ this.identifier ~ "]}'.") -%}
        {%- endif -%}
    {%- endif -%}

    {%- if existing_relation is none -%}
        {%- set empty_answers -%}
            select
                cast(null as {{ dbt.type_string() }}) as {{ columns['id'] }},
                cast(null as {{ dbt.type_string() }}) as ticket_id,
                cast(null as {{ dbt.type_string() }}) as model,
                cast(null as {{ dbt.type_string() }}) as prompt_hash,
                cast(null as {{ dbt.type_string() }}) as response_format_hash,
                cast(null as {{ dbt.type_boolean() }}) as is_structured_output,
                {% if columns.get('answer_type') == 'vector' -%}
                {#- An embedding's type (VECTOR(FLOAT, n) on Snowflake) is the engine's to say: that of
                    AI_EMBED's answer for the model, in a select that sends nothing. -#}
                {{ cortex_embed(columns['model'], 'cast(null as ' ~ dbt.type_string() ~ ')') }} as {{ columns['answer'] }},
                {%- else -%}
                cast(null as {{ dbt.type_string() }}) as {{ columns['answer'] }},
                {%- endif %}
                cast(null as {{ dbt.type_string() }}) as backend,
                current_timestamp as {{ columns['answered_at'] }}
            where 1 = 0
        {%- endset -%}
        {%- call statement('create_answers_table') -%}
            {{ get_create_table_as_sql(False, target_relation, empty_answers) }}
        {%- endcall -%}
    {%- endif -%}

    {#- Columns the table may lack when it was created by an older version of the project. -#}
    {%- set present = adapter.get_columns_in_relation(target_relation) | map(attribute='name') | map('lower') | list -%}
    {%- for name, data_type in [('response_format_hash', dbt.type_string()), ('is_structured_output', dbt.type_boolean())] -%}
        {%- if name not in present -%}
            {%- do run_query("alter table " ~ target_relation ~ " add column " ~ name ~ " " ~ data_type) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set answer_columns = [columns['id'], 'ticket_id', 'model', 'prompt_hash', 'response_format_hash',
        'is_structured_output', columns['answer'], 'backend', columns['answered_at']] -%}

    {%- call statement('forget_failed_calls') -%}
        delete from {{ target_relation }} where {{ columns['answer'] }} is null
    {%- endcall -%}
    {%- do adapter.commit() -%}

    {%- set progress = namespace(done=false, chunks=0, rows=0, before=_cortex_answer_rows(target_relation)) -%}
    {#- The cost guard caps the rows a run sends, so it also bounds the chunks (Jinja has no while). -#}
    {%- set chunk_rows = var('cortex_chunk_rows') | int -%}
    {%- set guarded_chunks = (var('cortex_max_rows_per_model') | int) // chunk_rows + 2 -%}
    {%- set max_chunks = [guarded_chunks, 99999] | min if var('cortex_call_guard_enabled', true) else 99999 -%}
    {%- for attempt in range(max_chunks) -%}
        {%- if not progress.done -%}
            {%- call statement('main') -%}
                insert into {{ target_relation }} ({{ answer_columns | join(', ') }})
                {{ sql }}
            {%- endcall -%}
            {%- do adapter.commit() -%}
            {%- set after = _cortex_answer_rows(target_relation) -%}
            {%- if after == progress.before -%}
                {%- set progress.done = true -%}
            {%- else -%}
                {%- set progress.chunks = progress.chunks + 1 -%}
                {%- set progress.rows = progress.rows + after - progress.before -%}
                {{ log(this.identifier ~ ": committed chunk " ~ progress.chunks ~ " (" ~ (after - progress.before) ~ " answers, " ~ progress.rows ~ " this run)", info=true) }}
                {%- set progress.before = after -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {%- do adapter.commit() -%}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {%- if adapter.type() == 'snowflake' -%}
        {%- do unset_query_tag(original_query_tag) -%}
    {%- endif -%}

    {{ return({'relations': [target_relation]}) }}
{%- endmaterialization %}


{% macro _cortex_answer_rows(relation) -%}
    {{ return(run_query("select count(*) from " ~ relation).rows[0][0] | int) }}
{%- endmacro %}
