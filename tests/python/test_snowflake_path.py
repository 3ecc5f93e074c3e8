"""The snowflake target, end to end, without an account.

One session fixture runs the production job with default vars (the embedding classifier student:
AI_EMBED once per ticket, trained and scored in SQL) on the ``snowflake`` target of
profiles.example.yml (dummy credentials from the environment), in process, against fakesnow with
what fakesnow lacks provided by ``snowflake_emulation`` (Cortex answered by the project's
emulator). A smaller module fixture runs it with FINETUNE too, for an account allowed to call
legacy fine-tuned models; others check the preflight per trainer and the harness's functions. The source is
loaded by the project's own ``load_support_tickets`` (file format, stage, table, COPY); the
quickstart's S3 bucket is served from a local copy of the synthetic seed CSV, since S3 cannot be
reached offline. The job starts with the preflight (the catalog seed, check_cortex_models against
the emulated SHOW CORTEX BASE MODELS) and ends with what Snowflake billed (the emulated
CORTEX_AISQL_USAGE_HISTORY, keyed by the query tags the run really sent). Then the tests check rows,
the SQL every model, test and operation sends (it must parse as Snowflake SQL), the Cortex calls'
argument shapes against the documented signatures, query tags, the preflight and the cost guard.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pytest
import snowflake.connector
import sqlglot
import yaml
from catalog_models import CATALOG_ROWS
from snowflake_emulation import (
    PROJECT_DIR,
    BaseModel,
    CortexCall,
    EmulatedSnowflake,
    Invocation,
    SnowflakeProject,
    Statement,
    catalog_base_models,
    cortex_calls_in_sql,
    strip_query_comment,
)
from snowflake_emulation.cortex_account import count_tokens, is_show_cortex_base_models
from snowflake_emulation.features import (
    MODEL_PARAMETERS,
    check_response_format,
    literal_value,
    object_constant,
)
from sqlfluff.core import FluffConfig, Linter
from sqlglot import exp

import cortex_emulator
from main_job import steps_for

PROJECT_VARS = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
QUICKSTART_BUCKET: str = PROJECT_VARS["tickets_stage_url"]
SEED_CSV = PROJECT_DIR / "seeds" / "support_tickets.csv"
CATALOG = CATALOG_ROWS
CATALOG_MODEL_NAMES = {row["model_name"] for row in CATALOG}
FINETUNABLE_BASE_MODELS = {
    row["model_name"] for row in CATALOG if row["is_finetune_base"] == "true"
}
#: What the catalog prices each model as (ai_complete, ai_embed, ...), and what a function takes.
CATALOG_PRICED_AS = {row["model_name"]: row["priced_as"] for row in CATALOG}
PRICED_AS_BY_FUNCTION = {"ai_complete": "ai_complete", "ai_embed": "ai_embed"}
#: Models no default may name: retired, or legacy (only accounts that used them may call them).
UNUSABLE_MODELS = {
    row["model_name"] for row in CATALOG if row["lifecycle"] in {"retired", "legacy"}
}
RETIRED_TEACHER = next(
    row
    for row in CATALOG
    if row["lifecycle"] == "retired" and row["end_of_life_on"] and "teacher" in row["roles"].split()
)
#: What the preflight logs on the snowflake target with default vars (trainer
#: embedding_classifier): the embedding model is checked by the catalog alone, since the emulated
#: SHOW CORTEX BASE MODELS, like the documented one as far as its page says, lists LLMs only.
DEFAULT_PREFLIGHT_LINE = (
    f"check_cortex_models (trainer embedding_classifier): teacher_model "
    f"{PROJECT_VARS['teacher_model']}, message_model {PROJECT_VARS['message_model']}, "
    f"embedding_model {PROJECT_VARS['embedding_model']} are usable (SHOW CORTEX BASE MODELS, "
    "TRANSFORMER in region AWS_US_WEST_2; embedding_model by the catalog alone: SHOW CORTEX "
    "BASE MODELS does not list it)."
)
MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,254}")
#: The models that call AI_COMPLETE with default vars, and the model each calls.
CORTEX_MODELS = {
    "int_teacher_labels__requested": PROJECT_VARS["teacher_model"],
    "int_messages__requested": PROJECT_VARS["message_model"],
}
#: The default student's AI_EMBED calls: once per ticket, with var embedding_model.
EMBEDDING_MODEL: str = PROJECT_VARS["embedding_model"]
EMBEDDING_CALLS = {"int_ticket_embeddings__requested": EMBEDDING_MODEL}
EMBEDDING_CLASSIFIER = PROJECT_VARS["embedding_classifier_name"]
# The production job, exactly as `make run TARGET=snowflake` runs it (main_job/steps.py).
SNOWFLAKE_JOB = steps_for(loading_tickets=True)
BUILD_STEPS = [step.name for step in SNOWFLAKE_JOB if step.args[0] == "build"]
LEGACY_VARS = {"cortex_function_names": "legacy"}
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
INLINE_STEPS = ("inline", "inline finetune", "inline legacy")
OPERATIONS = {
    "check_cortex_models",
    "load_billed_usage",
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
    def legacy_target(self) -> Path:
        return self.project.workdir / "target_legacy_functions"


@pytest.fixture(scope="session")
def snowflake_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SnowflakeRun]:
    workdir = tmp_path_factory.mktemp("snowflake_target")
    bucket = workdir / "quickstart_bucket"
    bucket.mkdir()
    shutil.copy(SEED_CSV, bucket / "support_tickets.csv")
    account = EmulatedSnowflake(external_locations={QUICKSTART_BUCKET: bucket})
    run = SnowflakeRun(SnowflakeProject.create(workdir / "project", account))
    try:
        # The preflight first (the catalog seed and check_cortex_models), the billed usage late.
        for step in SNOWFLAKE_JOB:
            if step.name == "load_billed_usage":
                # Hours later, the usage history has the run's rows.
                account.publish_usage_history(PROJECT_VARS["finetune_base_model"])
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
        # A rerun with nothing new must send nothing to Cortex (structured requests included).
        run.calls_before_rerun = account.cortex_call_counts()
        run.run("rerun labels", "build", "--selector", "prepare_training_data")
        run.run("rerun evaluation", "build", "--selector", "evaluate_models")
        run.run("rerun messages", "build", "--selector", "generate_messages")
        run.calls_after_rerun = account.cortex_call_counts()
        # The preflight refuses a retired model and one the region does not offer, before any call.
        run.run(
            "preflight retired",
            "run-operation",
            "check_cortex_models",
            vars={"teacher_model": RETIRED_TEACHER["model_name"]},
            expect_success=False,
        )
        offered = account.cortex_base_models
        teacher = PROJECT_VARS["teacher_model"]
        account.cortex_base_models = [model for model in offered if model.name != teacher]
        run.run("preflight missing", "run-operation", "check_cortex_models", expect_success=False)
        soon = dt.date.today() + dt.timedelta(days=30)
        account.cortex_base_models = [
            BaseModel(model.name, model.lifecycle_status, model.legacy_date, soon)
            if model.name == teacher
            else model
            for model in offered
        ]
        run.run("preflight warning", "run-operation", "check_cortex_models")
        account.cortex_base_models = offered
        # Every model and test compiled for the snowflake target, plus the calls no model makes
        # alone (a completion and a token count, inline), then the same with the legacy names.
        run.run("inline", "show", "--inline", INLINE_CORTEX)
        run.run("inline finetune", "compile", "--inline", INLINE_FINETUNE_WITHOUT_VALIDATION)
        run.run("compile", "compile")  # last on this target path: its manifest.json is compile's
        run.run(
            "compile legacy",
            "compile",
            "--select",
            *CORTEX_MODELS,
            *EMBEDDING_CALLS,
            vars=LEGACY_VARS,
            target_path=run.legacy_target,
        )
        run.run(
            "inline legacy",
            "show",
            "--inline",
            INLINE_CORTEX,
            vars=LEGACY_VARS,
            target_path=run.legacy_target,
        )
        # The cost guard: a full refresh (allowed by naming the model) would re-send every
        # ticket; a cap below stops it.
        run.rows_before_guard = run.rows(
            "select count(*), max(labeled_at) from int_teacher_labels__requested"
        )
        run.run(
            "guard",
            "run",
            "--select",
            "int_teacher_labels__requested",
            "--full-refresh",
            vars={
                "cortex_max_rows_per_model": 5,
                "refresh_paid_answers": ["int_teacher_labels__requested"],
            },
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
    # The default student: the embedding classifier, scored in SQL (no Cortex call).
    classifier = snowflake_run.project.relation(EMBEDDING_CLASSIFIER)
    assert {row[2].upper() for row in categorized} == {classifier.upper()}
    assert {row[3] for row in categorized} == {"sql-nearest-centroid"}


def test_split_is_md5_upper_64_bits_mod_100(snowflake_run: SnowflakeRun) -> None:
    rows = snowflake_run.rows("select ticket_id, split_bucket, split from int_tickets__split")
    marts = dict(snowflake_run.rows("select ticket_id, split from ticket_categories"))
    assert rows
    for ticket_id, bucket, split in rows:
        expected = int(hashlib.md5(ticket_id.encode()).hexdigest()[:16], 16) % 100
        assert (bucket, split) == (expected, "train" if expected < 80 else "eval"), ticket_id
        assert marts[ticket_id] == split
    assert {split for _, _, split in rows} == {"train", "eval"}


def _vector(value: object) -> np.ndarray:
    """A vector as the account returns it (a list of floats), as numpy."""
    assert isinstance(value, list) and value, value
    return np.asarray(value, dtype=float)


def test_the_launched_embedding_classifier_is_trained_in_sql_without_cortex(
    snowflake_run: SnowflakeRun,
) -> None:
    """launch_finetune records the default trainer's job, train_students trains it (one centroid
    per category: the mean embedding of the train-split tickets the teacher labelled so), and
    describe_finetune finds it trained at once: no Cortex call, no wait."""
    jobs = snowflake_run.rows(
        "select job_id, model_name, base_model, status, trainer, target_name, options"
        " from finetune_jobs order by launched_at"
    )
    assert len(jobs) == 2  # this one, and the cancelled v2
    job_id, model_name, base_model, status, trainer, target_name, options = jobs[0]
    assert (base_model, status, trainer, target_name) == (
        EMBEDDING_MODEL,
        "SUCCESS",
        "embedding_classifier",
        "snowflake",
    )
    assert model_name.lower() == snowflake_run.project.relation(EMBEDDING_CLASSIFIER).lower()
    assert json.loads(options) == {}

    labelled = snowflake_run.rows(
        "select pairs.completion, embeddings.embedding"
        " from int_training_pairs__prepared as pairs"
        " inner join int_ticket_embeddings__requested as embeddings"
        " on pairs.ticket_id = embeddings.ticket_id and pairs.prompt_hash = embeddings.prompt_hash"
        f" where pairs.split = 'train' and embeddings.model = '{EMBEDDING_MODEL}'"
        " and embeddings.embedding is not null"
    )
    by_category: dict[str, list[np.ndarray]] = {}
    for category, embedding in labelled:
        by_category.setdefault(category, []).append(_vector(embedding))
    centroids = snowflake_run.rows(
        "select category, centroid, training_examples, embedding_model"
        f" from int_student_centroids__trained where job_id = '{job_id}'"
    )
    assert len(by_category) > 3 and sorted(row[0] for row in centroids) == sorted(by_category)
    for category, centroid, examples, embedding_model in centroids:
        assert (examples, embedding_model) == (len(by_category[category]), EMBEDDING_MODEL)
        expected = np.mean(by_category[category], axis=0)
        assert _vector(centroid) == pytest.approx(expected, abs=1e-5), category

    steps = ("launch_finetune", "train_students", "describe_finetune")
    assert not _calls(snowflake_run.statements(*steps))
    described = snowflake_run.statements("describe_finetune")
    statuses = [
        re.search(r"status = '(\w+)'", statement.body).group(1)
        for statement in described
        if statement.body.lower().startswith("update")
    ]
    assert statuses == ["SUCCESS"]
    assert not any("system$wait(" in statement.body.lower() for statement in described)


def test_every_ticket_is_categorised_by_its_nearest_centroid(snowflake_run: SnowflakeRun) -> None:
    """The scoring SQL's VECTOR_COSINE_SIMILARITY, on the real rows: each ticket's category is
    the one whose centroid has the highest cosine similarity with its embedding."""
    [job_id] = [
        row[0]
        for row in snowflake_run.rows(
            "select job_id from finetune_jobs where status = 'SUCCESS' and trainer = "
            "'embedding_classifier'"
        )
    ]
    centroids = {
        category: _vector(centroid)
        for category, centroid in snowflake_run.rows(
            "select category, centroid from int_student_centroids__trained"
            f" where job_id = '{job_id}'"
        )
    }
    categorized = snowflake_run.rows(
        "select categories.ticket_id, categories.category, embeddings.embedding"
        " from ticket_categories as categories"
        " inner join int_ticket_embeddings__requested as embeddings"
        " on categories.ticket_id = embeddings.ticket_id"
        f" where embeddings.model = '{EMBEDDING_MODEL}' and embeddings.embedding is not null"
    )
    assert len(categorized) > 100
    names = sorted(centroids)
    matrix = np.stack([centroids[name] for name in names])
    for ticket_id, category, embedding in categorized:
        vector = _vector(embedding)
        similarities = matrix @ vector / (np.linalg.norm(matrix, axis=1) * np.linalg.norm(vector))
        assert category == names[int(np.argmax(similarities))], ticket_id


def test_a_version_cancelled_before_training_is_recorded_as_cancelled(
    snowflake_run: SnowflakeRun,
) -> None:
    relaunched = snowflake_run.rows(
        "select job_id, model_name, status, options from finetune_jobs"
        " order by launched_at desc limit 1"
    )[0]
    job_id, model_name, status, options = relaunched
    assert model_name.lower().endswith("." + EMBEDDING_CLASSIFIER + "_v2")
    assert status == "CANCELLED"
    assert json.loads(options) == {}  # max_epochs does not apply to a nearest-centroid classifier
    assert any(
        "max_epochs does not apply" in line for line in snowflake_run.steps["relaunch"].log_lines
    )
    assert snowflake_run.rows(
        f"select count(*) from int_student_centroids__trained where job_id = '{job_id}'"
    ) == [(0,)]
    assert not _calls(snowflake_run.statements("relaunch", "cancel"))


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


def test_ai_and_legacy_completions_and_token_counts_answer(snowflake_run: SnowflakeRun) -> None:
    for step in ("inline", "inline legacy"):
        table = snowflake_run.steps[step].result.result.results[0].agate_table
        answer, tokens = table.rows[0]
        assert "lost phone" in answer.lower(), (step, answer)
        assert int(tokens) > 5
    sent = [call.function for call in _calls(snowflake_run.statements("inline"))]
    assert sent == ["AI_COMPLETE", "AI_COUNT_TOKENS"]
    legacy = [call.function for call in _calls(snowflake_run.statements("inline legacy"))]
    assert legacy == ["TRY_COMPLETE", "COUNT_TOKENS"]


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
    return any(
        name in lowered
        for name in ("snowflake.cortex.", "ai_complete(", "ai_count_tokens(", "ai_embed(")
    )


def _compiled_files(
    run: SnowflakeRun, folders: tuple[str, ...] = ("compiled", "run")
) -> list[Path]:
    roots = [run.project.target_path, run.legacy_target]
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
    model and test that no sent statement already contains (the legacy-name variants, models
    no job builds)."""
    operations = {
        statement.connection_name.removeprefix("macro_")
        for statement in snowflake_run.account.statements
        if (statement.connection_name or "").startswith("macro_")
    }
    assert operations >= OPERATIONS  # every operation's statements are among those parsed
    # sqlfluff has no grammar for SHOW CORTEX BASE MODELS (2026): the harness checks it against
    # the documented syntax instead (snowflake_emulation.cortex_account).
    sent = {
        _normalized(sql): sql
        for sql in _sent_statements(snowflake_run)
        if not is_show_cortex_base_models(strip_query_comment(sql))
    }
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
    if call.function in {"COMPLETE", "TRY_COMPLETE"}:
        # The legacy names: (model, prompt) - with options they answer a JSON object instead.
        if len(args) != 2:
            return [f"{call.shape}: takes (model, prompt)"]
        problems += _model_and_prompt_problems(call)
    elif call.function == "AI_COMPLETE":
        # (model, prompt [, model_parameters [, response_format [, show_details]]])
        # (sql-reference/functions/ai_complete-single-string).
        if not 2 <= len(args) <= 4:
            return [f"{call.shape}: takes (model, prompt [, model_parameters [, response_format]])"]
        problems += _model_and_prompt_problems(call)
        if len(args) > 2:
            if not isinstance(args[2], exp.Struct):
                problems.append(
                    f"{call.shape}: model_parameters must be an object: {args[2].sql()}"
                )
            elif set(object_constant(args[2])) - MODEL_PARAMETERS:
                problems.append(f"{call.shape}: unknown model parameters: {args[2].sql()}")
        if len(args) > 3:
            # An OBJECT built from the JSON text category_response_format gives (every row's
            # value is checked by the harness while the query runs).
            response_format = args[3]
            if not (
                isinstance(response_format, exp.ParseJSON)
                and isinstance(response_format.this, exp.Column)
            ):
                problems.append(
                    f"{call.shape}: response_format must be parse_json(<column>): {response_format.sql()}"
                )
    elif call.function == "AI_COUNT_TOKENS":
        # (function_name, model_name, input_text) for AI_COMPLETE and AI_EMBED; no fine-tuned
        # model (sql-reference/functions/ai_count_tokens).
        if len(args) != 3:
            return [f"{call.shape}: takes ('ai_complete' | 'ai_embed', model, text)"]
        function = _model_name(args[0])
        if function not in PRICED_AS_BY_FUNCTION:
            problems.append(
                f"{call.shape}: first argument must be 'ai_complete' or 'ai_embed': {args[0].sql()}"
            )
        model = _model_name(args[1]) or ""
        if CATALOG_PRICED_AS.get(model) != PRICED_AS_BY_FUNCTION.get(function):
            problems.append(f"{call.shape}: model must be a {function} model literal: {model!r}")
    elif call.function == "AI_EMBED":
        # (model, input) for text (sql-reference/functions/ai_embed): an AI_EMBED model literal.
        if len(args) != 2:
            return [f"{call.shape}: takes (model, text)"]
        model = _model_name(args[0]) or ""
        if CATALOG_PRICED_AS.get(model) != "ai_embed":
            problems.append(f"{call.shape}: model must be an AI_EMBED model literal: {model!r}")
        if isinstance(args[1], (exp.Struct, exp.Array, exp.Null)):
            problems.append(f"{call.shape}: the input must be text: {args[1].sql()}")
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


