"""The main job on the synthetic seed, asserted on the rows it writes."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from types import ModuleType

import pytest
from dbt_harness import PROJECT_DIR, DbtProject
from project_vars import PROJECT_VARS

SEED_PATH = PROJECT_DIR / "seeds" / "support_tickets.csv"


@pytest.fixture(scope="session")
def seed_tickets(ticket_generator: ModuleType) -> list:
    tickets = ticket_generator.generate_tickets(600, seed=42)
    assert SEED_PATH.read_bytes() == _csv_bytes(ticket_generator, tickets), (
        "seeds/support_tickets.csv is stale: run `python scripts/generate_tickets.py`"
    )
    return tickets


def _csv_bytes(ticket_generator: ModuleType, tickets: list) -> bytes:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "tickets.csv"
        ticket_generator.write_csv(tickets, path)
        return path.read_bytes()


def test_every_source_row_is_staged_or_quarantined_with_a_reason(
    built_project: DbtProject, seed_tickets: list
) -> None:
    source_rows = built_project.scalar("select count(*) from main_raw.support_tickets")
    staged = built_project.scalar("select count(*) from main.stg_support__tickets")
    reasons = dict(
        built_project.query(
            "select quarantine_reason, count(*) from main.stg_support__tickets_quarantined group by 1"
        )
    )

    assert source_rows == len(seed_tickets)
    duplicate_rows = len(seed_tickets) - len({ticket.ticket_id.strip() for ticket in seed_tickets})
    assert duplicate_rows > 0
    assert reasons == {"duplicate ticket_id": duplicate_rows}
    assert staged + sum(reasons.values()) == source_rows


def test_deduplication_keeps_one_row_per_id_whatever_the_load_order(
    built_project: DbtProject,
) -> None:
    kept = built_project.query(
        """
        select staged.ticket_id, staged.source_row_fingerprint, min(quarantined.source_row_fingerprint)
        from main.stg_support__tickets as staged
        inner join main.stg_support__tickets_quarantined as quarantined using (ticket_id)
        group by all
        """
    )
    assert kept
    for ticket_id, kept_fingerprint, dropped_fingerprint in kept:
        assert kept_fingerprint < dropped_fingerprint, ticket_id


def test_staging_trims_and_keeps_text_intact(built_project: DbtProject) -> None:
    padded = built_project.scalar(
        "select count(*) from main.stg_support__tickets where customer_name != trim(customer_name) or request != trim(request)"
    )
    with_newlines = built_project.scalar(
        "select count(*) from main.stg_support__tickets where request like '%' || chr(10) || '%'"
    )
    with_quotes = built_project.scalar(
        """select count(*) from main.stg_support__tickets where request like '%"%' and request like '%''%'"""
    )
    assert padded == 0
    assert with_newlines > 0
    assert with_quotes > 0


def test_split_matches_pythons_hashlib_for_every_ticket(built_project: DbtProject) -> None:
    rows = built_project.query("select ticket_id, split_bucket, split from main.int_tickets__split")
    assert len(rows) == built_project.scalar("select count(*) from main.stg_support__tickets")
    for ticket_id, bucket, split in rows:
        expected = int(hashlib.md5(ticket_id.encode("utf-8")).hexdigest()[:16], 16) % 100
        assert bucket == expected, ticket_id
        assert split == ("train" if expected < 80 else "eval")
    train_share = sum(split == "train" for _, _, split in rows) / len(rows)
    assert 0.7 < train_share < 0.9


def test_teacher_labels_every_ticket_with_a_valid_category(built_project: DbtProject) -> None:
    labels = built_project.query(
        "select ticket_id, category, raw_response, model, backend, is_structured_output "
        "from main.int_teacher_labels__normalized"
    )
    staged_ids = {
        row[0] for row in built_project.query("select ticket_id from main.stg_support__tickets")
    }
    assert {row[0] for row in labels} == staged_ids
    categories = {
        row[0] for row in built_project.query("select category from main.valid_categories")
    }
    assert {row[1] for row in labels} <= categories | {"Unknown"}
    assert {(row[3], row[4]) for row in labels} == {
        (PROJECT_VARS["teacher_model"], "local-emulator")
    }
    # The teacher is asked with structured output (the catalog says it supports it): every
    # answer is a JSON object whose category is one of the valid categories. How often it is
    # right is measured on hand-labelled requests (test_emulator_categorisation.py) and real
    # ones (benchmarks/clinc150.py), not against the generator's answer key.
    assert {row[5] for row in labels} == {True}
    assert all(json.loads(row[2])["category"] in categories for row in labels)


def test_training_pairs_are_the_request_and_the_teachers_category(
    built_project: DbtProject,
) -> None:
    pairs = built_project.query(
        "select pairs.split, pairs.prompt, pairs.completion, tickets.request, labels.category, "
        "prompts.prompt "
        "from main.int_training_pairs__prepared as pairs "
        "join main.stg_support__tickets as tickets using (ticket_id) "
        "join main.int_teacher_labels__normalized as labels using (ticket_id) "
        "join main.int_tickets__prompted_for_categorization as prompts using (ticket_id)"
    )
    splits = Counter(row[0] for row in pairs)
    assert splits["train"] > 3 * splits["eval"] > 0
    # The fine-tuned model learns from the request alone: the teacher's instructions and category
    # list (most of its prompt) are not in the pair, so they are not paid for at every call.
    limit = PROJECT_VARS["max_request_characters"]
    assert all(prompt == request[:limit] for _, prompt, _, request, _, _ in pairs)
    assert all(
        len(prompt) < len(teacher_prompt) / 2 for _, prompt, _, _, _, teacher_prompt in pairs
    )
    assert all(completion == category != "Unknown" for _, _, completion, _, category, _ in pairs)


def test_the_default_student_is_an_embedding_classifier_trained_in_sql(
    built_project: DbtProject,
) -> None:
    jobs = built_project.query(
        "select job_id, model_name, trainer, base_model, status, trained_tokens from main.finetune_jobs"
    )
    assert len(jobs) == 1
    job_id, model_name, trainer, base_model, status, trained_tokens = jobs[0]
    database = built_project.database_path.stem
    assert model_name == f"{database}.main.{PROJECT_VARS['embedding_classifier_name']}"
    assert (trainer, base_model, status, trained_tokens) == (
        "embedding_classifier",
        PROJECT_VARS["embedding_model"],
        "SUCCESS",
        0,
    )
    # One centroid per category, averaging exactly the train-split pairs labelled before the launch.
    centroids = built_project.query(
        "select category, training_examples, len(centroid) from main.int_student_centroids__trained"
        " where job_id = ?",
        [job_id],
    )
    categories = {
        row[0] for row in built_project.query("select category from main.valid_categories")
    }
    assert {row[0] for row in centroids} == categories
    assert all(length == 384 for *_, length in centroids)  # the emulator's encoder
    pairs_per_category = dict(
        built_project.query(
            "select completion, count(*) from main.int_training_pairs__prepared"
            " where split = 'train' group by completion"
        )
    )
    assert {row[0]: row[1] for row in centroids} == pairs_per_category
    # Every ticket was embedded once (one paid AI_EMBED call each), with the embedding model.
    embedded = built_project.query(
        "select model, count(*), count(distinct ticket_id) from main.int_ticket_embeddings__requested"
        " group by model"
    )
    tickets = built_project.scalar("select count(*) from main.stg_support__tickets")
    assert embedded == [(PROJECT_VARS["embedding_model"], tickets, tickets)]


def test_finetune_job_is_recorded_with_its_final_status(
    built_finetune_project: DbtProject,
) -> None:
    jobs = built_finetune_project.query(
        "select job_id, model_name, base_model, status, trained_tokens, training_loss, validation_loss, "
        "training_query, validation_query, launched_at, finished_at, trainer from main.finetune_jobs"
    )
    assert len(jobs) == 1
    (
        job_id,
        model_name,
        base_model,
        status,
        trained_tokens,
        training_loss,
        validation_loss,
        training_query,
        validation_query,
        launched_at,
        finished_at,
        trainer,
    ) = jobs[0]
    database = built_finetune_project.database_path.stem
    assert model_name == f"{database}.main.{PROJECT_VARS['finetuned_model_name']}"
    assert (base_model, trainer) == (PROJECT_VARS["finetune_base_model"], "cortex_finetune")
    assert status == "SUCCESS"
    assert trained_tokens > 0 and training_loss >= 0 and validation_loss >= 0
    assert "where split = 'train'" in training_query and "where split = 'eval'" in validation_query
    assert launched_at is not None and finished_at is not None

    described = json.loads(
        built_finetune_project.scalar("select cortex_finetune_describe(?)", [job_id])
    )
    assert described["status"] == "SUCCESS" and described["model"].lower() == model_name.lower()
    # The FINETUNE run embeds nothing: no embedding classifier is configured or trained.
    assert (
        built_finetune_project.scalar("select count(*) from main.int_ticket_embeddings__requested")
        == 0
    )


@pytest.mark.parametrize(
    ("project_fixture", "family_var"),
    [
        ("built_project", "embedding_classifier_name"),
        ("built_finetune_project", "finetuned_model_name"),
    ],
)
def test_the_student_categorises_every_ticket_and_agrees_with_the_teacher(
    project_fixture: str, family_var: str, request: pytest.FixtureRequest
) -> None:
    project: DbtProject = request.getfixturevalue(project_fixture)
    rows = project.query(
        "select ticket_id, category, raw_response, model, split, is_agreeing_with_teacher from main.ticket_categories"
    )
    assert len(rows) == project.scalar("select count(*) from main.stg_support__tickets")
    assert all(category is not None for _, category, *_ in rows)
    assert {row[3] for row in rows} == {
        f"{project.database_path.stem}.main.{PROJECT_VARS[family_var]}"
    }
    eval_rows = [row for row in rows if row[4] == "eval"]
    agreement = sum(bool(row[5]) for row in eval_rows) / len(eval_rows)
    assert agreement >= 0.85, agreement
    # The student answers exactly a category.
    categories = {row[0] for row in project.query("select category from main.valid_categories")}
    assert sum(row[2] in categories for row in rows) / len(rows) >= 0.95


def test_messages_follow_the_channel_and_word_limits(built_project: DbtProject) -> None:
    rows = built_project.query(
        "select customer_name, contact_preference, channel, message, word_count, word_limit from main.ticket_messages"
    )
    assert len(rows) == built_project.scalar("select count(*) from main.stg_support__tickets")
    for name, preference, channel, message, word_count, word_limit in rows:
        assert word_count <= word_limit
        assert message
        assert word_count == len(message.split())
        if preference == "Text Message":
            assert channel == "text message" and word_count < 25
        else:
            assert channel == "email" and word_count <= 100
        assert name.split()[0] in message
    assert {row[2] for row in rows} == {"text message", "email"}


def test_rerun_makes_no_model_calls_and_changes_no_mart_row(built_project: DbtProject) -> None:
    before_calls = built_project.call_counts()
    before_categories = built_project.query(
        "select * exclude (categorized_at) from main.ticket_categories order by ticket_id"
    )
    before_messages = built_project.query("select * from main.ticket_messages order by ticket_id")

    for step in (
        ("build", "--selector", "prepare_training_data"),
        ("build", "--selector", "score_with_finetuned_model"),
        ("build", "--selector", "evaluate_models"),
        ("build", "--selector", "generate_messages"),
    ):
        built_project.invoke(*step)

    assert built_project.call_counts() == before_calls
    assert (
        built_project.query(
            "select * exclude (categorized_at) from main.ticket_categories order by ticket_id"
        )
        == before_categories
    )
    assert (
        built_project.query("select * from main.ticket_messages order by ticket_id")
        == before_messages
    )


def test_docs_are_generated_with_the_whole_lineage(built_project: DbtProject) -> None:
    manifest = json.loads((built_project.target_path / "manifest.json").read_text())
    catalog = json.loads((built_project.target_path / "catalog.json").read_text())
    assert (built_project.target_path / "index.html").exists()
    models = {
        node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "model"
    }
    assert {
        "stg_support__tickets",
        "int_teacher_labels__requested",
        "ticket_categories",
        "ticket_messages",
    } <= models
    assert any(key.endswith("ticket_messages") for key in catalog["nodes"])
    scoring = next(
        node
        for node in manifest["nodes"].values()
        if node["name"] == "int_finetuned_categories__requested"
    )
    # The fine-tuned model AI_COMPLETE must name comes from the promotions table (macro
    # promoted_finetuned_model); which tickets it answers is a join on the assignments.
    assert "source.support_ticket_llm.finetuning.model_promotions" in scoring["depends_on"]["nodes"]
    assert (
        "model.support_ticket_llm.int_tickets__assigned_student" in scoring["depends_on"]["nodes"]
    )
