{#-
    The Wilson score interval of a proportion `successes` / `trials` (SQL expressions), at the
    confidence that `z` gives (1.96: 95% two-sided). Null when there are no trials.
-#}
{% macro wilson_interval_lower(successes, trials, z=1.96) -%}
    {{ _wilson_interval_bound(successes, trials, z, '-') }}
{%- endmacro %}

{% macro wilson_interval_upper(successes, trials, z=1.96) -%}
    {{ _wilson_interval_bound(successes, trials, z, '+') }}
{%- endmacro %}

{% macro _wilson_interval_bound(successes, trials, z, sign) -%}
    {%- set share = "(1.0 * (" ~ successes ~ ") / nullif(" ~ trials ~ ", 0))" -%}
    {%- set count = "(1.0 * (" ~ trials ~ "))" -%}
    {%- set z_squared = z * z -%}
    (
        (
            {{ share }} + {{ z_squared }} / (2 * {{ count }})
            {{ sign }} {{ z }} * sqrt(
                {{ share }} * (1 - {{ share }}) / {{ count }}
                + {{ z_squared }} / (4 * {{ count }} * {{ count }})
            )
        )
        / (1 + {{ z_squared }} / {{ count }})
    )
{%- endmacro %}
