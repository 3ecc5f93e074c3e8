"""The open connections through which a runtime reaches its database.

DuckDB registers a Python UDF in the database (every connection to the same file sees it),
but only the connection that registered it keeps the Python function alive; once that
connection closes, the function entry would point at freed memory. So the emulator keeps
each runtime (and the exact callables it registered) alive in ``RUNTIMES`` and lets it use
*any* connection registered on the same database: the first one still open.
"""

from __future__ import annotations

import threading
import weakref

import duckdb

from ..errors import CortexError


class ConnectionPool:
    """Weak references to the connections registered on one database; ``cursor()`` opens a
    cursor on the first one still open."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._refs: list[weakref.ref[duckdb.DuckDBPyConnection]] = []

    def add(self, conn: duckdb.DuckDBPyConnection) -> None:
        with self._lock:
            if not any(ref() is conn for ref in self._refs):
                self._refs.append(weakref.ref(conn))

    def __len__(self) -> int:
        with self._lock:
            return sum(1 for ref in self._refs if ref() is not None)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor (its own connection and transaction) on the database."""
        with self._lock:
            candidates = [ref() for ref in self._refs]
        for conn in candidates:
            if conn is None:
                continue
            try:
                return conn.cursor()
            except duckdb.ConnectionException:
                self._discard(conn)
        raise CortexError(
            "The Cortex emulator has no open connection to this database: call "
            "cortex_emulator.register(conn) on the connection you are using."
        )

    def _discard(self, conn: duckdb.DuckDBPyConnection) -> None:
        with self._lock:
            self._refs = [ref for ref in self._refs if ref() is not None and ref() is not conn]


#: Every runtime ever registered, by token. Never emptied: a database may still hold
#: functions that point at a runtime's callables (see the module docstring).
RUNTIMES: dict[str, object] = {}
RUNTIMES_LOCK = threading.Lock()
