"""The whole local flow on data nobody here wrote: CLINC150's banking requests with human labels.

    .venv/bin/python benchmarks/clinc150.py                  # the data set at ../shared
    .venv/bin/python benchmarks/clinc150.py --dataset DIR    # another copy
    .venv/bin/python benchmarks/clinc150.py --vars '{trainer: [embedding_classifier, cortex_finetune]}'

The data set (``../shared/datasets/clinc150_banking`` from the project root, read-only: 1,050
requests written by crowd workers, 10 banking categories + 50 requests that fit none; CC BY 3.0)
is run as a user would run their own: the project is copied to a temporary directory, its
``seeds/valid_categories.csv`` is replaced by the data set's categories (``categories.csv``, in
its order), and the steps of ``make run TICKETS=<tickets.csv>`` run there, with nothing else
changed (the default vars, prompt template and models). The human labels (``labels.csv``) are
read only to measure, after the run.

Printed: the teacher vs the human labels (overall, on the in-scope requests and on the
out-of-scope ones, where the right answer is Unknown), each student (one per trainer) vs the
teacher on the eval split (the evaluation mart) and vs the human labels on the requests it
answered, with Wilson 95% intervals, the promotion decisions, and the goal (teacher vs human >=
0.75 on the in-scope requests) beside. Nothing is tuned to this set: it is for measuring.
The emulated teacher is not a language model, so "vs teacher" figures describe the emulator; the
embedding classifier is a real classifier on real embeddings (the emulator's sentence encoder),
so its figures vs the human labels measure the algorithm.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from main_job.steps import steps_for  # noqa: E402

PROJECT_DIR = Path(__file__).resolve().parents[1]
DATASET_PATH = Path("shared") / "datasets" / "clinc150_banking"


def default_dataset() -> Path:
    """../shared/datasets/clinc150_banking from the project root (or from a folder above it,
    for a clone kept in a subfolder)."""
    for folder in PROJECT_DIR.parents:
        if (folder / DATASET_PATH).is_dir():
            return folder / DATASET_PATH
    return PROJECT_DIR.parent / DATASET_PATH


DBT = Path(sys.executable).with_name("dbt")
GOAL_IN_SCOPE = 0.75
UNKNOWN = "Unknown"
COPIED = (
    "dbt_project.yml",
    "packages.yml",
    "selectors.yml",
    "profiles.example.yml",
    "models",
    "macros",
    "seeds",
    "tests",
    "docs",
    "dbt_packages",
    "offline_packages",
)


def user_project(workdir: Path, dataset: Path) -> Path:
    """A copy of the project whose categories seed is the data set's categories."""
    project = workdir / "project"
    project.mkdir()
    for name in COPIED:
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("python"))
        elif source.exists():
            shutil.copy(source, project / name)
    shutil.copy(PROJECT_DIR / "profiles.example.yml", project / "profiles.yml")
    with (dataset / "categories.csv").open(encoding="utf-8", newline="") as handle:
        categories = list(csv.DictReader(handle))
    with (project / "seeds" / "valid_categories.csv").open(
        "w", encoding="utf-8", newline=""
    ) as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["category", "description", "list_position"])
        for position, row in enumerate(categories, start=1):
            writer.writerow([row["category"], row["description"], position])
    return project


def run_flow(
    project: Path, tickets: Path, database: Path, extra_vars: str = ""
) -> list[tuple[str, bool, float]]:
    """The main job's steps with a tickets CSV (each a dbt command); (step, succeeded, seconds)."""
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(project),
        "DBT_TARGET": "local",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "SUPPORT_TICKETS_DUCKDB_PATH": str(database),
    }
    env = {k: v for k, v in env.items() if not k.startswith("CORTEX_")}
    extra = f", {extra_vars.strip().strip('{}')}" if extra_vars.strip().strip("{}") else ""
    vars_arg = ["--vars", f'{{tickets_csv: "{tickets}"{extra}}}']
    # The main job's own steps (main_job/steps.py), as `make run TICKETS=...` runs them; the docs
    # site is left out (nothing here reads it).
    steps = [
        (step.name, list(step.args))
        for step in steps_for(loading_tickets=True)
        if step.name != "docs_generate"
    ]
    results = []
    for name, args in steps:
        started = time.perf_counter()
        done = subprocess.run(
            [str(DBT), *args, *vars_arg, "--project-dir", str(project)],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
        )
        results.append((name, done.returncode == 0, time.perf_counter() - started))
        if done.returncode != 0:
            failed = [
                line for line in done.stdout.splitlines() if "ERROR" in line or "FAIL" in line
            ]
            print(f"  step {name} reported failures:", *failed[-8:], sep="\n    ")
    return results


