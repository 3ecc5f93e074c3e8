"""Two trainers at once: both candidates are judged on the same eval tickets by the promotion rule
(the model int_promotion_candidates__judged), one is promoted, every decision is recorded as the
model made it, and every paid call is made once."""

from __future__ import annotations

import pytest
from catalog_models import CATALOG_ROWS
from dbt_harness import DbtProject
from project_vars import PROJECT_VARS

BOTH_TRAINERS = {"trainer": ["embedding_classifier", "cortex_finetune"]}


@pytest.fixture(scope="module")
def both_trainers_project(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    project = DbtProject.create(tmp_path_factory.mktemp("both_trainers"))
    project.run_main_job(vars=BOTH_TRAINERS)
    return project


def test_both_candidates_are_judged_on_the_same_tickets_and_one_is_promoted(
    both_trainers_project: DbtProject,
) -> None:
    project = both_trainers_project
    recorded = project.query(
        "select candidate_model, trainer, eval_tickets, is_promoted, decision_reason,"
        " credits_per_1000_tickets, best_candidate_model from main.model_promotions"
        " order by trainer"
    )
    assert [row[1] for row in recorded] == ["cortex_finetune", "embedding_classifier"]
    assert len({row[2] for row in recorded}) == 1 and recorded[0][2] > 0
    assert sum(row[3] for row in recorded) == 1
    # The operation recorded exactly what the rule decided.
    decided = project.query(
        "select candidate_model, trainer, eval_tickets, is_promoted, decision_reason,"
        " credits_per_1000_tickets, best_candidate_model"
        " from main.int_promotion_candidates__judged order by trainer"
    )
    assert decided == recorded
    # The embedding classifier's call is the cheaper one (0.03 against 0.38 credits per million).
    costs = {row[1]: row[5] for row in recorded}
    assert 0 < costs["embedding_classifier"] < costs["cortex_finetune"]
    promoted = next(row for row in recorded if row[3])
    not_promoted = next(row for row in recorded if not row[3])
    if promoted[1] == "cortex_finetune":
        assert not_promoted[4].startswith("not within the margin of the best candidate")
    else:
        assert "the cheapest candidate within the margin of the best" in promoted[4]

    # Every ticket is categorised by the champion; both students are reported side by side.
    assert project.query("select distinct model from main.ticket_categories") == [(promoted[0],)]
    reported = project.query(
        "select model_role, model, is_in_use from main.model_evaluation"
        " where model_role in ('finetuned', 'embedding_classifier') order by model_role"
    )
    assert [(row[0], row[2]) for row in reported] == [
        ("embedding_classifier", promoted[1] == "embedding_classifier"),
        ("finetuned", promoted[1] == "cortex_finetune"),
    ]


def test_every_paid_call_is_made_once_with_two_students(both_trainers_project: DbtProject) -> None:
    project = both_trainers_project
    tickets = project.scalar("select count(*) from main.stg_support__tickets")
    eval_tickets = project.scalar("select count(*) from main.int_promotion_eval_tickets__selected")
    calls = project.call_counts()
    # One embedding per ticket; the fine-tuned candidate answers each eval ticket once, and as
    # champion it is not sent those eval tickets again.
    assert calls[("ai_embed", PROJECT_VARS["embedding_model"])] == tickets
    finetuned = project.scalar(
        "select model_name from main.finetune_jobs where trainer = 'cortex_finetune'"
    )
    finetuned_calls = project.scalar(
        "select count(*) from (select ticket_id, prompt_hash from main.int_candidate_categories__requested"
        " union all select ticket_id, prompt_hash from main.int_finetuned_categories__requested)"
    )
    distinct_finetuned_calls = project.scalar(
        "select count(*) from (select ticket_id, prompt_hash from main.int_candidate_categories__requested"
        " union select ticket_id, prompt_hash from main.int_finetuned_categories__requested)"
    )
    assert finetuned_calls == distinct_finetuned_calls
    assert (
        project.scalar(
            "select count(*) from main.int_candidate_categories__requested where model = ?",
            [finetuned],
        )
        == eval_tickets
    )
    # A re-run of the whole job sends nothing more.
    before = project.call_counts()
    project.run_main_job(vars=BOTH_TRAINERS)
    assert project.call_counts() == before


def test_the_payoff_prices_training_at_the_catalog_training_rate(
    both_trainers_project: DbtProject,
) -> None:
    project = both_trainers_project
    rows = {
        row[0]: row[1:]
        for row in project.query(
            "select trainer, trained_tokens, training_credits_per_million_tokens, training_credits,"
            " finetuned_credits_per_1000_tickets, teacher_credits_per_1000_tickets"
            " from main.finetune_payoff"
        )
    }
    assert set(rows) == {"cortex_finetune", "embedding_classifier"}
    training_rate = next(
        float(row["input_credits_per_million_tokens"])
        for row in CATALOG_ROWS
        if row["priced_as"] == "finetune_training"
        and row["base_model"] == PROJECT_VARS["finetune_base_model"]
    )
    trained_tokens, rate, credits, student_per_1000, teacher_per_1000 = (
        float(value) for value in rows["cortex_finetune"]
    )
    assert rate == pytest.approx(training_rate)
    assert credits == pytest.approx(trained_tokens * training_rate / 1e6)
    assert trained_tokens > 0
    # The embedding classifier trains in SQL: no AI credits; and it is the cheapest call.
    assert rows["embedding_classifier"][2] == 0
    assert rows["embedding_classifier"][3] < student_per_1000 < teacher_per_1000
