{#-
    Prompts go live on purpose. The message studio PROPOSES a prompt (a row of prompt_proposals:
    who, when, the text); `dbt run-operation promote_prompt --args '{proposal_id: ...}'` PROMOTES
    one (a row of prompt_promotions: the proposal, who promoted it and when); only the latest
    promotion per prompt name reaches the build, as data (model int_prompts__promoted). Compiling
    reads neither table: the SQL text of every model is the same whatever they hold.
-#}

{% macro prompt_proposals_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema=target.schema, identifier='prompt_proposals')) }}
{%- endmacro %}

{% macro prompt_promotions_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema=target.schema, identifier='prompt_promotions')) }}
{%- endmacro %}

{#- Both tables, empty until the first proposal and promotion (on-run-start of every dbt run). -#}
{% macro create_prompt_tables() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set proposals = prompt_proposals_relation() -%}
    {%- do adapter.create_schema(proposals) -%}
    {%- do run_query("create table if not exists " ~ proposals ~ " (
            proposal_id varchar,
            prompt_name varchar,
            prompt varchar,
            proposed_by varchar,
            proposed_at timestamp
        )") -%}
    {%- do run_query("create table if not exists " ~ prompt_promotions_relation() ~ " (
            proposal_id varchar,
            prompt_name varchar,
            prompt varchar,
            proposed_by varchar,
            proposed_at timestamp,
            promoted_by varchar,
            promoted_at timestamp,
            note varchar,
            text_word_limit integer,
            email_word_limit integer
        )") -%}
    {%- do adapter.commit() if target.type == 'duckdb' -%}
    {{ return('') }}
{%- endmacro %}

{% macro promote_prompt(proposal_id, promoted_by=none, note='') -%}
    {%- do create_prompt_tables() -%}
    {%- set proposals = prompt_proposals_relation() -%}
    {%- set found = run_query(
        "select prompt_name, prompt, proposed_by from " ~ proposals
        ~ " where proposal_id = " ~ quote_string_literal(proposal_id | string)) -%}
    {%- if found.rows | length != 1 -%}
        {{ exceptions.raise_compiler_error(
            "No prompt proposal " ~ proposal_id ~ " in " ~ proposals ~ " (found " ~ found.rows | length
            ~ "). List them with `dbt run-operation show_prompt_proposals`.") }}
    {%- endif -%}
    {%- set proposal = found.rows[0] -%}
    {%- if proposal[1] is none or proposal[1] | trim == '' -%}
        {{ exceptions.raise_compiler_error("Prompt proposal " ~ proposal_id ~ " is blank: nothing to promote.") }}
    {%- endif -%}
    {%- set promoter = quote_string_literal(promoted_by) if promoted_by else current_user_sql() -%}
    {%- set word_limits = message_word_limits(proposal[1]) -%}
    {%- set promotion -%}
        insert into {{ prompt_promotions_relation() }}
            (proposal_id, prompt_name, prompt, proposed_by, proposed_at, promoted_by, promoted_at, note,
            text_word_limit, email_word_limit)
        select
            proposal_id,
            prompt_name,
            prompt,
            proposed_by,
            proposed_at,
            {{ promoter }},
            cast({{ dbt.current_timestamp() }} as timestamp),
            {{ quote_string_literal(note) }},
            {{ word_limits.text }},
            {{ word_limits.email }}
        from {{ proposals }}
        where proposal_id = {{ quote_string_literal(proposal_id | string) }}
    {%- endset -%}
    {%- do run_query(promotion) -%}
    {%- do adapter.commit() if target.type == 'duckdb' -%}
    {{ log("Promoted proposal " ~ proposal_id ~ " (" ~ proposal[0] ~ " prompt by " ~ proposal[2]
        ~ "). The next `dbt build --selector generate_messages` sends every ticket with it.", info=true) }}
{%- endmacro %}

{#- Who runs the operation, when promoted_by is not given: the Snowflake user. -#}
{% macro current_user_sql() -%}
    {{ return(adapter.dispatch('current_user_sql', 'support_ticket_llm')()) }}
{%- endmacro %}

{% macro snowflake__current_user_sql() -%}
    current_user()
{%- endmacro %}

{% macro default__current_user_sql() -%}
    {{ exceptions.raise_compiler_error("Say who promotes the prompt: --args '{proposal_id: ..., promoted_by: your_name}'.") }}
{%- endmacro %}

{% macro show_prompt_proposals(limit=20) -%}
    {%- do create_prompt_tables() -%}
    {%- set listed -%}
        select
            proposals.proposal_id,
            proposals.prompt_name,
            proposals.proposed_by,
            cast(proposals.proposed_at as varchar) as proposed_at,
            promotions.promoted_at is not null as is_promoted,
            proposals.prompt
        from {{ prompt_proposals_relation() }} as proposals
        left join (
            select proposal_id, max(promoted_at) as promoted_at
            from {{ prompt_promotions_relation() }}
            group by proposal_id
        ) as promotions
            on proposals.proposal_id = promotions.proposal_id
        order by proposals.proposed_at desc
        limit {{ limit | int }}
    {%- endset -%}
    {%- for row in run_query(listed).rows -%}
        {{ print(row[0] ~ "  " ~ row[1] ~ "  by " ~ row[2] ~ " at " ~ row[3]
            ~ ("  (promoted)" if row[4] else "") ~ "\n    " ~ row[5]) }}
    {%- endfor -%}
{%- endmacro %}
