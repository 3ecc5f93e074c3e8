"""What real models answer that the emulator never does, through dbt: the teacher's answers come
from a chat-completions server on 127.0.0.1 that replies, per ticket, the way the real models
of test_real_models and benchmarks/real_model_comparison.py were seen to (prose around the label, JSON
with extra keys or in a code fence, another case, an empty answer, words that name no
category) or not at all in time. Each ends as a valid category, as Unknown with its raw answer
kept, or as a recorded failure that the next build sends again; the build never fails. The
structured-output request is sent in llama-cpp-python's form (json_object with the schema)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from dbt_harness import PROJECT_DIR, DbtProject

from cortex_emulator.testing.fake_server import FakeChatServer, Reply
from real_models.backend import run_vars

PREPARE = ("build", "--selector", "prepare_training_data")
TEACHER = "llama3.3-70b"
TIMEOUT_SECONDS = 2
# ticket marker -> (what the teacher answers, the category it must end as)
ANSWERS: dict[str, tuple[str, str]] = {
    "marker-prose": ("Sure! The category is: Roaming fees. Anything else?", "Roaming fees"),
    "marker-extra-keys": (
        '{"category": "Lost phone", "confidence": 0.93, "reason": "the phone was stolen"}',
        "Lost phone",
    ),
    "marker-other-case": ('{"Category": "CLOSING ACCOUNT"}', "Closing account"),
    "marker-code-fence": ('```json\n{"category": "Add new line"}\n```', "Add new line"),
    "marker-empty": ("", "Unknown"),
    "marker-other-words": ("Billing dispute", "Unknown"),
    "marker-invalid-json-category": (
        '{"category": "Billing", "reason": "the customer mentions roaming fees"}',
        "Unknown",
    ),
}
LATE = "marker-late"


def write_tickets(path: Path) -> dict[str, str]:
    """One ticket per marker, copied from the synthetic seed with the marker in its request."""
    with (PROJECT_DIR / "seeds" / "support_tickets.csv").open(encoding="utf-8") as handle:
        seed_rows = list(csv.DictReader(handle))
    markers = [*ANSWERS, LATE]
    tickets = {}
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(seed_rows[0]))
        writer.writeheader()
        for marker, row in zip(markers, seed_rows, strict=False):
            writer.writerow({**row, "request": f"{row['request']} ({marker})"})
            tickets[row["ticket_id"]] = marker
    return tickets


class RealLikeTeacher:
    """Answers each ticket's prompt as listed in ANSWERS; the late one after the timeout
    while ``late`` is set."""

    def __init__(self) -> None:
        self.late = True

    def __call__(self, prompt: str) -> Reply | None:
        if LATE in prompt:
            return Reply(delay_seconds=TIMEOUT_SECONDS * 3) if self.late else None
        for marker, (answer, _) in ANSWERS.items():
            if marker in prompt:
                return Reply(content=answer)
        return None


def test_odd_real_answers_end_as_categories_unknown_or_a_failure_sent_again(
    tmp_path: Path,
) -> None:
    tickets = write_tickets(tmp_path / "tickets.csv")
    teacher = RealLikeTeacher()
    with FakeChatServer(fault=teacher) as server:
        project = DbtProject.create(
            tmp_path / "project",
            plugin_config={
                "backend": "openai",
                "base_url": server.base_url,
                "model_map": {TEACHER: "real-like-teacher"},
                "response_format": "json_object",
                "server_label": "real-like",
                "timeout_seconds": TIMEOUT_SECONDS,
                "max_retries": 0,
            },
        )
        # Half of these tickets end as Unknown by construction: the Unknown-share gate (an error
        # above var max_unknown_category_share, tested elsewhere) is set above that here.
        dbt_vars = run_vars(
            {"tickets_csv": str(tmp_path / "tickets.csv"), "max_unknown_category_share": 0.6}
        )
        project.invoke("run-operation", "load_support_tickets", vars=dbt_vars)
        project.invoke(*PREPARE, vars=dbt_vars)

        sent_formats = {
            json.dumps(body.get("response_format"), sort_keys=True) for body in server.stats.bodies
        }
        (sent_format,) = sent_formats
        assert json.loads(sent_format)["type"] == "json_object"
        assert "category" in json.loads(sent_format)["schema"]["properties"]

        labels = {
            ticket: (raw, category, backend)
            for ticket, raw, category, backend in project.query(
                "select ticket_id, raw_response, category, backend "
                "from main.int_teacher_labels__normalized"
            )
        }
        assert set(labels) == set(tickets)
        for ticket, marker in tickets.items():
            raw, category, backend = labels[ticket]
            assert backend == "openai-compatible:real-like/real-like-teacher"
            if marker == LATE:
                assert raw is None and category == "Unknown"
            else:
                answer, expected = ANSWERS[marker]
                assert (raw, category) == (answer, expected), marker
        late_ticket = next(t for t, m in tickets.items() if m == LATE)
        errors = project.query(
            "select errors.error, labels.ticket_id from cortex_emulator.call_errors as errors "
            "inner join main.int_teacher_labels__requested as labels using (prompt_hash)"
        )
        assert len(errors) == 1 and errors[0][1] == late_ticket
        assert "timed out" in errors[0][0]
        # Unknown and unanswered labels never train the student.
        trained = {
            row[0]
            for row in project.query("select ticket_id from main.int_training_pairs__prepared")
        }
        unknown = {t for t, (_, category, _) in labels.items() if category == "Unknown"}
        assert not trained & unknown

        teacher.late = False
        server.reset()
        project.invoke(*PREPARE, vars=dbt_vars)
        assert server.stats.requests == 1 and LATE in server.prompts()[0]
        raw, category = project.query(
            "select raw_response, category from main.int_teacher_labels__normalized "
            "where ticket_id = ?",
            [late_ticket],
        )[0]
        categories = {row[0] for row in project.query("select category from main.valid_categories")}
        assert raw is not None and category in categories
