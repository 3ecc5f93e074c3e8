"""The model evaluation: accuracy, format validity and cost of the models, as data."""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from dbt_harness import PROJECT_DIR, DbtProject
from project_vars import PROJECT_VARS

ROLES = ["teacher", "base_zero_shot", "base_zero_shot_structured"]
#: The student role each project fixture reports: the default trainer's, and FINETUNE's.
STUDENTS = [
    ("built_project", "embedding_classifier", "embedding_classifier_name", "sql-nearest-centroid"),
    ("built_finetune_project", "finetuned", "finetuned_model_name", "local-emulator"),
]
CATALOG_PATH = PROJECT_DIR / "seeds" / "cortex_models.csv"
WHITESPACE = " \t\n\r"
TEACHER: str = PROJECT_VARS["teacher_model"]
BASE_MODEL: str = PROJECT_VARS["finetune_base_model"]
#: The emulator's names for a completion and a token count (AI_* functions, and the legacy ones).
COMPLETIONS = {"ai_complete", "try_complete", "complete"}
TOKEN_COUNTS = {"ai_count_tokens", "count_tokens"}


def _calls_to(calls: Counter | dict, functions: set[str], model: str) -> int:
    return sum(
        n for (function, called), n in calls.items() if function in functions and called == model
    )


def _structured_category(raw: str | None) -> str | None:
    """The category of a structured (JSON object) answer; None for any other answer."""
    try:
        value = json.loads(raw) if raw is not None else None
    except json.JSONDecodeError:
        return None
    return value.get("category") if isinstance(value, dict) else None


def _eval_ticket_count(project: DbtProject) -> int:
    """Eval-split tickets the teacher answered, counted from the upstream models."""
    return project.scalar(
        "select count(*) from main.int_teacher_labels__normalized "
        "where split = 'eval' and raw_response is not null"
    )


