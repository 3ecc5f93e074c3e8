-- The daily main job inside Snowflake: a task graph of EXECUTE DBT PROJECT, one task per step of
-- main_job/steps.py, in order (tests/python/test_main_job_definitions.py keeps them identical).
-- Each task runs after the previous one, so one EXECUTE runs at a time (Snowflake does not
-- support concurrent EXECUTEs of one dbt project object), on a user-managed warehouse
-- (serverless tasks cannot run dbt projects). The root task's schedule starts the graph; a new
-- run does not start while the previous one is still running.
--
--   snow sql -f deploy/snowflake/tasks.sql \
--       -D database=SUPPORT_TICKETS -D schema=SUPPORT_TICKETS -D warehouse=SUPPORT_TICKETS_WH -D role=SUPPORT_TICKETS_DBT
--
-- (deploy/snowflake/deploy.sh runs it with the same values it deployed with.) The --vars of every
-- ARGS fill the project object's profile (deploy/snowflake/profiles.yml: no env_var there).
-- Run the graph now: EXECUTE TASK support_ticket_llm__seed_cortex_models; see docs/dbt-projects-on-snowflake.md.

use role <% role %>;
use schema <% database %>.<% schema %>;

-- Suspend the root first: a started graph's tasks cannot be replaced (the root was
-- support_ticket_llm__load_tickets before the preflight steps; suspend it too if it exists).
alter task if exists support_ticket_llm__seed_cortex_models suspend;
alter task if exists support_ticket_llm__load_tickets suspend;


create or replace task support_ticket_llm__seed_cortex_models
    warehouse = <% warehouse %>
    schedule = 'USING CRON 0 6 * * * UTC'
    allow_overlapping_execution = false
as
    execute dbt project support_ticket_llm
        args = 'seed --select cortex_models --vars "{snowflake_database: <% database %>, snowflake_schema: <% schema %>, snowflake_warehouse: <% warehouse %>, snowflake_role: <% role %>}"';

create or replace task support_ticket_llm__check_cortex_models
    warehouse = <% warehouse %>
    after support_ticket_llm__seed_cortex_models
as
    execute dbt project support_ticket_llm
        args = 'run-operation check_cortex_models --vars "{snowflake_database: <% database %>, snowflake_schema: <% schema %>, snowflake_warehouse: <% warehouse %>, snowflake_role: <% role %>}"';

create or replace task support_ticket_llm__load_tickets
    warehouse = <% warehouse %>
    after support_ticket_llm__check_cortex_models
as
    execute dbt project support_ticket_llm
        args = 'run-operation load_support_tickets --vars "{snowflake_database: <% database %>, snowflake_schema: <% schema %>, snowflake_warehouse: <% warehouse %>, snowflake_role: <% role %>}"';

create or replace task support_ticket_llm__prepare_training_data
    warehouse = <% warehouse %>
    after support_ticket_llm__load_tickets
as
    execute dbt project support_ticket_llm
        args = 'build --selector prepare_training_data --vars "{snowflake_database: <% database %>, snowflake_schema: <% schema %>, snowflake_warehouse: <% warehouse %>, snowflake_role: <% role %>}"';

create or replace task support_ticket_llm__launch_finetune
    warehouse = <% warehouse %>
    after support_ticket_llm__prepare_training_data
as
    execute dbt project support_ticket_llm
        args = 'run-operation launch_finetune --vars "{snowflake_database: <% database %>, snowflake_schema: <% schema %>, snowflake_warehouse: <% warehouse %>, snowflake_role: <% role %>}"';

create or replace task support_ticket_llm__retrain_if_drifting
    warehouse = <% warehouse %>
    after support_ticket_llm__launch_finetune
as
    execute dbt project support_ticket_llm
        args = 'run-operation retrain_if_drifting --vars "{snowflake_database: <% database %>, snowflake_schema: <% schema %>, snowflake_warehouse: <% warehouse %>, snowflake_role: <% role %>}"';

create or replace task support_ticket_llm__train_students
    warehouse = <% warehouse %>
    after support_ticket_llm__retrain_if_drifting
as
    execute dbt project support_ticket_llm
        args = 'build --selector train_students --vars "{snowflake_database: <% database %>, snowflake_schema: <% schema %>, snowflake_warehouse: <% warehouse %>, snowflake_role: <% role %>}"';

