"""Placing a request in one of the categories a prompt lists, knowing only what the prompt says.

Each category is described by its name, or "name: description" when the prompt gives a
description. The request and the categories are embedded with a general English sentence encoder
(``sentence_embeddings``: all-MiniLM-L6-v2, trained on public text, nothing of this project) and
the categories are ranked by cosine similarity to the request (ties: the one listed first).

There is no word list: nothing here knows any data set, category or generator. When no
category comes close (the best similarity is below ``CANNOT_TELL_BELOW``) the request is
treated as pointing nowhere: a careful large model says it cannot tell (see ``foundation``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .sentence_embeddings import embed

#: The emulator's assumption of when a request points to none of the listed categories: the
#: best cosine similarity between the request and a category is below this. Chosen a priori
#: (unrelated English sentences score about 0 to 0.1 with this encoder), never fitted to data.
CANNOT_TELL_BELOW = 0.15


@dataclass(frozen=True)
class Ranking:
    """Categories from best to worst match, with their similarities to the request."""

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
        """Whether anything in the request points to a listed category."""
        return bool(self.scores) and self.scores[0] >= CANNOT_TELL_BELOW


def category_text(category: str, description: str | None) -> str:
    """What the categoriser compares a request with."""
    return f"{category}: {description}" if description else category


def rank_categories(
    categories: Sequence[str], request: str, descriptions: Sequence[str | None] = ()
) -> Ranking:
    """Rank ``categories`` (as listed in the prompt) for ``request``."""
    cats = tuple(categories)
    if not cats:
        raise ValueError("rank_categories needs at least one category")
    described = list(descriptions) + [None] * (len(cats) - len(descriptions))
    texts = [category_text(c, d) for c, d in zip(cats, described, strict=False)]
    vectors = embed([request.strip() or " ", *texts])
    similarities = vectors[1:] @ vectors[0]
    rounded = [round(float(s), 6) for s in np.asarray(similarities)]
    order = sorted(range(len(cats)), key=lambda i: (-rounded[i], i))
    return Ranking(tuple(cats[i] for i in order), tuple(rounded[i] for i in order))
