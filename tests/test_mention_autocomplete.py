"""@mentions in the comment box: the pair's people for the autocomplete, readers only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from sla_contracts.extensions import db
from sla_contracts.models import Notification

from .a11y_helpers import describe_violations, run_axe
from .plugins.browser import signed_in, watch_csp


def test_the_pairs_people_are_listed_by_name_for_a_reader(org, make_charter, login_as):
    charter = make_charter()
    response = login_as(org.member_b).get(f"/charters/{charter.id}/people")
    assert response.status_code == 200
    names = [p["name"] for p in response.get_json()["people"]]
    assert names == ["Alice Head", "Bruno Head", "Max Member", "Mia Member"]
    assert "Olga Outsider" not in names and "Ada Admin" not in names


def test_an_outsider_gets_no_list_of_people(org, make_charter, login_as):
    charter = make_charter()
    assert login_as(org.outsider).get(f"/charters/{charter.id}/people").status_code == 404
    assert login_as(org.outsider).get("/charters/999/people").status_code == 404


def test_the_comment_box_offers_completion(org, make_charter, login_as):
    charter = make_charter()
    page = login_as(org.head_a).get(f"/charters/{charter.id}").get_data(as_text=True)
    assert f'data-mentions="/charters/{charter.id}/people"' in page
    assert "write @ and their name" in page


@pytest.mark.browser
def test_typing_at_completes_a_name_and_the_person_is_told(
    org, make_charter, live_server, chromium_browser
):
    charter_id, email, reader = make_charter().id, org.head_b.email, org.member_a.id
    db.session.commit()  # no transaction left open while the browser writes (SQLite)
    page = signed_in(chromium_browser, live_server, email, locale="en-GB")
    violations = watch_csp(page)
    page.goto(live_server(f"/charters/{charter_id}#comments"))
    box = page.locator("#body")
    box.click()
    box.type("Peux-tu relire, @mi")
    option = page.get_by_role("option", name="Mia Member")
    option.wait_for()
    assert page.get_by_role("option").count() == 1  # "Max Member" does not start with "mi"
    violations_shown = run_axe(page)
    assert not violations_shown, describe_violations(violations_shown)
    box.press("Enter")
    assert box.input_value() == "Peux-tu relire, @Mia Member "
    box.type("merci")
    page.get_by_role("button", name="Post").last.click()
    page.wait_for_url(re.compile(r".*#comments$"))
    assert violations == []
    db.session.expire_all()
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == reader)
    ).all()
    assert kinds == ["mentioned"]
