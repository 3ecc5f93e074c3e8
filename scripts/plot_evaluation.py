"""Plot the model evaluation marts: accuracy against cost, and the confusion matrices.

    python scripts/plot_evaluation.py [DATABASE] [--output-dir reports] [--schema main]

Reads `model_evaluation`, `model_costs` and `model_confusion_matrix` (built by
`dbt build --selector evaluate_models`) from the DuckDB file DATABASE (default: the env var
SUPPORT_TICKETS_DUCKDB_PATH, else support_tickets.duckdb, as the dbt profile) and writes
`accuracy_vs_cost.png` and `confusion_matrix.png` into the output directory.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROLE_LABELS = {
    "teacher": "teacher",
    "base_zero_shot": "base model, zero-shot",
    "finetuned": "fine-tuned model",
    "embedding_classifier": "embedding classifier",
}
ROLE_COLORS = {
    "teacher": "#4c72b0",
    "base_zero_shot": "#dd8452",
    "finetuned": "#55a868",
    "embedding_classifier": "#8172b3",
}
#: The students, whose confusion matrices are drawn beside the base model's.
STUDENT_ROLES = ("finetuned", "embedding_classifier")
UNKNOWN = "Unknown"


def unqualified_model_name(model: str) -> str:
    """A fine-tuned model's name without its database and schema (database.schema.name); a
    Cortex model's name as it is (it may hold a dot itself, as llama3.3-70b does)."""
    parts = model.split(".")
    return parts[-1] if len(parts) >= 3 else model


@dataclass(frozen=True)
class ModelResult:
    """One row of the comparison: a model role's quality and cost."""

    role: str
    model: str
    backend: str | None
    eval_tickets: int
    accuracy: float | None
    format_validity: float | None
    credits_per_1000_tickets: float | None

    @property
    def short_name(self) -> str:
        """The model name without database and schema (fine-tuned names are fully qualified)."""
        return unqualified_model_name(self.model)


@dataclass(frozen=True)
class ConfusionMatrix:
    """Counts of eval tickets per (teacher category, predicted category) for one model role."""

    role: str
    model: str
    categories: list[str]
    counts: np.ndarray


def read_results(connection: duckdb.DuckDBPyConnection, schema: str) -> list[ModelResult]:
    rows = connection.execute(
        f"""
        select
            evaluation.model_role,
            evaluation.model,
            evaluation.backend,
            evaluation.eval_tickets,
            evaluation.accuracy,
            evaluation.format_validity,
            costs.credits_per_1000_tickets
        from {schema}.model_evaluation as evaluation
        left join {schema}.model_costs as costs
            on evaluation.model_role = costs.model_role
        order by evaluation.model_role_order
        """
    ).fetchall()
    return [
        ModelResult(
            role=role,
            model=model,
            backend=backend,
            eval_tickets=int(eval_tickets),
            accuracy=None if accuracy is None else float(accuracy),
            format_validity=None if validity is None else float(validity),
            credits_per_1000_tickets=None if credits is None else float(credits),
        )
        for role, model, backend, eval_tickets, accuracy, validity, credits in rows
    ]


def read_confusion_matrices(
    connection: duckdb.DuckDBPyConnection, schema: str, roles: list[str]
) -> list[ConfusionMatrix]:
    rows = connection.execute(
        f"""
        select model_role, model, teacher_category, predicted_category, tickets
        from {schema}.model_confusion_matrix
        where model_role in ({", ".join("?" for _ in roles)})
        """,
        roles,
    ).fetchall()
    matrices = []
    for role in roles:
        cells = [row for row in rows if row[0] == role]
        if not cells:
            continue
        named = {row[2] for row in cells} | {row[3] for row in cells}
        categories = sorted(named - {UNKNOWN}) + ([UNKNOWN] if UNKNOWN in named else [])
        index = {category: position for position, category in enumerate(categories)}
        counts = np.zeros((len(categories), len(categories)), dtype=int)
        for _, _, teacher_category, predicted_category, tickets in cells:
            counts[index[teacher_category], index[predicted_category]] = int(tickets)
        matrices.append(ConfusionMatrix(role, cells[0][1], categories, counts))
    return matrices


