"""Tests for scripts/generate_tickets.py, the synthetic support-ticket seed generator."""

from __future__ import annotations

import csv
import random
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from types import ModuleType

import duckdb
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = PROJECT_ROOT / "scripts" / "generate_tickets.py"
SEED_CSV = PROJECT_ROOT / "seeds" / "support_tickets.csv"
COUNT = 600
HEADER = "ticket_id,customer_name,customer_email,service_type,request,contact_preference"

CATEGORY_MARKERS: dict[str, tuple[str, ...]] = {
    "Roaming fees": (
        r"roaming",
        r"abroad",
        r"overseas",
        r"international",
        r"travel pass",
        r"day pass",
        r"\btrip\b",
    ),
    "Slow data speed": (
        r"\bslow",
        r"buffer",
        r"mbps",
        r"\bspeed",
        r"throttl",
        r"crawl",
        r"\blag\b",
    ),
    "Lost phone": (
        r"stolen",
        r"\blost\b",
        r"missing",
        r"misplaced",
        r"pickpocket",
        r"police report",
        r"\bimei\b",
        r"snatched",
    ),
    "Add new line": (
        r"new lines?\b",
        r"another line",
        r"extra line",
        r"additional line",
        r"second line",
        r"\badd (?:my|a|one|two)\b",
        r"new numbers?",
    ),
    "Closing account": (
        r"cancel",
        r"close (?:my|the|this) account",
        r"\bclosing\b",
        r"terminat",
        r"disconnect",
        r"ported out",
        r"shut (?:off|down)",
        r"final bill",
        r"switching to",
    ),
}


def _load_module() -> ModuleType:
    import generate_tickets  # scripts/ is on sys.path (conftest.py)

    assert Path(generate_tickets.__file__).resolve() == SCRIPT
    return generate_tickets


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return _load_module()


@pytest.fixture(scope="module")
def tickets(gen: ModuleType) -> list:
    return gen.generate_tickets(COUNT, seed=42)


