"""The project's vars as dbt_project.yml sets them: tests use the prompts the project sends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PROJECT_VARS: dict[str, Any] = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "dbt_project.yml").read_text(encoding="utf-8")
)["vars"]

CATEGORIZATION_PROMPT: str = PROJECT_VARS["categorization_prompt"]
