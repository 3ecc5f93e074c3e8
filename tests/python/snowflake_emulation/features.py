"""The Snowflake features the project's SQL uses and fakesnow 0.12 lacks, provided by rewriting.

Each rewrite works on the statement as sqlglot parsed it (Snowflake dialect), before fakesnow's
own transforms turn it into DuckDB SQL. The text dbt sent is never changed: the statement log
keeps it as it was, and the production SQL is not bent to suit the harness.

- ``SNOWFLAKE.CORTEX.COMPLETE / TRY_COMPLETE / COUNT_TOKENS`` call the project's emulator
  (``cortex_complete``, ``cortex_try_complete``, ``cortex_count_tokens``).
  ``AI_COMPLETE(model, prompt [, model_parameters [, response_format]])`` is checked against its
  documented signature (model a string constant, model_parameters an object constant of the
  documented keys, response_format a JSON schema object {'type': 'json', 'schema': {...}}, checked
  on every row by ``RESPONSE_FORMAT_CHECK_FUNCTION``) and calls the emulator's
  ``cortex_ai_complete``; every answered row is metered (``METER_FUNCTION``) for the emulated
  CORTEX_AISQL_USAGE_HISTORY. ``AI_COUNT_TOKENS('ai_complete' | 'ai_embed', model, text)`` calls
  ``cortex_ai_count_tokens``. ``CURRENT_REGION()`` and ``CURRENT_ROLE()`` answer the account's
  region and the session's role.
- ``AI_EMBED(model, text)`` (model a string constant) calls the emulator's ``cortex_ai_embed``,
  metered per row as function AI_EMBED (``EMBED_METER_FUNCTION``: input tokens only). The vector
  is a DuckDB ``FLOAT[]`` (Snowflake's is a ``VECTOR(FLOAT, 768)``: the emulator's encoder has
  384 dimensions whatever the model), so a ``VECTOR(FLOAT, n)`` type in a cast or a column
  definition becomes ``FLOAT[]``.
- ``VECTOR_AVG(vectors)``, Snowflake's aggregate element-wise mean, becomes
  ``VECTOR_AVG_FUNCTION(list(vectors))``: DuckDB's ``list`` aggregate, then the mean in Python
  (the emulator's own ``vector_avg`` macro is per connection, so fakesnow's cursors cannot see
  it). ``VECTOR_COSINE_SIMILARITY(a, b)`` becomes DuckDB's ``list_cosine_similarity``: sqlglot
  reads it as ``CosineDistance`` and would write DuckDB's ``list_cosine_distance`` (1 minus the
  similarity).
- ``SNOWFLAKE.CORTEX.FINETUNE('CREATE', ...)`` calls ``cortex_finetune_create``; its training and
  validation queries are Snowflake SQL, so they go through fakesnow's transforms first, and an
  options object constant (``{'max_epochs': 3}``) becomes the JSON text the emulator takes.
  ``'DESCRIBE'`` / ``'SHOW'`` / ``'CANCEL'`` call the matching emulator functions. The emulator
  trains when a job is created; Snowflake trains asynchronously, so DESCRIBE and CANCEL also go
  through the harness's ``JOB_PROGRESS_FUNCTION`` / ``JOB_CANCEL_FUNCTION``, which report a new
  job as pending, then in progress, and let CANCEL stop it meanwhile.
- ``MD5_NUMBER_UPPER64(x)``: the upper 64 bits of md5 as an unsigned integer.
- ``SYSTEM$WAIT(n [, unit])``: answers ``waited n seconds`` at once.
- ``CREATE TEMPORARY TABLE / VIEW db.schema.name``: DuckDB keeps temporary relations in its own
  catalog, so the relation is created as a plain one under its qualified name.
- ``CREATE STAGE ... URL = 's3://...'``: no network; an external location the test registers
  (the quickstart's bucket) is served from a local directory.
- ``COPY INTO t FROM @stage`` without FILE_FORMAT: Snowflake applies the stage's file format;
  fakesnow drops it at CREATE STAGE, so the harness remembers it and adds it to the COPY.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import snowflake.connector.errors
import sqlglot
from sqlglot import exp

from .cortex_calls import CortexCall, cortex_call_of, is_string_literal

#: The harness's own SQL functions: DESCRIBE's answer as Snowflake gives it while a job trains,
#: and CANCEL's answer for a job the harness still reports as training.
JOB_PROGRESS_FUNCTION = "snowflake_harness_job_progress"
JOB_CANCEL_FUNCTION = "snowflake_harness_job_cancel"
#: The harness's meter of AI_COMPLETE rows, and its check of a response_format's shape.
METER_FUNCTION = "snowflake_harness_meter"
#: The harness's meter of AI_EMBED rows, and its VECTOR_AVG over a list of vectors.
EMBED_METER_FUNCTION = "snowflake_harness_meter_embed"
VECTOR_AVG_FUNCTION = "snowflake_harness_vector_avg"
RESPONSE_FORMAT_CHECK_FUNCTION = "snowflake_harness_check_response_format"
#: AI_COMPLETE's documented model_parameters (sql-reference/functions/ai_complete-single-string).
MODEL_PARAMETERS = frozenset({"temperature", "top_p", "max_tokens", "guardrails"})
#: The function names AI_COUNT_TOKENS counts for (its first argument).
COUNTED_FUNCTIONS = frozenset(
    {"ai_complete", "ai_classify", "ai_embed", "ai_filter", "ai_agg", "ai_sentiment"}
)
#: Those the harness emulates: AI_COUNT_TOKENS('<function>', model, text).
COUNTED_WITH_MODEL = frozenset({"ai_complete", "ai_embed"})

_MD5_UPPER64 = "cast('0x' || substr(md5(__md5_argument__), 1, 16) as ubigint)"


@dataclass
class RewriteContext:
    """What a rewrite needs from the session that runs the statement."""

    #: Snowflake SQL -> the DuckDB SQL fakesnow would run for it (for FINETUNE's queries).
    to_duckdb: Callable[[str], str]
    current_database: str | None
    current_schema: str | None
    #: Fully qualified stage name (upper case) -> its file format's name; shared by the account.
    stage_file_formats: dict[str, str] = field(default_factory=dict)
    #: External stage URL prefix (e.g. an S3 bucket) -> the local directory URI that serves it.
    external_locations: dict[str, str] = field(default_factory=dict)
    #: The id of the statement being rewritten (the query id its metered rows are billed to).
    query_id: str = ""
    #: The account's region (CURRENT_REGION()) and the session's role (CURRENT_ROLE()).
    region: str = "AWS_US_WEST_2"
    role: str = "PUBLIC"
    #: The SQL functions the emulator registered (the AI_* ones arrive with the emulator's update).
    emulated_functions: frozenset[str] = frozenset()


def rewrite_statement(expression: exp.Expr, context: RewriteContext) -> exp.Expr:
    """``expression`` with the features fakesnow lacks replaced by what it can run."""
    if isinstance(expression, exp.Create) and str(expression.args.get("kind")).upper() == "STAGE":
        _remember_stage_file_format(expression, context)
        _serve_external_location(expression, context)
    if isinstance(expression, exp.Copy):
        _add_stage_file_format(expression, context)
    if isinstance(expression, exp.Create):
        _keep_qualified_temporary_relation(expression)
    return _rewrite_tree(expression, context)


def snowflake_error(message: str) -> snowflake.connector.errors.ProgrammingError:
    """An error as Snowflake reports a statement it cannot compile."""
    return snowflake.connector.errors.ProgrammingError(
        msg=f"SQL compilation error:\n{message}", errno=1044, sqlstate="42P13"
    )


def _rewrite_tree(expression: exp.Expr, context: RewriteContext) -> exp.Expr:
    # sqlglot does not descend into a node it replaced: replacements rewrite their own arguments.
    return expression.transform(lambda node: _rewrite_node(node, context), copy=False)


def _rewrite_node(node: exp.Expr, context: RewriteContext) -> exp.Expr:
    call = cortex_call_of(node)
    if call is not None:
        rewritten = tuple(_rewrite_tree(argument.copy(), context) for argument in call.arguments)
        return _cortex(CortexCall(call.function, rewritten, call.node), context)
    if isinstance(node, exp.MD5NumberUpper64):
        return _md5_number_upper64(_rewrite_tree(node.this.copy(), context))
    if isinstance(node, exp.Anonymous) and node.name.upper() == "SYSTEM$WAIT":
        return _system_wait(node)
    if isinstance(node, exp.CurrentRegion) or (
        isinstance(node, exp.Anonymous) and node.name.upper() == "CURRENT_REGION"
    ):
        return exp.Literal.string(context.region)
    if isinstance(node, exp.CurrentRole):
        return exp.Literal.string(context.role)
    if isinstance(node, exp.CosineDistance):  # Snowflake's VECTOR_COSINE_SIMILARITY
        return _function(
            "list_cosine_similarity",
            _rewrite_tree(node.this.copy(), context),
            _rewrite_tree(node.expression.copy(), context),
        )
    if isinstance(node, exp.Anonymous) and node.name.upper() == "VECTOR_AVG":
        return _vector_avg(node, context)
    if isinstance(node, exp.DataType) and node.is_type(exp.DType.VECTOR):
        # A user-defined type: fakesnow turns an ARRAY type into JSON, and leaves this alone.
        return exp.DataType(this=exp.DType.USERDEFINED, kind="FLOAT[]")
    return node


# -- Cortex ------------------------------------------------------------------------------------


def _function(name: str, *arguments: exp.Expr) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=[argument.copy() for argument in arguments])


def _cortex(call: CortexCall, context: RewriteContext) -> exp.Expr:
    arguments = call.arguments
    if call.function == "AI_COMPLETE":
        return _ai_complete(call, context)
    if call.function == "AI_COUNT_TOKENS":
        return _ai_count_tokens(call, context)
    if call.function == "AI_EMBED":
        return _ai_embed(call, context)
    if call.function in {"COMPLETE", "TRY_COMPLETE"}:
        if len(arguments) != 2:
            raise snowflake_error(
                f"the harness emulates {call.function}(model, prompt) only, got "
                f"{len(arguments)} arguments (options make COMPLETE answer a JSON object)"
            )
        emulated = "cortex_try_complete" if call.function == "TRY_COMPLETE" else "cortex_complete"
        return _function(emulated, *arguments)
    if call.function == "COUNT_TOKENS":
        if len(arguments) != 2:
            raise snowflake_error(f"COUNT_TOKENS takes (model, text), got {len(arguments)} args")
        return _function("cortex_count_tokens", *arguments)
    return _finetune(call, context)


def _ai_complete(call: CortexCall, context: RewriteContext) -> exp.Expr:
    """AI_COMPLETE(model, prompt [, model_parameters [, response_format [, show_details]]]),
    checked against the documented signature, answered by the emulator and metered."""
    arguments = call.arguments
    if not 2 <= len(arguments) <= 4:
        raise snowflake_error(
            "the harness emulates AI_COMPLETE(model, prompt [, model_parameters "
            f"[, response_format]]), got {len(arguments)} arguments"
        )
    model, prompt = arguments[0], arguments[1]
    if not is_string_literal(model):
        raise snowflake_error(f"AI_COMPLETE's model must be a string constant, got {model.sql()}")
    parameters: exp.Expr = exp.Null()
    if len(arguments) > 2:
        parameters = exp.Literal.string(json.dumps(model_parameters_constant(arguments[2])))
    response_format: exp.Expr = exp.Null()
    if len(arguments) > 3:
        response_format = _function(
            RESPONSE_FORMAT_CHECK_FUNCTION, _json_text_of(arguments[3], "response_format")
        )
    if "cortex_ai_complete" in context.emulated_functions:
        answer = _function("cortex_ai_complete", model, prompt, parameters, response_format)
    elif isinstance(response_format, exp.Null):
        # The emulator before its AI_* functions: AI_COMPLETE without a response_format answers
        # like TRY_COMPLETE (null for a failed row).
        answer = _function("cortex_try_complete", model, prompt)
    else:
        raise snowflake_error(
            "the project's emulator has no cortex_ai_complete yet: AI_COMPLETE with a "
            "response_format cannot be emulated"
        )
    return _function(
        METER_FUNCTION,
        exp.Literal.string(context.query_id),
        exp.Literal.string("AI_COMPLETE"),
        model,
        prompt,
        response_format,
        answer,
    )


def model_parameters_constant(node: exp.Expr) -> dict[str, Any]:
    """AI_COMPLETE's model_parameters: an object constant of the documented keys."""
    if not isinstance(node, exp.Struct):
        raise snowflake_error(
            f"AI_COMPLETE's model_parameters must be an object constant, got {node.sql()}"
        )
    parameters = object_constant(node)
    unknown = set(parameters) - MODEL_PARAMETERS
    if unknown:
        raise snowflake_error(f"AI_COMPLETE has no model parameter {sorted(unknown)}")
    return parameters


