"""dbt commands on the project's ``snowflake`` target, against an ``EmulatedSnowflake`` account.

The profile is the project's own ``profiles.example.yml``; its snowflake output is filled from
dummy SNOWFLAKE_* environment variables (password authentication). Target, log and profiles
directories are the project copy's own, never the repository's.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbt.cli.main import dbtRunner, dbtRunnerResult
from dbt_common.events.base_types import EventMsg
from dbt_harness import temporary_environment

from .account import EmulatedSnowflake, Statement

PROJECT_DIR = Path(__file__).resolve().parents[3]

#: The snowflake output of profiles.example.yml reads these; the auth variables are cleared so a
#: developer's own SNOWFLAKE_AUTHENTICATOR or key path cannot leak into the tests.
DUMMY_ENVIRONMENT: dict[str, str] = {
    "DBT_TARGET": "snowflake",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "SNOWFLAKE_ACCOUNT": "emulated-account",
    "SNOWFLAKE_USER": "dbt_ci",
    "SNOWFLAKE_PASSWORD": "not-a-real-password",
    "SNOWFLAKE_ROLE": "transformer",
    "SNOWFLAKE_WAREHOUSE": "transforming",
    "SNOWFLAKE_DATABASE": "SUPPORT_TICKETS_CI",
    "SNOWFLAKE_SCHEMA": "support_tickets",
    "SNOWFLAKE_AUTHENTICATOR": "",
    "SNOWFLAKE_PRIVATE_KEY_PATH": "",
    "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": "",
}


class DbtCommandFailed(AssertionError):
    pass


@dataclass(frozen=True)
class Invocation:
    """One dbt command: its result and the statements it sent."""

    args: tuple[str, ...]
    result: dbtRunnerResult
    statements: list[Statement] = field(default_factory=list)
    #: What the command logged from macros (log(..., info=true)), every warning and error, as
    #: printed.
    log_lines: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        """The error text of a failed command (exception, failing nodes, or what it logged: a
        failed run-operation reports its error only there)."""
        if self.result.exception is not None:
            return str(self.result.exception)
        results = getattr(self.result.result, "results", None) or []
        failures = "; ".join(
            f"{item.node.name}: {item.message}" for item in results if item.message
        )
        return failures or "\n".join(self.log_lines)


@dataclass
class SnowflakeProject:
    """A copy of the project's state on the snowflake target: its account and its directories."""

    workdir: Path
    account: EmulatedSnowflake
    environment: dict[str, str] = field(default_factory=lambda: dict(DUMMY_ENVIRONMENT))

    @classmethod
    def create(cls, workdir: Path, account: EmulatedSnowflake) -> SnowflakeProject:
        workdir.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT_DIR / "profiles.example.yml", workdir / "profiles.yml")
        return cls(workdir, account)

    @property
    def database(self) -> str:
        return self.environment["SNOWFLAKE_DATABASE"].upper()

    @property
    def schema(self) -> str:
        return self.environment["SNOWFLAKE_SCHEMA"].upper()

    @property
    def target_path(self) -> Path:
        return self.workdir / "target"

    def relation(self, name: str, schema: str | None = None) -> str:
        return f"{self.database}.{schema or self.schema}.{name}"

    def invoke(
        self,
        *args: str,
        vars: Mapping[str, Any] | None = None,
        target_path: Path | None = None,
        expect_success: bool | None = True,
    ) -> Invocation:
        """Run one dbt command on the account. ``expect_success`` True (or False) raises
        DbtCommandFailed when the command fails (or succeeds); None returns it either way."""
        command = [
            *args,
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(self.workdir),
            "--target-path",
            str(target_path or self.target_path),
            "--log-path",
            str(self.workdir / "logs"),
        ]
        if vars:
            command += ["--vars", json.dumps(dict(vars))]
        step = " ".join(args)
        log_lines: list[str] = []

        def collect(event: EventMsg) -> None:
            if event.info.name in {"JinjaLogInfo", "JinjaLogWarning"} or event.info.level in {
                "warn",
                "error",
            }:
                log_lines.append(event.info.msg)

        with self._environment(), self.account.connected(step) as statements:
            result = dbtRunner(callbacks=[collect]).invoke(command)
        invocation = Invocation(tuple(args), result, statements, log_lines)
        if expect_success is True and not result.success:
            raise DbtCommandFailed(
                f"dbt {step} failed on the snowflake target: {invocation.message}"
            )
        if expect_success is False and result.success:
            raise DbtCommandFailed(f"dbt {step} succeeded but was expected to fail")
        return invocation

    def query(self, sql: str) -> list[tuple]:
        """Rows of Snowflake SQL run on the account, in the target database and schema."""
        return self.account.query(sql, database=self.database, schema=self.schema)

    def _environment(self) -> AbstractContextManager[None]:
        return temporary_environment(self.environment)
