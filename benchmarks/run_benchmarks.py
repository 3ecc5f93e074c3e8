"""Benchmarks: the openai backend's throughput, and the embedded flow from 1,000 to 100,000
tickets. Not a test: it prints figures (and a markdown table for docs/benchmarks.md).

    .venv/bin/python benchmarks/run_benchmarks.py            # 1,000 calls; 1k, 10k, 100k tickets
    .venv/bin/python benchmarks/run_benchmarks.py --quick    # 200 calls; 1k and 10k tickets
    make benchmark                                            # the first, after make setup deps

(a) Throughput. A fake OpenAI-compatible server on 127.0.0.1 (``cortex_emulator.fake_server``)
answers chat completions after 50 ms, with injected faults: 10% HTTP 5xx and 2% HTTP 429 with
``Retry-After: 1``. ``cortex_try_complete`` sends the same N distinct prompts through DuckDB
with concurrency 1, then with concurrency 32 (the response cache off, so both send every
prompt; ``max_retries`` 2, so that a few rows exhaust their retries). Reported: calls per
second, the speed-up, and that every row ends answered or recorded in
``cortex_emulator.call_errors`` (both counted).

(b) The embedded flow on the local emulator, as ``make run TICKETS=...`` runs it: generate N
tickets (``scripts/generate_tickets.py``), then every step of the main job (main_job/steps.py,
the loader first) through the runner of ``make run`` (main_job.runner: one process, dbt's
programmatic runner, the project parsed once), every step with the same ``--vars`` (the ticket
file and ``cortex_max_rows_per_model`` raised above N). ``--per-process`` runs the same steps
one ``dbt`` process each, as the CLI reference (and the old ``make run``) does. Each size runs in
a directory of its own under a temporary directory (its own DuckDB file, profiles, target and
log paths). Reported: the wall time per stage, the parse, the total, and the model calls per
stage (rows sent, from ``cortex_emulator.calls``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import duckdb
import yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from cortex_emulator import CortexSettings, register  # noqa: E402
from cortex_emulator.testing.fake_server import FakeChatServer  # noqa: E402
from main_job import steps_for  # noqa: E402
from main_job.runner import run as run_main_job  # noqa: E402

DBT = Path(sys.executable).with_name("dbt")
#: The model the throughput benchmark asks: the project's teacher (var teacher_model).
BENCHMARK_MODEL: str = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"][
    "teacher_model"
]
LATENCY_SECONDS = 0.05
ERROR_SHARE = 0.10
RATE_LIMIT_SHARE = 0.02
SPEED_UP_TARGET = 15.0
FLOW_TARGETS_SECONDS = {1_000: 12.0, 100_000: 50.0}

#: The main job with tickets of one's own: every step, the loader first (main_job/steps.py).
FLOW_STEPS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (step.name, step.args) for step in steps_for(loading_tickets=True)
)


# -- (a) throughput ---------------------------------------------------------------------------


@dataclass
class ThroughputRun:
    concurrency: int
    calls: int
    seconds: float
    answered: int
    failed: int
    requests: int
    statuses: dict[int, int]
    max_in_flight: int

    @property
    def calls_per_second(self) -> float:
        return self.calls / self.seconds


def throughput(calls: int, concurrency: int, server: FakeChatServer) -> ThroughputRun:
    settings = CortexSettings.from_sources(
        {
            "backend": "openai",
            "base_url": server.base_url,
            "model_map": {BENCHMARK_MODEL: "bench-model"},
            "concurrency": concurrency,
            "max_retries": 2,
            "timeout_seconds": 10,
            "cache": False,
        },
        {},
    )
    server.reset()
    conn = duckdb.connect()
    try:
        register(conn, settings)
        conn.execute(
            "create table prompts as select 'Benchmark prompt number ' || range as prompt "
            f"from range({calls})"
        )
        started = time.perf_counter()
        conn.execute(
            "create table answers as "
            "select prompt, cortex_try_complete(?, prompt) as answer from prompts",
            [BENCHMARK_MODEL],
        )
        seconds = time.perf_counter() - started
        answered = conn.execute("select count(answer) from answers").fetchone()[0]
        failed = conn.execute(
            "select count(*) from answers where answer is null "
            "and md5(prompt) in (select prompt_hash from cortex_emulator.call_errors)"
        ).fetchone()[0]
        requests = conn.execute("select sum(requests) from cortex_emulator.calls").fetchone()[0]
    finally:
        conn.close()
    return ThroughputRun(
        concurrency,
        calls,
        seconds,
        int(answered),
        int(failed),
        int(requests or 0),
        dict(server.stats.statuses),
        server.stats.max_in_flight,
    )


def run_throughput(calls: int, concurrency: int) -> list[ThroughputRun]:
    print(
        f"\n(a) Throughput: {calls} calls to a fake chat-completions server on 127.0.0.1 "
        f"({LATENCY_SECONDS * 1000:.0f} ms latency, {ERROR_SHARE:.0%} HTTP 5xx, "
        f"{RATE_LIMIT_SHARE:.0%} HTTP 429 with Retry-After: 1; max_retries 2)",
        flush=True,
    )
    runs = []
    with FakeChatServer(
        latency_seconds=LATENCY_SECONDS,
        error_share=ERROR_SHARE,
        rate_limit_share=RATE_LIMIT_SHARE,
        retry_after="1",
        seed=7,
    ) as server:
        for level in (1, concurrency):
            run = throughput(calls, level, server)
            runs.append(run)
            print(
                f"  concurrency {level:>3}: {run.seconds:7.2f} s, {run.calls_per_second:7.1f} "
                f"calls/s; answered {run.answered}, failed and recorded {run.failed} "
                f"(of {run.calls}); {run.requests} HTTP requests {run.statuses}; "
                f"max in flight {run.max_in_flight}",
                flush=True,
            )
            if run.answered + run.failed != run.calls:
                print(
                    f"  !! {run.calls - run.answered - run.failed} rows neither answered nor recorded"
                )
    speed_up = runs[1].calls_per_second / runs[0].calls_per_second
    verdict = "meets" if speed_up >= SPEED_UP_TARGET else "MISSES"
    print(f"  speed-up: {speed_up:.1f}x ({verdict} the {SPEED_UP_TARGET:.0f}x target)")
    return runs


# -- (b) the embedded flow --------------------------------------------------------------------


@dataclass
class StageResult:
    name: str
    seconds: float
    calls: dict[str, int] = field(default_factory=dict)


@dataclass
class FlowRun:
    tickets: int
    generate_seconds: float
    stages: list[StageResult]
    wall_seconds: float = 0.0

    @property
    def dbt_seconds(self) -> float:
        """The whole main job, wall clock: start-up and parse included."""
        return self.wall_seconds or sum(stage.seconds for stage in self.stages)


def load_generator() -> ModuleType:
    sys.path.insert(0, str(PROJECT_DIR / "scripts"))
    import generate_tickets

    return generate_tickets


def calls_so_far(database: Path) -> dict[str, int]:
    """Rows sent per function and model, from the call log."""
    if not database.exists():
        return {}
    conn = duckdb.connect(str(database))  # read-write: an in-process dbt may hold it open
    try:
        rows = conn.execute(
            "select function || '(' || model || ')', sum(rows) from cortex_emulator.calls "
            "group by all"
        ).fetchall()
    except duckdb.CatalogException:
        return {}
    finally:
        conn.close()
    return {name: int(total) for name, total in rows}


def run_dbt_process(step: tuple[str, ...], dbt_vars: str, env: dict[str, str]) -> str:
    """Run one dbt command in its own process; returns its output when it failed, else ''."""
    command = [str(DBT), *step, "--vars", dbt_vars]
    done = subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False
    )
    return "" if done.returncode == 0 else done.stdout + done.stderr


def run_flow_with_runner(
    workdir: Path, dbt_vars: dict, env: dict[str, str], tickets_csv: Path
) -> tuple[list[StageResult], float]:
    """The main job as `make run` runs it: main_job.runner, in this process."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    started = time.perf_counter()
    try:
        code, reports = run_main_job(dbt_vars, tickets=tickets_csv)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    wall = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"the main job failed with exit code {code}; see {workdir / 'logs'}")
    stages = [
        StageResult(
            report.step.name,
            report.seconds,
            {"model calls": report.model_calls} if report.model_calls else {},
        )
        for report in reports
    ]
    return stages, wall


