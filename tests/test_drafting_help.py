"""Drafting help: the criterion explained, a warning for a pair that already has a charter, and
a start from a starter template or a copy of a readable charter, through the real services."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sla_contracts.charters import negotiation, starters
from sla_contracts.charters import operations as ops
from sla_contracts.errors import NotOwner
from sla_contracts.extensions import db
from sla_contracts.models import AuditEvent, Charter, CharterStatus
from sla_contracts.models.charters import COMMITMENT_FIELDS

from .plugins.reviews import plain

PAIRS = {
    "logistique-magasins": ("Logistique", "Magasins"),
    "dsi-service-client": ("DSI", "Service client"),
    "ventes-marketing": ("Ventes", "Marketing"),
    "achats-production": ("Achats", "Production"),
    "rh-managers": ("RH", "Managers"),
}


def _form(org, **fields):
    return {
        "title": "Logistique ⇄ Magasins 2027",
        "department_a_id": org.logistics.id,
        "department_b_id": org.stores.id,
        "criterion_id": org.criterion.id,
        "review_cadence_months": 3,
        "start_from": "",
        **fields,
    }


def _new_charter(title="Logistique ⇄ Magasins 2027"):
    return db.session.scalar(select(Charter).where(Charter.title == title))


# ------------------------------------------------------------------ the starter templates


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_starter_has_measurable_commitments_and_expectations_of_each_side(app, language):
    with app.test_request_context():
        listed = starters.list_starters(language)
        assert {s.key for s in listed} >= set(PAIRS)
        for key in PAIRS:
            content = starters.starter_content(key, language)
            for side, other in (content.sides, content.sides[::-1]):
                assert len(side.expectations) >= 2 and len(side.commitments) >= 2
                for commitment in side.commitments:
                    ops.clean_commitment_fields(commitment)  # within every field's limits
                    assert set(COMMITMENT_FIELDS) <= set(commitment)
                    float(commitment["target"])  # a numeric target
                    for name in ("unit", "measurement_method", "measurement_frequency"):
                        assert commitment[name].strip()
                for expectation in side.expectations:
                    assert expectation["text"] and expectation["customer_reason"]
                    assert all(i < len(other.commitments) for i in expectation["answered_by"])


def test_a_starter_reads_in_the_readers_language(app):
    with app.test_request_context():
        french = starters.starter_content("dsi-service-client", "fr")
        english = starters.starter_content("dsi-service-client", "en")
    assert french.sides[0].commitments[0]["title"] == "Outils des conseillers disponibles"
    assert english.sides[0].commitments[0]["title"] == "Advisers' tools available"
    assert french.sides[0].commitments[0]["target"] == english.sides[0].commitments[0]["target"]


# ------------------------------------------------------------------ the form


def test_form_explains_each_criterion_and_lists_the_starters(org, login_as, make_criterion):
    make_criterion("Delivery promise kept", definition="Orders delivered on the day promised.")
    page = plain(login_as(org.head_a).get("/charters/new").get_data(as_text=True))
    assert "Share of products missing on the shelf." in page  # org.criterion's definition
    assert "Unit: % · Target: 2% · Lower is better" in page
    assert "Orders delivered on the day promised." in page
    for title in (
        "Logistics ⇄ Stores: full shelves at opening time",
        "IT ⇄ Customer service: advisers who can answer",
        "Sales ⇄ Marketing: promotions that keep their promise",
        "Purchasing ⇄ Production: lines that never stop",
        "HR ⇄ Managers: teams fully staffed and trained",
    ):
        assert title in page


def test_form_lists_the_starters_in_french_for_a_french_reader(org, login_as):
    head = login_as(org.head_a)
    head.post("/language", {"lang": "fr", "next": "/"})
    page = plain(head.get("/charters/new").get_data(as_text=True))
    assert "Logistique ⇄ Magasins : des rayons pleins à l'ouverture" in page
    assert "RH ⇄ Managers : des équipes au complet et formées" in page


def test_a_pair_with_a_charter_gets_a_confirmation_step_naming_it(org, login_as, make_charter):
    existing = make_charter("Logistique ⇄ Magasins 2026", status=CharterStatus.ACTIVE)
    make_charter("Old one", status=CharterStatus.ENDED)
    head = login_as(org.head_a)
    response = head.post("/charters/new", _form(org))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = plain(html)
    assert "These two departments already have a charter:" in page
    warning = page.split('id="existing-charters"')[1].split("</section>")[0]
    assert "Logistique ⇄ Magasins 2026" in warning and "Old one" not in warning
    assert f'href="/charters/{existing.id}"' in html
    assert "Open another draft anyway" in page
    assert _new_charter() is None
    response = head.post("/charters/new", _form(org, confirmed="1"))
    assert response.status_code == 302
    assert _new_charter().status == CharterStatus.DRAFT


def test_a_pair_with_only_ended_charters_opens_at_once(org, login_as, make_charter):
    make_charter("Old one", status=CharterStatus.ENDED)
    assert login_as(org.head_a).post("/charters/new", _form(org)).status_code == 302


# ------------------------------------------------------------------ starting from a starter


def test_starting_from_a_starter_drafts_each_side_by_ownership(org, login_as):
    head = login_as(org.head_a)
    head.post("/language", {"lang": "fr", "next": "/"})
    response = head.post("/charters/new", _form(org, start_from="starter:logistique-magasins"))
    assert response.status_code == 302
    charter = _new_charter()
    ours = charter.commitments_by(org.logistics.id)
    theirs = charter.commitments_by(org.stores.id)
    assert [c.title for c in ours] == ["Livraison avant l'ouverture", "Commandes complètes"]
    assert [c.title for c in theirs] == ["Quai libre à l'arrivée", "Commandes passées à l'heure"]
    assert all(
        c.is_agreed_by(org.logistics.id) and not c.is_agreed_by(org.stores.id) for c in theirs
    )
    assert all(c.is_agreed for c in ours) is False  # Magasins still agrees to Logistique's lines
    assert all(c.is_agreed_by(org.logistics.id) for c in ours)
    assert {c.created_by_id for c in ours + theirs} == {org.head_a.id}
    asked = charter.expectations_of(org.logistics.id)
    assert [e.status.value for e in asked] == ["open", "open"]  # Magasins answers them
    asked_of_us = charter.expectations_of(org.stores.id)
    assert [e.status.value for e in asked_of_us] == ["answered", "answered"]
    assert asked_of_us[0].answers == [ours[0]] and asked_of_us[1].answers == [ours[1]]
    drafted = db.session.scalars(
        select(AuditEvent).where(AuditEvent.charter_id == charter.id)
    ).all()
    marks = [e.data.get("drafted_from") for e in drafted if e.data.get("change") == "added"]
    assert marks.count("starter:logistique-magasins") == 4  # their 2 commitments, 2 asks
    # Their commitments stay theirs: Logistique cannot rewrite them, Magasins can.
    with pytest.raises(NotOwner):
        ops.update_commitment(org.head_a, theirs[0], theirs[0].lock_version, {"target": "10"})
    db.session.rollback()
    ops.update_commitment(org.head_b, theirs[0], theirs[0].lock_version, {"target": "10"})
    db.session.commit()


def test_the_other_side_finishes_a_started_draft_and_it_can_be_submitted(org, login_as):
    login_as(org.head_a).post("/charters/new", _form(org, start_from="starter:logistique-magasins"))
    charter = _new_charter()
    theirs = charter.commitments_by(org.stores.id)
    for expectation, answer in zip(charter.expectations_of(org.logistics.id), theirs, strict=True):
        negotiation.decide_expectation(
            org.head_b, expectation, "answered", commitment_ids=[answer.id]
        )
    for commitment in charter.commitments:
        if not commitment.is_agreed_by(org.stores.id):
            negotiation.agree(org.head_b, commitment, commitment.lock_version)
    db.session.commit()
    assert negotiation.readiness(charter).is_ready
    response = login_as(org.head_a).post(f"/charters/{charter.id}/submit", {})
    assert response.status_code == 302
    db.session.refresh(charter)
    assert charter.status == CharterStatus.AWAITING_SIGNATURES


def test_a_starter_follows_the_pair_whichever_side_opens_it(org, login_as):
    response = login_as(org.head_b).post(
        "/charters/new",
        _form(
            org,
            department_a_id=org.stores.id,
            department_b_id=org.logistics.id,
            start_from="starter:logistique-magasins",
        ),
    )
    assert response.status_code == 302
    charter = _new_charter()
    assert charter.commitments_by(org.stores.id)[0].title == "Dock free on arrival"
    assert charter.commitments_by(org.logistics.id)[0].title == "Delivered before opening"
    assert all(c.is_agreed_by(org.stores.id) for c in charter.commitments)


def test_an_unknown_starter_is_not_found(org, login_as):
    response = login_as(org.head_a).post("/charters/new", _form(org, start_from="starter:nope"))
    assert response.status_code == 404
    assert _new_charter() is None


# ------------------------------------------------------------------ copying a charter


def test_copying_a_charter_takes_its_lines_to_another_pair(org, login_as, make_charter):
    source = make_charter("Source", commitments=(2, 1))
    negotiation.add_expectation(
        org.head_a, source, text="Slots kept", customer_reason="Trucks wait less"
    )
    db.session.commit()
    head = login_as(org.head_a)
    form_page = head.get(f"/charters/new?copy={source.id}").get_data(as_text=True)
    assert f'value="charter:{source.id}" selected' in form_page
    response = head.post(
        "/charters/new",
        _form(
            org,
            title="Logistique ⇄ DSI",
            department_b_id=org.it.id,
            start_from=f"charter:{source.id}",
        ),
    )
    assert response.status_code == 302
    copy = _new_charter("Logistique ⇄ DSI")
    assert [c.title for c in copy.commitments_by(org.logistics.id)] == [
        c.title for c in source.commitments_by(org.logistics.id)
    ]
    drafted = copy.commitments_by(org.it.id)
    assert [c.title for c in drafted] == [c.title for c in source.commitments_by(org.stores.id)]
    assert not drafted[0].is_agreed_by(org.it.id)
    assert [e.text for e in copy.expectations_of(org.logistics.id)] == ["Slots kept"]
    assert source.commitments_by(org.logistics.id)[0].charter_id == source.id  # untouched


def test_copying_a_charter_one_cannot_read_is_not_found(org, login_as, make_charter):
    hidden = make_charter("Logistique ⇄ Magasins secret", commitments=(1, 1))
    outsider = login_as(org.outsider)  # head of DSI, reads nothing of Logistique ⇄ Magasins
    assert outsider.get(f"/charters/new?copy={hidden.id}").status_code == 404
    response = outsider.post(
        "/charters/new",
        {
            "title": "DSI ⇄ Logistique",
            "department_a_id": org.it.id,
            "department_b_id": org.logistics.id,
            "criterion_id": org.criterion.id,
            "review_cadence_months": 3,
            "start_from": f"charter:{hidden.id}",
        },
    )
    assert response.status_code == 404
    assert _new_charter("DSI ⇄ Logistique") is None
    page = outsider.get("/charters/new").get_data(as_text=True)
    assert "Logistique ⇄ Magasins secret" not in page


def test_the_charter_page_offers_heads_a_copy_and_members_none(org, login_as, make_charter):
    charter = make_charter(commitments=(1, 1))
    page = login_as(org.head_b).get(f"/charters/{charter.id}").get_data(as_text=True)
    assert f'href="/charters/new?copy={charter.id}"' in page
    page = login_as(org.member_b).get(f"/charters/{charter.id}").get_data(as_text=True)
    assert "/charters/new?copy=" not in page


def test_an_administrator_starting_from_a_starter_leaves_the_second_side_to_its_heads(
    org, login_as
):
    response = login_as(org.admin).post(
        "/charters/new", _form(org, start_from="starter:logistique-magasins")
    )
    assert response.status_code == 302
    charter = _new_charter()
    ours, theirs = (charter.commitments_by(d.id) for d in (org.logistics, org.stores))
    assert all(c.is_agreed_by(org.logistics.id) for c in ours + theirs)
    assert not any(c.is_agreed_by(org.stores.id) for c in ours + theirs)
    assert all(a.as_admin for c in ours + theirs for a in c.agreements)
