"""The run-operations and the user-CSV path, each on a database of its own."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from catalog_models import CATALOG_ROWS, usable_models
from dbt_harness import DbtInvocation, DbtProject
from project_vars import PROJECT_VARS

QUICKSTART_HEADER = [
    "TICKET_ID",
    "Customer_Name",
    "customer_email",
    "Service_Type",
    "REQUEST",
    "contact_preference",
]


def _write_user_csv(path: Path) -> list[list[str]]:
    rows = [
        [
            "9001",
            "Ana O'Neil",
            "ana@example.com",
            "Cellular",
            "I was charged €40 for roaming\nwhile in Lisbon, that's too much!",
            "Email",
        ],
        [
            "9002",
            'Bo "Bobby" Li',
            "bo@example.com",
            "Home Internet",
            'My internet is so slow, "speed test" says 3 Mbps.',
            "Text Message",
        ],
        [
            "9003",
            "Zoë Ærø",
            "zoe@example.com",
            "Cellular",
            "Somebody stole my phone on the train, please block it.",
            "Email",
        ],
        [
            "9004",
            "Sam",
            "sam@example.com",
            "Business Internet",
            "Please cancel my account, we are moving abroad for good",
            "Email",
        ],
        [
            "9005",
            "Kim",
            "kim@example.com",
            "Cellular",
            "I'd like to add a new line for my son.",
            "Text Message",
        ],
        [
            "9005",
            "Kim Two",
            "kim2@example.com",
            "Cellular",
            "Duplicate id, different customer.",
            "Email",
        ],
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(QUICKSTART_HEADER)
        writer.writerows(rows)
    return rows


def test_a_users_csv_runs_through_the_whole_flow(fresh_project: DbtProject, tmp_path: Path) -> None:
    csv_path = tmp_path / "my tickets.csv"
    rows = _write_user_csv(csv_path)
    # Five tickets: too few to judge a candidate by default; this user accepts any model.
    user_vars = {
        "tickets_csv": str(csv_path),
        "train_share_percent": 50,
        "min_eval_tickets_to_judge_models": 1,
        "min_finetuned_accuracy": 0,
    }

    fresh_project.invoke("run-operation", "load_support_tickets", vars=user_vars)
    loaded = fresh_project.query(
        "select ticket_id, customer_name, request from main_raw.support_tickets order by ticket_id, customer_name"
    )
    assert [tuple(row) for row in loaded] == sorted((row[0], row[1], row[4]) for row in rows)

    fresh_project.run_main_job(vars=user_vars)
    assert fresh_project.scalar("select count(*) from main.ticket_categories") == 5
    assert fresh_project.scalar("select count(*) from main.stg_support__tickets_quarantined") == 1
    # The seed is disabled when a CSV is given: the synthetic tickets never enter.
    assert fresh_project.scalar("select count(*) from main_raw.support_tickets") == len(rows)
    assert (
        fresh_project.scalar("select count(*) from main.ticket_messages where message is not null")
        == 5
    )


def test_a_csv_without_the_quickstart_columns_is_refused_by_name(
    fresh_project: DbtProject, tmp_path: Path
) -> None:
    csv_path = tmp_path / "bad.csv"
    csv_path.write_text("ticket_id,name,request\n1,Al,hello\n", encoding="utf-8")
    result = fresh_project.invoke(
        "run-operation",
        "load_support_tickets",
        vars={"tickets_csv": str(csv_path)},
        expect_success=False,
    )
    assert "customer_name" in result.error_text and "contact_preference" in result.error_text


def test_scoring_before_any_promotion_keeps_every_ticket_awaiting_a_model(
    fresh_project: DbtProject,
) -> None:
    fresh_project.invoke("build", "--selector", "prepare_training_data")
    fresh_project.invoke("build", "--selector", "score_with_finetuned_model")
    staged = fresh_project.scalar("select count(*) from main.stg_support__tickets")
    assert fresh_project.query(
        "select categorization_status, count(*), count(category) "
        "from main.ticket_categories group by all"
    ) == [("awaiting_promoted_model", staged, 0)]
    finetuned_name = PROJECT_VARS["finetuned_model_name"].lower()
    assert not [
        model for _, model in fresh_project.call_counts() if finetuned_name in model.lower()
    ]


def test_launch_refuses_a_second_job_while_one_runs_unless_told(fresh_project: DbtProject) -> None:
    """FINETUNE trains asynchronously: a second launch while a job runs is refused. (The default
    trainer's version is trained by the next build: a second launch returns the pending job.)"""
    finetune = {"trainer": "cortex_finetune"}
    finetune_jobs = "from main.finetune_jobs where trainer = 'cortex_finetune'"
    fresh_project.invoke("build", "--selector", "prepare_training_data")
    fresh_project.invoke("run-operation", "launch_finetune")
    fresh_project.invoke("run-operation", "launch_finetune")
    assert fresh_project.query("select trainer, status from main.finetune_jobs") == [
        ("embedding_classifier", "LAUNCHED")
    ]

    fresh_project.invoke("run-operation", "launch_finetune", vars=finetune)
    first_job = fresh_project.scalar(f"select job_id {finetune_jobs}")
    assert fresh_project.scalar(f"select status {finetune_jobs}") == "LAUNCHED"

    refused = fresh_project.invoke(
        "run-operation", "launch_finetune", vars=finetune, expect_success=False
    )
    assert first_job in refused.error_text
    assert fresh_project.scalar(f"select count(*) {finetune_jobs}") == 1

    fresh_project.invoke(
        "run-operation",
        "launch_finetune",
        "--args",
        "{allow_concurrent: true, max_epochs: 2}",
        vars=finetune,
    )
    jobs = fresh_project.query(f"select job_id, options {finetune_jobs} order by launched_at")
    assert len(jobs) == 2 and json.loads(jobs[1][1]) == {"max_epochs": 2}

    fresh_project.invoke(
        "run-operation",
        "describe_finetune",
        "--args",
        json.dumps({"job_id": jobs[1][0], "wait": True}),
        vars=finetune,
    )
    statuses = dict(fresh_project.query(f"select job_id, status {finetune_jobs}"))
    assert statuses[jobs[1][0]] == "SUCCESS" and statuses[first_job] == "LAUNCHED"


def test_describe_fails_with_the_jobs_error(fresh_project: DbtProject) -> None:
    fresh_project.invoke("build", "--selector", "prepare_training_data")
    with fresh_project.connect() as connection:
        job_id = connection.execute(
            "select cortex_finetune_create('x.main.empty_model', ?, "
            "'select prompt, completion from main.int_training_pairs__prepared where false', null, null)",
            [PROJECT_VARS["finetune_base_model"]],
        ).fetchone()[0]
    result = fresh_project.invoke(
        "run-operation",
        "describe_finetune",
        "--args",
        json.dumps({"job_id": job_id}),
        expect_success=False,
    )
    assert "ERROR" in result.error_text and job_id in result.error_text


def test_a_new_student_version_is_what_scoring_uses(fresh_project: DbtProject) -> None:
    fresh_project.run_main_job()
    # v2 is judged against v1 and, as good, promoted; every_ticket: it re-categorises all.
    fresh_project.run_main_job(
        vars={"finetuned_model_version": "v2", "rescore_after_promotion": "every_ticket"}
    )
    models = {
        row[0] for row in fresh_project.query("select distinct model from main.ticket_categories")
    }
    # The default trainer's family: the embedding classifier.
    assert len(models) == 1
    assert models.pop().endswith(PROJECT_VARS["embedding_classifier_name"] + "_v2")
    names = {
        row[0]
        for row in fresh_project.query(
            "select model_name from main.finetune_jobs where status = 'SUCCESS'"
        )
    }
    assert len(names) == 2


@pytest.mark.parametrize("bad_value", [0, 100, "eighty", 80.5, True])
def test_a_bad_train_share_is_a_clear_error(fresh_project: DbtProject, bad_value: object) -> None:
    result = fresh_project.invoke(
        "build",
        "--select",
        "int_tickets__split",
        vars={"train_share_percent": bad_value},
        expect_success=False,
    )
    assert "var train_share_percent must be a whole number from 1 to 99" in result.error_text


def _dbt_log_of(project: DbtProject, *args: str, **kwargs: object) -> tuple[DbtInvocation, str]:
    """Run a dbt command; return it and what it wrote to the project's dbt.log (its warnings
    included, which the invocation does not collect)."""
    log_file = project.workdir / "logs" / "dbt.log"
    before = log_file.stat().st_size if log_file.exists() else 0
    invocation = project.invoke(*args, **kwargs)
    with log_file.open(encoding="utf-8") as handle:
        handle.seek(before)
        return invocation, handle.read()


def _usable_line(log_text: str) -> str:
    [line] = [line for line in log_text.splitlines() if " are usable (" in line]
    return line[line.index("check_cortex_models") :]


def test_the_preflight_checks_the_vars_against_the_catalog_locally(
    fresh_project: DbtProject,
) -> None:
    """On the local target the catalog decides: a retired teacher and (with trainer
    cortex_finetune) a base model FINETUNE does not accept are refused before anything runs, each
    with the usable models of its role."""
    retired = next(
        row for row in CATALOG_ROWS if row["lifecycle"] == "retired" and "teacher" in row["roles"]
    )
    not_a_base = next(
        name
        for name in usable_models(role="teacher")
        if name not in usable_models(role="finetune_base")
    )
    fresh_project.invoke("seed", "--select", "cortex_models")
    refused = fresh_project.invoke(
        "run-operation",
        "check_cortex_models",
        vars={
            "trainer": "cortex_finetune",
            "teacher_model": retired["model_name"],
            "finetune_base_model": not_a_base,
        },
        expect_success=False,
    )
    assert f"teacher_model = {retired['model_name']}: retired" in refused.error_text
    assert f"finetune_base_model = {not_a_base}: FINETUNE does not accept it as a base model" in (
        refused.error_text
    )
    bases = ", ".join(sorted(usable_models(role="finetune_base")))
    assert f"Usable finetune_base models in the catalog: {bases}." in refused.error_text
    assert (
        fresh_project.scalar("select count(*) from duckdb_tables() where table_name like 'int_%'")
        == 0
    )  # nothing was built


def test_the_preflight_checks_the_default_trainers_embedding_model_locally(
    fresh_project: DbtProject,
) -> None:
    """Default vars (trainer embedding_classifier): the teacher, the message writer and the
    embedding model are checked, FINETUNE's base model is not; an embedding_model that is not an
    AI_EMBED row of the catalog is refused, naming the usable embedding models."""
    fresh_project.invoke("seed", "--select", "cortex_models")
    _, log_text = _dbt_log_of(fresh_project, "run-operation", "check_cortex_models")
    assert _usable_line(log_text) == (
        "check_cortex_models (trainer embedding_classifier): "
        f"teacher_model {PROJECT_VARS['teacher_model']}, "
        f"message_model {PROJECT_VARS['message_model']}, "
        f"embedding_model {PROJECT_VARS['embedding_model']} are usable (catalog)."
    )
    assert "finetune_base_model" not in log_text and "FINETUNE" not in log_text

    teacher = PROJECT_VARS["teacher_model"]
    refused = fresh_project.invoke(
        "run-operation",
        "check_cortex_models",
        vars={"embedding_model": teacher},
        expect_success=False,
    )
    embedding_models = sorted(
        row["model_name"] for row in CATALOG_ROWS if row["priced_as"] == "ai_embed"
    )
    assert len(embedding_models) >= 2
    assert (
        f"embedding_model = {teacher}: not an AI_EMBED model: the catalog prices it as "
        f"ai_complete. Usable embedding models in the catalog: {', '.join(embedding_models)}."
    ) in refused.error_text


def test_the_preflight_warns_about_the_legacy_finetuned_model_locally_and_goes_on(
    fresh_project: DbtProject,
) -> None:
    """Trainer cortex_finetune on the local target: the model FINETUNE would train is legacy
    since the catalog's date, which a new Snowflake account could not call: a warning (the
    emulator serves legacy models to every account), and FINETUNE's deprecation is another."""
    base = PROJECT_VARS["finetune_base_model"]
    finetuned = next(row for row in CATALOG_ROWS if row["model_name"] == f"{base}:finetuned")
    assert finetuned["lifecycle"] == "legacy" and finetuned["legacy_on"]
    fresh_project.invoke("seed", "--select", "cortex_models")
    _, log_text = _dbt_log_of(
        fresh_project, "run-operation", "check_cortex_models", vars={"trainer": "cortex_finetune"}
    )
    lines = log_text.splitlines()
    legacy = [line for line in lines if f"{base}:finetuned) is legacy" in line]
    assert len(legacy) == 1 and "[warn ]" in legacy[0], log_text
    assert f"legacy since {finetuned['legacy_on']}" in legacy[0]
    assert "If your account had not used the model anywhere before" in legacy[0]
    assert "a new Snowflake account could not call it" in legacy[0]
    assert "--vars '{trainer: embedding_classifier}'" in legacy[0]
    [deprecation] = [line for line in lines if "scheduled for deprecation in Q1 2027" in line]
    assert "[warn ]" in deprecation and "trainer = cortex_finetune" in deprecation
    assert _usable_line(log_text) == (
        "check_cortex_models (trainer cortex_finetune): "
        f"teacher_model {PROJECT_VARS['teacher_model']}, "
        f"message_model {PROJECT_VARS['message_model']}, finetune_base_model {base}, "
        f"its fine-tuned model {base}:finetuned are usable (catalog)."
    )

    # Before the legacy date the same run is told when the model becomes legacy.
    day_before = dt.date.fromisoformat(finetuned["legacy_on"]) - dt.timedelta(days=1)
    _, log_text = _dbt_log_of(
        fresh_project,
        "run-operation",
        "check_cortex_models",
        vars={"trainer": "cortex_finetune", "preflight_as_of": day_before.isoformat()},
    )
    assert f"becomes legacy on {finetuned['legacy_on']} (in 1 days)" in log_text
    assert f"{base}:finetuned) is legacy" not in log_text
