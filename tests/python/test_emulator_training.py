"""Fine-tuning's scikit-learn pieces: TF-IDF features, their round trip through stored tables,
the two model kinds."""

from __future__ import annotations

import numpy as np
import pytest

from cortex_emulator.models.finetuned.training import (
    FLOOR_PROBABILITY,
    TrainedModel,
    choose_kind,
    fit_vectorizer,
    train,
    vectorizer_from_table,
    vocabulary_of,
)

DOCS = [
    "Shared template. My phone was stolen yesterday!",
    "Shared template. Roaming fees in Spain, roaming again",
    "Shared template. Data is slow, very slow",
    "Shared template. Cancel my account please",
    "Shared template. Add a line for my daughter",
]


def test_tfidf_drops_terms_in_every_document_and_normalises() -> None:
    vectorizer, vectors = fit_vectorizer(DOCS)
    terms, idf = vocabulary_of(vectorizer)
    assert "shared" not in terms and "template" not in terms
    assert "my" in terms and "roaming fees" in terms
    df_my = sum("my " in d.lower() for d in DOCS)
    assert idf[terms.index("my")] == pytest.approx(np.log((1 + 5) / (1 + df_my)) + 1)
    assert np.allclose(np.linalg.norm(vectors.toarray(), axis=1), 1.0)
    # Sublinear tf: "roaming" twice weighs 1 + ln 2 times its idf (before normalisation).
    row = vectors.toarray()[1]
    ratio = row[terms.index("roaming")] / row[terms.index("spain")]
    expected = (1 + np.log(2)) * idf[terms.index("roaming")] / idf[terms.index("spain")]
    assert ratio == pytest.approx(expected)


def test_the_vectorizer_is_rebuilt_exactly_from_its_table() -> None:
    vectorizer, vectors = fit_vectorizer(DOCS)
    rebuilt = vectorizer_from_table(*vocabulary_of(vectorizer))
    assert np.allclose(rebuilt.transform(DOCS).toarray(), vectors.toarray())
    assert rebuilt.transform(["zzz qqq", ""]).nnz == 0


def test_a_classifier_rebuilt_from_its_arrays_predicts_the_same() -> None:
    prompts = [f"{doc} {extra}" for doc in DOCS for extra in ("thanks", "asap", "")]
    labels = [doc.split(". ")[1].split()[0] for doc in DOCS for _ in range(3)]
    model = train(prompts, labels, epochs=3).model
    assert model.weights is not None and model.biases is not None
    rebuilt = TrainedModel(
        "classifier",
        vectorizer_from_table(*vocabulary_of(model.vectorizer)),
        list(model.labels),
        model.fallback_label,
        weights=model.weights.copy(),
        biases=model.biases.copy(),
    )
    assert rebuilt.predict(prompts) == model.predict(prompts) == labels


def test_two_labels_are_stored_as_two_columns() -> None:
    model = train(DOCS, ["a", "b", "a", "b", "a"], epochs=3).model
    assert model.weights is not None and model.weights.shape[1] == 2
    assert model.predict(DOCS) == ["a", "b", "a", "b", "a"]


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
