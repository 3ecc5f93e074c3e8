"""A fake OpenAI-compatible chat-completions server on loopback, for tests, benchmarks and
trying the ``openai`` backend without a language model.

``POST /v1/chat/completions`` answers the last user message with the emulator's answer of a
Cortex model (a large one by default: a category for a categorisation prompt, a reply
for a message prompt), after an injected latency. Faults can be injected at random (a share
of 5xx answers and of 429 answers with ``Retry-After``, drawn from a seeded generator) or per
prompt (``fault``: a function of the prompt returning a ``Reply`` or None). The server counts
requests, the requests in flight (and their maximum) and keeps every request's body and
headers, so tests can assert on what was sent.

    with FakeChatServer(latency_seconds=0.05, error_share=0.1) as server:
        ...  # CortexSettings(backend="openai", ...) with base_url=server.base_url

Run ``python -m cortex_emulator.fake_server --port 8081`` to serve it from a shell.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..catalog import FoundationModel, SizeClass
from ..models.foundation import complete_foundation


@dataclass(frozen=True)
class Reply:
    """An injected answer: an HTTP status (with a Retry-After header when set), after
    ``delay_seconds``; ``content`` replaces the answer of a 200, ``raw_body`` the whole body."""

    status: int = 200
    retry_after: str | None = None
    delay_seconds: float = 0.0
    content: str | None = None
    raw_body: bytes | None = None


Fault = Callable[[str], Reply | None]


@dataclass
class ServerStats:
    """What the server saw (guarded by the server's lock)."""

    requests: int = 0
    answered: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)


def emulator_answer(size: SizeClass = "large") -> Callable[[str, str], str]:
    """Answers as an emulated Cortex model of ``size`` would (whatever model is asked)."""

    model = FoundationModel(f"emulated-{size}-model", size, "ga", None, False, True)

    def answer(_endpoint_model: str, prompt: str) -> str:
        return complete_foundation(model, prompt)

    return answer


class FakeChatServer:
    """A ThreadingHTTPServer on 127.0.0.1 (a free port unless given), started in a thread."""

    def __init__(
        self,
        *,
        latency_seconds: float = 0.0,
        error_share: float = 0.0,
        rate_limit_share: float = 0.0,
        retry_after: str = "1",
        fault: Fault | None = None,
        answer: Callable[[str, str], str] | None = None,
        seed: int = 0,
        port: int = 0,
    ) -> None:
        self.latency_seconds = latency_seconds
        self.error_share = error_share
        self.rate_limit_share = rate_limit_share
        self.retry_after = retry_after
        self.fault = fault
        self.answer = answer or emulator_answer()
        self.stats = ServerStats()
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._server = _Server(("127.0.0.1", port), _handler(self))
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeChatServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeChatServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget the counts and the recorded requests."""
        with self._lock:
            self.stats = ServerStats()

    def prompts(self) -> list[str]:
        """The prompt of every request received, in order of arrival."""
        with self._lock:
            return [_prompt_of(body) for body in self.stats.bodies]

    # -- called by the handler ------------------------------------------------------------

    def _arrive(self, body: dict[str, Any], headers: dict[str, str]) -> Reply:
        with self._lock:
            stats = self.stats
            stats.requests += 1
            stats.in_flight += 1
            stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
            stats.bodies.append(body)
            stats.headers.append(headers)
            stats.arrivals.append(time.monotonic())
            draw = self._rng.random()
        injected = self.fault(_prompt_of(body)) if self.fault is not None else None
        if injected is not None:
            return injected
        if draw < self.error_share:
            return Reply(status=503 if draw < self.error_share / 2 else 500)
        if draw < self.error_share + self.rate_limit_share:
            return Reply(status=429, retry_after=self.retry_after)
        return Reply()

    def _leave(self, status: int) -> None:
        with self._lock:
            self.stats.in_flight -= 1
            self.stats.statuses[status] = self.stats.statuses.get(status, 0) + 1
            if status == 200:
                self.stats.answered += 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default (5) refuses connections under concurrency


def _prompt_of(body: dict[str, Any]) -> str:
    messages = body.get("messages") or [{}]
    content = messages[-1].get("content", "") if isinstance(messages[-1], dict) else ""
    return content if isinstance(content, str) else json.dumps(content)


def _handler(server: FakeChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers
        disable_nagle_algorithm = True  # headers and body go out in two writes
        timeout = 30  # an idle keep-alive connection's thread ends after this

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            try:
                body = json.loads(raw)
            except ValueError:
                self._send(400, {"error": {"message": "the body is not JSON"}})
                return
            reply = server._arrive(body, {k.lower(): v for k, v in self.headers.items()})
            status = reply.status
            try:
                time.sleep(server.latency_seconds + reply.delay_seconds)
                if reply.raw_body is not None:
                    self._send_bytes(status, reply.raw_body, reply.retry_after)
                    return
                if status != 200:
                    self._send(
                        status,
                        {"error": {"message": f"injected HTTP {status}", "code": status}},
                        retry_after=reply.retry_after,
                    )
                    return
                model = str(body.get("model", ""))
                content = (
                    reply.content
                    if reply.content is not None
                    else server.answer(model, _prompt_of(body))
                )
                self._send(
                    200,
                    {
                        "id": "chatcmpl-fake",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": model,
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": content},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                    },
                )
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
                status = 499
            finally:
                server._leave(status)

        def _send(
            self, status: int, payload: dict[str, Any], retry_after: str | None = None
        ) -> None:
            self._send_bytes(status, json.dumps(payload).encode("utf-8"), retry_after)

        def _send_bytes(self, status: int, data: bytes, retry_after: str | None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if retry_after is not None:
                self.send_header("Retry-After", retry_after)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    parser.add_argument("--error-share", type=float, default=0.0, help="share of 5xx answers")
    parser.add_argument("--rate-limit-share", type=float, default=0.0, help="share of 429s")
    args = parser.parse_args(argv)
    server = FakeChatServer(
        latency_seconds=args.latency,
        error_share=args.error_share,
        rate_limit_share=args.rate_limit_share,
        port=args.port,
    )
    print(f"Fake chat-completions server on {server.base_url} (Ctrl-C stops it)")
    server.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
