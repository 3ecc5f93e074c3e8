"""Writing the promotional e-mail or text message a message prompt asks for.

A customer who prefers text messages gets a short SMS; everyone else gets an e-mail (subject,
greeting with the customer's name, body, sign-off). Both always use the customer's name and
never exceed the word limits parsed from the prompt (words = whitespace-separated tokens).
Wording varies deterministically with the stable hash of the model and the prompt. When the
prompt gives the request category, the message mentions its topic.
"""

from __future__ import annotations

from .lexicon import concepts_of_stems, stems
from .prompts import MessagePrompt
from .stable import stable_int

_FALLBACK_NAME = "Valued Customer"

# (concept of the category, long topic for e-mails, short topic for text messages)
_TOPICS: tuple[tuple[str, str, str], ...] = (
    ("roam", "roaming charges when you travel", "roaming"),
    ("lost", "replacing a lost phone", "phone protection"),
    ("slow", "your data speed", "faster data"),
    ("speed", "your data speed", "faster data"),
    ("add", "adding a new line", "extra lines"),
    ("close", "your account", "your account"),
    ("outage", "service interruptions", "reliable service"),
    ("password", "access to your account", "account access"),
    ("reset", "access to your account", "account access"),
    ("fee", "your bill", "your bill"),
    ("bill", "your bill", "your bill"),
)

_SMS_TEMPLATES = (
    "Hi {name}, our new plan cuts your total costs{topic}. Reply YES to switch today.",
    "{name}, save every month with our new plan{topic}. Reply PLAN for details.",
    "Good news, {name}: a new plan lowers your total costs{topic}. Reply YES to learn more.",
    "Hello {name}! Switch to our new plan and pay less overall{topic}. Reply YES to upgrade.",
)
_SUBJECTS = (
    "Subject: Save more with our new plan",
    "Subject: A new plan that lowers your total costs",
    "Subject: Your costs could be lower",
)
_GREETINGS = ("Dear {name},", "Hello {name},", "Hi {name},")
_INTROS = (
    "We are introducing a new plan designed to lower your total monthly costs.",
    "Our new plan can reduce what you pay each month without giving anything up.",
    "We have launched a new plan that brings your total costs down.",
)
_DETAILS = (
    "It bundles calls, texts and data at one simple price, with no hidden fees.",
    "Most customers who switch save a noticeable amount on their bill every month.",
    "Switching is free, takes only a few minutes, and you keep your number.",
    "You keep the same coverage and support you rely on today.",
)
_CALLS_TO_ACTION = (
    "Reply to this email or visit our website to see how much you could save.",
    "Just reply to this email and we will switch you over.",
)
_TOPIC_SENTENCES = (
    "Thank you for contacting us about {topic}; we want to make things easier for you.",
    "Following your recent request about {topic}, we have good news for you.",
)
_SIGN_OFFS = (
    ("Best regards,", "Customer Care Team"),
    ("Kind regards,", "The Support Team"),
    ("Warm wishes,", "Your Customer Care Team"),
)


def _n_words(text: str) -> int:
    return len(text.split())


def _truncate(text: str, limit: int) -> str:
    tokens = text.split()
    if len(tokens) <= limit:
        return text
    cut = " ".join(tokens[: max(limit, 1)]).rstrip(",;:")
    return cut if cut.endswith((".", "!", "?")) else cut + "."


def category_topic(category: str | None) -> tuple[str, str] | None:
    """(long, short) phrases for the topic of a request category, or None without one."""
    if not category:
        return None
    concepts = {c for c, _ in concepts_of_stems(stems(category))}
    for concept, long, short in _TOPICS:
        if concept in concepts:
            return long, short
    lowered = category.strip().lower()
    return f"your {lowered} request", lowered


def write_message(prompt: MessagePrompt, seed: str) -> str:
    """The message for ``prompt``; ``seed`` (model + prompt) picks the wording."""
    if prompt.wants_text_message:
        return write_text_message(prompt, seed)
    return write_email(prompt, seed)


def write_text_message(prompt: MessagePrompt, seed: str) -> str:
    """A short SMS within ``prompt.text_limit`` words."""
    name = prompt.name or _FALLBACK_NAME
    template = _SMS_TEMPLATES[stable_int("sms", seed) % len(_SMS_TEMPLATES)]
    topic = category_topic(prompt.category)
    limit = prompt.text_limit
    if topic is not None:
        with_topic = template.format(name=name, topic=f", including {topic[1]}")
        if _n_words(with_topic) <= limit:
            return with_topic
    return _truncate(template.format(name=name, topic=""), limit)


def write_email(prompt: MessagePrompt, seed: str) -> str:
    """An e-mail (subject, greeting, body, sign-off) within ``prompt.email_limit`` words."""
    name = prompt.name or _FALLBACK_NAME
    pick = stable_int("email", seed)
    subject = _SUBJECTS[pick % len(_SUBJECTS)]
    greeting = _GREETINGS[(pick // 7) % len(_GREETINGS)].format(name=name)
    sign_off = _SIGN_OFFS[(pick // 49) % len(_SIGN_OFFS)]
    intro = _INTROS[(pick // 343) % len(_INTROS)]
    action = _CALLS_TO_ACTION[(pick // 1029) % len(_CALLS_TO_ACTION)]
    first = (pick // 2058) % len(_DETAILS)
    details = list(_DETAILS[first:] + _DETAILS[:first])
    opening = [intro]
    topic = category_topic(prompt.category)
    if topic is not None:
        opener = _TOPIC_SENTENCES[(pick // 8232) % len(_TOPIC_SENTENCES)]
        opening.insert(0, opener.format(topic=topic[0]))

    limit = prompt.email_limit
    sign_off_text = "\n".join(sign_off)
    fixed = _n_words(subject) + _n_words(greeting) + _n_words(sign_off_text)
    if fixed + _n_words(opening[0]) > limit:
        # Tight limit: no subject, a one-word sign-off, a truncated first sentence.
        subject, sign_off_text = "", "Regards"
        fixed = _n_words(greeting) + 1
    room = limit - fixed
    if room <= 0:
        return _truncate(greeting, limit)
    body = _fill(opening, room)
    if not body:
        body = [_truncate(opening[0], room)]
    else:
        used = sum(_n_words(sentence) for sentence in body)
        reserve = _n_words(action) if used + _n_words(action) <= room else 0
        body += _fill(details, room - used - reserve)
        if reserve:
            body.append(action)
    parts = [subject, greeting, " ".join(body), sign_off_text]
    return "\n\n".join(part for part in parts if part)


def _fill(sentences: list[str], room: int) -> list[str]:
    """The leading sentences that fit in ``room`` words, in order."""
    chosen: list[str] = []
    used = 0
    for sentence in sentences:
        if used + _n_words(sentence) > room:
            break
        chosen.append(sentence)
        used += _n_words(sentence)
    return chosen