def _json_text_of(node: exp.Expr, role: str) -> exp.Expr:
    """An OBJECT argument as the JSON text the emulator takes: PARSE_JSON(text) gives its text,
    an object constant its JSON."""
    if isinstance(node, exp.ParseJSON) or (
        isinstance(node, exp.Anonymous) and node.name.upper() == "PARSE_JSON"
    ):
        inner = node.this if isinstance(node, exp.ParseJSON) else node.expressions[0]
        return inner.copy()
    if isinstance(node, exp.Struct):
        return exp.Literal.string(json.dumps(object_constant(node)))
    raise snowflake_error(f"AI_COMPLETE's {role} must be an object, got {node.sql()}")


def check_response_format(text: str | None) -> str | None:
    """AI_COMPLETE's response_format: {'type': 'json', 'schema': <a JSON schema object>}."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"response_format is not JSON: {error}") from error
    if not isinstance(value, dict) or value.get("type") != "json":
        raise ValueError(f"response_format must be {{'type': 'json', 'schema': ...}}, got {text}")
    schema = value.get("schema")
    if not isinstance(schema, dict) or "type" not in schema:
        raise ValueError(f"response_format's schema must be a JSON schema object, got {schema!r}")
    if set(value) - {"type", "schema"}:
        raise ValueError(
            f"response_format has unknown keys {sorted(set(value) - {'type', 'schema'})}"
        )
    return text


def _ai_count_tokens(call: CortexCall, context: RewriteContext) -> exp.Expr:
    """AI_COUNT_TOKENS(function_name, model_name, input_text): the AI_COMPLETE and AI_EMBED
    forms."""
    arguments = call.arguments
    if len(arguments) != 3:
        raise snowflake_error(
            "the harness emulates AI_COUNT_TOKENS(function_name, model_name, input_text), got "
            f"{len(arguments)} arguments"
        )
    function_name, model, text = arguments
    if not is_string_literal(function_name) or function_name.name.lower() not in COUNTED_FUNCTIONS:
        raise snowflake_error(
            f"AI_COUNT_TOKENS' first argument must name an AI function, got {function_name.sql()}"
        )
    function = function_name.name.lower()
    if function not in COUNTED_WITH_MODEL or not is_string_literal(model):
        raise snowflake_error(
            "the harness emulates AI_COUNT_TOKENS('ai_complete' | 'ai_embed', model, text) only"
        )
    if "cortex_ai_count_tokens" in context.emulated_functions:
        return _function("cortex_ai_count_tokens", function_name, model, text)
    if function == "ai_embed":
        raise snowflake_error(
            "the project's emulator has no cortex_ai_count_tokens: AI_COUNT_TOKENS('ai_embed', "
            "...) cannot be emulated"
        )
    return _function("cortex_count_tokens", model, text)


def _ai_embed(call: CortexCall, context: RewriteContext) -> exp.Expr:
    """AI_EMBED(model, text) for text (sql-reference/functions/ai_embed): the model a string
    constant; answered by the emulator's encoder and metered per row."""
    arguments = call.arguments
    if len(arguments) != 2:
        raise snowflake_error(
            f"the harness emulates AI_EMBED(model, text) only, got {len(arguments)} arguments"
        )
    model, text = arguments
    if not is_string_literal(model):
        raise snowflake_error(f"AI_EMBED's model must be a string constant, got {model.sql()}")
    if "cortex_ai_embed" not in context.emulated_functions:
        raise snowflake_error(
            "the project's emulator has no cortex_ai_embed: AI_EMBED is not emulated"
        )
    return _function(
        EMBED_METER_FUNCTION,
        exp.Literal.string(context.query_id),
        model,
        text,
        _function("cortex_ai_embed", model, text),
    )


