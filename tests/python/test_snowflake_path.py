"""The snowflake target, end to end, without an account.

One session fixture runs the production job on the ``snowflake`` target of profiles.example.yml
(dummy credentials from the environment), in process, against fakesnow with what fakesnow lacks
provided by ``snowflake_emulation`` (Cortex answered by the project's emulator). The source is
loaded by the project's own ``load_support_tickets`` (file format, stage, table, COPY); the
quickstart's S3 bucket is served from a local copy of the synthetic seed CSV, since S3 cannot be
reached offline. Then the tests check rows, the SQL every model, test and operation sends (it
must parse as Snowflake SQL), the Cortex calls' argument shapes, query tags and the cost guard.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlglot
import yaml
from catalog_models import CATALOG_ROWS
from snowflake_emulation import (
    PROJECT_DIR,
    CortexCall,
    EmulatedSnowflake,
    Invocation,
    SnowflakeProject,
    Statement,
    cortex_calls_in_sql,
    strip_query_comment,
)
from snowflake_emulation.features import literal_value
from sqlfluff.core import FluffConfig, Linter
from sqlglot import exp

from main_job import steps_for

PROJECT_VARS = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
QUICKSTART_BUCKET: str = PROJECT_VARS["tickets_stage_url"]
SEED_CSV = PROJECT_DIR / "seeds" / "support_tickets.csv"
FINETUNABLE_BASE_MODELS = {
    "llama3-8b",
    "llama3-70b",
    "llama3.1-8b",
    "llama3.1-70b",
    "mistral-7b",
    "mixtral-8x7b",
}
CATALOG_MODEL_NAMES = {row["model_name"] for row in CATALOG_ROWS}
MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,254}")
CORTEX_MODELS = {
    "int_teacher_labels__requested": PROJECT_VARS["teacher_model"],
    "int_finetuned_categories__requested": None,  # the fine-tuned model, resolved at run time
    "int_messages__requested": PROJECT_VARS["message_model"],
}
# The production job, exactly as `make run TARGET=snowflake` runs it (main_job/steps.py).
SNOWFLAKE_JOB = steps_for(loading_tickets=True)
BUILD_STEPS = [step.name for step in SNOWFLAKE_JOB if step.args[0] == "build"]
AI_COMPLETE_VARS = {"use_ai_complete": True}
VERSION_2_VARS = {"finetuned_model_version": "v2"}
SAMPLE_REQUEST = "'Somebody stole my phone on the train yesterday, please block it.'"
# COMPLETE and COUNT_TOKENS, which no model calls, through the project's macros.
INLINE_CORTEX = (
    "select {{ cortex_complete(var('teacher_model'), categorization_prompt(\""
    + SAMPLE_REQUEST
    + "\")) }} as answer, {{ cortex_count_tokens(var('teacher_model'), \""
    + SAMPLE_REQUEST
    + '") }} as tokens'
)

# FINETUNE('CREATE') with options but no validation query, which the job only sends when the eval
# split is empty.
INLINE_FINETUNE_WITHOUT_VALIDATION = (
    "select {{ cortex_finetune_create(finetuned_model_name(), var('finetune_base_model'),"
    " 'select prompt, completion from ' ~ ref('int_training_pairs__prepared'), none, 3) }}"
    " as job_id"
)
INLINE_STEPS = ("inline", "inline finetune", "inline ai")
OPERATIONS = {
    "load_support_tickets",
    "launch_finetune",
    "describe_finetune",
    "show_finetune_jobs",
    "cancel_finetune",
    "print_run_summary",
}

pytestmark = pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")


@dataclass
class SnowflakeRun:
    """The finished run: the project, its account and every command's invocation by step."""

    project: SnowflakeProject
    steps: dict[str, Invocation] = field(default_factory=dict)
    calls_before_rerun: dict[tuple[str, str], int] = field(default_factory=dict)
    calls_after_rerun: dict[tuple[str, str], int] = field(default_factory=dict)
    rows_before_guard: list[tuple] = field(default_factory=list)

    @property
    def account(self) -> EmulatedSnowflake:
        return self.project.account

    def run(self, step: str, *args: str, **kwargs) -> Invocation:
        self.steps[step] = self.project.invoke(*args, **kwargs)
        return self.steps[step]

    def rows(self, sql: str) -> list[tuple]:
        return self.project.query(sql)

    def statements(self, *steps: str) -> list[Statement]:
        return [statement for step in steps for statement in self.steps[step].statements]

    @property
    def ai_target(self) -> Path:
        return self.project.workdir / "target_ai_complete"


