"""The project settings the studio needs, read from dbt_project.yml with PyYAML and from the
model catalog (seeds/cortex_models.csv).

The page offers the catalog's usable message writers (role message_writer, GA or preview, before
their end of life) and the fine-tuned model, labelled with the vars that name them
(message_model, ...); its default prompt is the project's message prompt (var message_prompt),
unless a prompt was saved from the studio.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

APP_DIR = Path(__file__).resolve().parents[1]
PROJECT_DIR = APP_DIR.parent

#: The quickstart's default prompt, used when dbt_project.yml is not beside the app.
QUICKSTART_MESSAGE_PROMPT = (
    "Please write an email or text promoting a new plan that will save customers total costs. "
    "If the customer requested to be contacted by text message, write text message response "
    "in less than 25 words, otherwise write email response in maximum 100 words."
)

#: The lifecycles of a model the studio may call.
USABLE_LIFECYCLES = frozenset({"ga", "preview"})

#: The vars of dbt_project.yml that name a model.
MODEL_VARS: tuple[str, ...] = ("teacher_model", "message_model", "finetune_base_model")


@dataclass(frozen=True)
class ProjectConfig:
    """The project's message prompt, the models its vars name (var name -> model) and the
    catalog's usable message writers."""

    message_prompt: str = QUICKSTART_MESSAGE_PROMPT
    models: dict[str, str] = field(default_factory=dict)
    source: str = "the quickstart's defaults"
    message_writers: tuple[str, ...] = ()

    @property
    def message_model(self) -> str | None:
        return self.models.get("message_model")


def project_file_candidates() -> list[Path]:
    """Where dbt_project.yml may be: the project root (the app's parent), or beside the app
    (the layout of a Streamlit in Snowflake stage, see the README)."""
    return [PROJECT_DIR / "dbt_project.yml", APP_DIR / "dbt_project.yml"]


def catalog_file_candidates() -> list[Path]:
    """Where the model catalog may be: the project's seeds/, or beside the app (a stage)."""
    return [PROJECT_DIR / "seeds" / "cortex_models.csv", APP_DIR / "cortex_models.csv"]


def usable_message_writers(path: Path | None = None, today: date | None = None) -> tuple[str, ...]:
    """The catalog's models with role message_writer, GA or preview, and not past their end of
    life, in catalog order; none without a catalog file."""
    if path is None:
        path = next((p for p in catalog_file_candidates() if p.is_file()), None)
        if path is None:
            return ()
    today = today or date.today()
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return tuple(
        row["model_name"]
        for row in rows
        if "message_writer" in row["roles"].split()
        and row["lifecycle"] in USABLE_LIFECYCLES
        and not (row["end_of_life_on"] and date.fromisoformat(row["end_of_life_on"]) <= today)
    )


def load_project_config(path: Path | None = None) -> ProjectConfig:
    """The settings in ``path`` (default: the first of ``project_file_candidates`` that exists);
    the quickstart's defaults when there is no such file."""
    if path is None:
        path = next((p for p in project_file_candidates() if p.is_file()), None)
        if path is None:
            return ProjectConfig(message_writers=usable_message_writers())
    project = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    variables = project.get("vars") or {}
    prompt = variables.get("message_prompt")
    models = {
        name: variables[name].strip()
        for name in MODEL_VARS
        if isinstance(variables.get(name), str) and variables[name].strip()
    }
    return ProjectConfig(
        message_prompt=prompt.strip()
        if isinstance(prompt, str) and prompt.strip()
        else QUICKSTART_MESSAGE_PROMPT,
        models=models,
        source=str(path),
        message_writers=usable_message_writers(),
    )


def model_choices(config: ProjectConfig, finetuned_model: str | None) -> dict[str, str]:
    """The models the page offers, each with its label: the var message_model's, the catalog's
    usable message writers, then the fine-tuned model (each once, in that order), labelled with
    the vars that name them."""
    labels: dict[str, list[str]] = {}

    def add(models: Iterable[str], note: str | None) -> None:
        for model in models:
            notes = labels.setdefault(model, [])
            if note:
                notes.append(note)

    if config.message_model:
        add([config.message_model], None)
    add(config.message_writers, None)
    if finetuned_model:
        add([finetuned_model], "fine-tuned")
    for var_name, model in config.models.items():
        if model in labels:
            add([model], var_name)
    return {
        model: f"{model} ({', '.join(notes)})" if notes else model
        for model, notes in labels.items()
    }
