"""Fine-tuned models: small, deterministic scikit-learn models, kept in the database as data.

Features: scikit-learn's ``TfidfVectorizer`` on the prompts -- lower-cased words and bigrams,
sublinear term frequency, smoothed idf, rows scaled to unit length -- without the terms found in
*every* training prompt or in the template they all start with (a shared prompt template carries
no information), at most ``MAX_FEATURES`` terms.

Two kinds, chosen from the training completions:

* ``classifier`` (completions are labels -- at most 50 distinct and not mostly unique):
  scikit-learn's ``LogisticRegression`` (multinomial, L2 penalty ``L2_PENALTY`` per row, lbfgs,
  ``random_state`` fixed), at most ``ITERATIONS_PER_EPOCH`` iterations per epoch. It answers the most probable label.
* ``nearest_neighbour`` (free-text completions): the TF-IDF vectors of the training prompts;
  it answers the completion of the most similar training prompt (cosine; ties -> the first
  training row; no shared term at all -> the most frequent completion).

A fitted model is stored as tables (vocabulary with idf, labels, coefficients and intercepts
or the training vectors; see ``duckdb_functions.storage``), never pickled, and predicts from
them: ``TrainedModel.from_tables`` rebuilds the scikit-learn objects from those arrays.

Losses are mean cross-entropies (``sklearn.metrics.log_loss``). For nearest neighbour, a
label's probability is the share of ``exp(similarity / NN_TEMPERATURE)`` that the training rows
with that label hold (leaving the row itself out when measuring the training loss). A
validation label never seen in training gets ``FLOOR_PROBABILITY``.
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from ...completion_options import DEFAULT_OPTIONS, CompletionOptions
from ..categoriser import rank_categories
from ..prompts import strip_instructions
from ..structured_output import answer_in_schema
from ..tokens import truncate_to_tokens

ModelKind = Literal["classifier", "nearest_neighbour"]

MAX_FEATURES = 50_000
ITERATIONS_PER_EPOCH = 100
#: The L2 penalty per training row (scikit-learn's C is 1 / (L2_PENALTY * rows)).
L2_PENALTY = 1e-4
MAX_CLASSIFIER_LABELS = 50
NN_TEMPERATURE = 0.1
FLOOR_PROBABILITY = 1e-6
RANDOM_STATE = 42
_SIMILARITY_CELLS_PER_CHUNK = 4_000_000


def _vectorizer(**overrides: object) -> TfidfVectorizer:
    return TfidfVectorizer(
        lowercase=True,
        token_pattern=r"(?u)\b\w+\b",
        ngram_range=(1, 2),
        sublinear_tf=True,
        smooth_idf=True,
        norm="l2",
        dtype=np.float64,
        **overrides,  # type: ignore[arg-type]
    )


def _shared_prefix(prompts: Sequence[str]) -> str:
    """The text every prompt starts with (a prompt template), cut after a blank."""
    if len(prompts) < 2:
        return ""
    prefix = os.path.commonprefix(list(prompts))
    cut = max(prefix.rfind(" "), prefix.rfind("\n"))
    return prefix[: cut + 1] if cut >= 0 else ""


def fit_vectorizer(prompts: Sequence[str]) -> tuple[TfidfVectorizer, sp.csr_matrix]:
    """The TF-IDF vectorizer of ``prompts`` and their vectors.

    A template every prompt starts with is cut before counting (its terms are in every prompt,
    so they would be dropped anyway; counting them is most of the work), and any term of it is
    left out of the vocabulary, so that prompts with and without it get the same vectors."""
    n = len(prompts)
    prefix = _shared_prefix(prompts)
    rests = [p[len(prefix) :] for p in prompts]
    vectorizer = _vectorizer(max_features=MAX_FEATURES, max_df=(n - 1) if n > 1 else 1.0)
    try:
        counted = sp.csr_matrix(vectorizer.fit_transform(rests))
    except ValueError:  # no term left (empty prompts, or all terms in every prompt)
        return vectorizer_from_table([], np.zeros(0)), sp.csr_matrix((n, 0))
    terms, idf = vocabulary_of(vectorizer)
    template_terms = set(vectorizer.build_analyzer()(prefix)) if prefix else set()
    keep = [i for i, term in enumerate(terms) if term not in template_terms]
    if len(keep) == len(terms):
        return vectorizer, counted
    if not keep:
        return vectorizer_from_table([], np.zeros(0)), sp.csr_matrix((n, 0))
    kept = vectorizer_from_table([terms[i] for i in keep], idf[keep])
    return kept, sp.csr_matrix(normalize(counted[:, keep], norm="l2"))


def vectorizer_from_table(terms: Sequence[str], idf: np.ndarray) -> TfidfVectorizer:
    """A fitted vectorizer rebuilt from its stored vocabulary and idf weights."""
    if len(terms) == 0:
        return _vectorizer()  # no vocabulary: every prompt has an empty vector
    vectorizer = _vectorizer(vocabulary={term: i for i, term in enumerate(terms)})
    vectorizer.idf_ = np.asarray(idf, dtype=np.float64)  # scikit-learn's setter for a fitted idf
    return vectorizer


def vocabulary_of(vectorizer: TfidfVectorizer) -> tuple[list[str], np.ndarray]:
    """(terms by index, idf weights) of a fitted vectorizer."""
    vocabulary: dict[str, int] = getattr(vectorizer, "vocabulary_", {})
    terms = [""] * len(vocabulary)
    for term, index in vocabulary.items():
        terms[index] = term
    idf = np.asarray(getattr(vectorizer, "idf_", np.zeros(0)), dtype=np.float64)
    return terms, idf


def _transform(vectorizer: TfidfVectorizer, prompts: Sequence[str]) -> sp.csr_matrix:
    """The vectors of ``prompts``: one ``transform`` for the whole batch."""
    if not getattr(vectorizer, "vocabulary_", None):
        return sp.csr_matrix((len(prompts), 0))
    return sp.csr_matrix(vectorizer.transform([p or "" for p in prompts]))


@dataclass
class TrainedModel:
    """Everything a fine-tuned model needs to answer: stored as rows by ``storage``."""

    kind: ModelKind
    vectorizer: TfidfVectorizer
    labels: list[str]
    fallback_label: int
    weights: np.ndarray | None = None  # (n_terms x n_labels), classifier
    biases: np.ndarray | None = None  # (n_labels,), classifier
    examples: sp.csr_matrix | None = None  # training vectors, nearest neighbour
    example_labels: np.ndarray | None = None  # (n_examples,), nearest neighbour

    @property
    def n_terms(self) -> int:
        return len(getattr(self.vectorizer, "vocabulary_", {}))

    def _classifier(self) -> LogisticRegression:
        """A scikit-learn classifier holding the stored coefficients."""
        assert self.weights is not None and self.biases is not None
        model = LogisticRegression()
        model.classes_ = np.arange(len(self.labels))
        model.coef_ = np.ascontiguousarray(self.weights.T)
        model.intercept_ = np.asarray(self.biases, dtype=np.float64)
        model.n_features_in_ = self.weights.shape[0]
        return model

    def probabilities(self, vectors: sp.csr_matrix, leave_self_out: bool = False) -> np.ndarray:
        """(rows x labels) probabilities for already vectorised prompts."""
        if self.kind == "classifier":
            if len(self.labels) == 1:
                return np.ones((vectors.shape[0], 1))
            return self._classifier().predict_proba(vectors)
        assert self.example_labels is not None
        out = np.zeros((vectors.shape[0], len(self.labels)))
        onehot = np.eye(len(self.labels))[self.example_labels]
        for start, stop, sims in self._similarity_chunks(vectors):
            if leave_self_out:
                idx = np.arange(start, stop)
                sims[idx - start, idx] = -np.inf
            per_label = np.exp((sims - 1.0) / NN_TEMPERATURE) @ onehot
            totals = per_label.sum(axis=1, keepdims=True)
            uniform = np.full_like(per_label, 1.0 / len(self.labels))
            out[start:stop] = np.where(
                totals > 0, per_label / np.where(totals > 0, totals, 1), uniform
            )
        return out

    def _similarity_chunks(self, vectors: sp.csr_matrix):  # type: ignore[no-untyped-def]
        assert self.examples is not None
        n_examples = max(self.examples.shape[0], 1)
        chunk = max(1, _SIMILARITY_CELLS_PER_CHUNK // n_examples)
        transposed = self.examples.T.tocsc()
        for start in range(0, vectors.shape[0], chunk):
            stop = min(start + chunk, vectors.shape[0])
            yield start, stop, np.asarray((vectors[start:stop] @ transposed).todense())

    def predict_indices(self, prompts: Sequence[str]) -> np.ndarray:
        """The label index answered for every prompt."""
        return self._predict_vectors(_transform(self.vectorizer, prompts))

    def _predict_vectors(self, vectors: sp.csr_matrix) -> np.ndarray:
        """The label index answered for every already vectorised prompt."""
        if self.kind == "classifier":
            if len(self.labels) == 1:
                return np.zeros(vectors.shape[0], dtype=np.int64)
            return self._classifier().predict(vectors).astype(np.int64)
        assert self.example_labels is not None
        answers = np.full(vectors.shape[0], self.fallback_label, dtype=np.int64)
        for start, stop, sims in self._similarity_chunks(vectors):
            best = np.argmax(sims, axis=1)
            has_overlap = sims[np.arange(stop - start), best] > 0
            answers[start:stop] = np.where(
                has_overlap, self.example_labels[best], self.fallback_label
            )
        return answers

    def predict(self, prompts: Sequence[str]) -> list[str]:
        """The completion answered for every prompt (exactly as trained)."""
        return [self.labels[i] for i in self.predict_indices(prompts)]

    def answer(
        self, prompts: Sequence[str], options: CompletionOptions = DEFAULT_OPTIONS
    ) -> list[str]:
        """AI_COMPLETE's answers. With a ``response_format`` schema, an enum gets the most
        probable trained label among its values (or, when it lists no trained label, the value
        the categoriser ranks first), and strings get the plain answer."""
        texts = list(prompts)
        vectors = _transform(self.vectorizer, texts)
        plain = [self.labels[i] for i in self._predict_vectors(vectors)]
        schema = options.response_schema
        if schema is None:
            if options.max_tokens is None:
                return plain
            return [truncate_to_tokens(a, options.max_tokens) for a in plain]
        probabilities = self.probabilities(vectors)
        index = {label: i for i, label in enumerate(self.labels)}
        answers = []
        for row, prompt in enumerate(texts):

            def choose(values: Sequence[str], row: int = row, prompt: str = prompt) -> str:
                known = [v for v in values if v in index]
                if known:
                    return max(known, key=lambda v: probabilities[row, index[v]])
                ranked = rank_categories(list(dict.fromkeys(values)), strip_instructions(prompt))
                return ranked.best

            answers.append(answer_in_schema(schema, plain[row], choose))
        return answers

    def mean_cross_entropy(
        self,
        prompts: Sequence[str],
        completions: Sequence[str],
        leave_self_out: bool = False,
        vectors: sp.csr_matrix | None = None,
    ) -> float:
        """Mean -ln p(completion | prompt); unseen completions get ``FLOOR_PROBABILITY``."""
        if len(completions) == 0:
            return float("nan")
        if vectors is None:
            vectors = _transform(self.vectorizer, prompts)
        probs = self.probabilities(vectors, leave_self_out)
        index = {label: i for i, label in enumerate(self.labels)}
        picked = np.array(
            [
                probs[row, index[c]] if c in index else FLOOR_PROBABILITY
                for row, c in enumerate(completions)
            ]
        )
        return float(np.mean(-np.log(np.clip(picked, FLOOR_PROBABILITY, 1.0))))


@dataclass(frozen=True)
class TrainingResult:
    model: TrainedModel
    training_loss: float
    validation_loss: float | None


def choose_kind(completions: Sequence[str]) -> ModelKind:
    """Labels -> classifier; free text (more than 50 distinct, or mostly unique) -> neighbour."""
    distinct = len(set(completions))
    if distinct > MAX_CLASSIFIER_LABELS or (
        len(completions) >= 4 and distinct > len(completions) / 2
    ):
        return "nearest_neighbour"
    return "classifier"


def _fit_classifier(
    vectors: sp.csr_matrix, y: np.ndarray, n_labels: int, iterations: int
) -> tuple[np.ndarray, np.ndarray]:
    """(weights: n_terms x n_labels, biases) of a multinomial logistic regression."""
    n_terms = vectors.shape[1]
    if n_labels == 1:
        return np.zeros((n_terms, 1)), np.zeros(1)
    c = 1.0 / (L2_PENALTY * vectors.shape[0])
    model = LogisticRegression(C=c, max_iter=iterations, random_state=RANDOM_STATE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(vectors, y)
    coef, intercept = model.coef_, model.intercept_
    if n_labels == 2:  # scikit-learn keeps one row for two classes: split it symmetrically
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    return np.ascontiguousarray(coef.T), np.asarray(intercept, dtype=np.float64)


def train(
    prompts: Sequence[str],
    completions: Sequence[str],
    epochs: int,
    validation: tuple[Sequence[str], Sequence[str]] | None = None,
) -> TrainingResult:
    """Train a model on (prompt, completion) pairs; deterministic for the same inputs."""
    if len(prompts) != len(completions):
        raise ValueError("prompts and completions must have the same length")
    if len(prompts) == 0:
        raise ValueError("no training rows")
    counts = Counter(completions)
    labels = sorted(counts)
    index = {label: i for i, label in enumerate(labels)}
    y = np.array([index[c] for c in completions], dtype=np.int64)
    fallback = index[min(counts, key=lambda c: (-counts[c], c))]
    vectorizer, vectors = fit_vectorizer(prompts)
    kind = choose_kind(completions)
    if kind == "classifier":
        weights, biases = _fit_classifier(vectors, y, len(labels), epochs * ITERATIONS_PER_EPOCH)
        model = TrainedModel(kind, vectorizer, labels, fallback, weights=weights, biases=biases)
        training_loss = model.mean_cross_entropy(prompts, completions, vectors=vectors)
    else:
        model = TrainedModel(kind, vectorizer, labels, fallback, examples=vectors, example_labels=y)
        training_loss = model.mean_cross_entropy(
            prompts, completions, leave_self_out=True, vectors=vectors
        )
    validation_loss = None
    if validation is not None and len(validation[0]) > 0:
        validation_loss = model.mean_cross_entropy(validation[0], validation[1])
    return TrainingResult(model, training_loss, validation_loss)