def _model_and_prompt_problems(call: CortexCall) -> list[str]:
    model, prompt = call.arguments[:2]
    problems = []
    if not MODEL_NAME.fullmatch(_model_name(model) or ""):
        problems.append(f"{call.shape}: model must be a string literal: {model.sql()}")
    if isinstance(prompt, (exp.Struct, exp.Array, exp.Null)) or (
        isinstance(prompt, exp.Literal) and not prompt.is_string
    ):
        problems.append(f"{call.shape}: prompt must be text: {prompt.sql()}")
    return problems


def _call_shapes(sources: list[str]) -> set[str]:
    """The shapes of every Cortex call in ``sources``; fails on one of an undocumented shape."""
    calls = [call for sql in sources if _mentions_cortex(sql) for call in cortex_calls_in_sql(sql)]
    problems = [problem for call in calls for problem in _shape_problems(call)]
    assert not problems, "\n".join(problems)
    return {call.shape for call in calls} | {
        f"{call.shape} without validation"
        for call in calls
        if call.verb == "CREATE"
        and len(call.arguments) == 6
        and isinstance(call.arguments[4], exp.Null)
    }


def test_every_cortex_call_has_the_documented_argument_shape(snowflake_run: SnowflakeRun) -> None:
    sources = [path.read_text() for path in _compiled_files(snowflake_run)]
    sources += list(_sent_statements(snowflake_run)) + _inline_sql(snowflake_run)
    assert _call_shapes(sources) >= {
        "TRY_COMPLETE/2",
        "AI_COMPLETE/2",
        "AI_COMPLETE/3",
        "AI_COMPLETE/4",
        "AI_COUNT_TOKENS/3",
        "AI_EMBED/2",
        "COUNT_TOKENS/2",
        "FINETUNE('CREATE')/6 without validation",
    }


