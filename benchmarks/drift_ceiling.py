"""How well can any retrain do after the simulation's change of wording? Not a test: it prints
figures for docs/daily-operation.md.

    .venv/bin/python benchmarks/drift_ceiling.py              # 4,000 tickets per wording
    .venv/bin/python benchmarks/drift_ceiling.py --tickets 2000

The day-by-day simulation (benchmarks/daily_simulation.py) compares the audit agreement after a
retrain with the agreement before the change of wording. That comparison assumes the new wording
is as learnable as the old. This script measures it, with the job's own commands: for each
wording of scripts/generate_tickets.py ("standard" and "shifted", the simulation's two), it
writes N tickets in that wording alone, lets the teacher label all of them (var
bootstrap_ticket_budget = N), trains the fine-tuned model on the train split and reads its
accuracy against the teacher on the eval split (the promotion's figure, model_promotions). The
difference between the two wordings is what the best retrain on plenty of new labels can reach,
not a property of the retraining policy.

Beside it, the teacher's agreement with the generator's intended category: that describes our
generator and emulator (they are ours), and says how consistent the teacher is on each wording.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(PROJECT_DIR / "benchmarks"), str(PROJECT_DIR / "scripts")]

import generate_tickets  # noqa: E402
from daily_simulation import TARGET_RECOVERY_POINTS, run_job  # noqa: E402

TRAIN_AND_JUDGE_STEPS: tuple[str, ...] = (
    "load",
    "build-training-data",
    "finetune",
    "evaluate-candidate",
    "promote",
)


@dataclass(frozen=True)
class WordingFigures:
    wording: str
    train_pairs: int
    eval_tickets: int
    accuracy: float
    #: The Wilson 95% interval of the accuracy, as the promotion recorded it (model_promotions).
    interval: tuple[float, float]
    teacher_vs_intended: float


def measure(wording: str, tickets: int, seed: int, workdir: Path) -> WordingFigures:
    """Train on the teacher's labels of ``tickets`` tickets in ``wording``; the figures."""
    workdir.mkdir(parents=True, exist_ok=True)
    written = generate_tickets.generate_tickets(tickets, seed, 0, wording=wording)
    tickets_csv = workdir / "tickets.csv"
    generate_tickets.write_csv(written, tickets_csv)
    run_job(
        workdir,
        tickets_csv,
        f"bootstrap_ticket_budget: {tickets}, cortex_max_rows_per_model: {tickets}, "
        "min_finetuned_accuracy: 0",
        workdir / "job.log",
        steps=TRAIN_AND_JUDGE_STEPS,
    )
    intended = {ticket.ticket_id: ticket.intended_category for ticket in written}
    connection = duckdb.connect(str(workdir / "simulation.duckdb"), read_only=True)
    try:
        eval_tickets, accuracy, lower, upper = connection.execute(
            "select eval_tickets, candidate_accuracy, candidate_accuracy_lower, "
            "candidate_accuracy_upper from main.model_promotions "
            "order by evaluated_at desc limit 1"
        ).fetchone()
        train_pairs = connection.execute(
            "select count(*) from main.int_training_pairs__prepared where split = 'train'"
        ).fetchone()[0]
        labels = connection.execute(
            "select ticket_id, category from main.int_teacher_labels__normalized"
        ).fetchall()
    finally:
        connection.close()
    agreeing = sum(1 for ticket_id, category in labels if intended.get(ticket_id) == category)
    return WordingFigures(
        wording=wording,
        train_pairs=int(train_pairs),
        eval_tickets=int(eval_tickets),
        accuracy=float(accuracy),
        interval=(float(lower), float(upper)),
        teacher_vs_intended=agreeing / max(len(labels), 1),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=4000, help="tickets per wording")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="drift_ceiling_"))

    print(
        f"A fine-tuned model trained on the teacher's labels of {args.tickets} tickets in one "
        f"wording; accuracy against the teacher on that wording's eval split (workdir {workdir}).\n"
    )
    print(
        "| wording | training pairs | eval tickets | fine-tuned vs teacher % [95% CI] "
        "| teacher vs generator's intended category % |"
    )
    print("|---|---:|---:|---|---:|")
    results = []
    for wording in generate_tickets.WORDINGS:
        figures = measure(wording, args.tickets, args.seed, workdir / wording)
        results.append(figures)
        lower, upper = figures.interval
        print(
            f"| {wording} | {figures.train_pairs} | {figures.eval_tickets} "
            f"| {100 * figures.accuracy:.1f} [{100 * lower:.1f}, {100 * upper:.1f}] "
            f"| {100 * figures.teacher_vs_intended:.1f} |",
            flush=True,
        )
    standard, shifted = results[0], results[-1]
    gap = standard.accuracy - shifted.accuracy
    spread = 1.96 * math.sqrt(
        standard.accuracy * (1 - standard.accuracy) / standard.eval_tickets
        + shifted.accuracy * (1 - shifted.accuracy) / shifted.eval_tickets
    )
    if gap - spread > TARGET_RECOVERY_POINTS / 100:
        verdict = "beyond reach"
    elif gap + spread <= TARGET_RECOVERY_POINTS / 100:
        verdict = "within reach"
    else:
        verdict = "at the edge of what is reachable"
    print(
        f"\nTrained on plenty of labels of the new wording, the model stays {100 * gap:.1f} points "
        f"(95% CI {100 * (gap - spread):.1f} to {100 * (gap + spread):.1f}) below the old wording's "
        f"level: a recovery to within {TARGET_RECOVERY_POINTS:g} points of the pre-drift agreement "
        f"is {verdict} on this stream, whatever the retraining policy."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
