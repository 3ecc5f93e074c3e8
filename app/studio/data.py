"""The SQL the studio runs, shared by both backends, and the errors the page shows.

No text from the page is ever part of the SQL: the prompt, the category, the model and the
number of tickets are bound parameters (``?``). Only table names (constants, qualified with
a validated schema) are formatted in.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Protocol

from .generation import GeneratedMessage, GenerationRequest

IDENTIFIER_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,254}")

CATEGORIES_TABLE = "valid_categories"
TICKET_CATEGORIES_TABLE = "ticket_categories"
TICKET_MESSAGES_TABLE = "ticket_messages"
FINETUNED_MODEL_VERSIONS_TABLE = "finetuned_model_versions"
PROMPTS_IN_FORCE_TABLE = "prompts_in_force"
PROPOSALS_TABLE = "prompt_proposals"
MESSAGE_PROMPT_NAME = "message"

#: What builds each table the page reads (the steps of main_job/steps.py).
HOW_TO_BUILD: dict[str, str] = {
    CATEGORIES_TABLE: "dbt build --selector prepare_training_data",
    TICKET_CATEGORIES_TABLE: "dbt build --selector score_with_finetuned_model",
    TICKET_MESSAGES_TABLE: "dbt build --selector generate_messages",
    FINETUNED_MODEL_VERSIONS_TABLE: "dbt build --selector score_with_finetuned_model",
    PROMPTS_IN_FORCE_TABLE: "dbt build --selector generate_messages",
    PROPOSALS_TABLE: "dbt run-operation show_prompt_proposals",
}

#: How a proposal goes live (macros/prompts/prompt_promotion.sql).
PROMOTE_COMMAND = "dbt run-operation promote_prompt --args '{{proposal_id: {proposal_id}}}'"

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

    def prompt_in_force(self) -> str | None: ...

    def generate(self, request: GenerationRequest) -> list[GeneratedMessage]: ...

    def propose_prompt(self, prompt: str) -> str: ...


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
    """The fine-tuned model in use (the promoted one, when it is FINETUNE's: an embedding
    classifier writes no message), as the dbt project decides it (mart finetuned_model_versions):
    one answer for app and models."""
    return (
        f"select model_name from {table(FINETUNED_MODEL_VERSIONS_TABLE)}"
        " where is_in_use and trainer = 'cortex_finetune' limit 1"
    )


def prompt_in_force_query(table: Callable[[str], str]) -> str:
    """The message prompt the build uses (mart prompts_in_force, from model
    int_prompts__promoted: the latest promoted proposal, else var message_prompt)."""
    return (
        f"select prompt from {table(PROMPTS_IN_FORCE_TABLE)} "
        f"where prompt_name = '{MESSAGE_PROMPT_NAME}'"
    )


def new_proposal_id() -> str:
    return uuid.uuid4().hex[:12]


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