def test_each_cortex_model_calls_its_model_and_pays_once_per_request(
    snowflake_run: SnowflakeRun,
) -> None:
    for root, function in (
        (snowflake_run.project.target_path, "AI_COMPLETE"),
        (snowflake_run.legacy_target, "TRY_COMPLETE"),
    ):
        for model_name, expected_model in CORTEX_MODELS.items():
            calls = cortex_calls_in_sql(_compiled_model(root, model_name))
            # One call, or (structured output decided per row) one per branch of a CASE.
            assert calls and {call.function for call in calls} == {function}, model_name
            for call in calls:
                model, prompt = call.arguments[:2]
                assert _model_name(model) == expected_model, model_name
                assert isinstance(prompt, exp.Column) and prompt.name == "prompt", model_name
    # AI_EMBED has no legacy name the project calls: the same call in both.
    for root in (snowflake_run.project.target_path, snowflake_run.legacy_target):
        for model_name, expected_model in EMBEDDING_CALLS.items():
            calls = cortex_calls_in_sql(_compiled_model(root, model_name))
            assert [(call.function, _model_name(call.arguments[0])) for call in calls] == [
                ("AI_EMBED", expected_model)
            ], model_name
            assert isinstance(calls[0].arguments[1], exp.Column), model_name
            assert calls[0].arguments[1].name == "prompt", model_name
    # Each answered request was billed exactly once, in the run that asked it.
    billed = Counter(
        statement.node_id
        for call in snowflake_run.account.meter.calls
        for statement in [_statement_by_query_id(snowflake_run)[call.query_id]]
    )
    answers = {
        "int_teacher_labels__requested": "raw_response",
        "int_base_model_categories__requested": "raw_response",
        "int_messages__requested": "message",
        "int_ticket_embeddings__requested": "embedding",
    }
    for model_name, answer in answers.items():
        answered = snowflake_run.rows(f"select count({answer}) from {model_name}")[0][0]
        assert billed[f"model.support_ticket_llm.{model_name}"] == answered > 0, model_name
    # The default student calls no fine-tuned model: no other model was billed.
    assert {node for node in billed if node and node.startswith("model.")} == {
        f"model.support_ticket_llm.{name}" for name in answers
    }