@pytest.fixture(scope="session")
def snowflake_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SnowflakeRun]:
    workdir = tmp_path_factory.mktemp("snowflake_target")
    bucket = workdir / "quickstart_bucket"
    bucket.mkdir()
    shutil.copy(SEED_CSV, bucket / "support_tickets.csv")
    account = EmulatedSnowflake(external_locations={QUICKSTART_BUCKET: bucket})
    run = SnowflakeRun(SnowflakeProject.create(workdir / "project", account))
    try:
        for step in SNOWFLAKE_JOB:
            run.run(step.name, *step.args)
        run.run("show jobs", "run-operation", "show_finetune_jobs")
        # A second model (version v2), launched with options and cancelled while it trains.
        for step, operation, args in (
            ("relaunch", "launch_finetune", ("--args", "{max_epochs: 2}")),
            ("cancel", "cancel_finetune", ()),
        ):
            run.run(
                step,
                "run-operation",
                operation,
                *args,
                vars=VERSION_2_VARS,
                target_path=run.project.workdir / "target_v2",
            )
        # A rerun with nothing new must send nothing to Cortex.
        run.calls_before_rerun = account.cortex_call_counts()
        run.run("rerun messages", "build", "--selector", "generate_messages")
        run.calls_after_rerun = account.cortex_call_counts()
        # Every model and test compiled for the snowflake target, plus the two calls no model
        # makes (COMPLETE and COUNT_TOKENS), then the same with AI_COMPLETE.
        run.run("inline", "show", "--inline", INLINE_CORTEX)
        run.run("inline finetune", "compile", "--inline", INLINE_FINETUNE_WITHOUT_VALIDATION)
        run.run("compile", "compile")  # last on this target path: its manifest.json is compile's
        run.run(
            "compile ai",
            "compile",
            "--select",
            *CORTEX_MODELS,
            vars=AI_COMPLETE_VARS,
            target_path=run.ai_target,
        )
        run.run(
            "inline ai",
            "show",
            "--inline",
            INLINE_CORTEX,
            vars=AI_COMPLETE_VARS,
            target_path=run.ai_target,
        )
        # The cost guard: a full refresh would re-send every ticket; a cap below stops it.
        run.rows_before_guard = run.rows(
            "select count(*), max(labeled_at) from int_teacher_labels__requested"
        )
        run.run(
            "guard",
            "run",
            "--select",
            "int_teacher_labels__requested",
            "--full-refresh",
            vars={"cortex_max_rows_per_model": 5},
            target_path=run.project.workdir / "target_guard",
            expect_success=False,
        )
        yield run
    finally:
        account.close()


# -- rows ----------------------------------------------------------------------------------------


def _seed_rows() -> list[dict[str, str]]:
    with SEED_CSV.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_loader_copies_the_quickstart_file_through_its_stage(snowflake_run: SnowflakeRun) -> None:
    bodies = [statement.body.lower() for statement in snowflake_run.statements("load_tickets")]
    kinds = [
        next(
            (
                kind
                for kind in ("create file format", "create stage", "create table", "copy into")
                if body.startswith(kind)
            ),
            None,
        )
        for body in bodies
    ]
    assert [kind for kind in kinds if kind] == [
        "create file format",
        "create stage",
        "create table",
        "copy into",
    ]
    assert any(QUICKSTART_BUCKET in body for body in bodies)  # sent as in production

    source = snowflake_run.project.relation(
        "support_tickets", schema=snowflake_run.project.schema + "_RAW"
    )
    loaded = snowflake_run.rows(
        f"select ticket_id, customer_name, request, contact_preference from {source}"
    )
    expected = [
        (row["ticket_id"], row["customer_name"], row["request"], row["contact_preference"])
        for row in _seed_rows()
    ]
    # SKIP_HEADER = 1 and FIELD_OPTIONALLY_ENCLOSED_BY = '"': no header row, quoted newlines,
    # commas and apostrophes kept; empty fields load as NULL (COPY's default for CSV).
    assert sorted(loaded, key=repr) == sorted(
        (tuple(value or None for value in row) for row in expected), key=repr
    )
    assert any("\n" in (row[2] or "") for row in loaded)


