{{ config(severity='warn') }}
-- What customers ask has moved: the categories the promoted model gave the last
-- var category_mix_window_tickets tickets differ from the teacher's categories it was trained on
-- (population stability index >= var max_category_mix_psi, and beyond chance by a G test at 1%).
-- No teacher call is needed to see it. A warning: look at most_shifted_category; the audit
-- agreement (assert_audit_agreement_is_not_drifting) says whether the model still gets them right.
select
    run_started_at,
    model,
    window_tickets,
    trained_on_tickets,
    population_stability_index,
    g_statistic,
    g_statistic_critical_value,
    most_shifted_category,
    most_shifted_category_window_share,
    most_shifted_category_trained_on_share

from {{ ref('category_mix_drift') }}
where
    is_latest_run
    and is_mix_shifted
