"""Backends: who answers a model's COMPLETE calls.

A backend has a ``name`` (reported by ``cortex_backend_name``), says which models it
``handles`` and answers a batch of prompts for one model. The registry asks the extra
backends in the order they were added and falls back to the default one, the local emulator
(foundation models and fine-tuned models).

A *remote* backend (``RemoteBackend``, e.g. ``openai_backend.OpenAICompatibleBackend``) also
answers row by row (``call``: an answer or a ``RowFailure`` per prompt, so one failed row does
not fail its batch), says what besides the prompt shapes an answer (``cache_options``, part of
the response-cache key) and words a failure for COMPLETE (``failure_message``). The runtime
caches remote answers and records remote failures; the local emulator is free and
deterministic, so its answers are not cached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from .catalog import CatalogSource
from .completion_options import DEFAULT_OPTIONS, CompletionOptions
from .errors import CortexError
from .models.finetuned.jobs import FineTuning
from .models.foundation import complete_foundation, prepare

LOCAL_EMULATOR = "local-emulator"


@dataclass(frozen=True)
class RowAnswer:
    """A prompt's answer and how many requests it took."""

    text: str
    attempts: int


@dataclass(frozen=True)
class RowFailure:
    """A prompt that got no answer: why, the last HTTP status (None: no response) and how
    many requests were made."""

    message: str
    status: int | None
    attempts: int


RowOutcome = RowAnswer | RowFailure


class Backend(Protocol):
    """What a backend provides."""

    @property
    def name(self) -> str: ...

    def handles(self, model: str) -> bool:
        """Whether this backend answers ``model``."""
        ...

    def complete(
        self, model: str, prompts: Sequence[str], options: CompletionOptions = DEFAULT_OPTIONS
    ) -> list[str]:
        """One answer per prompt; raises ``CortexError`` for a model it cannot answer."""
        ...


@runtime_checkable
class RemoteBackend(Protocol):
    """A backend whose calls cost money or time, and may fail row by row."""

    @property
    def name(self) -> str: ...

    def handles(self, model: str) -> bool: ...

    def complete(
        self, model: str, prompts: Sequence[str], options: CompletionOptions = DEFAULT_OPTIONS
    ) -> list[str]: ...

    def call(
        self, model: str, prompts: Sequence[str], options: CompletionOptions = DEFAULT_OPTIONS
    ) -> list[RowOutcome]:
        """One outcome per prompt, in order; never raises for a failed row."""
        ...

    def cache_options(self, model: str, options: CompletionOptions = DEFAULT_OPTIONS) -> str:
        """JSON text of everything besides (backend, model, prompt) that shapes an answer."""
        ...

    def failure_message(self, model: str, failure: RowFailure) -> str:
        """COMPLETE's error message for a row that failed."""
        ...

    def close(self) -> None: ...


def unknown_model_error(model: str, usable: Sequence[str], finetuned: Sequence[str]) -> CortexError:
    """Cortex's "unknown model" error, listing the models that exist."""
    tuned = f" Fine-tuned models here: {', '.join(finetuned)}." if finetuned else ""
    return CortexError(
        f"unknown model '{model}'. Available models: {', '.join(usable)}.{tuned} Use one of "
        "these names, or create a fine-tuned model with cortex_finetune_create(...)."
    )


class LocalEmulatorBackend:
    """The deterministic offline emulator: foundation models (from the catalog) and
    fine-tuned models."""

    def __init__(self, catalog: CatalogSource, finetuning: FineTuning) -> None:
        self._catalog = catalog
        self._finetuning = finetuning

    @property
    def name(self) -> str:
        return LOCAL_EMULATOR

    def handles(self, model: str) -> bool:
        return True

    def complete(
        self, model: str, prompts: Sequence[str], options: CompletionOptions = DEFAULT_OPTIONS
    ) -> list[str]:
        foundation = self._catalog.get().check_callable(model)
        if foundation is not None:
            prepare(prompts)
            return [complete_foundation(foundation, prompt, options) for prompt in prompts]
        entry = self._finetuning.find(model)
        if entry is None:
            raise unknown_model_error(
                model,
                self._catalog.get().usable_names(),
                [e.display_name for e in self._finetuning.models()],
            )
        return self._finetuning.load(entry).answer(prompts, options)


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

    def provenance(self, model: str) -> str:
        """What a row answered by ``model`` records as its backend: the backend's name, or
        for a backend that serves models under names of its own, which one answered."""
        backend = self.for_model(model)
        provenance = getattr(backend, "provenance", None)
        return provenance(model) if provenance is not None else backend.name

    def close(self) -> None:
        """Release what the extra backends hold (worker threads, connections)."""
        for backend in self._backends:
            close = getattr(backend, "close", None)
            if close is not None:
                close()
