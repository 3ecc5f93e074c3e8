"""The message studio: the quickstart's Streamlit app, on the local database or on Snowflake.

Modules, one job each:

* ``config``: the project settings the page needs (prompt, models), read from dbt_project.yml;
* ``generation``: what the user asks for, validated, and what comes back;
* ``data``: the SQL both backends run (every value a bound parameter) and the errors the page
  shows;
* ``duckdb_backend``: the local DuckDB file, with Cortex emulated by ``cortex_emulator``;
* ``snowpark_backend``: Snowflake, through a Snowpark session (Streamlit in Snowflake).

The backends are imported lazily by the page: neither duckdb nor snowpark is needed where the
other one runs.
"""