def _compiled_model(root: Path, model_name: str) -> str:
    """The compiled SQL of one model under a target path."""
    (path,) = [
        path
        for path in (root / "compiled").glob(f"support_ticket_llm/models/**/{model_name}.sql")
        if not path.parent.name.endswith(".yml")  # a test's folder, not the model's
    ]
    return path.read_text()


def _statement_by_query_id(run: SnowflakeRun) -> dict[str, Statement]:
    return {statement.query_id: statement for statement in run.account.statements}


def test_cortex_calls_run_under_their_models_query_tag(snowflake_run: SnowflakeRun) -> None:
    """dbt-snowflake sent ALTER SESSION SET QUERY_TAG for every Cortex-calling model, and each
    Cortex statement ran under its own model's tag; everything else ran under the profile's."""
    manifest = json.loads((snowflake_run.project.target_path / "manifest.json").read_text())
    tags = {node_id: node["config"].get("query_tag") for node_id, node in manifest["nodes"].items()}
    built = snowflake_run.statements(*BUILD_STEPS)
    calling = {statement.node_id for statement in built if _calls([statement])}
    assert {
        f"model.support_ticket_llm.{name}" for name in (*CORTEX_MODELS, *EMBEDDING_CALLS)
    } <= calling
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
        "select count(*) from int_tickets__sampled where is_teacher_labeled"
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


# -- today's Cortex: defaults, preflight, structured output, billed usage, FINETUNE's future ------


def test_default_snowflake_target_names_no_unusable_model_and_no_legacy_function(
    snowflake_run: SnowflakeRun,
) -> None:
    """Everything compiled with default vars (models, tests, what the job sent): AI_* functions
    only, and no retired or legacy model of the catalog in any string literal."""
    sources = [
        path.read_text()
        for folder in ("compiled", "run")
        for path in (snowflake_run.project.target_path / folder).rglob("*.sql")
        if path.is_file()
    ]
    assert len(sources) > 50
    for sql in sources:
        lowered = sql.lower()
        for legacy in (
            "snowflake.cortex.complete",
            "snowflake.cortex.try_complete",
            "snowflake.cortex.count_tokens",
        ):
            assert legacy not in lowered
    literals = {
        literal.name
        for sql in sources
        for statement in sqlglot.parse(strip_query_comment(sql), read="snowflake")
        if statement is not None
        for literal in statement.find_all(exp.Literal)
        if literal.is_string
    }
    assert not literals & UNUSABLE_MODELS
    assert {PROJECT_VARS[name] for name in ("teacher_model", "message_model")} <= literals


def _upstream_models(manifest: dict, node_id: str) -> set[str]:
    """``node_id`` and every project model it depends on, directly or not."""
    found, pending = set(), [node_id]
    while pending:
        current = pending.pop()
        if current in found or not current.startswith("model.support_ticket_llm."):
            continue
        found.add(current)
        pending.extend(manifest["nodes"][current]["depends_on"]["nodes"])
    return found


def _string_literals(sql: str) -> set[str]:
    return {
        literal.name
        for statement in sqlglot.parse(strip_query_comment(sql), read="snowflake")
        if statement is not None
        for literal in statement.find_all(exp.Literal)
        if literal.is_string
    }


def test_the_default_scoring_path_embeds_with_ai_embed_and_names_no_unusable_model(
    snowflake_run: SnowflakeRun,
) -> None:
    """With default vars the models that categorise tickets (ticket_categories and everything
    it is built from) call AI_EMBED with var embedding_model, and neither their compiled SQL nor
    what the scoring sent names a legacy or retired model of the catalog."""
    manifest = json.loads((snowflake_run.project.target_path / "manifest.json").read_text())
    scoring = _upstream_models(manifest, "model.support_ticket_llm.ticket_categories")
    names = {manifest["nodes"][node_id]["name"] for node_id in scoring}
    assert {
        "int_ticket_embeddings__requested",
        "int_student_centroids__trained",
        "int_student_categories__scored",
        "int_teacher_labels__requested",
    } <= names
    compiled = {name: _compiled_model(snowflake_run.project.target_path, name) for name in names}
    calls = {
        name: cortex_calls_in_sql(sql) for name, sql in compiled.items() if _mentions_cortex(sql)
    }
    embedded = {
        (name, _model_name(call.arguments[0]))
        for name, found in calls.items()
        for call in found
        if call.function == "AI_EMBED"
    }
    assert embedded == {("int_ticket_embeddings__requested", EMBEDDING_MODEL)}
    assert "vector_cosine_similarity(" in compiled["int_student_categories__scored"].lower()
    assert "vector_avg(" in compiled["int_student_centroids__trained"].lower()
    named = {model for sql in compiled.values() for model in _string_literals(sql)}
    assert not named & UNUSABLE_MODELS, named & UNUSABLE_MODELS
    assert {EMBEDDING_MODEL, PROJECT_VARS["teacher_model"]} <= named

    # What the run sent: the embeddings with the embedding model; scoring and training, nothing.
    sent_embeddings = [
        call
        for statement in snowflake_run.statements("prepare_training_data")
        if statement.node_id == "model.support_ticket_llm.int_ticket_embeddings__requested"
        for call in _calls([statement])
    ]
    assert sent_embeddings
    assert {(call.function, _model_name(call.arguments[0])) for call in sent_embeddings} == {
        ("AI_EMBED", EMBEDDING_MODEL)
    }
    stored = snowflake_run.rows("select distinct model from int_ticket_embeddings__requested")
    assert stored == [(EMBEDDING_MODEL,)]
    billed_models = {call.model for call in snowflake_run.account.meter.calls}
    assert EMBEDDING_MODEL in billed_models and not billed_models & UNUSABLE_MODELS
    # Training and scoring the embedding classifier bill nothing.
    scoring_steps = {
        statement.query_id
        for statement in snowflake_run.statements("train_students", "score_with_finetuned_model")
    }
    assert not [
        call for call in snowflake_run.account.meter.calls if call.query_id in scoring_steps
    ]


def _finetuned_model_names_sent(run: SnowflakeRun, *steps: str) -> set[str]:
    """The fine-tuned models (var finetuned_model_name's family) AI_COMPLETE calls name."""
    family = PROJECT_VARS["finetuned_model_name"].lower()
    return {
        model
        for call in _calls(run.statements(*steps))
        if call.function in {"AI_COMPLETE", "TRY_COMPLETE", "COMPLETE"}
        for model in [(_model_name(call.arguments[0]) or "").lower()]
        if model.split(".")[-1].startswith(family)
    }


