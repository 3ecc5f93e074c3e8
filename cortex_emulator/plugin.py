"""The dbt-duckdb plugin: ``plugins: [{module: cortex_emulator.plugin}]`` in profiles.yml."""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from . import register


class Plugin(BasePlugin):
    """Registers the emulated Cortex functions on every connection dbt-duckdb opens."""

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register(conn)
