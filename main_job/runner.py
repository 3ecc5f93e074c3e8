"""`make run`: the main job's dbt commands (main_job.steps.MAIN_JOB), in order, in ONE Python
process through dbt's programmatic runner (dbtRunner), with progress across the stages.

    .venv/bin/python -m main_job [--target snowflake] [--tickets path.csv] [--vars '{...}']

The project is parsed once and the manifest is handed to every command, so no command pays
dbt's start-up or parse again. Each stage prints its number, elapsed time, the nodes it ran, the
rows in the tables it built (one count query) and the model calls it made (on DuckDB, from
the emulator's log `cortex_emulator.calls`). The exit code is dbt's: 0 when every step
succeeded, else the failing step's (1 when nodes failed, 2 when dbt itself stopped), and no
later step runs. The dbt CLI commands (`step.command`) stay the reference: this runs exactly
those.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .steps import Step, steps_for

PROJECT_DIR = Path(__file__).resolve().parents[1]


@dataclass
class StageReport:
    """What one step did."""

    step: Step
    seconds: float
    exit_code: int
    statuses: Counter[str] = field(default_factory=Counter)
    rows: int | None = None
    model_calls: int | None = None

    def describe(self) -> str:
        parts = [f"{self.seconds:5.1f} s"]
        if self.statuses:
            parts.append(", ".join(f"{n} {s}" for s, n in sorted(self.statuses.items())))
        if self.rows is not None:
            parts.append(f"{self.rows:,} rows in the tables built")
        if self.model_calls is not None:
            parts.append(f"{self.model_calls:,} model calls")
        return " | ".join(parts)


def exit_code(result: Any) -> int:
    """dbt's own exit codes: 0 success, 1 a node failed, 2 dbt stopped with an exception."""
    if result.success:
        return 0
    return 2 if result.exception is not None else 1


class Progress:
    """Prints the stage lines; on a terminal, a live node counter inside the running stage."""

    def __init__(self, total_steps: int, out: TextIO, show_macro_logs: bool = True) -> None:
        self.total_steps = total_steps
        self.out = out
        self.show_macro_logs = show_macro_logs
        self.live = out.isatty()
        self.started = time.perf_counter()
        self.step_number = 0

    def elapsed(self) -> str:
        return f"{time.perf_counter() - self.started:6.1f} s"

    def start(self, step: Step) -> None:
        self.step_number += 1
        self.out.write(
            f"[{self.step_number}/{self.total_steps}] {self.elapsed()}  {step.name}: "
            f"{step.command}\n"
        )
        self.out.flush()

    def on_event(self, event: Any) -> None:
        if self.show_macro_logs and event.info.name == "JinjaLogInfo":
            clear = "\r" + " " * 40 + "\r" if self.live else ""
            self.out.write(f"{clear}      {event.info.msg}\n")
            self.out.flush()
            return
        if not self.live:
            return
        data = event.data
        index, total = getattr(data, "index", 0), getattr(data, "total", 0)
        if index and total and event.info.name.endswith("Result"):
            self.out.write(f"\r      {index}/{total} nodes ")
            self.out.flush()

    def finish(self, report: StageReport) -> None:
        mark = "done" if report.exit_code == 0 else f"FAILED (exit code {report.exit_code})"
        clear = "\r" + " " * 40 + "\r" if self.live else ""
        self.out.write(f"{clear}      {mark}: {report.describe()}\n")
        self.out.flush()


#: What a stage's rows are counted in: the tables it built (views are not counted: counting one
#: would run its query).
COUNTED_MATERIALIZATIONS = {"table", "incremental", "seed"}


def node_statistics(result: Any) -> tuple[Counter[str], list[str]]:
    """Node statuses, and the tables the step built successfully."""
    statuses: Counter[str] = Counter()
    tables: list[str] = []
    for node_result in getattr(result.result, "results", None) or []:
        statuses[str(node_result.status)] += 1
        node = getattr(node_result, "node", None)
        if (
            node is not None
            and str(node_result.status) == "success"
            and str(node.resource_type) in {"model", "seed"}
            and node.config.materialized in COUNTED_MATERIALIZATIONS
            and node.relation_name
        ):
            tables.append(node.relation_name)
    return statuses, tables


