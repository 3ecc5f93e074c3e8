"""Reading prompts: what kind of task a prompt asks for, and its parts.

Three kinds are recognised:

* a **categorisation** prompt lists the allowed categories, as a block of at least two short
  lines (at most 6 words, no sentence-ending period; bullets "- X" / "1. X" allowed) after a
  line ending with ':'. The request is the text after the block once the instruction
  sentences ("Try doing it for this request and return only the request category only.")
  are removed; the project builds such prompts as ``<template> || ' ' || <request>``;
* a **message** prompt asks for an e-mail or a text message for a customer and carries
  "Name: ..., Contact preference: ...[, Request category: ...]";
* anything else is **generic**.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CATEGORY_WORDS = 6
DEFAULT_TEXT_LIMIT = 24
DEFAULT_EMAIL_LIMIT = 100

_BULLET = re.compile(r"^\s*(?:[-*\u2022\u00b7\u2013]|\(?\d{1,2}[.)]|\(?[A-Za-z][.)])\s+")
_SENTENCE = re.compile(r"[^\n]*?(?:[.!?](?=\s|$)|\n|$)")
_REQUEST_LABEL = re.compile(
    r"^\s*(?:customer\s+)?(?:request|ticket|message|text|input|query)\s*:\s*", re.IGNORECASE
)
# An instruction sentence talks about categories and tells the model what to do with them.
_INSTRUCTION_TOPIC = re.compile(r"\b(?:categor|classif|label)", re.IGNORECASE)
_INSTRUCTION_VERB = re.compile(
    r"\b(?:return|respond|reply|answer|output|try|pick|choose|select|only|assign|give|provide|"
    r"determine|identify|classify|categori[sz]e)\b",
    re.IGNORECASE,
)

_FIELD_END = r"(?=\s*,\s*[A-Za-z][A-Za-z ]{0,30}:|\s*\n|\s*$)"
_NAME = re.compile(r"\bName\s*:\s*(?P<v>.*?)" + _FIELD_END, re.IGNORECASE)
_PREFERENCE = re.compile(r"\bContact preference\s*:\s*(?P<v>.*?)" + _FIELD_END, re.IGNORECASE)
_CATEGORY = re.compile(r"\bRequest category\s*:\s*(?P<v>.*?)" + _FIELD_END, re.IGNORECASE)
_CUSTOMER_INFO = re.compile(r"Here is the customer information\s*:", re.IGNORECASE)
_LIMIT = re.compile(
    r"\b(?P<op>less than|fewer than|under|below|maximum(?: of)?|max\.?(?: of)?|at most|"
    r"no more than|not more than|up to|within)\s+(?P<n>\d{1,4})\s+words?\b",
    re.IGNORECASE,
)
_STRICT_OPS = ("less than", "fewer than", "under", "below")
_TEXT_MEDIUM = re.compile(r"\b(?:text[- ]?messages?|sms|texts?)\b", re.IGNORECASE)
_EMAIL_MEDIUM = re.compile(r"\be-?mails?\b", re.IGNORECASE)
_WRITE_TASK = re.compile(r"\b(?:write|draft|compose)\b", re.IGNORECASE)


@dataclass(frozen=True)
class CategoryPrompt:
    """A categorisation task: the allowed categories (as listed) and the request to place."""

    categories: tuple[str, ...]
    request: str


@dataclass(frozen=True)
class MessagePrompt:
    """A message-writing task for one customer."""

    name: str | None
    contact_preference: str | None
    category: str | None
    text_limit: int
    email_limit: int

    @property
    def wants_text_message(self) -> bool:
        pref = (self.contact_preference or "").lower()
        return "text" in pref or "sms" in pref


@dataclass(frozen=True)
class GenericPrompt:
    """Any other prompt."""

    text: str


Prompt = CategoryPrompt | MessagePrompt | GenericPrompt


def parse_prompt(prompt: str) -> Prompt:
    """The task ``prompt`` asks for, with its parsed parts."""
    message = parse_message_prompt(prompt)
    if message is not None:
        return message
    category = parse_category_prompt(prompt)
    if category is not None:
        return category
    return GenericPrompt(prompt)


_LABELLED = re.compile(r"^[^\W\d_][\w ]{0,30}:\s")


def _category_item(line: str) -> tuple[str, bool] | None:
    """(the category a list line names, whether it is bulleted), or None when the line is not
    a short list item ("Request: ..." and sentences are not items)."""
    bullet = _BULLET.match(line)
    text = line[bullet.end() :] if bullet else line
    text = text.strip()
    if bullet:
        text = text.rstrip(".;,").strip()
    if not text or text.endswith(":") or len(text.split()) > MAX_CATEGORY_WORDS:
        return None
    if _LABELLED.match(text) or (not bullet and text[-1] in ".!?"):
        return None
    return text, bullet is not None


def _find_category_block(lines: list[str]) -> tuple[int, tuple[str, ...], int] | None:
    """(header line index, categories, index of the first line after the block) or None."""
    for i, line in enumerate(lines):
        if not line.rstrip().endswith(":"):
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        items: list[str] = []
        bulleted: bool | None = None
        while j < len(lines) and lines[j].strip():
            item = _category_item(lines[j])
            if item is None or (bulleted is not None and item[1] != bulleted):
                break
            items.append(item[0])
            bulleted = item[1]
            j += 1
        if len(items) >= 2:
            unique = tuple(dict.fromkeys(items))
            return i, unique, j
    return None


def _is_instruction(sentence: str) -> bool:
    return bool(_INSTRUCTION_TOPIC.search(sentence) and _INSTRUCTION_VERB.search(sentence))


def strip_instructions(text: str) -> str:
    """``text`` without its leading instruction sentences and a "Request:" label."""
    rest = text.strip()
    for _ in range(6):
        match = _SENTENCE.match(rest)
        if not match or not match.group(0).strip():
            break
        sentence = match.group(0)
        if not _is_instruction(sentence):
            break
        rest = rest[match.end() :].strip()
    return _REQUEST_LABEL.sub("", rest, count=1).strip()


def parse_category_prompt(prompt: str) -> CategoryPrompt | None:
    """The categories and request of a categorisation prompt, or None if it lists none."""
    lines = prompt.splitlines()
    block = _find_category_block(lines)
    if block is None:
        return None
    header, categories, after = block
    request = strip_instructions("\n".join(lines[after:]))
    if not request:
        request = strip_instructions("\n".join(lines[:header]))
    return CategoryPrompt(categories=categories, request=request)


def parse_word_limits(instructions: str) -> tuple[int | None, int | None]:
    """(text-message limit, e-mail limit) in words, as stated in ``instructions``.

    "less than N words" allows N - 1 words; "maximum / at most / no more than N words" allows
    N. A limit belongs to the medium (text message or e-mail) named closest before it (or
    just after it); a limit that names no medium applies to both.
    """
    text_limit: int | None = None
    email_limit: int | None = None
    for match in _LIMIT.finditer(instructions):
        n = int(match.group("n"))
        allowed = n - 1 if match.group("op").lower() in _STRICT_OPS else n
        allowed = max(allowed, 1)
        medium = _medium_for(instructions, match.start(), match.end())
        if medium in ("text", None) and text_limit is None:
            text_limit = allowed
        if medium in ("email", None) and email_limit is None:
            email_limit = allowed
    return text_limit, email_limit


def _medium_for(text: str, start: int, end: int) -> str | None:
    before = text[:start]
    last_text = max((m.end() for m in _TEXT_MEDIUM.finditer(before)), default=-1)
    last_email = max((m.end() for m in _EMAIL_MEDIUM.finditer(before)), default=-1)
    if last_text >= 0 or last_email >= 0:
        return "text" if last_text > last_email else "email"
    after = text[end : end + 60]
    next_text = _TEXT_MEDIUM.search(after)
    next_email = _EMAIL_MEDIUM.search(after)
    if next_text and (not next_email or next_text.start() < next_email.start()):
        return "text"
    if next_email:
        return "email"
    return None


def _field(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    if not match:
        return None
    value = match.group("v").strip().strip(",").strip()
    return value or None


def parse_message_prompt(prompt: str) -> MessagePrompt | None:
    """The customer details and word limits of a message prompt, or None if it is not one."""
    has_preference = _PREFERENCE.search(prompt) is not None
    mentions_medium = bool(_EMAIL_MEDIUM.search(prompt) or _TEXT_MEDIUM.search(prompt))
    is_task = has_preference or (
        _NAME.search(prompt) is not None and mentions_medium and _WRITE_TASK.search(prompt)
    )
    if not is_task:
        return None
    info = _CUSTOMER_INFO.search(prompt)
    instructions = prompt[: info.start()] if info else prompt
    details = prompt[info.end() :] if info else prompt
    text_limit, email_limit = parse_word_limits(instructions)
    category = _field(_CATEGORY, details)
    if category is not None and category.lower() in ("unknown", "none", "null", "n/a"):
        category = None
    return MessagePrompt(
        name=_field(_NAME, details),
        contact_preference=_field(_PREFERENCE, details),
        category=category,
        text_limit=text_limit if text_limit is not None else DEFAULT_TEXT_LIMIT,
        email_limit=email_limit if email_limit is not None else DEFAULT_EMAIL_LIMIT,
    )
