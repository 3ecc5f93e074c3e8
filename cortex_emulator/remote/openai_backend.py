"""A backend that sends COMPLETE calls to an OpenAI-compatible chat-completions endpoint
(Ollama, vLLM, llama.cpp's server, LM Studio, or a hosted API).

One prompt is one request: ``POST {base_url}/chat/completions`` with
``{"model": <mapped name>, "messages": [{"role": "user", "content": <prompt>}],
"temperature": ..., "max_tokens": ..., "stream": false}``; the answer is
``choices[0].message.content``. A batch's prompts are sent concurrently by a thread pool
shared by every batch of the runtime (so ``concurrency`` bounds the requests in flight for
the whole database, however many dbt threads call the function). Each worker thread keeps
one keep-alive connection.

Retries: on HTTP 408, 429 and 5xx, on timeouts and on connection errors, up to
``max_retries`` times, waiting ``backoff_seconds * 2**(retry - 1)`` (at most
``max_backoff_seconds``) with equal jitter (between half and all of it), and never less than
the server's ``Retry-After`` (seconds or an HTTP date). Other answers (400, 401, 404, a body
without an answer) fail at once. A row that still fails is returned as a ``RowFailure``; the
runtime turns it into NULL (TRY_COMPLETE) or an error (COMPLETE) and records it.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..backends import RowAnswer, RowFailure, RowOutcome
from ..catalog import CatalogSource, normalize_model_name
from ..completion_options import DEFAULT_OPTIONS, CompletionOptions
from ..errors import CortexError
from ..settings import ALL_FOUNDATION_MODELS, OpenAISettings

BACKEND_PREFIX = "openai-compatible"
_RETRYABLE_STATUSES = frozenset({408, 429})
_MAX_RETRY_AFTER_SECONDS = 600.0
_BODY_EXCERPT = 300
# A reused keep-alive connection the server has closed fails with one of these before the
# request reaches it: such a send is repeated once on a fresh connection, without counting.
_STALE_CONNECTION_ERRORS = (
    http.client.RemoteDisconnected,
    http.client.CannotSendRequest,
    BrokenPipeError,
    ConnectionResetError,
)


@dataclass(frozen=True)
class _Response:
    status: int
    body: bytes
    retry_after: float | None


class _RetryableError(Exception):
    def __init__(self, message: str, status: int | None, retry_after: float | None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class OpenAICompatibleBackend:
    """Answers the models of its ``model_map`` through the endpoint."""

    def __init__(
        self,
        settings: OpenAISettings,
        *,
        catalog: CatalogSource | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self._catalog = catalog or CatalogSource()
        self._map = settings.mapping()
        self._sleep = sleep
        self._rng = rng or random.Random()
        parts = urlsplit(settings.base_url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "localhost"
        self._port = parts.port
        self._path = (parts.path or "") + "/chat/completions"
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if settings.api_key:
            self._headers["Authorization"] = f"Bearer {settings.api_key}"
        self._local = threading.local()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    # -- the Backend protocol -------------------------------------------------------------

    @property
    def name(self) -> str:
        return f"{BACKEND_PREFIX}:{self.settings.host_port}"

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

    def _body(self, endpoint_model: str, prompt: str, options: CompletionOptions) -> bytes:
        body: dict[str, object] = {
            "model": endpoint_model,
            "messages": [{"role": "user", "content": prompt}],
            "stream": False,
        }
        temperature = (
            options.temperature if options.temperature is not None else self.settings.temperature
        )
        max_tokens = (
            options.max_tokens if options.max_tokens is not None else self.settings.max_tokens
        )
        if temperature is not None:
            body["temperature"] = temperature
        if max_tokens is not None:
            body["max_tokens"] = max_tokens
        if options.top_p is not None:
            body["top_p"] = options.top_p
        schema = options.response_schema
        if schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "response", "schema": schema, "strict": True},
            }
        return json.dumps(body).encode("utf-8")

    def _send_with_retries(
        self, endpoint_model: str, prompt: str, options: CompletionOptions
    ) -> RowOutcome:
        body = self._body(endpoint_model, prompt, options)
        attempts = 0
        retries = self.settings.max_retries
        while True:
            attempts += 1
            try:
                response = self._post(body)
                if response.status == 200:
                    return RowAnswer(_answer_text(response.body), attempts)
                message = _excerpt(response.body)
                if response.status in _RETRYABLE_STATUSES or 500 <= response.status <= 599:
                    raise _RetryableError(message, response.status, response.retry_after)
                return RowFailure(
                    f"{message} (HTTP {response.status} is not retried: check the model map, "
                    "the API key and the endpoint)",
                    response.status,
                    attempts,
                )
            except _BadAnswer as error:
                return RowFailure(str(error), 200, attempts)
            except _RetryableError as error:
                failure = RowFailure(str(error), error.status, attempts)
                retry_after = error.retry_after
            except TimeoutError as error:
                failure = RowFailure(
                    f"timed out after {self.settings.timeout_seconds:g} s ({error})", None, attempts
                )
                retry_after = None
            except (OSError, http.client.HTTPException) as error:
                failure = RowFailure(
                    f"connection error: {type(error).__name__}: {error}", None, attempts
                )
                retry_after = None
            if attempts > retries:
                return failure
            self._sleep(self._delay(attempts, retry_after))

    def _delay(self, retry: int, retry_after: float | None) -> float:
        """How long to wait before retry number ``retry`` (1-based)."""
        base = min(
            self.settings.max_backoff_seconds, self.settings.backoff_seconds * 2 ** (retry - 1)
        )
        jittered = base * (0.5 + 0.5 * self._rng.random())
        if retry_after is not None:
            return max(jittered, min(retry_after, _MAX_RETRY_AFTER_SECONDS))
        return jittered

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        """This thread's connection, and whether it was used before."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return conn, True
        factory = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        conn = factory(self._host, self._port, timeout=self.settings.timeout_seconds)
        self._local.conn = conn
        return conn, False

    def _drop_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            conn.close()

    def _post(self, body: bytes) -> _Response:
        conn, reused = self._connection()
        try:
            return self._exchange(conn, body)
        except _STALE_CONNECTION_ERRORS:
            self._drop_connection()
            if not reused:
                raise
        except BaseException:
            self._drop_connection()
            raise
        conn, _ = self._connection()
        try:
            return self._exchange(conn, body)
        except BaseException:
            self._drop_connection()
            raise

    def _exchange(self, conn: http.client.HTTPConnection, body: bytes) -> _Response:
        conn.request("POST", self._path, body=body, headers=self._headers)
        response = conn.getresponse()
        data = response.read()
        retry_after = _parse_retry_after(response.getheader("Retry-After"))
        if response.will_close:
            self._drop_connection()
        return _Response(response.status, data, retry_after)


class _BadAnswer(Exception):
    pass


def _answer_text(body: bytes) -> str:
    try:
        data = json.loads(body)
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise _BadAnswer(
            "the endpoint answered HTTP 200 without choices[0].message.content: " + _excerpt(body)
        ) from None
    if not isinstance(content, str):
        raise _BadAnswer(
            "the endpoint answered HTTP 200 with a non-text message content "
            f"({type(content).__name__}); is it a chat-completions endpoint? " + _excerpt(body)
        )
    return content


def _excerpt(body: bytes) -> str:
    text = body.decode("utf-8", errors="replace").strip()
    if len(text) > _BODY_EXCERPT:
        text = text[:_BODY_EXCERPT] + "..."
    return text or "(empty body)"


def _parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date; None when absent/invalid."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, seconds) if seconds == seconds else None