def plot_accuracy_vs_cost(results: list[ModelResult], path: Path) -> None:
    plotted = [
        result
        for result in results
        if result.accuracy is not None and result.credits_per_1000_tickets
    ]
    figure, axes = plt.subplots(figsize=(9, 5.8), dpi=120)
    most_expensive = max((result.credits_per_1000_tickets for result in plotted), default=0)
    for result in plotted:
        on_the_right = result.credits_per_1000_tickets >= most_expensive
        axes.scatter(
            result.credits_per_1000_tickets,
            result.accuracy,
            s=140,
            color=ROLE_COLORS.get(result.role, "#333333"),
            edgecolor="black",
            zorder=3,
        )
        axes.annotate(
            f"{ROLE_LABELS.get(result.role, result.role)}: {result.short_name}\n"
            f"accuracy {result.accuracy:.3f}, format valid {result.format_validity or 0:.3f}\n"
            f"{result.credits_per_1000_tickets:.4f} credits / 1,000 tickets",
            (result.credits_per_1000_tickets, result.accuracy),
            textcoords="offset points",
            xytext=(-14, 0) if on_the_right else (14, 0),
            ha="right" if on_the_right else "left",
            va="center",
            fontsize=8,
        )
    axes.set_xscale("log")
    if plotted:
        costs = [result.credits_per_1000_tickets for result in plotted]
        axes.set_xlim(min(costs) / 2, max(costs) * 2)
        lowest = min(result.accuracy for result in plotted if result.accuracy is not None)
        axes.set_ylim(max(0.0, lowest - 0.1), 1.04)
    axes.set_xlabel("Cortex credits per 1,000 tickets (log scale; prompt + answer tokens)")
    axes.set_ylabel("accuracy against the teacher's labels")
    eval_tickets = results[0].eval_tickets if results else 0
    axes.set_title(
        f"Accuracy vs cost on the eval split ({eval_tickets} tickets the teacher labelled)",
        fontsize=11,
        loc="left",
    )
    backends = sorted({result.backend for result in results if result.backend})
    note = "backend: " + (", ".join(backends) or "none")
    if "local-emulator" in backends:
        note += " (EMULATED Cortex, not a language model)"
    note += ".  Upper left is better; the teacher is the reference (accuracy 1.0 by definition)."
    figure.text(0.01, 0.01, note, fontsize=8, color="#555555")
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    figure.savefig(path)
    plt.close(figure)


def plot_confusion_matrices(matrices: list[ConfusionMatrix], path: Path) -> None:
    figure, all_axes = plt.subplots(
        1, max(1, len(matrices)), figsize=(6.2 * max(1, len(matrices)), 5.8), dpi=120
    )
    axes_list = np.atleast_1d(all_axes)
    for axes, matrix in zip(axes_list, matrices, strict=False):
        total = int(matrix.counts.sum())
        agreeing = int(np.trace(matrix.counts))
        axes.imshow(matrix.counts, cmap="Blues")
        ticks = range(len(matrix.categories))
        axes.set_xticks(ticks, matrix.categories, rotation=35, ha="right", fontsize=8)
        axes.set_yticks(ticks, matrix.categories, fontsize=8)
        axes.set_xlabel("predicted category")
        axes.set_ylabel("teacher's category")
        axes.set_title(
            f"{ROLE_LABELS.get(matrix.role, matrix.role)}: {unqualified_model_name(matrix.model)}\n"
            f"{agreeing} of {total} eval tickets on the diagonal",
            fontsize=9,
        )
        threshold = matrix.counts.max() / 2 if matrix.counts.size else 0
        for row, column in np.ndindex(matrix.counts.shape):
            value = matrix.counts[row, column]
            axes.text(
                column,
                row,
                str(value),
                ha="center",
                va="center",
                fontsize=8,
                color="white" if value > threshold else ("#999999" if value == 0 else "black"),
            )
    for axes in axes_list[len(matrices) :]:
        axes.axis("off")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def _connect(database: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection; a plain one when this process already has the file open (DuckDB
    refuses a second connection with a different configuration, e.g. under the test harness)."""
    try:
        return duckdb.connect(str(database), read_only=True)
    except duckdb.ConnectionException:
        return duckdb.connect(str(database))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "database",
        nargs="?",
        default=os.environ.get("SUPPORT_TICKETS_DUCKDB_PATH", "support_tickets.duckdb"),
        help="the DuckDB file (default: $SUPPORT_TICKETS_DUCKDB_PATH, else support_tickets.duckdb)",
    )
    parser.add_argument("--output-dir", default="reports", help="where to write the PNGs")
    parser.add_argument("--schema", default="main", help="the schema of the marts (default main)")
    arguments = parser.parse_args(argv)

    database = Path(arguments.database)
    if not database.exists():
        print(f"No DuckDB file at {database}: run `make run` first.", file=sys.stderr)
        return 1
    connection = _connect(database)
    try:
        results = read_results(connection, arguments.schema)
        matrices = read_confusion_matrices(
            connection, arguments.schema, ["base_zero_shot", *STUDENT_ROLES]
        )
    except duckdb.CatalogException as error:
        print(
            f"The evaluation marts are missing ({error}): run "
            "`dbt build --selector evaluate_models` first.",
            file=sys.stderr,
        )
        return 1
    finally:
        connection.close()

    output_dir = Path(arguments.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    written = [output_dir / "accuracy_vs_cost.png", output_dir / "confusion_matrix.png"]
    plot_accuracy_vs_cost(results, written[0])
    plot_confusion_matrices(matrices, written[1])
    for path in written:
        print(f"Wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
