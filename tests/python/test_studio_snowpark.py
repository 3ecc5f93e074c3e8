"""The studio's Snowflake backend, its SQL checked against a fake Snowpark session; and the
request validation and project settings both backends share."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml
from dbt_harness import PROJECT_DIR
from project_vars import PROJECT_VARS

sys.path.insert(0, str(PROJECT_DIR / "app"))

from studio.config import load_project_config, model_choices, usable_message_writers  # noqa: E402
from studio.data import CUSTOMER_INFORMATION_SQL, TableMissing  # noqa: E402
from studio.generation import (  # noqa: E402
    GenerationRequest,
    InvalidRequest,
    contact_icon,
    validate_model_name,
    validate_request,
)
from studio.snowpark_backend import SnowparkBackend  # noqa: E402

HOSTILE = "x'); drop table ticket_categories; --"
MESSAGE_MODEL: str = PROJECT_VARS["message_model"]
TABLES = {"valid_categories", "ticket_categories", "ticket_messages", "finetuned_model_versions"}


class FakeDataFrame:
    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self._rows = rows

    def collect(self) -> list[tuple[Any, ...]]:
        return self._rows


@dataclass
class FakeSession:
    """Records every statement with its parameters; answers from canned rows."""

    tables: set[str] = field(default_factory=lambda: set(TABLES))
    answers: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    statements: list[tuple[str, list[Any] | None]] = field(default_factory=list)

    def sql(self, query: str, params: Sequence[Any] | None = None) -> FakeDataFrame:
        bound = None if params is None else list(params)
        self.statements.append((query, bound))
        if "information_schema.tables" in query:
            return FakeDataFrame([(name,) for name in bound or [] if name in self.tables])
        for marker, rows in self.answers.items():
            if marker in query:
                return FakeDataFrame(rows)
        return FakeDataFrame([])


def placeholders(query: str) -> int:
    return len(re.findall(r"\?", query))


def test_generation_binds_every_value_and_calls_ai_complete() -> None:
    session = FakeSession(
        answers={
            "ai_complete(": [
                ("101", "Ana O'Hara", "Email", HOSTILE, "the prompt", "Dear Ana O'Hara, ...")
            ]
        }
    )
    request = GenerationRequest(
        prompt=HOSTILE, category=HOSTILE, model=MESSAGE_MODEL, ticket_count=5
    )

    [message] = SnowparkBackend(session).generate(request)

    query, params = session.statements[-1]
    assert params == [HOSTILE, 5, HOSTILE, MESSAGE_MODEL]
    assert placeholders(query) == len(params)
    assert "ai_complete(?, prompt)" in query and "snowflake.cortex" not in query
    assert "from ticket_categories as categories" in query
    assert "inner join ticket_messages as messages" in query
    for statement, _ in session.statements:
        assert HOSTILE not in statement and "drop table" not in statement
    assert (message.ticket_id, message.customer_name, message.icon) == ("101", "Ana O'Hara", "📧")


def test_an_invalid_model_never_reaches_snowflake() -> None:
    session = FakeSession()
    request = GenerationRequest(prompt="Hi", category="Lost phone", model=HOSTILE, ticket_count=1)

    with pytest.raises(InvalidRequest, match="Invalid model name"):
        SnowparkBackend(session).generate(request)
    assert session.statements == []


def test_missing_tables_say_what_to_run() -> None:
    session = FakeSession(tables={"valid_categories"})
    request = GenerationRequest(prompt="Hi", category="Lost phone", model="llama3-8b")

    with pytest.raises(TableMissing) as raised:
        SnowparkBackend(session).generate(request)
    message = str(raised.value)
    assert "ticket_categories, ticket_messages not found" in message
    assert "make run" in message and "dbt build --selector generate_messages" in message
    assert all("complete" not in statement for statement, _ in session.statements)


def test_saving_creates_the_table_and_binds_the_prompt() -> None:
    session = FakeSession()

    SnowparkBackend(session).save_prompt(HOSTILE)

    (create, create_params), (insert, insert_params) = session.statements
    assert create == (
        "create table if not exists saved_message_prompts "
        "(prompt varchar, saved_at timestamp_ntz, saved_by varchar)"
    )
    assert create_params is None
    assert insert == (
        "insert into saved_message_prompts (prompt, saved_at, saved_by) "
        "select ?, sysdate(), current_user()"
    )
    assert insert_params == [HOSTILE]


def test_reads_categories_finetuned_model_and_saved_prompt() -> None:
    session = FakeSession(
        tables=TABLES | {"saved_message_prompts"},
        answers={
            "from valid_categories": [("Lost phone",), ("Roaming fees",)],
            "from finetuned_model_versions": [("DB.SCHEMA.SUPPORT_TICKETS_FINETUNED_MISTRAL_7B",)],
            "from saved_message_prompts": [("Saved prompt",)],
        },
    )
    backend = SnowparkBackend(session)

    assert backend.categories() == ["Lost phone", "Roaming fees"]
    assert backend.finetuned_model() == "DB.SCHEMA.SUPPORT_TICKETS_FINETUNED_MISTRAL_7B"
    assert backend.saved_prompt() == "Saved prompt"
    versions_query = next(
        query for query, _ in session.statements if "from finetuned_model_versions" in query
    )
    assert "where is_in_use" in versions_query


def test_without_the_optional_tables_there_is_no_saved_prompt_nor_finetuned_model() -> None:
    session = FakeSession(tables={"valid_categories"})
    backend = SnowparkBackend(session)

    assert backend.saved_prompt() is None
    assert backend.finetuned_model() is None
    assert all("information_schema" in query for query, _ in session.statements)


@pytest.mark.parametrize(
    "model", [MESSAGE_MODEL, PROJECT_VARS["teacher_model"], "DB.SCHEMA.SUPPORT_TICKETS_FINETUNED"]
)
def test_model_names_that_are_accepted(model: str) -> None:
    assert validate_model_name(model) == model


@pytest.mark.parametrize("model", ["", HOSTILE, "mistral large", "-x", "a" * 300, "m'"])
def test_model_names_that_are_refused(model: str) -> None:
    with pytest.raises(InvalidRequest):
        validate_model_name(model)


def test_requests_are_validated() -> None:
    checked = dict(categories=["Lost phone"], models=[MESSAGE_MODEL])
    request = validate_request("  Hi  ", "Lost phone", MESSAGE_MODEL, 10, **checked)
    assert request == GenerationRequest("Hi", "Lost phone", MESSAGE_MODEL, 10)
    with pytest.raises(InvalidRequest, match="prompt is empty"):
        validate_request(" \n", "Lost phone", MESSAGE_MODEL, 10, **checked)
    with pytest.raises(InvalidRequest, match="Unknown category"):
        validate_request("Hi", "Billing", MESSAGE_MODEL, 10, **checked)
    with pytest.raises(InvalidRequest, match="not one of the models"):
        validate_request("Hi", "Lost phone", "not-offered-model", 10, **checked)
    with pytest.raises(InvalidRequest, match="between 1 and"):
        validate_request("Hi", "Lost phone", MESSAGE_MODEL, 0, **checked)


def test_contact_icons_follow_the_marts_channel_rule() -> None:
    assert contact_icon("Text Message") == "📱"
    assert contact_icon("Email") == "📧"
    assert contact_icon(None) == "📧"


def test_the_appended_customer_information_is_the_dbt_macros() -> None:
    macro = (PROJECT_DIR / "macros" / "prompts" / "prompts.sql").read_text()
    body = macro[macro.index("{% macro message_prompt(") :]
    body = body[: body.index("{%- endmacro %}")]
    literals = re.findall(r"'([^']*)'", body)
    assert literals == re.findall(r"'([^']*)'", CUSTOMER_INFORMATION_SQL)
    assert literals == [
        " Here is the customer information: Name: ",
        "",
        ", Contact preference: ",
        "",
        ", Request category: ",
        "Unknown",
    ]


def test_project_settings_come_from_dbt_project_yml() -> None:
    variables = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    config = load_project_config()

    assert config.message_prompt == variables["message_prompt"]
    assert config.message_model == variables["message_model"]
    choices = model_choices(config, "db.main.support_tickets_finetuned")
    assert list(choices)[0] == variables["message_model"]
    assert "message_model" in choices[variables["message_model"]]
    assert set(choices) == {*usable_message_writers(), variables["message_model"]} | {
        "db.main.support_tickets_finetuned"
    }
    assert choices["db.main.support_tickets_finetuned"].endswith("(fine-tuned)")
