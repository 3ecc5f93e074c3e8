{#-
    The "Daily operation" lines of the run summary: the phase (bootstrap / steady state), the
    model in use, the latest candidate's decision, audit agreement, the tickets awaiting a
    promoted model, this run's and the cumulative categorisation cost, and what the next run
    will cost per 1,000 new tickets.
-#}
{% macro _daily_operation_summary_lines() -%}
    {%- set lines = ["", "Daily operation:"] -%}
    {%- set promotions = model_promotions_relation() -%}
    {%- set in_use = promoted_finetuned_model(promotions) -%}
    {%- set sampled = ref('int_tickets__sampled') -%}
    {%- if load_relation(sampled) is none -%}
        {%- do lines.append("  No ticket sampled yet: run `make run`.") -%}
        {{ return(lines) }}
    {%- endif -%}
    {%- set budget = var('bootstrap_ticket_budget') | int -%}
    {%- set audits = audit_sizing() -%}
    {%- if audits.sizing == 'share' -%}
        {%- set audit_rule = audits.share_percent ~ "% of new tickets" -%}
        {%- set audits_per_1000 = (1000 * audits.share_percent / 100.0) | round(0, 'ceil') | int -%}
    {%- else -%}
        {%- set audit_rule = audits.audits_per_run ~ " new tickets per run (var audit_sizing detectable_drop: a drift window of " ~ audits.window_audit_tickets ~ " filled in " ~ audits.detection_runs ~ " runs)" -%}
        {%- set audits_per_1000 = [audits.audits_per_run, 1000] | min -%}
    {%- endif -%}
    {%- set counted = run_query("select sum(case when sampling_reason = 'bootstrap' then 1 else 0 end), sum(case when sampling_reason = 'audit' then 1 else 0 end), count(*) from " ~ sampled).rows[0] -%}
    {%- if in_use is none -%}
        {%- do lines.append("  Phase: BOOTSTRAP - no fine-tuned model promoted yet; the teacher has labelled " ~ counted[0]
            ~ " of at most " ~ budget ~ " bootstrap tickets (var bootstrap_ticket_budget).") -%}
    {%- else -%}
        {%- do lines.append("  Phase: STEADY STATE - the teacher labels " ~ audit_rule ~ " as audit ("
            ~ counted[1] ~ " so far, after " ~ counted[0] ~ " bootstrap tickets); the model in use categorises the rest.") -%}
        {%- do lines.append("  Model in use (promoted): " ~ in_use) -%}
    {%- endif -%}
    {%- if load_relation(promotions) is not none -%}
        {%- for row in run_query("select candidate_model, is_promoted, candidate_accuracy, candidate_accuracy_lower, candidate_accuracy_upper, eval_tickets, decision_reason from " ~ promotions ~ " order by evaluated_at desc limit 1").rows -%}
            {%- do lines.append("  Latest candidate: " ~ row[0] ~ " - " ~ ("PROMOTED" if row[1] else "NOT promoted") ~ ", accuracy "
                ~ _format_number(row[2], 3) ~ " [" ~ _format_number(row[3], 3) ~ ", " ~ _format_number(row[4], 3) ~ "] on "
                ~ row[5] ~ " eval tickets: " ~ row[6] ~ ".") -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set categories = ref('ticket_categories') -%}
    {%- if load_relation(categories) is not none -%}
        {%- set awaiting = run_query("select count(*) from " ~ categories ~ " where categorization_status = 'awaiting_promoted_model'").rows[0][0] | int -%}
        {%- if awaiting > 0 -%}
            {%- do lines.append("  " ~ awaiting ~ " tickets are awaiting a promoted model (categorization_status 'awaiting_promoted_model'): no category yet.") -%}
        {%- endif -%}
    {%- endif -%}
    {%- set agreement = ref('audit_agreement') -%}
    {%- if load_relation(agreement) is not none -%}
        {%- for row in run_query("select audited_tickets, agreement, agreement_lower, agreement_upper, rolling_audited_tickets, rolling_agreement, rolling_agreement_lower, rolling_agreement_upper, is_drifting, drift_threshold from " ~ agreement ~ " where is_latest_run").rows -%}
            {%- do lines.append("  Audit agreement with the teacher: latest run " ~ _format_number(row[1], 3) ~ " [" ~ _format_number(row[2], 3) ~ ", "
                ~ _format_number(row[3], 3) ~ "] on " ~ row[0] ~ " tickets; rolling " ~ _format_number(row[5], 3) ~ " ["
                ~ _format_number(row[6], 3) ~ ", " ~ _format_number(row[7], 3) ~ "] on the last " ~ row[4] ~ " (Wilson 95%)"
                ~ (" - DRIFT: below the drift threshold " ~ _format_number(row[9], 3) ~ "; retrain with `make retrain`." if row[8] else ".")) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set category_mix = ref('category_mix_drift') -%}
    {%- if load_relation(category_mix) is not none -%}
        {%- for row in run_query("select window_tickets, population_stability_index, is_mix_shifted, most_shifted_category, most_shifted_category_trained_on_share, most_shifted_category_window_share from " ~ category_mix ~ " where is_latest_run and population_stability_index is not null").rows -%}
            {%- do lines.append("  Category mix of the last " ~ row[0] ~ " categorised tickets against the model's training labels: stability index "
                ~ _format_number(row[1], 3)
                ~ (" - SHIFTED: " ~ row[3] ~ " went from " ~ _format_number(100 * row[4], 1) ~ "% to " ~ _format_number(100 * row[5], 1)
                    ~ "%; customers ask about other things than the model learnt from (audit agreement says whether it still gets them right)." if row[2] else " (steady).")) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set costs = ref('pipeline_costs') -%}
    {%- set model_costs = ref('model_costs') -%}
    {%- if load_relation(costs) is not none and load_relation(model_costs) is not none -%}
        {%- for row in run_query("select new_tickets, teacher_calls, student_calls, categorization_credits, teacher_every_ticket_credits, cumulative_tickets, cumulative_categorization_credits, cumulative_teacher_every_ticket_credits from " ~ costs ~ " order by run_number desc limit 1").rows -%}
            {%- do lines.append("  This run: " ~ row[0] ~ " new tickets, " ~ row[1] ~ " teacher calls, " ~ row[2] ~ " student calls, "
                ~ _format_number(row[3], 4) ~ " credits (the teacher on every new ticket: " ~ _format_number(row[4], 4) ~ ").") -%}
            {%- do lines.append("  So far: " ~ row[5] ~ " tickets, " ~ _format_number(row[6], 4) ~ " credits against "
                ~ _format_number(row[7], 4) ~ " for the teacher on every ticket.") -%}
        {%- endfor -%}
        {%- set price_row = run_query("select max(case when costs.model_role = 'teacher' then costs.credits_per_ticket end), max(case when evaluation.is_in_use then costs.credits_per_ticket end) from "
            ~ model_costs ~ " as costs inner join " ~ ref('model_evaluation') ~ " as evaluation on costs.model_role = evaluation.model_role").rows[0] -%}
        {%- set prices = [none if price_row[0] is none else price_row[0] | float, none if price_row[1] is none else price_row[1] | float] -%}
        {%- if prices[0] is not none and prices[1] is not none -%}
            {%- if in_use is none -%}
                {%- set remaining = [budget - (counted[0] | int), 0] | max -%}
                {%- do lines.append("  Next run: bootstrap - up to " ~ remaining ~ " more teacher calls (" ~ _format_number(remaining * prices[0], 4)
                    ~ " credits) and a training, until a candidate is promoted.") -%}
            {%- else -%}
                {%- set per_1000 = audits_per_1000 * prices[0] + 1000 * prices[1] -%}
                {%- do lines.append("  Next run: per 1,000 new tickets " ~ audits_per_1000 ~ " teacher + 1,000 student calls = "
                    ~ _format_number(per_1000, 4) ~ " credits, against " ~ _format_number(1000 * prices[0], 4) ~ " for the teacher alone.") -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(lines) }}
{%- endmacro %}
