{#-
    The value a chi-square statistic with `degrees_of_freedom` (an SQL expression) exceeds with
    probability 1% when there is no difference (Wilson-Hilferty: df (1 - 2/(9 df) + z sqrt(2/(9 df)))^3,
    within 0.75% of the exact quantile at one degree of freedom and 0.25% from two up). `z` is the normal quantile of
    the upper tail (2.3263: 1%). Null below one degree of freedom.
-#}
{% macro chi_square_critical_value(degrees_of_freedom, z=2.3263) -%}
    {%- set degrees = "(1.0 * nullif(" ~ degrees_of_freedom ~ ", 0))" -%}
    (
        {{ degrees }} * power(
            1 - 2 / (9 * {{ degrees }}) + {{ z }} * sqrt(2 / (9 * {{ degrees }})),
            3
        )
    )
{%- endmacro %}
