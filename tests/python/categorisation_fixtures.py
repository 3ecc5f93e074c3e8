"""Hand-labelled categorisation fixtures (tests/fixtures/categorisation/): requests written for the
tests, independent of the ticket generator and of the emulator, in several category sets, and the
prompt layouts people write. Shared by the emulator's tests and its corruption test."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "categorisation"
UNKNOWN = "Unknown"


def _rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class Case:
    category_set: str
    layout: str
    categories: tuple[str, ...]
    descriptions: tuple[str, ...]
    request: str
    label: str
    prompt: str


def category_sets() -> dict[str, list[tuple[str, str]]]:
    sets: dict[str, list[tuple[str, str]]] = {}
    for row in _rows("category_sets.csv"):
        sets.setdefault(row["category_set"], []).append((row["category"], row["description"]))
    return sets


def layouts() -> dict[str, str]:
    return {row["layout"]: row["template"] for row in _rows("layouts.csv")}


def requests() -> list[dict[str, str]]:
    return _rows("requests.csv")


def render(template: str, categories: list[tuple[str, str]], request: str) -> str:
    names = [name for name, _ in categories]
    return template.format(
        lines="\n".join(names),
        bulleted_descriptions="\n".join(f"- {n}: {d}" for n, d in categories),
        numbered="\n".join(f"{i}. {n}" for i, n in enumerate(names, start=1)),
        comma_or=", ".join(names[:-1]) + " or " + names[-1],
        semicolons="; ".join(names),
        quoted=", ".join(f'"{n}"' for n in names[:-1]) + f' or "{names[-1]}"',
        request=request,
    )


def cases(relabel: Callable[[str, tuple[str, ...]], str] | None = None) -> Iterator[Case]:
    """Every request in every layout; ``relabel`` may corrupt the labels (for the corruption
    test)."""
    sets = category_sets()
    for layout, template in layouts().items():
        for row in requests():
            described = sets[row["category_set"]]
            names = tuple(n for n, _ in described)
            label = relabel(row["label"], names) if relabel else row["label"]
            yield Case(
                category_set=row["category_set"],
                layout=layout,
                categories=names,
                descriptions=tuple(d for _, d in described),
                request=row["request"],
                label=label,
                prompt=render(template, described, row["request"]),
            )


def placed(answer: str | None, categories: tuple[str, ...]) -> str:
    """The category a large model's answer names exactly, else Unknown."""
    text = (answer or "").strip()
    return text if text in categories else UNKNOWN
