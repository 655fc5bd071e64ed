"""The signing endpoints of the JSON API: submit, sign, versions, PDF, verify."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sla_contracts.extensions import db
from sla_contracts.models import CharterStatus, Signature

from .api_helpers import ApiClient, assert_error, check_response, token_for
from .plugins.people import TEST_PASSWORD
from .signing_helpers import pdf_text, sign_both

BASE = "/api/v1"


@pytest.fixture
def api(client):
    def make(user) -> ApiClient:
        return ApiClient(client, token_for(user))

    return make


def test_submit_sign_and_read_the_version_over_the_api(org, make_charter, api):
    charter = make_charter(commitments=(1, 1))
    head_a, head_b = api(org.head_a), api(org.head_b)
    url = f"{BASE}/charters/{charter.id}"
    response = head_a.post(f"{url}/submit", {})
    assert response.status_code == 201, response.get_json()
    check_response(response, "post", "/api/v1/charters/{charter_id}/submit")
    version = response.get_json()
    assert version["state"] == "awaiting_signatures" and len(version["fingerprint"]) == 64
    charter_json = head_b.get(url).get_json()
    assert charter_json["status"] == "awaiting_signatures"
    assert charter_json["pending_version"]["fingerprint"] == version["fingerprint"]
    assert charter_json["current_version"] is None

    wrong = head_b.post(f"{url}/sign", {"version": 1, "password": "nope"})
    assert_error(wrong, 422, "validation_error", "password")
    stale = head_b.post(f"{url}/sign", {"version": 2, "password": TEST_PASSWORD})
    assert assert_error(stale, 409, "conflict")["details"]["current_version"] == 1
    first = head_b.post(f"{url}/sign", {"version": 1, "password": TEST_PASSWORD})
    assert first.status_code == 201
    check_response(first, "post", "/api/v1/charters/{charter_id}/sign")
    assert first.get_json()["charter_status"] == "awaiting_signatures"
    twice = head_b.post(f"{url}/sign", {"version": 1, "password": TEST_PASSWORD})
    assert_error(twice, 409, "conflict")
    second = head_a.post(f"{url}/sign", {"version": 1, "password": TEST_PASSWORD})
    assert second.get_json()["charter_status"] == "active"

    current = head_a.get(url).get_json()["current_version"]
    assert current["fingerprint"] == version["fingerprint"] and current["state"] == "in_force"
    got = head_a.get(f"{url}/versions/1")
    check_response(got, "get", "/api/v1/charters/{charter_id}/versions/{number}")
    assert {s["name"] for s in got.get_json()["signatures"]} == {"Alice Head", "Bruno Head"}
    listed = head_a.get(f"{url}/versions")
    check_response(listed, "get", "/api/v1/charters/{charter_id}/versions")
    pdf = head_a.get(f"{url}/versions/1/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "Bruno Head" in pdf_text(pdf.data)
    assert pdf.data == api(org.member_a).get(f"{url}/versions/1/pdf").data


def test_verify_endpoint(org, make_charter, api):
    charter = make_charter(commitments=(1, 1))
    version = sign_both(org, charter)
    caller = api(org.outsider)
    for fingerprint, matched in ((version.fingerprint, "content"), (version.pdf_sha256, "pdf")):
        response = caller.get(f"{BASE}/verify/{fingerprint}")
        check_response(response, "get", "/api/v1/verify/{fingerprint}")
        body = response.get_json()
        assert body["authentic"] is True and body["matched"] == matched
        assert body["charter_id"] == charter.id and body["version"] == 1
        assert body["superseded"] is False
        assert {s["name"] for s in body["signed_by"]} == {"Alice Head", "Bruno Head"}
    unknown = caller.get(f"{BASE}/verify/{'0' * 64}").get_json()
    assert unknown == {
        "authentic": False,
        "matched": None,
        "charter_id": None,
        "version": None,
        "signed_by": [],
        "superseded": False,
        "superseded_by": None,
    }
    assert_error(caller.get(f"{BASE}/verify/xyz"), 422, "validation_error", "fingerprint")
    assert ApiClient(caller.client).get(f"{BASE}/verify/{version.fingerprint}").status_code == 401


def test_permissions_on_the_signing_endpoints(org, make_charter, api):
    charter = make_charter(commitments=(1, 1))
    sign_both(org, charter)
    url = f"{BASE}/charters/{charter.id}"
    outsider = api(org.outsider)
    for path in ("/versions", "/versions/1", "/versions/1/pdf"):
        assert_error(outsider.get(url + path), 404, "not_found")
    assert_error(outsider.post(f"{url}/submit", {}), 404, "not_found")
    assert_error(
        outsider.post(f"{url}/sign", {"version": 1, "password": TEST_PASSWORD}), 404, "not_found"
    )
    assert_error(api(org.member_a).post(f"{url}/submit", {}), 403, "forbidden")


def test_admin_and_member_cannot_sign_over_the_api(org, make_charter, api):
    charter = make_charter(commitments=(1, 1))
    api(org.head_a).post(f"{BASE}/charters/{charter.id}/submit", {})
    for user in (org.admin, org.member_b):
        response = api(user).post(
            f"{BASE}/charters/{charter.id}/sign", {"version": 1, "password": TEST_PASSWORD}
        )
        assert_error(response, 403, "forbidden")
    assert db.session.scalar(select(Signature)) is None
    db.session.expire_all()
    assert db.session.get(type(charter), charter.id).status == CharterStatus.AWAITING_SIGNATURES


def test_unbalanced_submit_is_422(org, make_charter, api):
    charter = make_charter(commitments=(1, 0))
    response = api(org.head_a).post(f"{BASE}/charters/{charter.id}/submit", {})
    assert_error(response, 422, "validation_error", "commitments")
