"""What a client trying the edges finds (from a tester following the README): every answer a
documented 4xx, never a 500, and versions that cannot be skipped."""

from __future__ import annotations

import base64
import json

from tests.api_helpers import assert_error

from .signing_helpers import sign_both


def _cursor(position) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def test_a_cursor_outside_any_id_is_refused_not_a_500(org, api_as, make_charter):
    charter = make_charter(commitments=(1, 1))
    client = api_as(org.head_a)
    for url in ["/api/v1/charters", f"/api/v1/charters/{charter.id}/comments",
                "/api/v1/notifications", "/api/v1/departments"]:  # fmt: skip
        for position in ([10**30], [-5], [0], ["Logistique", 10**30]):
            response = client.get(f"{url}?cursor={_cursor(position)}")
            assert_error(response, 422, "validation_error", "cursor")


def test_a_version_number_no_row_can_have_is_404(org, api_as, make_charter):
    charter = make_charter(commitments=(1, 1))
    sign_both(org, charter)
    client = api_as(org.head_a)
    for suffix in ("", "/pdf"):
        response = client.get(f"/api/v1/charters/{charter.id}/versions/{10**23}{suffix}")
        assert_error(response, 404, "not_found")


def test_json_nested_too_deep_is_a_400(org, api_as, make_charter):
    charter = make_charter()
    body = '{"title": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = api_as(org.head_a).request(
        "PATCH", f"/api/v1/charters/{charter.id}", data=body, content_type="application/json"
    )
    assert_error(response, 400, "bad_request")


def test_a_rule_of_the_domain_names_its_field_in_details_too(org, api_as, make_charter):
    charter = make_charter()
    response = api_as(org.head_a).post(
        f"/api/v1/charters/{charter.id}/commitments",
        json={"provider_department_id": org.it.id, "title": "T", "service_standard": "S",
              "indicator": "I", "target": "1", "unit": "%", "customer_impact": "C"},
    )  # fmt: skip
    error = assert_error(response, 422, "validation_error", "provider_department_id")
    assert list(error["details"]["errors"]) == ["provider_department_id"]


def test_if_match_star_is_not_a_version_and_both_versions_must_agree(org, api_as, make_charter):
    charter = make_charter()
    client = api_as(org.head_a)
    url = f"/api/v1/charters/{charter.id}"
    read = client.get(url)
    etag, seen = read.headers["ETag"], read.get_json()["lock_version"]
    star = client.patch(url, json={"title": "Sans version"}, headers={"If-Match": "*"})
    assert_error(star, 428, "version_required")
    changed = client.patch(url, json={"lock_version": seen, "title": "Un"})
    assert changed.status_code == 200
    # The body's version is the current one, the If-Match is the old ETag: refused.
    both = client.patch(
        url, json={"lock_version": seen + 1, "title": "Deux"}, headers={"If-Match": etag}
    )
    error = assert_error(both, 409, "conflict")
    assert error["details"]["current_lock_version"] == seen + 1
    assert client.get(url).get_json()["title"] == "Un"


def test_a_weak_if_none_match_answers_304_without_a_content_type(org, api_as, make_charter):
    charter = make_charter()
    client = api_as(org.head_a)
    etag = client.get(f"/api/v1/charters/{charter.id}").headers["ETag"]
    response = client.get(f"/api/v1/charters/{charter.id}", headers={"If-None-Match": f"W/{etag}"})
    assert response.status_code == 304
    assert response.get_data() == b"" and "Content-Type" not in response.headers


def test_a_new_charter_answers_its_etag_for_the_next_change(org, api_as):
    client = api_as(org.head_a)
    created = client.post("/api/v1/charters", json={
        "title": "Neuve", "department_a_id": org.logistics.id, "department_b_id": org.stores.id,
        "criterion_id": org.criterion.id, "review_cadence_months": 3})  # fmt: skip
    assert created.status_code == 201
    patched = client.patch(
        created.headers["Location"], json={"title": "Renommée"},
        headers={"If-Match": created.headers["ETag"]},
    )  # fmt: skip
    assert patched.status_code == 200 and patched.get_json()["title"] == "Renommée"


def test_next_is_at_the_public_address_whatever_the_host(org, api_as, make_charter, app):
    for n in range(3):
        make_charter(f"Charte {n}")
    response = api_as(org.head_a).get("/api/v1/charters?limit=1", headers={"Host": "evil.example"})
    assert response.get_json()["next"].startswith(app.config["BASE_URL"].rstrip("/") + "/api/v1/")


def test_a_deletion_answers_204_without_a_content_type(org, api_as, make_charter):
    charter = make_charter(commitments=(1, 0))
    commitment = charter.commitments[0]
    response = api_as(org.head_a).delete(
        f"/api/v1/commitments/{commitment.id}", json={"lock_version": commitment.lock_version}
    )
    assert response.status_code == 204
    assert "Content-Type" not in response.headers


def test_a_member_is_refused_before_the_body_is_read(org, api_as):
    for url in ("/api/v1/criteria", "/api/v1/departments"):
        assert_error(api_as(org.member_a).post(url, json={"name": "x"}), 403, "forbidden")