@pytest.fixture(scope="module")
def csv_path(gen: ModuleType, tickets: list, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tickets") / "support_tickets.csv"
    gen.write_csv(tickets, path)
    return path


def _share(predicate_hits: int, total: int = COUNT) -> float:
    return predicate_hits / total


def test_api_shape(gen: ModuleType) -> None:
    assert gen.CATEGORIES == (
        "Roaming fees",
        "Slow data speed",
        "Lost phone",
        "Add new line",
        "Closing account",
    )
    fields = list(gen.Ticket.__dataclass_fields__)
    assert fields == [
        "ticket_id",
        "customer_name",
        "customer_email",
        "service_type",
        "request",
        "contact_preference",
        "intended_category",
    ]
    assert gen.Ticket.__dataclass_params__.frozen


def test_deterministic(gen: ModuleType, tickets: list, csv_path: Path, tmp_path: Path) -> None:
    again = gen.generate_tickets(COUNT, seed=42)
    assert again == tickets
    other_path = tmp_path / "again.csv"
    gen.write_csv(again, other_path)
    assert other_path.read_bytes() == csv_path.read_bytes()
    assert gen.generate_tickets(COUNT, seed=7) != tickets


def test_committed_seed_is_up_to_date(csv_path: Path) -> None:
    assert SEED_CSV.read_bytes() == csv_path.read_bytes()


@pytest.mark.parametrize("count", [0, 1, 7, 99, 100, 250, COUNT])
def test_count(gen: ModuleType, count: int) -> None:
    assert len(gen.generate_tickets(count, seed=3)) == count


def test_header(csv_path: Path) -> None:
    first_line = csv_path.read_bytes().split(b"\n", 1)[0]
    assert first_line.decode("utf-8") == HEADER


def test_category_coverage(gen: ModuleType, tickets: list) -> None:
    counts = Counter(t.intended_category for t in tickets)
    assert set(counts) == set(gen.CATEGORIES)
    for category in gen.CATEGORIES:
        assert _share(counts[category]) >= 0.12, (category, counts)


def test_column_values(gen: ModuleType, tickets: list) -> None:
    assert {t.service_type.strip() for t in tickets} == {
        "Cellular",
        "Business Internet",
        "Home Internet",
    }
    contacts = Counter(t.contact_preference.strip() for t in tickets)
    assert set(contacts) == {"Email", "Text Message"}
    assert 0.5 <= _share(contacts["Email"]) <= 0.7
    for t in tickets:
        for value in (t.ticket_id, t.customer_name, t.customer_email, t.service_type):
            assert 0 < len(value) <= 60
        assert len(t.contact_preference) <= 60
        assert t.request.strip()
        assert "\r" not in t.request


def test_ticket_ids(tickets: list) -> None:
    assert all(re.fullmatch(r"[1-9][0-9]*", t.ticket_id) for t in tickets)
    widths = Counter(len(t.ticket_id) for t in tickets)
    assert len(widths) >= 3, widths


def test_default_duplicates(gen: ModuleType, tickets: list) -> None:
    expected = gen.default_duplicate_count(COUNT)
    assert expected >= 3
    by_id: dict[str, list] = {}
    for t in tickets:
        by_id.setdefault(t.ticket_id, []).append(t)
    duplicated = {ticket_id: group for ticket_id, group in by_id.items() if len(group) > 1}
    assert len(duplicated) == expected
    for group in duplicated.values():
        assert len(group) == 2
        first, second = group
        assert first.customer_name.strip() != second.customer_name.strip()
        assert first.customer_email.strip().lower() != second.customer_email.strip().lower()
        assert first.request != second.request


@pytest.mark.parametrize("duplicates", [0, 3, 25])
def test_duplicate_count_argument(gen: ModuleType, duplicates: int) -> None:
    generated = gen.generate_tickets(300, seed=11, duplicate_count=duplicates)
    counts = Counter(t.ticket_id for t in generated)
    assert sum(1 for n in counts.values() if n > 1) == duplicates
    assert max(counts.values()) <= 2


def test_invalid_arguments(gen: ModuleType) -> None:
    with pytest.raises(ValueError):
        gen.generate_tickets(-1)
    with pytest.raises(ValueError):
        gen.generate_tickets(10, duplicate_count=6)
    with pytest.raises(ValueError):
        gen.generate_tickets(10, duplicate_count=-1)


def test_mess_is_present(tickets: list) -> None:
    requests = [t.request for t in tickets]
    with_newline = sum("\n" in r for r in requests)
    with_double_quote = sum('"' in r for r in requests)
    with_apostrophe = sum("'" in r or "\u2019" in r for r in requests)
    non_ascii_names = sum(not t.customer_name.isascii() for t in tickets)
    padded = sum(
        value != value.strip()
        for t in tickets
        for value in (
            t.customer_name,
            t.customer_email,
            t.request,
            t.service_type,
            t.contact_preference,
        )
    )
    uppercase_emails = sum(t.customer_email != t.customer_email.lower() for t in tickets)
    assert 0.03 <= _share(with_newline) <= 0.08
    assert with_double_quote >= 10
    assert _share(with_apostrophe) >= 0.4
    assert 0.07 <= _share(non_ascii_names) <= 0.13
    assert padded >= 10
    assert uppercase_emails >= 10


def test_emails_are_ascii_and_derived_from_names(tickets: list) -> None:
    pattern = re.compile(r"[A-Za-z0-9._-]+@[A-Za-z0-9.-]+\.[A-Za-z]+")
    for t in tickets:
        email = t.customer_email.strip()
        assert email.isascii(), email
        assert pattern.fullmatch(email), email


def test_requests_are_varied(tickets: list) -> None:
    distinct = {t.request.strip() for t in tickets}
    assert len(distinct) >= 0.97 * COUNT


def _foreign_marker(gen: ModuleType, text: str, own_category: str | None) -> str | None:
    countries = [re.escape(country.removeprefix("the ")) for country in gen.COUNTRIES]
    for category, markers in CATEGORY_MARKERS.items():
        if category == own_category:
            continue
        patterns = list(markers)
        if category == "Roaming fees":
            patterns.append(rf"\b(?:{'|'.join(countries)})\b")
        hit = re.search("|".join(patterns), text, re.IGNORECASE)
        if hit:
            return f"{category}: {hit.group()}"
    return None


def test_every_template_has_one_theme(gen: ModuleType) -> None:
    rng = random.Random(0)
    for bank in (gen.CORES, gen.DETAILS, gen.ASKS):
        for theme, texts in bank.items():
            category = next(c for c in gen.CATEGORIES if theme.startswith(c))
            for service, templates in gen._compile(texts).items():
                assert templates, (theme, service)
                for template in templates:
                    for _ in range(5):
                        ctx = {
                            "service": service,
                            "category": category,
                            "first": "A",
                            "name": "A B",
                        }
                        text = template.render(rng, ctx)
                        assert "{" not in text and "}" not in text, text
                        assert _foreign_marker(gen, text, category) is None, (theme, text)
    generic = [*gen.GREETINGS, *gen.LEADS, *gen.CLOSINGS, *gen.SIGN_OFFS]
    generic += [text for texts in gen.CONTACT_CLOSINGS.values() for text in texts]
    for text in generic:
        assert _foreign_marker(gen, text, None) is None, text


def test_requests_have_one_theme(gen: ModuleType, tickets: list) -> None:
    for t in gen.generate_tickets(5000, seed=5) + tickets:
        hit = _foreign_marker(gen, t.request, t.intended_category)
        assert hit is None, (t.intended_category, hit, t.request)


def test_requests_do_not_always_name_the_category(tickets: list) -> None:
    literal = sum(t.intended_category.lower() in t.request.lower() for t in tickets)
    assert literal < 0.1 * COUNT


def test_csv_round_trip(tickets: list, csv_path: Path) -> None:
    with open(csv_path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == HEADER.split(",")
    assert [tuple(row) for row in rows[1:]] == [t.csv_row() for t in tickets]


def test_duckdb_reads_every_row(tickets: list, csv_path: Path) -> None:
    con = duckdb.connect()
    relation = con.sql(
        "select * from read_csv(?, header = true, all_varchar = true, quote = '\"', escape = '\"')",
        params=[str(csv_path)],
    )
    rows = relation.fetchall()
    assert len(rows) == len(tickets)
    assert [row[4] for row in rows] == [t.request for t in tickets]


def test_cli(tmp_path: Path, gen: ModuleType) -> None:
    output = tmp_path / "out" / "tickets.csv"
    answer_key = tmp_path / "answer_key.csv"
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--count",
            "150",
            "--seed",
            "9",
            "--output",
            str(output),
            "--answer-key",
            str(answer_key),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "150" in result.stdout
    expected = gen.generate_tickets(150, seed=9)
    reference = tmp_path / "reference.csv"
    gen.write_csv(expected, reference)
    assert output.read_bytes() == reference.read_bytes()
    with open(answer_key, encoding="utf-8", newline="") as handle:
        key_rows = list(csv.reader(handle))
    assert key_rows[0] == ["ticket_id", "intended_category"]
    assert key_rows[1:] == [[t.ticket_id, t.intended_category] for t in expected]


def test_scales_to_100k(gen: ModuleType) -> None:
    started = time.perf_counter()
    generated = gen.generate_tickets(100_000, seed=1)
    elapsed = time.perf_counter() - started
    assert len(generated) == 100_000
    assert len({t.ticket_id for t in generated}) == 100_000 - gen.default_duplicate_count(100_000)
    assert elapsed < 15, elapsed


def test_categories_come_from_the_seed(gen: ModuleType, tmp_path: Path) -> None:
    seed = PROJECT_ROOT / "seeds" / "valid_categories.csv"
    assert gen.read_categories(seed) == gen.CATEGORIES
    with seed.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert set(gen.CATEGORIES) == {row["category"] for row in rows}
    # A category the generator has no request templates for is refused, by name.
    extended = tmp_path / "valid_categories.csv"
    extended.write_text(
        seed.read_text(encoding="utf-8") + "Billing dispute,A charge the customer contests.,6\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, 'scripts'); import generate_tickets as g; "
            f"g.CATEGORIES = g.read_categories(__import__('pathlib').Path({str(extended)!r})); "
            "g.generate_tickets(10, seed=1)",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "Billing dispute" in result.stderr
