"""The openai backend through DuckDB: a fake chat-completions server on 127.0.0.1 (started and
stopped by fixtures) answers, fails, rate-limits and counts requests."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from catalog_models import (
    FINETUNE_BASE_MODEL,
    LARGE_MODEL,
    OTHER_SMALL_MODEL,
    SMALL_MODEL,
    usable_models,
)

from cortex_emulator import CortexError, CortexSettings, register
from cortex_emulator.testing.fake_server import FakeChatServer, Reply

SECOND_LARGE_MODEL = usable_models("large")[-1]

CATEGORY_PROMPT = (
    "You are an agent that helps organize requests that come to our support team.\n\n"
    "The request category is the reason why the customer reached out. These are the possible "
    "types of request categories:\n\nRoaming fees\nSlow data speed\nLost phone\nAdd new line\n"
    "Closing account\n\nTry doing it for this request and return only the request category only."
)


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def openai_config(server: FakeChatServer, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "backend": "openai",
        "base_url": server.base_url,
        "model_map": {LARGE_MODEL: "llama3.1:8b"},
        "concurrency": 4,
        "max_retries": 2,
        "timeout_seconds": 5,
    }
    config.update(overrides)
    return config


@pytest.fixture
def server() -> Iterator[FakeChatServer]:
    with FakeChatServer() as running:
        yield running


@pytest.fixture
def connect(tmp_path: Path) -> Iterator[Callable[..., duckdb.DuckDBPyConnection]]:
    """Opens a database file with the functions registered under the given plugin config."""
    opened: list[duckdb.DuckDBPyConnection] = []

    def open_database(
        config: dict[str, Any], environ: dict[str, str] | None = None, name: str = "db"
    ) -> duckdb.DuckDBPyConnection:
        conn = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
        register(conn, CortexSettings.from_sources(config, environ or {}))
        opened.append(conn)
        return conn

    yield open_database
    for conn in opened:
        conn.close()


def ask(conn: duckdb.DuckDBPyConnection, prompts: list[str], model: str = LARGE_MODEL) -> list:
    """cortex_try_complete(model, prompt) for every prompt, in order."""
    conn.execute("create or replace temp table asked (i integer, prompt varchar)")
    conn.executemany("insert into asked values (?, ?)", list(enumerate(prompts)))
    return [
        row[0]
        for row in conn.execute(
            "select cortex_try_complete(?, prompt) from asked order by i", [model]
        ).fetchall()
    ]


def errors(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    return conn.execute(
        "select function, backend, model, prompt_hash, http_status, error, attempts "
        "from cortex_emulator.call_errors order by prompt_hash"
    ).fetchall()


# -- configuration ----------------------------------------------------------------------------


def test_model_names_are_mapped_and_unmapped_models_stay_local(
    server: FakeChatServer, connect: Callable[..., duckdb.DuckDBPyConnection]
) -> None:
    conn = connect(openai_config(server, model_map={LARGE_MODEL.upper(): "llama3.1:8b"}))
    prompt = CATEGORY_PROMPT + " I was charged for roaming in Spain."
    assert ask(conn, [prompt]) == ["Roaming fees"]  # the fake server answers as the emulator
    assert server.stats.bodies[-1]["model"] == "llama3.1:8b"
    assert ask(conn, [prompt], model=SMALL_MODEL)[0] is not None  # unmapped: local
    assert server.stats.requests == 1
    names = conn.execute(
        f"select cortex_backend_name('{LARGE_MODEL}'), cortex_backend_name('{SMALL_MODEL}')"
    ).fetchone()
    # The provenance names the endpoint's model beside the backend.
    assert names == (f"openai-compatible:127.0.0.1:{server.port}/llama3.1:8b", "local-emulator")


def test_star_maps_every_foundation_model_but_not_fine_tuned_ones(
    server: FakeChatServer, connect: Callable[..., duckdb.DuckDBPyConnection]
) -> None:
    conn = connect(openai_config(server, model_map={LARGE_MODEL: "big-model", "*": "small-model"}))
    conn.execute(
        "create table pairs as select * from (values "
        "('my phone was stolen', 'Lost phone'), ('roaming charges in Spain', 'Roaming fees'), "
        "('lost my phone on the bus', 'Lost phone'), ('fees for roaming abroad', 'Roaming fees')"
        ") t(prompt, completion)"
    )
    job = conn.execute(
        f"select cortex_finetune_create('tuned_model', '{FINETUNE_BASE_MODEL}', "
        "'select prompt, completion from pairs', null, null)"
    ).fetchone()[0]
    assert job.startswith("ft_")
    ask(conn, ["hello"], model=LARGE_MODEL)
    ask(conn, ["hello"], model=OTHER_SMALL_MODEL)
    assert [body["model"] for body in server.stats.bodies] == ["big-model", "small-model"]
    assert ask(conn, ["my phone was stolen"], model="tuned_model") == ["Lost phone"]
    assert server.stats.requests == 2  # the fine-tuned model answered locally
    assert conn.execute("select cortex_backend_name('tuned_model')").fetchone()[0] == (
        "local-emulator"
    )


def test_count_tokens_stays_local(
    server: FakeChatServer, connect: Callable[..., duckdb.DuckDBPyConnection]
) -> None:
    conn = connect(openai_config(server))
    assert conn.execute(f"select cortex_count_tokens('{LARGE_MODEL}', 'Hi there')").fetchone()[0]
    assert server.stats.requests == 0


def test_api_key_comes_from_the_environment_only_and_is_sent_as_bearer(
    server: FakeChatServer, connect: Callable[..., duckdb.DuckDBPyConnection]
) -> None:
    with pytest.raises(CortexError, match="CORTEX_OPENAI_API_KEY"):
        CortexSettings.from_sources({**openai_config(server), "api_key": "sk-in-a-file"}, {})
    conn = connect(openai_config(server), {"CORTEX_OPENAI_API_KEY": "sk-local-123"})
    ask(conn, ["hello"])
    assert server.stats.headers[-1]["authorization"] == "Bearer sk-local-123"
    other = connect(openai_config(server), {}, name="other")
    ask(other, ["hello again"])
    assert "authorization" not in server.stats.headers[-1]
    assert "sk-local-123" not in repr(
        CortexSettings.from_sources(
            openai_config(server), {"CORTEX_OPENAI_API_KEY": "sk-local-123"}
        )
    )


def test_request_body_passes_the_prompt_temperature_and_max_tokens(
    server: FakeChatServer, connect: Callable[..., duckdb.DuckDBPyConnection]
) -> None:
    conn = connect(openai_config(server, temperature=0.3, max_tokens=77))
    ask(conn, ['It\'s a "quoted"\nmulti-line prompt'])
    assert server.stats.bodies == [
        {
            "model": "llama3.1:8b",
            "messages": [{"role": "user", "content": 'It\'s a "quoted"\nmulti-line prompt'}],
            "temperature": 0.3,
            "max_tokens": 77,
        }
    ]


def test_settings_from_the_environment_and_the_profile_wins() -> None:
    environ = {
        "CORTEX_BACKEND": "openai",
        "CORTEX_OPENAI_BASE_URL": "http://localhost:11434/v1/",
        "CORTEX_OPENAI_MODEL_MAP": json.dumps({LARGE_MODEL: "llama3.1:8b", "*": "qwen2.5:7b"}),
        "CORTEX_OPENAI_CONCURRENCY": "16",
        "CORTEX_OPENAI_TEMPERATURE": "0.2",
        "CORTEX_OPENAI_MAX_TOKENS": "300",
        "CORTEX_OPENAI_TIMEOUT_SECONDS": "30",
        "CORTEX_OPENAI_MAX_RETRIES": "3",
        "CORTEX_RESPONSE_CACHE": "off",
    }
    settings = CortexSettings.from_sources({}, environ)
    assert settings.backend == "openai" and settings.cache is False
    assert settings.openai is not None
    assert settings.openai.base_url == "http://localhost:11434/v1"
    assert settings.openai.mapping() == {LARGE_MODEL: "llama3.1:8b", "*": "qwen2.5:7b"}
    assert (settings.openai.concurrency, settings.openai.max_tokens) == (16, 300)
    assert (settings.openai.temperature, settings.openai.max_retries) == (0.2, 3)
    assert settings.openai.host_port == "localhost:11434"
    profile = CortexSettings.from_sources({"concurrency": 2, "cache": "", "backend": ""}, environ)
    assert profile.openai is not None and profile.openai.concurrency == 2
    assert profile.cache is False and profile.backend == "openai"  # empty: the env decides
    assert CortexSettings.from_sources({}, {}) == CortexSettings()  # the default: local


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"backend": "gpt"}, "Unknown Cortex backend 'gpt'"),
        ({"backend": "openai", "model_map": {"a": "b"}}, "needs a base URL"),
        ({"backend": "openai", "base_url": "localhost:11434"}, "Invalid base URL"),
        ({"backend": "openai", "base_url": "http://h:1/v1"}, "needs model_map"),
        ({"backend": "openai", "base_url": "http://h:1/v1", "model_map": "{"}, "JSON object"),
        (
            {
                "backend": "openai",
                "base_url": "http://h:1/v1",
                "model_map": {"a": "b"},
                "concurrency": 0,
            },
            "concurrency",
        ),
        ({"cache": "maybe"}, "on or off"),
        ({"concurency": 3}, "Unknown cortex_emulator plugin setting"),
    ],
)
def test_invalid_settings_say_what_to_do(config: dict[str, Any], message: str) -> None:
    with pytest.raises(CortexError, match=message):
        CortexSettings.from_sources(config, {})


def test_register_without_settings_reads_the_environment(
    server: FakeChatServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CORTEX_BACKEND", "openai")
    monkeypatch.setenv("CORTEX_OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("CORTEX_OPENAI_MODEL_MAP", json.dumps({SECOND_LARGE_MODEL: "writer"}))
    conn = duckdb.connect(str(tmp_path / "env.duckdb"))
    try:
        register(conn)
        assert conn.execute(f"select cortex_backend_name('{SECOND_LARGE_MODEL}')").fetchone()[
            0
        ] == (f"openai-compatible:127.0.0.1:{server.port}/writer")
    finally:
        conn.close()


def test_dbt_duckdb_plugin_config_chooses_the_backend(
    server: FakeChatServer, tmp_path: Path
) -> None:
    from dbt.adapters.duckdb.plugins import BasePlugin

    plugin = BasePlugin.create("cortex_emulator.plugin", config=openai_config(server))
    conn = duckdb.connect(str(tmp_path / "plugin.duckdb"))
    try:
        plugin.configure_connection(conn)
        assert conn.execute(f"select cortex_try_complete('{LARGE_MODEL}', 'Hi')").fetchone()[0]
        assert server.stats.requests == 1
    finally:
        conn.close()
    with pytest.raises(CortexError, match="Unknown cortex_emulator plugin setting"):
        BasePlugin.create("cortex_emulator.plugin", config={"bakend": "openai"})


# -- retries ----------------------------------------------------------------------------------


def failing_first(times: int, reply: Reply) -> Callable[[str], Reply | None]:
    """A fault that answers ``reply`` to the first ``times`` requests of every prompt."""
    seen: dict[str, int] = {}
    lock = threading.Lock()

    def fault(prompt: str) -> Reply | None:
        with lock:
            seen[prompt] = seen.get(prompt, 0) + 1
            return reply if seen[prompt] <= times else None

    return fault


def arrivals_of(server: FakeChatServer, prompt: str) -> list[float]:
    return [
        at
        for at, body in zip(server.stats.arrivals, server.stats.bodies, strict=True)
        if body["messages"][0]["content"] == prompt
    ]


def test_5xx_is_retried_with_exponential_backoff(
    server: FakeChatServer, connect: Callable[..., duckdb.DuckDBPyConnection]
) -> None:
    server.fault = failing_first(2, Reply(status=503))
    conn = connect(openai_config(server, max_retries=3))
    prompts = [f"prompt {i}" for i in range(6)]
    assert ask(conn, prompts) == [server.answer("", p) for p in prompts]
    assert server.stats.requests == 18 and server.stats.statuses == {503: 12, 200: 6}
    for prompt in prompts:
        first, second, third = arrivals_of(server, prompt)
        # The SDK waits 0.5 s, then 1 s, each less up to 25% of jitter.
        assert second - first >= 0.5 * 0.75 * 0.95
        assert third - second >= 1.0 * 0.75 * 0.95
    logged = conn.execute(
        "select rows, cached_rows, failed_rows, requests, backend from cortex_emulator.calls"
    ).fetchall()
    assert logged == [(6, 0, 0, 18, f"openai-compatible:127.0.0.1:{server.port}")]
    assert errors(conn) == []


def test_retry_after_is_honoured(
    server: FakeChatServer, connect: Callable[..., duckdb.DuckDBPyConnection]
) -> None:
    server.fault = failing_first(1, Reply(status=429, retry_after="2"))
    conn = connect(openai_config(server))
    assert ask(conn, ["rate limited"]) == [server.answer("", "rate limited")]
    first, second = arrivals_of(server, "rate limited")
    assert second - first >= 1.9  # waited for Retry-After, not for the 0.5 s backoff


def test_exhausted_5xx_gives_null_and_a_recorded_error(
    server: FakeChatServer, connect: Callable[..., duckdb.DuckDBPyConnection]
) -> None:
    server.fault = lambda prompt: Reply(status=500) if "doomed" in prompt else None
    conn = connect(openai_config(server, max_retries=2))
    prompts = ["fine 1", "doomed 1", "fine 2", "doomed 2"]
    answers = ask(conn, prompts)
    assert answers[0] and answers[2] and answers[1] is None and answers[3] is None
    assert server.stats.requests == 2 + 2 * 3
    backend = f"openai-compatible:127.0.0.1:{server.port}"
    recorded = errors(conn)
    assert [row[:5] + row[6:] for row in recorded] == sorted(
        ("try_complete", backend, LARGE_MODEL, md5(p), 500, 3) for p in ("doomed 1", "doomed 2")
    )
    assert "HTTP 500" in recorded[0][5] and "after 3 attempt(s)" in recorded[0][5]
    at = conn.execute("select min(errored_at) from cortex_emulator.call_errors").fetchone()[0]
    assert at is not None
    assert conn.execute(
        "select rows, failed_rows, requests from cortex_emulator.calls"
    ).fetchall() == [(4, 2, 8)]


def test_timeouts_are_retried_then_recorded(
    server: FakeChatServer, connect: Callable[..., duckdb.DuckDBPyConnection]
) -> None:
    server.fault = lambda prompt: Reply(delay_seconds=1.5) if "slow" in prompt else None
    conn = connect(openai_config(server, timeout_seconds=0.3, max_retries=1))
    started = time.monotonic()
    assert ask(conn, ["slow one", "quick one"])[0] is None
    assert time.monotonic() - started < 3
    [(_, _, _, _, status, message, attempts)] = errors(conn)
    assert status is None and attempts == 2 and "timed out" in message


def test_client_errors_are_not_retried(
    server: FakeChatServer, connect: Callable[..., duckdb.DuckDBPyConnection]
) -> None:
    server.fault = lambda prompt: Reply(
        status=404, raw_body=b'{"error": "model \\"llama3.1:8b\\" not found, try pulling it"}'
    )
    conn = connect(openai_config(server, max_retries=5))
    assert ask(conn, ["hello"]) == [None]
    assert server.stats.requests == 1
    [(_, _, _, _, status, message, attempts)] = errors(conn)
    assert (status, attempts) == (404, 1)
    assert "not found, try pulling it" in message and "not retried" in message


def test_an_answer_without_content_is_a_failure(
    server: FakeChatServer, connect: Callable[..., duckdb.DuckDBPyConnection]
) -> None:
    server.fault = lambda prompt: Reply(raw_body=b'{"choices": []}')
    conn = connect(openai_config(server))
    assert ask(conn, ["hello"]) == [None]
    [(_, _, _, _, status, message, attempts)] = errors(conn)
    assert (status, attempts) == (200, 1) and "choices[0].message.content" in message


def test_complete_raises_a_clear_error_after_recording_it(
    server: FakeChatServer, connect: Callable[..., duckdb.DuckDBPyConnection]
) -> None:
    server.fault = lambda prompt: Reply(status=502) if "doomed" in prompt else None
    conn = connect(openai_config(server, max_retries=1))
    conn.execute("create table t as select * from (values ('fine'), ('doomed')) v(prompt)")
    with pytest.raises(duckdb.Error) as raised:
        conn.execute(f"select cortex_complete('{LARGE_MODEL}', prompt) from t").fetchall()
    message = str(raised.value)
    assert f"COMPLETE('{LARGE_MODEL}') through openai-compatible:127.0.0.1:{server.port}" in message
    assert "failed after 2 attempt(s), HTTP 502" in message
    assert "cortex_emulator.call_errors" in message and "TRY_COMPLETE" in message
    assert [row[0] for row in errors(conn)] == ["complete"]
    # The row that was answered is cached: paid for once even though the query failed.
    assert conn.execute("select count(*) from cortex_emulator.response_cache").fetchone()[0] == 1


# -- cache ------------------------------------------------------------------------------------


def test_a_second_identical_batch_makes_no_request(
    server: FakeChatServer, connect: Callable[..., duckdb.DuckDBPyConnection]
) -> None:
    conn = connect(openai_config(server))
    prompts = [f"question {i}" for i in range(40)] + ["question 0", "question 1"]
    first = ask(conn, prompts)
    assert server.stats.requests == 40  # repeats within the batch are sent once
    second = ask(conn, prompts)
    assert second == first and server.stats.requests == 40
    logged = conn.execute(
        "select rows, cached_rows from cortex_emulator.calls order by called_at"
    ).fetchall()
    assert logged == [(40, 2), (0, 42)]
    conn.close()
    reopened = connect(openai_config(server))  # the same file: a new runtime, the same cache
    assert ask(reopened, prompts) == first and server.stats.requests == 40


def test_the_cache_key_holds_the_options(
    server: FakeChatServer, connect: Callable[..., duckdb.DuckDBPyConnection]
) -> None:
    conn = connect(openai_config(server))
    ask(conn, ["same prompt"])
    conn.close()
    other = connect(openai_config(server, temperature=0.7))
    ask(other, ["same prompt"])
    assert server.stats.requests == 2
    options = other.execute(
        "select options from cortex_emulator.response_cache order by options"
    ).fetchall()
    assert options == [
        ('{"endpoint_model":"llama3.1:8b","max_tokens":4096,"temperature":0.0}',),
        ('{"endpoint_model":"llama3.1:8b","max_tokens":4096,"temperature":0.7}',),
    ]


@pytest.mark.parametrize(
    ("config", "environ"),
    [({"cache": False}, {}), ({}, {"CORTEX_RESPONSE_CACHE": "off"})],
    ids=["profile", "environment"],
)
def test_the_cache_can_be_turned_off(
    server: FakeChatServer,
    connect: Callable[..., duckdb.DuckDBPyConnection],
    config: dict[str, Any],
    environ: dict[str, str],
) -> None:
    conn = connect(openai_config(server, **config), environ)
    ask(conn, ["a", "b", "a"])
    ask(conn, ["a", "b", "a"])
    assert server.stats.requests == 6
    assert conn.execute("select count(*) from cortex_emulator.response_cache").fetchone()[0] == 0


# -- concurrency ------------------------------------------------------------------------------


def test_a_batch_is_sent_concurrently_within_the_bound(
    server: FakeChatServer, connect: Callable[..., duckdb.DuckDBPyConnection]
) -> None:
    server.latency_seconds = 0.2
    conn = connect(openai_config(server, concurrency=8))
    started = time.monotonic()
    answers = ask(conn, [f"prompt {i}" for i in range(32)])
    elapsed = time.monotonic() - started
    assert all(answers)
    assert server.stats.max_in_flight == 8  # overlapping requests, never more than the bound
    assert elapsed < 32 * 0.2 / 4  # sequential would take 6.4 s; 8 at a time about 0.8 s


def test_sequential_when_concurrency_is_one(
    server: FakeChatServer, connect: Callable[..., duckdb.DuckDBPyConnection]
) -> None:
    server.latency_seconds = 0.02
    conn = connect(openai_config(server, concurrency=1))
    assert all(ask(conn, [f"prompt {i}" for i in range(10)]))
    assert server.stats.max_in_flight == 1


def test_ai_complete_sends_model_parameters_and_the_json_schema(
    server: FakeChatServer, connect: Callable[..., duckdb.DuckDBPyConnection]
) -> None:
    schema = {"type": "object", "properties": {"category": {"type": "string"}}}
    server.fault = lambda prompt: Reply(content='{"category": "Lost phone"}')
    conn = connect(openai_config(server))
    sql = "select cortex_ai_complete(?, 'my phone was stolen', ?, ?)"
    arguments = [LARGE_MODEL, '{"temperature": 0.3, "max_tokens": 20}']
    answer = conn.execute(sql, [*arguments, json.dumps({"type": "json", "schema": schema})])
    assert answer.fetchone()[0] == '{"category": "Lost phone"}'
    body = server.stats.bodies[-1]
    assert body["temperature"] == 0.3 and body["max_tokens"] == 20
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"] == schema
    # Another schema is another cache entry; the same call again is answered from the cache.
    conn.execute(sql, [*arguments, None]).fetchall()
    conn.execute(sql, [*arguments, json.dumps({"type": "json", "schema": schema})]).fetchall()
    assert server.stats.requests == 2
