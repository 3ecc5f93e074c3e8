"""The emulator's tables, inside the project's own DuckDB database (schema ``cortex_emulator``).

* ``jobs``: one row per FINETUNE('CREATE') job, with its status, error, options and losses.
* ``models``: one row per fine-tuned model name (lower case) -> the job that produced it.
* the trained models as plain data (no pickle, no files):
  ``model_vocabulary`` (model, term_index, term, idf), ``model_labels`` (model, label_index,
  label), and for classifiers ``model_weights`` (model, term_index, label_index, weight) and
  ``model_biases`` (model, label_index, bias); for nearest-neighbour models
  ``model_examples`` (model, example_index, label_index) and ``model_example_terms``
  (model, example_index, term_index, weight).
* ``calls`` (called_at, function, model, rows, backend, cached_rows, failed_rows, requests):
  one row per UDF batch per model. ``rows`` is the number of non-null prompts (or texts)
  sent to the backend (a failed row counts: it was sent); ``cached_rows`` the rows answered
  from the response cache instead, ``failed_rows`` the sent rows left without an answer and
  ``requests`` the HTTP requests made, retries included (NULL for the local emulator).
* ``call_errors`` (errored_at, function, backend, model, prompt_hash, http_status, error,
  attempts): one row per prompt that got no answer (after its retries). ``prompt_hash`` is
  ``md5(prompt)``, the ``prompt_hash`` column of the calling dbt models, so a failure joins
  to its ticket.
* ``response_cache`` (backend, model, prompt_hash, options, response, cached_at): the answers
  of remote backends, keyed by (backend, model, prompt_hash, options); see ``cache``.

Every operation uses its own ``conn.cursor()`` (so it works from inside a UDF) and its own
transaction; saving a model replaces the old one atomically. The schema and tables are
created on first use with ``create ... if not exists``. Timestamps are UTC.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from ..errors import CortexError
from ..models.finetuned.training import (
    ModelKind,
    TrainedModel,
    vectorizer_from_table,
    vocabulary_of,
)
from .connections import ConnectionPool

SCHEMA = "cortex_emulator"

_DDL = (
    f"create schema if not exists {SCHEMA}",
    f"""create table if not exists {SCHEMA}.jobs (
        id varchar not null,
        name varchar not null,
        display_name varchar not null,
        base_model varchar not null,
        status varchar not null,
        error varchar,
        created_on timestamp not null,
        finished_on timestamp,
        training_query varchar,
        validation_query varchar,
        options varchar,
        trained_tokens bigint,
        training_loss double,
        validation_loss double,
        training_rows bigint,
        validation_rows bigint
    )""",
    f"""create table if not exists {SCHEMA}.models (
        model varchar not null,
        display_name varchar not null,
        job_id varchar not null,
        base_model varchar not null,
        kind varchar not null,
        n_terms bigint not null,
        n_labels bigint not null,
        n_examples bigint not null,
        fallback_label integer not null,
        created_on timestamp not null
    )""",
    f"create table if not exists {SCHEMA}.model_vocabulary "
    "(model varchar, term_index integer, term varchar, idf double)",
    f"create table if not exists {SCHEMA}.model_labels "
    "(model varchar, label_index integer, label varchar)",
    f"create table if not exists {SCHEMA}.model_weights "
    "(model varchar, term_index integer, label_index integer, weight double)",
    f"create table if not exists {SCHEMA}.model_biases "
    "(model varchar, label_index integer, bias double)",
    f"create table if not exists {SCHEMA}.model_examples "
    "(model varchar, example_index integer, label_index integer)",
    f"create table if not exists {SCHEMA}.model_example_terms "
    "(model varchar, example_index integer, term_index integer, weight double)",
    f"create table if not exists {SCHEMA}.calls "
    "(called_at timestamp, function varchar, model varchar, rows bigint)",
    # Columns added after the first release: databases made before get them here.
    f"alter table {SCHEMA}.calls add column if not exists backend varchar",
    f"alter table {SCHEMA}.calls add column if not exists cached_rows bigint",
    f"alter table {SCHEMA}.calls add column if not exists failed_rows bigint",
    f"alter table {SCHEMA}.calls add column if not exists requests bigint",
    f"""create table if not exists {SCHEMA}.call_errors (
        errored_at timestamp not null,
        function varchar not null,
        backend varchar not null,
        model varchar not null,
        prompt_hash varchar not null,
        http_status integer,
        error varchar not null,
        attempts integer not null
    )""",
    f"""create table if not exists {SCHEMA}.response_cache (
        backend varchar not null,
        model varchar not null,
        prompt_hash varchar not null,
        options varchar not null,
        response varchar not null,
        cached_at timestamp not null
    )""",
)
_MODEL_DATA_TABLES = (
    "model_vocabulary",
    "model_labels",
    "model_weights",
    "model_biases",
    "model_examples",
    "model_example_terms",
)
_JOB_COLUMNS = (
    "id, display_name, base_model, status, error, epoch_ms(created_on), epoch_ms(finished_on), "
    "training_query, validation_query, options, trained_tokens, training_loss, validation_loss"
)


def now_micros() -> int:
    """The current UTC time in epoch microseconds."""
    return time.time_ns() // 1000


@dataclass(frozen=True)
class CallBatch:
    """What one UDF batch did for one model (a row of ``calls``)."""

    model: str
    backend: str
    rows: int
    cached_rows: int = 0
    failed_rows: int = 0
    requests: int | None = None


@dataclass(frozen=True)
class CallError:
    """A prompt that got no answer (a row of ``call_errors``)."""

    function: str
    backend: str
    model: str
    prompt_hash: str
    http_status: int | None
    error: str
    attempts: int


@dataclass(frozen=True)
class JobRecord:
    """A fine-tuning job as stored."""

    id: str
    name: str
    base_model: str
    status: str
    error: dict[str, str] | None
    created_on_ms: int
    finished_on_ms: int | None
    training_query: str | None
    validation_query: str | None
    options: dict[str, Any]
    trained_tokens: int | None
    training_loss: float | None
    validation_loss: float | None


@dataclass(frozen=True)
class NewJob:
    """A finished job to record (with its model when it succeeded)."""

    id: str
    name: str
    base_model: str
    status: str
    error: dict[str, str] | None
    created_on_us: int
    finished_on_us: int | None
    training_query: str
    validation_query: str | None
    options: dict[str, Any]
    trained_tokens: int | None
    training_loss: float | None
    validation_loss: float | None
    training_rows: int
    validation_rows: int


@dataclass(frozen=True)
class ModelEntry:
    """A fine-tuned model name and the job whose model currently serves it."""

    model: str
    display_name: str
    job_id: str
    base_model: str


def _is_missing_table(error: Exception) -> bool:
    return isinstance(error, duckdb.CatalogException)


def _is_read_only(error: Exception) -> bool:
    text = str(error).lower()
    return "read-only" in text or "read only" in text


class Storage:
    """Reads and writes the emulator's tables through cursors of the registered connections."""

    def __init__(self, connections: ConnectionPool) -> None:
        self._connections = connections
        self._lock = threading.Lock()
        self._ready = False
        self.read_only = False

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cur = self._connections.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def ensure_tables(self) -> bool:
        """Create the schema and tables if needed; False when the database is read-only."""
        if self._ready:
            return True
        with self._lock:
            if self._ready or self.read_only:
                return self._ready
            try:
                with self.cursor() as cur:
                    for statement in _DDL:
                        cur.execute(statement)
            except duckdb.Error as error:
                if _is_read_only(error):
                    self.read_only = True
                    return False
                raise
            self._ready = True
            return True

    def _require_writable(self) -> None:
        if not self.ensure_tables():
            raise CortexError(
                "The database is read-only, so the Cortex emulator cannot store fine-tuning "
                "jobs or models: open it read-write."
            )

    # -- call log -------------------------------------------------------------------------

    def log_calls(self, function: str, batches: list[CallBatch]) -> None:
        """Record one UDF batch: a row per model that was sent rows or answered from cache."""
        entries = [b for b in batches if b.rows > 0 or b.cached_rows > 0]
        if not entries or not self.ensure_tables():
            return
        stamp = now_micros()
        with self.cursor() as cur:
            cur.executemany(
                f"insert into {SCHEMA}.calls (called_at, function, model, rows, backend, "
                "cached_rows, failed_rows, requests) "
                "values (make_timestamp(?), ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        stamp,
                        function,
                        b.model,
                        b.rows,
                        b.backend,
                        b.cached_rows,
                        b.failed_rows,
                        b.requests,
                    )
                    for b in entries
                ],
            )

    def log_errors(self, errors: list[CallError]) -> None:
        """Record prompts that got no answer (one insert for the whole list)."""
        if not errors or not self.ensure_tables():
            return
        stamp = now_micros()
        data = pa.table(
            {
                "errored_at": pa.array([stamp] * len(errors), pa.int64()),
                "function": pa.array([e.function for e in errors], pa.string()),
                "backend": pa.array([e.backend for e in errors], pa.string()),
                "model": pa.array([e.model for e in errors], pa.string()),
                "prompt_hash": pa.array([e.prompt_hash for e in errors], pa.string()),
                "http_status": pa.array([e.http_status for e in errors], pa.int32()),
                "error": pa.array([e.error for e in errors], pa.string()),
                "attempts": pa.array([e.attempts for e in errors], pa.int32()),
            }
        )
        with self.cursor() as cur:
            insert_arrow(
                cur,
                data,
                f"insert into {SCHEMA}.call_errors select make_timestamp(errored_at), function, "
                "backend, model, prompt_hash, http_status, error, attempts from {view}",
            )

    # -- jobs -----------------------------------------------------------------------------

    def record_job(self, job: NewJob, model: TrainedModel | None = None) -> None:
        """Insert ``job``; with ``model``, also (re)place the model of ``job.name``, all in one
        transaction so that a failure leaves the previous model in place."""
        self._require_writable()
        with self.cursor() as cur:
            cur.execute("begin transaction")
            try:
                cur.execute(
                    f"insert into {SCHEMA}.jobs values (?, ?, ?, ?, ?, ?, make_timestamp(?), "
                    "make_timestamp(?), ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        job.id,
                        job.name.lower(),
                        job.name,
                        job.base_model,
                        job.status,
                        json.dumps(job.error) if job.error else None,
                        job.created_on_us,
                        job.finished_on_us,
                        job.training_query,
                        job.validation_query,
                        json.dumps(job.options, sort_keys=True),
                        job.trained_tokens,
                        job.training_loss,
                        job.validation_loss,
                        job.training_rows,
                        job.validation_rows,
                    ],
                )
                if model is not None:
                    self._replace_model(cur, job, model)
                cur.execute("commit")
            except BaseException:
                cur.execute("rollback")
                raise

    def _replace_model(
        self, cur: duckdb.DuckDBPyConnection, job: NewJob, model: TrainedModel
    ) -> None:
        key = job.name.lower()
        cur.execute(f"delete from {SCHEMA}.models where model = ?", [key])
        for table in _MODEL_DATA_TABLES:
            cur.execute(f"delete from {SCHEMA}.{table} where model = ?", [key])
        n_examples = model.examples.shape[0] if model.examples is not None else 0
        terms, idf = vocabulary_of(model.vectorizer)
        cur.execute(
            f"insert into {SCHEMA}.models values (?, ?, ?, ?, ?, ?, ?, ?, ?, make_timestamp(?))",
            [
                key,
                job.name,
                job.id,
                job.base_model,
                model.kind,
                len(terms),
                len(model.labels),
                n_examples,
                model.fallback_label,
                job.finished_on_us,
            ],
        )
        tables: dict[str, dict[str, Any]] = {
            "model_vocabulary": {
                "term_index": np.arange(len(terms), dtype=np.int32),
                "term": pa.array(terms, pa.string()),
                "idf": idf,
            },
            "model_labels": {
                "label_index": np.arange(len(model.labels), dtype=np.int32),
                "label": pa.array(model.labels, pa.string()),
            },
        }
        if model.kind == "classifier":
            assert model.weights is not None and model.biases is not None
            n_terms, n_labels = model.weights.shape
            tables["model_weights"] = {
                "term_index": np.repeat(np.arange(n_terms, dtype=np.int32), n_labels),
                "label_index": np.tile(np.arange(n_labels, dtype=np.int32), n_terms),
                "weight": model.weights.reshape(-1),
            }
            tables["model_biases"] = {
                "label_index": np.arange(n_labels, dtype=np.int32),
                "bias": model.biases,
            }
        else:
            assert model.examples is not None and model.example_labels is not None
            triplets = model.examples.tocoo()
            tables["model_examples"] = {
                "example_index": np.arange(model.examples.shape[0], dtype=np.int32),
                "label_index": model.example_labels.astype(np.int32),
            }
            tables["model_example_terms"] = {
                "example_index": triplets.row.astype(np.int32),
                "term_index": triplets.col.astype(np.int32),
                "weight": triplets.data,
            }
        for table, columns in tables.items():
            length = len(next(iter(columns.values())))
            data = pa.table({"model": pa.array([key] * length, pa.string()), **columns})
            view = f"__cortex_emulator_{table}"
            cur.register(view, data)
            try:
                cols = ", ".join(data.column_names)
                cur.execute(f"insert into {SCHEMA}.{table} ({cols}) select {cols} from {view}")
            finally:
                cur.unregister(view)

    def get_job(self, job_id: str) -> JobRecord | None:
        rows = self._select_jobs("where id = ?", [job_id.strip()])
        return rows[0] if rows else None

    def list_jobs(self) -> list[JobRecord]:
        """Every job, newest first."""
        return self._select_jobs("order by created_on desc, id desc", [])

    def _select_jobs(self, clause: str, params: list[Any]) -> list[JobRecord]:
        try:
            with self.cursor() as cur:
                rows = cur.execute(
                    f"select {_JOB_COLUMNS} from {SCHEMA}.jobs {clause}", params
                ).fetchall()
        except duckdb.Error as error:
            if _is_missing_table(error):
                return []
            raise
        return [
            JobRecord(
                id=r[0],
                name=r[1],
                base_model=r[2],
                status=r[3],
                error=json.loads(r[4]) if r[4] else None,
                created_on_ms=int(r[5]),
                finished_on_ms=int(r[6]) if r[6] is not None else None,
                training_query=r[7],
                validation_query=r[8],
                options=json.loads(r[9]) if r[9] else {},
                trained_tokens=int(r[10]) if r[10] is not None else None,
                training_loss=r[11],
                validation_loss=r[12],
            )
            for r in rows
        ]

    def set_job_status(self, job_id: str, status: str, error: dict[str, str] | None) -> None:
        self._require_writable()
        with self.cursor() as cur:
            cur.execute(
                f"update {SCHEMA}.jobs set status = ?, error = ?, "
                "finished_on = coalesce(finished_on, make_timestamp(?)) where id = ?",
                [status, json.dumps(error) if error else None, now_micros(), job_id],
            )

    # -- models ---------------------------------------------------------------------------

    def list_models(self) -> list[ModelEntry]:
        """Every fine-tuned model name with the job that serves it (empty when none)."""
        try:
            with self.cursor() as cur:
                rows = cur.execute(
                    f"select model, display_name, job_id, base_model from {SCHEMA}.models "
                    "order by model"
                ).fetchall()
        except duckdb.Error as error:
            if _is_missing_table(error):
                return []
            raise
        return [ModelEntry(*row) for row in rows]

    def load_model(self, entry: ModelEntry) -> TrainedModel:
        """Rebuild the model stored for ``entry`` from its rows."""
        with self.cursor() as cur:
            cur.execute("begin transaction")
            try:
                return self._load_model(cur, entry)
            finally:
                cur.execute("rollback")

    def _load_model(self, cur: duckdb.DuckDBPyConnection, entry: ModelEntry) -> TrainedModel:
        key = entry.model
        found = cur.execute(
            f"select job_id, kind, n_terms, n_labels, n_examples, fallback_label "
            f"from {SCHEMA}.models where model = ?",
            [key],
        ).fetchall()
        header = found[0] if found else None
        if header is None or header[0] != entry.job_id:
            raise CortexError(
                f"Fine-tuned model '{entry.display_name}' changed while it was being loaded: "
                "run the query again."
            )
        _, kind, n_terms, n_labels, n_examples, fallback = header

        def table(sql: str) -> pa.Table:
            return cur.sql(sql, params=[key]).to_arrow_table()

        vocab = table(
            f"select term, idf from {SCHEMA}.model_vocabulary where model = ? order by term_index"
        )
        labels = table(
            f"select label from {SCHEMA}.model_labels where model = ? order by label_index"
        )
        vectorizer = vectorizer_from_table(
            vocab.column("term").to_pylist(), vocab.column("idf").to_numpy()
        )
        label_list = [str(v) for v in labels.column("label").to_pylist()]
        model_kind: ModelKind = "classifier" if kind == "classifier" else "nearest_neighbour"
        if model_kind == "classifier":
            weights = table(
                f"select weight from {SCHEMA}.model_weights where model = ? "
                "order by term_index, label_index"
            )
            biases = table(
                f"select bias from {SCHEMA}.model_biases where model = ? order by label_index"
            )
            return TrainedModel(
                model_kind,
                vectorizer,
                label_list,
                int(fallback),
                weights=weights.column("weight").to_numpy().reshape(int(n_terms), int(n_labels)),
                biases=biases.column("bias").to_numpy(),
            )
        examples = table(
            f"select label_index from {SCHEMA}.model_examples where model = ? "
            "order by example_index"
        )
        terms = table(
            f"select example_index, term_index, weight from {SCHEMA}.model_example_terms "
            "where model = ? order by example_index, term_index"
        )
        vectors = sp.csr_matrix(
            (
                terms.column("weight").to_numpy(),
                (
                    terms.column("example_index").to_numpy().astype(np.int64),
                    terms.column("term_index").to_numpy().astype(np.int64),
                ),
            ),
            shape=(int(n_examples), int(n_terms)),
        )
        return TrainedModel(
            model_kind,
            vectorizer,
            label_list,
            int(fallback),
            examples=vectors,
            example_labels=examples.column("label_index").to_numpy().astype(np.int64),
        )


def insert_arrow(
    cur: duckdb.DuckDBPyConnection,
    data: pa.Table,
    statement: str,
    parameters: list[Any] | None = None,
) -> list[tuple[Any, ...]]:
    """Run ``statement`` (with ``parameters``), ``{view}`` in it standing for the arrow table
    ``data``; returns its rows."""
    view = f"__cortex_emulator_batch_{uuid.uuid4().hex}"
    cur.register(view, data)
    try:
        return cur.execute(statement.format(view=view), parameters or []).fetchall()
    finally:
        cur.unregister(view)


def call_counts(conn: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], int]:
    """Rows sent per (function, model) according to the call log ({} before any call)."""
    cur = conn.cursor()
    try:
        rows = cur.execute(
            f"select function, model, sum(rows) from {SCHEMA}.calls group by all"
        ).fetchall()
    except duckdb.CatalogException:
        return {}
    finally:
        cur.close()
    return {(function, model): int(total) for function, model, total in rows}
