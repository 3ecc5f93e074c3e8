{{ config(severity='warn') }}
-- Drift: the promoted model's rolling agreement with the teacher over the last
-- var drift_window_audit_tickets audit tickets is below its drift_threshold (accuracy at
-- promotion less var max_audit_agreement_drop, at least var min_audit_agreement). A warning, not
-- an error: retrain with `make retrain` (or set var retrain_on_drift: true).
select
    run_started_at,
    model,
    rolling_audited_tickets,
    rolling_agreement,
    rolling_agreement_lower,
    rolling_agreement_upper,
    accuracy_at_promotion,
    drift_threshold

from {{ ref('audit_agreement') }}
where
    is_latest_run
    and is_drifting