def agreement(pairs: list[tuple[str, str]]) -> tuple[float, int]:
    return (sum(a == b for a, b in pairs) / len(pairs) if pairs else float("nan")), len(pairs)


def wilson_interval(share: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson 95% score interval of a share of n (as the project's macro computes it)."""
    if not n:
        return float("nan"), float("nan")
    centre = share + z * z / (2 * n)
    spread = z * ((share * (1 - share) / n + z * z / (4 * n * n)) ** 0.5)
    return (centre - spread) / (1 + z * z / n), (centre + spread) / (1 + z * z / n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=None, help="default: ../shared/...")
    parser.add_argument("--vars", default="", help="dbt vars for every step, e.g. '{trainer: ...}'")
    args = parser.parse_args()
    dataset: Path = (args.dataset or default_dataset()).resolve()
    with (dataset / "labels.csv").open(encoding="utf-8", newline="") as handle:
        human = {row["ticket_id"]: row["category"] for row in csv.DictReader(handle)}

    with tempfile.TemporaryDirectory(prefix="clinc150_") as tmp:
        workdir = Path(tmp)
        project = user_project(workdir, dataset)
        database = workdir / "support_tickets.duckdb"
        started = time.perf_counter()
        steps = run_flow(project, dataset / "tickets.csv", database, args.vars)
        elapsed = time.perf_counter() - started
        con = duckdb.connect(str(database), read_only=True)
        teacher = dict(
            con.execute(
                "select ticket_id, category from main.int_teacher_labels__normalized"
            ).fetchall()
        )
        finetuned = dict(
            con.execute(
                "select ticket_id, category from main.ticket_categories "
                "where categorization_status = 'categorized'"
            ).fetchall()
        )
        evaluation = con.execute(
            "select model, model_role, accuracy, accuracy_lower, accuracy_upper, eval_tickets, "
            "is_in_use from main.model_evaluation "
            "where model_role in ('finetuned', 'embedding_classifier') order by model_role_order"
        ).fetchall()
        student_answers = con.execute(
            "select model, ticket_id, category from main.int_student_answers__categorized "
            "where category is not null"
        ).fetchall()
        eval_set = {
            row[0]
            for row in con.execute(
                "select ticket_id from main.int_promotion_eval_tickets__selected"
            ).fetchall()
        }
        costs = dict(
            con.execute(
                "select model_role, credits_per_1000_tickets from main.model_costs"
            ).fetchall()
        )
        decisions = con.execute(
            "select candidate_model, eval_tickets, candidate_accuracy, candidate_accuracy_lower, "
            "candidate_accuracy_upper, is_promoted, decision_reason from main.model_promotions "
            "order by evaluated_at"
        ).fetchall()
        category_mix = con.execute(
            "select window_tickets, trained_on_tickets, population_stability_index, g_statistic, "
            "g_statistic_critical_value, is_mix_shifted from main.category_mix_drift "
            "where is_latest_run"
        ).fetchall()
        con.close()

    in_scope = [t for t, label in human.items() if label != UNKNOWN]
    out_of_scope = [t for t, label in human.items() if label == UNKNOWN]
    teacher_all = agreement([(teacher.get(t, "<none>"), human[t]) for t in human])
    teacher_in = agreement([(teacher.get(t, "<none>"), human[t]) for t in in_scope])
    teacher_out = agreement([(teacher.get(t, "<none>"), human[t]) for t in out_of_scope])
    in_scope_set = set(in_scope)

    print(f"CLINC150 banking ({dataset}), {dt.date.today().isoformat()}, local emulator")
    described = [f"{name} {'ok' if ok else 'FAILED'} {seconds:.0f}s" for name, ok, seconds in steps]
    print("steps: " + ", ".join(described))
    print(f"total {elapsed:.0f} s")
    goal_met = "met" if teacher_in[0] >= GOAL_IN_SCOPE else "NOT met"
    print(f"teacher vs human, all requests        {teacher_all[0]:.3f}  (n={teacher_all[1]})")
    print(
        f"teacher vs human, in-scope requests   {teacher_in[0]:.3f}  (n={teacher_in[1]})  "
        f"goal >= {GOAL_IN_SCOPE:.2f}: {goal_met}"
    )
    print(
        f"teacher vs human, out-of-scope        {teacher_out[0]:.3f}  (n={teacher_out[1]}; "
        "right = Unknown)"
    )
    for model, tickets, accuracy, lower, upper, promoted, reason in decisions:
        print(
            f"candidate vs teacher, eval tickets    {accuracy:.3f}  [{lower:.3f}, {upper:.3f}] "
            f"(n={tickets}; {model}) -> {'PROMOTED' if promoted else 'not promoted'}: {reason}"
        )
    answers_per_model: dict[str, dict[str, str]] = {}
    for model, ticket_id, category in student_answers:
        answers_per_model.setdefault(model, {})[ticket_id] = category
    for model, role, accuracy, lower, upper, eval_tickets, in_use in evaluation:
        if accuracy is None:
            continue
        print(
            f"student {role} vs teacher, eval split  {accuracy:.3f}  [{lower:.3f}, {upper:.3f}] "
            f"(n={eval_tickets}; {model}{', IN USE' if in_use else ''}; "
            f"{costs.get(role) or float('nan'):.4f} credits per 1,000 tickets, teacher "
            f"{costs.get('teacher') or float('nan'):.4f})"
        )
        answered = answers_per_model.get(model, {})
        versus_human = agreement([(answered[t], human[t]) for t in answered if t in in_scope_set])
        low, high = wilson_interval(*versus_human)
        print(
            f"student {role} vs human, in-scope requests it answered  {versus_human[0]:.3f}  "
            f"[{low:.3f}, {high:.3f}] (n={versus_human[1]})"
        )
        # Out of sample: the eval tickets, which no version trains on.
        held_out = agreement(
            [(answered[t], human[t]) for t in answered if t in in_scope_set and t in eval_set]
        )
        low, high = wilson_interval(*held_out)
        print(
            f"student {role} vs human, in-scope eval tickets (held out)  {held_out[0]:.3f}  "
            f"[{low:.3f}, {high:.3f}] (n={held_out[1]})"
        )
    print(
        f"tickets categorised by a promoted model {len(finetuned)} of {len(human)}"
        " (the rest await a promoted model)"
    )
    if finetuned:
        tuned_all = agreement([(finetuned[t], human[t]) for t in finetuned if t in human])
        tuned_in = agreement([(finetuned[t], human[t]) for t in finetuned if t in in_scope_set])
        print(f"student in use vs human, categorised  {tuned_all[0]:.3f}  (n={tuned_all[1]})")
        print(f"student in use vs human, in-scope     {tuned_in[0]:.3f}  (n={tuned_in[1]})")
    # No change happened in this one-day run: a flag here would be a false alarm, e.g. from the
    # fine-tuned model's own errors against the teacher's training labels.
    for window, trained_on, index, g_statistic, critical, shifted in category_mix:
        print(
            f"category mix, the student's categories of {window} requests against the teacher's "
            f"{trained_on} training labels: stability index {index:.3f}, G {g_statistic:.1f} "
            f"(1% critical {critical:.1f}) -> {'FLAGGED (false alarm)' if shifted else 'steady'}"
        )


if __name__ == "__main__":
    main()
