"""The signing endpoints of the JSON API: submit, sign, versions, PDF, verify."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sla_contracts.charters import operations as charters
from sla_contracts.extensions import db
from sla_contracts.models import CharterStatus, CharterVersion, Signature
from sla_contracts.signing import amendments

from .api_helpers import ApiClient, assert_error, check_response, token_for
from .plugins.people import TEST_PASSWORD
from .signing_helpers import pdf_text, sign_both, submit

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
    assert listed.get_json()["total"] == 1 and listed.get_json()["next"] is None
    assert listed.get_json()["versions"][0]["fingerprint"] == version["fingerprint"]
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
        assert body["pdf_signature_intact"] is True  # the stored file's PAdES signature
        assert {s["name"] for s in body["signed_by"]} == {"Alice Head", "Bruno Head"}
    response = caller.get(f"{BASE}/verify/{'0' * 64}")
    check_response(response, "get", "/api/v1/verify/{fingerprint}")
    unknown = response.get_json()
    assert unknown == {
        "authentic": False,
        "matched": None,
        "charter_id": None,
        "version": None,
        "signed_by": [],
        "superseded": False,
        "in_force": False,
        "superseded_by": None,
        "pdf_signature_intact": None,
    }
    assert_error(caller.get(f"{BASE}/verify/xyz"), 422, "validation_error", "fingerprint")
    assert ApiClient(caller.client).get(f"{BASE}/verify/{version.fingerprint}").status_code == 401


def test_permissions_on_the_signing_endpoints(org, make_charter, api):
    charter = make_charter(commitments=(1, 1))
    sign_both(org, charter)
    url = f"{BASE}/charters/{charter.id}"
    outsider = api(org.outsider)  # the head of another department
    for path in ("/versions", "/versions/1", "/versions/1/pdf"):
        response = outsider.get(url + path)
        assert_error(response, 404, "not_found")
        check_response(
            response, "get", "/api/v1/charters/{charter_id}" + path.replace("1", "{number}")
        )
    assert_error(outsider.post(f"{url}/submit", {}), 404, "not_found")
    assert_error(outsider.post(f"{url}/submit"), 404, "not_found")
    # Whatever the body: the charter is looked for first, so nothing tells it exists.
    assert_error(outsider.post(f"{url}/submit", {"force": 1}), 404, "not_found")
    assert_error(outsider.post(f"{url}/sign"), 404, "not_found")
    assert_error(outsider.post(f"{url}/sign", {"version": "x"}), 404, "not_found")
    assert_error(outsider.get(f"{url}/versions?limit=0"), 404, "not_found")
    assert_error(outsider.get(f"{BASE}/charters/999999/versions"), 404, "not_found")
    assert_error(outsider.get(f"{BASE}/charters/4294967296/versions/1"), 404, "not_found")
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


def test_submit_with_no_body_at_all(org, make_charter, api):
    charter = make_charter(commitments=(1, 1))
    response = api(org.head_a).request("POST", f"{BASE}/charters/{charter.id}/submit")
    assert response.status_code == 201, response.get_json()
    check_response(response, "post", "/api/v1/charters/{charter_id}/submit")
    assert response.get_json()["number"] == 1 and response.get_json()["signatures"] == []
    assert response.headers["Location"].endswith(f"/api/v1/charters/{charter.id}/versions/1")


def test_submit_with_the_session_cookie_needs_the_json_content_type(org, make_charter, login_as):
    charter = make_charter(commitments=(1, 1))
    browser = login_as(org.head_a)
    url = f"{BASE}/charters/{charter.id}/submit"
    assert_error(browser.client.post(url), 400, "bad_request")
    assert_error(browser.client.post(url, data="", content_type="text/plain"), 400, "bad_request")
    assert db.session.scalar(select(CharterVersion)) is None
    response = browser.client.post(url, data="", content_type="application/json")
    assert response.status_code == 201, response.get_json()
    check_response(response, "post", "/api/v1/charters/{charter_id}/submit")


def test_submit_refuses_unknown_keys_and_wrong_types(org, make_charter, api):
    charter = make_charter(commitments=(1, 1))
    url = f"{BASE}/charters/{charter.id}/submit"
    head = api(org.head_a)
    error = assert_error(head.post(url, {"force": True}), 422, "validation_error", "force")
    assert error["details"]["unknown_fields"] == ["force"]
    wrong = head.post(url, {"leave_comments_open": "yes"})
    assert_error(wrong, 422, "validation_error", "leave_comments_open")
    assert db.session.scalar(select(CharterVersion)) is None


def test_sign_with_an_empty_body_names_version_and_password(org, make_charter, api):
    charter = make_charter(commitments=(1, 1))
    submit(org, charter)
    head = api(org.head_b)
    url = f"{BASE}/charters/{charter.id}/sign"
    for response in (head.post(url, {}), head.request("POST", url)):
        error = assert_error(response, 422, "validation_error")
        assert sorted(error["details"]["missing_fields"]) == ["password", "version"]
        check_response(response, "post", "/api/v1/charters/{charter_id}/sign")
    assert db.session.scalar(select(Signature)) is None


def test_sign_refuses_unknown_keys_and_wrong_types(org, make_charter, api):
    charter = make_charter(commitments=(1, 1))
    submit(org, charter)
    head = api(org.head_b)
    url = f"{BASE}/charters/{charter.id}/sign"
    body = {"version": 1, "password": TEST_PASSWORD, "department_id": 2, "on_behalf": True}
    error = assert_error(head.post(url, body), 422, "validation_error")
    assert error["details"]["unknown_fields"] == ["department_id", "on_behalf"]
    assert_error(head.post(url, {"version": "1", "password": TEST_PASSWORD}), 422,
                 "validation_error", "version")  # fmt: skip
    assert_error(head.post(url, {"version": 1, "password": 1234}), 422,
                 "validation_error", "password")  # fmt: skip
    assert db.session.scalar(select(Signature)) is None


def test_versions_are_listed_newest_first_in_pages(org, make_charter, api):
    charter = make_charter(commitments=(1, 1))
    first = sign_both(org, charter)
    amendments.open_amendment(org.head_a, charter)
    db.session.commit()
    commitment = charter.commitments[0]
    charters.update_commitment(org.head_a, commitment, commitment.lock_version, {"target": "42"})
    db.session.commit()
    second = submit(org, charter)
    head = api(org.member_a)
    page = head.get(f"{BASE}/charters/{charter.id}/versions?limit=1")
    check_response(page, "get", "/api/v1/charters/{charter_id}/versions")
    body = page.get_json()
    assert [v["number"] for v in body["versions"]] == [2] and body["total"] == 2
    assert body["versions"][0]["fingerprint"] == second.fingerprint
    assert "limit=1" in body["next"]
    last = head.get(body["next"])
    check_response(last, "get", "/api/v1/charters/{charter_id}/versions")
    body = last.get_json()
    assert [v["number"] for v in body["versions"]] == [1] and body["total"] == 2
    assert body["versions"][0]["fingerprint"] == first.fingerprint
    assert body["versions"][0]["state"] == "in_force" and body["next"] is None
    everything = head.get(f"{BASE}/charters/{charter.id}/versions").get_json()
    assert [v["number"] for v in everything["versions"]] == [2, 1]
    bad = head.get(f"{BASE}/charters/{charter.id}/versions?cursor=nonsense")
    assert_error(bad, 422, "validation_error", "cursor")
    assert_error(head.get(f"{BASE}/charters/{charter.id}/versions?limit=0"), 422,
                 "validation_error", "limit")  # fmt: skip


def test_the_pdf_is_documented_as_a_pdf(client):
    document = client.get(f"{BASE}/openapi.json").get_json()
    pdf = document["paths"]["/api/v1/charters/{charter_id}/versions/{number}/pdf"]["get"]
    assert pdf["responses"]["200"]["content"] == {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}}
    }
    sign = document["paths"]["/api/v1/charters/{charter_id}/sign"]["post"]
    assert "429" in sign["responses"] and sign["requestBody"]["required"] is True
    submit_doc = document["paths"]["/api/v1/charters/{charter_id}/submit"]["post"]
    assert submit_doc["requestBody"]["required"] is False
    (fingerprint,) = document["paths"]["/api/v1/verify/{fingerprint}"]["parameters"]
    assert fingerprint["schema"]["pattern"] == "^[0-9a-fA-F]{64}$"