def _vector_avg(node: exp.Anonymous, context: RewriteContext) -> exp.Expr:
    """VECTOR_AVG(vectors) (an aggregate) as the mean of DuckDB's list of the group's vectors."""
    if len(node.expressions) != 1:
        raise snowflake_error(f"VECTOR_AVG takes one argument, got {len(node.expressions)}")
    vectors = _rewrite_tree(node.expressions[0].copy(), context)
    return _function(VECTOR_AVG_FUNCTION, exp.Anonymous(this="list", expressions=[vectors]))


def vector_avg(vectors: list[list[float] | None] | None) -> list[float] | None:
    """Snowflake's VECTOR_AVG over one group's vectors: the element-wise mean of the non-null
    ones; NULL for none. Vectors of different lengths are an error (a VECTOR column has one)."""
    present = [vector for vector in vectors or [] if vector is not None]
    if not present:
        return None
    if len({len(vector) for vector in present}) != 1:
        raise ValueError(
            f"VECTOR_AVG over vectors of different dimensions: {sorted({len(v) for v in present})}"
        )
    return [sum(values) / len(present) for values in zip(*present, strict=True)]


def _finetune(call: CortexCall, context: RewriteContext) -> exp.Expr:
    arguments = call.arguments
    verb = call.verb
    expected = {"CREATE": (4, 6), "DESCRIBE": (2, 2), "SHOW": (1, 1), "CANCEL": (2, 2)}
    if verb not in expected:
        raise snowflake_error(f"FINETUNE's first argument must be a verb literal, got {verb!r}")
    low, high = expected[verb]
    if not low <= len(arguments) <= high:
        raise snowflake_error(
            f"FINETUNE('{verb}') takes {low}-{high} arguments, got {len(arguments)}"
        )
    if verb == "DESCRIBE":
        return _function(JOB_PROGRESS_FUNCTION, _function("cortex_finetune_describe", arguments[1]))
    if verb == "SHOW":
        return _function("cortex_finetune_show")
    if verb == "CANCEL":
        cancelled = _function("cortex_finetune_cancel", arguments[1])
        return _function(JOB_CANCEL_FUNCTION, cancelled, arguments[1])

    name, base_model, training = arguments[1:4]
    validation = arguments[4] if len(arguments) > 4 else exp.Null()
    options = arguments[5] if len(arguments) > 5 else exp.Null()
    return _function(
        "cortex_finetune_create",
        name,
        base_model,
        _query_for_emulator(training, "training", context),
        _query_for_emulator(validation, "validation", context),
        _options_for_emulator(options),
    )


