"""Placing a request in one of the categories a prompt lists: a lexical scorer.

Every category is described by the concepts of its own words (see ``lexicon``): "Roaming fees"
-> {roam, fee}, "Lost phone" -> {lost, phone (weak)}. The request is expanded the same way,
word by word ("stolen" -> lost, "Mexico" -> roam, "charged" -> fee). A category scores the
sum of the weights of its concepts that the request expresses (generic concepts such as
"phone" or "account" weigh less, and so do weak hints such as "daughter" -> add; a concept
shared by several categories is divided among them; repeated evidence adds a little). The
best score wins; ties go to the category listed first. When no category has any evidence,
the category whose name shares the most character trigrams with the request wins. The answer
is always one of the listed categories.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .lexicon import concept_weight, concepts_of_stems, stem, stems, word_concepts, words

_STOPWORD_TEXT = (
    "a an the of and or to for in on at my our your with by from is are be issue issues "
    "problem problems question questions other general misc miscellaneous type types"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_REPEAT_BONUS = 0.25
_MAX_REPEATS = 2


@dataclass(frozen=True)
class Ranking:
    """Categories from best to worst match, with their scores."""

    categories: tuple[str, ...]
    scores: tuple[float, ...]

    @property
    def best(self) -> str:
        return self.categories[0]

    @property
    def runner_up(self) -> str:
        return self.categories[1] if len(self.categories) > 1 else self.categories[0]

    @property
    def has_evidence(self) -> bool:
        return bool(self.scores) and self.scores[0] > 0


@lru_cache(maxsize=4096)
def category_concepts(category: str) -> dict[str, float]:
    """The concepts a category name stands for, with their weights.

    A word the lexicon knows stands for its concepts; an unknown word stands for itself.
    """
    profile: dict[str, float] = {}
    for word in words(category):
        if word in _STOPWORDS:
            continue
        known = word_concepts(word) or {stem(word): 1.0}
        for concept, strength in known.items():
            weight = concept_weight(concept) * strength
            profile[concept] = max(profile.get(concept, 0.0), weight)
    return profile


@lru_cache(maxsize=256)
def _profiles(categories: tuple[str, ...]) -> tuple[dict[str, float], ...]:
    raw = [category_concepts(c) for c in categories]
    shared = Counter(concept for profile in raw for concept in profile)
    return tuple({c: w / shared[c] for c, w in profile.items()} for profile in raw)


def _trigrams(text: str) -> set[str]:
    padded = f"  {' '.join(words(text))} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def rank_categories(categories: Sequence[str], request: str) -> Ranking:
    """Rank ``categories`` (as listed in the prompt) for ``request``."""
    cats = tuple(categories)
    if not cats:
        raise ValueError("rank_categories needs at least one category")
    profiles = _profiles(cats)
    evidence: dict[str, float] = {}
    for concept, strength in concepts_of_stems(stems(request)):
        evidence[concept] = evidence.get(concept, 0.0) + strength
    scores: list[float] = []
    for profile in profiles:
        score = 0.0
        for concept, weight in profile.items():
            amount = evidence.get(concept, 0.0)
            if amount > 0:
                extra = min(max(amount - 1.0, 0.0), _MAX_REPEATS)
                score += weight * (min(amount, 1.0) + _REPEAT_BONUS * extra)
        scores.append(round(score, 9))
    if max(scores) <= 0:
        request_grams = _trigrams(request)
        fallback = []
        for category in cats:
            grams = _trigrams(category)
            fallback.append(len(grams & request_grams) / len(grams) if grams else 0.0)
        order = sorted(range(len(cats)), key=lambda i: (-fallback[i], i))
        return Ranking(tuple(cats[i] for i in order), tuple(0.0 for _ in order))
    order = sorted(range(len(cats)), key=lambda i: (-scores[i], i))
    return Ranking(tuple(cats[i] for i in order), tuple(scores[i] for i in order))
