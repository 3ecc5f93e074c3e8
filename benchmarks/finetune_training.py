"""How long the emulator's FINETUNE takes on 80,000 (prompt, completion) pairs, and how long the
fine-tuned model takes to answer them: a figure to compare, not a test.

    .venv/bin/python benchmarks/finetune_training.py             # 80,000 pairs
    .venv/bin/python benchmarks/finetune_training.py --pairs 20000

The pairs are the project's categorisation prompts (the template rendered for the seed's
categories) around the synthetic requests of scripts/generate_tickets.py, labelled with the
category each was written for: the shape of the pairs the main job trains on. Training runs
through SQL (``cortex_finetune_create``) on an in-memory DuckDB, so the figure includes reading
the pairs and storing the model as tables. Before scikit-learn (a hand-written TF-IDF and
softmax regression) 80,000 pairs took about 11 s on the project's 2-core machines.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(PROJECT_DIR / "scripts"), str(PROJECT_DIR / "tests" / "python")]

import generate_tickets  # noqa: E402
from catalog_models import FINETUNE_BASE_MODEL  # noqa: E402
from project_vars import CATEGORIZATION_PROMPT  # noqa: E402

from cortex_emulator import register  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=80_000)
    args = parser.parse_args()
    tickets = generate_tickets.generate_tickets(args.pairs, seed=7)
    conn = duckdb.connect()
    register(conn)
    conn.execute("create table pairs (prompt varchar, completion varchar)")
    conn.executemany(
        "insert into pairs values (?, ?)",
        [(CATEGORIZATION_PROMPT + " " + t.request, t.intended_category) for t in tickets],
    )
    started = time.perf_counter()
    job = conn.execute(
        "select cortex_finetune_create('bench.main.tuned', ?, 'select * from pairs', null, null)",
        [FINETUNE_BASE_MODEL],
    ).fetchone()[0]
    trained = time.perf_counter() - started
    status = conn.execute("select cortex_finetune_describe(?)", [job]).fetchone()[0]
    started = time.perf_counter()
    agreeing = conn.execute(
        "select avg((cortex_complete('bench.main.tuned', prompt) = completion)::int) from pairs"
    ).fetchone()[0]
    predicted = time.perf_counter() - started
    print(
        f"FINETUNE on {args.pairs:,} pairs: {trained:.1f} s ({'SUCCESS' in status and 'SUCCESS'})"
    )
    print(
        f"answering the {args.pairs:,} training prompts: {predicted:.1f} s; agreement {agreeing:.3f}"
    )


if __name__ == "__main__":
    main()
