"""The new-charter form in a real browser: the chosen criterion explained, a starter applied."""

from __future__ import annotations

import re

import pytest

from sla_contracts.extensions import db

from .a11y_helpers import describe_violations, run_axe
from .plugins.browser import log_in

pytestmark = pytest.mark.browser


def test_the_form_shows_the_chosen_criterion_and_starts_from_a_starter(
    org, make_criterion, live_server, chromium_browser, output_dir
):
    other = make_criterion("Delivery promise kept", definition="Orders delivered on the day.")
    ids = {"stores": org.stores.id, "shelf": org.criterion.id, "other": other.id}
    email = org.head_a.email
    db.session.commit()
    context = chromium_browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server, email)
    page.goto(live_server("/charters/new"))
    info = page.locator("#criteria-info")
    assert not info.is_visible()  # nothing chosen yet: the script hides the list
    page.select_option("#criterion_id", str(ids["other"]))
    assert info.is_visible()
    assert "Orders delivered on the day." in info.inner_text()
    assert "Share of products missing on the shelf." not in info.inner_text()
    page.select_option("#criterion_id", str(ids["shelf"]))
    assert "Share of products missing on the shelf." in info.inner_text()
    assert "Target: 2%" in info.inner_text()
    page.screenshot(path=str(output_dir / "new-charter.png"), full_page=True)
    violations = run_axe(page)
    assert not violations, describe_violations(violations)

    page.fill("#title", "Logistique ⇄ Magasins : des rayons pleins")
    page.select_option("#department_b_id", str(ids["stores"]))
    page.select_option("#start_from", "starter:logistique-magasins")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/charters/\d+$"))
    assert "started from" in page.locator("body").inner_text()
    side = page.locator(f"#side-{ids['stores']}").inner_text()
    assert "Dock free on arrival" in side and "Magasins has not agreed yet" in side
    assert "Written by Alice Head" in side
    context.close()
