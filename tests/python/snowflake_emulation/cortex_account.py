"""What a Snowflake account says about Cortex, beyond the functions: for the harness.

- ``BaseModel`` / ``catalog_base_models``: the rows ``SHOW CORTEX BASE MODELS IN SCHEMA
  SNOWFLAKE.MODELS`` lists for the current role (by default: every model of the project's catalog,
  seeds/cortex_models.csv, that AI_COMPLETE calls and that is not retired: the command lists "the
  LLMs that Snowflake provides for use with Cortex AI Functions", and no page says it lists
  AI_EMBED models, so the harness plays the account that does not; the catalog's fine-tune rows
  price models, they are no base models). A test removes a model to play one that is missing in
  the account's region, adds an embedding model, or sets an end-of-life date.
- ``show_cortex_base_models_sql``: checks a SHOW statement against the documented syntax and
  answers it as a select (the columns ``name`` and ``lifecycle_status`` are the documented ones;
  the dates are named ``legacy_date`` and ``end_of_life_date``).
- ``UsageMeter``: every AI_COMPLETE and AI_EMBED row the emulator answered, with the statement
  (query id and QUERY_TAG) that sent it and its tokens; ``usage_history_rows`` aggregates them per
  query, model and function (AI_COMPLETE, AI_EMBED) as
  SNOWFLAKE.ACCOUNT_USAGE.CORTEX_AISQL_USAGE_HISTORY has them (one row per function, model, query
  and warehouse), priced from the catalog (a fine-tuned model at its base's ``<base>:finetuned``
  row).
"""

from __future__ import annotations

import csv
import json
import re
import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[3]
CATALOG_CSV = PROJECT_DIR / "seeds" / "cortex_models.csv"

_SHOW = re.compile(
    r"^show\s+cortex\s+base\s+models"
    r"(?:\s+like\s+'(?P<like>(?:[^']|'')*)')?"
    r"\s+in\s+(?:schema\s+)?snowflake\.models"
    r"(?:\s+like\s+'(?P<like_after>(?:[^']|'')*)')?\s*;?$",
    re.IGNORECASE,
)
_SHOW_ANY = re.compile(r"^show\s+cortex\s+base\s+models\b", re.IGNORECASE)
USAGE_HISTORY_VIEW = "SNOWFLAKE.ACCOUNT_USAGE.CORTEX_AISQL_USAGE_HISTORY"


@dataclass
class BaseModel:
    """One row of SHOW CORTEX BASE MODELS."""

    name: str
    lifecycle_status: str = "GA"
    legacy_date: date | None = None
    end_of_life_date: date | None = None


def catalog_rows() -> list[dict[str, str]]:
    with CATALOG_CSV.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def catalog_base_models() -> list[BaseModel]:
    """What an account with every catalog model enabled lists: the catalog's AI_COMPLETE models
    (priced_as ai_complete) that are not retired."""
    models = []
    for row in catalog_rows():
        if row["lifecycle"] == "retired" or row["priced_as"] != "ai_complete":
            continue
        models.append(
            BaseModel(
                name=row["model_name"],
                lifecycle_status=row["lifecycle"].upper(),
                legacy_date=date.fromisoformat(row["legacy_on"]) if row["legacy_on"] else None,
                end_of_life_date=date.fromisoformat(row["end_of_life_on"])
                if row["end_of_life_on"]
                else None,
            )
        )
    return models


def is_show_cortex_base_models(body: str) -> bool:
    return bool(_SHOW_ANY.match(" ".join(body.split())))


def show_cortex_base_models_sql(body: str, models: list[BaseModel]) -> str:
    """The select that answers a SHOW CORTEX BASE MODELS statement; ValueError when the statement
    does not follow the documented syntax (IN [SCHEMA] SNOWFLAKE.MODELS, optional LIKE)."""
    found = _SHOW.match(" ".join(body.split()))
    if found is None:
        raise ValueError(
            "SHOW CORTEX BASE MODELS takes [LIKE '<pattern>'] IN [SCHEMA] SNOWFLAKE.MODELS, got: "
            + body
        )
    pattern = (found.group("like") or found.group("like_after") or "%").replace("''", "'")
    regex = re.compile(
        "^"
        + "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
        + "$",
        re.IGNORECASE,
    )
    selects = [
        'select {name} as "name", {status} as "lifecycle_status", '
        'cast({legacy} as date) as "legacy_date", cast({eol} as date) as "end_of_life_date"'.format(
            name=_literal(model.name),
            status=_literal(model.lifecycle_status),
            legacy=_literal(model.legacy_date.isoformat()) if model.legacy_date else "null",
            eol=_literal(model.end_of_life_date.isoformat()) if model.end_of_life_date else "null",
        )
        for model in models
        if regex.match(model.name)
    ]
    if not selects:
        return (
            'select null as "name", null as "lifecycle_status", cast(null as date) as "legacy_date", '
            'cast(null as date) as "end_of_life_date" where false'
        )
    return " union all ".join(selects)


