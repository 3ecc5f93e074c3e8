"""The dbt-duckdb plugin: ``plugins: [{module: cortex_emulator.plugin, config: {...}}]`` in
profiles.yml. The config (optional) chooses the backend; see ``cortex_emulator.settings``."""

from __future__ import annotations

import os
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from .duckdb_functions.runtime import register
from .settings import CortexSettings


class Plugin(BasePlugin):
    """Registers the emulated Cortex functions on every connection dbt-duckdb opens."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        # dbt-duckdb merges the profile's DuckDB `settings` into every plugin's config.
        duckdb_settings = getattr(self.creds, "settings", None) or {}
        self.settings = CortexSettings.from_sources(
            plugin_config, os.environ, ignore=set(duckdb_settings)
        )

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register(conn, self.settings)
