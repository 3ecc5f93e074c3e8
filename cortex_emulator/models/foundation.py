"""How an emulated foundation model answers one prompt.

* Categorisation prompts: the best-matching listed category (``categorizer``). A large model
  answers the bare category, exactly as listed. A small model answers in an inconsistent
  format, as the quickstart saw with mistral-7b: the bare category only about a fifth of the
  time; otherwise with a leading space, a trailing newline, a sentence around it, in lower
  case, with an explanation, naming two categories, or vaguely -- and about 12% of the time
  it picks a plausible wrong category (the runner-up). Which one is decided by the stable
  hash of the model name and the prompt, so the same prompt always gets the same answer.
* Message prompts: an e-mail or a text message (``messages``).
* Anything else: a short, deterministic generic answer.

With AI_COMPLETE's ``response_format`` the answer is JSON within the schema
(``structured_output``): an enum gets the category the categoriser ranks first among the
enum's values (a small model still picks the runner-up at its wrong share), strings get the
plain answer. ``max_tokens`` cuts a plain-text answer to that many tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..catalog import FoundationModel
from ..completion_options import DEFAULT_OPTIONS, CompletionOptions
from .categoriser import Ranking, category_text, rank_categories
from .prompts import CategoryPrompt, MessagePrompt, parse_prompt, strip_instructions
from .sentence_embeddings import embed
from .stable import stable_fraction, stable_int
from .structured_output import answer_in_schema
from .tokens import truncate_to_tokens
from .writer import write_message

_Style = Callable[[str, str], str]


@dataclass(frozen=True)
class SmallModelNoise:
    """The emulator's ASSUMPTION about how a small model (size_class 'small' in the catalog)
    answers a categorisation prompt -- declared, not measured: the base model's figures on the
    local target (format validity, Unknown share, part of its accuracy) come out of these
    numbers by construction.

    ``wrong_share``: the share of prompts where it names the runner-up category instead of the
    best one. ``styles``: (weight, how it words the answer given (category, other category));
    the weights add up to 1. Which applies to a prompt is decided by the stable hash of the
    model name and the prompt, so the same prompt always gets the same answer.
    """

    wrong_share: float
    styles: tuple[tuple[float, _Style], ...]


#: After the quickstart's observation that mistral-7b answers in an inconsistent format: the bare
#: category about a fifth of the time, else with stray blanks, in a sentence, in lower case,
#: naming two categories or vaguely.
EMULATED_SMALL_MODEL_NOISE = SmallModelNoise(
    wrong_share=0.12,
    styles=(
        (0.22, lambda c, o: c),
        (0.06, lambda c, o: f"{c}\n"),
        (0.10, lambda c, o: f" {c}"),
        (0.12, lambda c, o: f"The request category is: {c}."),
        (0.12, lambda c, o: f" {c}\n\nThe customer's request is about {c.lower()}."),
        (0.10, lambda c, o: f"Category: {c.lower()}"),
        (0.10, lambda c, o: f"I would classify this as a {c.lower()} issue."),
        (0.05, lambda c, o: f"{c}."),
        (0.08, lambda c, o: f"Based on the request, this is about {c} rather than {o}."),
        (
            0.05,
            lambda c, o: (
                "The customer needs help with their service. "
                "Please route this request to the appropriate team."
            ),
        ),
    ),
)
SMALL_MODEL_WRONG_SHARE = EMULATED_SMALL_MODEL_NOISE.wrong_share

#: A large model's answer when nothing in the request points to a listed category (it names no
#: category, so the project normalises it to Unknown).
CANNOT_TELL_ANSWER = "I cannot tell: this request does not match any of the listed categories."

_GENERIC_OPENERS = (
    "Thanks for your message.",
    "Here is a short answer.",
    "Understood.",
)
_GENERIC_SUMMARY_WORDS = 20


def complete_foundation(
    model: FoundationModel, prompt: str, options: CompletionOptions = DEFAULT_OPTIONS
) -> str:
    """The answer of foundation ``model`` to ``prompt`` (AI_COMPLETE ``options``)."""
    schema = options.response_schema
    if schema is not None:
        return answer_in_schema(
            schema, _plain_answer(model, prompt), _enum_chooser(model.name, model.is_small, prompt)
        )
    answer = _plain_answer(model, prompt)
    if options.max_tokens is not None:
        return truncate_to_tokens(answer, options.max_tokens)
    return answer


def _enum_chooser(model_name: str, is_small: bool, prompt: str):  # type: ignore[no-untyped-def]
    """Picks one of an enum's values for ``prompt``: the categoriser's best, or for a small
    model its runner-up at ``SMALL_MODEL_WRONG_SHARE``."""

    def choose(values: Sequence[str]) -> str:
        parsed = parse_prompt(prompt)
        request = (
            parsed.request if isinstance(parsed, CategoryPrompt) else strip_instructions(prompt)
        )
        descriptions = ()
        if isinstance(parsed, CategoryPrompt):
            known = dict(zip(parsed.categories, parsed.descriptions, strict=False))
            descriptions = tuple(known.get(v) for v in dict.fromkeys(values))
        ranking = rank_categories(list(dict.fromkeys(values)), request, descriptions)
        if (
            is_small
            and len(ranking.categories) > 1
            and stable_fraction(model_name, "runner-up", prompt) < SMALL_MODEL_WRONG_SHARE
        ):
            return ranking.runner_up
        return ranking.best

    return choose


def prepare(prompts: Sequence[str]) -> None:
    """Embed the requests and categories of a batch of prompts at once (the answers then look
    them up): much faster than one prompt at a time."""
    texts: list[str] = []
    for prompt in prompts:
        parsed = parse_prompt(prompt)
        if isinstance(parsed, CategoryPrompt):
            texts.append(parsed.request.strip() or " ")
            texts.extend(
                category_text(c, d)
                for c, d in zip(parsed.categories, parsed.descriptions, strict=False)
            )
            texts.extend(parsed.categories[len(parsed.descriptions) :])
    if texts:
        embed(texts)


def _plain_answer(model: FoundationModel, prompt: str) -> str:
    parsed = parse_prompt(prompt)
    if isinstance(parsed, CategoryPrompt):
        ranking = rank_categories(parsed.categories, parsed.request, parsed.descriptions)
        if model.is_small:
            return small_model_category_answer(model.name, prompt, ranking)
        return ranking.best if ranking.has_evidence else CANNOT_TELL_ANSWER
    if isinstance(parsed, MessagePrompt):
        return write_message(parsed, seed=f"{model.name}\x1f{prompt}")
    return generic_answer(model.name, prompt)


def small_model_category_answer(model_name: str, prompt: str, ranking: Ranking) -> str:
    """A small model's messy answer to a categorisation prompt."""
    answer, other = ranking.best, ranking.runner_up
    if len(ranking.categories) > 1 and (
        stable_fraction(model_name, "runner-up", prompt) < SMALL_MODEL_WRONG_SHARE
    ):
        answer, other = other, answer
    draw = stable_fraction(model_name, "style", prompt)
    cumulative = 0.0
    for weight, style in EMULATED_SMALL_MODEL_NOISE.styles:
        cumulative += weight
        if draw < cumulative:
            return style(answer, other)
    return EMULATED_SMALL_MODEL_NOISE.styles[0][1](answer, other)


def generic_answer(model_name: str, prompt: str) -> str:
    """A short deterministic reply that summarises the prompt."""
    words = prompt.split()
    if not words:
        return "I did not receive any text. Please send your question or request."
    summary = " ".join(words[:_GENERIC_SUMMARY_WORDS])
    if len(words) > _GENERIC_SUMMARY_WORDS:
        summary += " ..."
    opener = _GENERIC_OPENERS[stable_int(model_name, prompt) % len(_GENERIC_OPENERS)]
    return f'{opener} You wrote: "{summary}"'
