{#-
    Stand-in for dbt_expectations.expect_column_mean_to_be_between: one row per group (or one row
    in all) whose average of the column lies outside [min_value, max_value]. The column may be an
    expression, so the mean of `case when ... then 1 else 0 end` is a share of rows.
-#}
{% test expect_column_mean_to_be_between(model, column_name, min_value=None, max_value=None, group_by=None, row_condition=None, strictly=False) %}
{%- set group_columns = dbt_expectations.stand_in_as_list(group_by) %}

with

means as (

    select
        {%- for group_column in group_columns %}
        {{ group_column }} as group_{{ loop.index }},
        {%- endfor %}
        avg({{ column_name }}) as mean_value
    from {{ model }}
    {{- dbt_expectations.stand_in_where(row_condition) }}
    {%- if group_columns %}
    group by
        {%- for group_column in group_columns %}
        {{ group_column }}{{ "," if not loop.last }}
        {%- endfor %}
    {%- endif %}

),

out_of_bounds as (

    select *
    from means
    where not {{ dbt_expectations.stand_in_within_bounds('mean_value', min_value, max_value, strictly) }}

)

select * from out_of_bounds

{% endtest %}
