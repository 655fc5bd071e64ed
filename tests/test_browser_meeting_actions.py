"""Browser journey on a 390-pixel phone: at the review meeting a head adds and removes action
rows without saving, fills one, updates an earlier review's open action, and saves; the page
never scrolls sideways."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from sla_contracts.extensions import db
from sla_contracts.models import ActionItem, ActionStatus

from .plugins.browser import signed_in, watch_csp
from .test_meeting_actions import _Earlier, _started

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_head_adds_removes_fills_and_saves_action_rows_on_a_phone(
    active, org, live_server, chromium_browser, output_dir
):
    earlier = _Earlier(active, org)
    review = _started(earlier, org)
    review_id, carried_id, legacy_id = review.id, earlier.open.id, earlier.legacy.id
    owner = f"{org.logistics.id}-{org.member_a.id}"
    member_a_id, logistics_id, email = org.member_a.id, org.logistics.id, org.head_a.email
    db.session.commit()  # SQLite: the server needs the write lock

    page = signed_in(
        chromium_browser, live_server, email,
        viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True,
    )  # fmt: skip
    violations = watch_csp(page)
    page.goto(live_server(f"/reviews/{review_id}"))
    rows = page.locator("#action-plan > tbody > tr")
    keys = lambda: rows.evaluate_all("rs => rs.map(r => r.dataset.actionKey)")  # noqa: E731
    # The earlier review's open actions first, by due date, then the blank rows.
    assert keys() == [str(legacy_id), str(carried_id), "new0", "new1", "new2"]
    assert page.get_by_text("Fill a blank row to add an action").is_hidden()
    assert _fits(page)

    add = page.get_by_role("button", name="Add an action")
    add.click()
    add.click()
    assert keys()[-2:] == ["new3", "new4"]
    assert page.locator("input[name='action-new4-title']").evaluate(
        "el => el === document.activeElement"
    )
    page.locator("tr[data-action-key='new0']").get_by_role("button", name="Remove").click()
    page.locator("tr[data-action-key='new3']").get_by_role("button", name="Remove").click()
    assert keys()[2:] == ["new1", "new2", "new4"]
    assert _fits(page)

    page.fill("input[name='action-new4-title']", "Book a <second> dock")
    page.select_option("select[name='action-new4-owner']", owner)
    page.fill("input[name='action-new4-due']", "2027-05-20")
    page.select_option(f"select[name='action-{carried_id}-status']", "done")
    assert _fits(page)
    page.screenshot(path=str(output_dir / "actions-filled.png"), full_page=True)
    page.get_by_role("button", name="Save (finish later)").click()
    page.wait_for_load_state()

    assert page.get_by_text("Saved. You can finish the review later.").is_visible()
    assert _fits(page)
    page.screenshot(path=str(output_dir / "actions-saved.png"), full_page=True)
    assert page.locator(f"select[name='action-{carried_id}-status']").input_value() == "done"
    saved_key = keys()[2]
    assert page.locator(f"input[name='action-{saved_key}-title']").input_value() == (
        "Book a <second> dock"
    )
    assert violations == []

    db.session.expire_all()
    actions = db.session.scalars(select(ActionItem).order_by(ActionItem.id)).all()
    new = [a for a in actions if a.review_id == review_id]
    assert [(a.title, a.owner_user_id, a.owner_department_id, a.due_on) for a in new] == [
        ("Book a <second> dock", member_a_id, logistics_id, date(2027, 5, 20))
    ]
    assert db.session.get(ActionItem, carried_id).status == ActionStatus.DONE
    assert len(actions) == 4  # three from the earlier review (no copies) and the new one
    db.session.commit()
