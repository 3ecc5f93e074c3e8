{#-
    Stand-in for dbt_expectations.expect_table_row_count_to_equal_other_table: fails when the
    model's row count differs from `compare_model`'s times `factor`. With `group_by` (and
    `compare_group_by` for the other side, by default the same columns) the counts are compared
    group by group; a group missing on one side counts as 0 rows there.
-#}
{% test expect_table_row_count_to_equal_other_table(model, compare_model, group_by=None, compare_group_by=None, factor=1, row_condition=None, compare_row_condition=None) %}
{%- set model_groups = dbt_expectations.stand_in_as_list(group_by) -%}
{%- set compare_groups = dbt_expectations.stand_in_as_list(compare_group_by) if compare_group_by is not none else model_groups -%}
{%- if model_groups | length != compare_groups | length -%}
    {{ exceptions.raise_compiler_error(
        "expect_table_row_count_to_equal_other_table: group_by and compare_group_by need as many columns.") }}
{%- endif %}

with

model_counts as (

    select
        {%- for group_column in model_groups %}
        {{ group_column }} as group_{{ loop.index }},
        {%- endfor %}
        count(*) as row_count
    from {{ model }}
    {{- dbt_expectations.stand_in_where(row_condition) }}
    {%- if model_groups %}
    group by
        {%- for group_column in model_groups %}
        {{ group_column }}{{ "," if not loop.last }}
        {%- endfor %}
    {%- endif %}

),

compare_counts as (

    select
        {%- for group_column in compare_groups %}
        {{ group_column }} as group_{{ loop.index }},
        {%- endfor %}
        count(*) * {{ factor }} as expected_row_count
    from {{ compare_model }}
    {{- dbt_expectations.stand_in_where(compare_row_condition) }}
    {%- if compare_groups %}
    group by
        {%- for group_column in compare_groups %}
        {{ group_column }}{{ "," if not loop.last }}
        {%- endfor %}
    {%- endif %}

),

compared as (

    select
        {%- for group_column in model_groups %}
        coalesce(model_counts.group_{{ loop.index }}, compare_counts.group_{{ loop.index }}) as group_{{ loop.index }},
        {%- endfor %}
        coalesce(model_counts.row_count, 0) as row_count,
        coalesce(compare_counts.expected_row_count, 0) as expected_row_count
    from model_counts
    {%- if model_groups %}
    full outer join compare_counts
        on
            {%- for group_column in model_groups %}
            {{ "and " if not loop.first }}model_counts.group_{{ loop.index }} is not distinct from compare_counts.group_{{ loop.index }}
            {%- endfor %}
    {%- else %}
    cross join compare_counts
    {%- endif %}

),

mismatched as (

    select *
    from compared
    where row_count != expected_row_count

)

select * from mismatched

{% endtest %}
