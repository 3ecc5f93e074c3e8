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
from functools import lru_cache

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
# The subject of a writing task: what follows "promoting", "about", "announcing", ...
_TOPIC = re.compile(
    r"\b(?:promoting|promote|advertising|advertise|announcing|announce|offering|offer|"
    r"inviting|invite|explaining|explain|about|regarding|concerning|on the subject of)\s+"
    r"(?P<topic>[^.;:!?\n]+?)(?=[.;:!?\n]|,\s*(?:and|but|if|so|then|in|within|under|at|using|with)\b|$)",
    re.IGNORECASE,
)
_LIMIT_PHRASE = re.compile(
    r"\s*,?\s*(?:in|within|using|with|of)?\s*(?:less than|fewer than|under|below|maximum(?: of)?|"
    r"max\.?|at most|no more than|not more than|up to)\s+\d+\s+words?\b.*$",
    re.IGNORECASE,
)
# Tone words a writing task may ask for (general English, no domain).
_TONE = re.compile(
    r"\b(formal|friendly|warm|casual|polite|apologetic|empathetic|enthusiastic|concise|brief|"
    r"short|professional|urgent)\b",
    re.IGNORECASE,
)
_WRITE_TASK = re.compile(r"\b(?:write|draft|compose)\b", re.IGNORECASE)


@dataclass(frozen=True)
class CategoryPrompt:
    """A categorisation task: the allowed categories (as listed), the request to place and the
    categories' descriptions (None where the prompt gives none)."""

    categories: tuple[str, ...]
    request: str
    descriptions: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class MessagePrompt:
    """A message-writing task for one customer."""

    name: str | None
    contact_preference: str | None
    category: str | None
    text_limit: int
    email_limit: int
    topic: str | None = None
    tone: tuple[str, ...] = ()

    @property
    def wants_text_message(self) -> bool:
        pref = (self.contact_preference or "").lower()
        return "text" in pref or "sms" in pref


@dataclass(frozen=True)
class GenericPrompt:
    """Any other prompt."""

    text: str


Prompt = CategoryPrompt | MessagePrompt | GenericPrompt


#: Prompts whose parse is kept (per process): a batch is parsed once to embed its requests and
#: once to answer it, and rows often repeat a prompt.
PARSED_PROMPTS_KEPT = 4096


@lru_cache(maxsize=PARSED_PROMPTS_KEPT)
def parse_prompt(prompt: str) -> Prompt:
    """The task ``prompt`` asks for, with its parsed parts (immutable, so kept per prompt)."""
    message = parse_message_prompt(prompt)
    if message is not None:
        return message
    category = parse_category_prompt(prompt)
    if category is not None:
        return category
    return GenericPrompt(prompt)


# A line that labels the request ("Request: ...", "Customer message: ...") is not a category.
_REQUEST_LINE = re.compile(
    r"^\s*(?:the\s+)?(?:customer(?:'s)?\s+)?(?:request|ticket|message|text|input|query|email|"
    r"e-mail|inquiry|enquiry|question)\s*:",
    re.IGNORECASE,
)
# "Name: description", "Name - description", "Name (description)" on a list line.
# A request label anywhere: "... Request: <the request>".
_REQUEST_LABEL_INSIDE = re.compile(
    r"(?:^|(?<=[\s.!?]))(?:the\s+)?(?:customer(?:'s)?\s+)?(?:request|ticket|message|text|input|"
    r"query|email|e-mail|inquiry|enquiry|question)\s*:\s*",
    re.IGNORECASE,
)
_REQUEST_LABEL_BEFORE_COLON = re.compile(
    r"\b(?:request|ticket|message|text|input|query|email|e-mail|inquiry|enquiry|question)\s*:$",
    re.IGNORECASE,
)
_DESCRIBED_ITEM = re.compile(
    r"^(?P<name>[^:\u2013\u2014]+?)\s*(?::|\s[-\u2013\u2014]\s)\s*(?P<description>\S.*)$"
)
_QUOTED = re.compile(
    r"[\"\u201c\u201d]([^\"\u201c\u201d\n]{1,80})[\"\u201c\u201d]|(?<![\w])'([^'\n]{1,80})'(?![\w])"
)
_INLINE_LIST = re.compile(r":\s*(?P<items>[^\n]+)")
_LIST_SEPARATOR = re.compile(r"\s*(?:[,;]\s*(?:or\s+|and\s+)?|\s+or\s+)\s*", re.IGNORECASE)
_LIST_END = re.compile(r"(?<=[^\s.])\.(?:\s|$)|[?!](?:\s|$)")


def _clean_item(text: str) -> str:
    return text.strip().strip("\"'\u201c\u201d\u2018\u2019`*").strip().rstrip(".;,").strip()


def _short(text: str) -> bool:
    return 0 < len(text.split()) <= MAX_CATEGORY_WORDS


def _category_item(line: str) -> tuple[str, str | None, bool] | None:
    """(the category a list line names, its description, whether it is bulleted), or None when
    the line is not a list item (a sentence, a request label)."""
    bullet = _BULLET.match(line)
    text = (line[bullet.end() :] if bullet else line).strip()
    if not text or text.endswith(":") or _REQUEST_LINE.match(text):
        return None
    described = _DESCRIBED_ITEM.match(text)
    if described and _short(_clean_item(described.group("name"))):
        return (
            _clean_item(described.group("name")),
            described.group("description").strip(),
            bool(bullet),
        )
    name = _clean_item(text) if bullet or text[-1] not in ".!?" else ""
    if not _short(name):
        return None
    return name, None, bool(bullet)


