"""One offline Snowflake "account": fakesnow's in-memory DuckDB, in process, plus the harness.

While ``EmulatedSnowflake.connected(step)`` is active, ``snowflake.connector.connect`` (which
dbt-snowflake calls) opens a fakesnow session on this account, and every statement a session
executes is recorded as dbt sent it, with the session's QUERY_TAG at that moment. The harness
answers what fakesnow lacks (``features``), and keeps the QUERY_TAG session parameter, which
fakesnow does not have: ``ALTER SESSION SET / UNSET QUERY_TAG`` and
``SHOW PARAMETERS LIKE 'QUERY_TAG' IN SESSION`` (what dbt-snowflake's ``set_query_tag`` runs).

With ``emulate_cortex=True`` the project's emulator (``cortex_emulator``) is registered on the
account's DuckDB and answers the Cortex functions. The account also answers
``SHOW CORTEX BASE MODELS IN SCHEMA SNOWFLAKE.MODELS`` from ``cortex_base_models`` (by default the
catalog's models that are not retired; a test removes one to play a model missing in the region),
and, when ``account_usage_access`` is true, has SNOWFLAKE.ACCOUNT_USAGE.CORTEX_AISQL_USAGE_HISTORY,
whose rows arrive when a test calls ``publish_usage_history`` (the view's latency): one per
query, model and function the run really sent, with the statement's QUERY_TAG.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import snowflake.connector
import sqlglot
from fakesnow.conn import FakeSnowflakeConnection
from fakesnow.cursor import FakeSnowflakeCursor
from fakesnow.instance import FakeSnow
from snowflake.connector.converter import SnowflakeConverter
from sqlglot import exp

from .cortex_account import (
    USAGE_HISTORY_VIEW,
    BaseModel,
    UsageMeter,
    catalog_base_models,
    is_show_cortex_base_models,
    show_cortex_base_models_sql,
)
from .cortex_calls import strip_query_comment
from .features import (
    EMBED_METER_FUNCTION,
    JOB_CANCEL_FUNCTION,
    JOB_PROGRESS_FUNCTION,
    METER_FUNCTION,
    RESPONSE_FORMAT_CHECK_FUNCTION,
    VECTOR_AVG_FUNCTION,
    RewriteContext,
    check_response_format,
    rewrite_statement,
    vector_avg,
)

_DBT_COMMENT = re.compile(r"/\*\s*(\{.*?\})\s*\*/", re.DOTALL)
_SHOW_QUERY_TAG = re.compile(r"^show\s+parameters\s+like\s+'query_tag'\s+in\s+session$", re.I)
_SECRET_ARGUMENTS = {"password", "private_key", "private_key_file_pwd", "token", "passcode"}

#: How a DESCRIBE reports a job that has not finished yet, before the emulator's final answer:
#: Snowflake trains asynchronously, so the harness lets the first DESCRIBEs of each job see it
#: pending, then in progress (the emulator itself trains when the job is created).
TRAINING_STATES: tuple[tuple[str, float], ...] = (("PENDING", 0.0), ("IN_PROGRESS", 0.5))


@dataclass(frozen=True)
class Statement:
    """One statement a session executed, as dbt sent it."""

    sql: str
    query_tag: str
    step: str
    comment: dict[str, Any] = field(default_factory=dict)
    parameters: tuple[Any, ...] | None = None
    query_id: str = ""

    @property
    def body(self) -> str:
        """The statement without dbt's query comment."""
        return strip_query_comment(self.sql)

    @property
    def bound_body(self) -> str:
        """``body`` with its pyformat parameters bound as the connector binds them client-side
        (dbt seeds insert their rows this way): the text Snowflake receives."""
        if not self.parameters:
            return self.body
        converter = SnowflakeConverter()
        values = tuple(
            converter.quote(converter.escape(converter.to_snowflake(value)))
            for value in self.parameters
        )
        return self.body % values

    @property
    def node_id(self) -> str | None:
        return self.comment.get("node_id")

    @property
    def connection_name(self) -> str | None:
        return self.comment.get("connection_name")


@dataclass(frozen=True)
class Session:
    """One connection dbt opened: the arguments it passed (secrets reduced to their names)."""

    arguments: dict[str, Any]
    step: str


