"""Choosing a commitment's direction and tolerance while co-writing (issue 13, point 2): on the
commitment form and through the API, checked by the service, recorded like every edit, merged
like every field, and clearing the other side's agreement."""

from __future__ import annotations

import re

from sqlalchemy import select

from sla_contracts.charters import edit_page
from sla_contracts.charters import operations as ops
from sla_contracts.extensions import db
from sla_contracts.measures import TargetDirection
from sla_contracts.models import AuditEvent, Revision
from tests.plugins.charters import COMMITMENT_DEFAULTS
from tests.plugins.reviews import plain


def _form(commitment, **overrides) -> dict:
    data = {name: getattr(commitment, name) for name in COMMITMENT_DEFAULTS}
    data |= {"title": commitment.title, "lock_version": commitment.lock_version}
    data |= {"chosen_direction": "", "tolerance": ""}
    return data | overrides


def test_a_new_commitment_takes_a_chosen_direction_and_tolerance(make_charter, org, login_as):
    charter = make_charter(commitments=(0, 1))
    head = login_as(org.head_a)
    url = f"/charters/{charter.id}/commitments/new?provider={org.logistics.id}"
    page = head.get(url).get_data(as_text=True)
    assert 'name="chosen_direction"' in page and 'name="tolerance"' in page
    assert "Taken from the target (default)" in page
    data = {**COMMITMENT_DEFAULTS, "title": "Délai", "target": "48", "unit": "h"}
    response = head.post(url, data | {"chosen_direction": "at_most", "tolerance": "2,5"})
    assert response.status_code == 302
    added = charter.commitments_by(org.logistics.id)[0]
    db.session.refresh(added)
    assert added.chosen_direction == TargetDirection.AT_MOST and added.tolerance == 2.5
    assert added.target_direction == TargetDirection.AT_MOST and added.effective_tolerance == 2.5


def test_a_bad_tolerance_shows_the_form_again_with_the_text_and_the_message(
    make_charter, org, login_as
):
    charter = make_charter(commitments=(1, 0))
    commitment = charter.commitments[0]
    head = login_as(org.head_a)
    url = f"/charters/{charter.id}/commitments/{commitment.id}/edit"
    base = re.search(r'name="base"[^>]*value="([^"]*)"', head.get(url).get_data(as_text=True))
    for typed, message in (
        ("-1", "The tolerance cannot be negative."),
        ("beaucoup", "Enter the tolerance as a number"),
    ):
        response = head.post(
            url, _form(commitment, title="Mon titre", tolerance=typed, base=base.group(1))
        )
        page = plain(response.get_data(as_text=True))
        assert response.status_code == 422, typed
        assert message in page and f'value="{typed}"' in page and 'value="Mon titre"' in page
    db.session.refresh(commitment)
    assert commitment.tolerance is None and commitment.title != "Mon titre"


def test_french_message_for_a_negative_tolerance(make_charter, org, login_as):
    charter = make_charter(commitments=(1, 0))
    commitment = charter.commitments[0]
    org.head_a.locale = "fr"
    db.session.commit()
    head = login_as(org.head_a)
    url = f"/charters/{charter.id}/commitments/{commitment.id}/edit"
    page = plain(head.get(url).get_data(as_text=True))
    assert "Sens de la cible" in page and "Déduit de la cible (par défaut)" in page
    response = head.post(url, _form(commitment, tolerance="-2,5"))
    assert "La tolérance ne peut pas être négative." in plain(response.get_data(as_text=True))