def _evaluation(project: DbtProject) -> dict[str, dict]:
    with project.connect() as connection:
        cursor = connection.execute("select * from main.model_evaluation")
        columns = [column[0] for column in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return {row["model_role"]: row for row in rows}


def _catalog_prices() -> dict[str, tuple[float, float]]:
    """Input and output credits per million tokens, per model, from the catalog."""
    with CATALOG_PATH.open(newline="", encoding="utf-8") as handle:
        return {
            row["model_name"]: (
                float(row["input_credits_per_million_tokens"]),
                float(row["output_credits_per_million_tokens"] or 0),
            )
            for row in csv.DictReader(handle)
            if row["input_credits_per_million_tokens"]
        }


def _load_plot_script() -> ModuleType:
    import plot_evaluation  # scripts/ is on sys.path (conftest.py)

    return plot_evaluation


@pytest.mark.parametrize(("project_fixture", "student_role", "family_var", "backend"), STUDENTS)
def test_the_marts_compare_teacher_base_and_student_models(
    project_fixture: str,
    student_role: str,
    family_var: str,
    backend: str,
    request: pytest.FixtureRequest,
) -> None:
    project: DbtProject = request.getfixturevalue(project_fixture)
    evaluation = _evaluation(project)
    eval_tickets = _eval_ticket_count(project)
    assert set(evaluation) == {*ROLES, student_role}
    assert eval_tickets > 50
    student_name = f"{project.database_path.stem}.main.{PROJECT_VARS[family_var]}"
    assert {role: row["model"] for role, row in evaluation.items()} == {
        "teacher": TEACHER,
        "base_zero_shot": BASE_MODEL,
        "base_zero_shot_structured": BASE_MODEL,
        student_role: student_name,
    }
    for role, row in evaluation.items():
        assert row["eval_tickets"] == row["answered_tickets"] == eval_tickets
        assert row["backend"] == (backend if role == student_role else "local-emulator")
        assert row["is_in_use"] == (role == student_role)
    teacher, base, structured, student = (evaluation[role] for role in [*ROLES, student_role])
    assert teacher["accuracy"] == 1.0 and teacher["is_reference"]
    # The quickstart's claim, measured: the student is accurate and answers in the format.
    assert student["accuracy"] >= 0.9 > base["accuracy"]
    assert student["format_validity"] > 0.95 > 0.5 > base["format_validity"]
    assert student["unknown_share"] < base["unknown_share"]
    # Structured output fixes the base model's format without any fine-tuning.
    assert structured["format_validity"] > base["format_validity"]


def test_accuracy_format_validity_and_unknown_share_match_a_recount(
    built_project: DbtProject,
) -> None:
    categories = {
        row[0] for row in built_project.query("select category from main.valid_categories")
    }
    predictions = built_project.query(
        "select model_role, raw_response, predicted_category, teacher_category, "
        "is_structured_output from main.int_evaluation_predictions__unioned"
    )
    evaluation = _evaluation(built_project)
    for role in ROLES:
        rows = [row[:4] for row in predictions if row[0] == role]
        structured = {row[4] for row in predictions if row[0] == role}
        assert len(structured) == 1, role  # one kind of request per role
        if structured == {True}:
            # A structured answer is valid when it is a JSON object naming a valid category.
            valid = sum(_structured_category(raw) in categories for _, raw, _, _ in rows)
        else:
            valid = sum(
                raw is not None and raw.strip(WHITESPACE) in categories for _, raw, _, _ in rows
            )
        correct = sum(predicted == teacher for _, _, predicted, teacher in rows)
        unknown = sum(predicted == "Unknown" for _, _, predicted, _ in rows)
        assert evaluation[role]["format_validity"] == pytest.approx(valid / len(rows)), role
        assert evaluation[role]["accuracy"] == pytest.approx(correct / len(rows)), role
        assert evaluation[role]["unknown_share"] == pytest.approx(unknown / len(rows)), role
    # Validity is stricter than normalisation: the base model names the right category in a
    # wrong format often (the quickstart's complaint about its small model).
    base_rows = [row[:4] for row in predictions if row[0] == "base_zero_shot"]
    assert any(
        raw.strip(WHITESPACE) not in categories and predicted == teacher
        for _, raw, predicted, teacher in base_rows
    )


def test_precision_recall_and_confusion_matrix_match_the_predictions(
    built_project: DbtProject,
) -> None:
    predictions = built_project.query(
        "select model_role, predicted_category, teacher_category "
        "from main.int_evaluation_predictions__unioned"
    )
    matrix = built_project.query(
        "select model_role, teacher_category, predicted_category, tickets "
        "from main.model_confusion_matrix"
    )
    by_category = built_project.query(
        "select model_role, category, support, predicted_tickets, precision, recall "
        "from main.model_evaluation_by_category"
    )
    categories = {
        row[0] for row in built_project.query("select category from main.valid_categories")
    }
    axis = categories | {"Unknown"}
    for role in ROLES:
        pairs = Counter(
            (teacher, predicted)
            for model_role, predicted, teacher in predictions
            if model_role == role
        )
        cells = {(row[1], row[2]): row[3] for row in matrix if row[0] == role}
        # Every cell, zeros included, and nothing outside the grid.
        assert set(cells) == {(teacher, predicted) for teacher in axis for predicted in axis}
        assert all(cells[pair] == pairs.get(pair, 0) for pair in cells), role
        assert sum(cells.values()) == sum(pairs.values())
        for _, category, support, predicted_tickets, precision, recall in (
            row for row in by_category if row[0] == role
        ):
            true_positives = pairs.get((category, category), 0)
            assert support == sum(n for (teacher, _), n in pairs.items() if teacher == category)
            assert predicted_tickets == sum(n for (_, p), n in pairs.items() if p == category)
            assert precision == (
                pytest.approx(true_positives / predicted_tickets) if predicted_tickets else None
            )
            assert recall == (pytest.approx(true_positives / support) if support else None)
    reported = [*ROLES, "embedding_classifier"]  # the default's student is evaluated too
    assert Counter(row[0] for row in by_category) == {role: len(categories) for role in reported}


def test_the_base_model_is_called_once_per_eval_ticket_and_a_rerun_calls_nothing(
    built_project: DbtProject,
) -> None:
    eval_tickets = _eval_ticket_count(built_project)
    calls = built_project.call_counts()
    # AI_COMPLETE on the base model: only the teacher-labelled eval tickets, once per kind of
    # request (plain, and with response_format). The base model is also the message writer.
    requested = built_project.scalar(
        "select count(*) from main.int_base_model_categories__requested"
    )
    assert requested == 2 * eval_tickets
    messages = built_project.scalar("select count(*) from main.int_messages__requested")
    expected_messages = messages if PROJECT_VARS["message_model"] == BASE_MODEL else 0
    assert _calls_to(calls, COMPLETIONS, BASE_MODEL) == requested + expected_messages
    # AI_COUNT_TOKENS: prompt and answer, once per (ticket, model, prompt) of the eval sample
    # (the base model's two kinds of request); the default student's embedding: its prompt, once
    # for the evaluation and once to price it as a candidate.
    assert _calls_to(calls, TOKEN_COUNTS, TEACHER) == 2 * eval_tickets
    assert _calls_to(calls, TOKEN_COUNTS, BASE_MODEL) == 2 * 2 * eval_tickets
    assert _calls_to(calls, TOKEN_COUNTS, PROJECT_VARS["embedding_model"]) == 2 * eval_tickets
    assert not any(function in TOKEN_COUNTS and model.count(".") == 2 for function, model in calls)

    built_project.invoke("build", "--selector", "evaluate_models")
    assert built_project.call_counts() == calls


@pytest.mark.parametrize(("project_fixture", "student_role"), [(f, r) for f, r, *_ in STUDENTS])
def test_costs_are_mean_tokens_times_the_catalog_rate_and_break_even_follows(
    project_fixture: str, student_role: str, request: pytest.FixtureRequest
) -> None:
    project: DbtProject = request.getfixturevalue(project_fixture)
    prices = _catalog_prices()
    tokens = project.query(
        "select model_role, tokenizer_model, prompt_tokens, completion_tokens "
        "from main.int_evaluation_tokens__counted"
    )
    costs = {
        row[0]: row[1:]
        for row in project.query(
            "select model_role, billing_model, counted_tickets, credits_per_1000_tickets "
            "from main.model_costs"
        )
    }
    # A fine-tuned model is billed at its own inference rate (the '<base>:finetuned' row), the
    # embedding classifier at its embedding model's; each role's tokens with its own tokenizer.
    student_billing = (
        f"{BASE_MODEL}:finetuned"
        if student_role == "finetuned"
        else PROJECT_VARS["embedding_model"]
    )
    roles = [*ROLES, student_role]
    assert {role: costs[role][0] for role in roles} == {
        "teacher": TEACHER,
        "base_zero_shot": BASE_MODEL,
        "base_zero_shot_structured": BASE_MODEL,
        student_role: student_billing,
    }
    per_ticket = {}
    for role in roles:
        counts = [
            (prompt, answer) for model_role, _, prompt, answer in tokens if model_role == role
        ]
        assert costs[role][1] == len(counts) == _eval_ticket_count(project)
        input_price, output_price = prices[costs[role][0]]
        mean_prompt = sum(prompt for prompt, _ in counts) / len(counts)
        mean_answer = sum(answer for _, answer in counts) / len(counts)
        expected = (mean_prompt * input_price + mean_answer * output_price) / 1e6 * 1000
        assert costs[role][2] == pytest.approx(expected), role
        per_ticket[role] = expected / 1000
    assert costs["teacher"][2] > costs[student_role][2]

    trained_tokens, training_credits, break_even, saved_by_sampling = project.query(
        "select trained_tokens, training_credits, break_even_tickets, teacher_credits_saved_by_sampling "
        "from main.finetune_payoff"
    )[0]
    jobs_tokens = project.scalar(
        "select trained_tokens from main.finetune_jobs where status = 'SUCCESS'"
    )
    assert trained_tokens == jobs_tokens
    if student_role == "finetuned":
        # FINETUNE's training rate: the catalog's '<base>:finetune-training' row.
        assert trained_tokens > 0
        rate = prices[f"{BASE_MODEL}:finetune-training"][0]
        assert training_credits == pytest.approx(trained_tokens * rate / 1e6)
    else:
        assert trained_tokens == 0 and training_credits == 0  # trained in SQL
    assert break_even == math.ceil(
        training_credits / (per_ticket["teacher"] - per_ticket[student_role])
    )
    assert saved_by_sampling == 0  # the bootstrap budget covers every demo ticket


def test_the_plot_script_writes_both_pngs(built_project: DbtProject, tmp_path: Path) -> None:
    plot_evaluation = _load_plot_script()
    output_dir = tmp_path / "reports"
    assert (
        plot_evaluation.main([str(built_project.database_path), "--output-dir", str(output_dir)])
        == 0
    )
    for name in ("accuracy_vs_cost.png", "confusion_matrix.png"):
        content = (output_dir / name).read_bytes()
        assert content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) > 20_000, name


