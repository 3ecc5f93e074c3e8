"""The Snowflake backend: a Snowpark session (Streamlit in Snowflake's active session).

The tables are read in the session's current database and schema: create the Streamlit object
in the schema the dbt target writes (see the README, "Message studio"). Every value is bound
with ``session.sql(query, params=[...])`` (qmark binding); the model answers through
``AI_COMPLETE`` (a failed row answers NULL). Snowpark itself is never imported here: the page passes in the
session it got from ``snowflake.snowpark.context.get_active_session()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from .data import (
    CATEGORIES_TABLE,
    FINETUNED_MODEL_VERSIONS_TABLE,
    SAVED_PROMPTS_TABLE,
    TICKET_CATEGORIES_TABLE,
    TICKET_MESSAGES_TABLE,
    GenerationFailed,
    TableMissing,
    categories_query,
    finetuned_model_query,
    generation_parameters,
    generation_query,
    missing_tables_message,
    saved_prompt_query,
    to_messages,
    validate_identifier,
)
from .generation import GeneratedMessage, GenerationRequest, validate_model_name

COMPLETE_CALL = "ai_complete(?, prompt)"


class SnowparkDataFrame(Protocol):
    def collect(self) -> list[Any]: ...


class SnowparkSession(Protocol):
    """The part of ``snowflake.snowpark.Session`` the backend uses."""

    def sql(self, query: str, params: Sequence[Any] | None = None) -> SnowparkDataFrame: ...


class SnowparkBackend:
    """The tickets in the session's current schema on Snowflake, answered by Cortex."""

    def __init__(self, session: SnowparkSession) -> None:
        self._session = session

    @property
    def description(self) -> str:
        return (
            "Snowflake, in the current database and schema of this Streamlit app; messages "
            "are written by Snowflake Cortex (`AI_COMPLETE`) and billed as such."
        )

    @staticmethod
    def _table(name: str) -> str:
        return validate_identifier(name)

    def _rows(self, query: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        bound = list(params) if params else None
        return [tuple(row) for row in self._session.sql(query, params=bound).collect()]

    def _existing_tables(self, *tables: str) -> set[str]:
        placeholders = ", ".join("?" for _ in tables)
        rows = self._rows(
            "select lower(table_name) from information_schema.tables "
            f"where table_schema = current_schema() and lower(table_name) in ({placeholders})",
            list(tables),
        )
        return {row[0] for row in rows}

    def _require_tables(self, *tables: str) -> None:
        existing = self._existing_tables(*tables)
        missing = [table for table in tables if table not in existing]
        if missing:
            raise TableMissing(missing_tables_message(missing, "the current Snowflake schema"))

    def categories(self) -> list[str]:
        self._require_tables(CATEGORIES_TABLE)
        return [row[0] for row in self._rows(categories_query(self._table))]

    def finetuned_model(self) -> str | None:
        if not self._existing_tables(FINETUNED_MODEL_VERSIONS_TABLE):
            return None
        rows = self._rows(finetuned_model_query(self._table))
        return rows[0][0] if rows else None

    def saved_prompt(self) -> str | None:
        if not self._existing_tables(SAVED_PROMPTS_TABLE):
            return None
        rows = self._rows(saved_prompt_query(self._table))
        return rows[0][0] if rows else None

    def generate(self, request: GenerationRequest) -> list[GeneratedMessage]:
        validate_model_name(request.model)
        self._require_tables(TICKET_CATEGORIES_TABLE, TICKET_MESSAGES_TABLE)
        try:
            rows = self._rows(
                generation_query(self._table, COMPLETE_CALL), generation_parameters(request)
            )
        except Exception as error:  # Snowpark's SnowparkSQLException, not importable here
            raise GenerationFailed(
                f"The Cortex call failed: {error}. Check that your role has the "
                "SNOWFLAKE.CORTEX_USER database role and that the model is available in this "
                "region, then try again."
            ) from error
        return to_messages(rows)

    def save_prompt(self, prompt: str) -> None:
        """Append ``prompt`` to saved_message_prompts (created if missing); saved_at is UTC."""
        table = self._table(SAVED_PROMPTS_TABLE)
        self._rows(
            f"create table if not exists {table} "
            "(prompt varchar, saved_at timestamp_ntz, saved_by varchar)"
        )
        self._rows(
            f"insert into {table} (prompt, saved_at, saved_by) select ?, sysdate(), current_user()",
            [prompt],
        )
