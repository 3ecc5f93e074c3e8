"""The SQL the studio runs, shared by both backends, and the errors the page shows.

No text from the page is ever part of the SQL: the prompt, the category, the model and the
number of tickets are bound parameters (``?``). Only table names (constants, qualified with
a validated schema) are formatted in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from .generation import GeneratedMessage, GenerationRequest

IDENTIFIER_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,254}")

CATEGORIES_TABLE = "valid_categories"
TICKET_CATEGORIES_TABLE = "ticket_categories"
TICKET_MESSAGES_TABLE = "ticket_messages"
FINETUNED_MODEL_VERSIONS_TABLE = "finetuned_model_versions"
SAVED_PROMPTS_TABLE = "saved_message_prompts"

#: What builds each table the page reads (the steps of README "How it works").
HOW_TO_BUILD: dict[str, str] = {
    CATEGORIES_TABLE: "dbt build --selector prepare_training_data",
    TICKET_CATEGORIES_TABLE: "dbt build --selector score_with_finetuned_model",
    TICKET_MESSAGES_TABLE: "dbt build --selector generate_messages",
    FINETUNED_MODEL_VERSIONS_TABLE: "dbt build --selector score_with_finetuned_model",
}

#: The text the project appends to the prompt (macro message_prompt in
#: macros/prompts/prompts.sql): keep the two identical.
CUSTOMER_INFORMATION_SQL = (
    "cast(? as varchar)"
    " || ' Here is the customer information: Name: ' || coalesce(customer_name, '')"
    " || ', Contact preference: ' || coalesce(contact_preference, '')"
    " || ', Request category: ' || coalesce(category, 'Unknown')"
)


class StudioError(Exception):
    """An error the page shows as it is: it says what happened and what to do."""


class DatabaseMissing(StudioError):
    pass


class DatabaseLocked(StudioError):
    pass


class TableMissing(StudioError):
    pass


class GenerationFailed(StudioError):
    pass


class MessageBackend(Protocol):
    """Where the tickets are and who answers: the local DuckDB file or Snowflake."""

    @property
    def description(self) -> str: ...

    def categories(self) -> list[str]: ...

    def finetuned_model(self) -> str | None: ...

    def saved_prompt(self) -> str | None: ...

    def generate(self, request: GenerationRequest) -> list[GeneratedMessage]: ...

    def save_prompt(self, prompt: str) -> None: ...


def validate_identifier(name: str) -> str:
    if not IDENTIFIER_PATTERN.fullmatch(name):
        raise ValueError(f"Invalid SQL identifier {name!r}.")
    return name


def missing_tables_message(missing: list[str], where: str) -> str:
    steps = ", then ".join(f"`{HOW_TO_BUILD[table]}`" for table in missing if table in HOW_TO_BUILD)
    return (
        f"Table{'s' if len(missing) > 1 else ''} {', '.join(missing)} not found in {where}: the "
        f"dbt job has not been run there yet. Run `make run` (or {steps})."
    )


def categories_query(table: Callable[[str], str]) -> str:
    return f"select category from {table(CATEGORIES_TABLE)} order by category"


def finetuned_model_query(table: Callable[[str], str]) -> str:
    """The fine-tuned model in use (the promoted one), as the dbt project decides it (mart
    finetuned_model_versions, macro promoted_finetuned_model): one answer for app and models."""
    return f"select model_name from {table(FINETUNED_MODEL_VERSIONS_TABLE)} where is_in_use limit 1"


def saved_prompt_query(table: Callable[[str], str]) -> str:
    """The latest saved prompt (the same rule as macro resolve_message_prompt)."""
    return (
        f"select prompt from {table(SAVED_PROMPTS_TABLE)} "
        "where prompt is not null and trim(prompt) != '' "
        "order by saved_at desc "
        "limit 1"
    )


def generation_query(table: Callable[[str], str], complete_call: str) -> str:
    """Up to N tickets the fine-tuned model put in a category, each with the project's prompt
    and the model's answer. Parameters: category, ticket count, prompt, then the model (as
    ``complete_call`` uses it, e.g. ``ai_complete(?, prompt)``)."""
    return f"""
with

categorized_tickets as (

    select
        categories.ticket_id,
        messages.customer_name,
        messages.contact_preference,
        categories.category,
        row_number() over (order by categories.ticket_id) as ticket_number

    from {table(TICKET_CATEGORIES_TABLE)} as categories
    inner join {table(TICKET_MESSAGES_TABLE)} as messages
        on categories.ticket_id = messages.ticket_id
    where categories.category = cast(? as varchar)

),

chosen_tickets as (

    select * from categorized_tickets where ticket_number <= ?

),

prompted as (

    select
        ticket_id,
        customer_name,
        contact_preference,
        category,
        ticket_number,
        {CUSTOMER_INFORMATION_SQL} as prompt

    from chosen_tickets

)

select
    ticket_id,
    customer_name,
    contact_preference,
    category,
    prompt,
    {complete_call} as message

from prompted
order by ticket_number
"""


def generation_parameters(request: GenerationRequest) -> list[object]:
    return [request.category, request.ticket_count, request.prompt, request.model]


def to_messages(rows: list[tuple[object, ...]]) -> list[GeneratedMessage]:
    return [
        GeneratedMessage(
            ticket_id=str(ticket_id),
            customer_name=None if name is None else str(name),
            contact_preference=None if preference is None else str(preference),
            category=str(category),
            prompt=str(prompt),
            message=None if message is None else str(message),
        )
        for ticket_id, name, preference, category, prompt, message in rows
    ]
