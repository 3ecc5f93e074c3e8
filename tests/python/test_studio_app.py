"""The message studio driven by Streamlit's AppTest against the database the main job built."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml
from dbt_harness import PROJECT_DIR, DbtProject
from streamlit.testing.v1 import AppTest

APP_PATH = PROJECT_DIR / "app" / "message_studio.py"
CATALOG_CSV = PROJECT_DIR / "seeds" / "cortex_models.csv"
HOSTILE_PROMPT = (
    """Write an email (at most 80 words) or a text message; say "thanks" and don't panic; """
    "'; drop table main.ticket_categories; --"
)


def project_vars() -> dict:
    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def catalog_message_writers() -> set[str]:
    """The catalog's usable message writers: role message_writer, GA or preview, not past EOL."""
    with CATALOG_CSV.open(newline="", encoding="utf-8") as handle:
        return {
            row["model_name"]
            for row in csv.DictReader(handle)
            if "message_writer" in row["roles"].split()
            and row["lifecycle"] in {"ga", "preview"}
            and not (
                row["end_of_life_on"] and date.fromisoformat(row["end_of_life_on"]) <= date.today()
            )
        }


def open_app(database_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("SUPPORT_TICKETS_DUCKDB_PATH", str(database_path))
    app = AppTest.from_file(str(APP_PATH), default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    return app


def generate(app: AppTest, *, category: str, model: str | None = None, count: int = 10) -> None:
    app.selectbox(key="category").select(category)
    if model is not None:
        app.selectbox(key="model").select(model)
    app.number_input(key="ticket_count").set_value(count)
    app.button(key="generate").click().run()
    assert not app.exception, app.exception


def shown_messages(app: AppTest) -> list:
    label, messages = app.session_state["last_results"]
    return messages


def copy_database(project: DbtProject, workdir: Path) -> Path:
    """A copy of the built database (same file name, so the fine-tuned model's name holds)."""
    project.query("checkpoint")  # dbt's in-process connection may hold changes in memory
    workdir.mkdir(parents=True, exist_ok=True)
    copy = workdir / project.database_path.name
    shutil.copy(project.database_path, copy)
    return copy


def test_offers_every_category_and_the_projects_models(
    built_project: DbtProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_app(built_project.database_path, monkeypatch)

    categories = [
        row[0] for row in built_project.query("select category from main.valid_categories")
    ]
    assert sorted(app.selectbox(key="category").options) == sorted(categories)
    assert "Lost phone" in app.selectbox(key="category").options

    # The student in use is the default's embedding classifier: it writes no message, so only
    # a fine-tuned model in use is offered beside the catalog's writers.
    finetuned = {
        row[0]
        for row in built_project.query(
            "select model_name from main.finetuned_model_versions"
            " where is_in_use and trainer = 'cortex_finetune'"
        )
    }
    variables = project_vars()
    models = app.selectbox(key="model")
    offered = [option.split(" (")[0] for option in models.options]
    # The catalog's usable message writers and a fine-tuned model in use; nothing retired.
    assert set(offered) == catalog_message_writers() | {variables["message_model"]} | finetuned
    assert len(offered) == len(set(offered))
    assert models.value == variables["message_model"]
    assert app.text_area(key="prompt").value == variables["message_prompt"]
    assert app.number_input(key="ticket_count").value == 10


def test_generates_messages_for_the_tickets_of_the_chosen_category(
    built_project: DbtProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_app(built_project.database_path, monkeypatch)
    generate(app, category="Lost phone", model=project_vars()["message_model"])

    assert not app.error and not app.warning
    [status] = app.status
    assert status.state == "complete"
    assert status.label.startswith("Generated 10 messages for Lost phone")
    messages = shown_messages(app)
    tickets = {
        ticket_id: (name, preference)
        for ticket_id, name, preference in built_project.query(
            """
            select categories.ticket_id, messages.customer_name, messages.contact_preference
            from main.ticket_categories as categories
            inner join main.ticket_messages as messages using (ticket_id)
            where categories.category = 'Lost phone'
            """
        )
    }
    assert len(messages) == 10
    assert [message.ticket_id for message in messages] == sorted(tickets)[:10]
    shown = [element.value for element in app.markdown]
    texts = [element.value for element in app.text]
    for message in messages:
        name, preference = tickets[message.ticket_id]
        assert message.customer_name == name and message.contact_preference == preference
        assert name in message.message
        assert message.message in texts
        icon = "📱" if preference == "Text Message" else "📧"
        assert any(line.startswith(f"{icon} **Ticket {message.ticket_id}**") for line in shown)

    # The prompt per ticket is exactly the dbt project's (macro message_prompt).
    dbt_prompts = dict(
        built_project.query("select ticket_id, prompt from main.int_tickets__prompted_for_messages")
    )
    assert all(message.prompt == dbt_prompts[message.ticket_id] for message in messages)


def test_the_finetuned_model_can_be_chosen(
    built_finetune_project: DbtProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    finetuned = built_finetune_project.scalar(
        "select candidate_model from main.model_promotions where is_promoted"
    )
    app = open_app(built_finetune_project.database_path, monkeypatch)
    generate(app, category="Roaming fees", model=finetuned, count=3)

    assert not app.error, [element.value for element in app.error]
    messages = shown_messages(app)
    assert len(messages) == 3 and all(message.message for message in messages)


def test_an_empty_prompt_is_refused_with_a_warning(
    built_project: DbtProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_app(built_project.database_path, monkeypatch)
    app.text_area(key="prompt").input("  \n ")
    generate(app, category="Roaming fees")

    assert [element.value for element in app.warning][0].startswith("The prompt is empty")
    assert not app.status


def test_quotes_and_sql_in_the_prompt_are_only_text(
    built_project: DbtProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = built_project.scalar("select count(*) from main.ticket_categories")
    app = open_app(built_project.database_path, monkeypatch)
    app.text_area(key="prompt").input(HOSTILE_PROMPT)
    generate(app, category="Closing account")

    assert not app.error, [element.value for element in app.error]
    messages = shown_messages(app)
    assert len(messages) == 10
    for message in messages:
        assert message.prompt.startswith(
            HOSTILE_PROMPT + " Here is the customer information: Name: "
        )
        assert message.customer_name in message.message
    assert built_project.scalar("select count(*) from main.ticket_categories") == before


def test_a_category_without_tickets_gets_a_warning(
    built_project: DbtProject, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database = copy_database(built_project, tmp_path)
    copy = DbtProject(tmp_path)
    copy.query(
        "insert into main.valid_categories (category, description) "
        "values ('Billing dispute', 'No ticket has it.')"
    )

    app = open_app(database, monkeypatch)
    generate(app, category="Billing dispute")

    [warning] = app.warning
    assert "no ticket in category 'Billing dispute'" in warning.value
    assert "last_results" not in app.session_state


def test_a_missing_database_says_to_run_the_job(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app = open_app(tmp_path / "nowhere.duckdb", monkeypatch)

    [error] = app.error
    assert "No database at" in error.value and "make run" in error.value
    assert not app.button


@pytest.mark.parametrize(
    ("table", "command"),
    [
        ("ticket_messages", "dbt build --selector generate_messages"),
        ("valid_categories", "dbt build --selector prepare_training_data"),
    ],
)
def test_a_missing_marts_table_says_what_to_run(
    built_project: DbtProject,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    table: str,
    command: str,
) -> None:
    database = copy_database(built_project, tmp_path)
    DbtProject(tmp_path).query(f"drop table main.{table} cascade")

    app = open_app(database, monkeypatch)
    if app.button:
        generate(app, category="Lost phone")
    [error] = app.error
    assert f"{table} not found" in error.value
    assert "make run" in error.value and command in error.value


def test_a_locked_database_is_reported(
    built_project: DbtProject, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database = copy_database(built_project, tmp_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, duckdb; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); "
            "sys.stdin.read()",
            str(database),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        app = open_app(database, monkeypatch)
        [error] = app.error
        assert "is locked by another process" in error.value
    finally:
        holder.communicate(timeout=30)


def test_proposing_records_the_prompt_and_changes_no_default(
    built_project: DbtProject, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database = copy_database(built_project, tmp_path)
    app = open_app(database, monkeypatch)
    prompt = "  Write an e-mail (max 60 words) or a text (under 20 words) about 'Saver'.  "
    app.text_area(key="prompt").input(prompt)
    app.button(key="propose").click().run()

    [success] = app.success
    assert "promote_prompt" in success.value
    rows = DbtProject(tmp_path).query(
        "select proposal_id, prompt_name, prompt, proposed_at, proposed_by "
        "from main.prompt_proposals"
    )
    assert len(rows) == 1 and rows[0][1:3] == ("message", prompt.strip())
    assert rows[0][0] in success.value and rows[0][3] is not None and rows[0][4]

    # A proposal is not the prompt in force: the studio still opens on the build's prompt.
    reopened = open_app(database, monkeypatch)
    assert reopened.text_area(key="prompt").value == project_vars()["message_prompt"]


def test_proposing_an_empty_prompt_is_refused(
    built_project: DbtProject, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database = copy_database(built_project, tmp_path)
    app = open_app(database, monkeypatch)
    app.text_area(key="prompt").input("")
    app.button(key="propose").click().run()

    [warning] = app.warning
    assert "nothing to propose" in warning.value
    assert DbtProject(tmp_path).query("select count(*) from main.prompt_proposals") == [(0,)]