class EmulatedSnowflake:
    """An in-memory Snowflake account for dbt-snowflake, run in this process."""

    def __init__(
        self,
        *,
        emulate_cortex: bool = True,
        external_locations: dict[str, Path] | None = None,
        cortex_base_models: list[BaseModel] | None = None,
        region: str = "AWS_US_WEST_2",
        account_usage_access: bool = True,
    ) -> None:
        self._fakesnow = FakeSnow(create_database_on_connect=True, create_schema_on_connect=True)
        self._lock = threading.Lock()
        self._query_tags: weakref.WeakKeyDictionary[FakeSnowflakeConnection, str] = (
            weakref.WeakKeyDictionary()
        )
        self._roles: weakref.WeakKeyDictionary[FakeSnowflakeConnection, str] = (
            weakref.WeakKeyDictionary()
        )
        self._stage_file_formats: dict[str, str] = {}
        self._external_locations = {
            prefix: directory.resolve().as_uri() + "/"
            for prefix, directory in (external_locations or {}).items()
        }
        self._describes: dict[str, int] = {}
        self._cancelled: dict[str, int] = {}
        self._step = ""
        self.statements: list[Statement] = []
        self.sessions: list[Session] = []
        self.cortex_base_models = (
            catalog_base_models() if cortex_base_models is None else cortex_base_models
        )
        self.region = region
        self.account_usage_access = account_usage_access
        self.meter = UsageMeter()
        self._emulated_functions: frozenset[str] = frozenset()
        if emulate_cortex:
            self._register_cortex()
        if account_usage_access:
            self._create_usage_history_view()

    # -- what tests use -----------------------------------------------------------------------

    @contextmanager
    def connected(self, step: str) -> Iterator[list[Statement]]:
        """Route ``snowflake.connector.connect`` here; yields the list of the step's statements."""
        recorded: list[Statement] = []
        original_execute = FakeSnowflakeCursor.execute
        original_transform = FakeSnowflakeCursor._transform
        account = self

        def execute(
            cursor: FakeSnowflakeCursor, command: str, params: Any = None, *args: Any, **kwargs: Any
        ) -> FakeSnowflakeCursor:
            statement = account._record(cursor._conn, command, params, recorded)
            cursor._harness_statement = statement  # type: ignore[attr-defined]
            answer = account._session_parameter(cursor._conn, statement.body)
            if answer is None and is_show_cortex_base_models(statement.body):
                try:
                    answer = show_cortex_base_models_sql(statement.body, account.cortex_base_models)
                except ValueError as error:
                    raise snowflake.connector.errors.ProgrammingError(
                        msg=f"SQL compilation error:\n{error}", errno=1003, sqlstate="42000"
                    ) from error
            if answer is not None:
                return original_execute(cursor, answer)
            return original_execute(cursor, command, params, *args, **kwargs)

        def transform(cursor: FakeSnowflakeCursor, expression: exp.Expr, params: Any) -> exp.Expr:
            def to_duckdb(sql: str) -> str:
                parsed = sqlglot.parse_one(sql, read="snowflake")
                return transform(cursor, parsed, None).sql(dialect="duckdb")

            statement = getattr(cursor, "_harness_statement", None)
            context = RewriteContext(
                to_duckdb=to_duckdb,
                current_database=cursor._conn.database,
                current_schema=cursor._conn.schema,
                stage_file_formats=account._stage_file_formats,
                external_locations=account._external_locations,
                query_id=statement.query_id if statement is not None else "",
                region=account.region,
                role=account._roles.get(cursor._conn, "PUBLIC"),
                emulated_functions=account._emulated_functions,
            )
            return original_transform(cursor, rewrite_statement(expression, context), params)

        with self._lock:
            self._step = step
        with (
            mock.patch.object(snowflake.connector, "connect", side_effect=self._connect),
            mock.patch.object(FakeSnowflakeCursor, "execute", execute),
            mock.patch.object(FakeSnowflakeCursor, "_transform", transform),
        ):
            yield recorded

    def query(
        self, sql: str, database: str | None = None, schema: str | None = None
    ) -> list[tuple]:
        """Rows of ``sql`` (Snowflake SQL, no Cortex) on a plain fakesnow session."""
        connection = self._fakesnow.connect(database=database, schema=schema)
        try:
            cursor = connection.cursor()
            cursor.execute(sql)
            return [tuple(row) for row in cursor.fetchall()]
        finally:
            connection.close()

    def close(self) -> None:
        self._fakesnow.duck_conn.close()

    # -- sessions -----------------------------------------------------------------------------

    def _connect(self, **arguments: Any) -> FakeSnowflakeConnection:
        connection = self._fakesnow.connect(**arguments)
        session_parameters = arguments.get("session_parameters") or {}
        with self._lock:
            self._query_tags[connection] = str(session_parameters.get("QUERY_TAG", ""))
            self._roles[connection] = str(arguments.get("role") or "PUBLIC").upper()
            shown = {
                key: ("<set>" if key in _SECRET_ARGUMENTS and value else value)
                for key, value in arguments.items()
            }
            self.sessions.append(Session(shown, self._step))
        return connection

    def _record(
        self,
        connection: FakeSnowflakeConnection,
        command: str,
        params: Any,
        recorded: list[Statement],
    ) -> Statement:
        found = _DBT_COMMENT.search(command)
        try:
            comment = json.loads(found.group(1)) if found else {}
        except json.JSONDecodeError:
            comment = {}
        with self._lock:
            statement = Statement(
                command,
                self._query_tags.get(connection, ""),
                self._step,
                comment,
                tuple(params) if isinstance(params, (list, tuple)) else None,
                query_id=f"emulated-query-{len(self.statements) + 1:06d}",
            )
            self.statements.append(statement)
            recorded.append(statement)
        return statement

    def _session_parameter(self, connection: FakeSnowflakeConnection, body: str) -> str | None:
        """The SQL that answers a QUERY_TAG statement (fakesnow has no such parameter), or None."""
        lowered = body.lower()
        if _SHOW_QUERY_TAG.match(" ".join(lowered.split())):
            tag = self._query_tags.get(connection, "")
            return (
                "select 'QUERY_TAG' as \"key\", "
                f'{_string_literal(tag)} as "value", \'\' as "default", '
                f'{_string_literal("SESSION" if tag else "")} as "level", '
                "'String (up to 2000 characters) used to tag statements executed by the session' "
                'as "description", \'STRING\' as "type"'
            )
        if not lowered.startswith("alter session"):
            return None
        parsed = sqlglot.parse_one(body, read="snowflake")
        change = parsed.find(exp.AlterSession)
        if change is None or len(change.expressions) != 1:
            return None
        item = change.expressions[0].this
        if change.args.get("unset"):
            if isinstance(item, exp.Identifier) and item.name.upper() == "QUERY_TAG":
                with self._lock:
                    self._query_tags[connection] = ""
                return "select 'Statement executed successfully.' as \"status\""
            return None
        if isinstance(item, exp.EQ) and item.this.name.upper() == "QUERY_TAG":
            value = item.expression
            if not (isinstance(value, exp.Literal) and value.is_string):
                raise snowflake.connector.errors.ProgrammingError(
                    msg=f"SQL compilation error:\ninvalid value {value.sql()} for QUERY_TAG",
                    errno=1008,
                    sqlstate="22023",
                )
            if len(value.name) > 2000:
                raise snowflake.connector.errors.ProgrammingError(
                    msg="QUERY_TAG is longer than 2000 characters", errno=1008, sqlstate="22023"
                )
            with self._lock:
                self._query_tags[connection] = value.name
            return "select 'Statement executed successfully.' as \"status\""
        return None

    # -- Cortex -------------------------------------------------------------------------------

    def _register_cortex(self) -> None:
        import cortex_emulator  # only here: the dbt Cloud check runs without it

        connection = self._fakesnow.duck_conn
        # The emulator reads its backend from CORTEX_* variables (a developer's local LLM, say):
        # the harness wants the deterministic emulator whatever the environment says.
        saved = {
            name: os.environ.pop(name) for name in list(os.environ) if name.startswith("CORTEX_")
        }
        try:
            cortex_emulator.register(connection)
        finally:
            os.environ.update(saved)
        for name, function, parameters in (
            (JOB_PROGRESS_FUNCTION, self._job_progress, ["VARCHAR"]),
            (JOB_CANCEL_FUNCTION, self._job_cancel, ["VARCHAR", "VARCHAR"]),
        ):
            connection.create_function(
                name, function, parameters, "VARCHAR", type="native", side_effects=True
            )
        text, vector = "VARCHAR", "FLOAT[]"
        for name, function, parameters, returns in (
            (METER_FUNCTION, self.meter.record, [text] * 6, text),
            (RESPONSE_FORMAT_CHECK_FUNCTION, check_response_format, [text], text),
            (EMBED_METER_FUNCTION, self.meter.record_embedding, [text] * 3 + [vector], vector),
            (VECTOR_AVG_FUNCTION, vector_avg, ["FLOAT[][]"], vector),
        ):
            connection.create_function(
                name,
                function,
                parameters,
                returns,
                type="native",
                null_handling="special",
                side_effects=True,
            )
        self._emulated_functions = frozenset(
            row[0]
            for row in connection.execute(
                "select distinct function_name from duckdb_functions() "
                "where function_name like 'cortex_%'"
            ).fetchall()
        )

    # -- account usage ------------------------------------------------------------------------

    def _create_usage_history_view(self) -> None:
        database, schema, view = USAGE_HISTORY_VIEW.split(".")
        connection = self._fakesnow.connect()
        try:
            cursor = connection.cursor()
            cursor.execute(f"create database if not exists {database}")
            cursor.execute(f"create schema if not exists {database}.{schema}")
            cursor.execute(
                f"create table if not exists {USAGE_HISTORY_VIEW} ("
                "usage_time timestamp_ltz, model_name text, function_name text, "
                "token_credits number(38, 12), tokens number, token_credits_granular object, "
                "tokens_granular object, query_id text, query_tag text, user_id text, "
                "warehouse_id text)"
            )
        finally:
            connection.close()

    def publish_usage_history(self, finetuned_base_model: str) -> int:
        """Make the metered usage so far appear in CORTEX_AISQL_USAGE_HISTORY (as hours later on
        Snowflake); returns the rows added. A fine-tuned model is billed as its base model."""
        if not self.account_usage_access:
            raise RuntimeError("this account's role has no ACCOUNT_USAGE access")
        by_id = {statement.query_id: statement for statement in self.statements}
        rows = self.meter.usage_history_rows(by_id, finetuned_base_model)
        published = {
            row[0] for row in self.query(f"select distinct query_id from {USAGE_HISTORY_VIEW}")
        }
        fresh = [row for row in rows if row["query_id"] not in published]
        connection = self._fakesnow.connect()
        try:
            cursor = connection.cursor()
            for row in fresh:
                cursor.execute(
                    f"insert into {USAGE_HISTORY_VIEW} select %s, %s, %s, %s, %s, parse_json(%s), "
                    "parse_json(%s), %s, %s, %s, %s",
                    (
                        row["usage_time"].strftime("%Y-%m-%d %H:%M:%S"),
                        row["model_name"],
                        row["function_name"],
                        row["token_credits"],
                        row["tokens"],
                        row["token_credits_granular"],
                        row["tokens_granular"],
                        row["query_id"],
                        row["query_tag"],
                        row["user_id"],
                        row["warehouse_id"],
                    ),
                )
        finally:
            connection.close()
        return len(fresh)

    def cortex_call_counts(self) -> dict[tuple[str, str], int]:
        """Rows sent to each emulated Cortex function and model so far (the emulator's log)."""
        import cortex_emulator

        return cortex_emulator.call_counts(self._fakesnow.duck_conn)

    def _still_training(self, job_id: str) -> bool:
        return job_id not in self._cancelled and self._describes.get(job_id, 0) < len(
            TRAINING_STATES
        )

    def _job_progress(self, described: str) -> str:
        """DESCRIBE's answer, as Snowflake gives it while the job is still training."""
        job = json.loads(described)
        job_id = job["id"]
        with self._lock:
            training = self._still_training(job_id)
            seen = self._describes[job_id] = self._describes.get(job_id, 0) + 1
            cancelled_on = self._cancelled.get(job_id)
        if cancelled_on is not None:
            job.update(
                status="CANCELLED",
                error={"code": "CANCELLED", "message": "The job was cancelled."},
                finished_on=cancelled_on,
                trained_tokens=None,
                training_result=None,
            )
        elif job.get("status") == "SUCCESS" and training:
            status, progress = TRAINING_STATES[seen - 1]
            job.update(
                status=status,
                progress=progress,
                finished_on=None,
                trained_tokens=None,
                training_result=None,
            )
        return json.dumps(job)

    def _job_cancel(self, answer: str, job_id: str) -> str:
        """CANCEL's answer: a job the harness still reports as training is cancelled."""
        with self._lock:
            if not self._still_training(job_id):
                return answer
            self._cancelled[job_id] = int(time.time() * 1000)
        return f"Canceled Cortex Fine-tuning job: {job_id}"


def _string_literal(value: str) -> str:
    """A Snowflake string literal (backslashes and quotes escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"
