"""A charter in force under amendment is shown "In force · amendment in progress" everywhere.

The stored status of an amended charter is ``draft`` (then ``awaiting_signatures``), but the signed
version still binds both sides: the charter page, the home lists, the company map and the API
(``status`` stays ``active``, the amendment in its own field) all say so, from one function.
"""

from __future__ import annotations

import re

import pytest

from sla_contracts.extensions import db
from sla_contracts.models import CharterStatus, Standing, standing, standings
from sla_contracts.signing import amendments, signatures

from .plugins.people import TEST_PASSWORD
from .signing_helpers import NOW, sign_both, submit


@pytest.fixture
def amended(org, make_charter):
    """A charter signed by both sides (version 1), then reopened as an amendment."""
    charter = make_charter("Rayons pleins", commitments=(1, 1))
    sign_both(org, charter)
    amendments.open_amendment(org.head_a, charter, now=NOW)
    db.session.commit()
    return charter


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_standing_tells_the_version_in_force_and_the_amendment(org, make_charter, amended):
    draft = make_charter("Brouillon", commitments=(1, 1))
    active = make_charter("Signée", commitments=(1, 1))
    sign_both(org, active)
    marks = standings([draft, active, amended])
    assert marks[draft.id].key == Standing.DRAFT and marks[draft.id].in_force is None
    assert marks[active.id].key == Standing.ACTIVE and marks[active.id].in_force == 1
    assert marks[active.id].amendment is None
    mark = marks[amended.id]
    assert amended.status == CharterStatus.DRAFT  # what can be done: edit the amendment
    assert mark.key == Standing.AMENDING and mark.is_in_force
    assert (mark.in_force, mark.amendment, mark.amendment_status) == (1, 2, CharterStatus.DRAFT)
    assert mark.public_status == CharterStatus.ACTIVE

    submit(org, amended)
    mark = standing(amended)
    assert mark.key == Standing.AMENDING
    assert (mark.amendment, mark.amendment_status) == (2, CharterStatus.AWAITING_SIGNATURES)


def test_signed_amendment_ends_the_amendment(org, amended):
    version = submit(org, amended)
    for head in (org.head_a, org.head_b):
        signatures.sign_charter(head, amended, version.number, TEST_PASSWORD, None, NOW)
        db.session.commit()
    mark = standing(amended)
    assert mark.key == Standing.ACTIVE and (mark.in_force, mark.amendment) == (2, None)


def test_charter_page_says_in_force_with_the_version_that_binds(org, amended, login_as):
    head = login_as(org.head_b)
    head.post("/language", {"lang": "fr", "next": "/"})
    page = _text(head.get(f"/charters/{amended.id}"))
    badge = 'class="status status-amendment_in_progress">En vigueur · avenant en cours</span>'
    assert badge in page
    assert ">Brouillon</span>" not in page
    assert "La version 1 engage les deux services." in page
    assert f'href="/charters/{amended.id}/versions/1/pdf"' in page
    assert "Un avenant (version 2) est en cours de rédaction" in page

    head.post("/language", {"lang": "en", "next": "/"})
    page = _text(head.get(f"/charters/{amended.id}"))
    assert ">In force · amendment in progress</span>" in page
    assert "Version 1 binds both sides." in page
    assert "An amendment (version 2) is being drafted" in page


def test_charter_page_says_which_version_binds_while_the_amendment_awaits_signatures(
    org, amended, login_as
):
    submit(org, amended)
    page = _text(login_as(org.member_a).get(f"/charters/{amended.id}"))
    assert ">In force · amendment in progress</span>" in page
    assert "Version 1 binds both sides." in page
    assert "An amendment (version 2) awaits signatures: version 1 stays in force" in page


def _section(page: str, heading_id: str) -> str:
    start = page.index(f'id="{heading_id}"')
    end = page.find("</section>", start)
    return page[start:end]


def test_home_keeps_the_amended_charter_in_force_and_with_the_drafts(org, amended, login_as):
    head = login_as(org.head_b)
    page = _text(head.get("/"))
    in_force = _section(page, "status-active")
    assert amended.title in in_force
    assert "In force · amendment in progress" in in_force
    assert "(1)" in in_force
    drafts = _section(page, "status-draft")
    assert amended.title in drafts and "Amendment (version 2)" in drafts

    head.post("/language", {"lang": "fr", "next": "/"})
    page = _text(head.get("/"))
    assert "En vigueur · avenant en cours" in _section(page, "status-active")


def test_company_map_shows_the_amended_charter_in_force(org, amended, login_as):
    page = _text(login_as(org.admin).get("/directory/map"))
    assert "status-amendment_in_progress" in page
    assert "In force · amendment in progress" in page
    assert ">Draft</a>" not in page


def test_api_status_stays_active_with_the_amendment_beside_it(org, amended, api_as):
    api = api_as(org.head_a)
    body = api.get(f"/api/v1/charters/{amended.id}").get_json()
    assert body["status"] == "active"
    assert body["amendment"] == {
        "version": 2,
        "status": "draft",
        "version_in_force": 1,
        "renewal": False,
    }
    assert body["current_version"]["number"] == 1
    assert body["can_edit"] is True  # the amendment is a draft to write

    listed = api.get("/api/v1/charters?status=active").get_json()["charters"]
    assert [c["id"] for c in listed] == [amended.id]
    assert listed[0]["amendment"]["version"] == 2
    assert api.get("/api/v1/charters?status=draft").get_json()["charters"] == []

    submit(org, amended)
    body = api.get(f"/api/v1/charters/{amended.id}").get_json()
    assert body["status"] == "active"
    assert body["amendment"] == {
        "version": 2,
        "status": "awaiting_signatures",
        "version_in_force": 1,
        "renewal": False,
    }
    assert body["pending_version"]["number"] == 2


def test_api_charter_without_amendment_has_a_null_amendment(org, make_charter, api_as):
    charter = make_charter(commitments=(1, 1))
    body = api_as(org.head_a).get(f"/api/v1/charters/{charter.id}").get_json()
    assert body["status"] == "draft" and body["amendment"] is None


def test_openapi_documents_the_amendment(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name in ("Charter", "CharterSummary"):
        amendment = schemas[name]["properties"]["amendment"]
        assert {"type": "null"} in amendment["anyOf"]
        ref = next(s["$ref"] for s in amendment["anyOf"] if "$ref" in s)
        properties = schemas[ref.rsplit("/", 1)[-1]]["properties"]
        assert set(properties) == {"version", "status", "version_in_force", "renewal"}
        assert "amendment" in schemas[name]["required"]


def test_reviews_section_does_not_say_the_amended_charter_is_unsigned(org, amended, login_as):
    page = _text(login_as(org.head_a).get(f"/charters/{amended.id}"))
    assert "Reviews start once both departments have signed" not in page
    assert "Reviews wait while the amendment is in progress" in page
