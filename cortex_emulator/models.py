"""The catalogue of Cortex foundation models the emulator answers for.

Each model has a size class: ``large`` models follow instructions to the letter; ``small``
models answer in an inconsistent format (the quickstart's observation about mistral-7b).
Fine-tuned models are not listed here: they live in the database (see ``storage``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SizeClass = Literal["large", "small"]


@dataclass(frozen=True)
class FoundationModel:
    """A Cortex foundation model: its name (as Cortex spells it) and its size class."""

    name: str
    size: SizeClass

    @property
    def is_small(self) -> bool:
        return self.size == "small"


_SMALL = (
    "mistral-7b",
    "mixtral-8x7b",
    "llama3-8b",
    "llama3.1-8b",
    "llama3.2-1b",
    "llama3.2-3b",
    "gemma-7b",
    "jamba-1.5-mini",
)
_LARGE = (
    "mistral-large",
    "mistral-large2",
    "llama3-70b",
    "llama3.1-70b",
    "llama3.1-405b",
    "llama3.3-70b",
    "snowflake-arctic",
    "snowflake-llama-3.3-70b",
    "reka-flash",
    "reka-core",
    "jamba-instruct",
    "jamba-1.5-large",
    "deepseek-r1",
    "claude-3-5-sonnet",
    "openai-gpt-4.1",
)

FOUNDATION_MODELS: dict[str, FoundationModel] = {
    **{name: FoundationModel(name, "small") for name in _SMALL},
    **{name: FoundationModel(name, "large") for name in _LARGE},
}

#: Base models Cortex fine-tuning accepts (FINETUNE('CREATE', ..., base_model, ...)).
FINETUNABLE_BASE_MODELS: tuple[str, ...] = (
    "llama3-8b",
    "llama3-70b",
    "llama3.1-8b",
    "llama3.1-70b",
    "mistral-7b",
    "mixtral-8x7b",
)


def normalize_model_name(name: str) -> str:
    """Model names compare case-insensitively and ignore surrounding blanks."""
    return name.strip().lower()


def find_foundation_model(name: str) -> FoundationModel | None:
    """The foundation model called ``name`` (any case), or None."""
    return FOUNDATION_MODELS.get(normalize_model_name(name))


def known_model_names() -> list[str]:
    """Every foundation model name, sorted: used in "unknown model" messages."""
    return sorted(FOUNDATION_MODELS)
