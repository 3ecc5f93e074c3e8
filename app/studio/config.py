"""The project settings the studio needs, read from dbt_project.yml with PyYAML.

The page offers the quickstart's models, the fine-tuned model and every model the project's
vars name (teacher_model, message_model, finetune_base_model); its default prompt is the
project's message prompt (var message_prompt), unless a prompt was saved from the studio.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
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

#: The models of the quickstart's app, in its order.
QUICKSTART_MODELS: tuple[str, ...] = (
    "snowflake-arctic",
    "llama3-8b",
    "mistral-large",
    "reka-flash",
)

#: The vars of dbt_project.yml that name a model.
MODEL_VARS: tuple[str, ...] = ("teacher_model", "message_model", "finetune_base_model")


@dataclass(frozen=True)
class ProjectConfig:
    """The project's message prompt and the models its vars name (var name -> model)."""

    message_prompt: str = QUICKSTART_MESSAGE_PROMPT
    models: dict[str, str] = field(default_factory=dict)
    source: str = "the quickstart's defaults"

    @property
    def message_model(self) -> str | None:
        return self.models.get("message_model")


def project_file_candidates() -> list[Path]:
    """Where dbt_project.yml may be: the project root (the app's parent), or beside the app
    (the layout of a Streamlit in Snowflake stage, see docs/studio.md)."""
    return [PROJECT_DIR / "dbt_project.yml", APP_DIR / "dbt_project.yml"]


def load_project_config(path: Path | None = None) -> ProjectConfig:
    """The settings in ``path`` (default: the first of ``project_file_candidates`` that exists);
    the quickstart's defaults when there is no such file."""
    if path is None:
        path = next((p for p in project_file_candidates() if p.is_file()), None)
        if path is None:
            return ProjectConfig()
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
    )


def model_choices(config: ProjectConfig, finetuned_model: str | None) -> dict[str, str]:
    """The models the page offers, each with its label: the quickstart's, the fine-tuned model,
    then those the project's vars name (each once, in that order)."""
    labels: dict[str, list[str]] = {}

    def add(models: Iterable[str], note: str | None) -> None:
        for model in models:
            notes = labels.setdefault(model, [])
            if note:
                notes.append(note)

    add(QUICKSTART_MODELS, None)
    if finetuned_model:
        add([finetuned_model], "fine-tuned")
    for var_name, model in config.models.items():
        add([model], var_name)
    return {
        model: f"{model} ({', '.join(notes)})" if notes else model
        for model, notes in labels.items()
    }
