{#- The drift window: var drift_window_audit_tickets, or under var audit_sizing detectable_drop
    the window the audits are sized for (macro audit_sizing). -#}
{%- set window = audit_sizing().window_audit_tickets -%}
{%- set max_drop = checked_number_var('max_audit_agreement_drop', minimum=0, maximum=1) -%}

with

ticket_categories as (

    select * from {{ ref('ticket_categories') }}

),

sampled as (

    select * from {{ ref('int_tickets__sampled') }}

),

model_versions as (

    select * from {{ ref('finetuned_model_versions') }}

),

-- Audit tickets the promoted model categorised and the teacher labelled.
audits as (

    select
        ticket_categories.ticket_id,
        sampled.sampled_at as run_started_at,
        ticket_categories.model,
        case when ticket_categories.is_agreeing_with_teacher then 1 else 0 end as agrees,
        row_number() over (order by sampled.sampled_at, ticket_categories.ticket_id) as audit_number

    from ticket_categories
    inner join sampled
        on ticket_categories.ticket_id = sampled.ticket_id
    where
        ticket_categories.sampling_reason = 'audit'
        and ticket_categories.categorization_status = 'categorized'
        and ticket_categories.is_teacher_labeled

),

runs as (

    select
        run_started_at,
        count(*) as audited_tickets,
        sum(agrees) as agreeing_tickets,
        max(model) as model,
        max(audit_number) as last_audit_number

    from audits
    group by run_started_at

),

-- The last `window` audit tickets up to and including each run.
rolling as (

    select
        runs.run_started_at,
        count(*) as rolling_audited_tickets,
        sum(audits.agrees) as rolling_agreeing_tickets,
        min(audits.run_started_at) as rolling_window_started_at

    from runs
    inner join audits
        on
            runs.last_audit_number - {{ window }} < audits.audit_number
            and runs.last_audit_number >= audits.audit_number
    group by runs.run_started_at

),

-- The level each run's model was accepted at: its accuracy against the teacher at promotion.
thresholds as (

    select
        runs.run_started_at,
        model_versions.candidate_accuracy as accuracy_at_promotion,
        greatest(
            {{ var('min_audit_agreement') }},
            coalesce(model_versions.candidate_accuracy - {{ max_drop }}, 0)
        ) as drift_threshold

    from runs
    left join model_versions
        on lower(runs.model) = lower(model_versions.model_name)

),

final as (

    select
        runs.run_started_at,
        runs.model,
        runs.audited_tickets,
        runs.agreeing_tickets,
        1.0 * runs.agreeing_tickets / runs.audited_tickets as agreement,
        {{ wilson_interval_lower('runs.agreeing_tickets', 'runs.audited_tickets') }} as agreement_lower,
        {{ wilson_interval_upper('runs.agreeing_tickets', 'runs.audited_tickets') }} as agreement_upper,
        rolling.rolling_audited_tickets,
        rolling.rolling_agreeing_tickets,
        1.0 * rolling.rolling_agreeing_tickets / rolling.rolling_audited_tickets as rolling_agreement,
        {{ wilson_interval_lower('rolling.rolling_agreeing_tickets', 'rolling.rolling_audited_tickets') }}
            as rolling_agreement_lower,
        {{ wilson_interval_upper('rolling.rolling_agreeing_tickets', 'rolling.rolling_audited_tickets') }}
            as rolling_agreement_upper,
        rolling.rolling_window_started_at,
        thresholds.accuracy_at_promotion,
        thresholds.drift_threshold,
        1.0 * rolling.rolling_agreeing_tickets / rolling.rolling_audited_tickets
        < thresholds.drift_threshold as is_drifting,
        runs.run_started_at = max(runs.run_started_at) over () as is_latest_run

    from runs
    inner join rolling
        on runs.run_started_at = rolling.run_started_at
    inner join thresholds
        on runs.run_started_at = thresholds.run_started_at

)

select * from final
