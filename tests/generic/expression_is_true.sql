{#- Returns the rows where `expression` is not true; thresholds go in the test's config. -#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not coalesce({{ expression }}, false)

{% endtest %}