def _query_for_emulator(query: exp.Expr, role: str, context: RewriteContext) -> exp.Expr:
    """FINETUNE runs its query text as Snowflake SQL: hand the emulator fakesnow's DuckDB SQL."""
    if isinstance(query, exp.Null):
        return query
    if not is_string_literal(query):
        raise snowflake_error(
            f"FINETUNE's {role} query must be a string constant, got {query.sql()}"
        )
    if not query.name.strip():
        return exp.Literal.string("")
    return exp.Literal.string(context.to_duckdb(query.name))


def _options_for_emulator(options: exp.Expr) -> exp.Expr:
    """FINETUNE's options (an object constant, or its JSON text) as the emulator's JSON text."""
    if isinstance(options, exp.Null) or is_string_literal(options):
        return options
    if isinstance(options, exp.Struct):
        return exp.Literal.string(json.dumps(object_constant(options)))
    raise snowflake_error(f"FINETUNE's options must be an object or JSON text, got {options.sql()}")


def object_constant(node: exp.Struct) -> dict[str, Any]:
    """A Snowflake object constant ``{'key': value, ...}`` of literals as a Python dict."""
    result: dict[str, Any] = {}
    for item in node.expressions:
        if not isinstance(item, exp.PropertyEQ):
            raise snowflake_error(f"unexpected object constant entry {item.sql()}")
        result[item.this.name] = literal_value(item.expression)
    return result


