"""Which backend answers COMPLETE, and how: read from the dbt-duckdb plugin config and the
environment.

Profile (``plugins: [{module: cortex_emulator.plugin, config: {...}}]``) keys and the
environment variables they fall back to:

=====================  ================================  ====================================
profile key            environment variable              default
=====================  ================================  ====================================
backend                CORTEX_BACKEND                    ``local-emulator`` (or ``openai``)
base_url               CORTEX_OPENAI_BASE_URL            required for ``openai``
(none: env only)       CORTEX_OPENAI_API_KEY             none (no Authorization header)
model_map              CORTEX_OPENAI_MODEL_MAP (JSON)    required for ``openai``
temperature            CORTEX_OPENAI_TEMPERATURE         0
max_tokens             CORTEX_OPENAI_MAX_TOKENS          4096 (Cortex's default)
concurrency            CORTEX_OPENAI_CONCURRENCY         8
timeout_seconds        CORTEX_OPENAI_TIMEOUT_SECONDS     60
max_retries            CORTEX_OPENAI_MAX_RETRIES         5 (the openai SDK's retries and backoff)
response_format        CORTEX_OPENAI_RESPONSE_FORMAT     ``json_schema`` (or ``json_object``)
server_label           CORTEX_OPENAI_SERVER_LABEL        none (the backend is named by host:port)
cache                  CORTEX_RESPONSE_CACHE             on (``off`` / ``false`` / ``0``)
model_catalog          CORTEX_MODEL_CATALOG              the dbt project's seeds/cortex_models.csv
=====================  ================================  ====================================

A profile key wins over its environment variable; an empty value counts as unset (so
``"{{ env_var('CORTEX_BACKEND', '') }}"`` in a profile lets the environment decide). The API
key is read from the environment only, so it never lands in a profile file.

``model_map`` maps Cortex model names to the endpoint's model names
(``{mistral-large: "llama3.1:8b"}``); the key ``"*"`` sends every other *foundation* model
to the model it names. Models not mapped (and fine-tuned models) stay on the local emulator.

``response_format`` says how AI_COMPLETE's JSON schema is sent: ``json_schema`` (OpenAI, vLLM,
Ollama, llama.cpp's llama-server: ``{"type": "json_schema", "json_schema": {"schema": ...}}``)
or ``json_object`` (llama-cpp-python's server, which refuses the former:
``{"type": "json_object", "schema": ...}``). ``server_label`` names the backend
``openai-compatible:<label>`` instead of ``openai-compatible:<host>:<port>``, so that a server
started on a different free port each run keeps its response cache.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .catalog import normalize_model_name
from .errors import CortexError

LOCAL_BACKEND = "local-emulator"
OPENAI_BACKEND = "openai"
ALL_FOUNDATION_MODELS = "*"
JSON_SCHEMA_FORMAT = "json_schema"
JSON_OBJECT_FORMAT = "json_object"

_BACKEND_NAMES = {
    "local-emulator": LOCAL_BACKEND,
    "local": LOCAL_BACKEND,
    "emulator": LOCAL_BACKEND,
    "openai": OPENAI_BACKEND,
    "openai-compatible": OPENAI_BACKEND,
}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

#: profile key -> environment variable
ENVIRONMENT_VARIABLES: dict[str, str] = {
    "backend": "CORTEX_BACKEND",
    "base_url": "CORTEX_OPENAI_BASE_URL",
    "model_map": "CORTEX_OPENAI_MODEL_MAP",
    "temperature": "CORTEX_OPENAI_TEMPERATURE",
    "max_tokens": "CORTEX_OPENAI_MAX_TOKENS",
    "concurrency": "CORTEX_OPENAI_CONCURRENCY",
    "timeout_seconds": "CORTEX_OPENAI_TIMEOUT_SECONDS",
    "max_retries": "CORTEX_OPENAI_MAX_RETRIES",
    "response_format": "CORTEX_OPENAI_RESPONSE_FORMAT",
    "server_label": "CORTEX_OPENAI_SERVER_LABEL",
    "cache": "CORTEX_RESPONSE_CACHE",
    "model_catalog": "CORTEX_MODEL_CATALOG",
}
API_KEY_VARIABLE = "CORTEX_OPENAI_API_KEY"


@dataclass(frozen=True)
class OpenAISettings:
    """How to reach an OpenAI-compatible chat-completions endpoint."""

    base_url: str
    model_map: tuple[tuple[str, str], ...]
    api_key: str | None = field(default=None, repr=False)
    temperature: float | None = 0.0
    max_tokens: int | None = 4096
    concurrency: int = 8
    timeout_seconds: float = 60.0
    max_retries: int = 5
    response_format: str = JSON_SCHEMA_FORMAT
    server_label: str | None = None

    @property
    def endpoint(self) -> str:
        """The chat-completions URL."""
        return self.base_url + "/chat/completions"

    @property
    def host_port(self) -> str:
        """``host:port`` of the endpoint (the scheme's default port when none is given)."""
        parts = urlsplit(self.base_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return f"{parts.hostname}:{port}"

    def mapping(self) -> dict[str, str]:
        return dict(self.model_map)


@dataclass(frozen=True)
class CortexSettings:
    """The runtime's configuration: the backend, whether remote answers are cached and which
    model catalog to read (None: found from the dbt project, see ``catalog``)."""

    backend: str = LOCAL_BACKEND
    openai: OpenAISettings | None = None
    cache: bool = True
    model_catalog: str | None = None

    @classmethod
    def from_sources(
        cls,
        config: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
        *,
        ignore: Collection[str] = (),
    ) -> CortexSettings:
        """Settings from a plugin ``config`` (wins) and ``environ`` (falls back).

        ``ignore`` names config keys that belong to someone else (dbt-duckdb merges the
        profile's DuckDB ``settings`` into every plugin's config).
        """
        config = dict(config or {})
        environ = dict(environ or {})
        if "api_key" in config:
            raise CortexError(
                "api_key is not read from the profile, so that it never lands in a file: "
                f"set the environment variable {API_KEY_VARIABLE} instead and remove api_key "
                "from the plugin config."
            )
        unknown = sorted(set(config) - set(ENVIRONMENT_VARIABLES) - set(ignore))
        if unknown:
            raise CortexError(
                f"Unknown cortex_emulator plugin setting(s) {', '.join(unknown)}. Known "
                f"settings: {', '.join(ENVIRONMENT_VARIABLES)}."
            )

        def pick(key: str) -> Any:
            value = config.get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                value = environ.get(ENVIRONMENT_VARIABLES[key])
                if value is not None and not value.strip():
                    value = None
            return value

        backend_text = str(pick("backend") or LOCAL_BACKEND).strip().lower()
        backend = _BACKEND_NAMES.get(backend_text)
        if backend is None:
            raise CortexError(
                f"Unknown Cortex backend {backend_text!r} (setting backend / CORTEX_BACKEND): "
                f"use 'local-emulator' (the default) or 'openai' (any OpenAI-compatible "
                "chat-completions endpoint: Ollama, vLLM, llama.cpp, LM Studio, ...)."
            )
        cache = _boolean("cache", pick("cache"), default=True)
        catalog = pick("model_catalog")
        model_catalog = str(catalog).strip() if catalog is not None else None
        if backend == LOCAL_BACKEND:
            return cls(backend=backend, openai=None, cache=cache, model_catalog=model_catalog)

        base_url = _base_url(pick("base_url"))
        model_map = _model_map(pick("model_map"))
        api_key = environ.get(API_KEY_VARIABLE) or None
        openai = OpenAISettings(
            base_url=base_url,
            model_map=model_map,
            api_key=api_key.strip() if api_key else None,
            temperature=_number("temperature", pick("temperature"), 0.0, low=0.0, high=2.0),
            max_tokens=_integer("max_tokens", pick("max_tokens"), 4096, low=1),
            concurrency=_integer("concurrency", pick("concurrency"), 8, low=1, high=1024),
            timeout_seconds=_number("timeout_seconds", pick("timeout_seconds"), 60.0, low=0.001),
            max_retries=_integer("max_retries", pick("max_retries"), 5, low=0, high=100),
            response_format=_response_format(pick("response_format")),
            server_label=_server_label(pick("server_label")),
        )
        return cls(backend=backend, openai=openai, cache=cache, model_catalog=model_catalog)


def _describe(key: str) -> str:
    return f"{key} (environment variable {ENVIRONMENT_VARIABLES[key]})"


def _base_url(value: Any) -> str:
    if value is None:
        raise CortexError(
            "The openai backend needs a base URL: set base_url in the plugin config or "
            "CORTEX_OPENAI_BASE_URL, e.g. http://localhost:11434/v1 (Ollama), "
            "http://localhost:8000/v1 (vLLM), http://localhost:8080/v1 (llama.cpp) or "
            "http://localhost:1234/v1 (LM Studio)."
        )
    text = str(value).strip().rstrip("/")
    if text.endswith("/chat/completions"):
        text = text[: -len("/chat/completions")]
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CortexError(
            f"Invalid base URL {value!r} for the openai backend: use http(s)://host:port/v1 "
            "(the part before /chat/completions)."
        )
    return text


def _model_map(value: Any) -> tuple[tuple[str, str], ...]:
    example = '{"mistral-large": "llama3.1:8b", "*": "llama3.1:8b"}'
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise CortexError(
                f"{_describe('model_map')} must be a JSON object such as {example}; got "
                f"{value!r} ({error.msg})."
            ) from None
    if not isinstance(value, Mapping) or not value:
        raise CortexError(
            f"The openai backend needs {_describe('model_map')}: which Cortex models the "
            f"endpoint answers, and under which name, e.g. {example} ('*': every other "
            "foundation model). Unmapped models stay on the local emulator."
        )
    mapped: dict[str, str] = {}
    for cortex_name, endpoint_name in value.items():
        if not isinstance(cortex_name, str) or not isinstance(endpoint_name, str):
            raise CortexError(
                f"{_describe('model_map')} maps names to names; got {cortex_name!r}: "
                f"{endpoint_name!r}."
            )
        key = (
            cortex_name.strip() if cortex_name.strip() == "*" else normalize_model_name(cortex_name)
        )
        if not key or not endpoint_name.strip():
            raise CortexError(f"{_describe('model_map')} has an empty model name.")
        mapped[key] = endpoint_name.strip()
    return tuple(sorted(mapped.items()))


def _response_format(value: Any) -> str:
    if value is None:
        return JSON_SCHEMA_FORMAT
    text = str(value).strip().lower()
    if text not in (JSON_SCHEMA_FORMAT, JSON_OBJECT_FORMAT):
        raise CortexError(
            f"{_describe('response_format')} must be {JSON_SCHEMA_FORMAT!r} (OpenAI, vLLM, "
            f"Ollama, llama-server) or {JSON_OBJECT_FORMAT!r} (llama-cpp-python's server); "
            f"got {value!r}."
        )
    return text


def _server_label(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if not text or any(character.isspace() for character in text):
        raise CortexError(
            f"{_describe('server_label')} must be one word such as llama-cpp-python; got {value!r}."
        )
    return text


def _boolean(key: str, value: Any, *, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CortexError(f"{_describe(key)} must be on or off (true/false); got {value!r}.")


def _number(key: str, value: Any, default: float, *, low: float, high: float = math.inf) -> float:
    if value is None:
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not (low <= number <= high):
        bounds = f"from {low:g} to {high:g}" if high != math.inf else f"at least {low:g}"
        raise CortexError(f"{_describe(key)} must be a number {bounds}; got {value!r}.")
    return number


def _integer(key: str, value: Any, default: int, *, low: int, high: int | None = None) -> int:
    if value is None:
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    top = high if high is not None else math.inf
    if isinstance(value, bool) or not number.is_integer() or not (low <= number <= top):
        bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise CortexError(f"{_describe(key)} must be a whole number {bounds}; got {value!r}.")
    return int(number)
