"""A backend that sends COMPLETE calls to an OpenAI-compatible chat-completions endpoint
(Ollama, vLLM, llama.cpp's server, LM Studio, or a hosted API), through the ``openai`` SDK.

One prompt is one ``client.chat.completions.create(model=<mapped name>, messages=[{"role":
"user", "content": <prompt>}], temperature=..., max_tokens=...)`` (plus ``top_p`` and a
``response_format`` for AI_COMPLETE's options: ``json_schema``, or ``json_object`` with the
schema for llama-cpp-python's server); the answer is ``choices[0].message.content``. A batch's prompts are sent concurrently by a thread pool shared
by every batch of the runtime (so ``concurrency`` bounds the requests in flight for the whole
database, however many dbt threads call the function); the SDK's HTTP client keeps the
connections alive.

Retries are the SDK's: on HTTP 408, 409, 429 and 5xx, on timeouts and on connection errors, up
to ``max_retries`` times, with exponential backoff and jitter, honouring the server's
``Retry-After`` (seconds or an HTTP date). Other answers (400, 401, 404, a body without an
answer) fail at once. A row that still fails is returned as a ``RowFailure`` (with the number
of requests it took, from the SDK's retry count); the runtime turns it into NULL (TRY_COMPLETE,
AI_COMPLETE) or an error (COMPLETE) and records it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import openai

from ..backends import RowAnswer, RowFailure, RowOutcome
from ..catalog import CatalogSource, normalize_model_name
from ..completion_options import DEFAULT_OPTIONS, CompletionOptions
from ..errors import CortexError
from ..settings import ALL_FOUNDATION_MODELS, JSON_OBJECT_FORMAT, OpenAISettings

BACKEND_PREFIX = "openai-compatible"
_BODY_EXCERPT = 300
_RETRY_COUNT_HEADER = "x-stainless-retry-count"
_RETRIED_STATUSES = frozenset({408, 409, 429})
#: The SDK needs a key; without one none is sent (see ``default_headers``).
_NO_API_KEY = "not-needed"


class OpenAICompatibleBackend:
    """Answers the models of its ``model_map`` through the endpoint."""

    def __init__(self, settings: OpenAISettings, *, catalog: CatalogSource | None = None) -> None:
        self.settings = settings
        self._catalog = catalog or CatalogSource()
        self._map = settings.mapping()
        self._client = openai.OpenAI(
            base_url=settings.base_url,
            api_key=settings.api_key or _NO_API_KEY,
            max_retries=settings.max_retries,
            timeout=settings.timeout_seconds,
        )
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    # -- the Backend protocol -------------------------------------------------------------

    @property
    def name(self) -> str:
        return f"{BACKEND_PREFIX}:{self.settings.server_label or self.settings.host_port}"

    def provenance(self, model: str) -> str:
        """Who answers ``model``, as recorded beside every answer: the backend and the
        endpoint's model, e.g. ``openai-compatible:localhost:11434/llama3.1:8b``."""
        return f"{self.name}/{self.endpoint_model(model)}"

    def handles(self, model: str) -> bool:
        return self.endpoint_model(model) is not None

    def complete(
        self, model: str, prompts: Sequence[str], options: CompletionOptions = DEFAULT_OPTIONS
    ) -> list[str]:
        """One answer per prompt; raises ``CortexError`` when any prompt fails."""
        answers: list[str] = []
        for outcome in self.call(model, prompts, options):
            if isinstance(outcome, RowFailure):
                raise CortexError(self.failure_message(model, outcome))
            answers.append(outcome.text)
        return answers

    # -- what the runtime uses ------------------------------------------------------------

    def endpoint_model(self, model: str) -> str | None:
        """The endpoint's name for Cortex model ``model``; None when it is not sent here."""
        key = normalize_model_name(model)
        if key in self._map:
            return self._map[key]
        if ALL_FOUNDATION_MODELS in self._map and self._catalog.get().find(key) is not None:
            return self._map[ALL_FOUNDATION_MODELS]
        return None

    def cache_options(self, model: str, options: CompletionOptions = DEFAULT_OPTIONS) -> str:
        """What, besides the prompt, shapes the answer: part of the response-cache key."""
        return json.dumps(
            {
                "endpoint_model": self.endpoint_model(model),
                "max_tokens": self.settings.max_tokens,
                "temperature": self.settings.temperature,
                **options.as_key(),
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    def failure_message(self, model: str, failure: RowFailure) -> str:
        status = f"HTTP {failure.status}" if failure.status is not None else "no response"
        return (
            f"COMPLETE('{model}') through {self.name} (endpoint model "
            f"'{self.endpoint_model(model)}') failed after {failure.attempts} attempt(s), "
            f"{status}: {failure.message}"
        )

    def call(
        self, model: str, prompts: Sequence[str], options: CompletionOptions = DEFAULT_OPTIONS
    ) -> list[RowOutcome]:
        """Send every prompt (concurrently); one outcome per prompt, in order."""
        endpoint_model = self.endpoint_model(model)
        if endpoint_model is None:
            raise CortexError(f"Model '{model}' is not mapped to the endpoint {self.name}.")
        if not prompts:
            return []
        if len(prompts) == 1 or self.settings.concurrency == 1:
            return [self._send_with_retries(endpoint_model, prompt, options) for prompt in prompts]
        pool = self._executor()
        futures = [
            pool.submit(self._send_with_retries, endpoint_model, p, options) for p in prompts
        ]
        return [future.result() for future in futures]

    def close(self) -> None:
        """Stop the worker threads (the backend can still be used: they restart)."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=False)

    # -- one prompt -----------------------------------------------------------------------

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self.settings.concurrency, thread_name_prefix="cortex-openai"
                )
            return self._pool

    def _arguments(self, options: CompletionOptions) -> dict[str, Any]:
        """The chat-completions arguments besides the model and the messages."""
        arguments: dict[str, Any] = {}
        temperature = (
            options.temperature if options.temperature is not None else self.settings.temperature
        )
        max_tokens = (
            options.max_tokens if options.max_tokens is not None else self.settings.max_tokens
        )
        if temperature is not None:
            arguments["temperature"] = temperature
        if max_tokens is not None:
            arguments["max_tokens"] = max_tokens
        if options.top_p is not None:
            arguments["top_p"] = options.top_p
        schema = options.response_schema
        if not self.settings.api_key:  # no Authorization header at all: local servers need none
            arguments["extra_headers"] = {"Authorization": openai.Omit()}
        if schema is not None and self.settings.response_format == JSON_OBJECT_FORMAT:
            arguments["response_format"] = {"type": "json_object", "schema": schema}
        elif schema is not None:
            arguments["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "response", "schema": schema, "strict": True},
            }
        return arguments

    def _send_with_retries(
        self, endpoint_model: str, prompt: str, options: CompletionOptions
    ) -> RowOutcome:
        try:
            raw = self._client.chat.completions.with_raw_response.create(
                model=endpoint_model,
                messages=[{"role": "user", "content": prompt}],
                **self._arguments(options),
            )
        except openai.APIStatusError as error:
            status = error.status_code
            message = _excerpt(error.response.text)
            retried = status in _RETRIED_STATUSES or status >= 500
            if not retried:
                message += (
                    f" (HTTP {status} is not retried: check the model map, the API key and the "
                    "endpoint)"
                )
            return RowFailure(message, status, _attempts(error.response.request))
        except openai.APITimeoutError as error:
            return RowFailure(
                f"timed out after {self.settings.timeout_seconds:g} s",
                None,
                _attempts(error.request),
            )
        except openai.APIConnectionError as error:
            cause = error.__cause__ or error
            return RowFailure(
                f"connection error: {type(cause).__name__}: {cause}", None, _attempts(error.request)
            )
        attempts = int(getattr(raw, "retries_taken", 0)) + 1
        try:
            completion = raw.parse()
            content = completion.choices[0].message.content
        except (openai.OpenAIError, ValueError, IndexError, AttributeError, TypeError):
            return RowFailure(
                "the endpoint answered HTTP 200 without choices[0].message.content: "
                + _excerpt(raw.text),
                200,
                attempts,
            )
        if not isinstance(content, str):
            return RowFailure(
                "the endpoint answered HTTP 200 without a text message content; is it a "
                "chat-completions endpoint? " + _excerpt(raw.text),
                200,
                attempts,
            )
        return RowAnswer(content, attempts)


def _attempts(request: Any) -> int:
    """How many requests the SDK made: its retry count header of the last one, plus one."""
    try:
        return int(request.headers.get(_RETRY_COUNT_HEADER, "0")) + 1
    except (AttributeError, ValueError):
        return 1


def _excerpt(body: str | bytes) -> str:
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    text = text.strip()
    if len(text) > _BODY_EXCERPT:
        text = text[:_BODY_EXCERPT] + "..."
    return text or "(empty body)"
