"""One main job: `make run`, the dbt Cloud job and the Snowflake task graph run the same steps.

main_job/steps.py is the definition; the runner executes it (test_main_job_runner.py), and these
tests read dbt_cloud/jobs.yml and deploy/snowflake/tasks.sql and compare them with it, step by
step, in order. dbt-jobs-as-code validates jobs.yml offline, as `dbt-jobs-as-code validate` does.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from dbt_harness import PROJECT_DIR
from dbt_jobs_as_code.loader.load import load_job_configuration
from pydantic import ValidationError

from main_job import MAIN_JOB, steps_for
from main_job.steps import RunsWhen

JOBS_YML = PROJECT_DIR / "dbt_cloud" / "jobs.yml"
JOBS_VARS = PROJECT_DIR / "dbt_cloud" / "vars.yml"
TASKS_SQL = PROJECT_DIR / "deploy" / "snowflake" / "tasks.sql"
TASK_PREFIX = "support_ticket_llm__"
# Production runs on Snowflake, where the tickets are loaded first (COPY INTO, idempotent).
PRODUCTION_STEPS = steps_for(loading_tickets=True)

TASK_PATTERN = re.compile(
    r"create or replace task (?P<name>\w+)\s+(?P<properties>.*?)\bas\s+"
    r"execute dbt project (?P<project>\w+)\s+args = '(?P<args>(?:[^']|'')*)';",
    re.IGNORECASE | re.DOTALL,
)
VARS_SUFFIX = re.compile(r'\s+--vars "\{[^"]*\}"$')


def _jobs(jobs_file: Path = JOBS_YML) -> dict:
    return load_job_configuration([str(jobs_file)], [str(JOBS_VARS)]).jobs


def _tasks() -> list[dict[str, str]]:
    return [match.groupdict() for match in TASK_PATTERN.finditer(TASKS_SQL.read_text())]


def test_the_definition_names_each_step_once_and_loads_before_it_builds() -> None:
    names = [step.name for step in MAIN_JOB]
    assert len(names) == len(set(names))
    [loader] = [step for step in MAIN_JOB if step.runs_when is RunsWhen.LOADING_TICKETS]
    assert loader.args == ("run-operation", "load_support_tickets")
    assert names.index(loader.name) < names.index("prepare_training_data")
    assert [step.name for step in steps_for(loading_tickets=False)] == [
        name for name in names if name != loader.name
    ]


def test_jobs_yml_is_valid_for_dbt_jobs_as_code() -> None:
    assert list(_jobs()) == ["main_job"]
    completed = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt-jobs-as-code")),
            "validate",
            str(JOBS_YML),
            "--vars-yml",
            str(JOBS_VARS),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_the_offline_validation_rejects_a_broken_job(tmp_path: Path) -> None:
    broken = tmp_path / "jobs.yml"
    broken.write_text(JOBS_YML.read_text().replace("threads: 8", "threads: eight"))
    with pytest.raises(ValidationError, match="threads"):
        _jobs(broken)


def test_the_dbt_cloud_job_runs_the_main_job_steps_in_order() -> None:
    job = _jobs()["main_job"]
    expected = [step.command for step in PRODUCTION_STEPS]
    missing = [command for command in expected if command not in job.execute_steps]
    assert not missing, f"add to execute_steps of {JOBS_YML}: {missing}"
    assert job.execute_steps == expected
    assert [shlex.split(command)[1:] for command in job.execute_steps] == [
        list(step.args) for step in PRODUCTION_STEPS
    ]
    assert not job.generate_docs  # `dbt docs generate` is a step of its own, as in make run


def test_the_task_graph_runs_the_main_job_steps_in_order_one_at_a_time() -> None:
    tasks = _tasks()
    assert [task["name"] for task in tasks] == [TASK_PREFIX + s.name for s in PRODUCTION_STEPS]
    arguments = [VARS_SUFFIX.sub("", task["args"].replace("''", "'")) for task in tasks]
    expected = [step.execute_args for step in PRODUCTION_STEPS]
    missing = [args for args in expected if args not in arguments]
    assert not missing, f"add a task to {TASKS_SQL} for: {missing}"
    assert arguments == expected
    assert {task["project"] for task in tasks} == {"support_ticket_llm"}
    # A chain: the root has the schedule and no overlap, every other task runs after the one
    # before it, so one EXECUTE DBT PROJECT runs at a time; each on a user-managed warehouse.
    root, *children = tasks
    assert "schedule = 'USING CRON" in root["properties"]
    assert "allow_overlapping_execution = false" in root["properties"]
    for previous, task in zip(tasks, children, strict=False):
        assert re.search(rf"\bafter {previous['name']}\s*$", task["properties"]), task["name"]
        assert "schedule" not in task["properties"]
    for task in tasks:
        assert "warehouse = <% warehouse %>" in task["properties"], task["name"]
    assert f"system$task_dependents_enable('{root['name']}')" in TASKS_SQL.read_text()