-- Waits for a fine-tuning job (up to var max_wait_minutes, 120): 3 hours before it times out.
create or replace task support_ticket_llm__describe_finetune
    warehouse = <% warehouse %>
    user_task_timeout_ms = 10800000
    after support_ticket_llm__train_students
as
    execute dbt project support_ticket_llm
        args = 'run-operation describe_finetune --args ''{wait: true}'' --vars "{snowflake_database: <% database %>, snowflake_schema: <% schema %>, snowflake_warehouse: <% warehouse %>, snowflake_role: <% role %>}"';

create or replace task support_ticket_llm__evaluate_candidate
    warehouse = <% warehouse %>
    after support_ticket_llm__describe_finetune
as
    execute dbt project support_ticket_llm
        args = 'build --selector evaluate_candidate --vars "{snowflake_database: <% database %>, snowflake_schema: <% schema %>, snowflake_warehouse: <% warehouse %>, snowflake_role: <% role %>}"';

create or replace task support_ticket_llm__promote_candidate
    warehouse = <% warehouse %>
    after support_ticket_llm__evaluate_candidate
as
    execute dbt project support_ticket_llm
        args = 'run-operation evaluate_and_promote_candidate --vars "{snowflake_database: <% database %>, snowflake_schema: <% schema %>, snowflake_warehouse: <% warehouse %>, snowflake_role: <% role %>}"';

create or replace task support_ticket_llm__score_with_finetuned_model
    warehouse = <% warehouse %>
    after support_ticket_llm__promote_candidate
as
    execute dbt project support_ticket_llm
        args = 'build --selector score_with_finetuned_model --vars "{snowflake_database: <% database %>, snowflake_schema: <% schema %>, snowflake_warehouse: <% warehouse %>, snowflake_role: <% role %>}"';

create or replace task support_ticket_llm__evaluate_models
    warehouse = <% warehouse %>
    after support_ticket_llm__score_with_finetuned_model
as
    execute dbt project support_ticket_llm
        args = 'build --selector evaluate_models --vars "{snowflake_database: <% database %>, snowflake_schema: <% schema %>, snowflake_warehouse: <% warehouse %>, snowflake_role: <% role %>}"';

create or replace task support_ticket_llm__generate_messages
    warehouse = <% warehouse %>
    after support_ticket_llm__evaluate_models
as
    execute dbt project support_ticket_llm
        args = 'build --selector generate_messages --vars "{snowflake_database: <% database %>, snowflake_schema: <% schema %>, snowflake_warehouse: <% warehouse %>, snowflake_role: <% role %>}"';

create or replace task support_ticket_llm__load_billed_usage
    warehouse = <% warehouse %>
    after support_ticket_llm__generate_messages
as
    execute dbt project support_ticket_llm
        args = 'run-operation load_billed_usage --vars "{snowflake_database: <% database %>, snowflake_schema: <% schema %>, snowflake_warehouse: <% warehouse %>, snowflake_role: <% role %>}"';

create or replace task support_ticket_llm__report_billed_usage
    warehouse = <% warehouse %>
    after support_ticket_llm__load_billed_usage
as
    execute dbt project support_ticket_llm
        args = 'build --selector report_billed_usage --vars "{snowflake_database: <% database %>, snowflake_schema: <% schema %>, snowflake_warehouse: <% warehouse %>, snowflake_role: <% role %>}"';

create or replace task support_ticket_llm__docs_generate
    warehouse = <% warehouse %>
    after support_ticket_llm__report_billed_usage
as
    execute dbt project support_ticket_llm
        args = 'docs generate --vars "{snowflake_database: <% database %>, snowflake_schema: <% schema %>, snowflake_warehouse: <% warehouse %>, snowflake_role: <% role %>}"';

create or replace task support_ticket_llm__print_run_summary
    warehouse = <% warehouse %>
    after support_ticket_llm__docs_generate
as
    execute dbt project support_ticket_llm
        args = 'run-operation print_run_summary --vars "{snowflake_database: <% database %>, snowflake_schema: <% schema %>, snowflake_warehouse: <% warehouse %>, snowflake_role: <% role %>}"';

-- Resume every task of the graph, the root last.
select system$task_dependents_enable('support_ticket_llm__seed_cortex_models');