def test_every_staged_ticket_gets_one_valid_category(snowflake_run: SnowflakeRun) -> None:
    staged = {row[0] for row in snowflake_run.rows("select ticket_id from stg_support__tickets")}
    categorized = snowflake_run.rows(
        "select ticket_id, category, model, backend from ticket_categories"
    )
    valid = {row[0] for row in snowflake_run.rows("select category from valid_categories")}
    assert len(staged) > 100
    assert sorted(row[0] for row in categorized) == sorted(staged)
    assert {row[1] for row in categorized} <= valid
    finetuned_model = snowflake_run.project.relation(PROJECT_VARS["finetuned_model_name"])
    assert {row[2].upper() for row in categorized} == {finetuned_model.upper()}
    assert {row[3] for row in categorized} == {"snowflake-cortex"}


def test_split_is_md5_upper_64_bits_mod_100(snowflake_run: SnowflakeRun) -> None:
    rows = snowflake_run.rows("select ticket_id, split_bucket, split from int_tickets__split")
    marts = dict(snowflake_run.rows("select ticket_id, split from ticket_categories"))
    assert rows
    for ticket_id, bucket, split in rows:
        expected = int(hashlib.md5(ticket_id.encode()).hexdigest()[:16], 16) % 100
        assert (bucket, split) == (expected, "train" if expected < 80 else "eval"), ticket_id
        assert marts[ticket_id] == split
    assert {split for _, _, split in rows} == {"train", "eval"}


def test_the_launched_job_is_waited_for_and_succeeds(snowflake_run: SnowflakeRun) -> None:
    jobs = snowflake_run.rows(
        "select job_id, model_name, base_model, status, backend, target_name, options,"
        " trained_tokens, training_loss, finished_at from finetune_jobs order by launched_at"
    )
    assert len(jobs) == 2  # this one, and the cancelled v2
    job_id, model_name, base_model, status, backend, target_name, options, tokens, loss, done = (
        jobs[0]
    )
    assert (base_model, status, backend, target_name) == (
        "mistral-7b",
        "SUCCESS",
        "snowflake-cortex",
        "snowflake",
    )
    assert model_name.lower().endswith("." + PROJECT_VARS["finetuned_model_name"])
    assert json.loads(options) == {}
    assert tokens > 0 and loss is not None and done is not None

    # describe_finetune --args '{wait: true}' polled until the job ended, waiting between polls.
    waited = snowflake_run.statements("describe_finetune")
    statuses = [
        re.search(r"status = '(\w+)'", statement.body).group(1)
        for statement in waited
        if statement.body.lower().startswith("update")
    ]
    assert statuses == ["PENDING", "IN_PROGRESS", "SUCCESS"]
    assert sum("system$wait(" in statement.body.lower() for statement in waited) == 2


def test_a_job_cancelled_while_training_is_recorded_as_cancelled(
    snowflake_run: SnowflakeRun,
) -> None:
    relaunched = snowflake_run.rows(
        "select job_id, model_name, status, options, error_message, finished_at"
        " from finetune_jobs order by launched_at desc limit 1"
    )[0]
    job_id, model_name, status, options, error, finished = relaunched
    assert model_name.lower().endswith("." + PROJECT_VARS["finetuned_model_name"] + "_v2")
    assert json.loads(options) == {"max_epochs": 2}
    assert status == "CANCELLED" and "CANCELLED" in error and finished is not None
    cancel_calls = [
        call
        for statement in snowflake_run.statements("cancel")
        for call in cortex_calls_in_sql(statement.body)
        if call.verb == "CANCEL"
    ]
    assert [literal_value(call.arguments[1]) for call in cancel_calls] == [job_id]


