"""dbt Projects on Snowflake: what can be proven without an account.

The folder deploy/snowflake/bundle.py builds (what `snow dbt deploy` uploads) parses and compiles
with its own profile (deploy/snowflake/profiles.yml, target snowflake_native) in a process with
NO environment variable at all, run from inside the folder as EXECUTE DBT PROJECT runs it (no
--project-dir or --profiles-dir), against fakesnow instead of an account; no file of it calls
env_var(); it stays under Snowflake's file limit with target/ and logs/ written; and the commands
the deployment documents use none of the flags dbt Projects on Snowflake refuses.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from dbt_harness import PROJECT_DIR

from main_job import MAIN_JOB

sys.path.insert(0, str(PROJECT_DIR / "deploy" / "snowflake"))
import bundle  # noqa: E402

#: The flags the "Supported dbt commands and flags" page of dbt Projects on Snowflake lists as
#: not supported.
UNSUPPORTED_FLAGS = (
    "--state",
    "--target-path",
    "--log-path",
    "--profiles-dir",
    "--project-dir",
    "--log-format",
    "--log-format-file",
)
DEPLOYMENT_FILES = (
    PROJECT_DIR / "deploy" / "snowflake" / "tasks.sql",
    PROJECT_DIR / "deploy" / "snowflake" / "deploy.sh",
    PROJECT_DIR / "docs" / "dbt-projects-on-snowflake.md",
)
NATIVE_VARS = {
    "snowflake_database": "SUPPORT_TICKETS_NATIVE",
    "snowflake_schema": "DAILY",
    "snowflake_warehouse": "DBT_WH",
    "snowflake_role": "DBT_RUNNER",
}

SCRIPT = """
import json, sys
import fakesnow
from dbt.cli.main import dbtRunner

commands = json.loads(sys.argv[1])
with fakesnow.patch():
    results = [dbtRunner().invoke(command) for command in commands]
print(json.dumps([{"success": r.success, "error": str(r.exception or "")} for r in results]))
"""


@pytest.fixture(scope="module")
def compiled_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("native") / "support_ticket_llm"
    bundle.build(folder)
    dbt_vars = json.dumps(NATIVE_VARS)
    commands = [
        ["parse", "--vars", dbt_vars, "--no-send-anonymous-usage-stats"],
        ["compile", "--vars", dbt_vars, "--no-send-anonymous-usage-stats"],
    ]
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(commands)],
        capture_output=True,
        text=True,
        cwd=folder,
        env={},  # no environment variable: none can reach the profile or the project
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    outcomes = json.loads(completed.stdout.strip().splitlines()[-1])
    assert all(outcome["success"] for outcome in outcomes), outcomes
    return folder


def test_the_bundle_holds_the_project_its_packages_and_the_native_profile(tmp_path: Path) -> None:
    files = bundle.build(tmp_path / "bundle")
    names = {path.relative_to(tmp_path / "bundle").as_posix() for path in files}
    assert {"dbt_project.yml", "selectors.yml", "packages.yml", "profiles.yml"} <= names
    assert any(name.startswith("dbt_packages/dbt_expectations/") for name in names)
    assert not any(name.endswith(".py") for name in names)
    profile = yaml.safe_load((tmp_path / "bundle" / "profiles.yml").read_text())
    output = profile["support_ticket_llm"]["outputs"][profile["support_ticket_llm"]["target"]]
    assert output["type"] == "snowflake"


def test_no_deployed_file_reads_the_environment(compiled_bundle: Path) -> None:
    readers = [
        path.relative_to(compiled_bundle).as_posix()
        for path in compiled_bundle.rglob("*")
        if path.is_file()
        and path.suffix in {".sql", ".yml", ".yaml", ".md"}
        and "target" not in path.relative_to(compiled_bundle).parts
        and re.search(r"\benv_var\s*\(", path.read_text(encoding="utf-8"))
    ]
    assert readers == []


def test_it_compiles_every_model_with_the_native_target_and_the_vars(
    compiled_bundle: Path,
) -> None:
    manifest = json.loads((compiled_bundle / "target" / "manifest.json").read_text())
    models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == "support_ticket_llm"
    ]
    assert models and all(node["compiled_code"].strip() for node in models)
    assert {node["database"] for node in models} == {NATIVE_VARS["snowflake_database"]}
    assert {node["schema"] for node in models} == {NATIVE_VARS["snowflake_schema"]}
    assert manifest["metadata"]["adapter_type"] == "snowflake"


def test_it_stays_under_the_file_limit_with_target_and_logs(compiled_bundle: Path) -> None:
    assert (compiled_bundle / "target").is_dir() and (compiled_bundle / "logs").is_dir()
    count = sum(1 for path in compiled_bundle.rglob("*") if path.is_file())
    assert count < bundle.MAX_PROJECT_FILES


def _documented_execute_args() -> list[str]:
    found = []
    for path in DEPLOYMENT_FILES:
        text = path.read_text(encoding="utf-8")
        found += re.findall(r"args\s*=\s*'((?:[^']|'')*)'", text, flags=re.IGNORECASE)
    return found


def test_the_documented_commands_use_no_unsupported_flag() -> None:
    documented = _documented_execute_args()
    assert len(documented) >= len(MAIN_JOB)
    commands = documented + [step.execute_args for step in MAIN_JOB]
    for command in commands:
        for flag in UNSUPPORTED_FLAGS:
            assert not re.search(rf"(^|\s){re.escape(flag)}(=|\s|$)", command), (flag, command)