def _find_category_block(lines: list[str]) -> tuple[int, list[tuple[str, str | None]], int] | None:
    """A list of categories, one per line, after a line ending with ':' -- (header line index,
    items, index of the first line after the block) -- or None."""
    for i, line in enumerate(lines):
        if not line.rstrip().endswith(":"):
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        items: list[tuple[str, str | None]] = []
        bulleted: bool | None = None
        while j < len(lines) and lines[j].strip():
            item = _category_item(lines[j])
            if item is None or (bulleted is not None and item[2] != bulleted):
                break
            items.append(item[:2])
            bulleted = item[2]
            j += 1
        if len(items) >= 2:
            return i, items, j
    return None


def _split_inline(text: str) -> tuple[list[str], str] | None:
    """(categories, the text after the list) of an inline list such as "A, B or C. Rest", or
    None when ``text`` does not start with one."""
    end = _LIST_END.search(text)
    listed, rest = (text[: end.start() + 1], text[end.end() :]) if end else (text, "")
    items = [_clean_item(part) for part in _LIST_SEPARATOR.split(listed.rstrip(".?!"))]
    items = [item for item in items if item]
    if len(items) >= 2 and all(_short(item) for item in items):
        return items, rest
    return None


def _find_inline_list(lines: list[str]) -> tuple[int, list[str], str] | None:
    """A list of categories inline after a colon ("Classify into one of: A, B or C."):
    (line index, categories, the rest of that line) or None."""
    for i, line in enumerate(lines):
        if _REQUEST_LINE.match(line):
            continue
        for match in _INLINE_LIST.finditer(line):
            if _REQUEST_LABEL_BEFORE_COLON.search(line[: match.start() + 1]):
                continue  # "Request: a, b" is the request, not a list of categories
            found = _split_inline(match.group("items"))
            if found is not None:
                return i, found[0], found[1]
    return None


def _find_quoted_list(lines: list[str]) -> tuple[int, list[str]] | None:
    """Categories quoted in an instruction line ('Answer "Billing" or "Outage".')."""
    for i, line in enumerate(lines):
        if not _INSTRUCTION_TOPIC.search(line) and not _INSTRUCTION_VERB.search(line):
            continue
        quoted = [_clean_item(a or b) for a, b in _QUOTED.findall(line)]
        quoted = [q for q in dict.fromkeys(quoted) if _short(q)]
        if len(quoted) >= 2:
            return i, quoted
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


def _unique(items: list[tuple[str, str | None]]) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
    seen: dict[str, str | None] = {}
    for name, description in items:
        if name not in seen:
            seen[name] = description
    return tuple(seen), tuple(seen.values())


def parse_category_prompt(prompt: str) -> CategoryPrompt | None:
    """The categories (with descriptions where the prompt gives them) and the request of a
    categorisation prompt, or None if it lists none.

    Layouts read: one category per line after a line ending with ':' (plain, bulleted or
    numbered, optionally "Name: description" or "Name - description"); an inline list after a
    colon ("one of: A, B or C", commas, semicolons, "or", slashes, quoted or not); quoted names
    in an instruction ('Answer "A" or "B"').
    """
    lines = prompt.splitlines()
    block = _find_category_block(lines)
    if block is not None:
        header, items, after = block
        before, following = "\n".join(lines[:header]), "\n".join(lines[after:])
    else:
        inline = _find_inline_list(lines)
        quoted = _find_quoted_list(lines) if inline is None else None
        if inline is not None:
            index, names, rest = inline
            items = [(name, None) for name in names]
            before, following = "\n".join(lines[:index]), "\n".join([rest, *lines[index + 1 :]])
        elif quoted is not None:
            index, names = quoted
            items = [(name, None) for name in names]
            line = lines[index]
            tail = line[line.rfind(names[-1]) + len(names[-1]) :]
            sentence_end = re.search(r"[.!?](?:\s|$)", tail)
            tail = tail[sentence_end.end() :] if sentence_end else ""
            before, following = "\n".join(lines[:index]), "\n".join([tail, *lines[index + 1 :]])
        else:
            return None
    categories, descriptions = _unique(items)
    label = _REQUEST_LABEL_INSIDE.search(following)
    request = following[label.end() :].strip() if label else strip_instructions(following)
    if not request:
        request = strip_instructions(before)
    return CategoryPrompt(categories=categories, request=request, descriptions=descriptions)


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
    text_limit, email_limit, topic, tone = _read_instructions(instructions)
    category = _field(_CATEGORY, details)
    if category is not None and category.lower() in ("unknown", "none", "null", "n/a"):
        category = None
    return MessagePrompt(
        name=_field(_NAME, details),
        contact_preference=_field(_PREFERENCE, details),
        category=category,
        text_limit=text_limit,
        email_limit=email_limit,
        topic=topic,
        tone=tone,
    )


@lru_cache(maxsize=64)
def _read_instructions(instructions: str) -> tuple[int, int, str | None, tuple[str, ...]]:
    """(text-message limit, e-mail limit, topic, tone words) of a message prompt's
    instructions: the template every row of a run shares, so read once per template."""
    text_limit, email_limit = parse_word_limits(instructions)
    return (
        text_limit if text_limit is not None else DEFAULT_TEXT_LIMIT,
        email_limit if email_limit is not None else DEFAULT_EMAIL_LIMIT,
        parse_topic(instructions),
        tuple(t.lower() for t in dict.fromkeys(_TONE.findall(instructions))),
    )


def parse_topic(instructions: str) -> str | None:
    """What the message is to be about, as the instructions say it ("... promoting a new plan
    that will save customers total costs" -> "a new plan that will save customers total
    costs"); None when they do not say."""
    match = _TOPIC.search(instructions)
    if not match:
        return None
    topic = _LIMIT_PHRASE.sub("", match.group("topic")).strip().rstrip(".;:,")
    return topic or None