def _literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def count_tokens(text: str | None) -> int:
    """Billed tokens of a text, with the emulator's tokenizer (an approximation of Cortex's)."""
    if not text:
        return 0
    try:
        from cortex_emulator.models.tokens import count_tokens as emulator_count
    except ImportError:  # the emulator's layout may change: about 4 characters per token
        return -(-len(text) // 4)
    return emulator_count(text)


@dataclass(frozen=True)
class MeteredCall:
    query_id: str
    function_name: str
    model: str
    input_tokens: int
    output_tokens: int


class UsageMeter:
    """Records every metered Cortex row; thread-safe (DuckDB may call from its own threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: list[MeteredCall] = []

    def record(
        self,
        query_id: str,
        function_name: str,
        model: str,
        prompt: str | None,
        response_format: str | None,
        answer: str | None,
    ) -> str | None:
        """The meter's SQL function: records one row and returns the answer unchanged. A failed
        row (null answer) is not billed."""
        if answer is not None:
            call = MeteredCall(
                query_id,
                function_name,
                model,
                count_tokens(prompt) + count_tokens(response_format),
                count_tokens(answer),
            )
            with self._lock:
                self.calls.append(call)
        return answer

    def record_embedding(
        self, query_id: str, model: str, text: str | None, vector: list[float] | None
    ) -> list[float] | None:
        """The AI_EMBED meter's SQL function: records one row (input tokens only: AI_EMBED bills
        no output) and returns the vector unchanged. A NULL vector is not billed."""
        if vector is not None:
            call = MeteredCall(query_id, "AI_EMBED", model, count_tokens(text), 0)
            with self._lock:
                self.calls.append(call)
        return vector

    def usage_history_rows(
        self,
        statements: dict[str, Any],
        finetuned_base_model: str,
        billed_at: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """CORTEX_AISQL_USAGE_HISTORY rows for the metered calls: per query id, model, function.
        A fine-tuned model (database.schema.name: two dots) is priced at the catalog's
        ``<finetuned_base_model>:finetuned`` row (the fine-tuned inference rate), or at the base
        model's rate where the catalog has no such row."""
        prices = {
            row["model_name"].lower(): (
                float(row["input_credits_per_million_tokens"] or 0),
                float(row["output_credits_per_million_tokens"] or 0),
            )
            for row in catalog_rows()
        }
        totals: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
        with self._lock:
            calls = list(self.calls)
        for call in calls:
            total = totals[(call.query_id, call.model, call.function_name)]
            total[0] += call.input_tokens
            total[1] += call.output_tokens
        hour = (billed_at or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
        rows = []
        for (query_id, model, function_name), (input_tokens, output_tokens) in totals.items():
            priced_as = model
            if model.count(".") == 2:
                finetuned_row = f"{finetuned_base_model}:finetuned".lower()
                priced_as = finetuned_row if finetuned_row in prices else finetuned_base_model
            input_price, output_price = prices.get(priced_as.lower(), (0.0, 0.0))
            input_credits = input_tokens * input_price / 1e6
            output_credits = output_tokens * output_price / 1e6
            statement = statements.get(query_id)
            rows.append(
                {
                    "usage_time": hour,
                    "model_name": model,
                    "function_name": function_name,
                    "token_credits": input_credits + output_credits,
                    "tokens": input_tokens + output_tokens,
                    "token_credits_granular": json.dumps(
                        {"input": input_credits, "output": output_credits}
                    ),
                    "tokens_granular": json.dumps({"input": input_tokens, "output": output_tokens}),
                    "query_id": query_id,
                    "query_tag": statement.query_tag if statement is not None else "",
                    "user_id": "emulated-user",
                    "warehouse_id": "emulated-warehouse",
                }
            )
        return rows
