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
