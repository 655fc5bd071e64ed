"""Journeys in a real browser (headless Chromium): what a department head actually does."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from sla_contracts.extensions import db
from sla_contracts.models import Charter

from .plugins.browser import log_in

pytestmark = pytest.mark.browser


def _page(chromium_browser):
    context = chromium_browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _fill_commitment(page, prefix: str) -> None:
    page.fill("#title", f"{prefix}: deliveries before opening")
    page.fill("#service_standard", f"{prefix} delivers every store between 6 and 8 am.")
    page.fill("#indicator", "Share of deliveries inside the slot")
    page.fill("#target", "97")
    page.fill("#unit", "%")
    page.fill("#measurement_method", "Truck arrival scanned at the store's dock")
    page.fill("#measurement_frequency", "Weekly")
    page.fill("#customer_impact", "A pallet on time is on the shelf when the customer walks in.")
    page.click("main form button[type=submit]")


def test_head_drafts_a_charter_with_the_counterpart(org, live_server, chromium_browser, output_dir):
    stores = {"id": org.stores.id, "name": org.stores.name}
    criterion_id, email, email_b = org.criterion.id, org.head_a.email, org.head_b.email
    db.session.commit()
    page = _page(chromium_browser)

    log_in(page, live_server, email)
    page.click("text=New charter")
    page.fill("#title", "Logistique ⇄ Magasins : des rayons pleins")
    page.select_option("#department_b_id", str(stores["id"]))
    page.select_option("#criterion_id", str(criterion_id))
    page.select_option("#review_cadence_months", "3")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/charters/\d+$"))
    charter_url = page.url
    balance = page.locator("#balance")
    assert "Neither side has committed to anything yet." in balance.inner_text()

    page.click("text=Add a commitment of Logistique")
    _fill_commitment(page, "Logistique")
    page.wait_for_url(re.compile(r"/charters/\d+#side-\d+$"))
    text = balance.inner_text()
    assert "Magasins has not committed to anything yet." in text
    assert "Logistique makes 1 commitment ·" in text

    # Each side writes its own commitments: Magasins' head writes theirs.
    assert page.get_by_text("Add a commitment of Magasins").count() == 0
    page_b = _page(chromium_browser)
    log_in(page_b, live_server, email_b)
    page_b.goto(charter_url)
    page_b.click("text=Add a commitment of Magasins")
    _fill_commitment(page_b, "Magasins")
    page_b.wait_for_url(re.compile(r"/charters/\d+#side-\d+$"))
    # Line by line: Magasins agrees to Logistique's commitment, and Logistique to Magasins'.
    page_b.get_by_role("button", name=re.compile("Agree for Magasins: “Logistique")).click()
    page_b.wait_for_url(re.compile(r"/charters/\d+#commitment-\d+$"))
    page.goto(charter_url)
    text = balance.inner_text()
    assert "has not committed" not in text
    assert "Logistique makes 1 commitment · answered 0 expectations · declined 0" in text
    assert "Magasins makes 1 commitment ·" in text
    side_b = page.locator(f"#side-{stores['id']}")
    assert "Magasins: deliveries before opening" in side_b.inner_text()
    assert "store's dock" in side_b.inner_text()
    assert "Logistique has not agreed yet" in side_b.inner_text()
    page.get_by_role("button", name=re.compile("Agree for Logistique: “Magasins")).click()
    page.wait_for_url(re.compile(r"/charters/\d+#commitment-\d+$"))
    assert "has not agreed yet" not in page.locator(".directions").inner_text()
    assert page.locator(".charter-actions .primary-action").inner_text() == "Submit for signature"
    page_b.context.close()

    page.screenshot(path=str(output_dir / "charter.png"), full_page=True)

    # Saved for real, in both directions.
    charter = db.session.scalar(select(Charter))
    assert [len(charter.commitments_by(d)) for d in charter.department_ids] == [1, 1]
    db.session.commit()

    page.click("header nav details.dropdown summary")
    page.click("text=Sign out")
    page.wait_for_url(re.compile(r"/login"))
    page.goto(charter_url)
    assert "/login" in page.url
    assert page.locator("#password").is_visible()
    assert "deliveries before opening" not in page.content()


def test_member_reads_without_edit_buttons_and_outsider_gets_404(
    org, make_charter, live_server, chromium_browser
):
    charter = make_charter(commitments=(1, 1))
    url = live_server(f"/charters/{charter.id}")
    member, outsider = org.member_b.email, org.outsider.email
    db.session.commit()

    page = _page(chromium_browser)
    log_in(page, live_server, member)
    response = page.goto(url)
    assert response.status == 200
    assert "A commitment 1" in page.inner_text(".directions")
    assert "B commitment 1" in page.inner_text(".directions")
    assert page.get_by_role("link", name="Edit", exact=True).count() == 0
    assert page.get_by_role("button", name="Remove").count() == 0
    assert page.get_by_role("link", name=re.compile("Add a commitment")).count() == 0
    assert page.locator("a[href*='/edit']").count() == 0
    assert page.locator("form[action*='/delete']").count() == 0
    assert page.locator("a[href*='/commitments/new']").count() == 0
    page.context.close()

    page = _page(chromium_browser)
    log_in(page, live_server, outsider)
    response = page.goto(url)
    assert response.status == 404
    assert "A commitment 1" not in page.content()
    assert page.locator("h1").inner_text().startswith("404")