def rows_in(adapter_type: str, tables: list[str]) -> int | None:
    """The rows the tables hold now (one count query), through dbt's own adapter."""
    if not tables:
        return None
    from dbt.adapters.factory import get_adapter_by_type

    adapter = get_adapter_by_type(adapter_type)
    counts = " union all ".join(f"select count(*) as row_count from {table}" for table in tables)
    with adapter.connection_named("main_job_progress"):
        _, found = adapter.execute(f"select sum(row_count) from ({counts}) as counts", fetch=True)
    return int(found.rows[0][0])


def emulated_model_calls() -> int | None:
    """Rows sent to a model so far, from the emulator's call log (local DuckDB target only)."""
    try:
        import duckdb
        from dbt.adapters.factory import get_adapter_by_type

        path = get_adapter_by_type("duckdb").config.credentials.path
    except Exception:  # not the duckdb target: no emulator log to read
        return None
    try:
        connection = duckdb.connect(path)  # the same file dbt holds open in this process
    except duckdb.Error:
        return None
    try:
        found = connection.execute("select coalesce(sum(rows), 0) from cortex_emulator.calls")
        return int(found.fetchone()[0])
    except duckdb.Error:
        return None
    finally:
        connection.close()


def run(
    dbt_vars: dict[str, Any],
    target: str | None = None,
    tickets: Path | None = None,
    verbose: bool = False,
    extra_args: Sequence[str] = (),
    out: TextIO = sys.stdout,
) -> tuple[int, list[StageReport]]:
    """Runs the main job; returns the exit code and a report per step that ran."""
    from dbt.cli.main import dbtRunner

    dbt_vars = dict(dbt_vars)
    if tickets is not None:
        dbt_vars["tickets_csv"] = str(tickets.resolve())
    common = ["--project-dir", str(PROJECT_DIR), *extra_args]
    if target:
        common += ["--target", target]
    if dbt_vars:
        common += ["--vars", json.dumps(dbt_vars)]

    # dbt's own lines: warnings and errors only; the progress lines replace the rest, and the
    # project's macros' log(..., info=true) lines (what was loaded, launched, how the fine-tune
    # is doing) are printed by Progress. The summary's print() always shows.
    log_level = [] if verbose else ["--log-level", "warn"]

    started = time.perf_counter()
    parsed = dbtRunner().invoke(["parse", *common, *log_level])
    if not parsed.success:
        out.write(f"dbt parse failed: {parsed.exception}\n")
        return exit_code(parsed), []
    manifest = parsed.result
    loading_tickets = manifest.metadata.adapter_type == "snowflake" or tickets is not None
    steps = steps_for(loading_tickets=loading_tickets)
    progress = Progress(len(steps), out, show_macro_logs=not verbose)
    out.write(
        f"Main job: {len(steps)} steps on the {manifest.metadata.adapter_type} target "
        f"(parsed in {time.perf_counter() - started:.1f} s)\n"
    )
    runner = dbtRunner(manifest=manifest, callbacks=[progress.on_event])
    reports: list[StageReport] = []
    calls_before = emulated_model_calls()
    for step in steps:
        progress.start(step)
        step_started = time.perf_counter()
        result = runner.invoke([*step.args, *common, *log_level])
        statuses, tables = node_statistics(result)
        rows = rows_in(manifest.metadata.adapter_type, tables)
        calls_after = emulated_model_calls()
        calls = None
        if calls_after is not None:
            calls = calls_after - (calls_before or 0)
            calls_before = calls_after
        report = StageReport(
            step, time.perf_counter() - step_started, exit_code(result), statuses, rows, calls
        )
        reports.append(report)
        progress.finish(report)
        if report.exit_code != 0:
            if result.exception is not None:
                out.write(f"dbt {step.execute_args} stopped: {result.exception}\n")
            return report.exit_code, reports
    out.write(f"Main job done in {time.perf_counter() - started:.1f} s.\n")
    return 0, reports


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", help="the profile's target (default: the profile's own)")
    parser.add_argument("--tickets", type=Path, help="a CSV of your own tickets (local target)")
    parser.add_argument("--vars", default="", help="dbt vars, as for `dbt --vars` (YAML)")
    parser.add_argument("--verbose", action="store_true", help="show dbt's own log lines")
    args = parser.parse_args(argv)
    import yaml

    dbt_vars = yaml.safe_load(args.vars) if args.vars.strip() else {}
    if not isinstance(dbt_vars, dict):
        parser.error("--vars must be a YAML mapping, e.g. '{teacher_ticket_budget: 300}'")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    code, _ = run(dbt_vars, args.target, args.tickets, args.verbose)
    return code
