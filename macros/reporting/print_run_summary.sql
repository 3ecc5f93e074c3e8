{#-
    dbt run-operation print_run_summary [--args '{sample_messages: 3}']

    What the last run produced, read from the marts: tickets per category from the teacher and
    from the fine-tuned model, the model comparison on the eval split (model_evaluation and
    model_costs: accuracy, format validity, Unknown share, credits per 1,000 tickets), the
    fine-tune's cost and break-even and what the teacher budget saved (finetune_payoff), a few
    generated messages, which backend answered, and where the docs are.
-#}
{% macro print_run_summary(sample_messages=3) -%}
    {%- set categories = ref('ticket_categories') -%}
    {%- set messages = ref('ticket_messages') -%}
    {%- set lines = [] -%}

    {%- set provenance -%}
        select 'teacher labels' as stage, model, backend, 1 as stage_order
        from {{ ref('int_teacher_labels__normalized') }}
        union
        select 'student categories', model, backend, 2
        from {{ categories }} where backend is not null and categorization_status = 'categorized'
        union
        select 'messages', model, backend, 3
        from {{ messages }} where backend is not null
        order by 4, 2, 3
    {%- endset -%}
    {%- set emulated = namespace(any=false) -%}
    {%- do lines.append("Who answered:") -%}
    {%- for row in run_query(provenance).rows -%}
        {%- set emulated.any = emulated.any or row[2] == 'local-emulator' -%}
        {%- do lines.append("  %-22s %s via %s" | format(row[0], row[1], row[2])) -%}
    {%- endfor -%}
    {%- if emulated.any -%}
        {%- do lines.append("  local-emulator is EMULATED Cortex: deterministic, not a language model. Real figures come from Snowflake.") -%}
    {%- endif -%}
    {%- do lines.append("  through " ~ ("AI_COMPLETE and AI_COUNT_TOKENS" if cortex_function_names() == 'ai' else "the legacy SNOWFLAKE.CORTEX.TRY_COMPLETE and COUNT_TOKENS")
        ~ " (var cortex_function_names); models from the catalog, seeds/cortex_models.csv.") -%}

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
    {%- do lines.append("%-20s %16s %16s" | format("category", "teacher", "student")) -%}
    {%- for row in counted.rows -%}
        {%- do lines.append("%-20s %16s %16s" | format(row[0], row[1], row[2])) -%}
    {%- endfor -%}

    {%- do lines.extend(_evaluation_summary_lines()) -%}
    {%- do lines.extend(_daily_operation_summary_lines()) -%}

    {%- set sampled -%}
        select ticket_id, customer_name, channel, category, word_count, message
        from {{ messages }}
        where message is not null
        -- Alternate the channels: a text message, an e-mail, a text message, ...
        order by row_number() over (partition by channel order by ticket_id), channel desc
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


{#-
    The "Does the fine-tune pay off?" lines of the summary, from the evaluation marts; a hint to
    build them when they do not exist yet.
-#}
{% macro _evaluation_summary_lines() -%}
    {%- set evaluation = ref('model_evaluation') -%}
    {%- set costs = ref('model_costs') -%}
    {%- set payoff = ref('finetune_payoff') -%}
    {%- set lines = [""] -%}
    {%- if load_relation(evaluation) is none or load_relation(costs) is none or load_relation(payoff) is none -%}
        {%- do lines.append("No model evaluation yet: run `dbt build --selector evaluate_models`.") -%}
        {{ return(lines) }}
    {%- endif -%}

    {%- set compared -%}
        select
            evaluation.model,
            evaluation.model_role,
            evaluation.eval_tickets,
            evaluation.accuracy,
            evaluation.format_validity,
            evaluation.unknown_share,
            costs.credits_per_1000_tickets,
            evaluation.backend,
            evaluation.accuracy_lower,
            evaluation.accuracy_upper,
            evaluation.is_in_use,
            costs.price_basis
        from {{ evaluation }} as evaluation
        left join {{ costs }} as costs
            on evaluation.model_role = costs.model_role
        order by evaluation.model_role_order
    {%- endset -%}
    {%- set rows = run_query(compared).rows -%}
    {%- set eval_tickets = (rows[0][2] if rows | length > 0 else 0) | int -%}
    {%- set model_width = [5] + (rows | map(attribute=0) | map('string') | map('length') | list) -%}
    {%- set row_format = "%-" ~ (model_width | max) ~ "s  %-25s  %8s  %15s  %12s  %8s  %18s  %6s" -%}
    {%- do lines.append("Which student pays off? Eval split: " ~ eval_tickets ~ " tickets the teacher labelled;"
        ~ " accuracy is agreement with the teacher (1.000 for the teacher by definition), with its Wilson 95% interval.") -%}
    {%- do lines.append(row_format | format("model", "role", "accuracy", "95% interval", "format valid", "unknown", "credits/1k tickets", "in use")) -%}
    {%- set state = namespace(teacher_per_1000=none, in_use=none) -%}
    {%- for row in rows -%}
        {%- do lines.append(row_format | format(
            row[0], row[1], _format_number(row[3], 3),
            ("[" ~ _format_number(row[8], 3) ~ ", " ~ _format_number(row[9], 3) ~ "]") if row[8] is not none else 'n/a',
            _format_number(row[4], 3), _format_number(row[5], 3), _format_number(row[6], 4), 'yes' if row[10] else '')) -%}
        {%- if row[1] == 'teacher' -%}
            {%- set state.teacher_per_1000 = row[6] -%}
        {%- endif -%}
        {%- if row[10] -%}
            {%- set state.in_use = row -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for row in rows if row[1].startswith('base_zero_shot') and row[7] == 'local-emulator' -%}
        {%- do lines.append("  " ~ row[0] ~ " (" ~ row[1] ~ "): accuracy, format valid and unknown are EMULATED BY CONSTRUCTION -"
            ~ " the emulator's declared small-model noise (docs/emulator.md), not a measurement of the model.") -%}
    {%- endfor -%}
    {%- do lines.append("  Credits at the catalog's rates (seeds/cortex_models.csv: the Service Consumption Table effective 2026-01-13, read in a second-hand copy; docs/cortex-models.md).") -%}
    {%- if state.in_use is not none -%}
        {%- set row = state.in_use -%}
        {%- set share_of_teacher = (100.0 * (row[6] | float) / (state.teacher_per_1000 | float)) if row[6] is not none and state.teacher_per_1000 else none -%}
        {%- do lines.append("Student in use: " ~ row[0] ~ " (" ~ row[1] ~ "), accuracy " ~ _format_number(row[3], 3)
            ~ " [" ~ _format_number(row[8], 3) ~ ", " ~ _format_number(row[9], 3) ~ "], "
            ~ _format_number(row[6], 4) ~ " credits per 1,000 tickets"
            ~ ((" (" ~ _format_number(share_of_teacher, 1) ~ "% of the teacher's " ~ _format_number(state.teacher_per_1000, 4) ~ ")") if share_of_teacher is not none else "") ~ ".") -%}
    {%- endif -%}

    {%- set paid -%}
        select
            finetuned_model, trained_tokens, training_credits_per_million_tokens, training_price_basis,
            training_credits, break_even_tickets, credits_saved_per_1000_tickets, tickets,
            teacher_labeled_tickets, bootstrap_ticket_budget, teacher_credits_saved_by_sampling,
            credits_saved_against_teacher_only, pipeline_credits, teacher_credits_for_every_ticket,
            trainer, is_in_use
        from {{ payoff }}
        order by is_in_use desc, trainer
    {%- endset -%}
    {%- for row in run_query(paid).rows -%}
        {%- set label = row[0] ~ " (" ~ row[14] ~ (", in use" if row[15] else "") ~ ")" -%}
        {%- if row[14] == 'embedding_classifier' -%}
            {%- do lines.append("Training " ~ label ~ ": in SQL, no AI credits (its embeddings are its calls, priced above).") -%}
        {%- else -%}
            {%- do lines.append("Training " ~ label ~ ": " ~ row[1] ~ " trained tokens x " ~ _format_number(row[2], 2)
                ~ " credits per million (" ~ row[3] ~ ") = " ~ _format_number(row[4], 4) ~ " credits.") -%}
        {%- endif -%}
        {%- if row[5] is none -%}
            {%- do lines.append("  Break-even: never - it is not cheaper per ticket than the teacher.") -%}
        {%- else -%}
            {%- do lines.append("  Break-even: after " ~ row[5] ~ " tickets it has paid for its training against labelling"
                ~ " every ticket with the teacher (" ~ _format_number(row[6], 4) ~ " credits saved per 1,000 tickets).") -%}
        {%- endif -%}
        {%- set saved = row[11] | float -%}
        {%- do lines.append("  Whole pipeline with it (teacher labels + training + the student on every ticket): "
            ~ _format_number(row[12], 4) ~ " credits, " ~ _format_number(saved | abs, 4)
            ~ (" less" if saved >= 0 else " more") ~ " than the teacher alone on every ticket ("
            ~ _format_number(row[13], 4) ~ ").") -%}
        {%- if loop.last -%}
            {%- do lines.append("Teacher sample: bootstrap up to " ~ row[9] ~ ", then audits - the teacher labelled " ~ row[8] ~ " of " ~ row[7]
                ~ " tickets, saving " ~ _format_number(row[10], 4) ~ " credits against labelling every ticket with it.") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(lines) }}
{%- endmacro %}


{#- A number with `digits` decimals, or 'n/a' for null. -#}
{% macro _format_number(value, digits) -%}
    {%- if value is none -%}
        {{ return('n/a') }}
    {%- endif -%}
    {{ return(("%." ~ digits ~ "f") | format(value | float)) }}
{%- endmacro %}
