"""What the user asks the studio for, validated, and the messages that come back."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

#: The same rule as the dbt macro _validate_model_name: a Cortex model name or a fine-tuned
#: model's database.schema.name.
MODEL_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,254}")

DEFAULT_TICKET_COUNT = 10
MAX_TICKET_COUNT = 50

TEXT_MESSAGE_PREFERENCE = "Text Message"
EMAIL_ICON = "📧"
PHONE_ICON = "📱"


class InvalidRequest(ValueError):
    """A request the page refuses, with a message that says what to change."""


@dataclass(frozen=True)
class GenerationRequest:
    """Messages to write: ``prompt`` for up to ``ticket_count`` tickets of ``category``."""

    prompt: str
    category: str
    model: str
    ticket_count: int = DEFAULT_TICKET_COUNT


@dataclass(frozen=True)
class GeneratedMessage:
    """One ticket of the chosen category, the full prompt sent for it and the model's answer."""

    ticket_id: str
    customer_name: str | None
    contact_preference: str | None
    category: str
    prompt: str
    message: str | None

    @property
    def icon(self) -> str:
        return contact_icon(self.contact_preference)


def contact_icon(contact_preference: str | None) -> str:
    """📱 for customers who want a text message, else 📧 (the rule of mart ticket_messages)."""
    return PHONE_ICON if contact_preference == TEXT_MESSAGE_PREFERENCE else EMAIL_ICON


def validate_model_name(model: str, allowed: Collection[str] | None = None) -> str:
    """``model`` if it is a well-formed model name (and one of ``allowed``, when given)."""
    if not isinstance(model, str) or not MODEL_NAME_PATTERN.fullmatch(model):
        raise InvalidRequest(
            f"Invalid model name {model!r}: use a Cortex model name (seeds/cortex_models.csv) or a "
            "fine-tuned model's database.schema.name (letters, digits, _ . -)."
        )
    if allowed is not None and model not in allowed:
        raise InvalidRequest(f"Model {model!r} is not one of the models offered here.")
    return model


def validate_request(
    prompt: str | None,
    category: str | None,
    model: str | None,
    ticket_count: int | None,
    *,
    categories: Collection[str],
    models: Collection[str],
) -> GenerationRequest:
    """The request, checked: a prompt that is not blank (surrounding whitespace removed), a
    known category and model, and between 1 and ``MAX_TICKET_COUNT`` tickets."""
    text = (prompt or "").strip()
    if not text:
        raise InvalidRequest(
            "The prompt is empty: write the instructions for the messages (or reload the page "
            "to get the project's prompt back)."
        )
    if category not in categories:
        raise InvalidRequest(f"Unknown category {category!r}: pick one of the list.")
    validate_model_name(model or "", models)
    if not isinstance(ticket_count, int) or not 1 <= ticket_count <= MAX_TICKET_COUNT:
        raise InvalidRequest(f"The number of tickets must be between 1 and {MAX_TICKET_COUNT}.")
    return GenerationRequest(text, category, model or "", ticket_count)


def validate_prompt_to_save(prompt: str | None) -> str:
    """The prompt to save as the project's message prompt: not blank, whitespace trimmed."""
    text = (prompt or "").strip()
    if not text:
        raise InvalidRequest("The prompt is empty: there is nothing to save.")
    return text
