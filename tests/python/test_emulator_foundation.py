"""COMPLETE / TRY_COMPLETE / COUNT_TOKENS / backend name on foundation models, through SQL on a
real DuckDB file, the way the dbt project calls them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import jsonschema
import pytest
from catalog_models import (
    CATALOG_PATH,
    LARGE_MODEL,
    OTHER_SMALL_MODEL,
    SMALL_MODEL,
    retired_models,
    usable_models,
)
from project_vars import CATEGORIZATION_PROMPT as QUICKSTART_PROMPT

import cortex_emulator
from cortex_emulator import call_counts, register
from cortex_emulator.models.foundation import CANNOT_TELL_ANSWER
from cortex_emulator.models.tokens import count_tokens

CATEGORIES = ["Roaming fees", "Slow data speed", "Lost phone", "Add new line", "Closing account"]

MESSAGE_PROMPT = (
    "Please write an email or text promoting a new plan that will save customers total costs. "
    "If the customer requested to be contacted by text message, write text message response "
    "in less than 25 words, otherwise write email response in maximum 100 words."
)

# Realistic, varied requests (several sentences, typos-free but informal), 7 per category.
REQUESTS: list[tuple[str, str]] = [
    (
        "I just got back from a two-week trip to Italy and my bill is three times higher than "
        "usual. I was told my plan covered Europe. Can someone explain these charges?",
        "Roaming fees",
    ),
    (
        "Hi, I was in Mexico for a wedding and used my phone normally. Now I see $240 in "
        "international fees. That seems excessive, please review.",
        "Roaming fees",
    ),
    (
        "Why was I charged for data usage while on a cruise? I thought I had airplane mode on "
        "most of the time.",
        "Roaming fees",
    ),
    (
        "My daughter studied abroad in Spain this semester and the roaming charges on her line "
        "are huge. Is there a travel pass we could apply retroactively?",
        "Roaming fees",
    ),
    (
        "I'm going overseas next month. What will it cost to use my phone in Japan, and can I "
        "avoid surprise fees?",
        "Roaming fees",
    ),
    (
        "There are charges labelled 'intl roaming' on my latest invoice, but I never left the "
        "country except for one day in Canada.",
        "Roaming fees",
    ),
    (
        "Business trip to London cost me a fortune in data fees. Our company plan should "
        "include roaming. Please refund.",
        "Roaming fees",
    ),
    (
        "For the last two weeks my mobile internet has been crawling. Pages take forever to "
        "load even with full bars.",
        "Slow data speed",
    ),
    (
        "Netflix keeps buffering on my phone every evening. Speed tests show less than 2 Mbps "
        "on a 5G plan.",
        "Slow data speed",
    ),
    (
        "My home internet is much slower than the 500 Mbps I pay for. Video calls freeze and "
        "downloads stall constantly.",
        "Slow data speed",
    ),
    (
        "Ever since I hit 20GB this month my data feels throttled. Is my connection being "
        "slowed down on purpose?",
        "Slow data speed",
    ),
    (
        "The business internet at our office lags badly in the afternoon, uploads to the "
        "cloud are painfully slow.",
        "Slow data speed",
    ),
    (
        "Apps won't load and maps take minutes to update. Something is wrong with the data "
        "speed in my area.",
        "Slow data speed",
    ),
    (
        "Online games lag and the latency is terrible since your network upgrade last week.",
        "Slow data speed",
    ),
    (
        "Someone stole my iPhone on the subway this morning. Please block the SIM so nobody "
        "can make calls on my account.",
        "Lost phone",
    ),
    (
        "I left my phone in a taxi last night and can't find it. How do I get a replacement "
        "with the same number?",
        "Lost phone",
    ),
    (
        "My son misplaced his phone at school. Can you help us locate it or suspend the line "
        "until it turns up?",
        "Lost phone",
    ),
    (
        "I think my phone was taken from my bag at the gym. What should I do to protect my "
        "data and account?",
        "Lost phone",
    ),
    (
        "Lost my Samsung Galaxy while hiking. Is it covered by my insurance and how fast can "
        "you ship a new one?",
        "Lost phone",
    ),
    (
        "My handset is missing since the concert on Saturday. Please disable it and tell me "
        "the next steps.",
        "Lost phone",
    ),
    (
        "Robbed yesterday, the thief got my phone and wallet. I need the device blocked right "
        "away.",
        "Lost phone",
    ),
    (
        "I'd like to add a line for my teenage son to our family plan. What does it cost per "
        "month?",
        "Add new line",
    ),
    (
        "We hired two new employees and need additional lines on the business account, with "
        "shared data if possible.",
        "Add new line",
    ),
    (
        "Can I get a second SIM for my wife on my existing plan? She is switching from "
        "another carrier.",
        "Add new line",
    ),
    (
        "Please add another number to my account for my tablet, a data-only line is fine.",
        "Add new line",
    ),
    (
        "My mom is moving in with us and we want to put her on our plan with her own line.",
        "Add new line",
    ),
    (
        "How do I add an extra line for a new staff member? We already have five lines with you.",
        "Add new line",
    ),
    (
        "Looking to add my daughter, she just got her first phone. Do you have a discount for "
        "kids?",
        "Add new line",
    ),
    (
        "I want to cancel my service at the end of this billing cycle. Please tell me if there "
        "is an early termination fee.",
        "Closing account",
    ),
    (
        "We are moving to a different provider and would like to close our account. Please "
        "confirm the cancellation in writing.",
        "Closing account",
    ),
    (
        "Please terminate my contract. I am relocating and no longer need the service.",
        "Closing account",
    ),
    (
        "I have been a customer for ten years but I am switching to a competitor. How do I "
        "port my number out and close everything?",
        "Closing account",
    ),
    (
        "Close my account effective immediately and send me the final bill.",
        "Closing account",
    ),
    (
        "How do I discontinue my home internet subscription? I no longer want it.",
        "Closing account",
    ),
    (
        "I'm done with the constant issues, please cancel all my lines and end the account.",
        "Closing account",
    ),
]

NAMES = [
    "Ava Thompson",
    "Liam O'Connor",
    "Sofia Martínez-García",
    "Noah Williams",
    "Chen Wei",
    "Fatima Al-Sayed",
    "Jean-Luc Picard",
    "Mary Ann Van der Berg",
    "Olusegun Obasanjo",
    "Zoë Kravitz",
    "D'Angelo Russell",
    "Priya Venkataraman",
]


def match_key(text: str) -> str:
    """The project's category_match_key: lower case, non-alphanumerics -> one space, padded."""
    return " " + " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split()) + " "


