{#-
    The value of var `name`, checked: a number (a whole number when `whole_number`), from
    `minimum` and up to `maximum` where they are given. Anything else stops the compile with an
    error that names the var, what it must be, and what it got.
-#}
{% macro checked_number_var(name, minimum=none, maximum=none, whole_number=false) -%}
    {%- set value = var(name) -%}
    {%- set is_valid = value is number and value is not boolean
        and (not whole_number or value == value | int)
        and (minimum is none or value >= minimum)
        and (maximum is none or value <= maximum) -%}
    {%- if not is_valid -%}
        {%- if minimum is not none and maximum is not none -%}
            {%- set bounds = " from " ~ minimum ~ " to " ~ maximum -%}
        {%- elif minimum is not none -%}
            {%- set bounds = " >= " ~ minimum -%}
        {%- elif maximum is not none -%}
            {%- set bounds = " <= " ~ maximum -%}
        {%- else -%}
            {%- set bounds = "" -%}
        {%- endif -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " must be " ~ ("a whole number" if whole_number else "a number") ~ bounds ~ ", got " ~ value) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}