def test_the_default_scoring_path_sends_no_call_naming_a_finetuned_model(
    snowflake_run: SnowflakeRun,
) -> None:
    steps = [step.name for step in SNOWFLAKE_JOB if step.name in snowflake_run.steps]
    assert _finetuned_model_names_sent(snowflake_run, *steps) == set()


def test_the_preflight_runs_show_cortex_base_models_before_any_cortex_call(
    snowflake_run: SnowflakeRun,
) -> None:
    statements = snowflake_run.statements("check_cortex_models")
    shows = [s.body for s in statements if s.body.lower().startswith("show cortex base models")]
    assert shows == ["show cortex base models in schema snowflake.models"]
    assert not _calls(statements)
    first_call = next(
        index
        for index, statement in enumerate(snowflake_run.account.statements)
        if _calls([statement])
    )
    preflight = snowflake_run.account.statements.index(statements[0])
    assert preflight < first_call
    [line] = [
        line for line in snowflake_run.steps["check_cortex_models"].log_lines if "usable" in line
    ]
    assert line == DEFAULT_PREFLIGHT_LINE


def _usable(role: str, offered: set[str]) -> str:
    today = dt.date.today()
    return ", ".join(
        sorted(
            row["model_name"]
            for row in CATALOG
            if role in row["roles"].split()
            and row["lifecycle"] in {"ga", "preview"}
            and not (
                row["end_of_life_on"] and dt.date.fromisoformat(row["end_of_life_on"]) <= today
            )
            and row["model_name"] in offered
        )
    )


def test_the_preflight_refuses_a_retired_model_naming_why_and_what_to_use(
    snowflake_run: SnowflakeRun,
) -> None:
    refused = snowflake_run.steps["preflight retired"]
    offered = {model.name for model in catalog_base_models()}
    expected = (
        f"teacher_model = {RETIRED_TEACHER['model_name']}: retired on "
        f"{RETIRED_TEACHER['end_of_life_on']}. Usable teacher models in the catalog: "
        f"{_usable('teacher', offered)}."
    )
    assert expected in refused.message, refused.message
    assert "nothing was sent to Cortex" in refused.message
    assert not _calls(refused.statements)


def test_the_preflight_refuses_a_model_the_region_does_not_offer(
    snowflake_run: SnowflakeRun,
) -> None:
    refused = snowflake_run.steps["preflight missing"]
    teacher = PROJECT_VARS["teacher_model"]
    offered = {model.name for model in catalog_base_models()} - {teacher}
    expected = (
        f"teacher_model = {teacher}: missing: SHOW CORTEX BASE MODELS does not list it for role "
        f"TRANSFORMER in region AWS_US_WEST_2. Usable teacher models in the catalog: "
        f"{_usable('teacher', offered)}."
    )
    assert expected in refused.message, refused.message
    assert not _calls(refused.statements)


def test_the_preflight_warns_within_60_days_of_an_end_of_life(snowflake_run: SnowflakeRun) -> None:
    warned = snowflake_run.steps["preflight warning"]
    soon = dt.date.today() + dt.timedelta(days=30)
    assert any(
        f"teacher_model = {PROJECT_VARS['teacher_model']}: reaches its end of life on {soon} (in 30 days)"
        in line
        for line in warned.log_lines
    ), warned.log_lines


def test_structured_output_answers_are_json_within_the_category_enum(
    snowflake_run: SnowflakeRun,
) -> None:
    categories = {row[0] for row in snowflake_run.rows("select category from valid_categories")}
    teacher = snowflake_run.rows(
        "select is_structured_output, raw_response, category from int_teacher_labels__normalized"
    )
    assert teacher and {row[0] for row in teacher} == {True}
    assert all(json.loads(raw)["category"] == category for _, raw, category in teacher)
    assert {category for _, _, category in teacher} <= categories
    # The response_format every structured request sent: the valid categories as the enum.
    sent = {
        call.arguments[3].this.name
        for statement in snowflake_run.statements("prepare_training_data")
        for call in _calls([statement])
        if len(call.arguments) == 4
    }
    assert sent == {"response_format"}
    response_format = json.loads(
        snowflake_run.rows(
            "select to_json(object_construct('type', 'json', 'schema', object_construct('type', "
            "'object', 'properties', object_construct('category', object_construct('type', "
            "'string', 'enum', array_agg(category) within group (order by category))), "
            "'required', array_construct('category'), 'additionalProperties', false))) "
            "from valid_categories"
        )[0][0]
    )
    assert check_response_format(json.dumps(response_format))
    assert response_format["schema"]["properties"]["category"]["enum"] == sorted(categories)
    with pytest.raises(ValueError, match="schema"):
        check_response_format('{"type": "json", "schema": "category"}')
    # The evaluation shows format validity with and without structured output for the base model.
    validity = dict(snowflake_run.rows("select model_role, format_validity from model_evaluation"))
    assert validity["base_zero_shot_structured"] > validity["base_zero_shot"]


def test_billed_usage_sits_beside_the_estimate_per_stage_and_model(
    snowflake_run: SnowflakeRun,
) -> None:
    copied = snowflake_run.rows(
        "select pipeline_stage, dbt_model, model_name, query_id, query_tag from cortex_billed_usage_history"
    )
    sent = _statement_by_query_id(snowflake_run)
    assert copied
    for stage, dbt_model, _billed_model, query_id, query_tag in copied:
        # Keyed by the QUERY_TAG the run really sent with the query.
        assert sent[query_id].query_tag == query_tag
        assert json.loads(query_tag) == {
            "project": "support_ticket_llm",
            "model": dbt_model,
            "stage": stage,
        }
    report = {
        row[0]: row[1:]
        for row in snowflake_run.rows(
            "select pipeline_stage, estimated_credits, billed_credits, credits_difference, "
            "is_billed_usage_read, billed_queries from cortex_billed_usage"
        )
    }
    assert set(report) >= {
        "teacher labels",
        "ticket embeddings",
        "base model evaluation",
        "messages",
    }
    for stage in ("teacher labels", "ticket embeddings", "base model evaluation"):
        estimated, billed, difference, is_read, queries = report[stage]
        assert is_read and queries >= 1 and billed > 0 and estimated > 0, stage
        assert difference == pytest.approx(billed - estimated), stage
    assert report["messages"][0] is None and report["messages"][1] > 0


def test_a_role_without_account_usage_keeps_the_estimate_with_a_warning(tmp_path: Path) -> None:
    account = EmulatedSnowflake(emulate_cortex=False, account_usage_access=False)
    try:
        project = SnowflakeProject.create(tmp_path / "project", account)
        loaded = project.invoke("run-operation", "load_billed_usage")
        assert any(
            "role transformer cannot read SNOWFLAKE.ACCOUNT_USAGE.CORTEX_AISQL_USAGE_HISTORY"
            in line
            and "estimate" in line
            for line in loaded.log_lines
        ), loaded.log_lines
        assert project.query("select count(*) from cortex_billed_usage_history") == [(0,)]
    finally:
        account.close()


#: CORTEX_AISQL_USAGE_HISTORY's columns (sql-reference/account-usage/cortex_aisql_usage_history).
USAGE_HISTORY_COLUMNS = {
    "USAGE_TIME",
    "MODEL_NAME",
    "FUNCTION_NAME",
    "TOKEN_CREDITS",
    "TOKENS",
    "TOKEN_CREDITS_GRANULAR",
    "TOKENS_GRANULAR",
    "QUERY_ID",
    "QUERY_TAG",
    "USER_ID",
    "WAREHOUSE_ID",
}


