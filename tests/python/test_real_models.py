"""The main job with a real language model: SmolLM2-135M-Instruct (Apache-2.0), served by
llama-cpp-python's OpenAI-compatible server on 127.0.0.1, which real_models starts on a free
port and stops. It answers the teacher, the zero-shot small model (plain and structured) and
the message writer for a handful of the synthetic tickets; the student is the embedding
classifier on the emulator's encoder. `make test` installs the runtime and the model first
(real_models install)."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from dbt_harness import PROJECT_DIR, DbtProject

from real_models.backend import SERVER_LABEL, backend_environment, run_vars
from real_models.install import runtime_installed
from real_models.model_packages import LINE_UPS, SMOLLM2_135M
from real_models.server import LocalModelServer

LINE_UP = LINE_UPS["smollm2"]
PROVENANCE = f"openai-compatible:{SERVER_LABEL}/{SMOLLM2_135M.alias}"
HANDFUL = 12
# Twelve tickets leave two or three eval tickets: judge and promote the student on them, so
# that the writer has categorised tickets to answer.
SMALL_SET_VARS = {"min_eval_tickets_to_judge_models": 1, "min_finetuned_accuracy": 0.0}
WORD_LIMIT_TEST = "expression_is_true_ticket_messages_word_count_word_limit"


@dataclass
class RealRun:
    project: DbtProject
    vars: dict[str, Any]
    server_pid: int
    served_models: list[str]
    categories: list[str]


def _category_key(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower()).strip() + " "


def expected_category(answer: str | None, categories: list[str]) -> str:
    """The documented normalisation (macros/categories/categorize_responses.sql), read
    independently: the JSON `category` when the answer is a JSON object with one, else the
    text; the category it is, else the one category it names as words, else Unknown."""
    text = answer or ""
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if isinstance(document, dict) and isinstance(document.get("category"), str):
        text = document["category"]
    key = _category_key(text)
    exact = [category for category in categories if _category_key(category) == key]
    if exact:
        return exact[0]
    named = [category for category in categories if _category_key(category) in key]
    return named[0] if len(named) == 1 else "Unknown"


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> RealRun:
    assert runtime_installed(), "llama-cpp-python is missing: `make test` installs it first"
    workdir = tmp_path_factory.mktemp("real_models")
    with (PROJECT_DIR / "seeds" / "support_tickets.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))[:HANDFUL]
    tickets = workdir / "tickets.csv"
    with tickets.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    user_vars = {"tickets_csv": str(tickets), **SMALL_SET_VARS}
    dbt_vars = run_vars(user_vars)
    with LocalModelServer(LINE_UP.packages) as server:
        project = DbtProject.create(
            workdir / "project", env=backend_environment(server.base_url, LINE_UP, user_vars)
        )
        project.invoke("run-operation", "load_support_tickets", vars=dbt_vars)
        project.run_main_job(vars=dbt_vars)
        server_pid = server.pid
        served = server.served_models()
    assert server_pid is not None
    categories = [row[0] for row in project.query("select category from main.valid_categories")]
    return RealRun(project, dbt_vars, server_pid, served, categories)


def test_the_server_served_the_model_on_loopback_and_was_stopped(real_run: RealRun) -> None:
    assert real_run.served_models == [SMOLLM2_135M.alias]
    with pytest.raises(ProcessLookupError):
        os.kill(real_run.server_pid, 0)


def test_every_call_of_the_three_roles_was_answered_by_the_real_model(real_run: RealRun) -> None:
    project = real_run.project
    for table, answer in [
        ("int_teacher_labels__requested", "raw_response"),
        ("int_base_model_categories__requested", "raw_response"),
        ("int_messages__requested", "message"),
    ]:
        rows = project.query(f"select backend, {answer} from main.{table}")
        assert rows, table
        assert {backend for backend, _ in rows} == {PROVENANCE}, table
        assert all(text is not None for _, text in rows), f"{table}: a call failed"
    assert project.scalar("select count(*) from main.int_teacher_labels__requested") == HANDFUL
    logged = project.query(
        "select backend, sum(rows), sum(requests), sum(failed_rows) from cortex_emulator.calls "
        "where backend <> 'local-emulator' group by backend"
    )
    assert len(logged) == 1
    backend, rows, requests, failed = logged[0]
    assert backend == f"openai-compatible:{SERVER_LABEL}"
    assert rows == requests > HANDFUL and failed == 0
    # The student is the embedding classifier (the default trainer), scored in SQL over
    # centroids of the real model's labels; the emulator's encoder answers AI_EMBED.
    students = project.query(
        "select distinct backend from main.ticket_categories where backend is not null"
    )
    assert students == [("sql-nearest-centroid",)]
    embedding_backends = project.query(
        "select distinct backend from main.int_ticket_embeddings__requested"
    )
    assert embedding_backends == [("local-emulator",)]


def test_the_server_took_the_json_schema_and_answered_valid_categories(
    real_run: RealRun,
) -> None:
    structured = real_run.project.query(
        "select raw_response from main.int_teacher_labels__requested where is_structured_output "
        "union all select raw_response from main.int_base_model_categories__requested "
        "where is_structured_output"
    )
    assert len(structured) > HANDFUL
    for (answer,) in structured:
        assert json.loads(answer)["category"] in real_run.categories, answer
    validity = dict(
        real_run.project.query("select model_role, format_validity from main.model_evaluation")
    )
    assert validity["base_zero_shot_structured"] == 1.0


def test_every_real_answer_is_normalised_and_keeps_its_raw_text(real_run: RealRun) -> None:
    rows = real_run.project.query(
        "select raw_response, category from main.int_teacher_labels__normalized "
        "union all select raw_response, predicted_category "
        "from main.int_evaluation_predictions__unioned where model_role like 'base_zero_shot%'"
    )
    assert rows
    plain = real_run.project.query(
        "select raw_response from main.int_evaluation_predictions__unioned "
        "where model_role = 'base_zero_shot'"
    )
    assert plain and all(answer for (answer,) in plain)
    for answer, category in rows:
        assert answer is not None
        assert category == expected_category(answer, real_run.categories), answer


def test_replies_over_their_word_limit_are_flagged_and_counted(real_run: RealRun) -> None:
    project = real_run.project
    rows = project.query(
        "select word_count, word_limit, is_over_word_limit, backend from main.ticket_messages "
        "where categorization_status = 'categorized'"
    )
    assert len(rows) == HANDFUL
    assert all(backend == PROVENANCE for *_, backend in rows)
    assert all(flag == (count > limit) for count, limit, flag, _ in rows)
    flagged = sum(flag for _, _, flag, _ in rows)
    invocation = project.invoke(
        "test", "--select", WORD_LIMIT_TEST, vars=real_run.vars, expect_success=True
    )
    (result,) = [
        item for item in invocation.result.result.results if WORD_LIMIT_TEST in item.node.unique_id
    ]
    assert result.failures == flagged
    assert str(result.status) == ("warn" if flagged else "pass")


def test_a_restarted_server_on_another_port_answers_paid_prompts_from_the_cache(
    real_run: RealRun,
) -> None:
    project = real_run.project
    refresh = {**real_run.vars, "refresh_paid_answers": ["int_teacher_labels__requested"]}
    with LocalModelServer(LINE_UP.packages) as server:
        project.env = backend_environment(server.base_url, LINE_UP, real_run.vars)
        project.invoke(
            "build",
            "--select",
            "int_teacher_labels__requested",
            "--full-refresh",
            vars=refresh,
        )
    latest = project.query(
        "select sum(rows), sum(cached_rows), sum(requests) from cortex_emulator.calls "
        "where called_at = (select max(called_at) from cortex_emulator.calls)"
    )
    assert latest == [(0, HANDFUL, 0)]


def test_the_runner_keeps_the_main_job_exit_code_and_stops_the_server(tmp_path: Path) -> None:
    """`make run BACKEND=real` runs `python -m real_models run`: a main job that fails (here its
    preflight: a teacher the catalog does not know) ends with the main job's exit code, and the
    server it started is gone."""
    DbtProject.create(tmp_path)  # the profile
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "real_models",
            "run",
            "--line-up",
            LINE_UP.name,
            "--vars",
            "{teacher_model: no-such-model}",
        ],
        cwd=PROJECT_DIR,
        env={
            **os.environ,
            "DBT_PROFILES_DIR": str(tmp_path),
            "DBT_TARGET_PATH": str(tmp_path / "target"),
            "DBT_LOG_PATH": str(tmp_path / "logs"),
            "SUPPORT_TICKETS_DUCKDB_PATH": str(tmp_path / "support_tickets.duckdb"),
        },
        capture_output=True,
        text=True,
        timeout=900,
    )
    pid = re.search(r"server pid (\d+) on http://127\.0\.0\.1:\d+/v1", done.stdout)
    reported = re.search(r"main job exit code (\d+)", done.stdout)
    assert pid and reported, done.stdout + done.stderr
    assert "check_cortex_models" in done.stdout
    assert done.returncode == int(reported.group(1)) != 0
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid.group(1)), 0)
