"""`make run`'s runner: the main job's steps, in order, in one process, with progress per stage
and dbt's exit codes.

The runner is run on a throwaway project (its own database, profiles, target and logs) as
`python -m main_job` runs it; the rows it reports are compared with the emulator's call log,
and its exit codes with the dbt CLI's for the same failure."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from dbt_harness import DbtProject

from main_job import steps_for
from main_job.runner import run


def project_environment(project: DbtProject) -> dict[str, str]:
    """The environment the project's dbt commands run with (DuckDB path, target, ...)."""
    with project._environment():
        return dict(os.environ)


def _run(project: DbtProject, dbt_vars: dict | None = None) -> tuple[int, list, str]:
    out = io.StringIO()
    with project._environment(), redirect_stdout(out):  # the summary's print() goes to stdout
        code, reports = run(dbt_vars or {}, extra_args=project.path_flags, out=out)
    return code, reports, out.getvalue()


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtProject, int, list, str]:
    project = DbtProject.create(tmp_path_factory.mktemp("runner"))
    return project, *_run(project)


def test_it_runs_every_step_in_order_and_says_so(finished) -> None:
    project, code, reports, output = finished
    steps = steps_for(loading_tickets=False)  # the synthetic seed: no loader
    assert code == 0
    assert [report.step for report in reports] == list(steps)
    announced = re.findall(r"^\[(\d+)/(\d+)\]\s+[\d.]+ s  (\w+): (.+)$", output, re.MULTILINE)
    assert [(int(n), int(m), name, command) for n, m, name, command in announced] == [
        (number, len(steps), step.name, step.command) for number, step in enumerate(steps, 1)
    ]
    assert output.count("      done: ") == len(steps)
    assert "Which student pays off?" in output  # the summary, printed by its step
    assert (project.target_path / "index.html").is_file()  # docs generate ran


def test_the_model_calls_per_stage_are_the_emulators(finished) -> None:
    project, _, reports, _ = finished
    logged = project.scalar("select sum(rows) from cortex_emulator.calls")
    assert sum(report.model_calls or 0 for report in reports) == logged
    by_step = {report.step.name: report for report in reports}
    staged = project.scalar("select count(*) from main.stg_support__tickets")
    # The teacher once a ticket (the bootstrap covers the seed), and one AI_EMBED a ticket for
    # the default student.
    assert by_step["prepare_training_data"].model_calls == 2 * staged
    assert by_step["generate_messages"].model_calls == staged  # the message model
    assert by_step["launch_finetune"].model_calls == 0
    assert all(report.seconds > 0 and report.exit_code == 0 for report in reports)
    assert by_step["prepare_training_data"].statuses["pass"] > 0


def test_a_failing_step_stops_the_job_with_dbts_exit_code(tmp_path: Path) -> None:
    project = DbtProject.create(tmp_path / "project")
    capped = {"cortex_max_rows_per_model": 1}  # the cost guard stops the teacher's model
    code, reports, output = _run(project, capped)
    assert code == 1
    *before, failed = reports
    assert failed.step.name == "prepare_training_data" and failed.exit_code == 1
    assert all(report.exit_code == 0 for report in before)  # the steps before it, and no more
    assert "FAILED (exit code 1)" in output

    # The dbt CLI, on a project of its own (this process still holds the first one's DuckDB file).
    cli_project = DbtProject.create(tmp_path / "cli")
    cli = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "build",
            "--selector",
            "prepare_training_data",
            "--vars",
            json.dumps(capped),
            *cli_project.path_flags,
        ],
        env=project_environment(cli_project),
        capture_output=True,
        text=True,
        check=False,
    )
    assert cli.returncode == code


def test_dbt_stopping_before_any_step_is_exit_code_2(tmp_path: Path) -> None:
    project = DbtProject.create(tmp_path / "project")
    out = io.StringIO()
    with project._environment():
        code, reports = run({}, target="no_such_target", extra_args=project.path_flags, out=out)
    assert (code, reports) == (2, [])
    assert "dbt parse failed" in out.getvalue()