def normalize(answer: str, categories: list[str]) -> str:
    """The project's categorize_responses: whole match, else the one category named."""
    key = match_key(answer)
    for category in categories:
        if match_key(category) == key:
            return category
    named = [c for c in categories if match_key(c) in key]
    return named[0] if len(named) == 1 else "Unknown"


@pytest.fixture()
def conn(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(tmp_path / "emulator.duckdb"))
    register(connection)
    yield connection
    connection.close()


def load_requests(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("create table requests (id integer, request varchar, expected varchar)")
    conn.executemany(
        "insert into requests values (?, ?, ?)",
        [(i, request, expected) for i, (request, expected) in enumerate(REQUESTS)],
    )
    conn.execute(
        "create table prompts as select id, ? || ' ' || request as prompt, expected from requests",
        [QUICKSTART_PROMPT],
    )


def test_every_category_is_represented() -> None:
    counts = {c: sum(1 for _, e in REQUESTS if e == c) for c in CATEGORIES}
    assert all(n >= 6 for n in counts.values()), counts
    assert len(REQUESTS) >= 30


@pytest.mark.parametrize("model", usable_models("large"))
def test_every_large_catalog_model_answers_a_bare_category_or_cannot_tell(
    conn: duckdb.DuckDBPyConnection, model: str
) -> None:
    load_requests(conn)
    answers = conn.execute("select cortex_complete(?, prompt) from prompts", [model]).fetchall()
    assert {answer for (answer,) in answers} <= {*CATEGORIES, CANNOT_TELL_ANSWER}


def test_categories_come_from_the_prompt(conn: duckdb.DuckDBPyConnection) -> None:
    custom = (
        "Classify the customer's message into exactly one of these categories:\n"
        "- Billing dispute\n"
        "- Network outage\n"
        "- Password reset\n"
        "Reply with the category name only.\n"
    )
    cases = [
        ("I was billed twice for March and want the duplicate charge refunded.", "Billing dispute"),
        ("There is no signal at all in my neighbourhood since this morning.", "Network outage"),
        ("I forgot my password and I'm locked out of the app.", "Password reset"),
        ("My invoice shows a fee I never agreed to, this is wrong.", "Billing dispute"),
        ("The whole network is down, nothing works, no internet.", "Network outage"),
        ("Can you reset my login? The pin is not accepted.", "Password reset"),
    ]
    for request, expected in cases:
        answer = conn.execute(
            f"select cortex_complete('{LARGE_MODEL}', ? || 'Customer message: ' || ?)",
            [custom, request],
        ).fetchone()[0]
        assert answer == expected, request


def test_user_categories_without_lexicon_words(conn: duckdb.DuckDBPyConnection) -> None:
    prompt = (
        "Which department should handle this? Departments:\n\n"
        "Kitchen appliances\nGarden furniture\nBicycle repairs\n\n"
        "Answer with the department only, nothing else."
    )
    for request, expected in [
        ("The chain of my bicycle keeps slipping, can you repair it?", "Bicycle repairs"),
        ("The garden bench I bought has a broken leg.", "Garden furniture"),
        ("My new kitchen blender makes a grinding noise.", "Kitchen appliances"),
    ]:
        answer = conn.execute(
            f"select cortex_complete('{LARGE_MODEL}', ? || ' ' || ?)", [prompt, request]
        ).fetchone()[0]
        assert answer == expected


def test_a_request_that_points_nowhere_gets_cannot_tell(conn: duckdb.DuckDBPyConnection) -> None:
    answer = conn.execute(
        f"select cortex_complete('{LARGE_MODEL}', ? || ' ' || 'Hello, good morning!')",
        [QUICKSTART_PROMPT],
    ).fetchone()[0]
    assert answer == CANNOT_TELL_ANSWER
    assert not any(category in answer for category in CATEGORIES)  # normalises to Unknown


def test_small_model_answers_are_messy_but_mostly_placeable(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    load_requests(conn)
    # Many more prompts than the 35 requests: each request with a few different greetings.
    conn.execute(
        """
        create table many as
        select p.id * 10 + g.i as id, g.greeting || ' ' || r.request as request, p.expected
        from prompts as p
        join requests as r using (id)
        cross join (
            values (0, 'Hello,'), (1, 'Hi team,'), (2, 'Good morning.'), (3, 'Dear support,'),
                (4, 'Urgent:'), (5, 'Quick question.'), (6, 'Hey there,'), (7, 'Hi!')
        ) as g(i, greeting)
        """
    )
    rows = conn.execute(
        f"select cortex_complete('{SMALL_MODEL}', ? || ' ' || request), expected from many",
        [QUICKSTART_PROMPT],
    ).fetchall()
    answers = [answer for answer, _ in rows]
    bare = sum(answer in CATEGORIES for answer in answers) / len(answers)
    placed_right = sum(
        normalize(answer, CATEGORIES) == expected for answer, expected in rows
    ) / len(rows)
    assert bare < 0.5
    assert 0.65 <= placed_right <= 0.9
    assert any(answer.startswith(" ") for answer in answers)
    assert any(normalize(answer, CATEGORIES) == "Unknown" for answer in answers)
    assert len(set(answers)) > len(CATEGORIES) * 3


def test_small_model_is_deterministic_per_prompt(conn: duckdb.DuckDBPyConnection) -> None:
    load_requests(conn)
    first = conn.execute(
        f"select id, cortex_complete('{SMALL_MODEL}', prompt) from prompts order by id"
    ).fetchall()
    second = conn.execute(
        f"select id, cortex_complete('{SMALL_MODEL}', prompt) from prompts order by id desc"
    ).fetchall()
    assert sorted(first) == sorted(second)


def _run_everything(path: Path) -> list[tuple]:
    connection = duckdb.connect(str(path))
    register(connection)
    load_requests(connection)
    rows = connection.execute(
        f"""
        select id,
            cortex_complete('{LARGE_MODEL}', prompt),
            cortex_complete('{SMALL_MODEL}', prompt),
            cortex_complete('{OTHER_SMALL_MODEL}', ? || ' Here is the customer information: Name: Ann, '
                || 'Contact preference: '
                || case when id % 2 = 0 then 'Email' else 'Text Message' end),
            cortex_count_tokens('{SMALL_MODEL}', prompt)
        from prompts order by id
        """,
        [MESSAGE_PROMPT],
    ).fetchall()
    connection.close()
    return rows


def test_deterministic_across_connections(tmp_path: Path) -> None:
    assert _run_everything(tmp_path / "a.duckdb") == _run_everything(tmp_path / "b.duckdb")


def test_deterministic_across_processes(tmp_path: Path) -> None:
    script = (
        "import json, sys, duckdb, cortex_emulator\n"
        "c = duckdb.connect()\n"
        "cortex_emulator.register(c)\n"
        "c.execute('set enable_progress_bar = false')\n"
        "prompts = json.loads(sys.argv[1])\n"
        "rows = [c.execute('select cortex_complete(?, ?)', [m, p]).fetchone()[0]\n"
        f"        for m in ('{SMALL_MODEL}', '{OTHER_SMALL_MODEL}', '{LARGE_MODEL}') for p in prompts]\n"
        "print(json.dumps(rows))\n"
    )
    prompts = json.dumps(
        [QUICKSTART_PROMPT + " " + r for r, _ in REQUESTS[::3]]
        + [
            MESSAGE_PROMPT
            + " Here is the customer information: Name: Bo, Contact preference: Email"
        ]
    )
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", script, prompts],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=120,
        )
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize("preference", ["Text Message", "Email"])
def test_messages_respect_word_limits_and_use_the_name(
    conn: duckdb.DuckDBPyConnection, preference: str
) -> None:
    conn.execute("create table customers (name varchar, category varchar)")
    conn.executemany(
        "insert into customers values (?, ?)",
        [(name, category) for name in NAMES for category in [*CATEGORIES, "Unknown"]],
    )
    rows = conn.execute(
        f"""
        select name, cortex_complete('{LARGE_MODEL}',
            ? || ' Here is the customer information: Name: ' || name
            || ', Contact preference: ' || ? || ', Request category: ' || category)
        from customers
        """,
        [MESSAGE_PROMPT, preference],
    ).fetchall()
    assert len(rows) == len(NAMES) * 6
    limit = 24 if preference == "Text Message" else 100
    for name, message in rows:
        assert name in message
        assert 0 < len(message.split()) <= limit, message
    if preference == "Email":
        assert all(len(message.split()) > 40 for _, message in rows)
        assert all("\n" in message for _, message in rows)
    else:
        assert all("\n" not in message for _, message in rows)
    assert len({message.replace(name, "") for name, message in rows}) > 3


def test_message_mentions_the_category_topic(conn: duckdb.DuckDBPyConnection) -> None:
    message = conn.execute(
        f"select cortex_complete('{LARGE_MODEL}', ?)",
        [
            MESSAGE_PROMPT + " Here is the customer information: Name: Ann Lee, "
            "Contact preference: Email, Request category: Roaming fees"
        ],
    ).fetchone()[0]
    assert "roaming" in message.lower()


@pytest.mark.parametrize(
    ("instruction", "preference", "limit"),
    [
        ("Write a text message of at most 10 words or an email of at most 30 words.", "SMS", 10),
        ("Write a text message of at most 10 words or an email of at most 30 words.", "Email", 30),
        ("Write an email in no more than 12 words, or a text under 6 words.", "Email", 12),
        ("Write an email in no more than 12 words, or a text under 6 words.", "Text Message", 5),
        ("Write a short note to the customer by email or text.", "Text Message", 24),
        ("Write a short note to the customer by email or text.", "Email", 100),
    ],
)
def test_word_limits_are_parsed_from_the_prompt(
    conn: duckdb.DuckDBPyConnection, instruction: str, preference: str, limit: int
) -> None:
    for name in NAMES[:6]:
        message = conn.execute(
            f"select cortex_complete('{LARGE_MODEL}', ?)",
            [
                f"{instruction} Here is the customer information: Name: {name}, "
                f"Contact preference: {preference}"
            ],
        ).fetchone()[0]
        assert len(message.split()) <= limit, message


def test_other_prompts_get_a_generic_answer(conn: duckdb.DuckDBPyConnection) -> None:
    answers = conn.execute(
        f"select cortex_complete('{LARGE_MODEL}', p) "
        "from (values ('What is the capital of France?'), ('')) t(p)"
    ).fetchall()
    assert all(isinstance(a, str) and a for (a,) in answers)
    assert "capital of France" in answers[0][0]


def test_null_prompt_gives_null_without_a_call(conn: duckdb.DuckDBPyConnection) -> None:
    assert conn.execute(
        f"select cortex_complete('{LARGE_MODEL}', null), cortex_try_complete('{LARGE_MODEL}', null)"
    ).fetchone() == (None, None)
    assert call_counts(conn) == {}


@pytest.mark.parametrize(
    "call",
    [
        "cortex_complete('{model}', 'hello')",
        "cortex_try_complete('{model}', 'hello')",
        "cortex_ai_complete('{model}', 'hello', null, null)",
        "cortex_count_tokens('{model}', 'hello')",
        "cortex_ai_count_tokens('ai_complete', '{model}', 'hello')",
    ],
)
def test_a_model_neither_in_the_catalog_nor_fine_tuned_fails_the_query(
    conn: duckdb.DuckDBPyConnection, call: str
) -> None:
    with pytest.raises(duckdb.Error, match="unknown model 'mistral-huge'") as raised:
        conn.execute("select " + call.format(model="mistral-huge")).fetchall()
    assert all(name in str(raised.value) for name in usable_models())


@pytest.mark.parametrize("retired", retired_models())
def test_a_retired_catalog_model_fails_the_query_naming_it(
    conn: duckdb.DuckDBPyConnection, retired: str
) -> None:
    for call in (
        "cortex_ai_complete('{model}', 'hello', null, null)",
        "cortex_try_complete('{model}', 'hello')",
        "cortex_ai_count_tokens('ai_complete', '{model}', 'hello')",
    ):
        with pytest.raises(duckdb.Error, match=f"Model '{re.escape(retired)}' has been retired"):
            conn.execute("select " + call.format(model=retired)).fetchall()


def test_the_catalog_is_the_one_list_of_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = tmp_path / "cortex_models.csv"
    header = CATALOG_PATH.read_text(encoding="utf-8").splitlines()[0]
    columns = header.split(",")
    row = dict.fromkeys(columns, "")
    row.update(
        model_name="house-model-xl",
        size_class="large",
        lifecycle="ga",
        is_finetune_base="false",
        supports_structured_output="true",
    )
    catalog.write_text(header + "\n" + ",".join(row[c] for c in columns) + "\n")
    monkeypatch.setenv("CORTEX_MODEL_CATALOG", str(catalog))
    connection = duckdb.connect()
    register(connection)
    prompt = QUICKSTART_PROMPT + " " + REQUESTS[0][0]
    assert connection.execute(
        "select cortex_ai_complete('house-model-xl', ?, null, null)", [prompt]
    ).fetchone() == ("Roaming fees",)
    with pytest.raises(duckdb.Error, match=f"unknown model '{LARGE_MODEL}'"):
        connection.execute(
            f"select cortex_ai_complete('{LARGE_MODEL}', 'hi', null, null)"
        ).fetchall()
    connection.close()


def test_ai_complete_answers_within_a_json_schema(conn: duckdb.DuckDBPyConnection) -> None:
    schema = {
        "type": "json",
        "schema": {
            "type": "object",
            "properties": {
                "category": {"type": "string", "enum": CATEGORIES},
                "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                "reason": {"type": "string"},
            },
            "required": ["category", "confidence", "reason"],
        },
    }
    load_requests(conn)
    rows = conn.execute(
        "select expected, cortex_ai_complete(?, 'Which category fits this request? ' || request, "
        "null, ?) from requests order by id",
        [LARGE_MODEL, json.dumps(schema)],
    ).fetchall()
    answers = [json.loads(answer) for _, answer in rows]
    for answer in answers:
        jsonschema.validate(answer, schema["schema"])
    right = sum(
        answer["category"] == expected for (expected, _), answer in zip(rows, answers, strict=True)
    )
    assert right / len(rows) >= 0.8


def test_ai_complete_returns_null_for_a_failing_row(conn: duckdb.DuckDBPyConnection) -> None:
    rows = conn.execute(
        "select p, cortex_ai_complete(?, 'Say hello', p, null) from (values "
        "('{\"temperature\": 0}'), ('{\"temperature\": 7}'), ('not json'), (null)) t(p)",
        [LARGE_MODEL],
    ).fetchall()
    answers = dict(rows)
    assert answers['{"temperature": 0}'] and answers[None]
    assert answers['{"temperature": 7}'] is None and answers["not json"] is None
    errors = conn.execute("select error from cortex_emulator.call_errors order by error").fetchall()
    assert len(errors) == 2 and any("temperature" in e for (e,) in errors)


def test_ai_complete_max_tokens_cuts_the_answer(conn: duckdb.DuckDBPyConnection) -> None:
    prompt = (
        MESSAGE_PROMPT + " Here is the customer information: Name: Ann, Contact preference: Email"
    )
    full, cut = conn.execute(
        "select cortex_ai_complete(?, ?, null, null), "
        "cortex_ai_complete(?, ?, '{\"max_tokens\": 5}', null)",
        [LARGE_MODEL, prompt, LARGE_MODEL, prompt],
    ).fetchone()
    assert count_tokens(cut) <= 5 < count_tokens(full) and full.startswith(cut)


def test_ai_count_tokens(conn: duckdb.DuckDBPyConnection) -> None:
    text = QUICKSTART_PROMPT
    legacy, new = conn.execute(
        "select cortex_count_tokens(?, ?), cortex_ai_count_tokens('AI_COMPLETE', ?, ?)",
        [SMALL_MODEL, text, SMALL_MODEL, text],
    ).fetchone()
    assert legacy == new > 0
    with pytest.raises(duckdb.Error, match="does not know the function 'ai_dance'"):
        conn.execute(
            "select cortex_ai_count_tokens('ai_dance', ?, 'hello')", [SMALL_MODEL]
        ).fetchall()


def test_model_names_are_case_insensitive(conn: duckdb.DuckDBPyConnection) -> None:
    prompt = QUICKSTART_PROMPT + " " + REQUESTS[0][0]
    a, b = conn.execute(
        f"select cortex_complete('{LARGE_MODEL.upper()}', ?), cortex_complete('{LARGE_MODEL}', ?)",
        [prompt, prompt],
    ).fetchone()
    assert a == b == "Roaming fees"


def test_count_tokens(conn: duckdb.DuckDBPyConnection) -> None:
    texts = [
        "",
        "Hi",
        "Hi there",
        "Hi there, how are you?",
        "Hi there, how are you? I'd like to understand my internationalization charges.",
        QUICKSTART_PROMPT,
        QUICKSTART_PROMPT + " " + REQUESTS[0][0],
    ]
    counts = [
        conn.execute(f"select cortex_count_tokens('{SMALL_MODEL}', ?)", [t]).fetchone()[0]
        for t in texts
    ]
    assert counts[0] == 0
    assert all(c > 0 for c in counts[1:])
    assert counts == sorted(counts)
    words = len(QUICKSTART_PROMPT.split())
    assert words <= counts[5] <= 2 * words
    assert conn.execute(f"select cortex_count_tokens('{LARGE_MODEL}', null)").fetchone()[0] is None
    with pytest.raises(duckdb.Error, match="unknown model 'gpt-17'"):
        conn.execute("select cortex_count_tokens('gpt-17', 'hello')").fetchall()


def test_backend_name(conn: duckdb.DuckDBPyConnection) -> None:
    rows = conn.execute(
        f"select cortex_backend_name(m) from (values ('{LARGE_MODEL}'), ('{SMALL_MODEL}'), (null)) t(m)"
    ).fetchall()
    assert [r[0] for r in rows] == ["local-emulator", "local-emulator", None]


def test_calls_are_logged_per_batch_and_model(conn: duckdb.DuckDBPyConnection) -> None:
    load_requests(conn)
    conn.execute(
        f"select cortex_complete(case when id % 3 = 0 then '{SMALL_MODEL}' else '{LARGE_MODEL}' end, "
        "case when id = 1 then null else prompt end) from prompts"
    ).fetchall()
    conn.execute(
        f"select cortex_try_complete('{OTHER_SMALL_MODEL}', prompt) from prompts"
    ).fetchall()
    conn.execute(
        f"select cortex_count_tokens('{OTHER_SMALL_MODEL}', prompt) from prompts"
    ).fetchall()
    n_small = sum(1 for i in range(len(REQUESTS)) if i % 3 == 0)
    assert call_counts(conn) == {
        ("complete", SMALL_MODEL): n_small,
        ("complete", LARGE_MODEL): len(REQUESTS) - n_small - 1,
        ("try_complete", OTHER_SMALL_MODEL): len(REQUESTS),
        ("count_tokens", OTHER_SMALL_MODEL): len(REQUESTS),
    }
    rows = conn.execute(
        "select function, model, rows, called_at from cortex_emulator.calls order by all"
    ).fetchall()
    assert len(rows) == 4 and all(r[3] is not None for r in rows)


def test_batches_larger_than_a_vector(conn: duckdb.DuckDBPyConnection) -> None:
    load_requests(conn)
    conn.execute(
        "create table big as select i as id, p.prompt, p.expected "
        "from range(5000) t(i) join prompts p on p.id = i % 35"
    )
    conn.execute(
        f"create table small_answers as select id, cortex_complete('{LARGE_MODEL}', prompt) as answer "
        "from prompts"
    )
    rows = conn.execute(
        "select count(*), count(big_answer), sum((big_answer = small_answers.answer)::int) from "
        f"(select id, cortex_complete('{LARGE_MODEL}', prompt) as big_answer from big) as b "
        "join small_answers on small_answers.id = b.id % 35"
    ).fetchone()
    assert rows == (5000, 5000, 5000)
    logged = conn.execute(
        "select count(*), sum(rows), max(rows) from cortex_emulator.calls"
    ).fetchone()
    assert logged[1] == 5000 + 35 and logged[2] <= 2048 and logged[0] >= 4


def test_register_is_idempotent(conn: duckdb.DuckDBPyConnection) -> None:
    register(conn)
    register(conn)
    assert (
        conn.execute(f"select cortex_backend_name('{SMALL_MODEL}')").fetchone()[0]
        == "local-emulator"
    )
    cursor = conn.cursor()
    register(cursor)  # the functions already exist in this database: they are shared
    assert cursor.execute(f"select cortex_complete('{LARGE_MODEL}', 'Hi')").fetchone()[0]
    cursor.close()
    registered = {
        row[0]
        for row in conn.execute(
            "select function_name from duckdb_functions() where function_name like 'cortex_%'"
        ).fetchall()
    }
    assert registered == {*cortex_emulator.FUNCTION_NAMES, "cortex_emulator_instance"}


def test_functions_outlive_the_connection_that_registered_them(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.duckdb")
    first = duckdb.connect(path)
    register(first)
    second = duckdb.connect(path)  # the same database: the functions are already there
    register(second)
    prompt = QUICKSTART_PROMPT + " " + REQUESTS[0][0]
    assert second.execute(f"select cortex_complete('{LARGE_MODEL}', ?)", [prompt]).fetchone()[0]
    first.close()
    # Without care, the functions would now point at freed memory (a segfault).
    answer = second.execute(f"select cortex_complete('{LARGE_MODEL}', ?)", [prompt]).fetchone()[0]
    assert answer == "Roaming fees"
    register(second)
    assert call_counts(second) == {("complete", LARGE_MODEL): 2}
    second.close()


def test_concurrent_threads(conn: duckdb.DuckDBPyConnection) -> None:
    load_requests(conn)
    results: dict[int, list[tuple]] = {}
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            cursor = conn.cursor()
            results[k] = cursor.execute(
                f"select id, cortex_complete('{LARGE_MODEL}', prompt) from prompts, range(60) "
                "order by all"
            ).fetchall()
            cursor.close()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(results[k] == results[0] for k in results)
    assert sum(call_counts(conn).values()) == 4 * 60 * len(REQUESTS)


def test_dbt_duckdb_plugin_registers_the_functions(tmp_path: Path) -> None:
    from dbt.adapters.duckdb.plugins import BasePlugin

    plugin = BasePlugin.create("cortex_emulator.plugin")
    connection = duckdb.connect(str(tmp_path / "plugin.duckdb"))
    plugin.configure_connection(connection)
    assert connection.execute(f"select cortex_backend_name('{LARGE_MODEL}')").fetchone() == (
        "local-emulator",
    )
    connection.close()