def test_a_chosen_tolerance_is_recorded_and_clears_the_other_sides_agreement(
    make_charter, org, login_as
):
    charter = make_charter(commitments=(1, 0))
    commitment = charter.commitments[0]
    assert commitment.is_agreed_by(org.stores.id)
    head = login_as(org.head_a)
    url = f"/charters/{charter.id}/commitments/{commitment.id}/edit"
    response = head.post(url, _form(commitment, chosen_direction="at_least", tolerance="1.5"))
    assert response.status_code == 302
    db.session.expire_all()
    assert commitment.tolerance == 1.5 and commitment.chosen_direction == TargetDirection.AT_LEAST
    assert not commitment.is_agreed_by(org.stores.id)
    revision = db.session.scalars(
        select(Revision).where(Revision.charter_id == charter.id).order_by(Revision.number.desc())
    ).first()
    assert revision.action == "commitment_updated"
    line = next(c for c in revision.snapshot["commitments"] if c["id"] == commitment.id)
    assert (line["chosen_direction"], line["tolerance"]) == ("at_least", 1.5)
    event = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "commitment")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.data["fields"] == ["chosen_direction", "tolerance"]
    # The form shows the chosen tolerance back in the reader's language.
    assert 'value="1.5"' in head.get(url).get_data(as_text=True)
    # The history's diff names the direction in words, not by its stored value.
    db.session.expire_all()
    head.post(url, _form(commitment, chosen_direction="at_most", tolerance="1.5"))
    diff = head.get(
        f"/charters/{charter.id}/history/diff?from={revision.number}&to={revision.number + 1}"
    ).get_data(as_text=True)
    assert "<del>At least the target</del>" in diff and "<ins>At most the target</ins>" in diff
    assert "at_least" not in diff and "at_most" not in diff


def test_a_tolerance_merges_with_a_title_saved_meanwhile(make_charter, org, login_as):
    charter = make_charter(commitments=(1, 0))
    commitment = charter.commitments[0]
    head = login_as(org.head_a)
    url = f"/charters/{charter.id}/commitments/{commitment.id}/edit"
    base = edit_page.token(charter, commitment)
    opened = _form(commitment, base=base)
    ops.update_commitment(org.admin, commitment, commitment.lock_version, {"title": "Renamed"})
    db.session.commit()
    response = head.post(url, opened | {"tolerance": "3"})
    assert response.status_code == 302, plain(response.get_data(as_text=True))[:2000]
    db.session.expire_all()
    assert commitment.title == "Renamed" and commitment.tolerance == 3.0


def test_the_api_writes_the_direction_and_tolerance(make_charter, org, api_as):
    charter = make_charter(commitments=(1, 0))
    api = api_as(org.head_a)
    body = {**COMMITMENT_DEFAULTS, "title": "Délai", "target": "48", "unit": "h"}
    created = api.post(
        f"/api/v1/charters/{charter.id}/commitments",
        {**body, "provider_department_id": org.logistics.id, "target_direction": "at_most",
         "tolerance": 4},
    )  # fmt: skip
    assert created.status_code == 201, created.json
    cid, lock = created.json["id"], created.json["lock_version"]
    bad = api.patch(f"/api/v1/commitments/{cid}", {"lock_version": lock, "tolerance": -1})
    assert bad.status_code == 422 and "tolerance" in str(bad.json["error"]["details"])
    wrong = api.patch(
        f"/api/v1/commitments/{cid}", {"lock_version": lock, "target_direction": "up"}
    )
    assert wrong.status_code == 422
    reset = api.patch(
        f"/api/v1/commitments/{cid}",
        {"lock_version": lock, "target_direction": None, "tolerance": None},
    )
    assert reset.status_code == 200, reset.json
    commitment = ops.get_commitment(cid)
    db.session.refresh(commitment)
    assert commitment.chosen_direction is None and commitment.tolerance is None


def test_the_commitment_card_shows_how_readings_are_compared(make_charter, org, login_as):
    charter = make_charter(commitments=(2, 0))
    chosen, guessed = charter.commitments
    chosen.chosen_direction, chosen.tolerance = TargetDirection.AT_MOST, 2.5
    db.session.commit()
    page = plain(login_as(org.head_b).get(f"/charters/{charter.id}").get_data(as_text=True))
    card = page[page.index(f'id="commitment-{chosen.id}"') :]
    card = card[: card.index("</article>")]
    assert "Readings compared with" in card and "at most 95%" in card
    assert "tolerance: 2.5%" in card and "direction read from the target" not in card
    other = page[page.index(f'id="commitment-{guessed.id}"') :]
    other = other[: other.index("</article>")]
    assert "at least 95%" in other and "default tolerance: 5% of the target" in other
    assert "(direction read from the target)" in other
