{#-
    dbt run-operation print_run_summary [--args '{sample_messages: 3}']

    What the last run produced, read from the marts: tickets per category from the teacher and
    from the fine-tuned model, their agreement on the eval split, a few generated messages,
    which backend answered, and where the docs are.
-#}
{% macro print_run_summary(sample_messages=3) -%}
    {%- set categories = ref('ticket_categories') -%}
    {%- set messages = ref('ticket_messages') -%}
    {%- set lines = [] -%}

    {%- set backends = run_query("select distinct backend from " ~ categories ~ " where backend is not null order by 1") -%}
    {%- set backend_names = backends.columns[0].values() | list -%}
    {%- do lines.append("Backend: " ~ (backend_names | join(', ') or 'none')
        ~ (" - EMULATED Cortex (deterministic, not a language model)" if 'local-emulator' in backend_names else "")) -%}

    {%- set per_category -%}
        select
            coalesce(finetuned.category, teacher.category) as category,
            coalesce(teacher.tickets, 0) as teacher_tickets,
            coalesce(finetuned.tickets, 0) as finetuned_tickets
        from (select category, count(*) as tickets from {{ categories }} group by category) as finetuned
        full outer join (
            select teacher_category as category, count(*) as tickets
            from {{ categories }} where is_teacher_labeled group by teacher_category
        ) as teacher
            on finetuned.category = teacher.category
        order by 1
    {%- endset -%}
    {%- set counted = run_query(per_category) -%}
    {%- do lines.append("") -%}
    {%- do lines.append("%-20s %16s %16s" | format("category", "teacher", "fine-tuned")) -%}
    {%- for row in counted.rows -%}
        {%- do lines.append("%-20s %16s %16s" | format(row[0], row[1], row[2])) -%}
    {%- endfor -%}

    {%- set agreement -%}
        select
            count(*) as eval_tickets,
            sum(case when is_agreeing_with_teacher then 1 else 0 end) as agreeing
        from {{ categories }}
        where split = 'eval' and is_teacher_labeled
    {%- endset -%}
    {%- set agreed = run_query(agreement).rows[0] -%}
    {%- set eval_tickets = agreed[0] | int -%}
    {%- set agreeing = (agreed[1] or 0) | int -%}
    {%- do lines.append("") -%}
    {%- do lines.append("Fine-tuned model agrees with the teacher on " ~ agreeing ~ " of " ~ eval_tickets
        ~ " eval tickets (" ~ ("%.1f" | format(100.0 * agreeing / eval_tickets) if eval_tickets else "n/a") ~ "%).") -%}

    {%- set sampled -%}
        select ticket_id, customer_name, channel, category, word_count, message
        from {{ messages }}
        where message is not null
        order by channel, ticket_id
        limit {{ sample_messages | int }}
    {%- endset -%}
    {%- do lines.append("") -%}
    {%- do lines.append("Sample messages:") -%}
    {%- for row in run_query(sampled).rows -%}
        {%- do lines.append("- ticket " ~ row[0] ~ " (" ~ row[1] ~ ", " ~ row[2] ~ ", " ~ row[3] ~ ", " ~ row[4] ~ " words): " ~ row[5] | replace('\n', ' ')) -%}
    {%- endfor -%}

    {%- do lines.append("") -%}
    {%- do lines.append("Docs: `dbt docs serve` (or open target/index.html after `dbt docs generate`).") -%}
    {{ print(lines | join('\n')) }}
{%- endmacro %}
