"""Cortex model names for tests, read from the project's model catalog (seeds/cortex_models.csv):
tests never name a model themselves, so they follow the catalog when models are retired."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

CATALOG_PATH = Path(__file__).resolve().parents[2] / "seeds" / "cortex_models.csv"

with CATALOG_PATH.open(newline="", encoding="utf-8") as _handle:
    CATALOG_ROWS: list[dict[str, str]] = list(csv.DictReader(_handle))


def _usable(row: dict[str, str], today: dt.date) -> bool:
    end = row["end_of_life_on"].strip()
    return row["lifecycle"] != "retired" and not (end and dt.date.fromisoformat(end) <= today)


def usable_models(
    size_class: str | None = None, role: str | None = None, priced_as: str = "ai_complete"
) -> list[str]:
    """Catalog models that can be called today (AI_COMPLETE's by default: the rows that price
    a fine-tune are no models), optionally of one size class and role."""
    today = dt.date.today()
    return [
        row["model_name"]
        for row in CATALOG_ROWS
        if _usable(row, today)
        and row["priced_as"] == priced_as
        and (size_class is None or row["size_class"] == size_class)
        and (role is None or role in row["roles"].split())
    ]


def retired_models() -> list[str]:
    today = dt.date.today()
    return [
        row["model_name"]
        for row in CATALOG_ROWS
        if not _usable(row, today) and row["priced_as"] == "ai_complete"
    ]


LARGE_MODEL = usable_models("large")[0]
SMALL_MODEL = usable_models("small")[0]
OTHER_SMALL_MODEL = usable_models("small")[-1]
FINETUNE_BASE_MODEL = next(
    row["model_name"]
    for row in CATALOG_ROWS
    if row["is_finetune_base"] == "true" and row["model_name"] in usable_models()
)
