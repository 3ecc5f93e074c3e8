{#-
    The fewest trials n whose Wilson score interval, for a proportion `proportion` (a number),
    is at most `half_width` either side of its centre, at the confidence `z` gives (1.96: 95%
    two-sided). Compile-time arithmetic on numbers, no SQL.

    The Wilson half-width is z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/(4 n^2)); setting it equal to
    h and solving the quadratic in n gives
        n = z^2 (p(1-p) - 2 h^2 + sqrt(p^2 (1-p)^2 + h^2 (1 - 4 p(1-p)))) / (2 h^2),
    rounded up (the half-width falls as n grows). E.g. p = 0.85, h = 0.025: 783.5, so 784.
-#}
{% macro wilson_sample_size(proportion, half_width, z=1.96) -%}
    {%- if not (proportion is number and 0 <= proportion <= 1) -%}
        {{ exceptions.raise_compiler_error("wilson_sample_size: proportion must be a number from 0 to 1, got " ~ proportion) }}
    {%- endif -%}
    {%- if not (half_width is number and 0 < half_width <= 0.5) -%}
        {{ exceptions.raise_compiler_error("wilson_sample_size: half_width must be a number above 0 and at most 0.5, got " ~ half_width) }}
    {%- endif -%}
    {%- set variance = proportion * (1 - proportion) -%}
    {%- set h_squared = half_width * half_width -%}
    {%- set root = z * z * (variance - 2 * h_squared + (variance * variance + h_squared * (1 - 4 * variance)) ** 0.5) / (2 * h_squared) -%}
    {#- A root a rounding error above a whole number would round up one trial too far. -#}
    {%- set trials = [(root - 1e-9) | round(0, 'ceil') | int, 1] | max -%}
    {{ return(trials) }}
{%- endmacro %}