def test_a_bootstrap_budget_caps_the_teacher_and_every_ticket_is_still_categorised(
    fresh_project: DbtProject,
) -> None:
    budget = 300
    fresh_project.run_main_job(
        vars={"bootstrap_ticket_budget": budget, "min_finetuned_accuracy": 0.5}
    )

    staged = fresh_project.scalar("select count(*) from main.stg_support__tickets")
    assert staged > budget
    calls = fresh_project.call_counts()
    assert _calls_to(calls, COMPLETIONS, TEACHER) == budget
    assert fresh_project.scalar("select count(*) from main.ticket_categories") == staged
    assert (
        fresh_project.scalar("select count(*) from main.ticket_categories where category is null")
        == 0
    )

    # The evaluation uses only teacher-labelled eval tickets, and the base model is asked
    # about exactly those.
    sampled_eval = fresh_project.scalar(
        "select count(*) from main.int_tickets__sampled where split = 'eval' and is_teacher_labeled"
    )
    assert _eval_ticket_count(fresh_project) == sampled_eval
    assert {row["eval_tickets"] for row in _evaluation(fresh_project).values()} == {sampled_eval}
    assert (
        fresh_project.scalar("select count(*) from main.int_base_model_categories__requested")
        == 2 * sampled_eval
    )

    tickets, labeled, recorded_budget, saved, teacher_per_1000 = fresh_project.query(
        "select tickets, teacher_labeled_tickets, bootstrap_ticket_budget, "
        "teacher_credits_saved_by_sampling, teacher_credits_per_1000_tickets "
        "from main.finetune_payoff"
    )[0]
    assert (tickets, labeled, recorded_budget) == (staged, budget, budget)
    assert saved == pytest.approx((staged - budget) * teacher_per_1000 / 1000)
    assert saved > 0
