"""Two heads on one draft in two browsers: each sees the other here and hears of their changes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from sla_contracts.extensions import db

from .a11y_helpers import describe_violations, run_axe
from .plugins.browser import signed_in, watch_csp

pytestmark = pytest.mark.browser
# The machine may be busy: a poll comes late, not never.
SLOW = 15_000


@pytest.fixture
def app_config():
    # Poll twice a second so the test does not wait five seconds per step.
    return {"LIVE_POLL_SECONDS": 0.5}


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_other_head_sees_presence_and_a_banner_and_keeps_what_they_typed(
    org, live_server, chromium_browser, make_charter, make_commitment, output_dir, width
):
    charter = make_charter()
    make_commitment(charter, org.logistics, "Deliver before 7 am")
    url = live_server(f"/charters/{charter.id}")
    emails = org.head_a.email, org.head_b.email
    db.session.commit()
    options = {"locale": "en-US", "viewport": {"width": width, "height": 900}}
    alice = signed_in(chromium_browser, live_server, emails[0], **options)
    bruno = signed_in(chromium_browser, live_server, emails[1], **options)
    violations = watch_csp(bruno)

    alice.goto(url)
    bruno.goto(url)
    expect(bruno.locator("[data-live-presence]")).to_have_text(
        "Alice Head is also here", timeout=SLOW
    )
    expect(alice.locator("[data-live-presence]")).to_have_text(
        "Bruno Head is also here", timeout=SLOW
    )

    # Bruno is half-way through a reply, and has opened a comment form under the commitment.
    bruno.evaluate("window.notReloaded = true")
    bruno.fill("#body", "Half-written reply: 6 am is hard for")
    bruno.locator("details.comment-on summary").first.click()
    bruno.locator("details.comment-on textarea").first.fill("About the slot")

    alice.fill("#body", "Shall we say 6 am?")
    alice.locator("#comments form button[type=submit]").click()
    alice.wait_for_url(re.compile(r"#comments$"))

    banner = bruno.locator("[data-live-banner]")
    expect(banner).to_be_visible(timeout=SLOW)
    expect(banner).to_contain_text("Alice Head · Comment posted: Shall we say 6 am?", timeout=SLOW)
    assert bruno.evaluate("window.notReloaded") is True  # told without reloading
    bruno.screenshot(path=str(output_dir / "banner.png"), full_page=True)
    assert bruno.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
    violations_axe = run_axe(bruno, within=".live")  # the rest of the page: test_accessibility
    assert not violations_axe, describe_violations(violations_axe)

    bruno.locator("[data-live-refresh]").click()
    expect(bruno.locator("#comments")).to_contain_text("Shall we say 6 am?", timeout=SLOW)
    assert bruno.evaluate("window.notReloaded") is None  # the page was refreshed
    expect(bruno.locator("#body")).to_have_value(
        "Half-written reply: 6 am is hard for", timeout=SLOW
    )
    expect(bruno.locator("details.comment-on textarea").first).to_have_value(
        "About the slot", timeout=SLOW
    )
    expect(bruno.locator("details.comment-on").first).to_have_attribute("open", "", timeout=SLOW)
    expect(banner).to_be_hidden(timeout=SLOW)
    expect(bruno.locator("[data-live-presence]")).to_have_text(
        "Alice Head is also here", timeout=SLOW
    )
    assert violations == []


def _set_visibility(page, state: str) -> None:
    page.evaluate(
        """(state) => {
            Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        state,
    )


def test_a_hidden_tab_stops_polling_and_resumes_when_shown(
    org, live_server, chromium_browser, make_charter
):
    charter = make_charter()
    url = live_server(f"/charters/{charter.id}")
    email = org.head_b.email
    db.session.commit()
    page = signed_in(chromium_browser, live_server, email, locale="en-US")
    polls: list[str] = []
    page.on(
        "request", lambda request: polls.append(request.url) if "/live" in request.url else None
    )
    page.goto(url)

    def wait_for_polls(count: int) -> None:
        for _ in range(100):
            if len(polls) >= count:
                return
            page.wait_for_timeout(100)
        raise AssertionError(f"{len(polls)} polls, expected {count}")

    wait_for_polls(2)  # every 0.5 s while shown

    _set_visibility(page, "hidden")
    page.wait_for_timeout(1000)  # a poll already on its way may still land
    hidden_at = len(polls)
    page.wait_for_timeout(2000)  # four poll intervals
    assert len(polls) == hidden_at

    _set_visibility(page, "visible")
    wait_for_polls(hidden_at + 1)
