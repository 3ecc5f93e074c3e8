"""The response cache: answers of remote backends, kept in the database so that no prompt is
paid for twice (a ``--full-refresh`` of the calling models, a re-created database view, a
second project on the same database file).

Table ``cortex_emulator.response_cache`` (backend, model, prompt_hash, options, response,
cached_at), keyed by (backend, model, prompt_hash, options): ``backend`` is the backend's
name (e.g. ``openai-compatible:localhost:11434``), ``model`` the Cortex model name (lower
case), ``prompt_hash`` ``md5(prompt)`` and ``options`` the JSON of everything else that
shapes the answer (the endpoint's model name, temperature, max_tokens). Only answers are
cached, never failures. One query reads a whole batch and one statement writes it.

The key has no unique constraint (concurrent batches may both miss and both write the same
answer); reads take the newest answer per key and writes skip keys already present.
"""

from __future__ import annotations

import hashlib

import pyarrow as pa

from ..duckdb_functions.storage import SCHEMA, Storage, insert_arrow, now_micros


def prompt_hash(prompt: str) -> str:
    """``md5(prompt)`` as DuckDB and Snowflake compute it (hex of the UTF-8 bytes)."""
    return hashlib.md5(prompt.encode("utf-8", errors="surrogatepass")).hexdigest()


class ResponseCache:
    """Batch reads and writes of ``response_cache`` through the runtime's storage."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    def lookup(self, backend: str, model: str, options: str, hashes: list[str]) -> dict[str, str]:
        """The cached answers among ``hashes`` (prompt hash -> answer), in one query."""
        if not hashes or not self._storage.ensure_tables():
            return {}
        keys = pa.table({"prompt_hash": pa.array(sorted(set(hashes)), pa.string())})
        with self._storage.cursor() as cur:
            rows = insert_arrow(
                cur,
                keys,
                "select cached.prompt_hash, arg_max(cached.response, cached.cached_at) "
                f"from {SCHEMA}.response_cache as cached "
                "inner join {view} as wanted on cached.prompt_hash = wanted.prompt_hash "
                "where cached.backend = $1 and cached.model = $2 and cached.options = $3 "
                "group by cached.prompt_hash",
                [backend, model, options],
            )
        return {key: answer for key, answer in rows}

    def store(self, backend: str, model: str, options: str, answers: dict[str, str]) -> None:
        """Add ``answers`` (prompt hash -> answer) not cached yet, in one statement."""
        if not answers or not self._storage.ensure_tables():
            return
        data = pa.table(
            {
                "prompt_hash": pa.array(list(answers), pa.string()),
                "response": pa.array(list(answers.values()), pa.string()),
            }
        )
        with self._storage.cursor() as cur:
            insert_arrow(
                cur,
                data,
                f"insert into {SCHEMA}.response_cache "
                "select $1, $2, new.prompt_hash, $3, new.response, make_timestamp($4) "
                "from {view} as new "
                f"where not exists (select 1 from {SCHEMA}.response_cache as cached "
                "where cached.backend = $1 and cached.model = $2 and cached.options = $3 "
                "and cached.prompt_hash = new.prompt_hash)",
                [backend, model, options, now_micros()],
            )
