"""Finding the Cortex calls in Snowflake SQL: what the harness rewrites and the tests check.

A call is ``SNOWFLAKE.CORTEX.<function>(...)`` for COMPLETE, TRY_COMPLETE, COUNT_TOKENS and
FINETUNE (any case), or ``AI_COMPLETE(...)``, ``AI_COUNT_TOKENS(...)`` and ``AI_EMBED(...)``. The
SQL is parsed with sqlglot's Snowflake dialect, so a call is found wherever it sits (a CTE, a
``create ... as``, a scalar select). sqlglot parses AI_EMBED into its own node (``exp.AIEmbed``),
the others into anonymous functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

CORTEX_SCHEMA_FUNCTIONS = frozenset({"COMPLETE", "TRY_COMPLETE", "COUNT_TOKENS", "FINETUNE"})
TOP_LEVEL_FUNCTIONS = frozenset({"AI_COMPLETE", "AI_COUNT_TOKENS", "AI_EMBED"})

_QUERY_COMMENT = re.compile(r"/\*\s*\{.*?\}\s*\*/", re.DOTALL)


@dataclass(frozen=True)
class CortexCall:
    """One call: ``function`` is COMPLETE, TRY_COMPLETE, COUNT_TOKENS, FINETUNE, AI_COMPLETE,
    AI_COUNT_TOKENS or AI_EMBED."""

    function: str
    arguments: tuple[exp.Expr, ...]
    node: exp.Expr

    @property
    def verb(self) -> str | None:
        """FINETUNE's first argument ('CREATE', 'DESCRIBE', ...), upper-cased; None otherwise."""
        if self.function != "FINETUNE" or not self.arguments:
            return None
        first = self.arguments[0]
        return first.name.upper() if is_string_literal(first) else None

    @property
    def shape(self) -> str:
        """A short name for the kind of call, e.g. ``FINETUNE('CREATE')/6`` or ``COMPLETE/2``."""
        verb = f"('{self.verb}')" if self.verb else ""
        return f"{self.function}{verb}/{len(self.arguments)}"


def is_string_literal(node: exp.Expr) -> bool:
    return isinstance(node, exp.Literal) and node.is_string


def strip_query_comment(sql: str) -> str:
    """The statement without dbt's ``/* {"app": "dbt", ...} */`` query comment."""
    return _QUERY_COMMENT.sub("", sql).strip()


def find_cortex_calls(expression: exp.Expr) -> list[CortexCall]:
    """Every Cortex call in a parsed statement, outermost first."""
    return list(_walk_calls(expression))


def cortex_calls_in_sql(sql: str) -> list[CortexCall]:
    """Every Cortex call in ``sql`` (one or more statements). Raises on SQL sqlglot cannot parse."""
    calls: list[CortexCall] = []
    for statement in sqlglot.parse(sql, read="snowflake"):
        if statement is not None:
            calls.extend(find_cortex_calls(statement))
    return calls


def cortex_call_of(node: exp.Expr) -> CortexCall | None:
    """The Cortex call ``node`` is, if it is one."""
    if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Anonymous):
        function = node.expression.name.upper()
        prefix = node.this
        if (
            function in CORTEX_SCHEMA_FUNCTIONS
            and isinstance(prefix, exp.Dot)
            and [part.name.upper() for part in (prefix.this, prefix.expression)]
            == ["SNOWFLAKE", "CORTEX"]
        ):
            return CortexCall(function, tuple(node.expression.expressions), node)
    if isinstance(node, exp.AIEmbed):
        return CortexCall("AI_EMBED", tuple(node.expressions), node)
    if (
        isinstance(node, exp.Anonymous)
        and node.name.upper() in TOP_LEVEL_FUNCTIONS
        and not isinstance(node.parent, exp.Dot)
    ):
        return CortexCall(node.name.upper(), tuple(node.expressions), node)
    return None


def _walk_calls(expression: exp.Expr) -> Iterator[CortexCall]:
    for node in expression.walk():
        call = cortex_call_of(node)
        if call is not None:
            yield call
