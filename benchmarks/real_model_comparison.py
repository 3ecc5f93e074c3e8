"""The quickstart's comparison with real language models, on CLINC150's banking requests.

    .venv/bin/python benchmarks/real_model_comparison.py           # 165 tickets, 8 replies
    .venv/bin/python benchmarks/real_model_comparison.py --per-category 5 --message-tickets 8
    .venv/bin/python benchmarks/real_model_comparison.py --line-up smollm2   # licensed, weak

llama-cpp-python's server (real_models) serves the line-up's models on 127.0.0.1: by default
Qwen2.5-Coder-1.5B as the teacher, Qwen2.5-Coder-0.5B as the zero-shot small model and the
writer (docs/local-llms.md: where they come from, their licences). The project is copied with
the data set's categories as clinc150.py does, and the main job's own steps run twice:

1. categorisation: a stratified sample (``--per-category`` requests of each human category and
   as many out-of-scope ones, drawn with a fixed seed, never chosen by their answers) through
   every step up to evaluate_models (the replies and the billing report are left to run 2,
   since a real writer takes seconds per reply);
2. replies: ``--message-tickets`` of those tickets through the whole main job, writer included.

The student is promoted whatever its accuracy (vars min_finetuned_accuracy 0 and a small
min_eval_tickets_to_judge_models), so every stage runs; the decision the project's own gate
would have taken is printed beside. Printed: the teacher against the human labels; the small
model zero-shot, plain and with structured output (format validity, agreement with the teacher
and with the humans); every student the evaluation mart reports, against the teacher and the
humans, with 95% Wilson intervals; seconds per model call per stage; the server's peak memory.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import os
import random
import resource
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(PROJECT_DIR), str(PROJECT_DIR / "benchmarks")]
from clinc150 import default_dataset, user_project  # noqa: E402

from main_job.steps import steps_for  # noqa: E402
from real_models.backend import backend_environment, run_vars  # noqa: E402
from real_models.install import runtime_installed  # noqa: E402
from real_models.model_packages import LINE_UPS, LineUp  # noqa: E402
from real_models.server import LocalModelServer, stop_on_sigterm  # noqa: E402

UNKNOWN = "Unknown"
SAMPLE_SEED = 20
STUDENT_VARS = {"min_finetuned_accuracy": 0.0, "min_eval_tickets_to_judge_models": 1}
NOT_STUDENTS = {"teacher", "base_zero_shot", "base_zero_shot_structured"}
NOT_MEASURED_STEPS = {"docs_generate", "print_run_summary"}
CALLING_STEPS = {
    "prepare_training_data": "teacher",
    "evaluate_models": "small model, zero-shot",
    "generate_messages": "writer",
}


@dataclass
class StepTiming:
    name: str
    succeeded: bool
    seconds: float
    requests: int


def wilson(correct: int, total: int) -> tuple[float, float]:
    """The 95% Wilson score interval of correct / total."""
    if total == 0:
        return math.nan, math.nan
    z = 1.959964
    share = correct / total
    centre = (share + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(share * (1 - share) / total + z * z / (4 * total * total))
    half /= 1 + z * z / total
    return centre - half, centre + half


def describe_agreement(pairs: list[tuple[str, str]]) -> str:
    correct = sum(predicted == truth for predicted, truth in pairs)
    if not pairs:
        return "n/a (n=0)"
    lower, upper = wilson(correct, len(pairs))
    return f"{correct / len(pairs):.3f} [{lower:.3f}, {upper:.3f}] (n={len(pairs)})"


def sample_tickets(dataset: Path, per_category: int) -> list[dict[str, str]]:
    """``per_category`` requests of each human category (Unknown included), a fixed seed."""
    with (dataset / "labels.csv").open(encoding="utf-8", newline="") as handle:
        labels = {row["ticket_id"]: row["category"] for row in csv.DictReader(handle)}
    with (dataset / "tickets.csv").open(encoding="utf-8", newline="") as handle:
        tickets = list(csv.DictReader(handle))
    by_category: dict[str, list[dict[str, str]]] = defaultdict(list)
    for ticket in tickets:
        by_category[labels[ticket["ticket_id"]]].append(ticket)
    chooser = random.Random(SAMPLE_SEED)
    chosen: list[dict[str, str]] = []
    for category in sorted(by_category):
        group = by_category[category]
        chosen += chooser.sample(group, min(per_category, len(group)))
    chooser.shuffle(chosen)
    return chosen


def write_tickets(path: Path, tickets: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(tickets[0]))
        writer.writeheader()
        writer.writerows(tickets)
    return path


def server_requests(database: Path) -> int:
    """Requests sent to the server so far, from the call log (dbt holds the file open in this
    process: a connection of the same configuration shares it)."""
    if not database.exists():
        return 0
    connection = duckdb.connect(str(database))
    try:
        return int(
            connection.execute(
                "select coalesce(sum(requests), 0) from cortex_emulator.calls "
                "where backend like 'openai-compatible%'"
            ).fetchone()[0]
        )
    except duckdb.Error:
        return 0
    finally:
        connection.close()


def run_steps(
    project: Path,
    database: Path,
    environment: dict[str, str],
    dbt_vars: dict[str, Any],
    *,
    with_messages: bool,
) -> list[StepTiming]:
    """The main job's steps in this process (dbt's programmatic runner, the project parsed
    once, as `make run` does), each timed, with the requests it sent."""
    from dbt.cli.main import dbtRunner

    for name in [name for name in os.environ if name.startswith("CORTEX_")]:
        del os.environ[name]
    os.environ.update(
        {
            **environment,
            "DBT_PROFILES_DIR": str(project),
            "DBT_TARGET": "local",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "SUPPORT_TICKETS_DUCKDB_PATH": str(database),
        }
    )
    common = [
        "--project-dir",
        str(project),
        "--vars",
        json.dumps(dbt_vars),
        "--log-level",
        "warn",
        "--log-path",
        str(project / "logs"),
        "--target-path",
        str(project / "target"),
    ]
    parsed = dbtRunner().invoke(["parse", *common])
    if not parsed.success:
        raise SystemExit(f"dbt parse failed: {parsed.exception}")
    runner = dbtRunner(manifest=parsed.result)
    steps = [s for s in steps_for(loading_tickets=True) if s.name not in NOT_MEASURED_STEPS]
    if not with_messages:
        names = [step.name for step in steps]
        steps = steps[: names.index("evaluate_models") + 1]
    timings = []
    for step in steps:
        before = server_requests(database)
        started = time.perf_counter()
        result = runner.invoke([*step.args, *common])
        seconds = time.perf_counter() - started
        timings.append(
            StepTiming(step.name, result.success, seconds, server_requests(database) - before)
        )
        if not result.success:
            print(f"  step {step.name} failed: {result.exception or 'a node failed'}", flush=True)
    return timings


def query(database: Path, sql: str) -> list[tuple[Any, ...]]:
    connection = duckdb.connect(str(database))
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def report_categorisation(database: Path, human: dict[str, str]) -> None:
    teacher = dict(
        query(database, "select ticket_id, category from main.int_teacher_labels__normalized")
    )
    in_scope = [t for t in teacher if human[t] != UNKNOWN]
    print("Teacher vs human labels:")
    print("  all requests       " + describe_agreement([(teacher[t], human[t]) for t in teacher]))
    print("  in-scope requests  " + describe_agreement([(teacher[t], human[t]) for t in in_scope]))
    out_of_scope = [(teacher[t], human[t]) for t in teacher if human[t] == UNKNOWN]
    print("  out-of-scope       " + describe_agreement(out_of_scope) + "  (right = Unknown)")

    evaluation = query(
        database,
        "select model_role, model, backend, eval_tickets, accuracy, accuracy_lower, "
        "accuracy_upper, format_validity, unknown_share from main.model_evaluation "
        "order by model_role_order",
    )
    predictions: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for role, ticket, predicted in query(
        database,
        "select model_role, ticket_id, predicted_category "
        "from main.int_evaluation_predictions__unioned",
    ):
        predictions[role].append((predicted, human[ticket]))
    print(
        "Eval split (tickets the students never trained on): agreement with the teacher, "
        "with the humans, format validity"
    )
    for role, model, backend, tickets, accuracy, lower, upper, validity, unknown in evaluation:
        print(f"  {role:26s} {model}  via {backend}")
        print(
            f"    vs teacher {accuracy:.3f} [{lower:.3f}, {upper:.3f}] (n={tickets})"
            f" | vs human {describe_agreement(predictions[role])}"
            f" | format valid {validity:.3f} | unknown {unknown:.3f}"
        )
    students = [row[0] for row in evaluation if row[0] not in NOT_STUDENTS]
    categorised = dict(
        query(
            database,
            "select ticket_id, category from main.ticket_categories "
            "where categorization_status = 'categorized'",
        )
    )
    print(
        f"Students reported: {', '.join(students) or 'none'}; the promoted one categorised "
        f"{len(categorised)} tickets, vs human "
        + describe_agreement([(categorised[t], human[t]) for t in categorised])
        + " (training tickets included)"
    )
    for model, tickets, accuracy, lower, upper, reason in query(
        database,
        "select candidate_model, eval_tickets, candidate_accuracy, candidate_accuracy_lower, "
        "candidate_accuracy_upper, decision_reason from main.model_promotions",
    ):
        gate = "would pass" if accuracy >= 0.9 else "would NOT pass"
        print(
            f"Promotion: {model} {accuracy:.3f} [{lower:.3f}, {upper:.3f}] on {tickets} eval "
            f"tickets; the default gate (min_finetuned_accuracy 0.9) {gate}; here: {reason}"
        )


def report_messages(database: Path) -> None:
    rows = query(
        database,
        "select channel, count(*), sum(case when is_over_word_limit then 1 else 0 end), "
        "avg(word_count), max(word_count), min(word_limit), min(backend) "
        "from main.ticket_messages where message is not null group by channel order by channel",
    )
    print("Replies (writer):")
    for channel, count, over, mean_words, most, limit, backend in rows:
        print(
            f"  {channel:12s} {count} replies, {over} over the {limit}-word limit (flagged), "
            f"{mean_words:.0f} words on average, at most {most}; via {backend}"
        )


def print_timings(label: str, timings: list[StepTiming]) -> None:
    total = sum(t.seconds for t in timings)
    failed = [t.name for t in timings if not t.succeeded]
    print(f"{label}: {total:.0f} s" + (f"; FAILED steps: {', '.join(failed)}" if failed else ""))
    for timing in timings:
        if timing.name in CALLING_STEPS and timing.requests:
            print(
                f"  {CALLING_STEPS[timing.name]:24s} {timing.requests:4d} calls in "
                f"{timing.seconds:6.1f} s = {timing.seconds / timing.requests:.2f} s/call "
                f"(step {timing.name}, dbt included)"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=None, help="default: ../shared/...")
    parser.add_argument("--line-up", default="qwen", choices=sorted(LINE_UPS))
    parser.add_argument("--per-category", type=int, default=15, help="requests per category")
    parser.add_argument("--message-tickets", type=int, default=8, help="tickets with replies")
    args = parser.parse_args()
    if not runtime_installed():
        raise SystemExit(
            "llama-cpp-python is missing: run `make setup` then "
            "`.venv/bin/python -m real_models install`."
        )
    stop_on_sigterm()
    dataset = (args.dataset or default_dataset()).resolve()
    line_up: LineUp = LINE_UPS[args.line_up]
    with (dataset / "labels.csv").open(encoding="utf-8", newline="") as handle:
        human = {row["ticket_id"]: row["category"] for row in csv.DictReader(handle)}
    tickets = sample_tickets(dataset, args.per_category)
    started = time.perf_counter()
    print(
        f"Real models on CLINC150 banking ({dataset}), {dt.date.today().isoformat()}, "
        f"{os.cpu_count()} cores, line-up {line_up.name}: teacher {line_up.teacher.model_name}; "
        f"small model {line_up.small_model.model_name}; writer {line_up.writer.model_name}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="real_models_bench_") as tmp:
        workdir = Path(tmp)
        with LocalModelServer(line_up.packages) as server:
            runs = [
                ("categorisation", tickets, False),
                ("replies", tickets[: args.message_tickets], True),
            ]
            results = []
            for name, chosen, with_messages in runs:
                folder = workdir / name
                folder.mkdir()
                project = user_project(folder, dataset)
                ticket_file = write_tickets(folder / "tickets.csv", chosen)
                user_vars = {"tickets_csv": str(ticket_file), **STUDENT_VARS}
                environment = backend_environment(server.base_url, line_up, user_vars)
                database = folder / "support_tickets.duckdb"
                print(f"run {name}: {len(chosen)} tickets ...", flush=True)
                timings = run_steps(
                    project, database, environment, run_vars(user_vars), with_messages=with_messages
                )
                results.append((name, len(chosen), database, timings))
            dbt_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            server_peak = server.peak_memory_bytes()
        (_, count, categorisation_db, categorisation_timings) = results[0]
        (_, message_count, replies_db, replies_timings) = results[1]
        print()
        print(f"== Run 1, categorisation: {count} tickets (stratified, seed {SAMPLE_SEED})")
        report_categorisation(categorisation_db, human)
        print_timings("steps", categorisation_timings)
        print()
        print(f"== Run 2, the whole main job with replies: {message_count} of those tickets")
        report_messages(replies_db)
        print_timings("steps", replies_timings)
    print()
    print(
        f"Peak memory: server {server_peak / 2**20:,.0f} MiB (VmHWM), dbt (this process) "
        f"{dbt_peak / 2**20:,.0f} MiB; total {time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
