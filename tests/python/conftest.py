from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from dbt_harness import PROJECT_DIR, DbtProject  # noqa: E402


def load_ticket_generator() -> ModuleType:
    path = PROJECT_DIR / "scripts" / "generate_tickets.py"
    spec = importlib.util.spec_from_file_location("generate_tickets", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["generate_tickets"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def ticket_generator() -> ModuleType:
    return load_ticket_generator()


def load_dbt_deps() -> ModuleType:
    """offline_packages/dbt_deps.py: what `make deps` runs (dbt Hub, else the offline stand-ins)."""
    if "dbt_deps" not in sys.modules:
        path = PROJECT_DIR / "offline_packages" / "dbt_deps.py"
        spec = importlib.util.spec_from_file_location("dbt_deps", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules["dbt_deps"] = module
        spec.loader.exec_module(module)
    return sys.modules["dbt_deps"]


def _install_dbt_packages() -> str:
    """dbt refuses to run while a package of packages.yml is missing from dbt_packages/: install
    them when missing (`make test` has done it already), and say which mode they are in."""
    dbt_deps = load_dbt_deps()
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
    project.run_main_job()
    project.invoke("docs", "generate")
    return project


@pytest.fixture
def fresh_project(tmp_path: Path) -> DbtProject:
    """An empty database of its own, for tests that change state."""
    return DbtProject.create(tmp_path / "project")
