"""Two heads negotiate a charter from an empty draft to signed, in two browsers: each writes
their own commitments and says what they expect of the other, answers or declines, proposes a
change to the other's line, accepts one and rejects one with a reason, both agree every line;
the submit waits until then, both sign, the PDF downloads. Each hears of the other's changes
through the page's banner, without reloading."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from sla_contracts import jobs
from sla_contracts.extensions import db
from sla_contracts.timeutil import utcnow

from .a11y_helpers import describe_violations, run_axe
from .plugins.browser import signed_in, watch_csp
from .plugins.people import TEST_PASSWORD
from .signing_helpers import pdf_text

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(smtp):
    # Poll twice a second so the banner shows within the test's patience.
    return {
        "LIVE_POLL_SECONDS": 0.5,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp.port,
        "MAIL_TIMEOUT": 5,
    }


LINES = {
    "Logistique": [
        ("Deliver before 7 am", "95", "Every store delivered before 7 am."),
        ("Announce dock slots", "90", "Dock slots announced the day before."),
    ],
    "Magasins": [("Unload within 30 minutes", "90", "Trucks unloaded within 30 minutes.")],
}


def _add_commitment(page, side_id: int, title: str, target: str, standard: str) -> None:
    page.locator(f"#side-{side_id}").get_by_role(
        "button", name=re.compile("^Add a commitment")
    ).click()
    page.fill("#title", title)
    page.fill("#service_standard", standard)
    page.fill("#indicator", "Share of deliveries on time")
    page.fill("#target", target)
    page.fill("#unit", "%")
    page.fill("#customer_impact", "The shelf is full when the customer walks in.")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(rf"#side-{side_id}$"))


def _add_expectation(page, addressee_id: int, asker_id: int, text: str, reason: str) -> None:
    section = page.locator(f"#expectations-{addressee_id}")
    section.locator("details.expectation-new summary").click()
    page.fill(f"#expect-text-{asker_id}", text)
    page.fill(f"#expect-reason-{asker_id}", reason)
    section.get_by_role("button", name="Add the expectation").click()
    page.wait_for_url(re.compile(r"#expectation-\d+$"))


def _expectation(page, text: str):
    return page.locator("li.expectation", has_text=text)


def _card(page, title: str):
    return page.locator("article.commitment", has=page.get_by_role("heading", name=title))


def _banner_says(page, text: str) -> None:
    """The other head's change is announced on the open page, which was not reloaded."""
    page.evaluate("window.notReloaded = true")
    banner = page.locator("[data-live-banner]")
    expect(banner).to_be_visible(timeout=10_000)
    expect(banner).to_contain_text(text, timeout=10_000)
    assert page.evaluate("window.notReloaded") is True
    with page.expect_navigation():
        page.locator("[data-live-refresh]").click()
    expect(banner).to_be_hidden()


def _agree_all(page, dept: str) -> None:
    button = page.get_by_role("button", name=re.compile(rf"^Agree for {dept}:"))
    while button.count():
        button.first.click()
        page.wait_for_url(re.compile(r"#commitment-\d+$"))
        page.wait_for_load_state()


