"""The numpy pieces of fine-tuning: TF-IDF features, sparse products, the two model kinds."""

from __future__ import annotations

import numpy as np
import pytest

from cortex_emulator.models.finetuned.features import (
    SparseRows,
    TfidfVectorizer,
    as_text_array,
    extract_terms,
)
from cortex_emulator.models.finetuned.training import FLOOR_PROBABILITY, choose_kind, train

DOCS = [
    "Shared template. My phone was stolen yesterday!",
    "Shared template. Roaming fees in Spain, roaming again",
    "Shared template. Data is slow, very slow",
    "Shared template. Cancel my account please",
    "Shared template. Add a line for my daughter",
]


def dense(rows: SparseRows) -> np.ndarray:
    out = np.zeros((rows.n_rows, rows.n_cols))
    out[rows.row_ids(), rows.indices] = rows.data
    return out


def test_terms_are_words_and_bigrams() -> None:
    rows, terms = extract_terms(as_text_array(["Hi, there!", None, "Ça va"]))
    assert list(zip(rows.tolist(), terms.to_pylist(), strict=True)) == [
        (0, "hi"),
        (0, "there"),
        (2, "ça"),
        (2, "va"),
        (0, "hi there"),
        (2, "ça va"),
    ]


def test_tfidf_drops_terms_in_every_document_and_normalises() -> None:
    vectorizer = TfidfVectorizer.fit(DOCS)
    assert "shared" not in vectorizer.vocabulary and "template" not in vectorizer.vocabulary
    assert "my" in vectorizer.vocabulary and "roaming fees" in vectorizer.vocabulary
    assert vectorizer.vocabulary == sorted(vectorizer.vocabulary)
    df_my = sum("my " in d.lower() for d in DOCS)
    idf_my = vectorizer.idf[vectorizer.vocabulary.index("my")]
    assert idf_my == pytest.approx(np.log((1 + 5) / (1 + df_my)) + 1)
    matrix = dense(vectorizer.transform(DOCS))
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0)
    # Sublinear tf: "roaming" twice weighs 1 + ln 2 times its idf (before normalisation).
    row = matrix[1] / matrix[1][vectorizer.vocabulary.index("spain")]
    ratio = row[vectorizer.vocabulary.index("roaming")]
    idf = vectorizer.idf
    expected = (1 + np.log(2)) * idf[vectorizer.vocabulary.index("roaming")]
    assert ratio == pytest.approx(expected / idf[vectorizer.vocabulary.index("spain")])


def test_unknown_words_and_empty_texts_give_empty_rows() -> None:
    vectorizer = TfidfVectorizer.fit(DOCS)
    rows = vectorizer.transform(["zzz qqq", "", None])
    assert rows.n_rows == 3 and rows.nnz == 0


def test_vocabulary_cap() -> None:
    vectorizer = TfidfVectorizer.fit(DOCS, max_features=4)
    assert len(vectorizer.vocabulary) == 4
    assert "my" in vectorizer.vocabulary  # the most frequent informative term is kept


def test_sparse_products_match_dense() -> None:
    rng = np.random.default_rng(0)
    vectorizer = TfidfVectorizer.fit(DOCS)
    x = vectorizer.transform(DOCS + ["slow slow data in spain", "nothing known"])
    w = rng.normal(size=(x.n_cols, 3))
    g = rng.normal(size=(x.n_rows, 3))
    assert np.allclose(x.dot(w), dense(x) @ w)
    assert np.allclose(x.transpose_dot(g), dense(x).T @ g)
    y = vectorizer.transform(DOCS[:3])
    assert np.allclose(x.similarity(y), dense(x) @ dense(y).T)
    part = x.slice_rows(2, 5)
    assert np.allclose(dense(part), dense(x)[2:5])


def test_choose_kind() -> None:
    assert choose_kind(["a", "b", "a", "b", "a"]) == "classifier"
    assert choose_kind([f"reply {i}" for i in range(10)]) == "nearest_neighbour"
    assert choose_kind([f"label {i % 60}" for i in range(600)]) == "nearest_neighbour"
    assert choose_kind(["only"]) == "classifier"


def test_classifier_learns_and_is_deterministic() -> None:
    prompts = [f"{doc} {extra}" for doc in DOCS for extra in ("thanks", "asap", "")]
    labels = [doc.split(". ")[1].split()[0] for doc in DOCS for _ in range(3)]
    first = train(prompts, labels, epochs=3, validation=(prompts[:5], labels[:5]))
    second = train(prompts, labels, epochs=3, validation=(prompts[:5], labels[:5]))
    assert first.model.kind == "classifier"
    assert first.model.predict(prompts) == labels
    assert first.training_loss == second.training_loss
    assert np.array_equal(first.model.weights, second.model.weights)
    assert 0 <= first.training_loss < 0.5
    assert first.validation_loss is not None


def test_validation_labels_never_seen_get_the_floor_probability() -> None:
    result = train(DOCS, ["a", "b", "a", "b", "a"], epochs=1, validation=(DOCS[:2], ["zzz", "zzz"]))
    assert result.validation_loss == pytest.approx(-np.log(FLOOR_PROBABILITY))


def test_single_label_training() -> None:
    result = train(DOCS, ["same"] * 5, epochs=1)
    assert result.model.predict(["anything at all"]) == ["same"]
    assert result.training_loss == pytest.approx(0.0)


def test_nearest_neighbour_answers_the_closest_training_completion() -> None:
    completions = [f"answer {i}" for i in range(len(DOCS))]
    result = train(DOCS, completions, epochs=1)
    model = result.model
    assert model.kind == "nearest_neighbour"
    assert model.predict(DOCS) == completions
    assert model.predict(["my daughter needs a line"]) == ["answer 4"]
    assert model.predict(["completely unrelated words"]) == [completions[model.fallback_label]]
    assert np.isfinite(result.training_loss)
