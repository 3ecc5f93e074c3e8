"""The main job's steps, in order: the ONE list that `make run` (main_job.runner), the dbt Cloud
job (dbt_cloud/jobs.yml) and the task graph of dbt Projects on Snowflake
(deploy/snowflake/tasks.sql) follow. Tests check the other two against it
(tests/python/test_main_job_definitions.py).

Adding a step is one line in MAIN_JOB, e.g.

    Step("check_cortex_models", ("run-operation", "check_cortex_models")),

and the same command in dbt_cloud/jobs.yml (execute_steps) and deploy/snowflake/tasks.sql (a
task): until both have it, tests/python/test_main_job_definitions.py fails and names what is
missing where.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from enum import Enum


class RunsWhen(Enum):
    """When a step runs."""

    ALWAYS = "always"
    #: Only where the raw tickets must be loaded first: on Snowflake (COPY INTO from the stage,
    #: which skips files it has loaded before), or locally with a CSV of your own (TICKETS=...).
    #: Locally without one, the synthetic seed is part of prepare_training_data.
    LOADING_TICKETS = "loading_tickets"


@dataclass(frozen=True)
class Step:
    """One dbt command of the main job: a name (the stage, the Snowflake task) and its args."""

    name: str
    args: tuple[str, ...]
    runs_when: RunsWhen = RunsWhen.ALWAYS

    @property
    def command(self) -> str:
        """The dbt CLI command, as the docs, dbt Cloud and EXECUTE DBT PROJECT spell it."""
        return "dbt " + shlex.join(self.args)

    @property
    def execute_args(self) -> str:
        """The ARGS of EXECUTE DBT PROJECT: the command without the leading `dbt`."""
        return shlex.join(self.args)


MAIN_JOB: tuple[Step, ...] = (
    # Preflight: the model catalog, then every model the vars name must be usable.
    Step("seed_cortex_models", ("seed", "--select", "cortex_models")),
    Step("check_cortex_models", ("run-operation", "check_cortex_models")),
    Step("load_tickets", ("run-operation", "load_support_tickets"), RunsWhen.LOADING_TICKETS),
    Step("prepare_training_data", ("build", "--selector", "prepare_training_data")),
    Step("launch_finetune", ("run-operation", "launch_finetune")),
    # A new version when the drift test fired (var retrain_on_drift), trained, judged below.
    Step("retrain_if_drifting", ("run-operation", "retrain_if_drifting")),
    # Versions that train in SQL (the embedding classifier); then every job's status.
    Step("train_students", ("build", "--selector", "train_students")),
    Step("describe_finetune", ("run-operation", "describe_finetune", "--args", "{wait: true}")),
    Step("evaluate_candidate", ("build", "--selector", "evaluate_candidate")),
    Step("promote_candidate", ("run-operation", "evaluate_and_promote_candidate")),
    Step("score_with_finetuned_model", ("build", "--selector", "score_with_finetuned_model")),
    Step("evaluate_models", ("build", "--selector", "evaluate_models")),
    Step("generate_messages", ("build", "--selector", "generate_messages")),
    # What Snowflake billed for the run's Cortex calls, beside the estimate (docs/cortex-models.md).
    Step("load_billed_usage", ("run-operation", "load_billed_usage")),
    Step("report_billed_usage", ("build", "--selector", "report_billed_usage")),
    Step("docs_generate", ("docs", "generate")),
    Step("print_run_summary", ("run-operation", "print_run_summary")),
)


def steps_for(*, loading_tickets: bool) -> tuple[Step, ...]:
    """The steps a run takes: all of them when tickets are loaded, else all but the loader."""
    return tuple(step for step in MAIN_JOB if loading_tickets or step.runs_when is RunsWhen.ALWAYS)
