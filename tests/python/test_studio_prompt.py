"""A prompt proposed in the message studio goes live only when someone promotes it.

The studio's button writes a proposal (who, when, the text); the build ignores it. `dbt
run-operation promote_prompt` writes a promotion record; the next build of generate_messages
sends every ticket with the promoted prompt. The compiled SQL is the same before and after.
"""

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
PROPOSED_PROMPT = (
    """Please write an email or text about our "Saver" plan; it's the cheapest we've had. """
    "If the customer requested to be contacted by text message, write text message response "
    "in less than 25 words, otherwise write email response in maximum 100 words."
)
OLDER_PROMPT = "An older proposal, promoted first: write an email in 50 words."
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


def compiled_message_sql(project: DbtProject) -> str:
    path = next(project.target_path.rglob("int_tickets__prompted_for_messages.sql"))
    return path.read_text()


def test_a_proposal_reaches_the_build_only_once_promoted(
    project_copy: DbtProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    configured = project_vars()["message_prompt"]
    tickets = project_copy.scalar("select count(*) from main.stg_support__tickets")
    calls = message_calls(project_copy)

    # Propose from the studio: recorded with who and when, and nothing else changes.
    monkeypatch.setenv("SUPPORT_TICKETS_DUCKDB_PATH", str(project_copy.database_path))
    app = AppTest.from_file(str(APP_PATH), default_timeout=60)
    app.run()
    assert app.text_area(key="prompt").value == configured
    app.text_area(key="prompt").input(PROPOSED_PROMPT)
    app.button(key="propose").click().run()
    assert app.success and not app.error
    [(proposal_id, prompt_name, prompt, proposed_by, proposed_at)] = project_copy.query(
        "select proposal_id, prompt_name, prompt, proposed_by, proposed_at "
        "from main.prompt_proposals"
    )
    assert (prompt_name, prompt) == ("message", PROPOSED_PROMPT) and proposed_by and proposed_at
    assert f"promote_prompt --args '{{proposal_id: {proposal_id}}}'" in app.success[0].value

    project_copy.invoke("build", "--selector", "generate_messages")
    compiled_before = compiled_message_sql(project_copy)
    assert all(
        p.startswith(configured + CUSTOMER_INFORMATION)
        for p in message_prompts(project_copy).values()
    )
    assert message_calls(project_copy) == calls
    assert project_copy.query("select count(*) from main.prompt_promotions") == [(0,)]

    # An unknown proposal promotes nothing; DuckDB needs to be told who promotes.
    failed = project_copy.invoke(
        "run-operation",
        "promote_prompt",
        "--args",
        "{proposal_id: no_such_proposal, promoted_by: reviewer}",
        expect_success=False,
    )
    assert "No prompt proposal no_such_proposal" in failed.error_text
    unnamed = project_copy.invoke(
        "run-operation",
        "promote_prompt",
        "--args",
        json.dumps({"proposal_id": proposal_id}),
        expect_success=False,
    )
    assert "promoted_by" in unnamed.error_text
    assert project_copy.query("select count(*) from main.prompt_promotions") == [(0,)]

    # An older proposal promoted first, then the studio's: the latest promotion is in force.
    project_copy.query(
        "insert into main.prompt_proposals values "
        "('older01', 'message', ?, 'someone', timestamp '2000-01-01')",
        [OLDER_PROMPT],
    )
    for promoted in ("older01", proposal_id):
        project_copy.invoke(
            "run-operation",
            "promote_prompt",
            "--args",
            json.dumps({"proposal_id": promoted, "promoted_by": "reviewer", "note": "reviewed"}),
        )
    promotions = project_copy.query(
        "select proposal_id, prompt, proposed_by, promoted_by, promoted_at, note "
        "from main.prompt_promotions order by promoted_at"
    )
    assert [row[0] for row in promotions] == ["older01", proposal_id]
    assert promotions[-1][1:4] == (PROPOSED_PROMPT, proposed_by, "reviewer")
    assert promotions[-1][4] is not None and promotions[-1][5] == "reviewed"

    project_copy.invoke("build", "--selector", "generate_messages")

    assert compiled_message_sql(project_copy) == compiled_before
    assert project_copy.query(
        "select prompt, prompt_source, proposal_id, promoted_by from main.prompts_in_force"
    ) == [(PROPOSED_PROMPT, "promotion", proposal_id, "reviewer")]
    prompts = message_prompts(project_copy)
    assert len(prompts) == tickets
    assert all(p.startswith(PROPOSED_PROMPT + CUSTOMER_INFORMATION) for p in prompts.values())
    # Every ticket was sent again (the prompt hash changed) and the mart shows the new messages.
    assert message_calls(project_copy) == calls + tickets
    published = project_copy.query(
        "select ticket_id, prompt_hash, message from main.ticket_messages"
    )
    assert len(published) == tickets
    for ticket_id, prompt_hash, message in published:
        assert prompt_hash == hashlib.md5(prompts[ticket_id].encode("utf-8")).hexdigest()
        assert message
    # The studio now starts from the prompt in force, and sends exactly the build's prompts.
    reopened = AppTest.from_file(str(APP_PATH), default_timeout=60)
    reopened.run()
    assert reopened.text_area(key="prompt").value == PROPOSED_PROMPT
    reopened.selectbox(key="category").select("Add new line")
    reopened.button(key="generate").click().run()
    _, generated = reopened.session_state["last_results"]
    assert generated and all(m.prompt == prompts[m.ticket_id] for m in generated)


def test_the_lineage_shows_the_studio(built_project: DbtProject) -> None:
    manifest = json.loads((built_project.target_path / "manifest.json").read_text())
    promoted = manifest["nodes"]["model.support_ticket_llm.int_prompts__promoted"]
    assert promoted["depends_on"]["nodes"] == ["source.support_ticket_llm.studio.prompt_promotions"]
    prompted = manifest["nodes"]["model.support_ticket_llm.int_tickets__prompted_for_messages"]
    assert "model.support_ticket_llm.int_prompts__promoted" in prompted["depends_on"]["nodes"]

    exposure = manifest["exposures"]["exposure.support_ticket_llm.message_studio"]
    assert exposure["type"] == "application" and exposure["owner"]["name"]
    assert set(exposure["depends_on"]["nodes"]) >= {
        "model.support_ticket_llm.ticket_categories",
        "model.support_ticket_llm.ticket_messages",
        "seed.support_ticket_llm.valid_categories",
        "model.support_ticket_llm.finetuned_model_versions",
        "source.support_ticket_llm.studio.prompt_proposals",
        "model.support_ticket_llm.prompts_in_force",
    }
