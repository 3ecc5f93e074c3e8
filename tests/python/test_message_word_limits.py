"""The mart's word-limit tests read the limits of the message prompt in force
(message_word_limits), by the same rule as the emulated writer; and the writer follows the
prompt's topic, tone and limits."""

from __future__ import annotations

import ast

import pytest
from dbt_harness import DbtProject
from project_vars import PROJECT_VARS

from cortex_emulator.models.prompts import (
    DEFAULT_EMAIL_LIMIT,
    DEFAULT_TEXT_LIMIT,
    MessagePrompt,
    parse_prompt,
    parse_word_limits,
)
from cortex_emulator.models.writer import write_message

PROMPTS = [
    PROJECT_VARS["message_prompt"],
    "Write a text message of at most 10 words or an email of at most 30 words.",
    "Write an email in no more than 12 words, or a text under 6 words.",
    "Reply by email (no more than 60 words) or by text (fewer than 10 words).",
    "Write a reply in no more than 50 words.",
    "Write a short note to the customer by email or text.",
]


def macro_limits(project: DbtProject, message_prompt: str) -> dict[str, int]:
    invocation = project.invoke(
        "compile",
        "--inline",
        "{{ message_word_limits(var('message_prompt')) }}",
        vars={"message_prompt": message_prompt},
    )
    return ast.literal_eval(invocation.result.result.results[0].node.compiled_code.strip())


def test_the_macro_and_the_writer_read_the_same_limits(fresh_project: DbtProject) -> None:
    for prompt in PROMPTS:
        text, email = parse_word_limits(prompt)
        expected = {
            "text": text if text is not None else DEFAULT_TEXT_LIMIT,
            "email": email if email is not None else DEFAULT_EMAIL_LIMIT,
        }
        assert macro_limits(fresh_project, prompt) == expected, prompt
    assert macro_limits(fresh_project, PROMPTS[0]) == {"text": 24, "email": 100}


@pytest.mark.parametrize("preference", ["Text Message", "Email"])
def test_the_writer_follows_the_prompt(preference: str) -> None:
    prompt = (
        "Write a formal, apologetic message about the network maintenance on Sunday night. "
        "Text messages in at most 15 words, emails in at most 45 words. Here is the customer "
        f"information: Name: Ada Byron, Contact preference: {preference}, Request category: "
        "Slow data speed"
    )
    parsed = parse_prompt(prompt)
    assert isinstance(parsed, MessagePrompt)
    assert parsed.topic == "the network maintenance on Sunday night"
    assert set(parsed.tone) == {"formal", "apologetic"}
    message = write_message(parsed, seed="x")
    assert "network maintenance on Sunday night" in message and "Ada Byron" in message
    assert len(message.split()) <= (15 if preference == "Text Message" else 45)
    assert "new plan" not in message  # no promotion of its own
    if preference == "Email":
        assert "sorry" in message.lower() and "Dear Ada Byron" in message
