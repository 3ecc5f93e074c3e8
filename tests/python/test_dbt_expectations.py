"""dbt-expectations online and offline: packages.yml declares the real package, `make deps` falls
back to the project's stand-in (offline_packages/dbt_expectations) when the dbt Hub cannot be
reached, and the expectation tests then run for real: they pass on the built data and fail on
corrupted data."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from dbt.cli.main import dbtRunner
from dbt_harness import PROJECT_DIR, DbtProject

STAND_IN_DIR = PROJECT_DIR / "offline_packages" / "dbt_expectations"
VENV_BIN = Path(sys.executable).parent
# The arguments of the real package's tests the stand-in implements (metaplane/dbt_expectations
# 0.10.x, from its README and macros). Checked again against the installed package when online.
REAL_ARGUMENTS = {
    "expect_column_values_to_be_between": {"min_value", "max_value", "row_condition", "strictly"},
    "expect_column_values_to_match_regex": {"regex", "row_condition", "is_raw", "flags"},
    "expect_column_mean_to_be_between": {
        "min_value",
        "max_value",
        "group_by",
        "row_condition",
        "strictly",
    },
    "expect_table_row_count_to_equal_other_table": {
        "compare_model",
        "group_by",
        "compare_group_by",
        "factor",
        "row_condition",
        "compare_row_condition",
    },
}
TEST_DEFINITION = re.compile(r"{%-?\s*test\s+(\w+)\s*\(([^)]*)\)", re.S)


def _test_signatures(package_dir: Path) -> dict[str, set[str]]:
    """Generic tests defined in a package's macros: name -> argument names (model and
    column_name left out)."""
    signatures: dict[str, set[str]] = {}
    for path in (package_dir / "macros").rglob("*.sql"):
        for name, arguments in TEST_DEFINITION.findall(path.read_text(encoding="utf-8")):
            names = {argument.split("=")[0].strip() for argument in arguments.split(",")}
            signatures[name] = names - {"model", "column_name", ""}
    return signatures


def _expectation_tests_used_in_the_project() -> set[str]:
    used: set[str] = set()
    for path in (PROJECT_DIR / "models").rglob("*.yml"):
        used |= set(re.findall(r"dbt_expectations\.(\w+)", path.read_text(encoding="utf-8")))
    return used


def test_packages_yml_declares_the_maintained_fork() -> None:
    packages = yaml.safe_load((PROJECT_DIR / "packages.yml").read_text())["packages"]
    assert {"package": "metaplane/dbt_expectations", "version": [">=0.10.0", "<0.11.0"]} in packages


def test_the_stand_in_implements_every_expectation_the_project_uses_with_the_real_arguments() -> (
    None
):
    used = _expectation_tests_used_in_the_project()
    stand_in = _test_signatures(STAND_IN_DIR)
    assert used, "no dbt_expectations test in models/**/*.yml"
    assert used <= set(stand_in), f"no offline stand-in for {sorted(used - set(stand_in))}"
    assert used <= set(REAL_ARGUMENTS), f"add the real arguments of {sorted(used - set(stand_in))}"
    for name in used:
        assert stand_in[name] == REAL_ARGUMENTS[name], name


def test_the_stand_in_matches_the_real_package_when_it_is_installed() -> None:
    installed = PROJECT_DIR / "dbt_packages" / "dbt_expectations"
    if not installed.is_dir() or (installed / "STAND_IN.md").exists():
        pytest.skip("offline mode: the real dbt_expectations is not installed here")
    real = _test_signatures(installed)
    for name, arguments in _test_signatures(STAND_IN_DIR).items():
        assert name in real, f"{name} is not a test of the real dbt_expectations"
        assert arguments == real[name], name


# --- a fresh clone, offline ------------------------------------------------------------------


def _closed_local_url() -> str:
    """A URL on which nothing listens: the dbt Hub, unreachable, whatever this machine's network."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def _fresh_clone(destination: Path) -> Path:
    """`git clone` of the repository plus the working tree's uncommitted changes (tracked and new,
    not ignored files): what a clone of the next commit holds. No dbt_packages/, profiles.yml,
    target/ or .venv/."""
    subprocess.run(
        ["git", "clone", "--quiet", str(PROJECT_DIR), str(destination)],
        check=True,
        capture_output=True,
    )

    def git_files(*options: str) -> list[str]:
        listed = subprocess.run(
            ["git", "ls-files", "-z", *options],
            cwd=PROJECT_DIR,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return [name for name in listed.split("\0") if name]

    deleted = set(git_files("--deleted"))
    for name in git_files("--cached", "--others", "--exclude-standard"):
        source, target = PROJECT_DIR / name, destination / name
        if name in deleted or not source.exists():
            target.unlink(missing_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    return destination


@pytest.fixture(scope="module")
def offline_clone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A fresh clone where `make deps` ran with the dbt Hub unreachable, using this .venv (`-o`
    keeps make from building a virtualenv in the clone). Yields the clone and make's output."""
    clone = _fresh_clone(tmp_path_factory.mktemp("fresh_clone") / "support_ticket_llm")
    assert not (clone / "dbt_packages").exists()
    environment = {**os.environ, "DBT_PACKAGE_HUB_URL": _closed_local_url()}
    made = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "deps", f"BIN={VENV_BIN}"],
        cwd=clone,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, f"make deps failed:\n{made.stdout}\n{made.stderr}"
    yield clone, made.stdout


def test_make_deps_falls_back_to_the_stand_in_in_a_fresh_clone(
    offline_clone: tuple[Path, str],
) -> None:
    clone, output = offline_clone
    lines = [line for line in output.splitlines() if line.startswith("dbt packages:")]
    assert len(lines) == 1 and "OFFLINE mode" in lines[0], output
    installed = clone / "dbt_packages" / "dbt_expectations"
    assert (installed / "STAND_IN.md").exists()
    assert yaml.safe_load((installed / "dbt_project.yml").read_text())["name"] == "dbt_expectations"

    # Installed, so a second run does nothing (this is what the test suite's fixture runs).
    again = subprocess.run(
        [sys.executable, "offline_packages/dbt_deps.py", "--dbt", str(VENV_BIN / "dbt")],
        cwd=clone,
        env={**os.environ, "DBT_PACKAGE_HUB_URL": _closed_local_url()},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 0 and again.stdout.startswith("dbt packages: OFFLINE mode")


def test_make_test_and_make_run_install_the_packages_first(offline_clone: tuple[Path, str]) -> None:
    clone, _ = offline_clone
    for target, last_step in (("test", "pytest"), ("run", "-m main_job")):
        # Run as a top-level make even when the suite itself runs under `make test`.
        environment = {
            name: value
            for name, value in os.environ.items()
            if name not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"}
        }
        planned = subprocess.run(
            [
                "make",
                "-n",
                "--no-print-directory",
                "-o",
                ".venv/.installed",
                target,
                f"BIN={VENV_BIN}",
            ],
            cwd=clone,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.splitlines()
        deps_step = next(
            i for i, line in enumerate(planned) if "offline_packages/dbt_deps.py" in line
        )
        first_dbt_step = next(
            i
            for i, line in enumerate(planned)
            if line.startswith(str(VENV_BIN)) and (last_step in line or "sqlfluff" in line)
        )
        assert deps_step < first_dbt_step, planned


# --- the expectation tests run offline, and fail ----------------------------------------------


def _invoke_clone(clone: Path, project: DbtProject, *args: str) -> dict[str, str]:
    """A dbt command on the clone's project against `project`'s database: test name -> status."""
    result = dbtRunner().invoke(
        [
            *args,
            "--project-dir",
            str(clone),
            *project.path_flags,
        ]
    )
    assert result.result is not None, f"dbt {' '.join(args)} did not run: {result.exception}"
    return {
        item.node.name: str(item.status)
        for item in result.result.results
        if str(item.node.resource_type) == "test"
    }


@pytest.fixture
def offline_database(
    built_project: DbtProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> DbtProject:
    """A copy of the built project's database, for the clone's dbt to test and for us to corrupt."""
    project = DbtProject.create(tmp_path / "offline_run")
    shutil.copy(built_project.database_path, project.database_path)
    wal = built_project.database_path.with_name(built_project.database_path.name + ".wal")
    if wal.exists():
        shutil.copy(wal, project.database_path.with_name(project.database_path.name + ".wal"))
    monkeypatch.setenv("SUPPORT_TICKETS_DUCKDB_PATH", str(project.database_path))
    monkeypatch.setenv("DBT_TARGET", "local")
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return project


def test_expectation_tests_run_on_the_stand_in_and_fail_on_corrupted_rows(
    built_project: DbtProject, offline_clone: tuple[Path, str], offline_database: DbtProject
) -> None:
    clone, _ = offline_clone
    manifest = json.loads((built_project.target_path / "manifest.json").read_text())
    expectation_tests = sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and (node.get("test_metadata") or {}).get("namespace") == "dbt_expectations"
    )
    assert len(expectation_tests) >= 11, expectation_tests

    clean = _invoke_clone(clone, offline_database, "test", "--select", *expectation_tests)
    assert clean == dict.fromkeys(expectation_tests, "pass")

    offline_database.query(
        """
        update main_raw.support_tickets set ticket_id = chr(9)
        where ticket_id = (select min(ticket_id) from main.stg_support__tickets);
        update main_raw.support_tickets set customer_email = 'no address here'
        where ticket_id = (select max(ticket_id) from main.stg_support__tickets);
        update main.ticket_categories set category = 'Unknown';
        update main.ticket_categories set prompt_hash = 'not-an-md5'
        where ticket_id = (select min(ticket_id) from main.ticket_categories);
        delete from main.ticket_categories
        where ticket_id = (select max(ticket_id) from main.ticket_categories);
        update main.ticket_messages set word_count = 150, prompt_hash = 'ABC'
        where ticket_id = (select min(ticket_id) from main.ticket_messages where channel = 'email');
        update main.ticket_messages set word_count = 30
        where ticket_id = (
            select min(ticket_id) from main.ticket_messages where channel = 'text message'
        );
        delete from main.ticket_messages
        where ticket_id = (select max(ticket_id) from main.ticket_messages);
        """
    )
    # The raw tickets reach staging through base_support__tickets, a table the job rebuilds
    # each run: rebuild it as the next run would.
    _invoke_clone(clone, offline_database, "run", "--select", "base_support__tickets")
    corrupted = _invoke_clone(clone, offline_database, "test", "--select", *expectation_tests)
    expected = {
        "stg_support__tickets_ticket_id_is_not_blank": "fail",
        "stg_support__tickets_customer_email_looks_like_an_address": "warn",
        "ticket_categories_has_one_row_per_staged_ticket": "fail",
        "ticket_categories_unknown_share_is_at_most_max_unknown_category_share": "fail",
        "ticket_categories_prompt_hash_is_an_md5": "fail",
        "ticket_messages_has_one_row_per_staged_ticket": "fail",
        "ticket_messages_prompt_hash_is_an_md5": "fail",
        "ticket_messages_word_count_is_within_the_email_limit": "fail",
        "ticket_messages_text_message_word_count_is_within_the_text_limit": "fail",
    }
    assert {name: corrupted.get(name) for name in expected} == expected
    assert set(corrupted) == set(expectation_tests)
