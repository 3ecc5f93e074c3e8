"""Message studio: the quickstart's Streamlit app, on the local database or on Snowflake.

Write a message prompt, try it on the tickets the fine-tuned model put in one category, with
any of the offered models, then propose it as the prompt the dbt build uses.

    make studio          # local: the DuckDB file of `make run`, Cortex emulated
    Streamlit in Snowflake: see docs/studio.md

Nothing typed here reaches the SQL as SQL: prompt, category, model and count are bound
parameters, and model names are checked against the offered list.
"""

from __future__ import annotations

import re
from typing import Any

import streamlit as st
from studio.config import load_project_config, model_choices
from studio.data import PROMOTE_COMMAND, MessageBackend, StudioError
from studio.generation import (
    DEFAULT_TICKET_COUNT,
    MAX_TICKET_COUNT,
    GeneratedMessage,
    GenerationRequest,
    InvalidRequest,
    validate_prompt_to_save,
    validate_request,
)

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$])")


def escape_markdown(text: str) -> str:
    """``text`` shown literally by st.markdown (no formatting, links or directives)."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def active_snowpark_session() -> Any | None:
    """Streamlit in Snowflake's session, or None where Snowpark is absent (locally)."""
    try:
        from snowflake.snowpark.context import get_active_session
    except ImportError:
        return None
    try:
        return get_active_session()
    except Exception:  # no active session: running outside Snowflake
        return None


def open_backend() -> MessageBackend:
    session = active_snowpark_session()
    if session is not None:
        from studio.snowpark_backend import SnowparkBackend

        return SnowparkBackend(session)
    from studio.duckdb_backend import DuckDbBackend, database_path_from_env

    return DuckDbBackend(database_path_from_env())


def show_messages(messages: list[GeneratedMessage]) -> None:
    for message in messages:
        with st.container(border=True):
            st.markdown(
                f"{message.icon} **Ticket {escape_markdown(message.ticket_id)}** · "
                f"{escape_markdown(message.customer_name or '(no name)')} · "
                f"{escape_markdown(message.contact_preference or '(no preference)')}"
            )
            st.text(message.message if message.message is not None else "(no answer)")


def results_label(request: GenerationRequest, count: int) -> str:
    return (
        f"Generated {count} message{'s' if count != 1 else ''} for "
        f"{escape_markdown(request.category)} with {escape_markdown(request.model)}"
    )


def generate(backend: MessageBackend, request: GenerationRequest) -> None:
    """Write the messages in a status panel and keep them for the next reruns."""
    st.session_state.pop("last_results", None)
    problem: StudioError | None = None
    with st.status(
        f"Generating messages for up to {request.ticket_count} tickets in "
        f"{escape_markdown(request.category)} with {escape_markdown(request.model)}...",
        expanded=True,
    ) as status:
        try:
            messages = backend.generate(request)
        except StudioError as error:
            problem, messages = error, []
        if problem is not None:
            status.update(label="Generation failed", state="error")
        elif not messages:
            status.update(label=f"No tickets in {escape_markdown(request.category)}", state="error")
        else:
            show_messages(messages)
            label = results_label(request, len(messages))
            status.update(label=label, state="complete", expanded=True)
            st.session_state["last_results"] = (label, messages)
    if problem is not None:
        st.error(str(problem))
    elif not messages:
        st.warning(
            f"The fine-tuned model put no ticket in category {request.category!r}: pick another "
            "category (or load tickets of that kind and run `make run`)."
        )


def show_last_results() -> None:
    label, messages = st.session_state["last_results"]
    with st.status(label, state="complete", expanded=True):
        show_messages(messages)


def propose(backend: MessageBackend, prompt: str) -> None:
    try:
        text = validate_prompt_to_save(prompt)
        proposal_id = backend.propose_prompt(text)
    except InvalidRequest as error:
        st.warning(str(error))
    except StudioError as error:
        st.error(str(error))
    else:
        st.success(
            f"Proposed as the project's message prompt: proposal `{proposal_id}` (table "
            "prompt_proposals). Nothing changes until someone promotes it: "
            f"`{PROMOTE_COMMAND.format(proposal_id=proposal_id)}`; then the next "
            "`dbt build --selector generate_messages` writes every ticket's message with it."
        )


def main() -> None:
    st.set_page_config(page_title="Message studio", page_icon="✉️")
    st.title("✉️ Message studio")
    st.caption(
        "Try a message prompt on the tickets the fine-tuned model put in one category, then "
        "propose it as the prompt the dbt build uses."
    )
    config = load_project_config()
    backend = open_backend()
    st.caption(backend.description)

    try:
        categories = backend.categories()
        finetuned_model = backend.finetuned_model()
        prompt_in_force = backend.prompt_in_force()
    except StudioError as error:
        st.error(str(error))
        st.stop()
    if not categories:
        st.error(
            "Table valid_categories is empty: fill seeds/valid_categories.csv and run `make run`."
        )
        st.stop()

    if "prompt" not in st.session_state:
        st.session_state["prompt"] = prompt_in_force or config.message_prompt
    origin = (
        "the message prompt in force (prompts_in_force)"
        if prompt_in_force
        else f"var `message_prompt` of {escape_markdown(config.source)}"
    )
    prompt = st.text_area("Prompt", key="prompt", height=140)
    st.caption(
        f"Default: {origin}. Each ticket's prompt is this text followed by *Here is the customer "
        "information: Name: …, Contact preference: …, Request category: …*, as in the dbt "
        "project."
    )

    choices = model_choices(config, finetuned_model)
    models = list(choices)
    default_model = config.message_model if config.message_model in choices else models[0]
    category_column, model_column, count_column = st.columns([2, 3, 1])
    category = category_column.selectbox("Request category", categories, key="category")
    model = model_column.selectbox(
        "Model",
        models,
        index=models.index(default_model),
        format_func=lambda name: choices[name],
        key="model",
    )
    ticket_count = count_column.number_input(
        "Tickets",
        min_value=1,
        max_value=MAX_TICKET_COUNT,
        value=DEFAULT_TICKET_COUNT,
        step=1,
        key="ticket_count",
    )
    if finetuned_model is None:
        st.caption("No successful fine-tuning job yet, so no fine-tuned model to offer.")

    generate_column, save_column = st.columns([1, 3])
    generate_clicked = generate_column.button("Generate messages", type="primary", key="generate")
    propose_clicked = save_column.button("Propose as the project's message prompt", key="propose")

    if propose_clicked:
        propose(backend, prompt)
    if generate_clicked:
        try:
            request = validate_request(
                prompt,
                category,
                model,
                int(ticket_count),
                categories=categories,
                models=models,
            )
        except InvalidRequest as error:
            st.session_state.pop("last_results", None)
            st.warning(str(error))
        else:
            generate(backend, request)
    elif "last_results" in st.session_state:
        show_last_results()


main()
