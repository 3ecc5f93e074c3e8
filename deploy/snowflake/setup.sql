-- One-time setup for dbt Projects on Snowflake, by an administrator (SYSADMIN creates, SECURITYADMIN
-- grants; EXECUTE TASK on the account needs ACCOUNTADMIN):
--
--   snow sql -f deploy/snowflake/setup.sql \
--       -D database=SUPPORT_TICKETS -D schema=SUPPORT_TICKETS -D warehouse=SUPPORT_TICKETS_WH -D role=SUPPORT_TICKETS_DBT
--
-- The schema must exist before the dbt project object is created; the raw schema is where
-- load_support_tickets copies the tickets. The warehouse is user-managed: tasks that execute a
-- dbt project cannot be serverless.

create warehouse if not exists <% warehouse %>
    warehouse_size = xsmall
    auto_suspend = 60
    auto_resume = true
    initially_suspended = true;
create database if not exists <% database %>;
create schema if not exists <% database %>.<% schema %>;
create schema if not exists <% database %>.<% schema %>_raw;

create role if not exists <% role %>;
grant database role snowflake.cortex_user to role <% role %>;  -- COMPLETE, COUNT_TOKENS, FINETUNE
grant usage on warehouse <% warehouse %> to role <% role %>;
grant usage on database <% database %> to role <% role %>;
-- tables, views, models, stages, file formats, tasks and the dbt project object itself
grant all privileges on schema <% database %>.<% schema %> to role <% role %>;
grant all privileges on schema <% database %>.<% schema %>_raw to role <% role %>;
grant execute task on account to role <% role %>;
