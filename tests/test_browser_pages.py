"""Browser journeys over the charter page's actions, the sign page and share links: one
primary button per state, the content above the password, a share link copied to the clipboard
and listed with its own status."""

from __future__ import annotations

import re

import pytest

from sla_contracts.extensions import db
from sla_contracts.models import Charter, Commitment

from .a11y_helpers import describe_violations, run_axe
from .plugins.browser import watch_csp
from .plugins.charters import COMMITMENT_DEFAULTS, agreed_by_both
from .plugins.people import TEST_PASSWORD

pytestmark = pytest.mark.browser


def _open(chromium_browser, live_server, email: str, **context_options):
    context = chromium_browser.new_context(
        locale="en-GB", viewport={"width": 1280, "height": 900}, **context_options
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations = watch_csp(page)
    page.goto(live_server("/login"))
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/$"))
    return context, page, violations


def _no_serious_axe_violation(page) -> None:
    violations = run_axe(page)
    assert not violations, describe_violations(violations)


def _primary(page) -> str:
    primary = page.locator(".charter-actions .primary-action")
    assert primary.count() == 1
    return primary.inner_text().strip()


def _add(charter_id: int, department_id: int, title: str) -> None:
    """A commitment both sides already agreed to."""
    charter = db.session.get(Charter, charter_id)
    commitment = Commitment(
        charter_id=charter_id,
        provider_department_id=department_id,
        title=title,
        position=1,
        **COMMITMENT_DEFAULTS,
    )
    db.session.add(agreed_by_both(commitment, charter))
    db.session.commit()


def test_primary_action_follows_the_state_and_sign_page_shows_content_first(
    org, make_charter, live_server, chromium_browser, output_dir
):
    charter = make_charter("Rayons pleins")
    charter_id, log_id, mag_id = charter.id, org.logistics.id, org.stores.id
    email_a, email_b = org.head_a.email, org.head_b.email
    db.session.commit()
    context_a, page_a, violations_a = _open(chromium_browser, live_server, email_a)
    url = live_server(f"/charters/{charter_id}")

    # An empty draft asks for commitments; submit is shown disabled, with the reason; no end.
    page_a.goto(url)
    assert _primary(page_a) == "Add a commitment of Logistique"
    submit = page_a.locator(".charter-actions [data-action=submit]")
    assert submit.is_disabled()
    assert "Each side must commit" in page_a.locator(".action-reason").inner_text()
    assert page_a.get_by_text("End the charter").count() == 0
    page_a.screenshot(path=str(output_dir / "empty-draft.png"), full_page=True)
    _no_serious_axe_violation(page_a)

    _add(charter_id, log_id, "Deliveries before opening")
    _add(charter_id, mag_id, "Shelves filled by 9 am")
    page_a.goto(url)
    assert _primary(page_a) == "Submit for signature"
    assert page_a.get_by_text("End the charter").count() == 0
    # The rest waits in the "more" menu, closed until asked for.
    history = page_a.locator(".more-actions [data-action=history]")
    assert not history.is_visible()
    page_a.locator(".more-actions summary").click()
    assert history.is_visible()
    page_a.locator(".more-actions summary").click()  # closes it again
    page_a.locator(".charter-actions .primary-action").click()
    page_a.get_by_role("button", name="Freeze and submit for signature").click()
    page_a.wait_for_url(url)

    # Awaiting my signature: Sign is the primary action; the sign page shows what is signed
    # above the password and the button.
    context_b, page_b, violations_b = _open(chromium_browser, live_server, email_b)
    page_b.goto(url)
    assert _primary(page_b) == "Sign version 1"
    page_b.locator(".charter-actions .primary-action").click()
    page_b.wait_for_url(re.compile(r".*/sign$"))
    password = page_b.locator("input[name=password]").bounding_box()
    button = page_b.locator(".sign-form button[type=submit]").bounding_box()
    for selector in (
        ".sign-summary .fingerprint",
        ".criterion-card",
        "text=Deliveries before opening",
        "text=Shelves filled by 9 am",
    ):
        box = page_b.locator(selector).first.bounding_box()
        assert box["y"] + box["height"] <= password["y"], selector
    assert password["y"] < button["y"]
    page_b.screenshot(path=str(output_dir / "sign-page.png"), full_page=True)
    _no_serious_axe_violation(page_b)
    page_b.fill("input[name=password]", TEST_PASSWORD)
    page_b.locator(".sign-form button[type=submit]").click()
    page_b.wait_for_url(url)
    assert _primary(page_b) == "Download the PDF"  # signed: nothing more is asked of Bruno

    page_a.goto(url)
    assert _primary(page_a) == "Sign version 1"
    page_a.locator(".charter-actions .primary-action").click()
    page_a.fill("input[name=password]", TEST_PASSWORD)
    page_a.locator(".sign-form button[type=submit]").click()
    page_a.wait_for_url(url)

    # In force: the PDF first; ending is last in the menu and goes through its own page.
    assert _primary(page_a) == "Download the PDF"
    end = page_a.locator(".more-actions [data-action=end]")
    assert not end.is_visible()
    page_a.locator(".more-actions summary").click()
    items = page_a.locator(".more-actions li").all_inner_texts()
    assert items[-1].strip() == "End the charter…"
    page_a.screenshot(path=str(output_dir / "in-force.png"), full_page=True)
    _no_serious_axe_violation(page_a)  # with the menu open
    end.click()
    page_a.wait_for_url(re.compile(r".*/end$"))
    assert page_a.get_by_label("Why does this charter end?").is_visible()
    assert violations_a == violations_b == []
    context_a.close()
    context_b.close()


def test_share_link_is_copied_and_listed_with_its_own_status(
    org, signed, live_server, chromium_browser, output_dir
):
    charter_id, email = signed.id, org.head_a.email
    db.session.commit()
    context, page, violations = _open(chromium_browser, live_server, email)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(live_server(f"/charters/{charter_id}"))
    page.get_by_role("button", name="Share links").click()
    page.fill("input[name=days]", "3")
    page.get_by_role("button", name=re.compile("Create a link")).click()
    page.wait_for_url(re.compile(r".*/share$"))

    field = page.locator("#new-share-url")
    url = field.input_value()
    assert "/s/" in url
    # Selected on arrival, ready for Ctrl+C even without the button.
    assert page.evaluate("() => window.getSelection().toString() || "
                         "document.activeElement.value.substring("
                         "document.activeElement.selectionStart, "
                         "document.activeElement.selectionEnd)") == url  # fmt: skip
    page.get_by_role("button", name="Copy the link").click()
    page.get_by_role("button", name="Copied").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == url
    assert page.locator("#copy-state").inner_text() == "Copied"

    rows = page.locator("tr[data-link-status]")
    assert rows.count() == 1
    assert rows.first.locator(".link-status").inner_text() == "Active"
    page.screenshot(path=str(output_dir / "share-link.png"), full_page=True)
    _no_serious_axe_violation(page)

    # Revoke from the list: a page says what it does, then the row says Revoked.
    rows.first.get_by_role("link", name="Revoke…").click()
    _no_serious_axe_violation(page)
    page.get_by_role("button", name="Revoke the link").click()
    page.wait_for_url(re.compile(r".*/share$"))
    assert page.locator("tr[data-link-status] .link-status").inner_text() == "Revoked"
    assert page.get_by_role("link", name="Revoke…").count() == 0
    assert violations == []
    context.close()


def test_actions_and_their_menu_fit_a_phone(org, signed, live_server, chromium_browser):
    from sla_contracts.signing import amendments

    charter_id, email = signed.id, org.head_a.email
    amendments.open_amendment(org.head_a, signed)
    db.session.commit()
    context, page, violations = _open(chromium_browser, live_server, email)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server(f"/charters/{charter_id}"))
    assert _primary(page) == "Submit for signature"
    page.locator(".more-actions summary").click()
    for selector in (".charter-actions .primary-action", ".more-actions ul"):
        box = page.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, selector
    assert page.locator(".more-actions [data-action=share]").is_visible()
    assert page.locator(".more-actions li").last.inner_text().strip() == "End the charter…"
    assert violations == []
    context.close()