def test_every_ticket_gets_a_message_on_the_channel_it_asked_for(
    snowflake_run: SnowflakeRun,
) -> None:
    messages = snowflake_run.rows(
        "select ticket_id, contact_preference, channel, message, model, backend"
        " from ticket_messages"
    )
    staged = snowflake_run.rows("select count(*) from stg_support__tickets")[0][0]
    assert len(messages) == staged
    for ticket_id, preference, channel, message, model, backend in messages:
        assert message and message.strip(), ticket_id
        assert channel == ("text message" if preference == "Text Message" else "email")
        assert (model, backend) == (PROJECT_VARS["message_model"], "snowflake-cortex")


def test_docs_catalog_describes_the_marts(snowflake_run: SnowflakeRun) -> None:
    """`dbt docs generate` (the job's docs step) read the relations' columns from Snowflake."""
    catalog = json.loads((snowflake_run.project.target_path / "catalog.json").read_text())
    for mart in ("ticket_categories", "ticket_messages"):
        columns = catalog["nodes"][f"model.support_ticket_llm.{mart}"]["columns"]
        assert {"TICKET_ID", "CATEGORY"} <= set(columns), mart


def test_a_rerun_with_nothing_new_sends_nothing_to_cortex(snowflake_run: SnowflakeRun) -> None:
    assert snowflake_run.calls_before_rerun
    assert snowflake_run.calls_after_rerun == snowflake_run.calls_before_rerun


def test_count_tokens_complete_and_ai_complete_answer(snowflake_run: SnowflakeRun) -> None:
    for step in ("inline", "inline ai"):
        table = snowflake_run.steps[step].result.result.results[0].agate_table
        answer, tokens = table.rows[0]
        assert "lost phone" in answer.lower(), (step, answer)
        assert int(tokens) > 5
    sent = [call.function for call in _calls(snowflake_run.statements("inline ai"))]
    assert "AI_COMPLETE" in sent and "COMPLETE" not in sent


# -- the SQL sent and compiled ------------------------------------------------------------------


def _calls(statements: list[Statement]) -> list[CortexCall]:
    return [
        call
        for statement in statements
        if _mentions_cortex(statement.body)
        for call in cortex_calls_in_sql(statement.bound_body)
    ]


def _mentions_cortex(sql: str) -> bool:
    lowered = sql.lower()
    return "snowflake.cortex." in lowered or "ai_complete(" in lowered


def _compiled_files(
    run: SnowflakeRun, folders: tuple[str, ...] = ("compiled", "run")
) -> list[Path]:
    roots = [run.project.target_path, run.ai_target]
    return sorted(
        path
        for root in roots
        for folder in folders
        for path in (root / folder).rglob("*.sql")
        if path.is_file()
    )


def _inline_sql(run: SnowflakeRun) -> list[str]:
    """The SQL the inline steps compiled (what `dbt compile/show --inline` rendered)."""
    return [run.steps[step].result.result.results[0].node.compiled_code for step in INLINE_STEPS]


def _sent_statements(run: SnowflakeRun) -> dict[str, Statement]:
    """Every distinct statement any command sent, by its text as Snowflake receives it."""
    return {statement.bound_body: statement for statement in run.account.statements}


