"""The project's vars as dbt_project.yml sets them: tests use the prompts the project sends."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
PROJECT_VARS: dict[str, Any] = yaml.safe_load(
    (PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8")
)["vars"]

with (PROJECT_DIR / "seeds" / "valid_categories.csv").open(newline="", encoding="utf-8") as _seed:
    CATEGORY_ROWS: list[dict[str, str]] = sorted(
        csv.DictReader(_seed), key=lambda row: (int(row["list_position"]), row["category"])
    )

#: The categories of seeds/valid_categories.csv, in the order the prompt lists them.
CATEGORIES: list[str] = [row["category"] for row in CATEGORY_ROWS]


def _listed(row: dict[str, str]) -> str:
    if PROJECT_VARS["categorization_prompt_lists_descriptions"] and row["description"].strip():
        return f"{row['category']}: {row['description'].strip()}"
    return row["category"]


#: The categorisation instructions as the categorization_instructions macro renders them for
#: the seed (the template var with {categories} replaced by one category per line).
CATEGORIZATION_PROMPT: str = PROJECT_VARS["categorization_prompt"].replace(
    "{categories}", "\n".join(_listed(row) for row in CATEGORY_ROWS)
)
