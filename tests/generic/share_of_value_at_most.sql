{#- Fails when more than `max_share` (0..1) of the rows have `value` in the column (e.g. 'Unknown'). -#}
{% test share_of_value_at_most(model, column_name, value, max_share) %}

with

counted as (

    select
        count(*) as total_rows,
        sum(case when {{ column_name }} = {{ quote_string_literal(value) }} then 1 else 0 end) as matching_rows

    from {{ model }}

)

select *
from counted
where total_rows > 0
    and matching_rows > {{ max_share }} * total_rows

{% endtest %}
