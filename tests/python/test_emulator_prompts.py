"""Prompt parsing, the categoriser, messages and the token rule, without a database."""

from __future__ import annotations

import pytest
from project_vars import CATEGORIZATION_PROMPT as QUICKSTART_PROMPT

from cortex_emulator.catalog import CatalogSource
from cortex_emulator.models.categoriser import rank_categories
from cortex_emulator.models.foundation import complete_foundation, small_model_category_answer
from cortex_emulator.models.prompts import (
    CategoryPrompt,
    GenericPrompt,
    MessagePrompt,
    parse_prompt,
    parse_word_limits,
)
from cortex_emulator.models.stable import stable_int
from cortex_emulator.models.tokens import count_tokens
from cortex_emulator.models.writer import write_message

CATEGORIES = ("Roaming fees", "Slow data speed", "Lost phone", "Add new line", "Closing account")

MESSAGE_PROMPT = (
    "Please write an email or text promoting a new plan that will save customers total costs. "
    "If the customer requested to be contacted by text message, write text message response "
    "in less than 25 words, otherwise write email response in maximum 100 words."
)


def test_quickstart_categories_and_request_are_parsed() -> None:
    request = "I was charged roaming fees in France.\nCan you check? Thanks, it's urgent."
    parsed = parse_prompt(QUICKSTART_PROMPT + " " + request)
    assert isinstance(parsed, CategoryPrompt)
    assert parsed.categories == CATEGORIES
    assert parsed.request == request


def test_request_sentences_that_look_like_instructions_are_kept() -> None:
    request = "Please process this request to close my account. I no longer need the service."
    parsed = parse_prompt(QUICKSTART_PROMPT + " " + request)
    assert isinstance(parsed, CategoryPrompt)
    assert parsed.request == request


@pytest.mark.parametrize(
    "prompt",
    [
        "Categories:\n- Billing dispute\n- Network outage\n- Password reset\n"
        "Return only the category. Request: I can't log in",
        "Pick one of the following:\n1. Billing dispute\n2. Network outage\n3. Password reset\n\n"
        "Customer request: I can't log in",
        "Request: I can't log in\n\nPossible categories:\n\nBilling dispute\nNetwork outage\n"
        "Password reset\n\nAnswer with the category only.",
        "Classify the ticket. Options:\n* Billing dispute\n* Network outage\n* Password reset\n"
        "Ticket: I can't log in",
    ],
)
def test_custom_category_lists(prompt: str) -> None:
    parsed = parse_prompt(prompt)
    assert isinstance(parsed, CategoryPrompt)
    assert parsed.categories == ("Billing dispute", "Network outage", "Password reset")
    assert parsed.request == "I can't log in"
    assert rank_categories(parsed.categories, parsed.request).best == "Password reset"


def test_sentences_and_long_lines_are_not_categories() -> None:
    prompt = (
        "Here is what happened:\nI was travelling last week.\nMy phone stopped working there.\n"
        "What should I do?"
    )
    assert isinstance(parse_prompt(prompt), GenericPrompt)


def test_message_prompt_is_parsed() -> None:
    parsed = parse_prompt(
        MESSAGE_PROMPT + "Here is the customer information: Name: Liam O'Connor, "
        "Contact preference: Text Message, Request category: Lost phone"
    )
    assert parsed == MessagePrompt(
        name="Liam O'Connor",
        contact_preference="Text Message",
        category="Lost phone",
        text_limit=24,
        email_limit=100,
        topic="a new plan that will save customers total costs",
    )
    assert parsed.wants_text_message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (MESSAGE_PROMPT, (24, 100)),
        ("Write an SMS under 15 words or an e-mail of at most 80 words.", (14, 80)),
        ("Reply by email (no more than 60 words) or by text (fewer than 10 words).", (9, 60)),
        ("Write a reply in no more than 50 words.", (50, 50)),
        ("Write a reply.", (None, None)),
    ],
)
def test_word_limits(text: str, expected: tuple[int | None, int | None]) -> None:
    assert parse_word_limits(text) == expected


def test_scorer_only_answers_listed_categories() -> None:
    cats = ("Refund request", "Shipping delay")
    assert rank_categories(cats, "My phone was stolen").best in cats
    assert (
        rank_categories(cats, "Where is my parcel? The delivery is late").best == "Shipping delay"
    )


def test_small_model_answer_styles_vary_and_stay_on_topic() -> None:
    ranking = rank_categories(CATEGORIES, "my phone was stolen")
    answers = {
        small_model_category_answer("mistral-7b", f"prompt {i}", ranking) for i in range(400)
    }
    assert "Lost phone" in answers
    assert " Lost phone" in answers
    assert any("classify" in a for a in answers)
    assert any("rather than" in a for a in answers)
    assert any("Slow data speed" in a or "Roaming fees" in a for a in answers)


def test_foundation_models_come_from_the_catalog() -> None:
    catalog = CatalogSource().get()
    large = [m for m in catalog.models.values() if m.size == "large" and not m.is_retired()]
    assert large, "the catalog lists no usable large model"
    request = QUICKSTART_PROMPT + " My phone was stolen."
    assert complete_foundation(large[0], request) == "Lost phone"


def test_sms_never_exceeds_a_tiny_limit() -> None:
    for limit in range(1, 30):
        prompt = MessagePrompt(
            "Bartholomew Fitzgerald-Smythe", "Text Message", "Roaming fees", limit, 100
        )
        for seed in range(5):
            assert len(write_message(prompt, str(seed)).split()) <= limit


def test_email_never_exceeds_a_tiny_limit() -> None:
    for limit in range(1, 120, 3):
        prompt = MessagePrompt("Ann Lee", "Email", "Add new line", 24, limit)
        for seed in range(5):
            message = write_message(prompt, str(seed))
            assert len(message.split()) <= limit
            if limit >= 3:
                assert "Ann Lee" in message


def test_token_rule() -> None:
    assert count_tokens("") == 0
    assert count_tokens("   ") == 0
    assert count_tokens("cat") == 1
    assert count_tokens("roaming") == 2
    assert count_tokens("internationally") == 4
    assert count_tokens("Hi, there!") == 1 + 1 + 2 + 1
    assert count_tokens("a b c") == 3


def test_stable_hash_is_fixed() -> None:
    # MD5-based: the same value in every process and on every machine.
    assert stable_int("abc") == int.from_bytes(bytes.fromhex("900150983cd24fb0"), "big")
