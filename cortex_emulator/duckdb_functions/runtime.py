"""Registering the emulated Cortex functions on a DuckDB connection.

SQL functions (the project's dbt macros call exactly these):

=================================================================================  =========
cortex_complete(model VARCHAR, prompt VARCHAR) -> VARCHAR                           arrow UDF
cortex_try_complete(model VARCHAR, prompt VARCHAR) -> VARCHAR                       arrow UDF
cortex_count_tokens(model VARCHAR, text VARCHAR) -> INTEGER                         arrow UDF
cortex_ai_complete(model, prompt, model_parameters, response_format VARCHAR)
                   -> VARCHAR                                                       arrow UDF
cortex_ai_count_tokens(function_name, model, text VARCHAR) -> INTEGER               arrow UDF
cortex_ai_embed(model VARCHAR, text VARCHAR) -> FLOAT[]                              arrow UDF
cortex_backend_name(model VARCHAR) -> VARCHAR                                       arrow UDF
cortex_finetune_create(name, base_model, training_query, validation_query,
                       options_json VARCHAR) -> VARCHAR (the job id)                native
cortex_finetune_describe(job_id VARCHAR) -> VARCHAR (JSON object)                   native
cortex_finetune_show() -> VARCHAR (JSON array, newest first)                        native
cortex_finetune_cancel(job_id VARCHAR) -> VARCHAR (a message)                       native
=================================================================================  =========

Beside them, the database gets ``vector_avg(vectors)``, Snowflake's element-wise average of a
column of vectors (an aggregate: NULLs are ignored, an empty group gives NULL), as a DuckDB macro
over lists in its ``main`` schema (a temporary macro would not be seen by the cursors dbt-duckdb
opens); DuckDB has ``list_cosine_similarity`` for Snowflake's VECTOR_COSINE_SIMILARITY.

The model of every COMPLETE call is checked first: a model that is retired in the model catalog
(``catalog``), or neither in it nor fine-tuned here, fails the query with an error naming it,
as Cortex does. Otherwise AI_COMPLETE (and TRY_COMPLETE) return NULL for a row that fails (a
malformed ``model_parameters`` or ``response_format``, an endpoint error); COMPLETE fails the
query.

Arrow UDFs get batches of up to 2048 rows; each batch is answered per model (and per
``model_parameters`` and ``response_format`` for AI_COMPLETE), and logged in
``cortex_emulator.calls`` (one row per batch and model; rows = non-null prompts sent). A NULL
model or prompt gives NULL without a call. The functions reach the database through
``conn.cursor()`` of a connection registered on it (see ``connections``): from inside a UDF
each read or write runs on its own cursor and transaction. State (the fine-tuned model cache)
belongs to the runtime of one database and is guarded by locks, so several dbt threads can
call the functions at once.

Which backend answers a model comes from the runtime's ``CortexSettings`` (see ``settings``):
by default the local emulator answers everything. With the ``openai`` backend, the mapped
foundation models are answered by an OpenAI-compatible endpoint: per batch and model, the
cached answers are read in one query (``cache``), the other distinct prompts are sent
concurrently (``openai_backend``), the new answers are written in one statement, and every
prompt that still failed is recorded in ``cortex_emulator.call_errors`` -- and is NULL
(TRY_COMPLETE) or fails the query after the batch is recorded (COMPLETE). Failures of the
local emulator are recorded the same way.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from ..backends import (
    LOCAL_EMULATOR,
    BackendRegistry,
    LocalEmulatorBackend,
    RemoteBackend,
    RowFailure,
    unknown_model_error,
)
from ..catalog import CatalogSource, normalize_model_name
from ..completion_options import CompletionOptions, parse_options
from ..errors import CortexError
from ..models.finetuned.jobs import FineTuning
from ..models.tokens import count_tokens
from ..remote.cache import ResponseCache, prompt_hash
from ..remote.openai_backend import OpenAICompatibleBackend
from ..settings import OPENAI_BACKEND, CortexSettings
from .connections import RUNTIMES, RUNTIMES_LOCK, ConnectionPool
from .storage import CallBatch, CallError, Storage

#: AI_COUNT_TOKENS's function names (the AI functions that take text).
AI_FUNCTIONS_WITH_TOKENS = (
    "ai_agg",
    "ai_classify",
    "ai_complete",
    "ai_embed",
    "ai_extract",
    "ai_filter",
    "ai_sentiment",
    "ai_summarize_agg",
    "ai_translate",
)
#: Those that need a model name.
AI_FUNCTIONS_WITH_MODEL = ("ai_complete", "ai_embed")


class CortexRuntime:
    """The state behind the functions registered on one database: its connections, storage,
    fine-tuning (with the model cache) and backends."""

    def __init__(self, settings: CortexSettings | None = None) -> None:
        self.token = uuid.uuid4().hex
        self.connections = ConnectionPool()
        self.storage = Storage(self.connections)
        self.catalog = CatalogSource()
        self.finetuning = FineTuning(self.storage, self.catalog)
        self.cache = ResponseCache(self.storage)
        self.settings = CortexSettings()
        self.backends = BackendRegistry(LocalEmulatorBackend(self.catalog, self.finetuning))
        self.configure(settings or CortexSettings())
        # The exact callables handed to DuckDB: kept alive as long as the runtime.
        self.functions: list[_Function] = _functions(self)

    def configure(self, settings: CortexSettings) -> None:
        """Answer with the backends ``settings`` name (from now on; idempotent)."""
        if settings == self.settings:
            return
        self.catalog.configure(settings.model_catalog)
        registry = BackendRegistry(LocalEmulatorBackend(self.catalog, self.finetuning))
        if settings.backend == OPENAI_BACKEND and settings.openai is not None:
            registry.add(OpenAICompatibleBackend(settings.openai, catalog=self.catalog))
        previous, self.backends, self.settings = self.backends, registry, settings
        previous.close()

    def instance(self) -> str:
        """Which runtime answers in this database (used by ``register``)."""
        return self.token

    # -- arrow UDFs -----------------------------------------------------------------------

    def complete(self, models: pa.ChunkedArray, prompts: pa.ChunkedArray) -> pa.Array:
        return self._complete([models, prompts], function="complete", tolerate_errors=False)

    def try_complete(self, models: pa.ChunkedArray, prompts: pa.ChunkedArray) -> pa.Array:
        return self._complete([models, prompts], function="try_complete", tolerate_errors=True)

    def ai_complete(
        self,
        models: pa.ChunkedArray,
        prompts: pa.ChunkedArray,
        model_parameters: pa.ChunkedArray,
        response_formats: pa.ChunkedArray,
    ) -> pa.Array:
        return self._complete(
            [models, prompts, model_parameters, response_formats],
            function="ai_complete",
            tolerate_errors=True,
        )

    def check_model(self, model: str) -> None:
        """Raise Cortex's error for a retired model, or one neither in the catalog nor
        fine-tuned here: such a call fails the whole query."""
        if self.catalog.get().check_callable(model) is not None:
            return
        if self.finetuning.find(model) is None:
            raise unknown_model_error(
                model,
                self.catalog.get().usable_names(),
                [e.display_name for e in self.finetuning.models()],
            )

    def _complete(
        self,
        columns: list[pa.ChunkedArray],
        *,
        function: str,
        tolerate_errors: bool,
    ) -> pa.Array:
        """``columns``: model, prompt and (AI_COMPLETE) model_parameters, response_format."""
        model_list: list[str | None] = columns[0].to_pylist()
        prompt_list: list[str | None] = columns[1].to_pylist()
        extra = [column.to_pylist() for column in columns[2:]]
        answers: list[str | None] = [None] * len(prompt_list)
        batches: list[CallBatch] = []
        errors: list[CallError] = []
        try:
            for (model, *arguments), rows in _rows_per_group(
                model_list, prompt_list, extra
            ).items():
                self.check_model(model)
                backend = self.backends.for_model(model)
                texts = [prompt_list[i] or "" for i in rows]
                try:
                    options = parse_options(*arguments) if arguments else CompletionOptions()
                except CortexError as error:
                    errors.extend(_errors_for(function, backend.name, model, texts, error))
                    if tolerate_errors:
                        continue
                    raise
                if isinstance(backend, RemoteBackend):
                    replies, batch, failed = self._complete_remote(
                        backend, model, texts, function, options
                    )
                else:
                    try:
                        replies = list(backend.complete(model, texts, options))
                    except Exception as error:
                        errors.extend(_errors_for(function, backend.name, model, texts, error))
                        if tolerate_errors:
                            continue
                        raise
                    batch, failed = CallBatch(model, backend.name, len(texts)), []
                batches.append(batch)
                errors.extend(failed)
                for row, reply in zip(rows, replies, strict=True):
                    answers[row] = reply
                if failed and not tolerate_errors:
                    raise CortexError(
                        failed[0].error
                        + (
                            f" ({len(failed)} of {len(rows)} rows failed.)"
                            if len(failed) > 1
                            else ""
                        )
                        + " Each failure is recorded in cortex_emulator.call_errors. Use "
                        "TRY_COMPLETE to get NULL for the failed rows instead (the project's "
                        "models do, and retry them on the next run)."
                    )
        finally:
            self.storage.log_errors(errors)
            self.storage.log_calls(function, batches)
        return pa.array(answers, type=pa.string())

    def _complete_remote(
        self,
        backend: RemoteBackend,
        model: str,
        texts: list[str],
        function: str,
        options: CompletionOptions,
    ) -> tuple[list[str | None], CallBatch, list[CallError]]:
        """Cached answers first (one query), then the distinct missing prompts (concurrently),
        then the new answers into the cache (one statement)."""
        hashes = [prompt_hash(text) for text in texts]
        key = normalize_model_name(model)
        cache_key = backend.cache_options(model, options)
        use_cache = self.settings.cache
        known = self.cache.lookup(backend.name, key, cache_key, hashes) if use_cache else {}
        # With the cache on, a prompt repeated in the batch is sent once.
        to_send: dict[str, int] = {}
        sends: list[int] = []
        for index, digest in enumerate(hashes):
            if digest in known:
                continue
            if use_cache and digest in to_send:
                continue
            to_send.setdefault(digest, index)
            sends.append(index)
        outcomes = backend.call(model, [texts[i] for i in sends], options) if sends else []
        answered: dict[int, str] = {}
        failures: dict[int, RowFailure] = {}
        for index, outcome in zip(sends, outcomes, strict=True):
            if isinstance(outcome, RowFailure):
                failures[index] = outcome
            else:
                answered[index] = outcome.text
        if use_cache and answered:
            self.cache.store(
                backend.name, key, cache_key, {hashes[i]: text for i, text in answered.items()}
            )
        replies: list[str | None] = []
        for index, digest in enumerate(hashes):
            if digest in known:
                replies.append(known[digest])
            elif index in answered:
                replies.append(answered[index])
            elif index in failures:
                replies.append(None)
            else:  # a repeat of a prompt sent for an earlier row of the batch
                replies.append(answered.get(to_send[digest]))
        failed = [
            CallError(
                function=function,
                backend=backend.name,
                model=model,
                prompt_hash=hashes[index],
                http_status=failure.status,
                error=backend.failure_message(model, failure),
                attempts=failure.attempts,
            )
            for index, failure in sorted(failures.items())
        ]
        batch = CallBatch(
            model,
            backend.name,
            rows=len(sends),
            cached_rows=len(texts) - len(sends),
            failed_rows=sum(1 for reply in replies if reply is None),
            requests=sum(outcome.attempts for outcome in outcomes),
        )
        return replies, batch, failed

    def count_tokens(self, models: pa.ChunkedArray, texts: pa.ChunkedArray) -> pa.Array:
        text_list: list[str | None] = texts.to_pylist()
        counts: list[int | None] = [None] * len(text_list)
        batches: list[CallBatch] = []
        try:
            for (model,), rows in _rows_per_group(models.to_pylist(), text_list, []).items():
                self._check_countable(model)
                batches.append(CallBatch(model, LOCAL_EMULATOR, len(rows)))
                for row in rows:
                    counts[row] = count_tokens(text_list[row] or "")
        finally:
            self.storage.log_calls("count_tokens", batches)
        return pa.array(counts, type=pa.int32())

    def ai_count_tokens(
        self, function_names: pa.ChunkedArray, models: pa.ChunkedArray, texts: pa.ChunkedArray
    ) -> pa.Array:
        """AI_COUNT_TOKENS(function_name, model, text): NULL text gives NULL; an unknown
        function, a missing model for AI_COMPLETE, or a model COUNT_TOKENS cannot count fail the
        query."""
        text_list: list[str | None] = texts.to_pylist()
        model_list: list[str | None] = models.to_pylist()
        counts: list[int | None] = [None] * len(text_list)
        batches: list[CallBatch] = []
        groups: dict[tuple[str | None, str | None], list[int]] = {}
        for row, (name, model, text) in enumerate(
            zip(function_names.to_pylist(), model_list, text_list, strict=True)
        ):
            if name is not None and text is not None:
                groups.setdefault((name, model), []).append(row)
        try:
            for (name, model), rows in groups.items():
                function = name.strip().lower()
                if function not in AI_FUNCTIONS_WITH_TOKENS:
                    raise CortexError(
                        f"AI_COUNT_TOKENS does not know the function '{name}': use one of "
                        f"{', '.join(AI_FUNCTIONS_WITH_TOKENS)}."
                    )
                if model is None and function in AI_FUNCTIONS_WITH_MODEL:
                    raise CortexError(
                        f"AI_COUNT_TOKENS('{function}', model, text) needs a model name."
                    )
                if model is not None and function == "ai_embed":
                    self.catalog.get().check_embeddable(model)
                elif model is not None:
                    self._check_countable(model)
                batches.append(CallBatch(model or function, LOCAL_EMULATOR, len(rows)))
                for row in rows:
                    counts[row] = count_tokens(text_list[row] or "")
        finally:
            self.storage.log_calls("ai_count_tokens", batches)
        return pa.array(counts, type=pa.int32())

    def ai_embed(self, models: pa.ChunkedArray, texts: pa.ChunkedArray) -> pa.Array:
        """AI_EMBED(model, text): the emulator's sentence encoder (all-MiniLM-L6-v2, 384
        dimensions, unit length) for every embedding model of the catalog, so the vectors are
        real embeddings but not the named model's (nor its dimension). A NULL model or text
        gives NULL; a model that is not an embedding model of the catalog, or is retired, fails
        the query, as Cortex does."""
        from ..models.sentence_embeddings import embed

        text_list: list[str | None] = texts.to_pylist()
        vectors: list[list[float] | None] = [None] * len(text_list)
        batches: list[CallBatch] = []
        try:
            for (model,), rows in _rows_per_group(models.to_pylist(), text_list, []).items():
                self.catalog.get().check_embeddable(model)
                batches.append(CallBatch(model, LOCAL_EMULATOR, len(rows)))
                encoded = embed([text_list[row] or "" for row in rows])
                for row, vector in zip(rows, encoded, strict=True):
                    vectors[row] = vector.tolist()
        finally:
            self.storage.log_calls("ai_embed", batches)
        return pa.array(vectors, type=pa.list_(pa.float32()))

    def _check_countable(self, model: str) -> None:
        if self.catalog.get().check_callable(model) is not None:
            return
        entry = self.finetuning.find(model)
        if entry is not None:
            raise CortexError(
                f"COUNT_TOKENS does not accept fine-tuned models such as '{model}': count the "
                f"tokens with its base model instead, cortex_count_tokens('{entry.base_model}', "
                "...)."
            )
        raise unknown_model_error(
            model,
            self.catalog.get().usable_names(),
            [e.display_name for e in self.finetuning.models()],
        )

    def backend_name(self, models: pa.ChunkedArray) -> pa.Array:
        names: dict[str, str] = {}
        result: list[str | None] = []
        for model in models.to_pylist():
            if model is None:
                result.append(None)
                continue
            if model not in names:
                names[model] = self.backends.provenance(model)
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


def _errors_for(
    function: str, backend: str, model: str, texts: list[str], error: Exception
) -> list[CallError]:
    """A batch-wide failure, recorded for every distinct prompt of the batch."""
    return [
        CallError(function, backend, model, digest, None, str(error), 1)
        for digest in dict.fromkeys(prompt_hash(text) for text in texts)
    ]


def _rows_per_group(
    models: list[str | None], values: list[str | None], extra: list[list[str | None]]
) -> dict[tuple[str | None, ...], list[int]]:
    """Row numbers with a non-null model and value, per (model, *extra arguments), in order of
    appearance."""
    groups: dict[tuple[str | None, ...], list[int]] = {}
    for row, (model, value) in enumerate(zip(models, values, strict=True)):
        if model is not None and value is not None:
            key = (model, *(column[row] for column in extra))
            groups.setdefault(key, []).append(row)
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
        _Function("cortex_ai_complete", runtime.ai_complete, [text] * 4, text, True, True),
        _Function(
            "cortex_ai_count_tokens", runtime.ai_count_tokens, [text] * 3, "INTEGER", True, True
        ),
        _Function("cortex_ai_embed", runtime.ai_embed, [text, text], "FLOAT[]", True, True),
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
    "cortex_ai_complete",
    "cortex_ai_count_tokens",
    "cortex_ai_embed",
    "cortex_backend_name",
    "cortex_finetune_create",
    "cortex_finetune_describe",
    "cortex_finetune_show",
    "cortex_finetune_cancel",
)


def register(conn: duckdb.DuckDBPyConnection, settings: CortexSettings | None = None) -> None:
    """Register the emulated Cortex functions on ``conn``.

    Idempotent. DuckDB functions belong to the database, so when the functions already exist
    there (registered through this or another open connection to the same database file),
    ``conn`` is only added to the connections their runtime may use; the runtime keeps
    working as long as one of them is open. An extra internal function,
    ``cortex_emulator_instance()``, tells which runtime a database's functions belong to.

    ``settings`` choose the backends (see ``settings``). When None, a new runtime reads them
    from the environment (``CORTEX_BACKEND``, ...) and an existing one keeps its own; when
    given, they apply to the database's runtime from now on.
    """
    _create_vector_functions(conn)
    with RUNTIMES_LOCK:
        existing = _registered_runtime(conn)
        if existing is not None:
            existing.connections.add(conn)
            if settings is not None:
                existing.configure(settings)
            return
        runtime = CortexRuntime(
            settings if settings is not None else CortexSettings.from_sources({}, os.environ)
        )
        runtime.connections.add(conn)
        RUNTIMES[runtime.token] = runtime
        for function in runtime.functions:
            _create(conn, function)


#: Snowflake's VECTOR_AVG over DuckDB lists: the element-wise sum of the group's vectors (a
#: list_reduce of pairwise sums) divided by their count.
_VECTOR_AVG_MACRO = """
create macro if not exists main.vector_avg(vectors) as
list_transform(
    list_reduce(
        list(vectors) filter (where vectors is not null),
        lambda left_vector, right_vector: list_transform(
            list_zip(left_vector, right_vector), lambda pair: pair[1] + pair[2]
        )
    ),
    lambda total: total / count(vectors)
)
"""


def _create_vector_functions(conn: duckdb.DuckDBPyConnection) -> None:
    """Snowflake's vector aggregate, once per database (a read-only database goes without)."""
    exists = conn.execute(
        "select count(*) from duckdb_functions() where function_name = 'vector_avg'"
    ).fetchall()[0][0]
    if exists:
        return
    try:
        conn.execute(_VECTOR_AVG_MACRO)
    except duckdb.Error as error:
        if "read-only" not in str(error).lower():
            raise


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
