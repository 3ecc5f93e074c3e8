"""Drive this dbt project in-process (dbtRunner) against a throwaway DuckDB file."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import yaml
from dbt.cli.main import dbtRunner, dbtRunnerResult
from dbt_common.events.base_types import EventMsg

import cortex_emulator
from main_job import steps_for

PROJECT_DIR = Path(__file__).resolve().parents[2]

# The main job's steps on the synthetic seed (main_job/steps.py, what `make run` runs).
MAIN_JOB: tuple[tuple[str, ...], ...] = tuple(
    step.args for step in steps_for(loading_tickets=False)
)


@contextmanager
def temporary_environment(overrides: Mapping[str, str]) -> Iterator[None]:
    """Environment variables set for the duration of a block (dbt reads the profile's env_var()s)."""
    saved = {name: os.environ.get(name) for name in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class DbtCommandFailed(AssertionError):
    pass


@dataclass
class DbtInvocation:
    """What one dbt command returned, with the error messages dbt reported on the way."""

    result: dbtRunnerResult
    errors: list[str]

    @property
    def success(self) -> bool:
        return self.result.success

    @property
    def error_text(self) -> str:
        """Everything dbt said went wrong: the exception, failed nodes' messages, error events."""
        parts = [str(self.result.exception)] if self.result.exception else []
        for item in getattr(self.result.result, "results", None) or []:
            if str(item.status) in {"error", "fail"} and item.message:
                node_id = getattr(item, "unique_id", None) or item.node.unique_id
                parts.append(f"{node_id}: {item.message}")
        return "\n".join(parts + self.errors)


@dataclass
class DbtProject:
    """One isolated copy of the project's state: its own database, profiles, target and logs.

    ``create(workdir, plugin_config={...})`` writes the config into the profile's
    ``cortex_emulator.plugin`` entry (e.g. the openai backend); ``env`` holds extra environment
    variables set while dbt runs (e.g. ``CORTEX_BACKEND``)."""

    workdir: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def database_path(self) -> Path:
        return self.workdir / "support_tickets.duckdb"

    @property
    def target_path(self) -> Path:
        return self.workdir / "target"

    @property
    def path_flags(self) -> list[str]:
        """The dbt flags that point a command at this project's profile, target and log paths."""
        return [
            "--profiles-dir",
            str(self.workdir),
            "--target-path",
            str(self.target_path),
            "--log-path",
            str(self.workdir / "logs"),
        ]

    @classmethod
    def create(
        cls,
        workdir: Path,
        plugin_config: dict[str, Any] | None = None,
        env: dict[str, str] | None = None,
    ) -> DbtProject:
        workdir.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT_DIR / "profiles.example.yml", workdir / "profiles.yml")
        if plugin_config is not None:
            _set_plugin_config(workdir / "profiles.yml", plugin_config)
        return cls(workdir, dict(env or {}))

    def _environment(self) -> AbstractContextManager[None]:
        return temporary_environment(
            {
                "SUPPORT_TICKETS_DUCKDB_PATH": str(self.database_path),
                "DBT_TARGET": "local",
                "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
                **self.env,
            }
        )

    def invoke(
        self, *args: str, vars: dict[str, Any] | None = None, expect_success: bool = True
    ) -> DbtInvocation:
        command = [
            *args,
            "--project-dir",
            str(PROJECT_DIR),
            *self.path_flags,
        ]
        if vars:
            command += ["--vars", json.dumps(vars)]
        errors: list[str] = []

        def collect_errors(event: EventMsg) -> None:
            if event.info.level == "error":
                errors.append(event.info.msg)

        with self._environment():
            result = dbtRunner(callbacks=[collect_errors]).invoke(command)
        invocation = DbtInvocation(result, errors)
        if expect_success and not result.success:
            raise DbtCommandFailed(f"dbt {' '.join(args)} failed: {invocation.error_text}")
        if not expect_success and result.success:
            raise DbtCommandFailed(f"dbt {' '.join(args)} succeeded but was expected to fail")
        return invocation

    def run_main_job(self, vars: dict[str, Any] | None = None) -> None:
        for step in MAIN_JOB:
            self.invoke(*step, vars=vars)

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection with the emulator registered, as dbt's own (views may call its functions)."""
        connection = duckdb.connect(str(self.database_path))
        try:
            cortex_emulator.register(connection)
            yield connection
        finally:
            connection.close()

    def query(self, sql: str, parameters: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        with self.connect() as connection:
            return connection.execute(sql, parameters or []).fetchall()

    def scalar(self, sql: str, parameters: Sequence[Any] | None = None) -> Any:
        rows = self.query(sql, parameters)
        assert len(rows) == 1 and len(rows[0]) == 1, f"expected one value from {sql!r}, got {rows}"
        return rows[0][0]

    def call_counts(self) -> dict[tuple[str, str], int]:
        with self.connect() as connection:
            return cortex_emulator.call_counts(connection)


def _set_plugin_config(profiles: Path, config: dict[str, Any]) -> None:
    """Give the local target's cortex_emulator plugin ``config`` in the profiles file."""
    document = yaml.safe_load(profiles.read_text())
    for output in document["support_ticket_llm"]["outputs"].values():
        for plugin in output.get("plugins") or []:
            if plugin.get("module") == "cortex_emulator.plugin":
                plugin["config"] = config
    profiles.write_text(yaml.safe_dump(document, sort_keys=False))