def test_the_usage_history_query_reads_only_documented_columns(snowflake_run: SnowflakeRun) -> None:
    [query] = [
        statement.body
        for statement in snowflake_run.statements("load_billed_usage")
        if "cortex_aisql_usage_history" in statement.body.lower()
        and statement.body.lower().startswith("insert")
    ]
    parsed = sqlglot.parse_one(query, read="snowflake")
    [view] = [
        table
        for table in parsed.find_all(exp.Table)
        if table.name.upper() == "CORTEX_AISQL_USAGE_HISTORY"
    ]
    assert (view.catalog.upper(), view.db.upper()) == ("SNOWFLAKE", "ACCOUNT_USAGE")
    read = {
        column.name.upper()
        for column in parsed.find_all(exp.Column)
        if column.table.lower() == view.alias_or_name.lower()
    }
    assert read and read <= USAGE_HISTORY_COLUMNS, read - USAGE_HISTORY_COLUMNS
    # Only this project's rows: the filter is on the query tag's project.
    where = parsed.find(exp.Where)
    assert (
        where is not None
        and "query_tag" in where.sql().lower()
        and "support_ticket_llm" in where.sql()
    )


# -- the harness's AI_EMBED, AI_COUNT_TOKENS('ai_embed'), VECTOR_AVG, VECTOR_COSINE_SIMILARITY ----

EMBEDDING_ROW = next(row for row in CATALOG if row["model_name"] == EMBEDDING_MODEL)
HARNESS_TICKETS = (
    (1, "Cellular", "Somebody stole my phone on the train, please block it."),
    (2, "Cellular", "I was charged too much for roaming in Lisbon."),
    (3, "Home Internet", None),
)


@pytest.fixture
def harness_cursor() -> Iterator[tuple[EmulatedSnowflake, list[Statement], object]]:
    """A cursor on an emulated account with the Cortex emulator, as dbt-snowflake gets one, over
    a table of three tickets (one without a request)."""
    account = EmulatedSnowflake()
    try:
        with account.connected("harness") as statements:
            connection = snowflake.connector.connect(
                account="emulated-account",
                user="dbt_ci",
                password="not-a-real-password",
                database="HARNESS",
                schema="VECTORS",
            )
            cursor = connection.cursor()
            cursor.execute("create table tickets (ticket_id int, service_type text, request text)")
            cursor.executemany("insert into tickets values (%s, %s, %s)", list(HARNESS_TICKETS))
            yield account, statements, cursor
    finally:
        account.close()


def _emulator_vector(account: EmulatedSnowflake, text: str) -> list[float]:
    """What the emulator's own cortex_ai_embed answers for ``text`` (no harness in between)."""
    [(vector,)] = account.query(
        f"select cortex_ai_embed('{EMBEDDING_MODEL}', '{text.replace(chr(39), chr(39) * 2)}')"
    )
    return list(vector)


def test_the_harness_answers_ai_embed_with_the_emulator_and_meters_each_row(
    harness_cursor: tuple[EmulatedSnowflake, list[Statement], object],
) -> None:
    account, statements, cursor = harness_cursor
    cursor.execute(
        "create or replace table embeddings as select ticket_id, service_type, "
        f"ai_embed('{EMBEDDING_MODEL}', request) as embedding from tickets"
    )
    cursor.execute("select ticket_id, embedding from embeddings order by ticket_id")
    rows = cursor.fetchall()
    assert [ticket_id for ticket_id, _ in rows] == [1, 2, 3]
    for (ticket_id, embedding), (_, _, request) in zip(rows, HARNESS_TICKETS, strict=True):
        if request is None:
            assert embedding is None, ticket_id  # a NULL text embeds to NULL, unbilled
        else:
            assert embedding == pytest.approx(_emulator_vector(account, request)), ticket_id
    [create] = [s for s in statements if s.body.lower().startswith("create or replace table")]
    assert [call.shape for call in cortex_calls_in_sql(create.body)] == ["AI_EMBED/2"]

    embedded = [call for call in account.meter.calls if call.function_name == "AI_EMBED"]
    assert sorted(call.input_tokens for call in embedded) == sorted(
        count_tokens(request) for _, _, request in HARNESS_TICKETS if request
    )
    assert {(call.model, call.output_tokens, call.query_id) for call in embedded} == {
        (EMBEDDING_MODEL, 0, create.query_id)
    }
    [usage] = account.meter.usage_history_rows(
        {create.query_id: create}, PROJECT_VARS["finetune_base_model"]
    )
    rate = float(EMBEDDING_ROW["input_credits_per_million_tokens"])
    assert (usage["function_name"], usage["model_name"]) == ("AI_EMBED", EMBEDDING_MODEL)
    assert usage["tokens"] == sum(call.input_tokens for call in embedded) > 0
    assert usage["token_credits"] == pytest.approx(usage["tokens"] * rate / 1e6)


def test_the_harness_refuses_ai_embed_of_a_model_that_is_no_embedding_model(
    harness_cursor: tuple[EmulatedSnowflake, list[Statement], object],
) -> None:
    account, _, cursor = harness_cursor
    with pytest.raises(Exception, match="AI_EMBED does not know the model"):
        cursor.execute(f"select ai_embed('{PROJECT_VARS['teacher_model']}', request) from tickets")
    with pytest.raises(snowflake.connector.errors.ProgrammingError, match="string constant"):
        cursor.execute("select ai_embed(service_type, request) from tickets")
    assert not account.meter.calls


def test_the_harness_counts_ai_embed_tokens_as_the_emulator_does(
    harness_cursor: tuple[EmulatedSnowflake, list[Statement], object],
) -> None:
    _, statements, cursor = harness_cursor
    cursor.execute(
        f"select ticket_id, ai_count_tokens('ai_embed', '{EMBEDDING_MODEL}', request) "
        "from tickets order by ticket_id"
    )
    assert cursor.fetchall() == [
        (ticket_id, count_tokens(request) if request else None)
        for ticket_id, _, request in HARNESS_TICKETS
    ]
    assert [call.shape for call in cortex_calls_in_sql(statements[-1].body)] == [
        "AI_COUNT_TOKENS/3"
    ]


def test_vector_columns_hold_the_embeddings(
    harness_cursor: tuple[EmulatedSnowflake, list[Statement], object],
) -> None:
    """A VECTOR(FLOAT, 768) column (a DuckDB FLOAT[] here) takes AI_EMBED's answers and casts."""
    account, _, cursor = harness_cursor
    cursor.execute("create table stored (ticket_id int, embedding vector(float, 768))")
    cursor.execute(
        f"insert into stored select ticket_id, ai_embed('{EMBEDDING_MODEL}', request) "
        "from tickets where request is not null"
    )
    cursor.execute(
        "select ticket_id, embedding::vector(float, 768) from stored where ticket_id = 1"
    )
    [(ticket_id, embedding)] = cursor.fetchall()
    assert embedding == pytest.approx(_emulator_vector(account, HARNESS_TICKETS[0][2]))


