"""The openai backend through dbt: the teacher model is answered by a fake chat-completions
server on 127.0.0.1 that fails some prompts. The failed rows stay NULL and are recorded; the
next ``dbt build`` sends exactly those again; a ``--full-refresh`` is answered from the
response cache."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dbt_harness import DbtProject
from project_vars import PROJECT_VARS

from cortex_emulator.testing.fake_server import FakeChatServer, Reply

PREPARE = ("build", "--selector", "prepare_training_data")
# A few NULL answers count as 'Unknown' categories: let the share test tolerate them.
VARS = {"max_unknown_category_share": 0.5}


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


class FailingSome:
    """Answers HTTP 503 to about one prompt in 25 while ``on``."""

    def __init__(self) -> None:
        self.on = True

    def doomed(self, prompt: str) -> bool:
        return int(md5(prompt), 16) % 25 == 0

    def __call__(self, prompt: str) -> Reply | None:
        return Reply(status=503) if self.on and self.doomed(prompt) else None


@pytest.fixture
def server() -> Iterator[FakeChatServer]:
    with FakeChatServer() as running:
        yield running


def plugin_config(server: FakeChatServer, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "backend": "openai",
        "base_url": server.base_url,
        "model_map": {PROJECT_VARS["teacher_model"]: "teacher-llm"},
        "concurrency": 8,
        "max_retries": 1,
        "timeout_seconds": 10,
    }
    config.update(overrides)
    return config


def teacher_rows(project: DbtProject) -> list[tuple[str, str, str | None, str]]:
    return project.query(
        "select ticket_id, prompt_hash, raw_response, backend "
        "from main.int_teacher_labels__requested order by ticket_id"
    )


def test_failed_rows_are_null_recorded_and_sent_again_by_the_next_build(
    server: FakeChatServer, tmp_path: Path
) -> None:
    faults = FailingSome()
    server.fault = faults
    project = DbtProject.create(tmp_path / "project", plugin_config=plugin_config(server))

    project.invoke(*PREPARE, vars=VARS)
    rows = teacher_rows(project)
    failed = {prompt_hash for _, prompt_hash, answer, _ in rows if answer is None}
    assert 0 < len(failed) < len(rows) / 10
    assert {backend for *_, backend in rows} == {
        f"openai-compatible:127.0.0.1:{server.port}/teacher-llm"
    }
    # Every failed row is recorded, and joins to its ticket by prompt_hash.
    recorded = project.query(
        "select errors.prompt_hash, errors.http_status, errors.attempts, labels.ticket_id "
        "from cortex_emulator.call_errors as errors "
        "inner join main.int_teacher_labels__requested as labels using (prompt_hash)"
    )
    assert {row[0] for row in recorded} == failed
    assert {(row[1], row[2]) for row in recorded} == {(503, 2)}
    sent_first = len(rows) - len(failed) + 2 * len(failed)  # a failed prompt: 1 + 1 retry
    assert server.stats.requests == sent_first

    faults.on = False
    server.reset()
    project.invoke(*PREPARE, vars=VARS)
    assert server.stats.requests == len(failed)  # exactly the failed rows, once each
    assert {md5(prompt) for prompt in server.prompts()} == failed
    assert all(answer is not None for _, _, answer, _ in teacher_rows(project))

    # A full refresh that names the model re-sends every ticket to it: the cache answers all.
    server.reset()
    project.invoke(
        *PREPARE,
        "--full-refresh",
        vars={**VARS, "refresh_paid_answers": ["int_teacher_labels__requested"]},
    )
    assert server.stats.requests == 0
    assert all(answer is not None for _, _, answer, _ in teacher_rows(project))
    cached = project.query(
        "select sum(rows), sum(cached_rows) from cortex_emulator.calls "
        "where called_at = (select max(called_at) from cortex_emulator.calls)"
    )
    assert cached[0][0] == 0


def test_the_environment_chooses_the_backend_and_can_turn_the_cache_off(
    server: FakeChatServer, tmp_path: Path
) -> None:
    project = DbtProject.create(
        tmp_path / "project",
        env={
            "CORTEX_BACKEND": "openai",
            "CORTEX_OPENAI_BASE_URL": server.base_url,
            "CORTEX_OPENAI_MODEL_MAP": json.dumps({PROJECT_VARS["teacher_model"]: "teacher-llm"}),
            "CORTEX_OPENAI_CONCURRENCY": "8",
            "CORTEX_RESPONSE_CACHE": "off",
        },
    )
    project.invoke(*PREPARE, vars=VARS)
    rows = teacher_rows(project)
    assert server.stats.requests == len(rows) > 0
    assert all(answer is not None for _, _, answer, _ in rows)
    assert project.scalar("select count(*) from cortex_emulator.response_cache") == 0
    assert {backend for *_, backend in rows} == {
        f"openai-compatible:127.0.0.1:{server.port}/teacher-llm"
    }