def test_compile_renders_every_model_and_test(snowflake_run: SnowflakeRun) -> None:
    manifest = json.loads((snowflake_run.project.target_path / "manifest.json").read_text())
    nodes = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] in {"model", "test"}
        and node["package_name"] == "support_ticket_llm"
    ]
    assert {node["resource_type"] for node in nodes} == {"model", "test"}
    for node in nodes:
        assert node["compiled"] and node["compiled_code"].strip(), node["unique_id"]
        compiled_path = Path(node["compiled_path"])
        assert compiled_path.is_relative_to(snowflake_run.project.target_path), compiled_path
        assert compiled_path.is_file(), compiled_path
    # Unit tests are compiled when they run (dbt build): their SQL is in target/run.
    ran = {path.stem for path in (snowflake_run.project.target_path / "run").rglob("*.sql")}
    unit_tests = manifest["unit_tests"].values()
    assert unit_tests and all(test["name"] in ran for test in unit_tests)


def _normalized(sql: str) -> str:
    return " ".join(strip_query_comment(sql).split())


def test_every_statement_parses_as_snowflake_sql(snowflake_run: SnowflakeRun) -> None:
    """sqlfluff's Snowflake dialect parses every statement any command sent (models and tests
    as dbt ran them, operations, loads; bound as the connector binds them) and every compiled
    model and test that no sent statement already contains (the AI_COMPLETE variants, models
    no job builds)."""
    operations = {
        statement.connection_name.removeprefix("macro_")
        for statement in snowflake_run.account.statements
        if (statement.connection_name or "").startswith("macro_")
    }
    assert operations >= OPERATIONS  # every operation's statements are among those parsed
    sent = {_normalized(sql): sql for sql in _sent_statements(snowflake_run)}
    sources = {f"sent #{number}: {sql[:100]!r}": sql for number, sql in enumerate(sent.values())}
    compiled = {
        str(path): path.read_text() for path in _compiled_files(snowflake_run, ("compiled",))
    }
    compiled.update(zip(INLINE_STEPS, _inline_sql(snowflake_run), strict=True))
    for name, sql in compiled.items():
        if not any(_normalized(sql) in statement for statement in sent):
            sources[name] = sql
    assert len(sources) > 200
    linter = Linter(config=FluffConfig(overrides={"dialect": "snowflake", "templater": "raw"}))
    failures = []
    for name, sql in sources.items():
        parsed = linter.parse_string(sql)
        if (
            parsed.violations
            or parsed.tree is None
            or "unparsable" in parsed.tree.descendant_type_set
        ):
            failures.append(f"{name}: {[v.desc() for v in parsed.violations][:2]}")
    assert not failures, "\n".join(failures)


def _model_name(node: exp.Expr) -> str | None:
    return node.name if isinstance(node, exp.Literal) and node.is_string else None


def _finetune_query_problems(query: exp.Expr, role: str) -> list[str]:
    if not (isinstance(query, exp.Literal) and query.is_string):
        return [f"{role} query is not a string literal: {query.sql()}"]
    if not query.name.strip():
        # Snowflake's own client (snowflake-ml-python) sends NULL for "no validation query".
        return [f"{role} query is empty: pass NULL instead"]
    parsed = sqlglot.parse_one(query.name, read="snowflake")
    tables = list(parsed.find_all(exp.Table))
    problems = []
    if not isinstance(parsed, exp.Select) or parsed.named_selects != ["prompt", "completion"]:
        problems.append(f"{role} query must select exactly prompt, completion: {query.name}")
    if not tables or not all(table.catalog and table.db for table in tables):
        problems.append(f"{role} query must name fully qualified relations: {query.name}")
    return problems


def _options_problems(options: exp.Expr) -> list[str]:
    if isinstance(options, exp.Struct):
        value = literal_value(options)
    elif isinstance(options, exp.Literal) and options.is_string:
        value = json.loads(options.name)
    else:
        return [f"options must be an object constant or its JSON text: {options.sql()}"]
    epochs = value.get("max_epochs")
    if set(value) != {"max_epochs"} or not isinstance(epochs, int) or not 1 <= epochs <= 10:
        return [f"options must be {{'max_epochs': 1..10}}, got {value}"]
    return []


