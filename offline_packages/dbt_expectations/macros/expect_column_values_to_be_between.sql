{#-
    Stand-in for dbt_expectations.expect_column_values_to_be_between: the rows (those matching
    `row_condition`, if given) whose value lies outside [min_value, max_value] - or outside the
    open interval with `strictly`. Null values are not checked. A bound may name a column of the
    model (as in the real package, which checks the bounds on the model's rows).
-#}
{% test expect_column_values_to_be_between(model, column_name, min_value=None, max_value=None, row_condition=None, strictly=False) %}

with

checked_rows as (

    select
        {{ column_name }} as checked_value,
        checked_model.*
    from {{ model }} as checked_model
    {{- dbt_expectations.stand_in_where(row_condition) }}

),

out_of_bounds as (

    select checked_value
    from checked_rows
    where not {{ dbt_expectations.stand_in_within_bounds('checked_value', min_value, max_value, strictly) }}

)

select * from out_of_bounds

{% endtest %}
