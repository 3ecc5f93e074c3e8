{#-
    The one-sided lower bound of a paired accuracy difference (left minus right) on the same `n`
    tickets (SQL expressions), from the tickets only one side got right (McNemar): with
    `only_left` = b and `only_right` = c, d = (b - c) / n, se = sqrt(b + c - (b - c)^2 / n) / n,
    bound d - z se (z = 1.645: one-sided 95%). Null without tickets.
-#}
{% macro paired_difference_lower_bound(only_left, only_right, n, z=1.645) -%}
    (
        1.0 * (({{ only_left }}) - ({{ only_right }})) / nullif({{ n }}, 0)
        - {{ z }} * sqrt(
            greatest(
                (({{ only_left }}) + ({{ only_right }}))
                - 1.0 * (({{ only_left }}) - ({{ only_right }})) * (({{ only_left }}) - ({{ only_right }}))
                / nullif({{ n }}, 0),
                0
            )
        ) / nullif({{ n }}, 0)
    )
{%- endmacro %}

{#- The text of a number rounded to `digits` places, for decision reasons ('n/a' for null). -#}
{% macro number_text(expression, digits=3) -%}
    coalesce(cast(round({{ expression }}, {{ digits }}) as {{ dbt.type_string() }}), 'n/a')
{%- endmacro %}