def literal_value(node: exp.Expr) -> Any:
    """The Python value of a literal (string, number, boolean, null or object constant)."""
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.name
        number = float(node.name)
        return int(number) if number.is_integer() and "." not in node.name else number
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Struct):
        return object_constant(node)
    raise snowflake_error(f"not a constant: {node.sql()}")


# -- other functions ---------------------------------------------------------------------------


def _md5_number_upper64(argument: exp.Expr) -> exp.Expr:
    """Snowflake's MD5_NUMBER_UPPER64: md5's first 16 hex digits as an unsigned 64-bit number."""
    template = sqlglot.parse_one(_MD5_UPPER64, read="duckdb")
    return template.transform(
        lambda node: (
            argument.copy()
            if isinstance(node, exp.Column) and node.name == "__md5_argument__"
            else node
        )
    )


def _system_wait(node: exp.Anonymous) -> exp.Expr:
    """SYSTEM$WAIT(amount [, unit]) returns 'waited <amount> <unit>'; the harness does not sleep."""
    if not node.expressions or len(node.expressions) > 2:
        raise snowflake_error("SYSTEM$WAIT takes (amount [, time_unit])")
    amount = literal_value(node.expressions[0])
    unit = literal_value(node.expressions[1]) if len(node.expressions) > 1 else "SECONDS"
    return exp.Literal.string(f"waited {amount} {str(unit).lower()}")


