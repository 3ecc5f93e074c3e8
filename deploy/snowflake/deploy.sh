#!/usr/bin/env bash
# Deploy the project as a dbt project object in Snowflake and schedule the daily job (task graph).
# Needs Snowflake CLI >= 3.13 (`snow`) with a connection (~/.snowflake/config.toml), and `make deps`.
#
#   SNOWFLAKE_CONNECTION=default DATABASE=SUPPORT_TICKETS SCHEMA=SUPPORT_TICKETS \
#   WAREHOUSE=SUPPORT_TICKETS_WH ROLE=SUPPORT_TICKETS_DBT deploy/snowflake/deploy.sh
#
# Run deploy/snowflake/setup.sql once before (an administrator). See docs/dbt-projects-on-snowflake.md.
set -euo pipefail
cd "$(dirname "$0")/../.."

connection="${SNOWFLAKE_CONNECTION:-default}"
database="${DATABASE:-SUPPORT_TICKETS}"
schema="${SCHEMA:-SUPPORT_TICKETS}"
warehouse="${WAREHOUSE:-SUPPORT_TICKETS_WH}"
role="${ROLE:-SUPPORT_TICKETS_DBT}"
bundle=build/snowflake_dbt_project

# 1. The project folder as Snowflake gets it: dbt files, dbt_packages/ and the native profile.
.venv/bin/python deploy/snowflake/bundle.py "$bundle"

# 2. Create the dbt project object, or add a version to it (dbt Core 1.10.15: the newest that
#    Snowflake runs; the project requires >= 1.10).
snow dbt deploy support_ticket_llm \
    --source "$bundle" \
    --default-target snowflake_native \
    --dbt-version 1.10.15 \
    --connection "$connection" --role "$role" --warehouse "$warehouse" \
    --database "$database" --schema "$schema"

# 3. The task graph of the daily job (one EXECUTE DBT PROJECT per step, in order).
snow sql --connection "$connection" -f deploy/snowflake/tasks.sql \
    -D "database=$database" -D "schema=$schema" -D "warehouse=$warehouse" -D "role=$role"