def _sign(page, url: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Sign version 1").click()  # a link styled as a button
    page.fill("input[name=password]", TEST_PASSWORD)
    page.get_by_role("button", name="Sign version 1").click()
    page.wait_for_url(re.compile(r"/charters/\d+$"))


def test_two_heads_negotiate_an_empty_draft_to_a_signed_charter(
    org, live_server, chromium_browser, make_charter, output_dir, smtp
):
    charter = make_charter()
    charter_id = charter.id
    url = live_server(f"/charters/{charter_id}")
    log_id, mag_id = org.logistics.id, org.stores.id
    emails = org.head_a.email, org.head_b.email
    db.session.commit()
    alice = signed_in(
        chromium_browser,
        live_server,
        emails[0],
        locale="en-US",
        accept_downloads=True,
        viewport={"width": 1280, "height": 900},
    )
    # Bruno negotiates from his phone.
    bruno = signed_in(
        chromium_browser,
        live_server,
        emails[1],
        locale="en-US",
        viewport={"width": 390, "height": 844},
    )
    csp_alice, csp_bruno = watch_csp(alice), watch_csp(bruno)
    alice.goto(url)
    bruno.goto(url)
    expect(alice.locator("#readiness")).to_contain_text("2 sides without a commitment")

    # Each head writes their own department's commitments, and says what it expects.
    for title, target, standard in LINES["Logistique"]:
        _add_commitment(alice, log_id, title, target, standard)
    _banner_says(bruno, "Alice Head · Commitment added: Announce dock slots")
    for title, target, standard in LINES["Magasins"]:
        _add_commitment(bruno, mag_id, title, target, standard)
    assert _card(bruno, "Deliver before 7 am").get_by_role("link", name="Edit").count() == 0
    _add_expectation(alice, mag_id, log_id, "Docks free at 6 am", "Trucks leave on time")
    _add_expectation(bruno, log_id, mag_id, "Deliveries before opening", "Full shelves at 9")
    _add_expectation(bruno, log_id, mag_id, "Deliveries on Sunday <b>too</b>", "Busy Mondays")
    _banner_says(alice, "Bruno Head · Expectation added: Deliveries on Sunday <b>too</b>")
    panel = alice.locator("#readiness")
    expect(panel).to_contain_text("3 expectations open")
    expect(panel).to_contain_text("3 commitments not agreed by both")

    # Alice answers one of Magasins' expectations with a line and declines the other.
    asked = _expectation(alice, "Deliveries before opening")
    asked.locator("summary", has_text="Answer with commitments").click()
    asked.get_by_label("Deliver before 7 am").check()
    asked.get_by_role("button", name="Save the answer").click()
    alice.wait_for_url(re.compile(r"#expectation-\d+$"))
    sunday = _expectation(alice, "Deliveries on Sunday")
    sunday.locator("summary", has_text="Decline").click()
    sunday.get_by_label(re.compile("Why you decline it")).fill("No drivers on Sundays")
    sunday.get_by_role("button", name="Decline the expectation").click()
    alice.wait_for_url(re.compile(r"#expectation-\d+$"))
    expect(_expectation(alice, "Deliveries before opening")).to_contain_text("Answered")
    expect(_expectation(alice, "Deliveries on Sunday")).to_contain_text("No drivers on Sundays")
    _banner_says(bruno, "Alice Head · Expectation declined")
    expect(_expectation(bruno, "Deliveries on Sunday")).to_contain_text(
        "Declined by Logistique: No drivers on Sundays"
    )
    docks = _expectation(bruno, "Docks free at 6 am")
    docks.locator("summary", has_text="Answer with commitments").click()
    docks.get_by_label("Unload within 30 minutes").check()
    docks.get_by_role("button", name="Save the answer").click()
    bruno.wait_for_url(re.compile(r"#expectation-\d+$"))

    # Bruno proposes changes to Alice's two lines (he cannot edit them).
    for title, now, target in (
        ("Deliver before 7 am", "95", "98"),
        ("Announce dock slots", "90", "99"),
    ):
        _card(bruno, title).get_by_role("link", name=f"Propose a change to “{title}”").click()
        expect(bruno.locator("#target")).to_have_value(now)  # prefilled with the current text
        bruno.fill("#target", target)
        bruno.get_by_role("button", name="Send the proposal").click()
        bruno.wait_for_url(re.compile(r"#commitment-\d+$"))
    _banner_says(alice, "Bruno Head · Change proposed: Announce dock slots")
    proposal = _card(alice, "Deliver before 7 am").locator(".proposal")
    expect(proposal).to_contain_text("Change proposed by Bruno Head (Magasins)")
    expect(proposal.locator("del")).to_have_text("95")
    expect(proposal.locator("ins")).to_have_text("98")
    alice.screenshot(path=str(output_dir / "negotiating.png"), full_page=True)
    violations = run_axe(alice)
    assert not violations, describe_violations(violations)
    violations = run_axe(alice, rules=["label-content-name-mismatch"])
    assert not violations, describe_violations(violations)

    # Alice accepts one change and rejects the other, saying why.
    alice.get_by_role("button", name="Accept the proposed change to “Deliver before 7 am”").click()
    alice.wait_for_url(re.compile(r"#commitment-\d+$"))
    expect(_card(alice, "Deliver before 7 am")).to_contain_text("98")
    dock = _card(alice, "Announce dock slots")
    dock.locator("summary", has_text="Reject").click()
    dock.get_by_label(re.compile("Why you keep the text")).fill("99 % needs a planner we lack")
    dock.get_by_role("button", name="Reject the proposal").click()
    alice.wait_for_url(re.compile(r"#commitment-\d+$"))
    _banner_says(bruno, "Alice Head · Proposal rejected: Announce dock slots")
    expect(_card(bruno, "Announce dock slots")).to_contain_text("99 % needs a planner we lack")
    assert bruno.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    bruno.screenshot(path=str(output_dir / "phone.png"), full_page=True)
    violations = run_axe(bruno)
    assert not violations, describe_violations(violations)

    # The submit waits while lines are not agreed by both; the reason links to what is open.
    alice.reload()
    submit_button = alice.locator(".charter-actions [data-action=submit]")
    expect(submit_button).to_be_disabled()
    alice.locator("#why-submit").get_by_role("link", name="See what is still open").click()
    expect(alice.locator("#readiness")).to_contain_text("2 commitments not agreed by both")
    alice.goto(live_server(f"/charters/{charter_id}/submit"))
    expect(alice.locator("main")).to_contain_text("Fix the points marked ✘ before submitting.")
    assert alice.get_by_role("button", name="Freeze and submit for signature").count() == 0

    alice.goto(url)
    _agree_all(alice, "Logistique")
    bruno.goto(url)
    _agree_all(bruno, "Magasins")
    alice.goto(url)
    expect(alice.locator("#readiness")).to_contain_text("Everything is agreed: ready to submit")
    assert alice.locator("li.not-agreed").count() == 0
    alice.locator(".charter-actions .primary-action", has_text="Submit for signature").click()
    alice.get_by_role("button", name="Freeze and submit for signature").click()
    alice.wait_for_url(re.compile(r"/charters/\d+$"))

    _sign(alice, url)
    _sign(bruno, url)
    expect(bruno.locator("main")).to_contain_text("Both sides have signed")
    alice.goto(url)
    with alice.expect_download() as download:
        alice.get_by_role("button", name="Download the PDF").click()
    pdf_path = output_dir / "negotiated.pdf"
    download.value.save_as(pdf_path)
    text = " ".join(pdf_text(pdf_path.read_bytes()).split())
    assert "Deliver before 7 am" in text and "Unload within 30 minutes" in text
    assert "Alice Head" in text and "Bruno Head" in text
    assert csp_alice == csp_bruno == []

    # What they heard by e-mail: the scheduler's jobs, a while after the session, send each
    # head one coalesced e-mail about the charter, counting what the other did.
    jobs.run_all(utcnow() + timedelta(minutes=20))
    coalesced: dict[str, list] = {}
    for to, message in smtp.inbox.messages:
        if re.match(r"\d+ (update|nouveauté)s? (on|sur) ", message["Subject"]):
            coalesced.setdefault(to[0], []).append(message)
    assert sorted(coalesced) == sorted(emails), [m["Subject"] for _t, m in smtp.inbox.messages]
    assert all(len(messages) == 1 for messages in coalesced.values())
    to_bruno = coalesced[emails[1]][0].get_body(("plain",)).get_content()
    to_alice = coalesced[emails[0]][0].get_body(("plain",)).get_content()
    assert "Alice Head" in to_bruno and "Bruno Head" not in to_bruno.split("\n")[0]
    assert "Bruno Head" in to_alice
