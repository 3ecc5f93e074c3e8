"""Answers in a JSON schema (AI_COMPLETE's ``response_format``), built value by value.

* an ``enum`` (or ``const``) property: one of its values, chosen by the model's ``choose``
  (the categoriser ranks the values against the request);
* a string: the model's plain answer (``text``), cut to ``maxLength``;
* an object: every property of ``properties`` (the required ones in any case);
* an array: one item (or ``minItems`` items);
* a number / integer: ``minimum`` (or 0); a boolean: false; null: null;
* ``anyOf`` / ``oneOf``: the first choice.

The result is checked against the schema with ``jsonschema`` before it is returned, so an
answer is never outside the schema: a schema this builder cannot satisfy is an error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import jsonschema

from ..errors import CortexError

Chooser = Callable[[Sequence[str]], str]
_MAX_DEPTH = 8


def answer_in_schema(schema: dict[str, Any], text: str, choose: Chooser) -> str:
    """JSON text valid against ``schema``; ``text`` fills strings, ``choose`` picks enums."""
    value = _value(schema, text, choose, 0)
    try:
        jsonschema.validate(value, schema)
    except jsonschema.ValidationError as error:
        raise CortexError(
            f"The emulator cannot answer within this response_format schema ({error.message}): "
            "simplify the schema (enums, strings, numbers, booleans, objects and arrays work)."
        ) from None
    return json.dumps(value, ensure_ascii=False)


def _value(schema: Any, text: str, choose: Chooser, depth: int) -> Any:
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return text
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        options = schema["enum"]
        texts = [o for o in options if isinstance(o, str)]
        return choose(texts) if texts else options[0]
    for combinator in ("anyOf", "oneOf"):
        if isinstance(schema.get(combinator), list) and schema[combinator]:
            return _value(schema[combinator][0], text, choose, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), kind[0] if kind else None)
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    if kind == "object":
        properties = schema.get("properties") or {}
        return {
            name: _value(part, text, choose, depth + 1)
            for name, part in properties.items()
            if isinstance(part, dict)
        }
    if kind == "array":
        count = max(1, int(schema.get("minItems", 1)))
        item = _value(schema.get("items") or {}, text, choose, depth + 1)
        return [item] * count
    if kind in ("number", "integer"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        number = low + 1 if "exclusiveMinimum" in schema and "minimum" not in schema else low
        return int(number) if kind == "integer" else number
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    limit = schema.get("maxLength")
    return text[: int(limit)] if isinstance(limit, int) else text
