"""The project run day by day: a bootstrap batch, then daily batches of new tickets, with a change
in how customers write from a chosen batch on. Not a test: it prints a table of figures.

    .venv/bin/python benchmarks/daily_simulation.py            # 1,000 + 20 x 4,950 = 100,000 tickets
    .venv/bin/python benchmarks/daily_simulation.py --quick    # 1,000 + 6 x 500 tickets
    .venv/bin/python benchmarks/daily_simulation.py --audit-sizing detectable_drop
    .venv/bin/python benchmarks/daily_simulation.py --vars 'max_audit_agreement_drop: 0.03'
    make simulation                                             # the first, after make setup deps

The stream comes from scripts/generate_tickets.py: every ticket of the stream has its own id;
batches before --drift-batch are written with the generator's standard wording, batches from it
on with ``wording="shifted"`` (two categories in new words, another category mix).

Each batch appends its tickets to the CSV the job loads and runs the scheduled job's own
commands, ``make load build-training-data finetune retrain-if-drifting evaluate-candidate
promote score evaluate TICKETS=<csv> VARS='retrain_on_drift: true, ...'`` (the categorisation
steps of ``make run``; replies, docs and the summary are left out: a reply costs the same with or
without fine-tuning). Its own DuckDB file, target and log directories live under a temporary
directory (or --workdir). --audit-sizing sets var audit_sizing (share: a share of each batch's
new tickets; detectable_drop: a count per batch sized for the drop the drift test must see) and
--vars passes more dbt vars (YAML entries) to every step.

Per batch it prints: new tickets; teacher and fine-tuned (student) calls, from the emulator's call
log (``cortex_emulator.calls``); the audit agreement of the batch and rolling, with Wilson 95%
intervals (mart audit_agreement); whether drift is flagged; the category mix's stability index
and whether it is flagged (mart category_mix_drift); promotions (source model_promotions);
categorisation credits (teacher + training + student at catalog prices, mart pipeline_costs); and
the cumulative credits against "the teacher categorises every ticket". Then the targets, each
beside its figure (for the drift, each warning's first flag and its false alarms before the
change), and a plot (agreement, category mix and cumulative cost per batch) in
docs/images/daily_simulation.png.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(PROJECT_DIR), str(PROJECT_DIR / "scripts")]

import generate_tickets  # noqa: E402

from cortex_emulator import call_counts  # noqa: E402

JOB_STEPS: tuple[str, ...] = (
    "load",
    "build-training-data",
    "finetune",
    "retrain-if-drifting",
    "evaluate-candidate",
    "promote",
    "score",
    "evaluate",
)
TARGET_SHARE_OF_TEACHER_EVERY_TICKET = 0.05
TARGET_PROJECTED_SHARE_AT_ONE_MILLION = 0.03
TARGET_DRIFT_FLAGGED_WITHIN_BATCHES = 2
TARGET_RECOVERY_POINTS = 2.0
PLOT_PATH = PROJECT_DIR / "docs" / "images" / "daily_simulation.png"


@dataclass
class BatchFigures:
    batch: int
    wording: str
    new_tickets: int
    teacher_calls: int
    student_calls: int
    audited: int | None
    agreement: float | None
    agreement_lower: float | None
    agreement_upper: float | None
    rolling_agreement: float | None
    rolling_lower: float | None
    rolling_upper: float | None
    is_drifting: bool
    mix_stability_index: float | None
    is_mix_shifted: bool
    promotions: list[str]
    rejections: list[str]
    teacher_credits: float
    training_credits: float
    student_credits: float
    cumulative_credits: float
    cumulative_teacher_every_ticket: float
    seconds: float

    @property
    def categorization_credits(self) -> float:
        return self.teacher_credits + self.training_credits + self.student_credits

    @property
    def cumulative_share(self) -> float:
        if not self.cumulative_teacher_every_ticket:
            return math.nan
        return self.cumulative_credits / self.cumulative_teacher_every_ticket


def project_vars() -> dict[str, object]:
    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]


def batch_sizes(bootstrap: int, batches: int, total: int) -> list[int]:
    daily = total - bootstrap
    base, extra = divmod(daily, batches)
    return [bootstrap] + [base + (1 if i < extra else 0) for i in range(batches)]


def fewest_audits_for_wilson_half_width(agreement: float, half_width: float) -> int:
    """The first window size whose Wilson 95% half-width at `agreement` is at most `half_width`,
    found by counting up: a check of macro wilson_sample_size, which solves the equation."""
    z = 1.96
    trials = 1
    while (
        z
        / (1 + z * z / trials)
        * math.sqrt(agreement * (1 - agreement) / trials + z * z / (4 * trials * trials))
        > half_width
    ):
        trials += 1
    return trials


@dataclass
class AuditSizing:
    """What macro audit_sizing should make of the vars, recomputed here to check the batches."""

    sizing: str
    share: float | None
    audits_per_run: int | None
    window: int

    @classmethod
    def from_vars(cls, variables: dict[str, object]) -> AuditSizing:
        if variables["audit_sizing"] == "share":
            return cls(
                "share",
                float(variables["audit_share_percent"]) / 100,
                None,
                int(variables["drift_window_audit_tickets"]),
            )
        drop = float(variables["max_audit_agreement_drop"])
        lowest_threshold = max(
            float(variables["min_audit_agreement"]),
            float(variables["min_finetuned_accuracy"]) - drop,
        )
        window = fewest_audits_for_wilson_half_width(max(lowest_threshold, 0.5), min(drop / 2, 0.5))
        runs = int(variables["drift_detection_runs"])
        return cls("detectable_drop", None, math.ceil(window / runs), window)

    def audits(self, new_tickets: int) -> int:
        if self.share is not None:
            return math.ceil(self.share * new_tickets)
        return min(self.audits_per_run or 0, new_tickets)

    def describe(self) -> str:
        if self.share is not None:
            return f"audit sizing share: {100 * self.share:g}% of new tickets, window {self.window}"
        return (
            f"audit sizing detectable_drop: {self.audits_per_run} audits per batch, "
            f"window {self.window}"
        )


def stream(sizes: list[int], drift_batch: int, seed: int) -> list[list[generate_tickets.Ticket]]:
    """The batches: the same ids in both wordings, so each batch picks its wording."""
    total = sum(sizes)
    standard = generate_tickets.generate_tickets(total, seed, 0)
    shifted = generate_tickets.generate_tickets(total, seed, 0, wording="shifted")
    batches, start = [], 0
    for number, size in enumerate(sizes):
        source = shifted if number >= drift_batch else standard
        batches.append(source[start : start + size])
        start += size
    return batches


def run_job(
    workdir: Path,
    tickets_csv: Path,
    dbt_vars: str,
    log: Path,
    steps: tuple[str, ...] = JOB_STEPS,
) -> None:
    environment = {
        **os.environ,
        "SUPPORT_TICKETS_DUCKDB_PATH": str(workdir / "simulation.duckdb"),
        "DBT_TARGET_PATH": str(workdir / "target"),
        "DBT_LOG_PATH": str(workdir / "logs"),
        "DBT_TARGET": "local",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    command = [
        "make",
        "--no-print-directory",
        "-C",
        str(PROJECT_DIR),
        *steps,
        f"TICKETS={tickets_csv}",
        f"VARS={dbt_vars}",
    ]
    with log.open("a", encoding="utf-8") as output:
        finished = subprocess.run(
            command, env=environment, stdout=output, stderr=subprocess.STDOUT, check=False
        )
    if finished.returncode != 0:
        raise SystemExit(f"the job failed (exit {finished.returncode}); see {log}")


def read_figures(
    database: Path, teacher_model: str, promotions_before: int
) -> tuple[dict[str, object], dict[tuple[str, str], int], list[tuple[str, bool]]]:
    connection = duckdb.connect(str(database), read_only=True)
    try:
        costs = connection.execute(
            "select new_tickets, teacher_credits, training_credits, student_credits, "
            "cumulative_categorization_credits, cumulative_teacher_every_ticket_credits, "
            "run_started_at from main.pipeline_costs order by run_number desc limit 1"
        ).fetchone()
        agreement = connection.execute(
            "select audited_tickets, agreement, agreement_lower, agreement_upper, "
            "rolling_agreement, rolling_agreement_lower, rolling_agreement_upper, is_drifting "
            "from main.audit_agreement where run_started_at = ?",
            [costs[6]],
        ).fetchone()
        category_mix = connection.execute(
            "select population_stability_index, is_mix_shifted "
            "from main.category_mix_drift where run_started_at = ?",
            [costs[6]],
        ).fetchone()
        promotions = connection.execute(
            "select candidate_model, is_promoted from main.model_promotions "
            "order by evaluated_at offset ?",
            [promotions_before],
        ).fetchall()
        counts = call_counts(connection)
    finally:
        connection.close()
    figures: dict[str, object] = {
        "new_tickets": costs[0],
        "teacher_credits": costs[1] or 0.0,
        "training_credits": costs[2] or 0.0,
        "student_credits": costs[3] or 0.0,
        "cumulative_credits": costs[4] or 0.0,
        "cumulative_teacher_every_ticket": costs[5] or 0.0,
        "agreement": agreement,
        "category_mix": category_mix,
    }
    return figures, counts, [(str(name), bool(promoted)) for name, promoted in promotions]


def teacher_and_student_calls(
    before: dict[tuple[str, str], int],
    after: dict[tuple[str, str], int],
    teacher_model: str,
    finetuned_name: str,
) -> tuple[int, int]:
    teacher = student = 0
    for (function, model), rows in after.items():
        sent = rows - before.get((function, model), 0)
        if function == "ai_embed":  # the embedding classifier's one paid call per ticket
            student += sent
        if function not in ("ai_complete", "try_complete", "complete"):
            continue
        if model.lower() == teacher_model.lower():
            teacher += sent
        elif finetuned_name.lower() in model.lower():  # any version of the fine-tuned model
            student += sent
    return teacher, student


def percent(value: float | None) -> str:
    return "   -  " if value is None else f"{100 * value:5.1f}"


def interval(lower: float | None, upper: float | None) -> str:
    if lower is None or upper is None:
        return "      -      "
    return f"[{100 * lower:4.1f}, {100 * upper:5.1f}]"


HEADER = (
    "| batch | wording | new | teacher calls (target) | student calls | audit agreement % [95% CI] "
    "| rolling % [95% CI] | drift | mix PSI | promotions | credits: teacher + training + student "
    "| cumulative credits / teacher-all |"
)
RULE = "|---:|---|---:|---:|---:|---|---|---|---:|---|---|---|"


def table_row(figures: BatchFigures, audit_sizing: AuditSizing, steady: bool) -> str:
    target = f"({audit_sizing.audits(figures.new_tickets)})" if steady else "(bootstrap)"
    promoted = ", ".join(
        [f"+{name.rsplit('.', 1)[-1]}" for name in figures.promotions]
        + [f"x{name.rsplit('.', 1)[-1]}" for name in figures.rejections]
    )
    agreement = (
        f"{percent(figures.agreement)} {interval(figures.agreement_lower, figures.agreement_upper)}"
        f" (n={figures.audited})"
        if figures.audited
        else "-"
    )
    rolling = (
        f"{percent(figures.rolling_agreement)} {interval(figures.rolling_lower, figures.rolling_upper)}"
        if figures.rolling_agreement is not None
        else "-"
    )
    mix = "-" if figures.mix_stability_index is None else f"{figures.mix_stability_index:.3f}"
    if figures.is_mix_shifted:
        mix += " MIX"
    return (
        f"| {figures.batch} | {figures.wording} | {figures.new_tickets} "
        f"| {figures.teacher_calls} {target} | {figures.student_calls} | {agreement} | {rolling} "
        f"| {'DRIFT' if figures.is_drifting else ''} | {mix} | {promoted} "
        f"| {figures.teacher_credits:.4f} + {figures.training_credits:.4f} + "
        f"{figures.student_credits:.4f} = {figures.categorization_credits:.4f} "
        f"| {figures.cumulative_credits:.3f} / {figures.cumulative_teacher_every_ticket:.3f} "
        f"= {100 * figures.cumulative_share:.2f}% |"
    )


def plot(rows: list[BatchFigures], drift_batch: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    batches = [row.batch for row in rows]
    figure, (top, middle, bottom) = plt.subplots(
        3, 1, figsize=(9, 9), sharex=True, gridspec_kw={"height_ratios": [3, 2, 3]}
    )
    audited = [row for row in rows if row.agreement is not None]
    top.errorbar(
        [row.batch for row in audited],
        [100 * row.agreement for row in audited],
        yerr=[
            [100 * (row.agreement - row.agreement_lower) for row in audited],
            [100 * (row.agreement_upper - row.agreement) for row in audited],
        ],
        fmt="o-",
        capsize=3,
        label="audit agreement of the batch (Wilson 95%)",
    )
    rolled = [row for row in rows if row.rolling_agreement is not None]
    top.plot(
        [row.batch for row in rolled],
        [100 * row.rolling_agreement for row in rolled],
        "s--",
        label="rolling agreement",
    )
    for row in rows:
        if row.promotions and row.batch > 0:
            top.axvline(row.batch, color="green", alpha=0.3)
    top.axvline(drift_batch - 0.5, color="red", linestyle=":", label="new wording from here")
    top.set_ylabel("agreement with the teacher (%)")
    top.legend(loc="lower left", fontsize=8)
    mixed = [row for row in rows if row.mix_stability_index is not None]
    middle.plot(
        [row.batch for row in mixed],
        [row.mix_stability_index for row in mixed],
        "o-",
        color="purple",
        label="category mix: stability index against the training labels",
    )
    shifted = [row for row in mixed if row.is_mix_shifted]
    middle.plot(
        [row.batch for row in shifted],
        [row.mix_stability_index for row in shifted],
        "o",
        color="red",
        label="flagged (index and G test)",
    )
    middle.axhline(
        float(project_vars()["max_category_mix_psi"]),
        color="grey",
        linestyle="--",
        label="var max_category_mix_psi",
    )
    middle.axvline(drift_batch - 0.5, color="red", linestyle=":")
    middle.set_ylabel("stability index")
    middle.legend(loc="upper left", fontsize=8)
    bottom.plot(
        batches,
        [row.cumulative_credits for row in rows],
        "o-",
        label="pipeline (teacher sample + training + fine-tuned model)",
    )
    bottom.plot(
        batches,
        [row.cumulative_teacher_every_ticket for row in rows],
        "x--",
        label="the teacher categorises every ticket",
    )
    bottom.set_yscale("log")
    bottom.set_xlabel("batch (0 = bootstrap)")
    bottom.set_ylabel("cumulative credits")
    bottom.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 + 6 x 500 tickets")
    parser.add_argument("--total", type=int, default=None, help="tickets in all")
    parser.add_argument("--batches", type=int, default=None, help="daily batches")
    parser.add_argument("--bootstrap", type=int, default=None, help="tickets of batch 0")
    parser.add_argument("--drift-batch", type=int, default=None, help="first batch in new words")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--plot", type=Path, default=PLOT_PATH)
    parser.add_argument(
        "--audit-sizing",
        choices=("share", "detectable_drop"),
        default=None,
        help="var audit_sizing (default: dbt_project.yml's)",
    )
    parser.add_argument(
        "--vars", default="", help="more dbt vars, YAML entries: 'max_audit_agreement_drop: 0.03'"
    )
    args = parser.parse_args(argv)

    variables = project_vars()
    extra_vars = yaml.safe_load("{" + args.vars + "}") or {}
    if args.audit_sizing:
        extra_vars["audit_sizing"] = args.audit_sizing
    variables.update(extra_vars)
    bootstrap = args.bootstrap or int(variables["bootstrap_ticket_budget"])
    batches = args.batches or (6 if args.quick else 20)
    total = args.total or (bootstrap + 500 * batches if args.quick else 100_000)
    drift_batch = args.drift_batch or (3 if args.quick else 11)
    teacher_model = str(variables["teacher_model"])
    dbt_vars = f"retrain_on_drift: true, cortex_max_rows_per_model: {total}"
    if args.quick and variables["audit_sizing"] == "share":
        # Few audit tickets per batch: a smaller window, so the quick run can flag drift.
        extra_vars.setdefault("drift_window_audit_tickets", 20)
        variables.update(extra_vars)
    for name, value in extra_vars.items():
        dbt_vars += f", {name}: {json.dumps(value)}"  # JSON values are YAML values
    audit_sizing = AuditSizing.from_vars(variables)

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="daily_simulation_"))
    workdir.mkdir(parents=True, exist_ok=True)
    tickets_csv = workdir / "tickets.csv"
    log = workdir / "job.log"
    sizes = batch_sizes(bootstrap, batches, total)
    stream_batches = stream(sizes, drift_batch, args.seed)

    print(
        f"Day-by-day simulation: {total} tickets = bootstrap {sizes[0]} + {batches} daily batches; "
        f"new wording from batch {drift_batch}; teacher {teacher_model}, "
        f"{audit_sizing.describe()}, vars {{{dbt_vars}}}; workdir {workdir}",
        flush=True,
    )
    print(HEADER)
    print(RULE, flush=True)

    rows: list[BatchFigures] = []
    written: list[generate_tickets.Ticket] = []
    counts_before: dict[tuple[str, str], int] = {}
    promotions_seen = 0
    for number, batch in enumerate(stream_batches):
        written.extend(batch)
        generate_tickets.write_csv(written, tickets_csv)
        started = time.perf_counter()
        run_job(workdir, tickets_csv, dbt_vars, log)
        figures, counts, promotions = read_figures(
            workdir / "simulation.duckdb", teacher_model, promotions_seen
        )
        promotions_seen += len(promotions)
        teacher, student = teacher_and_student_calls(
            counts_before, counts, teacher_model, str(variables["finetuned_model_name"])
        )
        counts_before = counts
        agreement = figures["agreement"]
        category_mix = figures["category_mix"]
        row = BatchFigures(
            batch=number,
            wording="new" if number >= drift_batch else "standard",
            new_tickets=int(figures["new_tickets"]),
            teacher_calls=teacher,
            student_calls=student,
            audited=agreement[0] if agreement else None,
            agreement=agreement[1] if agreement else None,
            agreement_lower=agreement[2] if agreement else None,
            agreement_upper=agreement[3] if agreement else None,
            rolling_agreement=agreement[4] if agreement else None,
            rolling_lower=agreement[5] if agreement else None,
            rolling_upper=agreement[6] if agreement else None,
            is_drifting=bool(agreement[7]) if agreement else False,
            mix_stability_index=(
                float(category_mix[0]) if category_mix and category_mix[0] is not None else None
            ),
            is_mix_shifted=bool(category_mix[1]) if category_mix else False,
            promotions=[name for name, promoted in promotions if promoted],
            rejections=[name for name, promoted in promotions if not promoted],
            teacher_credits=float(figures["teacher_credits"]),
            training_credits=float(figures["training_credits"]),
            student_credits=float(figures["student_credits"]),
            cumulative_credits=float(figures["cumulative_credits"]),
            cumulative_teacher_every_ticket=float(figures["cumulative_teacher_every_ticket"]),
            seconds=time.perf_counter() - started,
        )
        rows.append(row)
        print(table_row(row, audit_sizing, steady=number > 0), flush=True)

    print_targets(rows, audit_sizing, drift_batch, sizes)
    plot(rows, drift_batch, args.plot)
    print(
        f"\nPlot: {args.plot.relative_to(PROJECT_DIR) if args.plot.is_relative_to(PROJECT_DIR) else args.plot}"
    )
    print(f"Wall time: {sum(row.seconds for row in rows):.0f} s for {len(rows)} batches.")
    return 0


def print_targets(
    rows: list[BatchFigures], audit_sizing: AuditSizing, drift_batch: int, sizes: list[int]
) -> None:
    print("\nTargets:")
    steady = [row for row in rows[1:] if not row.promotions]  # a retrain's batch also evaluates
    exact = [row for row in steady if row.teacher_calls == audit_sizing.audits(row.new_tickets)]
    expected = sum(audit_sizing.audits(row.new_tickets) for row in steady)
    made = sum(row.teacher_calls for row in steady)
    rule = (
        "ceil(audit share x new tickets)"
        if audit_sizing.sizing == "share"
        else f"min({audit_sizing.audits_per_run}, new tickets)"
    )
    print(
        f"- steady-state teacher calls = {rule} per batch: exactly in "
        f"{len(exact)} of {len(steady)} batches; in all {made} calls against "
        f"{expected:.0f} expected."
    )
    last = rows[-1]
    verdict = "met" if last.cumulative_share <= TARGET_SHARE_OF_TEACHER_EVERY_TICKET else "NOT met"
    print(
        f"- cumulative categorisation credits at {sum(sizes)} tickets: {last.cumulative_credits:.3f}"
        f" = {100 * last.cumulative_share:.2f}% of teacher-all ({last.cumulative_teacher_every_ticket:.3f});"
        f" target <= {100 * TARGET_SHARE_OF_TEACHER_EVERY_TICKET:.0f}%: {verdict}."
    )
    # Projection to 1M tickets from the cost model: per-ticket credits of the steady state.
    tickets = sum(sizes)
    steady_tickets = sum(row.new_tickets for row in rows[1:])
    steady_credits = sum(row.teacher_credits + row.student_credits for row in rows[1:])
    fixed_credits = rows[0].categorization_credits + sum(row.training_credits for row in rows[1:])
    teacher_per_ticket = last.cumulative_teacher_every_ticket / tickets
    million = 1_000_000
    projected = fixed_credits + steady_credits / max(steady_tickets, 1) * (million - sizes[0])
    projected_share = projected / (teacher_per_ticket * million)
    verdict = "met" if projected_share <= TARGET_PROJECTED_SHARE_AT_ONE_MILLION else "NOT met"
    print(
        f"- steady-state share of teacher-all per batch: "
        f"{100 * steady_credits / max(steady_tickets * teacher_per_ticket, 1e-12):.2f}% "
        f"(audits + student calls, {len(rows) - 1} batches)."
    )
    print(
        f"- projection to {million:,} tickets (bootstrap and trainings as measured, steady-state "
        f"credits per ticket {steady_credits / max(steady_tickets, 1):.6f}): {projected:.2f} credits "
        f"= {100 * projected_share:.2f}% of teacher-all ({teacher_per_ticket * million:.2f}); "
        f"target <= {100 * TARGET_PROJECTED_SHARE_AT_ONE_MILLION:.0f}%: {verdict}."
    )
    # Two warnings can flag the change: the audit agreement (the model is wrong more often, seen
    # on the audited tickets) and the category mix (customers ask about other things, seen on
    # every ticket, no teacher call). Each is reported; the target counts the first.
    detectors = (
        ("audit agreement (assert_audit_agreement_is_not_drifting)", lambda row: row.is_drifting),
        ("category mix (assert_category_mix_is_stable)", lambda row: row.is_mix_shifted),
    )
    first_flags = []
    for name, fired in detectors:
        false_alarms = [row.batch for row in rows[1:drift_batch] if fired(row)]
        flagged = [row.batch for row in rows if row.batch >= drift_batch and fired(row)]
        alarms = f"; before it: {len(false_alarms)} false alarm(s) {false_alarms or ''}".rstrip()
        if flagged:
            first_flags.append(flagged[0])
            print(
                f"- {name}: flagged in batch {flagged[0]}, {flagged[0] - drift_batch} batch(es) "
                f"after the new wording began (batch {drift_batch}){alarms}."
            )
        else:
            print(f"- {name}: never flagged from batch {drift_batch} on{alarms}.")
    if first_flags:
        delay = min(first_flags) - drift_batch
        verdict = "met" if delay < TARGET_DRIFT_FLAGGED_WITHIN_BATCHES else "NOT met"
        print(
            f"- drift first flagged in batch {min(first_flags)}, {delay} batch(es) after it began; "
            f"target drift flagged within {TARGET_DRIFT_FLAGGED_WITHIN_BATCHES} batches "
            f"({audit_sizing.describe()}): {verdict}."
        )
    else:
        print(
            f"- drift never flagged after batch {drift_batch}: target drift flagged within "
            f"{TARGET_DRIFT_FLAGGED_WITHIN_BATCHES} batches ({audit_sizing.describe()}): NOT met."
        )
    before = [row for row in rows[1:drift_batch] if row.audited]
    retrained = [row.batch for row in rows if row.batch > drift_batch and row.promotions]
    if before and retrained:
        pre = sum(row.agreement * row.audited for row in before) / sum(
            row.audited for row in before
        )
        after = [row for row in rows if row.batch > retrained[0] and row.audited]
        if after:
            post = sum(row.agreement * row.audited for row in after) / sum(
                row.audited for row in after
            )
            gap = 100 * (pre - post)
            verdict = "met" if gap <= TARGET_RECOVERY_POINTS else "NOT met"
            print(
                f"- audit agreement before the drift {100 * pre:.1f}%; after the retrain promoted in "
                f"batch {retrained[0]} {100 * post:.1f}% ({len(after)} batches); "
                f"{gap:+.1f} points; target within {TARGET_RECOVERY_POINTS:g}: {verdict}."
            )
        else:
            print(f"- retrain promoted in batch {retrained[0]}; no audited batch after it yet.")
    else:
        print("- no retrain was promoted after the drift: recovery target NOT met.")


if __name__ == "__main__":
    raise SystemExit(main())
