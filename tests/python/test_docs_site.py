"""The generated docs site in a real browser: target/ served on 127.0.0.1, index.html opened in
headless Chromium (Debian's package, installed with apt-get when missing; no browser download),
and the lineage graph read from the page's cytoscape instance: source to marts."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import CHROMIUM_ARGS, install_chromium
from dbt_harness import PROJECT_DIR, DbtProject

SCREENSHOT_PATH = PROJECT_DIR / "test-output" / "docs_lineage.png"
WAIT_MS = 20_000
# The graph of everything upstream of the last mart, as the docs site's "--select" box would show
# it (the URL carries the selection: g_v=1 opens the graph, g_i is --select).
LINEAGE_URL = "index.html#!/overview?g_v=1&g_i=%2Bticket_messages"
SOURCE_TO_MARTS = [
    "support.support_tickets",
    "base_support__tickets",
    "stg_support__tickets",
    "int_tickets__split",
    "int_tickets__prompted_for_categorization",
    "int_teacher_labels__requested",
    "int_teacher_labels__normalized",
    "finetuning.model_promotions",
    "int_finetuned_categories__requested",
    "int_finetuned_categories__normalized",
    "ticket_categories",
    "int_tickets__prompted_for_messages",
    "int_messages__requested",
    "ticket_messages",
]
# The dbt docs DAG is drawn by cytoscape on a canvas; the library keeps its instance on the
# container element (`_cyreg.cy`), which is where the labels and edges are read from.
CYTOSCAPE = "document.getElementById('cy') && document.getElementById('cy')._cyreg"
GRAPH_IS_SETTLED = f"""() => {{
    const registry = {CYTOSCAPE};
    if (!registry || !registry.cy) return false;
    const cy = registry.cy;
    const visible = cy.nodes(':visible');
    if (visible.length === 0 || cy.animated()) return false;
    const box = JSON.stringify(visible.renderedBoundingBox());
    const settled = window.__lineageBox === box;
    window.__lineageBox = box;
    return settled;
}}"""
READ_GRAPH = f"""() => {{
    const cy = ({CYTOSCAPE}).cy;
    const width = cy.width(), height = cy.height();
    return {{
        nodes: cy.nodes(':visible').map(node => {{
            const at = node.renderedPosition();
            return {{
                label: node.data('label'),
                on_screen: at.x >= 0 && at.y >= 0 && at.x <= width && at.y <= height,
            }};
        }}),
        edges: cy.edges(':visible').map(edge => [edge.source().data('label'), edge.target().data('label')]),
    }};
}}"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def docs_url(built_project: DbtProject) -> Iterator[str]:
    """The built project's target/ (index.html, manifest.json, catalog.json) on a free port."""
    target = built_project.target_path
    assert (target / "index.html").exists(), "dbt docs generate wrote no index.html"
    handler = functools.partial(_QuietHandler, directory=str(target))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _reachable(edges: list[list[str]], start: str) -> set[str]:
    children: dict[str, set[str]] = {}
    for parent, child in edges:
        children.setdefault(parent, set()).add(child)
    seen, todo = {start}, [start]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def test_lineage_graph_shows_the_models_from_source_to_marts(docs_url: str, tmp_path: Path) -> None:
    chromium = install_chromium()
    from playwright.sync_api import sync_playwright

    SCREENSHOT_PATH.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),  # --user-data-dir
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1600, "height": 1000},
            timeout=WAIT_MS,
        )
        try:
            browser.set_default_timeout(WAIT_MS)
            page = browser.new_page()
            page.goto(docs_url + LINEAGE_URL, wait_until="load", timeout=WAIT_MS)
            page.get_by_text("Lineage Graph", exact=True).wait_for(state="visible")
            page.wait_for_function(GRAPH_IS_SETTLED, polling=300, timeout=WAIT_MS)
            graph = page.evaluate(READ_GRAPH)
            page.screenshot(path=str(SCREENSHOT_PATH))
        finally:
            browser.close()

    labels = {node["label"] for node in graph["nodes"]}
    missing = [name for name in SOURCE_TO_MARTS if name not in labels]
    assert not missing, f"lineage graph lacks {missing}; it shows {sorted(labels)}"
    off_screen = [node["label"] for node in graph["nodes"] if not node["on_screen"]]
    assert not off_screen, f"nodes drawn outside the graph's canvas: {off_screen}"

    downstream_of_source = _reachable(graph["edges"], "support.support_tickets")
    assert {"stg_support__tickets", "ticket_categories", "ticket_messages"} <= downstream_of_source
    downstream_of_teacher = _reachable(graph["edges"], "int_teacher_labels__requested")
    assert {"ticket_categories", "ticket_messages"} <= downstream_of_teacher
    assert SCREENSHOT_PATH.stat().st_size > 20_000, "the screenshot looks empty"
