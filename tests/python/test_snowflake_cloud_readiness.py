"""dbt Cloud readiness: nothing on the snowflake path imports the local emulator or dbt-duckdb.

dbt Cloud installs dbt-snowflake only. Each case runs in a fresh interpreter (the test session
itself has imported both), parses and compiles the whole project plus an inline Cortex call
against a plain fakesnow account (no Cortex interception: compiling sends no Cortex call), and
reports which modules got imported. The local target is the control: it must import both, or
the check could not fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from snowflake_emulation import DUMMY_ENVIRONMENT, PROJECT_DIR

SCRIPT = """
import json, sys
import fakesnow
from dbt.cli.main import dbtRunner

commands = json.loads(sys.argv[1])
with fakesnow.patch():
    outcomes = [dbtRunner().invoke(command).success for command in commands]
loaded = sorted(
    name for name in sys.modules
    if name.split(".")[0] == "cortex_emulator" or name.startswith("dbt.adapters.duckdb")
)
print(json.dumps({"outcomes": outcomes, "loaded": loaded,
                  "snowflake": "dbt.adapters.snowflake" in sys.modules}))
"""

INLINE = "select {{ cortex_complete(var('teacher_model'), \"'My phone was stolen'\") }} as answer"


def _run(target: str, workdir: Path) -> dict:
    (workdir / "profiles.yml").write_text((PROJECT_DIR / "profiles.example.yml").read_text())
    common = [
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(workdir),
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
        "--quiet",
    ]
    commands = [
        ["parse", *common],
        ["compile", *common],
        ["compile", "--inline", INLINE, *common],
    ]
    environment = {
        **os.environ,
        **DUMMY_ENVIRONMENT,
        "DBT_TARGET": target,
        "SUPPORT_TICKETS_DUCKDB_PATH": str(workdir / "local.duckdb"),
    }
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(commands)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=workdir,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_the_snowflake_path_imports_neither_the_emulator_nor_dbt_duckdb(tmp_path: Path) -> None:
    report = _run("snowflake", tmp_path)
    assert report["outcomes"] == [True, True, True]
    assert report["snowflake"]
    assert report["loaded"] == []


def test_the_check_sees_them_on_the_local_target(tmp_path: Path) -> None:
    report = _run("local", tmp_path)
    assert report["outcomes"][0]  # parse
    assert "cortex_emulator" in report["loaded"]
    assert "dbt.adapters.duckdb" in report["loaded"]