def test_vector_avg_is_the_mean_per_group_as_the_local_emulator_computes_it(
    harness_cursor: tuple[EmulatedSnowflake, list[Statement], object],
) -> None:
    _, _, cursor = harness_cursor
    cursor.execute("create table vectors (category text, embedding vector(float, 2))")
    values = [("A", [1.0, 2.0]), ("A", [3.0, 6.0]), ("B", [5.0, -1.0]), ("B", None), ("C", None)]
    for category, vector in values:
        literal = "null" if vector is None else f"{vector}::vector(float, 2)"
        cursor.execute(f"insert into vectors select '{category}', {literal}")
    average = "select category, vector_avg(embedding) from vectors group by category order by 1"
    cursor.execute(average)
    harness = cursor.fetchall()
    assert harness == [("A", [2.0, 4.0]), ("B", [5.0, -1.0]), ("C", None)]

    # The local target's VECTOR_AVG (the emulator's DuckDB macro) gives the same rows.
    local = duckdb.connect()
    try:
        cortex_emulator.register(local)
        local.execute("create table vectors (category text, embedding float[])")
        local.executemany("insert into vectors values (?, ?)", values)
        emulated = [
            (category, None if vector is None else [float(x) for x in vector])
            for category, vector in local.execute(average).fetchall()
        ]
    finally:
        local.close()
    assert emulated == harness


def test_vector_cosine_similarity_is_the_similarity_not_the_distance(
    harness_cursor: tuple[EmulatedSnowflake, list[Statement], object],
) -> None:
    """sqlglot reads VECTOR_COSINE_SIMILARITY as CosineDistance and would write DuckDB's
    list_cosine_distance (1 - similarity); the harness computes the similarity."""
    _, _, cursor = harness_cursor
    cursor.execute(
        "select vector_cosine_similarity([1, 0]::vector(float, 2), b::vector(float, 2)) "
        "from (select [1, 0] as b, 1 as n union all select [0, 1], 2 union all "
        "select [-1, 0], 3 union all select [2, 2], 4) order by n"
    )
    assert [row[0] for row in cursor.fetchall()] == pytest.approx([1.0, 0.0, -1.0, 2**-0.5])


def test_the_call_finder_finds_ai_embed_wherever_it_sits() -> None:
    sql = (
        "with embedded as (select ai_embed('m', request) as e from t) "
        "select vector_cosine_similarity(e, (select vector_avg(ai_embed('m', 'x')) from t)) "
        "from embedded"
    )
    calls = cortex_calls_in_sql(sql)
    assert [(call.function, call.shape) for call in calls] == [("AI_EMBED", "AI_EMBED/2")] * 2


# -- the preflight per trainer, on the snowflake target ------------------------------------------

FINETUNED_ROW = next(
    row
    for row in CATALOG
    if row["model_name"] == f"{PROJECT_VARS['finetune_base_model']}:finetuned"
)
LEGACY_RULE = (
    '"If your account had not used the model anywhere before August 12, 2026, the account '
    "can't start using it. Queries and API calls that name the model fail.\""
)
FINETUNE_VARS = {"trainer": "cortex_finetune"}


def _small_snowflake_project(workdir: Path, tickets: int = 60) -> SnowflakeProject:
    """A project on an account of its own whose quickstart bucket serves the seed's first
    ``tickets`` tickets (enough to train, few enough to be quick)."""
    bucket = workdir / "quickstart_bucket"
    bucket.mkdir(parents=True)
    rows = _seed_rows()[:tickets]
    with (bucket / "support_tickets.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    account = EmulatedSnowflake(external_locations={QUICKSTART_BUCKET: bucket})
    return SnowflakeProject.create(workdir / "project", account)


def _run_job_until_a_step_fails(
    project: SnowflakeProject, vars: dict[str, object], last_step: str
) -> dict[str, Invocation]:
    """The production job's steps in order, up to ``last_step``, stopping at the first step that
    fails (as `make run`, the dbt Cloud job and the Snowflake task graph do)."""
    ran: dict[str, Invocation] = {}
    for step in SNOWFLAKE_JOB:
        ran[step.name] = project.invoke(*step.args, vars=vars, expect_success=None)
        if not ran[step.name].result.success or step.name == last_step:
            break
    return ran


def _finetune_calls(statements: list[Statement]) -> list[CortexCall]:
    return [call for call in _calls(statements) if call.function == "FINETUNE"]


@pytest.fixture(scope="module")
def preflight_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SnowflakeProject]:
    """The snowflake target with the catalog seeded, for preflights alone (no Cortex call)."""
    account = EmulatedSnowflake(emulate_cortex=False)
    project = SnowflakeProject.create(tmp_path_factory.mktemp("preflight") / "project", account)
    try:
        project.invoke("seed", "--select", "cortex_models")
        yield project
    finally:
        account.close()


def test_the_default_preflight_checks_the_embedding_model_on_snowflake(
    preflight_project: SnowflakeProject,
) -> None:
    passed = preflight_project.invoke("run-operation", "check_cortex_models")
    assert [line for line in passed.log_lines if " are usable (" in line] == [
        DEFAULT_PREFLIGHT_LINE
    ]
    assert not [line for line in passed.log_lines if "FINETUNE" in line]


def test_an_embedding_model_is_checked_by_show_cortex_base_models_when_it_lists_it(
    preflight_project: SnowflakeProject,
) -> None:
    account = preflight_project.account
    offered = account.cortex_base_models
    legacy_on = dt.date.today() - dt.timedelta(days=1)
    account.cortex_base_models = [*offered, BaseModel(EMBEDDING_MODEL, "LEGACY", legacy_on)]
    try:
        warned = preflight_project.invoke("run-operation", "check_cortex_models")
    finally:
        account.cortex_base_models = offered
    assert any(
        f"embedding_model = {EMBEDDING_MODEL}: legacy since {legacy_on}: only accounts that "
        "already used it can call it." in line
        for line in warned.log_lines
    ), warned.log_lines
    [usable] = [line for line in warned.log_lines if " are usable (" in line]
    assert "by the catalog alone" not in usable


def test_an_embedding_model_that_is_no_ai_embed_row_is_refused_on_snowflake(
    preflight_project: SnowflakeProject,
) -> None:
    teacher = PROJECT_VARS["teacher_model"]
    refused = preflight_project.invoke(
        "run-operation",
        "check_cortex_models",
        vars={"embedding_model": teacher},
        expect_success=False,
    )
    # Every AI_EMBED row of the catalog is usable, listed by SHOW CORTEX BASE MODELS or not.
    embedding_models = ", ".join(
        sorted(row["model_name"] for row in CATALOG if row["priced_as"] == "ai_embed")
    )
    assert (
        f"embedding_model = {teacher}: not an AI_EMBED model: the catalog prices it as "
        f"ai_complete. Usable embedding models in the catalog: {embedding_models}."
    ) in refused.message, refused.message