def run_flow(tickets: int, root: Path, seed: int, per_process: bool = False) -> FlowRun:
    workdir = root / f"tickets_{tickets}"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    shutil.copy(PROJECT_DIR / "profiles.example.yml", workdir / "profiles.yml")
    database = workdir / "support_tickets.duckdb"
    csv_path = workdir / "tickets.csv"

    started = time.perf_counter()
    generator = load_generator()
    generator.write_csv(generator.generate_tickets(tickets, seed), csv_path)
    generate_seconds = time.perf_counter() - started

    env = {k: v for k, v in os.environ.items() if not k.startswith("CORTEX_")}
    env.update(
        {
            "DBT_PROFILES_DIR": str(workdir),
            "DBT_TARGET": "local",
            "SUPPORT_TICKETS_DUCKDB_PATH": str(database),
            "DBT_TARGET_PATH": str(workdir / "target"),
            "DBT_LOG_PATH": str(workdir / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
    )
    dbt_vars = json.dumps(
        {"tickets_csv": str(csv_path), "cortex_max_rows_per_model": max(20_000, 2 * tickets)}
    )
    print(
        f"\n(b) Flow with {tickets:,} tickets (generated in {generate_seconds:.1f} s)", flush=True
    )
    if not per_process:
        stages, wall = run_flow_with_runner(workdir, json.loads(dbt_vars), env, csv_path)
        run = FlowRun(tickets, generate_seconds, stages, wall)
        print_total(run)
        return run
    stages = []
    before = calls_so_far(database)
    for name, step in FLOW_STEPS:
        started = time.perf_counter()
        failure = run_dbt_process(step, dbt_vars, env)
        seconds = time.perf_counter() - started
        if failure:
            log = workdir / f"{name}.log"
            log.write_text(failure)
            raise SystemExit(f"dbt {' '.join(step)} failed after {seconds:.1f} s; see {log}")
        after = calls_so_far(database)
        calls = {k: after.get(k, 0) - before.get(k, 0) for k in after}
        calls = {k: v for k, v in calls.items() if v}
        before = after
        stages.append(StageResult(name, seconds, calls))
        shown = ", ".join(f"{k}: {v:,}" for k, v in calls.items()) or "no model calls"
        print(f"  {name:<28} {seconds:7.1f} s   {shown}", flush=True)
    run = FlowRun(tickets, generate_seconds, stages)
    print_total(run)
    return run


def print_total(run: FlowRun) -> None:
    target = FLOW_TARGETS_SECONDS.get(run.tickets)
    verdict = ""
    if target is not None:
        verdict = (
            f" ({'meets' if run.dbt_seconds <= target else 'MISSES'} the {target:.0f} s target)"
        )
    print(f"  total (the main job)         {run.dbt_seconds:7.1f} s{verdict}", flush=True)


# -- report -----------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs (nproc), {cpu}, Python {platform.python_version()}, {platform.system()}"


def markdown(
    throughput_runs: list[ThroughputRun], flows: list[FlowRun], per_process: bool = False
) -> str:
    how = " --per-process" if per_process else ""
    lines = [
        f"Measured {dt.date.today().isoformat()} on {machine()} "
        f"with `.venv/bin/python benchmarks/run_benchmarks.py{how}`.",
        "",
    ]
    if throughput_runs:
        seq, par = throughput_runs
        lines += [
            f"Throughput of the openai backend ({seq.calls:,} calls; fake server: "
            f"{LATENCY_SECONDS * 1000:.0f} ms, {ERROR_SHARE:.0%} 5xx, {RATE_LIMIT_SHARE:.0%} "
            "429 with Retry-After: 1; max_retries 2):",
            "",
            "| concurrency | seconds | calls/s | answered | failed (recorded) | HTTP requests |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for run in throughput_runs:
            lines.append(
                f"| {run.concurrency} | {run.seconds:.2f} | {run.calls_per_second:.1f} | "
                f"{run.answered:,} | {run.failed:,} | {run.requests:,} |"
            )
        lines += [
            "",
            f"Speed-up: **{par.calls_per_second / seq.calls_per_second:.1f}x**.",
            "",
        ]
    if flows:
        header = "| stage | " + " | ".join(f"{f.tickets:,} tickets" for f in flows) + " |"
        lines += [
            "The main job on the local emulator (wall seconds per step, "
            + ("each its own `dbt` process" if per_process else "one process as `make run`")
            + "; the total includes start-up and parse; model calls = rows sent, from "
            "`cortex_emulator.calls`):",
            "",
            header,
            "| --- |" + " ---: |" * len(flows),
        ]
        for index, (name, _) in enumerate(FLOW_STEPS):
            cells = []
            for flow in flows:
                if index >= len(flow.stages):
                    cells.append("")
                    continue
                stage = flow.stages[index]
                calls = sum(stage.calls.values())
                cells.append(f"{stage.seconds:.1f} s" + (f" ({calls:,} calls)" if calls else ""))
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines.append(
            "| **total** | " + " | ".join(f"**{f.dbt_seconds:.1f} s**" for f in flows) + " |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 calls; 1k and 10k tickets")
    parser.add_argument("--calls", type=int, help="calls for (a) (default 1000; quick 200)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrency for (a)")
    parser.add_argument(
        "--sizes", help="comma-separated ticket counts for (b) (default 1000,10000,100000)"
    )
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-flow", action="store_true")
    parser.add_argument("--seed", type=int, default=42, help="ticket generator seed")
    parser.add_argument("--workdir", type=Path, help="where the flows run (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the flows' directories")
    parser.add_argument(
        "--per-process",
        action="store_true",
        help="one dbt process per step (the CLI reference) instead of make run's runner",
    )
    args = parser.parse_args(argv)

    calls = args.calls or (200 if args.quick else 1000)
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else ([1_000, 10_000] if args.quick else [1_000, 10_000, 100_000])
    )
    if not args.skip_flow and not (PROJECT_DIR / "dbt_packages").exists():
        raise SystemExit("dbt packages are missing: run `make deps` first.")
    print(f"Machine: {machine()}")
    print(
        "dbt runs "
        + ("one process per command" if args.per_process else "in one process, as make run")
    )

    throughput_runs = [] if args.skip_throughput else run_throughput(calls, args.concurrency)
    flows: list[FlowRun] = []
    if not args.skip_flow:
        root = args.workdir or Path(tempfile.mkdtemp(prefix="cortex-benchmarks-"))
        for size in sizes:
            # On a failure the directory stays, with the failed command's log.
            flows.append(run_flow(size, root, args.seed, args.per_process))
        if not args.keep and args.workdir is None:
            shutil.rmtree(root, ignore_errors=True)
    print("\nMarkdown for docs/benchmarks.md:\n")
    print(markdown(throughput_runs, flows, args.per_process))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
