"""The message studio in a real browser: `streamlit run` on a free port, driven by Playwright
with Debian's chromium (installed with apt-get when missing; no browser download)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import CHROMIUM_ARGS, install_chromium
from dbt_harness import PROJECT_DIR, DbtProject

APP_PATH = PROJECT_DIR / "app" / "message_studio.py"
SCREENSHOT_PATH = PROJECT_DIR / "test-output" / "studio.png"
CATEGORY = "Lost phone"
TICKET_COUNT = 10
WAIT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(url: str, server: subprocess.Popen[str], log_path: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"streamlit exited early:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise AssertionError(
        f"streamlit not healthy after {WAIT_SECONDS}s:\n{log_path.read_text()[-3000:]}"
    )


@pytest.fixture
def chromium_path() -> str:
    return install_chromium()


@pytest.fixture
def studio_url(built_project: DbtProject, tmp_path: Path) -> Iterator[str]:
    """The app served by `streamlit run` on 127.0.0.1 and a free port, on a copy of the built
    database: dbt-duckdb keeps the file open (read-write, so locked) in this test process."""
    built_project.query("checkpoint")
    database = tmp_path / built_project.database_path.name
    shutil.copy(built_project.database_path, database)
    port = free_port()
    log_path = tmp_path / "streamlit.log"
    environment = {
        **os.environ,
        "SUPPORT_TICKETS_DUCKDB_PATH": str(database),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(APP_PATH),
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--server.headless",
                "true",
            ],
            cwd=PROJECT_DIR,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, server, log_path)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def test_generates_messages_in_a_real_browser(
    built_project: DbtProject, chromium_path: str, studio_url: str
) -> None:
    from playwright.sync_api import expect, sync_playwright

    expected = built_project.query(
        """
        select categories.ticket_id, messages.customer_name
        from main.ticket_categories as categories
        inner join main.ticket_messages as messages using (ticket_id)
        where categories.category = ?
        order by categories.ticket_id
        limit ?
        """,
        [CATEGORY, TICKET_COUNT],
    )
    assert len(expected) == TICKET_COUNT

    SCREENSHOT_PATH.parent.mkdir(parents=True, exist_ok=True)
    timeout_ms = WAIT_SECONDS * 1000
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            # Tall enough for the ten messages: Streamlit scrolls an inner element, so a
            # full-page screenshot shows the viewport only.
            page = browser.new_page(viewport={"width": 1280, "height": 3000})
            page.set_default_timeout(timeout_ms)
            page.goto(studio_url)
            generate = page.get_by_role("button", name="Generate messages")
            expect(generate).to_be_visible(timeout=timeout_ms)

            category = page.get_by_role("combobox", name="Request category")
            category.click()
            page.get_by_role("option", name=CATEGORY, exact=True).click()
            expect(category).to_have_value(CATEGORY)
            generate.click()

            expect(
                page.get_by_text(f"Generated {TICKET_COUNT} messages for {CATEGORY}")
            ).to_be_visible(timeout=timeout_ms)
            page.screenshot(path=str(SCREENSHOT_PATH), full_page=True)
            text = page.inner_text("body")
        finally:
            browser.close()

    for ticket_id, customer_name in expected:
        assert f"Ticket {ticket_id}" in text
        assert customer_name in text
    assert "📱" in text or "📧" in text
    assert SCREENSHOT_PATH.stat().st_size > 10_000
