{#-
    Stand-in for dbt_expectations.expect_column_values_to_match_regex: the rows (those matching
    `row_condition`, if given) where `regex` is found nowhere in the value. Anchor the pattern
    (^...$) to match whole values. Null values are not checked.
-#}
{% test expect_column_values_to_match_regex(model, column_name, regex, row_condition=None, is_raw=False, flags="") %}

with

checked_rows as (

    select {{ column_name }} as checked_value
    from {{ model }}
    {{- dbt_expectations.stand_in_where(row_condition) }}

),

not_matching as (

    select checked_value
    from checked_rows
    where not ({{ dbt_expectations.stand_in_regex_found('checked_value', regex, is_raw, flags) }})

)

select * from not_matching

{% endtest %}
