"""A prompt saved from the message studio becomes the dbt project's message prompt."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import yaml
from dbt_harness import PROJECT_DIR, DbtProject
from streamlit.testing.v1 import AppTest

APP_PATH = PROJECT_DIR / "app" / "message_studio.py"
SAVED_PROMPT = (
    """Please write an email or text about our "Saver" plan; it's the cheapest we've had. """
    "If the customer requested to be contacted by text message, write text message response "
    "in less than 25 words, otherwise write email response in maximum 100 words."
)
OLDER_PROMPT = "An older prompt that must lose to the latest one: write an email in 50 words."
CUSTOMER_INFORMATION = " Here is the customer information: Name: "


def project_vars() -> dict:
    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


@pytest.fixture
def project_copy(built_project: DbtProject, tmp_path: Path) -> DbtProject:
    """A project of its own whose database is a copy of the built one."""
    built_project.query("checkpoint")  # dbt's in-process connection may hold changes in memory
    project = DbtProject.create(tmp_path / "project")
    shutil.copy(built_project.database_path, project.database_path)
    return project


def message_prompts(project: DbtProject) -> dict[str, str]:
    return dict(
        project.query("select ticket_id, prompt from main.int_tickets__prompted_for_messages")
    )


def message_calls(project: DbtProject) -> int:
    model = project_vars()["message_model"]
    return sum(count for (_, called), count in project.call_counts().items() if called == model)


def test_a_saved_prompt_drives_the_message_stage(
    project_copy: DbtProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    configured = project_vars()["message_prompt"]
    tickets = project_copy.scalar("select count(*) from main.stg_support__tickets")

    # An empty table: the var stays in use and nothing is sent again.
    project_copy.query(
        "create table main.saved_message_prompts "
        "(prompt varchar, saved_at timestamp, saved_by varchar)"
    )
    calls = message_calls(project_copy)
    project_copy.invoke("build", "--selector", "generate_messages")
    assert all(
        p.startswith(configured + CUSTOMER_INFORMATION)
        for p in message_prompts(project_copy).values()
    )
    assert message_calls(project_copy) == calls

    # An older row, then a save from the studio: the latest saved prompt wins.
    project_copy.query(
        "insert into main.saved_message_prompts values (?, timestamp '2000-01-01', 'someone')",
        [OLDER_PROMPT],
    )
    monkeypatch.setenv("SUPPORT_TICKETS_DUCKDB_PATH", str(project_copy.database_path))
    app = AppTest.from_file(str(APP_PATH), default_timeout=60)
    app.run()
    app.text_area(key="prompt").input(SAVED_PROMPT)
    app.button(key="save").click().run()
    assert app.success and not app.error
    saved = project_copy.query(
        "select prompt, saved_by from main.saved_message_prompts order by saved_at desc"
    )
    assert [row[0] for row in saved] == [SAVED_PROMPT, OLDER_PROMPT] and saved[0][1]

    project_copy.invoke("build", "--selector", "generate_messages")

    prompts = message_prompts(project_copy)
    assert len(prompts) == tickets
    assert all(p.startswith(SAVED_PROMPT + CUSTOMER_INFORMATION) for p in prompts.values())
    # Every ticket was sent again (the prompt hash changed) and the mart shows the new messages.
    assert message_calls(project_copy) == calls + tickets
    published = project_copy.query(
        "select ticket_id, prompt_hash, message from main.ticket_messages"
    )
    assert len(published) == tickets
    for ticket_id, prompt_hash, message in published:
        assert prompt_hash == hashlib.md5(prompts[ticket_id].encode("utf-8")).hexdigest()
        assert message
    # The studio now starts from the saved prompt, and sends exactly the build's prompts.
    reopened = AppTest.from_file(str(APP_PATH), default_timeout=60)
    reopened.run()
    assert reopened.text_area(key="prompt").value == SAVED_PROMPT
    reopened.selectbox(key="category").select("Add new line")
    reopened.button(key="generate").click().run()
    _, generated = reopened.session_state["last_results"]
    assert generated and all(m.prompt == prompts[m.ticket_id] for m in generated)


def test_the_lineage_shows_the_studio(built_project: DbtProject) -> None:
    manifest = json.loads((built_project.target_path / "manifest.json").read_text())
    prompted = manifest["nodes"]["model.support_ticket_llm.int_tickets__prompted_for_messages"]
    assert (
        "source.support_ticket_llm.studio.saved_message_prompts" in prompted["depends_on"]["nodes"]
    )

    exposure = manifest["exposures"]["exposure.support_ticket_llm.message_studio"]
    assert exposure["type"] == "application" and exposure["owner"]["name"]
    assert set(exposure["depends_on"]["nodes"]) >= {
        "model.support_ticket_llm.ticket_categories",
        "model.support_ticket_llm.ticket_messages",
        "seed.support_ticket_llm.valid_categories",
        "model.support_ticket_llm.finetuned_model_versions",
    }