def _keep_qualified_temporary_relation(create: exp.Create) -> None:
    """Snowflake creates a temporary table or view under a qualified name (dbt-snowflake does, for
    unit tests and incremental models); DuckDB keeps temporary relations in its own catalog. The
    harness creates it as a plain relation under that name instead (it is not dropped at the end
    of the session, which no test relies on)."""
    target = create.this
    if isinstance(target, exp.Schema):
        target = target.this
    properties = create.args.get("properties")
    if not (isinstance(target, exp.Table) and target.args.get("db") and properties is not None):
        return
    kept = [prop for prop in properties.expressions if not isinstance(prop, exp.TemporaryProperty)]
    if len(kept) != len(properties.expressions):
        properties.set("expressions", kept)


# -- stages ------------------------------------------------------------------------------------


def qualified_name(name: str, context: RewriteContext) -> str:
    """``name`` (1-3 dotted parts) fully qualified with the session's database and schema."""
    parts = [part.strip('"') for part in name.split(".")]
    defaults = [context.current_database or "", context.current_schema or ""]
    return ".".join([*defaults[: 3 - len(parts)], *parts]).upper()


def _dotted(node: exp.Expr) -> str:
    """A table-like name as dotted text, without the comments sqlglot attaches to it."""
    if isinstance(node, exp.Table):
        return ".".join(part.name for part in node.parts)
    return node.name


def _remember_stage_file_format(create: exp.Create, context: RewriteContext) -> None:
    stage = create.this
    properties = create.args.get("properties")
    if not isinstance(stage, exp.Table) or properties is None:
        return
    for prop in properties.expressions:
        if not isinstance(prop, exp.FileFormatProperty):
            continue
        for option in prop.expressions:
            if isinstance(option, exp.Property) and option.name.upper() == "FORMAT_NAME":
                format_name = qualified_name(_dotted(option.args["value"]), context)
                context.stage_file_formats[qualified_name(_dotted(stage), context)] = format_name


def _serve_external_location(create: exp.Create, context: RewriteContext) -> None:
    """An external stage on a URL the harness serves reads the local directory instead."""
    properties = create.args.get("properties")
    for prop in properties.expressions if properties is not None else []:
        value = prop.args.get("value")
        if not (isinstance(prop, exp.Property) and prop.name.upper() == "URL"):
            continue
        if not (isinstance(value, exp.Literal) and value.is_string):
            continue
        for prefix, local in context.external_locations.items():
            if value.name.startswith(prefix):
                served = local.rstrip("/") + "/" + value.name[len(prefix) :].lstrip("/")
                prop.set("value", exp.Literal.string(served))


def _add_stage_file_format(copy: exp.Copy, context: RewriteContext) -> None:
    params = copy.args.get("params") or []
    if any(param.this.name.upper() == "FILE_FORMAT" for param in params):
        return
    source = copy.args["files"][0]
    if not (isinstance(source, exp.Table) and isinstance(source.this, exp.Var)):
        return
    stage_reference = source.this.name
    if not stage_reference.startswith("@"):
        return
    stage = qualified_name(stage_reference[1:].split("/")[0], context)
    format_name = context.stage_file_formats.get(stage)
    if format_name is None:
        return
    parsed = sqlglot.parse_one(
        f"copy into t from @s file_format = (format_name = '{format_name}')", read="snowflake"
    )
    copy.set("params", [*params, *parsed.args["params"]])
