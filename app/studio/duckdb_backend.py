"""The local backend: the DuckDB file the dbt `local` target writes, Cortex emulated.

Every action opens its own short-lived connection and closes it: read-only to read and to
generate (the emulator's functions are registered on it, as dbt-duckdb's plugin does), and
read-write only to save a prompt. DuckDB lets one process write a file at a time, so a dbt
run and the studio must not use the database at the same moment; a locked file is reported.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from .config import PROJECT_DIR
from .data import (
    CATEGORIES_TABLE,
    FINETUNED_MODEL_VERSIONS_TABLE,
    SAVED_PROMPTS_TABLE,
    TICKET_CATEGORIES_TABLE,
    TICKET_MESSAGES_TABLE,
    DatabaseLocked,
    DatabaseMissing,
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

DATABASE_PATH_ENV = "SUPPORT_TICKETS_DUCKDB_PATH"
DEFAULT_DATABASE_PATH = PROJECT_DIR / "support_tickets.duckdb"
DEFAULT_SCHEMA = "main"


def database_path_from_env() -> Path:
    """$SUPPORT_TICKETS_DUCKDB_PATH (the variable the dbt profile reads), else the project's
    support_tickets.duckdb."""
    configured = os.environ.get(DATABASE_PATH_ENV, "").strip()
    return Path(configured).expanduser().resolve() if configured else DEFAULT_DATABASE_PATH


class DuckDbBackend:
    """The tickets in a local DuckDB file (schema ``main``), answered by ``cortex_emulator``."""

    def __init__(self, database_path: Path, schema: str = DEFAULT_SCHEMA) -> None:
        self.database_path = database_path
        self.schema = validate_identifier(schema)

    @property
    def description(self) -> str:
        return (
            f"Local DuckDB database `{self.database_path}` (schema `{self.schema}`). Cortex is "
            "**emulated** here by the project's `cortex_emulator`: deterministic template "
            "messages, not a language model. Don't run dbt while you generate or save: DuckDB "
            "lets one process write the file at a time."
        )

    def _table(self, name: str) -> str:
        return f"{self.schema}.{validate_identifier(name)}"

    @contextmanager
    def _connect(
        self, *, read_only: bool = True, cortex: bool = False
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        if not self.database_path.is_file():
            raise DatabaseMissing(
                f"No database at `{self.database_path}`: the dbt job has not been run yet. Run "
                f"`make run` first (or point ${DATABASE_PATH_ENV} at the database it wrote)."
            )
        try:
            connection = self._open(read_only=read_only)
        except duckdb.Error as error:
            text = str(error).lower()
            if "lock" in text or "different configuration" in text:
                raise DatabaseLocked(
                    f"The database `{self.database_path}` is locked by another process "
                    "(probably a dbt run: DuckDB lets one process write the file at a time). "
                    "Wait until it finishes, then try again."
                ) from error
            raise
        try:
            if cortex:
                import cortex_emulator

                cortex_emulator.register(connection)
            yield connection
        finally:
            connection.close()

    def _open(self, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        """A connection; read-only when asked, unless this very process already holds the file
        read-write (dbt-duckdb run in-process, as the tests do): DuckDB then refuses a second
        configuration, and a connection to the open database is the only way in."""
        try:
            return duckdb.connect(str(self.database_path), read_only=read_only)
        except duckdb.Error as error:
            if not read_only or "different configuration" not in str(error).lower():
                raise
            return duckdb.connect(str(self.database_path))

    def _existing_tables(self, connection: duckdb.DuckDBPyConnection) -> set[str]:
        rows = connection.execute(
            "select table_name from information_schema.tables where table_schema = ?",
            [self.schema],
        ).fetchall()
        return {row[0] for row in rows}

    def _require_tables(self, connection: duckdb.DuckDBPyConnection, *tables: str) -> None:
        existing = self._existing_tables(connection)
        missing = [table for table in tables if table not in existing]
        if missing:
            raise TableMissing(
                missing_tables_message(missing, f"`{self.database_path}` (schema {self.schema})")
            )

    def categories(self) -> list[str]:
        with self._connect() as connection:
            self._require_tables(connection, CATEGORIES_TABLE)
            rows = connection.execute(categories_query(self._table)).fetchall()
        return [row[0] for row in rows]

    def finetuned_model(self) -> str | None:
        with self._connect() as connection:
            if FINETUNED_MODEL_VERSIONS_TABLE not in self._existing_tables(connection):
                return None
            row = connection.execute(finetuned_model_query(self._table)).fetchone()
        return row[0] if row else None

    def saved_prompt(self) -> str | None:
        with self._connect() as connection:
            if SAVED_PROMPTS_TABLE not in self._existing_tables(connection):
                return None
            row = connection.execute(saved_prompt_query(self._table)).fetchone()
        return row[0] if row else None

    def generate(self, request: GenerationRequest) -> list[GeneratedMessage]:
        validate_model_name(request.model)
        query = generation_query(self._table, "cortex_complete(cast(? as varchar), prompt)")
        with self._connect(cortex=True) as connection:
            self._require_tables(connection, TICKET_CATEGORIES_TABLE, TICKET_MESSAGES_TABLE)
            try:
                rows = connection.execute(query, generation_parameters(request)).fetchall()
            except duckdb.Error as error:
                raise GenerationFailed(
                    f"The model call failed: {error}. Try again, or pick another model."
                ) from error
        return to_messages(rows)

    def save_prompt(self, prompt: str) -> None:
        """Append ``prompt`` to saved_message_prompts (created if missing); saved_at is UTC."""
        saved_at = datetime.now(UTC).replace(tzinfo=None)
        with self._connect(read_only=False) as connection:
            connection.execute(
                f"create table if not exists {self._table(SAVED_PROMPTS_TABLE)} "
                "(prompt varchar, saved_at timestamp, saved_by varchar)"
            )
            connection.execute(
                f"insert into {self._table(SAVED_PROMPTS_TABLE)} (prompt, saved_at, saved_by) "
                "values (?, ?, ?)",
                [prompt, saved_at, _local_user()],
            )


def _local_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
