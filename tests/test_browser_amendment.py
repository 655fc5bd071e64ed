"""In a real browser: a head opens an amendment on a charter in force, which stays in force."""

from __future__ import annotations

import re

import pytest

from sla_contracts.extensions import db

from .plugins.browser import log_in
from .signing_helpers import sign_both

pytestmark = pytest.mark.browser


def _language(page, lang: str) -> None:
    """Switch the interface to ``lang`` (the header offers the other language only)."""
    button = page.locator(f"form.lang-switch button[value={lang}]")
    if button.count():
        button.click()
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == lang


def _status(page) -> str:
    return page.locator("main .status").first.inner_text().strip()


def test_opened_amendment_stays_in_force_in_french_and_english(
    org, make_charter, live_server, chromium_browser, output_dir
):
    charter = make_charter("Rayons pleins", commitments=(1, 1))
    sign_both(org, charter)
    charter_id, email = charter.id, org.head_a.email
    db.session.commit()
    context = chromium_browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, email)
    _language(page, "fr")

    page.goto(live_server(f"/charters/{charter_id}"))
    assert _status(page) == "En vigueur"
    page.once("dialog", lambda dialog: dialog.accept())
    amend = page.locator(f"form[action$='/charters/{charter_id}/amend'] button[type=submit]")
    if not amend.is_visible():  # the action may sit in a menu of less frequent actions
        page.locator("details:has(form[action$='/amend']) > summary").first.click()
    amend.click()
    page.wait_for_url(re.compile(rf"/charters/{charter_id}$"))

    assert _status(page) == "En vigueur · avenant en cours"
    banner = page.locator(".amendment-banner")
    assert "La version 1 engage les deux services." in banner.inner_text()
    assert "Un avenant (version 2) est en cours de rédaction" in banner.inner_text()
    pdf = banner.locator(f"a[href='/charters/{charter_id}/versions/1/pdf']")
    assert pdf.count() == 1
    page.screenshot(path=str(output_dir / "amended-fr.png"), full_page=True)

    page.goto(live_server("/"))
    in_force = page.locator("section[aria-labelledby=status-active]")
    assert "Rayons pleins" in in_force.inner_text()
    assert "En vigueur · avenant en cours" in in_force.inner_text()
    drafts = page.locator("section[aria-labelledby=status-draft]")
    assert "Rayons pleins" in drafts.inner_text()
    assert "Avenant (version 2)" in drafts.inner_text()

    _language(page, "en")
    page.goto(live_server("/"))
    in_force = page.locator("section[aria-labelledby=status-active]")
    assert "In force · amendment in progress" in in_force.inner_text()
    page.goto(live_server(f"/charters/{charter_id}"))
    assert _status(page) == "In force · amendment in progress"
    assert "Version 1 binds both sides." in page.locator(".amendment-banner").inner_text()
    page.screenshot(path=str(output_dir / "amended-en.png"), full_page=True)
    context.close()