def test_a_cortex_finetune_run_on_snowflake_stops_at_the_preflight_before_training(
    tmp_path: Path,
) -> None:
    """The model FINETUNE would train is legacy: a new account could not call it, so the job
    stops at the preflight, saying why and naming the other trainer, and nothing is trained."""
    project = _small_snowflake_project(tmp_path)
    try:
        ran = _run_job_until_a_step_fails(project, FINETUNE_VARS, last_step="launch_finetune")
        assert list(ran) == ["seed_cortex_models", "check_cortex_models"]
        message = ran["check_cortex_models"].message
        base = PROJECT_VARS["finetune_base_model"]
        assert (
            f"finetune_base_model = {base}: the model FINETUNE would train on it (catalog row "
            f"{base}:finetuned) is legacy since {FINETUNED_ROW['legacy_on']}, and Snowflake's "
            f"rule for a legacy model is: {LEGACY_RULE}"
        ) in message, message
        assert (
            "Train the embedding classifier instead: --vars '{trainer: embedding_classifier}', "
            "or set account_can_call_legacy_finetuned_models: true if this account did call "
            f"fine-tuned models before {FINETUNED_ROW['legacy_on']}."
        ) in message
        assert "Choose another model" not in message  # another base would not help
        assert not _finetune_calls(project.account.statements)
        assert not _calls(project.account.statements)  # nothing at all reached Cortex
    finally:
        project.account.close()


def test_a_cortex_finetune_only_run_goes_on_for_an_account_that_used_finetuned_models(
    tmp_path: Path,
) -> None:
    project = _small_snowflake_project(tmp_path)
    vars = {**FINETUNE_VARS, "account_can_call_legacy_finetuned_models": True}
    try:
        ran = _run_job_until_a_step_fails(project, vars, last_step="launch_finetune")
        assert list(ran)[-1] == "launch_finetune" and ran["launch_finetune"].result.success, {
            name: invocation.message for name, invocation in ran.items()
        }
        assert [call.verb for call in _finetune_calls(ran["launch_finetune"].statements)] == [
            "CREATE"
        ]
    finally:
        project.account.close()


# -- FINETUNE on Snowflake, for an account that used fine-tuned models before 2026-08-12 ---------

#: Both trainers, the account allowed to call legacy fine-tuned models: FINETUNE runs.
FINETUNE_RUN_VARS = {
    "trainer": ["embedding_classifier", "cortex_finetune"],
    "account_can_call_legacy_finetuned_models": True,
}


@pytest.fixture(scope="module")
def finetune_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SnowflakeRun]:
    """The production job through describe_finetune with both trainers, on 60 tickets; then a
    second version launched with options and its FINETUNE job cancelled while it trains."""
    project = _small_snowflake_project(tmp_path_factory.mktemp("finetune_run"))
    try:
        ran = _run_job_until_a_step_fails(project, FINETUNE_RUN_VARS, "describe_finetune")
        failed = {name: i.message for name, i in ran.items() if not i.result.success}
        assert list(ran)[-1] == "describe_finetune" and not failed, failed
        run = SnowflakeRun(project, dict(ran))
        run.run("show jobs", "run-operation", "show_finetune_jobs", vars=FINETUNE_RUN_VARS)
        version_2 = {**FINETUNE_RUN_VARS, **VERSION_2_VARS}
        v2_target = project.workdir / "target_v2"
        run.run(
            "relaunch",
            "run-operation",
            "launch_finetune",
            "--args",
            "{max_epochs: 2}",
            vars=version_2,
            target_path=v2_target,
        )
        [(job_id,)] = project.query(
            "select job_id from finetune_jobs where trainer = 'cortex_finetune'"
            " order by launched_at desc limit 1"
        )
        run.run(
            "cancel",
            "run-operation",
            "cancel_finetune",
            "--args",
            json.dumps({"job_id": job_id}),
            vars=version_2,
            target_path=v2_target,
        )
        yield run
    finally:
        project.account.close()


def _finetune_jobs(run: SnowflakeRun) -> list[tuple]:
    return run.rows(
        "select job_id, model_name, base_model, status, backend, target_name, options,"
        " trained_tokens, training_loss, finished_at, error_message"
        " from finetune_jobs where trainer = 'cortex_finetune' order by launched_at"
    )


def test_the_preflight_lets_an_account_that_used_finetuned_models_train(
    finetune_run: SnowflakeRun,
) -> None:
    notes = finetune_run.steps["check_cortex_models"].log_lines
    assert any(
        "var account_can_call_legacy_finetuned_models says this account did call "
        f"fine-tuned models before {FINETUNED_ROW['legacy_on']}" in line
        for line in notes
    ), notes
    assert not _calls(finetune_run.statements("check_cortex_models"))
    launched = _finetune_calls(finetune_run.statements("launch_finetune"))
    assert [call.verb for call in launched] == ["CREATE"]
    assert _model_name(launched[0].arguments[2]) == PROJECT_VARS["finetune_base_model"]


def test_the_launched_finetune_job_is_waited_for_and_succeeds(finetune_run: SnowflakeRun) -> None:
    jobs = _finetune_jobs(finetune_run)
    assert len(jobs) == 2  # this one, and the cancelled v2
    job_id, model_name, base_model, status, backend, target_name, options, tokens, loss, done, _ = (
        jobs[0]
    )
    assert (base_model, status, backend, target_name) == (
        PROJECT_VARS["finetune_base_model"],
        "SUCCESS",
        "snowflake-cortex",
        "snowflake",
    )
    assert model_name.lower().endswith("." + PROJECT_VARS["finetuned_model_name"])
    assert json.loads(options) == {}
    assert tokens > 0 and loss is not None and done is not None

    # describe_finetune --args '{wait: true}' polled until the job ended, waiting between polls.
    waited = finetune_run.statements("describe_finetune")
    statuses = [
        re.search(r"status = '(\w+)'", statement.body).group(1)
        for statement in waited
        if statement.body.lower().startswith("update") and job_id in statement.body
    ]
    assert statuses == ["PENDING", "IN_PROGRESS", "SUCCESS"]
    assert sum("system$wait(" in statement.body.lower() for statement in waited) == 2


def test_a_finetune_job_cancelled_while_training_is_recorded_as_cancelled(
    finetune_run: SnowflakeRun,
) -> None:
    job_id, model_name, _, status, _, _, options, _, _, finished, error = _finetune_jobs(
        finetune_run
    )[-1]
    assert model_name.lower().endswith("." + PROJECT_VARS["finetuned_model_name"] + "_v2")
    assert json.loads(options) == {"max_epochs": 2}
    assert status == "CANCELLED" and "CANCELLED" in error and finished is not None
    cancel_calls = [
        call for call in _finetune_calls(finetune_run.statements("cancel")) if call.verb == "CANCEL"
    ]
    assert [literal_value(call.arguments[1]) for call in cancel_calls] == [job_id]


def test_launching_finetune_notes_its_deprecation_once(finetune_run: SnowflakeRun) -> None:
    lines = finetune_run.steps["launch_finetune"].log_lines
    notes = [line for line in lines if "scheduled for deprecation in Q1 2027" in line]
    assert len(notes) == 1 and "Cortex Training" in notes[0]


def test_finetune_calls_have_the_documented_argument_shape(finetune_run: SnowflakeRun) -> None:
    sources = [statement.bound_body for statement in finetune_run.account.statements]
    assert _call_shapes(sources) >= {
        "FINETUNE('CREATE')/5",
        "FINETUNE('CREATE')/6",
        "FINETUNE('DESCRIBE')/2",
        "FINETUNE('SHOW')/1",
        "FINETUNE('CANCEL')/2",
        "AI_EMBED/2",
    }


def test_the_legacy_var_must_be_a_boolean(preflight_project: SnowflakeProject) -> None:
    refused = preflight_project.invoke(
        "run-operation",
        "check_cortex_models",
        vars={**FINETUNE_VARS, "account_can_call_legacy_finetuned_models": "yes"},
        expect_success=False,
    )
    assert 'must be true or false; got "yes"' in refused.message, refused.message
