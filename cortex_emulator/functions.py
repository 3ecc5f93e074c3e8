"""Registering the emulated Cortex functions on a DuckDB connection.

SQL functions (the project's dbt macros call exactly these):

=================================================================================  =========
cortex_complete(model VARCHAR, prompt VARCHAR) -> VARCHAR                           arrow UDF
cortex_try_complete(model VARCHAR, prompt VARCHAR) -> VARCHAR                       arrow UDF
cortex_count_tokens(model VARCHAR, text VARCHAR) -> INTEGER                         arrow UDF
cortex_backend_name(model VARCHAR) -> VARCHAR                                       arrow UDF
cortex_finetune_create(name, base_model, training_query, validation_query,
                       options_json VARCHAR) -> VARCHAR (the job id)                native
cortex_finetune_describe(job_id VARCHAR) -> VARCHAR (JSON object)                   native
cortex_finetune_show() -> VARCHAR (JSON array, newest first)                        native
cortex_finetune_cancel(job_id VARCHAR) -> VARCHAR (a message)                       native
=================================================================================  =========

Arrow UDFs get batches of up to 2048 rows; each batch is answered per model, and logged in
``cortex_emulator.calls`` (one row per batch and model; rows = non-null prompts sent). A NULL
model or prompt gives NULL without a call. The functions reach the database through
``conn.cursor()`` of a connection registered on it (see ``connections``): from inside a UDF
each read or write runs on its own cursor and transaction. State (the fine-tuned model cache)
belongs to the runtime of one database and is guarded by locks, so several dbt threads can
call the functions at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from .backends import LOCAL_EMULATOR, BackendRegistry, LocalEmulatorBackend, unknown_model_error
from .connections import RUNTIMES, RUNTIMES_LOCK, ConnectionPool
from .errors import CortexError
from .finetune import FineTuning
from .models import find_foundation_model
from .storage import Storage
from .tokens import count_tokens


class CortexRuntime:
    """The state behind the functions registered on one database: its connections, storage,
    fine-tuning (with the model cache) and backends."""

    def __init__(self) -> None:
        self.token = uuid.uuid4().hex
        self.connections = ConnectionPool()
        self.storage = Storage(self.connections)
        self.finetuning = FineTuning(self.storage)
        self.backends = BackendRegistry(LocalEmulatorBackend(self.finetuning))
        # The exact callables handed to DuckDB: kept alive as long as the runtime.
        self.functions: list[_Function] = _functions(self)

    def instance(self) -> str:
        """Which runtime answers in this database (used by ``register``)."""
        return self.token

    # -- arrow UDFs -----------------------------------------------------------------------

    def complete(self, models: pa.ChunkedArray, prompts: pa.ChunkedArray) -> pa.Array:
        return self._complete(models, prompts, function="complete", tolerate_errors=False)

    def try_complete(self, models: pa.ChunkedArray, prompts: pa.ChunkedArray) -> pa.Array:
        return self._complete(models, prompts, function="try_complete", tolerate_errors=True)

    def _complete(
        self,
        models: pa.ChunkedArray,
        prompts: pa.ChunkedArray,
        *,
        function: str,
        tolerate_errors: bool,
    ) -> pa.Array:
        prompt_list: list[str | None] = prompts.to_pylist()
        answers: list[str | None] = [None] * len(prompt_list)
        sent: dict[str, int] = {}
        try:
            for model, rows in _rows_per_model(models.to_pylist(), prompt_list).items():
                try:
                    backend = self.backends.for_model(model)
                    replies = backend.complete(model, [prompt_list[i] or "" for i in rows])
                except Exception:
                    if tolerate_errors:
                        continue
                    raise
                sent[model] = len(rows)
                for row, reply in zip(rows, replies, strict=True):
                    answers[row] = reply
        finally:
            self.storage.log_calls(function, sent)
        return pa.array(answers, type=pa.string())

    def count_tokens(self, models: pa.ChunkedArray, texts: pa.ChunkedArray) -> pa.Array:
        text_list: list[str | None] = texts.to_pylist()
        counts: list[int | None] = [None] * len(text_list)
        sent: dict[str, int] = {}
        try:
            for model, rows in _rows_per_model(models.to_pylist(), text_list).items():
                self._check_countable(model)
                sent[model] = len(rows)
                for row in rows:
                    counts[row] = count_tokens(text_list[row] or "")
        finally:
            self.storage.log_calls("count_tokens", sent)
        return pa.array(counts, type=pa.int32())

    def _check_countable(self, model: str) -> None:
        if find_foundation_model(model) is not None:
            return
        entry = self.finetuning.find(model)
        if entry is not None:
            raise CortexError(
                f"COUNT_TOKENS does not accept fine-tuned models such as '{model}': count the "
                f"tokens with its base model instead, cortex_count_tokens('{entry.base_model}', "
                "...)."
            )
        raise unknown_model_error(model, [e.display_name for e in self.finetuning.models()])

    def backend_name(self, models: pa.ChunkedArray) -> pa.Array:
        names: dict[str, str] = {}
        result: list[str | None] = []
        for model in models.to_pylist():
            if model is None:
                result.append(None)
                continue
            if model not in names:
                names[model] = self.backends.for_model(model).name
            result.append(names[model])
        return pa.array(result, type=pa.string())

    # -- native UDFs ----------------------------------------------------------------------

    def finetune_create(
        self,
        name: str | None,
        base_model: str | None,
        training_query: str | None,
        validation_query: str | None,
        options_json: str | None,
    ) -> str:
        return self.finetuning.create(
            name, base_model, training_query, validation_query, options_json
        )

    def finetune_describe(self, job_id: str) -> str:
        return self.finetuning.describe(job_id)

    def finetune_show(self) -> str:
        return self.finetuning.show()

    def finetune_cancel(self, job_id: str) -> str:
        return self.finetuning.cancel(job_id)


def _rows_per_model(models: list[str | None], values: list[str | None]) -> dict[str, list[int]]:
    """Row numbers with a non-null model and value, per model (in order of appearance)."""
    groups: dict[str, list[int]] = {}
    for row, (model, value) in enumerate(zip(models, values, strict=True)):
        if model is not None and value is not None:
            groups.setdefault(model, []).append(row)
    return groups


@dataclass(frozen=True)
class _Function:
    name: str
    method: Callable[..., Any]
    parameters: list[str]
    return_type: str
    arrow: bool
    side_effects: bool
    special_nulls: bool = True


def _functions(runtime: CortexRuntime) -> list[_Function]:
    text = "VARCHAR"
    return [
        _Function("cortex_complete", runtime.complete, [text, text], text, True, True),
        _Function("cortex_try_complete", runtime.try_complete, [text, text], text, True, True),
        _Function("cortex_count_tokens", runtime.count_tokens, [text, text], "INTEGER", True, True),
        _Function("cortex_backend_name", runtime.backend_name, [text], text, True, False),
        _Function("cortex_finetune_create", runtime.finetune_create, [text] * 5, text, False, True),
        _Function(
            "cortex_finetune_describe", runtime.finetune_describe, [text], text, False, True, False
        ),
        _Function("cortex_finetune_show", runtime.finetune_show, [], text, False, True),
        _Function(
            "cortex_finetune_cancel", runtime.finetune_cancel, [text], text, False, True, False
        ),
        _Function(_INSTANCE_FUNCTION, runtime.instance, [], text, False, False),
    ]


_INSTANCE_FUNCTION = "cortex_emulator_instance"

FUNCTION_NAMES: tuple[str, ...] = (
    "cortex_complete",
    "cortex_try_complete",
    "cortex_count_tokens",
    "cortex_backend_name",
    "cortex_finetune_create",
    "cortex_finetune_describe",
    "cortex_finetune_show",
    "cortex_finetune_cancel",
)


def register(conn: duckdb.DuckDBPyConnection) -> None:
    """Register the emulated Cortex functions on ``conn``.

    Idempotent. DuckDB functions belong to the database, so when the functions already exist
    there (registered through this or another open connection to the same database file),
    ``conn`` is only added to the connections their runtime may use; the runtime keeps
    working as long as one of them is open. An extra internal function,
    ``cortex_emulator_instance()``, tells which runtime a database's functions belong to.
    """
    with RUNTIMES_LOCK:
        existing = _registered_runtime(conn)
        if existing is not None:
            existing.connections.add(conn)
            return
        runtime = CortexRuntime()
        runtime.connections.add(conn)
        RUNTIMES[runtime.token] = runtime
        for function in runtime.functions:
            _create(conn, function)


def _registered_runtime(conn: duckdb.DuckDBPyConnection) -> CortexRuntime | None:
    """The runtime whose functions this connection's database already has, if any."""
    found = conn.execute(
        "select count(*) from duckdb_functions() where function_name = ?", [_INSTANCE_FUNCTION]
    ).fetchall()
    if not found[0][0]:
        return None
    token = conn.execute(f"select {_INSTANCE_FUNCTION}()").fetchall()[0][0]
    runtime = RUNTIMES.get(token)
    return runtime if isinstance(runtime, CortexRuntime) else None


def _create(conn: duckdb.DuckDBPyConnection, function: _Function) -> None:
    def create() -> None:
        conn.create_function(
            function.name,
            function.method,
            function.parameters,
            function.return_type,
            type="arrow" if function.arrow else "native",
            null_handling="special" if function.special_nulls else "default",
            side_effects=function.side_effects,
        )

    try:
        create()
    except duckdb.Error as error:
        text = str(error)
        if "already created" in text:  # left on this very connection by an earlier runtime
            conn.remove_function(function.name)
            create()
        elif "already exists" not in text:  # else: another connection's, left as it is
            raise


__all__ = ["LOCAL_EMULATOR", "FUNCTION_NAMES", "CortexRuntime", "register"]
