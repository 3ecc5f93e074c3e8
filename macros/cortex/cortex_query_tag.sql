{#-
    The Snowflake query tag of a model that calls Cortex: JSON naming the project, the model and
    the pipeline stage, so its cost can be found in SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY.
-#}
{% macro cortex_query_tag(stage) -%}
    {{ return(tojson({'project': project_name, 'model': this.identifier if this else none, 'stage': stage})) }}
{%- endmacro %}
