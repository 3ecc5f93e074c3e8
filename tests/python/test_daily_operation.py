"""The pipeline run day after day: sampling decided once per ticket, promotion before use, retrains,
paid answers kept through --full-refresh and through a killed run. Each test has a database of its
own and feeds it batches of generated tickets through a CSV, as a user's scheduled job would."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from dbt_harness import MAIN_JOB, PROJECT_DIR, DbtProject
from project_vars import PROJECT_VARS

TEACHER = PROJECT_VARS["teacher_model"]
FINETUNED_NAME = PROJECT_VARS["finetuned_model_name"].lower()
AUDIT_SHARE = PROJECT_VARS["audit_share_percent"] / 100


class TicketStream:
    """A stream of generated tickets written, batch after batch, to the CSV the job loads."""

    def __init__(self, generator: ModuleType, path: Path, total: int, seed: int = 13) -> None:
        self._generator = generator
        self._tickets = generator.generate_tickets(total, seed, 0)
        self._path = path
        self.delivered = 0

    def deliver(self, count: int) -> set[str]:
        """Append the next `count` tickets to the CSV; returns their ids."""
        batch = self._tickets[self.delivered : self.delivered + count]
        assert len(batch) == count, "the stream is too short for this test"
        self.delivered += count
        self._generator.write_csv(self._tickets[: self.delivered], self._path)
        return {ticket.ticket_id for ticket in batch}


def _run_job(project: DbtProject, job_vars: dict[str, Any]) -> None:
    project.invoke("run-operation", "load_support_tickets", vars=job_vars)
    project.run_main_job(vars=job_vars)


COMPLETIONS = {"ai_complete", "try_complete", "complete"}


def _teacher_calls(project: DbtProject) -> int:
    return sum(
        rows
        for (function, model), rows in project.call_counts().items()
        if function in COMPLETIONS and model == TEACHER
    )


def _student_calls(project: DbtProject) -> dict[str, int]:
    """Paid student calls from the call log: rows sent per fine-tuned model (any version of var
    finetuned_model_name), and AI_EMBED rows per embedding model (the embedding classifier's one
    call per ticket)."""
    return {
        model: rows
        for (function, model), rows in project.call_counts().items()
        if (function in COMPLETIONS and FINETUNED_NAME in model.lower()) or function == "ai_embed"
    }


def _sampling(project: DbtProject) -> dict[str, str]:
    return dict(project.query("select ticket_id, sampling_reason from main.int_tickets__sampled"))


def _promotions(project: DbtProject) -> list[tuple[Any, ...]]:
    return project.query(
        "select candidate_model, is_promoted, candidate_accuracy, champion_model, "
        "accuracy_difference_lower_bound, decision_reason "
        "from main.model_promotions order by evaluated_at"
    )


def test_sampling_is_decided_once_and_k_new_tickets_make_k_student_calls(
    fresh_project: DbtProject, tmp_path: Path, ticket_generator: ModuleType
) -> None:
    stream = TicketStream(ticket_generator, tmp_path / "tickets.csv", total=900)
    job_vars = {
        "tickets_csv": str(stream._path),
        "bootstrap_ticket_budget": 400,
        "min_finetuned_accuracy": 0.5,
    }
    first = stream.deliver(600)
    _run_job(fresh_project, job_vars)

    # Bootstrap: exactly the budget, and the teacher labelled exactly those tickets.
    day_one = _sampling(fresh_project)
    assert set(day_one) == first
    assert sorted(set(day_one.values())) == ["bootstrap", "not_sampled"]
    assert list(day_one.values()).count("bootstrap") == 400
    assert _teacher_calls(fresh_project) == 400
    labelled = {
        row[0]
        for row in fresh_project.query("select ticket_id from main.int_teacher_labels__requested")
    }
    assert labelled == {ticket for ticket, reason in day_one.items() if reason == "bootstrap"}
    promoted = _promotions(fresh_project)
    assert len(promoted) == 1 and promoted[0][1], promoted
    model_in_use = promoted[0][0]
    categorized = fresh_project.query(
        "select categorization_status, model, count(*) from main.ticket_categories group by all"
    )
    assert categorized == [("categorized", model_in_use, 600)]

    # Steady state: k new tickets -> k student calls (the default embedding classifier's: one
    # AI_EMBED each), ceil(share x k) teacher calls, and no earlier ticket's decision changes.
    teacher_before, student_before = _teacher_calls(fresh_project), _student_calls(fresh_project)
    k = 137
    new = stream.deliver(k)
    _run_job(fresh_project, job_vars)
    day_two = _sampling(fresh_project)
    assert {ticket: day_two[ticket] for ticket in day_one} == day_one
    new_reasons = [day_two[ticket] for ticket in new]
    assert new_reasons.count("audit") == math.ceil(AUDIT_SHARE * k)
    assert set(new_reasons) == {"audit", "not_sampled"}
    assert _teacher_calls(fresh_project) - teacher_before == math.ceil(AUDIT_SHARE * k)
    student_after = _student_calls(fresh_project)
    assert {m: student_after[m] - student_before.get(m, 0) for m in student_after} == {
        PROJECT_VARS["embedding_model"]: k
    }
    assert fresh_project.scalar("select count(*) from main.ticket_categories") == 600 + k

    # A run with nothing new sends nothing and decides nothing again.
    counts = fresh_project.call_counts()
    _run_job(fresh_project, job_vars)
    assert fresh_project.call_counts() == counts
    assert _sampling(fresh_project) == day_two


def _fewest_audits_for_wilson_half_width(agreement: float, half_width: float) -> int:
    """The first window size whose Wilson 95% half-width at `agreement` is at most `half_width`,
    found by counting up (the dbt macro solves the equation instead)."""
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


def test_detectable_drop_sizing_audits_the_same_count_whatever_the_volume(
    fresh_project: DbtProject, tmp_path: Path, ticket_generator: ModuleType
) -> None:
    """With var audit_sizing detectable_drop a run audits a count from vars alone (all its new
    tickets when it has fewer), and the drift test's window is the window that count fills in
    var drift_detection_runs runs, across runs."""
    stream = TicketStream(ticket_generator, tmp_path / "tickets.csv", total=720)
    job_vars = {
        "tickets_csv": str(stream._path),
        "bootstrap_ticket_budget": 300,
        "min_finetuned_accuracy": 0.5,
        "audit_sizing": "detectable_drop",
        "max_audit_agreement_drop": 0.2,
        "min_audit_agreement": 0.5,
        "drift_detection_runs": 2,
    }
    # The lowest drift threshold, max(0.5, 0.5 - 0.2), is planned at 0.5; half-width 0.2 / 2.
    window = _fewest_audits_for_wilson_half_width(0.5, 0.1)
    audits_per_run = math.ceil(window / 2)
    stream.deliver(400)
    _run_job(fresh_project, job_vars)
    assert _promotions(fresh_project)[0][1], "the bootstrap model must be promoted"

    def audits_and_teacher_calls(new_tickets: int) -> tuple[int, int]:
        teacher_before = _teacher_calls(fresh_project)
        new = stream.deliver(new_tickets)
        _run_job(fresh_project, job_vars)
        sampling = _sampling(fresh_project)
        audits = sum(sampling[ticket] == "audit" for ticket in new)
        return audits, _teacher_calls(fresh_project) - teacher_before

    assert audits_and_teacher_calls(60) == (audits_per_run, audits_per_run)
    assert audits_and_teacher_calls(240) == (audits_per_run, audits_per_run)
    # Two runs of audits fill the window: it holds the last `window` of them, from the first run.
    assert 2 * audits_per_run > window
    runs = fresh_project.query("select run_started_at from main.audit_agreement order by 1")
    assert len(runs) == 2
    assert fresh_project.query(
        "select rolling_audited_tickets, rolling_window_started_at "
        "from main.audit_agreement where is_latest_run"
    ) == [(window, runs[0][0])]
    # Fewer new tickets than the count: all of them.
    assert audits_and_teacher_calls(20) == (20, 20)


@pytest.mark.parametrize(
    ("bad_vars", "message"),
    [
        (
            {"audit_sizing": "fixed"},
            "var audit_sizing must be 'share' or 'detectable_drop', got fixed",
        ),
        (
            {"audit_sizing": "detectable_drop", "max_audit_agreement_drop": 0},
            "var max_audit_agreement_drop must be above 0 with var audit_sizing detectable_drop",
        ),
        (
            {"audit_sizing": "detectable_drop", "drift_detection_runs": 1.5},
            "var drift_detection_runs must be a whole number >= 1, got 1.5",
        ),
    ],
)
def test_a_bad_audit_sizing_is_a_clear_error(
    fresh_project: DbtProject, bad_vars: dict[str, Any], message: str
) -> None:
    result = fresh_project.invoke(
        "build", "--select", "int_tickets__sampled", vars=bad_vars, expect_success=False
    )
    assert message in result.error_text


def _category_mix_warning(project: DbtProject, job_vars: dict[str, Any]) -> str:
    invocation = project.invoke("test", "--select", "assert_category_mix_is_stable", vars=job_vars)
    (status,) = [
        str(result.status)
        for result in invocation.result.result.results
        if getattr(result.node, "name", None) == "assert_category_mix_is_stable"
    ]
    return status


def test_a_change_in_what_customers_ask_is_flagged_from_every_ticket_without_teacher_calls(
    fresh_project: DbtProject, tmp_path: Path, ticket_generator: ModuleType
) -> None:
    """Day 2 brings tickets like day 1's: the mix is steady. Day 3 brings only two categories
    (chosen by the generator's intended category): the mix warning fires on that run, from the
    categories the model in use gave, while the teacher labels only the audit share."""
    tickets = ticket_generator.generate_tickets(2400, 29, 0)
    two_categories = {"Lost phone", "Roaming fees"}
    usual_days = tickets[:900]
    shifted_day = [t for t in tickets[900:] if t.intended_category in two_categories][:400]
    path = tmp_path / "tickets.csv"
    job_vars = {
        "tickets_csv": str(path),
        "bootstrap_ticket_budget": 400,
        "min_finetuned_accuracy": 0.5,
        "category_mix_window_tickets": 400,
    }
    ticket_generator.write_csv(usual_days[:600], path)
    _run_job(fresh_project, job_vars)
    ticket_generator.write_csv(usual_days, path)
    _run_job(fresh_project, job_vars)
    steady = fresh_project.query(
        "select is_mix_shifted, window_tickets from main.category_mix_drift where is_latest_run"
    )
    assert steady == [(False, 400)]
    assert _category_mix_warning(fresh_project, job_vars) == "pass"

    teacher_before = _teacher_calls(fresh_project)
    ticket_generator.write_csv(usual_days + shifted_day, path)
    _run_job(fresh_project, job_vars)
    shifted = fresh_project.query(
        "select is_mix_shifted, window_tickets, most_shifted_category, "
        "most_shifted_category_window_share > most_shifted_category_trained_on_share "
        "from main.category_mix_drift where is_latest_run"
    )
    assert len(shifted) == 1
    is_shifted, window, most_shifted, grew = shifted[0]
    assert (is_shifted, window) == (True, 400)
    assert most_shifted in two_categories and grew
    assert _category_mix_warning(fresh_project, job_vars) == "warn"
    assert _teacher_calls(fresh_project) - teacher_before == math.ceil(AUDIT_SHARE * 400)


def test_a_failing_candidate_is_recorded_not_promoted_and_the_run_stays_green(
    fresh_project: DbtProject,
) -> None:
    # The bar is out of reach: every step of the job still succeeds (run_main_job raises if not).
    # (FINETUNE's candidate: its answers are paid calls, so what it was sent can be checked.)
    fresh_project.run_main_job(vars={"min_finetuned_accuracy": 0.999, "trainer": "cortex_finetune"})

    (candidate, is_promoted, accuracy, champion, _, reason) = _promotions(fresh_project)[0]
    assert not is_promoted and champion is None
    assert accuracy < 0.999 and "min_finetuned_accuracy" in reason
    staged = fresh_project.scalar("select count(*) from main.stg_support__tickets")
    assert fresh_project.query(
        "select categorization_status, count(*), count(category), count(model) "
        "from main.ticket_categories group by all"
    ) == [("awaiting_promoted_model", staged, 0, 0)]
    # The candidate answered the eval tickets it was judged on, and nothing else.
    eval_tickets = fresh_project.scalar(
        "select count(*) from main.int_promotion_eval_tickets__selected"
    )
    assert _student_calls(fresh_project) == {candidate: eval_tickets}


def test_a_better_retrain_is_promoted_and_categorises_the_new_tickets(
    fresh_project: DbtProject, tmp_path: Path, ticket_generator: ModuleType
) -> None:
    stream = TicketStream(ticket_generator, tmp_path / "tickets.csv", total=1700)
    # v1 learns from a small bootstrap; audits (a large share here) bring more labels.
    job_vars = {
        "tickets_csv": str(stream._path),
        "bootstrap_ticket_budget": 150,
        "audit_share_percent": 60,
        "min_finetuned_accuracy": 0.3,
        "min_eval_tickets_to_judge_models": 20,
        "trainer": "cortex_finetune",
    }
    stream.deliver(300)
    _run_job(fresh_project, job_vars)
    stream.deliver(1300)
    _run_job(fresh_project, job_vars)
    first_model = _promotions(fresh_project)[0][0]

    for step in (
        ("build", "--selector", "prepare_training_data"),
        ("run-operation", "launch_finetune", "--args", "{retrain: true}"),
        ("build", "--selector", "train_students"),
        ("run-operation", "describe_finetune", "--args", "{wait: true}"),
        ("build", "--selector", "evaluate_candidate"),
        ("run-operation", "evaluate_and_promote_candidate"),
        ("build", "--selector", "score_with_finetuned_model"),
    ):
        fresh_project.invoke(*step, vars=job_vars)

    first, second = _promotions(fresh_project)
    assert second[0] == first_model + "_v2" and second[3] == first_model
    assert second[1], second
    # Judged on the same eval tickets: better than v1 there, beyond the margin's doubt.
    accuracies = dict(
        fresh_project.query(
            "select 'v2', avg(case when is_candidate_correct then 1.0 else 0 end) "
            "from main.int_candidate_evaluation__compared union all "
            "select 'v1', avg(case when is_champion_correct then 1.0 else 0 end) "
            "from main.int_candidate_evaluation__compared"
        )
    )
    assert accuracies["v2"] > accuracies["v1"]
    assert second[4] > -PROJECT_VARS["promotion_margin"]
    trained_rows = fresh_project.query(
        "select model_name, training_query from main.finetune_jobs order by launched_at"
    )
    assert [row[0] for row in trained_rows] == [first_model, first_model + "_v2"]
    # v2 trained on every teacher label so far (bootstrap and audits), train split only.
    pairs = fresh_project.scalar(
        "select count(*) from main.int_training_pairs__prepared where split = 'train'"
    )
    labelled_train = fresh_project.scalar(
        "select count(*) from main.int_teacher_labels__normalized "
        "where split = 'train' and category != 'Unknown'"
    )
    assert pairs == labelled_train > 150 * 0.8

    # New tickets are categorised by v2; older ones keep v1 (rescore_after_promotion new_tickets).
    before = dict(fresh_project.query("select ticket_id, model from main.ticket_categories"))
    assert set(before.values()) == {first_model}
    new = stream.deliver(100)
    _run_job(fresh_project, job_vars)
    after = dict(fresh_project.query("select ticket_id, model from main.ticket_categories"))
    assert {after[ticket] for ticket in new} == {second[0]}
    assert {ticket: after[ticket] for ticket in before} == before


def test_full_refresh_keeps_paid_answers_unless_the_model_is_named(
    fresh_project: DbtProject,
) -> None:
    fresh_project.invoke("build", "--selector", "prepare_training_data")
    labelled = fresh_project.scalar("select count(*) from main.int_teacher_labels__requested")
    calls = _teacher_calls(fresh_project)
    assert labelled == calls > 0

    refreshed = fresh_project.invoke(
        "build", "--selector", "prepare_training_data", "--full-refresh"
    )
    assert refreshed.success
    assert _teacher_calls(fresh_project) == calls
    assert (
        fresh_project.scalar("select count(*) from main.int_teacher_labels__requested") == labelled
    )

    fresh_project.invoke(
        "build",
        "--select",
        "int_teacher_labels__requested",
        "--full-refresh",
        vars={"refresh_paid_answers": ["int_teacher_labels__requested"]},
    )
    assert _teacher_calls(fresh_project) == 2 * calls


def test_a_run_killed_mid_stage_keeps_its_answered_chunks(
    tmp_path: Path, ticket_generator: ModuleType
) -> None:
    tickets, chunk = 6000, 200
    csv_path = tmp_path / "tickets.csv"
    ticket_generator.write_csv(ticket_generator.generate_tickets(tickets, 5, 0), csv_path)
    project = DbtProject.create(tmp_path / "project")
    job_vars = {
        "tickets_csv": str(csv_path),
        "bootstrap_ticket_budget": tickets,
        "cortex_chunk_rows": chunk,
        "cortex_max_rows_per_model": tickets,
    }
    prepare = next(step for step in MAIN_JOB if "prepare_training_data" in step)

    # Real dbt processes (this one never opens the database while they run: DuckDB locks it).
    def dbt_process(*args: str) -> subprocess.Popen[str]:
        command = [
            str(Path(sys.executable).with_name("dbt")),
            *args,
            "--project-dir",
            str(PROJECT_DIR),
            *project.path_flags,
            "--vars",
            json.dumps(job_vars),
        ]
        environment = {
            **os.environ,
            "SUPPORT_TICKETS_DUCKDB_PATH": str(project.database_path),
            "DBT_TARGET": "local",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "PYTHONUNBUFFERED": "1",
        }
        return subprocess.Popen(
            command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    def run_to_the_end(*args: str) -> None:
        process = dbt_process(*args)
        output, _ = process.communicate()
        assert process.returncode == 0, output[-3000:]

    run_to_the_end("run-operation", "load_support_tickets")

    # The stage, killed (SIGKILL: no cleanup, no rollback) once it has committed its third chunk.
    process = dbt_process(*prepare)
    assert process.stdout is not None
    seen: list[str] = []
    for line in process.stdout:
        seen.append(line)
        if "int_teacher_labels__requested: committed chunk 3 " in line:
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait()
    assert process.returncode == -signal.SIGKILL, "".join(seen[-20:])

    kept = project.scalar("select count(*) from main.int_teacher_labels__requested")
    calls_before_rerun = _teacher_calls(project)
    staged = project.scalar("select count(*) from main.stg_support__tickets")
    assert 3 * chunk <= kept < staged  # killed mid-stage, the committed chunks survived
    assert calls_before_rerun <= kept + chunk  # at most the chunk in flight was lost

    run_to_the_end(*prepare)
    assert project.scalar("select count(*) from main.int_teacher_labels__requested") == staged
    assert _teacher_calls(project) <= staged + chunk
