"""Browser journey: the head of the providing side and an administrator edit one commitment
from forms opened together; different fields both saved, the same field → the conflict screen
→ keep mine saves it."""

from __future__ import annotations

from sla_contracts.extensions import db
from sla_contracts.models import Commitment, Revision

from .a11y_helpers import describe_violations, run_axe
from .plugins.browser import signed_in, watch_csp


def _open_both(pages, url):
    for page in pages:  # both open the edit form before either saves
        page.goto(url)


def test_two_people_saving_one_commitment_merge_then_conflict_then_keep_mine(
    make_charter, org, live_server, chromium_browser, output_dir
):
    charter = make_charter(commitments=(1, 1))
    commitment_id = charter.commitments_by(org.logistics.id)[0].id
    url = live_server(f"/charters/{charter.id}/commitments/{commitment_id}/edit")
    name_a = org.head_a.name
    emails = (org.head_a.email, org.admin.email)
    db.session.commit()  # release SQLite's write lock for the server

    head = signed_in(chromium_browser, live_server, emails[0], locale="en-GB")
    admin = signed_in(chromium_browser, live_server, emails[1], locale="en-GB")
    violations = watch_csp(admin)

    # Different fields: both saved, nobody is asked anything.
    _open_both((head, admin), url)
    head.fill("#target", "97")
    head.get_by_role("button", name="Save", exact=True).click()
    admin.fill("#measurement_frequency", "Every week")
    admin.get_by_role("button", name="Save", exact=True).click()
    assert admin.locator(".merge-conflict").count() == 0
    db.session.expire_all()
    stored = db.session.get(Commitment, commitment_id)
    assert (stored.target, stored.measurement_frequency) == ("97", "Every week")
    db.session.commit()

    # The same field: the second save shows who changed it, both values, and the choices.
    _open_both((head, admin), url)
    head.fill("#title", "Deliver by D+1 before noon")
    head.get_by_role("button", name="Save", exact=True).click()
    admin.fill("#title", "Deliver by D+2 before noon")
    admin.fill("#unit", "% of orders")
    admin.get_by_role("button", name="Save", exact=True).click()
    conflict = admin.locator(".merge-conflict")
    conflict.wait_for()
    admin.screenshot(path=str(output_dir / "conflict.png"), full_page=True)
    assert admin.locator(".conflict-field").count() == 1, "only the field both changed"
    text = conflict.inner_text()
    assert f"changed by {name_a}" in text
    assert conflict.locator(".conflict-theirs del").inner_text() == "1"
    assert conflict.locator(".conflict-mine ins").inner_text() == "2"
    assert admin.locator("#title").input_value() == "Deliver by D+2 before noon"
    assert admin.locator("#unit").input_value() == "% of orders"
    assert admin.locator("#target").input_value() == "97"
    found = run_axe(admin)
    assert found == [], describe_violations(found)

    admin.get_by_role("button", name="Keep mine").click()
    admin.wait_for_url(f"**/charters/{charter.id}*")
    db.session.expire_all()
    stored = db.session.get(Commitment, commitment_id)
    assert (stored.title, stored.unit) == ("Deliver by D+2 before noon", "% of orders")
    last = db.session.scalars(
        db.select(Revision)
        .where(Revision.charter_id == charter.id)
        .order_by(Revision.number.desc())
    ).first()
    assert last.action == "commitment_override"
    assert violations == []
