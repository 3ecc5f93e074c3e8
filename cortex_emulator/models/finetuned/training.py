"""Fine-tuned models: real, small, deterministic models trained with numpy.

Two kinds, chosen from the training completions:

* ``classifier`` (completions are labels -- at most 50 distinct and not mostly unique):
  TF-IDF features (see ``features``) and a multinomial logistic regression (softmax) with
  an L2 penalty, trained by Nesterov-accelerated gradient descent (with adaptive restart)
  from zeros, at most ``ITERATIONS_PER_EPOCH`` iterations per epoch (it stops earlier once
  the gradient vanishes), with the step size from the (power iteration) estimate of the
  loss's Lipschitz constant. It answers the most probable label. Up to
  ``FULL_BATCH_ROWS`` training rows every iteration uses all of them (full batch); above,
  the rows are shuffled once (a fixed seed) and cut into near-equal mini-batches of at most
  that many rows, taken in turn -- the same number of iterations at a fraction of the cost
  (100,000 tickets train in seconds instead of minutes), and as accurate on such data.
* ``nearest_neighbour`` (free-text completions): the TF-IDF vectors of the training prompts;
  it answers the completion of the most similar training prompt (cosine; ties -> the first
  training row; no shared term at all -> the most frequent completion).

Losses are mean cross-entropies. For nearest neighbour, a label's probability is the share
of ``exp(similarity / NN_TEMPERATURE)`` that the training rows with that label hold (leaving
the row itself out when measuring the training loss). A validation label never seen in
training gets ``FLOOR_PROBABILITY``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ...completion_options import DEFAULT_OPTIONS, CompletionOptions
from ..categoriser import rank_categories
from ..prompts import strip_instructions
from ..structured_output import answer_in_schema
from ..tokens import truncate_to_tokens
from .features import SparseRows, Texts, TfidfVectorizer

ModelKind = Literal["classifier", "nearest_neighbour"]

ITERATIONS_PER_EPOCH = 100
L2_PENALTY = 1e-4
MAX_CLASSIFIER_LABELS = 50
NN_TEMPERATURE = 0.1
FLOOR_PROBABILITY = 1e-6
_SIMILARITY_CELLS_PER_CHUNK = 4_000_000
_GRADIENT_TOLERANCE = 1e-7
FULL_BATCH_ROWS = 8192
_SHUFFLE_SEED = 42


@dataclass
class TrainedModel:
    """Everything a fine-tuned model needs to answer: stored as rows by ``storage``."""

    kind: ModelKind
    vectorizer: TfidfVectorizer
    labels: list[str]
    fallback_label: int
    weights: np.ndarray | None = None  # (n_terms x n_labels), classifier
    biases: np.ndarray | None = None  # (n_labels,), classifier
    examples: SparseRows | None = None  # training vectors, nearest neighbour
    example_labels: np.ndarray | None = None  # (n_examples,), nearest neighbour

    def probabilities(self, vectors: SparseRows, leave_self_out: bool = False) -> np.ndarray:
        """(rows x labels) probabilities for already vectorised prompts."""
        if self.kind == "classifier":
            assert self.weights is not None and self.biases is not None
            return _softmax(vectors.dot(self.weights) + self.biases)
        assert self.examples is not None and self.example_labels is not None
        out = np.zeros((vectors.n_rows, len(self.labels)))
        for start, stop, sims in self._similarity_chunks(vectors):
            if leave_self_out:
                idx = np.arange(start, stop)
                sims[idx - start, idx] = -np.inf
            scaled = np.exp((sims - 1.0) / NN_TEMPERATURE)
            per_label = np.zeros((stop - start, len(self.labels)))
            for label in range(len(self.labels)):
                per_label[:, label] = scaled[:, self.example_labels == label].sum(axis=1)
            totals = per_label.sum(axis=1, keepdims=True)
            uniform = np.full_like(per_label, 1.0 / len(self.labels))
            out[start:stop] = np.where(
                totals > 0, per_label / np.where(totals > 0, totals, 1), uniform
            )
        return out

    def _similarity_chunks(self, vectors: SparseRows):  # type: ignore[no-untyped-def]
        assert self.examples is not None
        n_examples = max(self.examples.n_rows, 1)
        chunk = max(1, _SIMILARITY_CELLS_PER_CHUNK // n_examples)
        for start in range(0, vectors.n_rows, chunk):
            stop = min(start + chunk, vectors.n_rows)
            yield start, stop, vectors.slice_rows(start, stop).similarity(self.examples)

    def predict_indices(self, prompts: Texts) -> np.ndarray:
        """The label index answered for every prompt."""
        vectors = self.vectorizer.transform(prompts)
        if self.kind == "classifier":
            return np.argmax(self.probabilities(vectors), axis=1)
        assert self.example_labels is not None
        answers = np.full(vectors.n_rows, self.fallback_label, dtype=np.int64)
        for start, stop, sims in self._similarity_chunks(vectors):
            best = np.argmax(sims, axis=1)
            has_overlap = sims[np.arange(stop - start), best] > 0
            answers[start:stop] = np.where(
                has_overlap, self.example_labels[best], self.fallback_label
            )
        return answers

    def predict(self, prompts: Texts) -> list[str]:
        """The completion answered for every prompt (exactly as trained)."""
        return [self.labels[i] for i in self.predict_indices(prompts)]

    def answer(
        self, prompts: Sequence[str], options: CompletionOptions = DEFAULT_OPTIONS
    ) -> list[str]:
        """AI_COMPLETE's answers. With a ``response_format`` schema, an enum gets the most
        probable trained label among its values (or, when it lists no trained label, the value
        the categoriser ranks first), and strings get the plain answer."""
        texts = list(prompts)
        plain = self.predict(texts)
        schema = options.response_schema
        if schema is None:
            if options.max_tokens is None:
                return plain
            return [truncate_to_tokens(a, options.max_tokens) for a in plain]
        probabilities = self.probabilities(self.vectorizer.transform(texts))
        index = {label: i for i, label in enumerate(self.labels)}
        answers = []
        for row, prompt in enumerate(texts):

            def choose(values: Sequence[str], row: int = row, prompt: str = prompt) -> str:
                known = [v for v in values if v in index]
                if known:
                    return max(known, key=lambda v: probabilities[row, index[v]])
                return rank_categories(list(dict.fromkeys(values)), strip_instructions(prompt)).best

            answers.append(answer_in_schema(schema, plain[row], choose))
        return answers

    def mean_cross_entropy(
        self,
        prompts: Texts,
        completions: Sequence[str],
        leave_self_out: bool = False,
        vectors: SparseRows | None = None,
    ) -> float:
        """Mean -ln p(completion | prompt); unseen completions get ``FLOOR_PROBABILITY``.
        ``vectors``: the prompts already vectorised, when at hand."""
        if len(completions) == 0:
            return float("nan")
        if vectors is None:
            vectors = self.vectorizer.transform(prompts)
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
    vectorizer, vectors = TfidfVectorizer.fit_transform(prompts)
    kind = choose_kind(completions)
    if kind == "classifier":
        weights, biases = _fit_softmax(vectors, y, len(labels), epochs * ITERATIONS_PER_EPOCH)
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


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def _lipschitz(x: SparseRows) -> float:
    """An upper estimate of the softmax loss's gradient Lipschitz constant (power iteration
    on [X, 1]^T [X, 1] / n, times 1/2 for the softmax curvature)."""
    n = max(x.n_rows, 1)
    v = np.ones((x.n_cols + 1, 1))
    v /= np.sqrt(np.sum(v * v))
    eigen = 1.0
    for _ in range(30):
        xv = x.dot(v[:-1]) + v[-1]
        w = np.vstack([x.transpose_dot(xv), xv.sum(axis=0, keepdims=True)]) / n
        eigen = float(np.sqrt(np.sum(w * w)))
        if eigen == 0:
            return 1.0
        v = w / eigen
    return 0.5 * eigen * 1.1


def _batches(x: SparseRows, y: np.ndarray) -> list[tuple[SparseRows, np.ndarray]]:
    """The full batch, or (above ``FULL_BATCH_ROWS`` rows) near-equal mini-batches of the
    rows shuffled with a fixed seed."""
    n = x.n_rows
    if n <= FULL_BATCH_ROWS:
        return [(x, y)]
    order = np.random.default_rng(_SHUFFLE_SEED).permutation(n)
    shuffled, labels = x.take_rows(order), y[order]
    count = -(-n // FULL_BATCH_ROWS)
    bounds = [n * i // count for i in range(count + 1)]
    return [
        (shuffled.slice_rows(lo, hi), labels[lo:hi])
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)
    ]


def _fit_softmax(
    x: SparseRows, y: np.ndarray, n_labels: int, iterations: int
) -> tuple[np.ndarray, np.ndarray]:
    """Nesterov gradient descent with adaptive restart; stops early once converged."""
    weights = np.zeros((x.n_cols, n_labels))
    biases = np.zeros(n_labels)
    if n_labels == 1:
        return weights, biases
    batches = _batches(x, y)
    targets = []
    for batch_x, batch_y in batches:
        onehot = np.zeros((batch_x.n_rows, n_labels))
        onehot[np.arange(batch_x.n_rows), batch_y] = 1.0
        targets.append(onehot)
    # Sparse products made of element-wise operations and sequential sums: unlike BLAS
    # matrix products, their results do not depend on the number of threads. The step size
    # comes from the first batch (a random sample of the rows when there are several).
    step = 1.0 / (_lipschitz(batches[0][0]) + L2_PENALTY)
    prev_w, prev_b = weights.copy(), biases.copy()
    momentum_age = 0
    for iteration in range(iterations):
        batch_x, _ = batches[iteration % len(batches)]
        batch_targets = targets[iteration % len(batches)]
        n = batch_x.n_rows
        momentum_age += 1
        momentum = (momentum_age - 1.0) / (momentum_age + 2.0)
        look_w = weights + momentum * (weights - prev_w)
        look_b = biases + momentum * (biases - prev_b)
        grad = (_softmax(batch_x.dot(look_w) + look_b) - batch_targets) / n
        grad_w = batch_x.transpose_dot(grad) + L2_PENALTY * look_w
        grad_b = grad.sum(axis=0)
        prev_w, prev_b = weights, biases
        weights = look_w - step * grad_w
        biases = look_b - step * grad_b
        if max(np.abs(grad_w).max(initial=0.0), np.abs(grad_b).max()) < _GRADIENT_TOLERANCE:
            break
        # Restart the momentum when it points uphill (O'Donoghue & Candes, 2015).
        uphill = np.sum(grad_w * (weights - prev_w)) + np.sum(grad_b * (biases - prev_b))
        if uphill > 0:
            momentum_age = 0
    return weights, biases
