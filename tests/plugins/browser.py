"""Browser tests: the test app served over HTTP on a free port, headless Chromium driven by
Playwright, and a folder for screenshots.

Tests that use ``live_server`` are marked ``browser``. Without Chromium they skip, saying why;
REQUIRE_BROWSER=1 turns that skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from sla_contracts.extensions import db

from .people import TEST_PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "live_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


def chromium_or_skip() -> str:
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return CHROMIUM
    if os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(f"REQUIRE_BROWSER is set but {CHROMIUM} is missing")
    pytest.skip(f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture
def output_dir(request) -> Path:
    """A folder under test-output/ for screenshots and files a person may want to look at."""
    path = OUTPUT / request.node.name
    path.mkdir(parents=True, exist_ok=True)
    return path


class LiveServer:
    """The test app served over HTTP: ``live_server("/login")`` is the URL of a page."""

    def __init__(self, url: str):
        self.url = url

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    """Serve ``app`` (the test database) from a background thread on a free port.

    The test's own session must not hold a transaction while the browser writes (SQLite opens
    every transaction with BEGIN IMMEDIATE): commit before driving the browser.
    """
    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def chromium_browser():
    """Headless Debian Chromium driven by Playwright."""
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


# Reported by the page itself (every frame, every navigation) and read back from the console.
_REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const what = `${event.violatedDirective} ${event.blockedURI}`;
  console.error(`Content Security Policy violation: ${what}`);
});
"""


def watch_csp(page) -> list[str]:
    """Collect, from now on, every Content-Security-Policy violation ``page`` reports."""
    violations: list[str] = []
    page.add_init_script(_REPORT_CSP_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def log_in(page, live_server: LiveServer, email: str, password: str = TEST_PASSWORD) -> None:
    """Sign ``page`` in through the login form, as a person would, and wait for the home page."""
    page.goto(live_server("/login"))
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(live_server("/"))


def signed_in(browser, live_server: LiveServer, email: str, password: str = TEST_PASSWORD,
              **context):  # fmt: skip
    """A page in a fresh browser context (``context``: Playwright's options), signed in."""
    page = browser.new_context(**context).new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, email, password)
    return page
