{#-
    THE audit sizing: how many of a run's new tickets the teacher audits once a model is
    promoted, and how many audit tickets the drift test's rolling window holds. From vars only
    (never from table contents), so the compiled SQL is the same whatever the data. A dict:

      sizing                 var audit_sizing: 'share' or 'detectable_drop'
      share_percent          (share) var audit_share_percent: a run audits ceil(share % x k) of
                             its k new tickets
      audits_per_run         (detectable_drop) the fixed count a run audits (all of its new
                             tickets when it has fewer); none under share
      window_audit_tickets   the drift window: var drift_window_audit_tickets under share; under
                             detectable_drop the computed window below (the var is not read)
      planning_agreement, half_width, detection_runs   (detectable_drop) the plan's figures

    detectable_drop: the drift test compares the rolling agreement with a threshold; the lowest
    threshold a promoted model can be held to is max(var min_audit_agreement, var
    min_finetuned_accuracy - var max_audit_agreement_drop). The window is the fewest audits whose
    Wilson 95% half-width there (or at 0.5, where p(1-p) is largest, if the threshold is below
    it) is at most half of var max_audit_agreement_drop, and a run audits
    ceil(window / var drift_detection_runs), so that many runs fill the window. With half the
    drop as half-width, a model whose agreement fell by 1.5 x the drop is below its threshold
    with about 97% probability once the window holds only audits after the fall, and one that
    did not move is flagged at a given run about 4 times in 100,000.
-#}
{% macro audit_sizing() -%}
    {%- set sizing = var('audit_sizing') -%}
    {%- if sizing == 'share' -%}
        {{ return({
            'sizing': 'share',
            'share_percent': checked_number_var('audit_share_percent', minimum=0, maximum=100),
            'audits_per_run': none,
            'window_audit_tickets': checked_number_var('drift_window_audit_tickets', minimum=1, whole_number=true),
        }) }}
    {%- elif sizing != 'detectable_drop' -%}
        {{ exceptions.raise_compiler_error("var audit_sizing must be 'share' or 'detectable_drop', got " ~ sizing) }}
    {%- endif -%}
    {%- set max_drop = checked_number_var('max_audit_agreement_drop', minimum=0, maximum=1) -%}
    {%- if max_drop == 0 -%}
        {{ exceptions.raise_compiler_error("var max_audit_agreement_drop must be above 0 with var audit_sizing detectable_drop (the audits are sized to see that drop), got 0") }}
    {%- endif -%}
    {%- set detection_runs = checked_number_var('drift_detection_runs', minimum=1, whole_number=true) -%}
    {%- set lowest_threshold = [
        checked_number_var('min_audit_agreement', minimum=0, maximum=1),
        checked_number_var('min_finetuned_accuracy', minimum=0, maximum=1) - max_drop,
    ] | max -%}
    {%- set planning_agreement = [lowest_threshold, 0.5] | max -%}
    {%- set half_width = [max_drop / 2, 0.5] | min -%}
    {%- set window = wilson_sample_size(planning_agreement, half_width) -%}
    {{ return({
        'sizing': 'detectable_drop',
        'share_percent': none,
        'audits_per_run': (window / detection_runs) | round(0, 'ceil') | int,
        'window_audit_tickets': window,
        'planning_agreement': planning_agreement,
        'half_width': half_width,
        'detection_runs': detection_runs | int,
    }) }}
{%- endmacro %}