def _shape_problems(call: CortexCall) -> list[str]:
    """What is wrong with a call's arguments, against Snowflake's documented signatures."""
    args = call.arguments
    problems: list[str] = []
    if call.function in {"COMPLETE", "TRY_COMPLETE", "AI_COMPLETE"}:
        # (model, prompt [, options]); with options, COMPLETE answers a JSON object instead.
        if len(args) not in (2, 3):
            return [f"{call.shape}: takes (model, prompt [, options])"]
        if not MODEL_NAME.fullmatch(_model_name(args[0]) or ""):
            problems.append(f"{call.shape}: model must be a string literal: {args[0].sql()}")
        if isinstance(args[1], (exp.Struct, exp.Array, exp.Null)) or (
            isinstance(args[1], exp.Literal) and not args[1].is_string
        ):
            problems.append(f"{call.shape}: prompt must be text: {args[1].sql()}")
        if len(args) == 3 and not isinstance(args[2], exp.Struct):
            problems.append(f"{call.shape}: options must be an object: {args[2].sql()}")
    elif call.function == "COUNT_TOKENS":
        # (model, text); a foundation model: COUNT_TOKENS does not take fine-tuned models.
        if len(args) != 2:
            return [f"{call.shape}: takes (model, text)"]
        model = _model_name(args[0]) or ""
        if not MODEL_NAME.fullmatch(model) or model not in CATALOG_MODEL_NAMES:
            problems.append(f"{call.shape}: model must be a foundation model literal: {model!r}")
    elif call.verb == "CREATE":
        # ('CREATE', name, base_model, training_query [, validation_query [, options]])
        if not 4 <= len(args) <= 6:
            return [f"{call.shape}: takes 4 to 6 arguments"]
        name = _model_name(args[1]) or ""
        if len(name.split(".")) != 3 or not MODEL_NAME.fullmatch(name):
            problems.append(f"{call.shape}: name must be database.schema.name: {name!r}")
        if _model_name(args[2]) not in FINETUNABLE_BASE_MODELS:
            problems.append(f"{call.shape}: base model cannot be fine-tuned: {args[2].sql()}")
        problems += _finetune_query_problems(args[3], "training")
        if len(args) > 4 and not isinstance(args[4], exp.Null):
            problems += _finetune_query_problems(args[4], "validation")
        if len(args) > 5:
            problems += _options_problems(args[5])
    elif call.verb in {"DESCRIBE", "CANCEL"}:
        if len(args) != 2 or not _model_name(args[1]):
            problems.append(f"{call.shape}: takes ('{call.verb}', job_id literal)")
    elif call.verb == "SHOW":
        if len(args) != 1:
            problems.append(f"{call.shape}: takes ('SHOW') only")
    else:
        problems.append(f"{call.shape}: unknown FINETUNE verb")
    return problems


def test_every_cortex_call_has_the_documented_argument_shape(snowflake_run: SnowflakeRun) -> None:
    sources = [path.read_text() for path in _compiled_files(snowflake_run)]
    sources += list(_sent_statements(snowflake_run)) + _inline_sql(snowflake_run)
    calls = [call for sql in sources if _mentions_cortex(sql) for call in cortex_calls_in_sql(sql)]
    problems = [problem for call in calls for problem in _shape_problems(call)]
    assert not problems, "\n".join(problems)
    shapes = {call.shape for call in calls} | {
        f"{call.shape} without validation"
        for call in calls
        if call.verb == "CREATE"
        and len(call.arguments) == 6
        and isinstance(call.arguments[4], exp.Null)
    }
    assert shapes >= {
        "COMPLETE/2",
        "TRY_COMPLETE/2",
        "AI_COMPLETE/2",
        "COUNT_TOKENS/2",
        "FINETUNE('CREATE')/5",
        "FINETUNE('CREATE')/6",
        "FINETUNE('CREATE')/6 without validation",
        "FINETUNE('DESCRIBE')/2",
        "FINETUNE('SHOW')/1",
        "FINETUNE('CANCEL')/2",
    }


