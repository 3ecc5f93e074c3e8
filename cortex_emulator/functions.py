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
``conn.cursor()`` of the connection they were registered on; all state (the model cache) is
per registration, guarded by locks, so several dbt threads can call them at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from .backends import LOCAL_EMULATOR, BackendRegistry, LocalEmulatorBackend, unknown_model_error
from .errors import CortexError
from .finetune import FineTuning
from .models import find_foundation_model
from .storage import Storage
from .tokens import count_tokens


class CortexRuntime:
    """The state behind one connection's functions: storage, fine-tuning, backends."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.storage = Storage(conn)
        self.finetuning = FineTuning(self.storage)
        self.backends = BackendRegistry(LocalEmulatorBackend(self.finetuning))

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
    varchar = "VARCHAR"
    return [
        _Function("cortex_complete", runtime.complete, [varchar] * 2, varchar, True, True),
        _Function("cortex_try_complete", runtime.try_complete, [varchar] * 2, varchar, True, True),
        _Function(
            "cortex_count_tokens", runtime.count_tokens, [varchar] * 2, "INTEGER", True, True
        ),
        _Function("cortex_backend_name", runtime.backend_name, [varchar], varchar, True, False),
        _Function(
            "cortex_finetune_create", runtime.finetune_create, [varchar] * 5, varchar, False, True
        ),
        _Function(
            "cortex_finetune_describe",
            runtime.finetune_describe,
            [varchar],
            varchar,
            False,
            True,
            special_nulls=False,
        ),
        _Function("cortex_finetune_show", runtime.finetune_show, [], varchar, False, True),
        _Function(
            "cortex_finetune_cancel",
            runtime.finetune_cancel,
            [varchar],
            varchar,
            False,
            True,
            special_nulls=False,
        ),
    ]


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

    Idempotent: registering again on the same connection replaces the functions (and starts
    a fresh model cache). Functions belong to the database, so when another open connection
    to the same database file has registered them already, they are left as they are.
    """
    runtime = CortexRuntime(conn)
    for function in _functions(runtime):
        _create(conn, function)


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
        if "already created" in text:  # registered on this very connection before
            conn.remove_function(function.name)
            create()
        elif "already exists" in text:  # registered by another connection to this database
            return
        else:
            raise


__all__ = ["LOCAL_EMULATOR", "FUNCTION_NAMES", "CortexRuntime", "register"]
