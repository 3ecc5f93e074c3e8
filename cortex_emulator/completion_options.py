"""AI_COMPLETE's optional arguments: ``model_parameters`` and ``response_format``.

* ``model_parameters`` (JSON object or NULL): ``temperature`` (0 to 1), ``top_p`` (0 to 1),
  ``max_tokens`` (1 to 8192; the emulator cuts a plain-text answer to that many tokens) and
  ``guardrails`` (true/false; accepted and ignored). Any other key is an error.
* ``response_format`` (JSON object or NULL): ``{"type": "json", "schema": {...}}``, a JSON
  schema the answer must satisfy (structured output). The answer is then JSON text valid against
  the schema.

A malformed argument fails only its row (AI_COMPLETE returns NULL for it; the reason is recorded
in ``cortex_emulator.call_errors``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import jsonschema

from .errors import CortexError

MAX_OUTPUT_TOKENS = 8192
_PARAMETER_KEYS = ("temperature", "top_p", "max_tokens", "guardrails")


@dataclass(frozen=True)
class CompletionOptions:
    """How one AI_COMPLETE call should answer, besides the prompt."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    response_schema_json: str | None = None  # canonical JSON text of the schema

    @property
    def response_schema(self) -> dict[str, Any] | None:
        return json.loads(self.response_schema_json) if self.response_schema_json else None

    def as_key(self) -> dict[str, Any]:
        """What shapes the answer, for cache keys (only the options that are set)."""
        values = {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens,
            "response_schema": self.response_schema,
        }
        return {key: value for key, value in values.items() if value is not None}


DEFAULT_OPTIONS = CompletionOptions()


def json_object(text: str, subject: str, example: str) -> dict[str, Any]:
    """``text`` parsed as a JSON object; else a ``CortexError`` saying ``subject`` must be one
    such as ``example``."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise CortexError(
            f"{subject} must be a JSON object such as {example}; got {text!r} ({error.msg})."
        ) from None
    if not isinstance(value, dict):
        raise CortexError(f"{subject} must be a JSON object such as {example}; got {text!r}.")
    return value


def _number(parameters: dict[str, Any], key: str, low: float, high: float) -> float | None:
    value = parameters.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise CortexError(
            f"AI_COMPLETE's model_parameters.{key} must be a number from {low:g} to {high:g}; "
            f"got {value!r}."
        )
    return float(value)


def parse_options(model_parameters: str | None, response_format: str | None) -> CompletionOptions:
    """The options of one call; ``CortexError`` for a malformed argument."""
    parameters: dict[str, Any] = {}
    if model_parameters is not None and model_parameters.strip():
        parameters = json_object(
            model_parameters, "AI_COMPLETE's model_parameters", '{"temperature": 0}'
        )
    unknown = sorted(set(parameters) - set(_PARAMETER_KEYS))
    if unknown:
        raise CortexError(
            f"Unknown AI_COMPLETE model parameter(s) {', '.join(unknown)}: use "
            f"{', '.join(_PARAMETER_KEYS)}."
        )
    max_tokens = parameters.get("max_tokens")
    if max_tokens is not None and (
        isinstance(max_tokens, bool)
        or not isinstance(max_tokens, int)
        or not 1 <= max_tokens <= MAX_OUTPUT_TOKENS
    ):
        raise CortexError(
            f"AI_COMPLETE's model_parameters.max_tokens must be a whole number from 1 to "
            f"{MAX_OUTPUT_TOKENS}; got {max_tokens!r}."
        )
    return CompletionOptions(
        temperature=_number(parameters, "temperature", 0.0, 1.0),
        top_p=_number(parameters, "top_p", 0.0, 1.0),
        max_tokens=max_tokens,
        response_schema_json=_response_schema(response_format),
    )


def _response_schema(response_format: str | None) -> str | None:
    if response_format is None or not response_format.strip():
        return None
    example = '{"type": "json", "schema": {"type": "object", "properties": {...}}}'
    value = json_object(response_format, "AI_COMPLETE's response_format", example)
    if value.get("type") != "json" or not isinstance(value.get("schema"), dict):
        raise CortexError(
            f"AI_COMPLETE's response_format must be {example}; got {response_format!r}."
        )
    schema = value["schema"]
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as error:
        raise CortexError(
            f"AI_COMPLETE's response_format schema is not a valid JSON schema: {error.message}."
        ) from None
    return json.dumps(schema, sort_keys=True, separators=(",", ":"))
