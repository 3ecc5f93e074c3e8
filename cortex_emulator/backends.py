"""Backends: who answers a model's COMPLETE calls.

A backend has a ``name`` (reported by ``cortex_backend_name``), says which models it
``handles`` and answers a batch of prompts for one model. The registry asks the extra
backends in the order they were added and falls back to the default one. Today the only
backend is the local emulator (foundation models and fine-tuned models). A later backend,
e.g. an OpenAI-compatible HTTP endpoint, implements the same three members and is added with
``BackendRegistry.add``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from .errors import CortexError
from .finetune import FineTuning
from .foundation import complete_foundation
from .models import find_foundation_model, known_model_names

LOCAL_EMULATOR = "local-emulator"


class Backend(Protocol):
    """What a backend provides."""

    @property
    def name(self) -> str: ...

    def handles(self, model: str) -> bool:
        """Whether this backend answers ``model``."""
        ...

    def complete(self, model: str, prompts: Sequence[str]) -> list[str]:
        """One answer per prompt; raises ``CortexError`` for a model it cannot answer."""
        ...


def unknown_model_error(model: str, finetuned: Sequence[str]) -> CortexError:
    """Cortex's "unknown model" error, listing the models that exist."""
    listed = ", ".join(known_model_names())
    tuned = f" Fine-tuned models here: {', '.join(finetuned)}." if finetuned else ""
    return CortexError(
        f"unknown model '{model}'. Known models: {listed}.{tuned} Use one of these names, or "
        "create a fine-tuned model with cortex_finetune_create(...)."
    )


class LocalEmulatorBackend:
    """The deterministic offline emulator: foundation models and fine-tuned models."""

    def __init__(self, finetuning: FineTuning) -> None:
        self._finetuning = finetuning

    @property
    def name(self) -> str:
        return LOCAL_EMULATOR

    def handles(self, model: str) -> bool:
        return True

    def complete(self, model: str, prompts: Sequence[str]) -> list[str]:
        foundation = find_foundation_model(model)
        if foundation is not None:
            return [complete_foundation(foundation, prompt) for prompt in prompts]
        entry = self._finetuning.find(model)
        if entry is None:
            raise unknown_model_error(model, [e.display_name for e in self._finetuning.models()])
        return self._finetuning.load(entry).predict(prompts)


class BackendRegistry:
    """Picks the backend for a model: the first added backend that handles it, else the
    default backend."""

    def __init__(self, default: Backend) -> None:
        self._default = default
        self._backends: list[Backend] = []

    def add(self, backend: Backend) -> None:
        """Let ``backend`` answer the models it handles (before the default backend)."""
        self._backends.append(backend)

    def for_model(self, model: str) -> Backend:
        for backend in self._backends:
            if backend.handles(model):
                return backend
        return self._default
