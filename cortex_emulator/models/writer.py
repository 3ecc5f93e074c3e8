"""Writing the e-mail or text message a message prompt asks for, from what the prompt says.

* Medium: a text message for a customer who prefers text messages, else an e-mail (subject,
  greeting with the customer's name, body, sign-off).
* Topic: what the instructions ask the message to be about ("... promoting a new plan that will
  save customers total costs" -> the message is about that plan); the request category of the
  customer details, when given, is mentioned as the reason for writing.
* Tone: the tone words of the instructions (formal, friendly, apologetic, ...) choose the
  greeting, an apology and the sign-off.
* Length: never more than the word limits parsed from the prompt (words = whitespace-separated
  tokens); an e-mail under a tight limit drops its subject and shortens its sentences.

Wording varies deterministically with the stable hash of the model and the prompt. The writer
knows no product, offer or data set: every content word comes from the prompt.
"""

from __future__ import annotations

from .prompts import MessagePrompt
from .stable import stable_int

_FALLBACK_NAME = "Valued Customer"
_FALLBACK_TOPIC = "your recent message to us"

_CASUAL_TONES = {"friendly", "warm", "casual", "enthusiastic"}
_APOLOGETIC_TONES = {"apologetic", "empathetic"}


def _n_words(text: str) -> int:
    return len(text.split())


def _truncate(text: str, limit: int) -> str:
    tokens = text.split()
    if len(tokens) <= limit:
        return text
    cut = " ".join(tokens[: max(limit, 1)]).rstrip(",;:")
    return cut if cut.endswith((".", "!", "?")) else cut + "."


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]


def write_message(prompt: MessagePrompt, seed: str) -> str:
    """The message for ``prompt``; ``seed`` (model + prompt) picks the wording."""
    if prompt.wants_text_message:
        return write_text_message(prompt, seed)
    return write_email(prompt, seed)


def _casual(prompt: MessagePrompt) -> bool:
    return bool(_CASUAL_TONES & set(prompt.tone)) and "formal" not in prompt.tone


def _by_priority(sentences: list[str], priority: list[int], room: int) -> list[str]:
    """The sentences that fit in ``room`` words, chosen in ``priority`` order, kept in order."""
    chosen: set[int] = set()
    used = 0
    for index in priority:
        if used + _n_words(sentences[index]) <= room:
            chosen.add(index)
            used += _n_words(sentences[index])
    return [sentences[i] for i in sorted(chosen)]


def write_text_message(prompt: MessagePrompt, seed: str) -> str:
    """A short text message within ``prompt.text_limit`` words: the topic first, then the
    apology the tone asks for, then a call to reply."""
    name = prompt.name or _FALLBACK_NAME
    topic = prompt.topic or _FALLBACK_TOPIC
    greeting = f"Hi {name}!" if _casual(prompt) else f"Hello {name},"
    leads = ("A quick note about", "We wanted to tell you about", "News about")
    main = f"{leads[stable_int('sms', seed) % len(leads)]} {topic}."
    apology = "Sorry for the trouble." if _APOLOGETIC_TONES & set(prompt.tone) else ""
    action = "Reply to this text to learn more."
    limit = prompt.text_limit
    room = limit - _n_words(greeting)
    if room < _n_words(main):
        return _truncate(f"{greeting} {main}", limit)
    sentences = [apology, main, action] if apology else [main, action]
    priority = [1, 0, 2] if apology else [0, 1]
    return " ".join([greeting, *_by_priority(sentences, priority, room)])


def write_email(prompt: MessagePrompt, seed: str) -> str:
    """An e-mail (subject, greeting, body, sign-off) within ``prompt.email_limit`` words."""
    name = prompt.name or _FALLBACK_NAME
    topic = prompt.topic or _FALLBACK_TOPIC
    pick = stable_int("email", seed)
    subject = f"Subject: {_sentence(topic)}"
    casual = _casual(prompt)
    greeting = f"Hi {name}," if casual else f"Dear {name},"
    sign_off = (
        ("Best wishes,", "The Customer Care Team")
        if casual
        else (
            "Kind regards,",
            "The Customer Care Team",
        )
    )
    opening: list[str] = []
    if _APOLOGETIC_TONES & set(prompt.tone):
        opening.append("We are sorry for the trouble you have had.")
    if prompt.category:
        opening.append(f"Thank you for contacting us about {prompt.category.strip().lower()}.")
    openers = (
        f"We are writing to you about {topic}.",
        f"We would like to tell you about {topic}.",
    )
    opening.append(openers[pick % len(openers)])
    closing = (
        "Reply to this email if you have any questions.",
        "Just reply to this email and we will be glad to help.",
    )[(pick // 2) % 2]

    limit = prompt.email_limit
    sign_off_text = "\n".join(sign_off)
    main = opening[-1]
    fixed = _n_words(subject) + _n_words(greeting) + _n_words(sign_off_text)
    if fixed + _n_words(main) > limit:
        # Tight limit: no subject, a one-word sign-off, the main sentence cut short.
        subject, sign_off_text = "", "Regards"
        fixed = _n_words(greeting) + 1
    room = limit - fixed
    if room <= 0:
        return _truncate(greeting, limit)
    # By priority: the topic, the apology the tone asks for, the reason (the category), the
    # closing line; written in their natural order.
    sentences = [*opening, closing]
    main_index = len(opening) - 1
    priority = [main_index, *range(main_index), len(opening)]  # apology, then reason
    body = _by_priority(sentences, priority, room) or [_truncate(main, room)]
    parts = [subject, greeting, " ".join(body), sign_off_text]
    return "\n\n".join(part for part in parts if part)
