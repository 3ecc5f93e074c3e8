from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from dbt_harness import PROJECT_DIR, DbtProject  # noqa: E402

# The project's scripts (generate_tickets, plot_evaluation) and offline_packages/dbt_deps.py,
# importable as plain modules.
sys.path[:0] = [str(PROJECT_DIR / "scripts"), str(PROJECT_DIR / "offline_packages")]

import dbt_deps  # noqa: E402  (what `make deps` runs: the dbt Hub, else the offline stand-ins)
import generate_tickets  # noqa: E402


@pytest.fixture(scope="session")
def ticket_generator() -> ModuleType:
    return generate_tickets


def _install_dbt_packages() -> str:
    """dbt refuses to run while a package of packages.yml is missing from dbt_packages/: install
    them when missing (`make test` has done it already), and say which mode they are in."""
    dbt = Path(sys.executable).with_name("dbt")
    return dbt_deps.install(str(dbt) if dbt.exists() else "dbt", PROJECT_DIR, if_missing=True)


def pytest_report_header() -> str:
    try:
        return _install_dbt_packages()
    except Exception as error:  # reported here, raised again by the fixture below
        return f"dbt packages: FAILED - {error}"


@pytest.fixture(scope="session", autouse=True)
def dbt_packages() -> str:
    """The dbt packages are installed before any test runs dbt (see pytest_report_header)."""
    return _install_dbt_packages()


@pytest.fixture(scope="session")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    """The main job, run once on the synthetic seed, shared by the read-only tests."""
    project = DbtProject.create(tmp_path_factory.mktemp("main_job"))
    project.run_main_job()  # docs generate included
    return project


@pytest.fixture(scope="session")
def built_finetune_project(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    """The main job with the FINETUNE trainer (var trainer: cortex_finetune), run once."""
    project = DbtProject.create(tmp_path_factory.mktemp("main_job_finetune"))
    project.run_main_job(vars={"trainer": "cortex_finetune"})
    return project


@pytest.fixture
def fresh_project(tmp_path: Path) -> DbtProject:
    """An empty database of its own, for tests that change state."""
    return DbtProject.create(tmp_path / "project")