@pytest.mark.parametrize("use_ai_complete", [False, True], ids=["complete", "ai_complete"])
def test_each_cortex_model_calls_its_model_once_per_row(
    snowflake_run: SnowflakeRun, use_ai_complete: bool
) -> None:
    root = snowflake_run.ai_target if use_ai_complete else snowflake_run.project.target_path
    finetuned = snowflake_run.rows("select model_name from finetune_jobs where status = 'SUCCESS'")[
        0
    ][0]
    for model_name, expected_model in CORTEX_MODELS.items():
        (path,) = [
            path
            for path in (root / "compiled").glob(f"support_ticket_llm/models/**/{model_name}.sql")
            if not path.parent.name.endswith(".yml")  # a test's folder, not the model's
        ]
        calls = cortex_calls_in_sql(path.read_text())
        assert [call.function for call in calls] == [
            "AI_COMPLETE" if use_ai_complete else "TRY_COMPLETE"
        ], model_name
        model, prompt = calls[0].arguments
        assert _model_name(model) == (expected_model or finetuned), model_name
        assert isinstance(prompt, exp.Column) and prompt.name == "prompt", model_name


def test_cortex_calls_run_under_their_models_query_tag(snowflake_run: SnowflakeRun) -> None:
    """dbt-snowflake sent ALTER SESSION SET QUERY_TAG for every Cortex-calling model, and each
    Cortex statement ran under its own model's tag; everything else ran under the profile's."""
    manifest = json.loads((snowflake_run.project.target_path / "manifest.json").read_text())
    tags = {node_id: node["config"].get("query_tag") for node_id, node in manifest["nodes"].items()}
    built = snowflake_run.statements(*BUILD_STEPS)
    calling = {statement.node_id for statement in built if _calls([statement])}
    assert {f"model.support_ticket_llm.{name}" for name in CORTEX_MODELS} <= calling
    stages = []
    for node_id in calling:
        tag = json.loads(tags[node_id])
        assert (tag.get("project"), tag.get("model")) == (
            "support_ticket_llm",
            node_id.split(".")[-1],
        ), node_id
        assert set(tag) == {"project", "model", "stage"} and tag["stage"], node_id
        stages.append(tag["stage"])
    assert len(set(stages)) == len(stages)
    for statement in built:
        if _calls([statement]):
            assert statement.query_tag == tags[statement.node_id], statement.node_id
        elif statement.node_id and not tags.get(statement.node_id):
            assert statement.query_tag == "support_ticket_llm", statement.node_id


def test_the_cost_guard_stops_a_model_above_the_cap(snowflake_run: SnowflakeRun) -> None:
    guard = snowflake_run.steps["guard"]
    to_send = snowflake_run.rows(
        "select count(*) from int_tickets__split where is_in_teacher_sample"
    )
    message = guard.message
    assert f"would send {to_send[0][0]} rows to Cortex" in message, message
    assert "cap of 5" in message and "cortex_max_rows_per_model" in message
    assert not _calls(guard.statements)  # nothing reached Cortex
    assert not any(
        s.body.lower().startswith("create") and "int_teacher_labels__requested" in s.body
        for s in guard.statements
    )
    assert (
        snowflake_run.rows("select count(*), max(labeled_at) from int_teacher_labels__requested")
        == snowflake_run.rows_before_guard
    )


def test_dbt_connected_with_the_profile_filled_from_the_environment(
    snowflake_run: SnowflakeRun,
) -> None:
    sessions = snowflake_run.account.sessions
    assert sessions
    for session in sessions:
        arguments = session.arguments
        assert {key: arguments.get(key) for key in ("account", "user", "role", "warehouse")} == {
            "account": "emulated-account",
            "user": "dbt_ci",
            "role": "transformer",
            "warehouse": "transforming",
        }
        assert (arguments["database"], arguments["schema"]) == (
            "SUPPORT_TICKETS_CI",
            "support_tickets",
        )
        assert arguments["password"] == "<set>" and arguments["application"] == "dbt"
        assert arguments["session_parameters"] == {"QUERY_TAG": "support_ticket_llm"}
        # The empty authenticator and key-pair settings are ignored (no key, default auth).
        assert "authenticator" not in arguments and arguments["private_key"] is None
