"""FINETUNE create / describe / show / cancel and COMPLETE with fine-tuned models, through SQL
on a real DuckDB file."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import duckdb
import pytest
from catalog_models import CATALOG_ROWS, FINETUNE_BASE_MODEL, usable_models
from categorisation_fixtures import requests as fixture_requests
from project_vars import CATEGORIZATION_PROMPT as TEMPLATE

from cortex_emulator import call_counts, register
from cortex_emulator.models.tokens import count_tokens

LARGE_NOT_A_BASE = next(
    row["model_name"]
    for row in CATALOG_ROWS
    if row["is_finetune_base"] != "true" and row["model_name"] in usable_models()
)
MODEL = "support_tickets.main.support_tickets_finetuned_mistral_7b"

# Phrase pools per category: (openings, problems, asks). Requests combine one of each.
POOLS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "Roaming fees": (
        [
            "I just came back from {place} and",
            "While I was travelling in {place}",
            "After a business trip to {place}",
            "During my vacation in {place}",
            "My husband was in {place} last month and",
        ],
        [
            "my bill shows huge roaming charges",
            "I was charged international fees for data",
            "there are roaming fees I did not expect",
            "the cost of calls abroad was far higher than promised",
            "the invoice has overseas usage charges",
        ],
        [
            "Can you explain these charges?",
            "Please refund the extra fees.",
            "Why is roaming so expensive?",
            "I want these charges removed from my bill.",
        ],
    ),
    "Slow data speed": (
        [
            "For the past week",
            "Since your last network update",
            "Every evening",
            "Lately",
            "At my office",
        ],
        [
            "my mobile data has been extremely slow",
            "videos keep buffering on my phone",
            "the internet speed is far below my plan",
            "pages take forever to load and everything lags",
            "speed tests show less than 1 Mbps",
        ],
        [
            "Please fix the speed.",
            "I pay for fast internet and get a crawl.",
            "Is my connection being throttled?",
            "When will the data speed be back to normal?",
        ],
    ),
    "Lost phone": (
        ["Yesterday", "Last night", "This morning", "Over the weekend", "Earlier today"],
        [
            "my phone was stolen on the bus",
            "I lost my phone at a restaurant",
            "I misplaced my cell and cannot find it",
            "someone took my smartphone from my bag",
            "my handset went missing at the airport",
        ],
        [
            "Please block the device.",
            "Can you suspend my number so nobody uses it?",
            "How do I get a replacement phone?",
            "Help me protect my account.",
        ],
    ),
    "Add new line": (
        ["Hello,", "Hi team,", "Good morning,", "Quick question:", "Dear support,"],
        [
            "I would like to add a line for my daughter",
            "we need an extra line for a new employee",
            "I want to add my wife to my plan with a second line",
            "can I get an additional SIM for my son",
            "please add another number to our family plan",
        ],
        [
            "What does it cost per month?",
            "Please set it up this week.",
            "Can the new line share my data?",
            "Thanks in advance.",
        ],
    ),
    "Closing account": (
        [
            "After ten years",
            "Unfortunately",
            "Effective immediately",
            "Because I am moving",
            "Sadly",
        ],
        [
            "I want to cancel my service",
            "please close my account",
            "I am switching to another provider and need to terminate my contract",
            "I would like to end my subscription",
            "I have decided to leave and close all my lines",
        ],
        [
            "What is the cancellation process?",
            "Please confirm the termination.",
            "Do I owe anything to close it?",
            "I want to port my number out.",
        ],
    ),
}
PLACES = ["Spain", "Mexico", "Japan", "Canada", "Italy", "France", "Brazil", "Germany", "Peru"]


def make_requests(n: int, seed: int) -> list[tuple[str, str]]:
    """``n`` (request, category) pairs, categories in turn, phrases drawn with ``seed``."""
    rng = random.Random(seed)
    categories = list(POOLS)
    rows = []
    for i in range(n):
        category = categories[i % len(categories)]
        openings, problems, asks = POOLS[category]
        opening = rng.choice(openings).format(place=rng.choice(PLACES))
        rows.append((f"{opening} {rng.choice(problems)}. {rng.choice(asks)}", category))
    return rows


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(path))
    register(connection)
    return connection


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "support_tickets.duckdb"


@pytest.fixture()
def conn(db_path: Path) -> duckdb.DuckDBPyConnection:
    connection = connect(db_path)
    yield connection
    connection.close()


def load_pairs(
    conn: duckdb.DuckDBPyConnection, table: str, rows: list[tuple[str, str]], offset: int = 0
) -> None:
    conn.execute(f"create or replace table {table} (id integer, request varchar, label varchar)")
    conn.executemany(
        f"insert into {table} values (?, ?, ?)",
        [(offset + i, request, label) for i, (request, label) in enumerate(rows)],
    )
    conn.execute(
        f"create or replace table {table}_prompts as "
        f"select id, ? || ' ' || request as prompt, label as completion from {table}",
        [TEMPLATE],
    )


def create(
    conn: duckdb.DuckDBPyConnection,
    name: str = MODEL,
    base: str = FINETUNE_BASE_MODEL,
    training: str | None = "select prompt, completion from train_prompts",
    validation: str | None = "select prompt, completion from eval_prompts",
    options: str | None = None,
) -> str:
    return conn.execute(
        "select cortex_finetune_create(?, ?, ?, ?, ?)", [name, base, training, validation, options]
    ).fetchone()[0]


def describe(conn: duckdb.DuckDBPyConnection, job_id: str) -> dict:
    return json.loads(conn.execute("select cortex_finetune_describe(?)", [job_id]).fetchone()[0])


@pytest.fixture()
def trained(conn: duckdb.DuckDBPyConnection) -> str:
    load_pairs(conn, "train", make_requests(200, seed=1))
    load_pairs(conn, "eval", make_requests(50, seed=2), offset=1000)
    load_pairs(conn, "unseen", make_requests(400, seed=3), offset=2000)
    return create(conn)


def accuracy(conn: duckdb.DuckDBPyConnection, model: str, table: str = "unseen_prompts") -> float:
    return conn.execute(
        f"select avg((cortex_complete(?, prompt) = completion)::int) from {table}", [model]
    ).fetchone()[0]


def test_describe_has_every_documented_field(conn: duckdb.DuckDBPyConnection, trained: str) -> None:
    job = describe(conn, trained)
    assert set(job) == {
        "id",
        "status",
        "progress",
        "error",
        "base_model",
        "model",
        "created_on",
        "finished_on",
        "training_data",
        "validation_data",
        "trained_tokens",
        "training_result",
        "options",
    }
    assert job["id"] == trained and trained.startswith("ft_")
    assert job["status"] == "SUCCESS"
    assert job["progress"] == 1.0
    assert job["error"] is None
    assert job["base_model"] == FINETUNE_BASE_MODEL
    assert job["model"] == MODEL
    assert isinstance(job["created_on"], int) and isinstance(job["finished_on"], int)
    assert job["created_on"] <= job["finished_on"]
    assert abs(job["created_on"] / 1000 - time.time()) < 600
    assert job["training_data"] == "select prompt, completion from train_prompts"
    assert job["validation_data"] == "select prompt, completion from eval_prompts"
    assert job["options"] == {"max_epochs": 3}
    result = job["training_result"]
    assert isinstance(result["training_loss"], float) and result["training_loss"] >= 0
    assert isinstance(result["validation_loss"], float) and result["validation_loss"] >= 0
    rows = conn.execute("select prompt, completion from train_prompts").fetchall()
    tokens = sum(count_tokens(p) + count_tokens(c) for p, c in rows)
    assert job["trained_tokens"] == tokens * 3


def test_finetuned_model_is_accurate_on_unseen_prompts(
    conn: duckdb.DuckDBPyConnection, trained: str
) -> None:
    conn.execute("delete from unseen_prompts where prompt in (select prompt from train_prompts)")
    assert conn.execute("select count(*) from unseen_prompts").fetchone()[0] >= 150
    assert accuracy(conn, MODEL) >= 0.9
    answers = {
        row[0]
        for row in conn.execute(
            "select distinct cortex_complete(?, prompt) from unseen_prompts", [MODEL]
        ).fetchall()
    }
    assert answers == set(POOLS)  # clean labels, exactly as trained


def test_model_is_found_case_insensitively_and_by_short_name(
    conn: duckdb.DuckDBPyConnection, trained: str
) -> None:
    prompt = TEMPLATE + " My phone was stolen on the bus. Please block the device."
    answers = conn.execute(
        "select cortex_complete(?, ?), cortex_complete(?, ?), cortex_complete(?, ?)",
        [
            MODEL.upper(),
            prompt,
            "SUPPORT_TICKETS_FINETUNED_MISTRAL_7B",
            prompt,
            "main." + MODEL.split(".")[-1],
            prompt,
        ],
    ).fetchone()
    assert answers == ("Lost phone", "Lost phone", "Lost phone")
    assert conn.execute("select cortex_backend_name(?)", [MODEL]).fetchone()[0] == "local-emulator"


def test_short_name_must_be_unique(conn: duckdb.DuckDBPyConnection, trained: str) -> None:
    create(conn, name="other_db.main.support_tickets_finetuned_mistral_7b")
    with pytest.raises(duckdb.Error, match="ambiguous"):
        conn.execute(
            "select cortex_complete('support_tickets_finetuned_mistral_7b', 'hello')"
        ).fetchall()
    assert conn.execute("select cortex_complete(?, 'My phone was stolen')", [MODEL]).fetchone()[0]


def test_model_is_stored_as_data(conn: duckdb.DuckDBPyConnection, trained: str) -> None:
    key = MODEL.lower()
    header = conn.execute(
        "select job_id, kind, n_terms, n_labels from cortex_emulator.models where model = ?", [key]
    ).fetchone()
    assert header[0] == trained and header[1] == "classifier" and header[3] == 5
    labels = conn.execute(
        "select list(label order by label_index) from cortex_emulator.model_labels where model = ?",
        [key],
    ).fetchone()[0]
    assert sorted(labels) == sorted(POOLS)
    n_terms = conn.execute(
        "select count(*) from cortex_emulator.model_vocabulary where model = ?", [key]
    ).fetchone()[0]
    assert n_terms == header[2] > 100
    n_weights = conn.execute(
        "select count(*) from cortex_emulator.model_weights where model = ?", [key]
    ).fetchone()[0]
    assert n_weights == n_terms * 5
    # The prompt template is in every training prompt: it carries no information.
    assert (
        conn.execute(
            "select count(*) from cortex_emulator.model_vocabulary "
            "where model = ? and term = 'agent'",
            [key],
        ).fetchone()[0]
        == 0
    )


def test_model_survives_a_new_connection(db_path: Path) -> None:
    first = connect(db_path)
    load_pairs(first, "train", make_requests(200, seed=1))
    load_pairs(first, "eval", make_requests(50, seed=2), offset=1000)
    load_pairs(first, "unseen", make_requests(200, seed=3), offset=2000)
    job_id = create(first)
    before = first.execute(
        "select id, cortex_complete(?, prompt) from unseen_prompts order by id", [MODEL]
    ).fetchall()
    first.close()

    second = connect(db_path)
    after = second.execute(
        "select id, cortex_complete(?, prompt) from unseen_prompts order by id", [MODEL]
    ).fetchall()
    assert after == before
    assert describe(second, job_id)["status"] == "SUCCESS"
    second.close()


def test_recreating_a_model_replaces_it(conn: duckdb.DuckDBPyConnection, trained: str) -> None:
    prompt = TEMPLATE + " Yesterday my phone was stolen on the bus. Please block the device."
    assert (
        conn.execute("select cortex_complete(?, ?)", [MODEL, prompt]).fetchone()[0] == "Lost phone"
    )
    conn.execute(
        "create table relabelled as "
        "select prompt, upper(completion) as completion from train_prompts"
    )
    new_job = create(conn, training="select prompt, completion from relabelled", validation=None)
    assert new_job != trained
    assert (
        conn.execute("select cortex_complete(?, ?)", [MODEL, prompt]).fetchone()[0] == "LOST PHONE"
    )
    assert conn.execute(
        "select count(*), min(job_id) from cortex_emulator.models where model = ?", [MODEL.lower()]
    ).fetchone() == (1, new_job)
    labels = conn.execute(
        "select list(label order by label) from cortex_emulator.model_labels where model = ?",
        [MODEL.lower()],
    ).fetchone()[0]
    assert labels == sorted(label.upper() for label in POOLS)
    assert describe(conn, new_job)["validation_data"] is None
    assert describe(conn, new_job)["training_result"]["validation_loss"] is None
    # Both jobs stay on record, newest first.
    shown = json.loads(conn.execute("select cortex_finetune_show()").fetchone()[0])
    assert [job["id"] for job in shown] == [new_job, trained]


def test_zero_training_rows_gives_an_error_job(
    conn: duckdb.DuckDBPyConnection, trained: str
) -> None:
    job_id = create(conn, training="select prompt, completion from train_prompts where false")
    job = describe(conn, job_id)
    assert job["status"] == "ERROR"
    assert job["error"]["code"] == "INVALID_TRAINING_DATA"
    assert "no rows" in job["error"]["message"]
    assert job["training_result"] is None
    # The failed job left the previous model in place.
    assert accuracy(conn, MODEL) >= 0.9
    assert (
        conn.execute(
            "select job_id from cortex_emulator.models where model = ?", [MODEL.lower()]
        ).fetchone()[0]
        == trained
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"base": LARGE_NOT_A_BASE}, f"cannot be fine-tuned.*{FINETUNE_BASE_MODEL}"),
        ({"base": "gpt-4"}, "cannot be fine-tuned"),
        ({"options": '{"max_epochs": 0}'}, "max_epochs must be an integer from 1 to 10"),
        ({"options": '{"max_epochs": 11}'}, "max_epochs must be an integer from 1 to 10"),
        ({"options": '{"max_epochs": "3"}'}, "max_epochs must be an integer"),
        ({"options": '{"max_epochs": 2.5}'}, "max_epochs must be an integer"),
        ({"options": '{"epochs": 2}'}, "Unknown fine-tuning option"),
        ({"options": "max_epochs=2"}, "must be a JSON object"),
        ({"training": "select request, label from train"}, "columns named prompt and completion"),
        ({"training": "select request as prompt from train"}, "without completion"),
        ({"validation": "select 1 as x"}, "validation query must return columns named prompt"),
        ({"training": "select * from no_such_table"}, "training query failed"),
        ({"training": ""}, "training query is empty"),
        ({"name": FINETUNE_BASE_MODEL}, "foundation model"),
        ({"name": "my model"}, "Invalid fine-tuned model name"),
    ],
)
def test_bad_arguments_are_clear_errors(
    conn: duckdb.DuckDBPyConnection, kwargs: dict, message: str
) -> None:
    load_pairs(conn, "train", make_requests(20, seed=1))
    load_pairs(conn, "eval", make_requests(5, seed=2))
    with pytest.raises(duckdb.Error, match=message):
        create(conn, **kwargs)
    assert json.loads(conn.execute("select cortex_finetune_show()").fetchone()[0]) == []


def test_options_and_optional_validation(conn: duckdb.DuckDBPyConnection) -> None:
    load_pairs(conn, "train", make_requests(60, seed=1))
    load_pairs(conn, "eval", make_requests(10, seed=2))
    one = describe(conn, create(conn, validation="", options='{"max_epochs": 1}'))
    ten = describe(conn, create(conn, validation=None, options='{"max_epochs": 10}'))
    default = describe(conn, create(conn, options='{"max_epochs": null}'))
    assert one["options"] == {"max_epochs": 1} and ten["options"] == {"max_epochs": 10}
    assert default["options"] == {"max_epochs": 3}
    assert ten["trained_tokens"] == 10 * one["trained_tokens"]
    assert one["validation_data"] is None and default["validation_data"] is not None


def test_columns_are_matched_case_insensitively(conn: duckdb.DuckDBPyConnection) -> None:
    load_pairs(conn, "train", make_requests(30, seed=1))
    job_id = create(
        conn,
        training="select completion as COMPLETION, 1 as extra, prompt as Prompt from train_prompts",
        validation=None,
    )
    assert describe(conn, job_id)["status"] == "SUCCESS"


def test_describe_and_cancel(conn: duckdb.DuckDBPyConnection, trained: str) -> None:
    message = conn.execute("select cortex_finetune_cancel(?)", [trained]).fetchone()[0]
    assert "already finished" in message and "SUCCESS" in message
    assert describe(conn, trained)["status"] == "SUCCESS"
    with pytest.raises(duckdb.Error, match="Unknown fine-tuning job id 'ft_nope'"):
        describe(conn, "ft_nope")
    with pytest.raises(duckdb.Error, match="Unknown fine-tuning job id"):
        conn.execute("select cortex_finetune_cancel('ft_nope')").fetchall()


def test_cancel_a_job_that_has_not_finished(conn: duckdb.DuckDBPyConnection, trained: str) -> None:
    # Local jobs finish at once; a job left IN_PROGRESS (e.g. by a crash) can still be cancelled.
    conn.execute("update cortex_emulator.jobs set status = 'IN_PROGRESS' where id = ?", [trained])
    message = conn.execute("select cortex_finetune_cancel(?)", [trained]).fetchone()[0]
    assert trained in message
    job = describe(conn, trained)
    assert job["status"] == "CANCELLED" and job["error"]["code"] == "CANCELLED"


def test_show_lists_jobs(conn: duckdb.DuckDBPyConnection) -> None:
    assert json.loads(conn.execute("select cortex_finetune_show()").fetchone()[0]) == []
    load_pairs(conn, "train", make_requests(30, seed=1))
    ids = [create(conn, name=f"db.main.model_{i}", validation=None) for i in range(3)]
    shown = json.loads(conn.execute("select cortex_finetune_show()").fetchone()[0])
    assert [job["id"] for job in shown] == ids[::-1]
    assert all(job["status"] == "SUCCESS" for job in shown)


def test_count_tokens_refuses_finetuned_models(
    conn: duckdb.DuckDBPyConnection, trained: str
) -> None:
    with pytest.raises(duckdb.Error, match="COUNT_TOKENS does not accept fine-tuned models"):
        conn.execute("select cortex_count_tokens(?, 'hello')", [MODEL]).fetchall()


def test_unknown_finetuned_name(conn: duckdb.DuckDBPyConnection, trained: str) -> None:
    with pytest.raises(
        duckdb.Error, match="unknown model 'db.main.nope'.*support_tickets_finetuned"
    ):
        conn.execute("select cortex_complete('db.main.nope', 'hello')").fetchall()
    with pytest.raises(duckdb.Error, match="unknown model 'db.main.nope'"):
        conn.execute("select cortex_try_complete('db.main.nope', 'hello')").fetchall()


def test_finetuned_calls_are_logged(conn: duckdb.DuckDBPyConnection, trained: str) -> None:
    conn.execute("select cortex_complete(?, prompt) from unseen_prompts", [MODEL]).fetchall()
    conn.execute("select cortex_try_complete(?, prompt) from unseen_prompts", [MODEL]).fetchall()
    assert call_counts(conn) == {("complete", MODEL): 400, ("try_complete", MODEL): 400}


def test_free_text_completions_use_nearest_neighbour(conn: duckdb.DuckDBPyConnection) -> None:
    rows = list(dict(make_requests(150, seed=4)).items())[:120]  # distinct requests
    assert len(rows) == 120
    conn.execute("create table replies (prompt varchar, completion varchar)")
    conn.executemany(
        "insert into replies values (?, ?)",
        [
            (request, f"Reply #{i}: we are sorry about {label.lower()}.")
            for i, (request, label) in enumerate(rows)
        ],
    )
    job_id = create(
        conn,
        name="db.main.reply_writer",
        training="select prompt, completion from replies",
        validation="select prompt, completion from replies limit 10",
    )
    job = describe(conn, job_id)
    assert job["status"] == "SUCCESS"
    assert job["training_result"]["validation_loss"] is not None
    kind = conn.execute(
        "select kind from cortex_emulator.models where model = 'db.main.reply_writer'"
    ).fetchone()[0]
    assert kind == "nearest_neighbour"
    n_examples = conn.execute(
        "select count(distinct example_index) from cortex_emulator.model_example_terms "
        "where model = 'db.main.reply_writer'"
    ).fetchone()[0]
    assert n_examples == 120
    # A training prompt answers its own completion.
    answers = conn.execute(
        "select completion, cortex_complete('db.main.reply_writer', prompt) from replies"
    ).fetchall()
    assert sum(a == b for a, b in answers) / len(answers) >= 0.95
    # An unseen prompt answers one of the trained completions.
    answer = conn.execute(
        "select cortex_complete('db.main.reply_writer', 'my phone got stolen yesterday')"
    ).fetchone()[0]
    assert answer in {c for c, _ in answers}


def test_finetune_is_deterministic(tmp_path: Path) -> None:
    results = []
    for name in ("a.duckdb", "b.duckdb"):
        connection = connect(tmp_path / name)
        load_pairs(connection, "train", make_requests(100, seed=1))
        load_pairs(connection, "eval", make_requests(20, seed=2))
        job = describe(connection, create(connection))
        weights = connection.execute(
            "select list(weight order by term_index, label_index) "
            "from cortex_emulator.model_weights"
        ).fetchone()[0]
        results.append((job["training_result"], job["trained_tokens"], weights))
        connection.close()
    assert results[0] == results[1]


def test_finetuned_model_answers_within_a_json_schema(
    conn: duckdb.DuckDBPyConnection, trained: str
) -> None:
    labels = sorted(
        row[0] for row in conn.execute("select distinct completion from train_prompts").fetchall()
    )
    response_format = json.dumps(
        {
            "type": "json",
            "schema": {
                "type": "object",
                "properties": {"category": {"type": "string", "enum": labels}},
                "required": ["category"],
            },
        }
    )
    rows = conn.execute(
        "select completion, cortex_complete(?, prompt), cortex_ai_complete(?, prompt, null, ?) "
        "from unseen_prompts order by id",
        [MODEL, MODEL, response_format],
    ).fetchall()
    structured = [json.loads(answer)["category"] for _, _, answer in rows]
    assert structured == [plain for _, plain, _ in rows]
    # An enum without the label the model prefers: the most probable label it allows.
    narrowed = json.dumps({"type": "json", "schema": {"type": "string", "enum": labels[:2]}})
    answers = conn.execute(
        "select cortex_ai_complete(?, prompt, null, ?) from unseen_prompts", [MODEL, narrowed]
    ).fetchall()
    assert {json.loads(a) for (a,) in answers} <= set(labels[:2])


def test_the_finetuned_model_places_requests_written_independently_of_its_training_pool(
    conn: duckdb.DuckDBPyConnection, trained: str
) -> None:
    """The "unseen" prompts above recombine the training phrase pools; these hand-labelled
    requests (tests/fixtures/categorisation) share no phrase with them."""
    fixture = [
        (row["request"], row["label"])
        for row in fixture_requests()
        if row["category_set"] == "telecom" and row["label"] in POOLS
    ]
    conn.execute("create table written (request varchar, label varchar)")
    conn.executemany("insert into written values (?, ?)", fixture)
    right = conn.execute(
        "select avg((cortex_complete(?, ? || ' ' || request) = label)::int) from written",
        [MODEL, TEMPLATE],
    ).fetchone()[0]
    assert len(fixture) >= 10 and right >= 0.7
