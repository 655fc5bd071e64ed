"""Charters and commitments over the API: reading, drafting, locking, errors that change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sla_contracts.charters.history import snapshot
from sla_contracts.extensions import db
from sla_contracts.models import Charter, CharterStatus, Commitment, Revision
from tests.api_helpers import (
    assert_error,
    check_response,
    flask_rule_to_openapi,
    served_document,
)
from tests.plugins.charters import COMMITMENT_DEFAULTS

COMMITMENT = {"title": "Livrer avant 7 h", **COMMITMENT_DEFAULTS}


def _state(charter_id: int) -> dict:
    """Everything saved about a charter, to check an error changed nothing."""
    db.session.expire_all()
    charter = db.session.get(Charter, charter_id)
    return {
        "snapshot": snapshot(charter),
        "lock_version": charter.lock_version,
        "commitment_locks": sorted((c.id, c.lock_version) for c in charter.commitments),
        "status": charter.status,
        "revisions": db.session.scalar(
            select(func.count()).select_from(Revision).where(Revision.charter_id == charter_id)
        ),
    }


def _new_charter_body(org, **change):
    return {
        "title": "Logistique ⇄ Magasins",
        "department_a_id": org.logistics.id,
        "department_b_id": org.stores.id,
        "criterion_id": org.criterion.id,
        "review_cadence_months": 3,
        **change,
    }


# ---------------------------------------------------------------- listing


def test_list_shows_only_visible_charters(org, api_as, make_charter, make_department):
    mine = make_charter("Mine", commitments=(1, 0))
    other = make_charter("Theirs", department_a=org.it, department_b=make_department())
    response = api_as(org.member_b).get("/api/v1/charters")
    assert response.status_code == 200
    check_response(response, "get", "/api/v1/charters")
    charters = response.get_json()["charters"]
    assert [c["id"] for c in charters] == [mine.id]
    assert charters[0]["balance"] == {
        "department_a": 1,
        "department_b": 0,
        "is_signable": False,
        "is_lopsided": False,
    }
    assert charters[0]["can_edit"] is False
    admin_ids = {c["id"] for c in api_as(org.admin).get("/api/v1/charters").get_json()["charters"]}
    assert admin_ids == {mine.id, other.id}
    outsider = api_as(org.outsider).get("/api/v1/charters").get_json()["charters"]
    assert [c["id"] for c in outsider] == [other.id]


def test_list_filters_by_status_and_department(org, api_as, make_charter, make_department):
    draft = make_charter("Draft")
    active = make_charter("Active", status=CharterStatus.ACTIVE)
    with_it = make_charter("With IT", department_b=org.it)
    api = api_as(org.admin)

    def ids(query):
        response = api.get(f"/api/v1/charters{query}")
        assert response.status_code == 200, response.get_json()
        return {c["id"] for c in response.get_json()["charters"]}

    assert ids("?status=active") == {active.id}
    assert ids("?status=draft") == {draft.id, with_it.id}
    assert ids(f"?department={org.it.id}") == {with_it.id}
    assert ids("?department=dsi") == {with_it.id}
    assert ids("?department=MAG&status=draft") == {draft.id}


@pytest.mark.parametrize(
    "query, field",
    [
        ("?status=signed", "status"),
        ("?department=9999", "department"),
        ("?department=NOPE", "department"),
        ("?department=99999999999999999999", "department"),
        ("?department=%00", "department"),
    ],
)
def test_list_refuses_bad_filters(org, api_as, query, field):
    assert_error(api_as(org.head_a).get(f"/api/v1/charters{query}"), 422, "validation_error", field)


# ---------------------------------------------------------------- creating


def test_head_opens_a_draft(org, api_as):
    response = api_as(org.head_a).post("/api/v1/charters", json=_new_charter_body(org))
    assert response.status_code == 201, response.get_json()
    check_response(response, "post", "/api/v1/charters")
    body = response.get_json()
    assert body["status"] == "draft"
    assert body["lock_version"] == 1
    assert body["commitments"] == []
    assert body["current_version"] is None
    assert response.headers["Location"].endswith(f"/api/v1/charters/{body['id']}")
    charter = db.session.get(Charter, body["id"])
    assert charter.department_a_id == org.logistics.id
    assert charter.created_by_id == org.head_a.id


@pytest.mark.parametrize("who", ["member_a", "outsider"])
def test_non_heads_cannot_open_a_draft(org, api_as, who):
    response = api_as(getattr(org, who)).post("/api/v1/charters", json=_new_charter_body(org))
    assert_error(response, 403, "forbidden")
    assert db.session.scalar(select(func.count()).select_from(Charter)) == 0


@pytest.mark.parametrize(
    "change, field",
    [
        ({"department_a_id": "1"}, "department_a_id"),
        ({"department_b_id": 99999}, "department_b_id"),
        ({"department_b_id": 2**40}, "department_b_id"),
        ({"criterion_id": 99999}, "criterion_id"),
        ({"criterion_id": None}, "criterion_id"),
        ({"review_cadence_months": 2}, "review_cadence_months"),
        ({"review_cadence_months": 3.0}, "review_cadence_months"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": 42}, "title"),
        ({"status": "active"}, "status"),
    ],
)
def test_bad_charter_is_refused_with_the_field(org, api_as, change, field):
    body = _new_charter_body(org, **change)
    if body["department_b_id"] is None:
        del body["department_b_id"]
    response = api_as(org.head_a).post("/api/v1/charters", json=body)
    assert_error(response, 422, "validation_error", field)
    assert db.session.scalar(select(func.count()).select_from(Charter)) == 0


def test_same_department_on_both_sides_is_refused(org, api_as):
    body = _new_charter_body(org, department_b_id=org.logistics.id)
    response = api_as(org.head_a).post("/api/v1/charters", json=body)
    assert_error(response, 422, "validation_error", "department_b_id")


def test_missing_fields_are_refused(org, api_as):
    body = _new_charter_body(org)
    del body["criterion_id"], body["title"]
    error = assert_error(
        api_as(org.head_a).post("/api/v1/charters", json=body), 422, "validation_error", "title"
    )
    assert error["details"]["missing_fields"] == ["title", "criterion_id"]


@pytest.mark.parametrize("payload", ["[1, 2]", '"text"', "{bad json", "null"])
def test_body_that_is_not_an_object_is_400(org, api_as, payload):
    response = api_as(org.head_a).post(
        "/api/v1/charters", data=payload, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "bad_request")


# ---------------------------------------------------------------- reading one


def test_charter_shows_commitments_in_both_directions(org, api_as, make_charter):
    charter = make_charter(commitments=(2, 1))
    response = api_as(org.member_a).get(f"/api/v1/charters/{charter.id}")
    assert response.status_code == 200
    check_response(response, "get", "/api/v1/charters/{charter_id}")
    body = response.get_json()
    assert body["status"] == "draft"
    assert body["lock_version"] == charter.lock_version
    assert body["department_a"]["code"] == "LOG"
    assert body["criterion"]["name"] == "Shelf out-of-stock rate"
    assert [c["title"] for c in body["commitments"]] == [
        "A commitment 1",
        "A commitment 2",
        "B commitment 1",
    ]
    first = body["commitments"][0]
    assert first["provider_department_id"] == org.logistics.id
    assert first["beneficiary_department_id"] == org.stores.id
    assert first["lock_version"] == 1
    assert first["customer_impact"] == COMMITMENT_DEFAULTS["customer_impact"]
    assert body["balance"]["is_signable"] is True
    assert body["current_version"] is None
    assert body["can_edit"] is False


def test_unknown_charter_is_404(org, api_as):
    api = api_as(org.admin)
    assert_error(api.get("/api/v1/charters/999999"), 404, "not_found")
    assert_error(api.get(f"/api/v1/charters/{2**40}"), 404, "not_found")
    assert_error(api.get("/api/v1/charters/abc"), 404, "not_found")


# ---------------------------------------------------------------- changing the charter


def test_head_of_either_side_changes_the_draft(org, api_as, make_charter):
    charter = make_charter()
    response = api_as(org.head_b).patch(
        f"/api/v1/charters/{charter.id}",
        json={"lock_version": charter.lock_version, "title": "Nouveau titre",
              "review_cadence_months": 6},
    )  # fmt: skip
    assert response.status_code == 200, response.get_json()
    check_response(response, "patch", "/api/v1/charters/{charter_id}")
    body = response.get_json()
    assert body["title"] == "Nouveau titre"
    assert body["review_cadence_months"] == 6
    assert body["lock_version"] == 2
    db.session.expire_all()
    assert db.session.get(Charter, charter.id).title == "Nouveau titre"


def test_stale_charter_patch_is_409_and_keeps_the_current_content(org, api_as, make_charter):
    charter = make_charter()
    seen = charter.lock_version
    first = api_as(org.head_a).patch(
        f"/api/v1/charters/{charter.id}", json={"lock_version": seen, "title": "Version A"}
    )
    assert first.status_code == 200
    before = _state(charter.id)
    second = api_as(org.head_b).patch(
        f"/api/v1/charters/{charter.id}", json={"lock_version": seen, "title": "Version B"}
    )
    error = assert_error(second, 409, "conflict")
    check_response(second, "patch", "/api/v1/charters/{charter_id}")
    assert error["details"]["current_lock_version"] == seen + 1
    assert error["details"]["current"]["title"] == "Version A"
    assert _state(charter.id) == before
    assert before["snapshot"]["title"] == "Version A"


@pytest.mark.parametrize(
    "body, status, code, field",
    [
        ({"title": "No lock"}, 428, "version_required", "lock_version"),
        ({"lock_version": "1", "title": "x"}, 422, "validation_error", "lock_version"),
        ({"lock_version": 1}, 422, "validation_error", None),
        ({"lock_version": 1, "department_a_id": 3}, 422, "validation_error", "department_a_id"),
        ({"lock_version": 1, "criterion_id": 424242}, 422, "validation_error", "criterion_id"),
        ({"lock_version": 1, "title": "   "}, 422, "validation_error", "title"),
        ({"lock_version": 1, "review_cadence_months": "3"}, 422, "validation_error",
         "review_cadence_months"),
    ],
)  # fmt: skip
def test_bad_charter_patch_changes_nothing(org, api_as, make_charter, body, status, code, field):
    charter = make_charter()
    before = _state(charter.id)
    response = api_as(org.head_a).patch(f"/api/v1/charters/{charter.id}", json=body)
    assert_error(response, status, code, field)
    assert _state(charter.id) == before


@pytest.mark.parametrize("who", ["member_a", "member_b"])
def test_members_cannot_change_a_charter(org, api_as, make_charter, make_commitment, who):
    charter = make_charter()
    commitment = make_commitment(charter, org.logistics)
    before = _state(charter.id)
    api = api_as(getattr(org, who))
    cases = [
        api.patch(f"/api/v1/charters/{charter.id}", json={"lock_version": 1, "title": "x"}),
        api.post(
            f"/api/v1/charters/{charter.id}/commitments",
            json={"provider_department_id": org.logistics.id, **COMMITMENT},
        ),
        api.patch(f"/api/v1/commitments/{commitment.id}", json={"lock_version": 1, "title": "x"}),
        api.delete(f"/api/v1/commitments/{commitment.id}"),
        api.post(f"/api/v1/commitments/{commitment.id}/move", json={"direction": "up"}),
    ]
    for response in cases:
        assert_error(response, 403, "forbidden")
    assert _state(charter.id) == before


def test_a_signed_charter_cannot_be_changed(org, api_as, make_charter):
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(1, 1))
    commitment = charter.commitments[0]
    before = _state(charter.id)
    api = api_as(org.head_a)
    cases = [
        api.patch(f"/api/v1/charters/{charter.id}", json={"lock_version": 1, "title": "x"}),
        api.post(
            f"/api/v1/charters/{charter.id}/commitments",
            json={"provider_department_id": org.logistics.id, **COMMITMENT},
        ),
        api.patch(f"/api/v1/commitments/{commitment.id}", json={"lock_version": 1, "title": "x"}),
        api.delete(f"/api/v1/commitments/{commitment.id}", json={"lock_version": 1}),
        api.post(f"/api/v1/commitments/{commitment.id}/move", json={"direction": "up"}),
    ]
    for response in cases:
        assert_error(response, 409, "invalid_state")
    assert _state(charter.id) == before


# ---------------------------------------------------------------- commitments


def test_head_adds_a_commitment_on_their_side_only(org, api_as, make_charter):
    charter = make_charter(commitments=(1, 0))
    refused = api_as(org.head_a).post(
        f"/api/v1/charters/{charter.id}/commitments",
        json={"provider_department_id": org.stores.id, **COMMITMENT},
    )
    assert_error(refused, 403, "not_owner", "provider_department_id")
    api = api_as(org.head_b)
    response = api.post(
        f"/api/v1/charters/{charter.id}/commitments",
        json={"provider_department_id": org.stores.id, **COMMITMENT},
    )
    assert response.status_code == 201, response.get_json()
    check_response(response, "post", "/api/v1/charters/{charter_id}/commitments")
    body = response.get_json()
    assert body["provider_department_id"] == org.stores.id
    assert body["beneficiary_department_id"] == org.logistics.id
    assert body["position"] == 1
    assert body["lock_version"] == 1
    detail = api.get(f"/api/v1/charters/{charter.id}").get_json()
    assert detail["balance"]["is_signable"] is True


@pytest.mark.parametrize(
    "change, field",
    [
        ({"provider_department_id": "1"}, "provider_department_id"),
        ({"provider_department_id": 99999}, "provider_department_id"),
        ({"customer_impact": ""}, "customer_impact"),
        ({"target": 95}, "target"),
        ({"indicator": "x" * 201}, "indicator"),
        ({"position": 1}, "position"),
    ],
)
def test_bad_commitment_is_refused_with_the_field(org, api_as, make_charter, change, field):
    charter = make_charter()
    before = _state(charter.id)
    body = {"provider_department_id": org.logistics.id, **COMMITMENT, **change}
    response = api_as(org.head_a).post(f"/api/v1/charters/{charter.id}/commitments", json=body)
    assert_error(response, 422, "validation_error", field)
    assert _state(charter.id) == before


def test_outside_provider_is_refused(org, api_as, make_charter):
    charter = make_charter()
    body = {"provider_department_id": org.it.id, **COMMITMENT}
    response = api_as(org.head_a).post(f"/api/v1/charters/{charter.id}/commitments", json=body)
    assert_error(response, 422, "validation_error", "provider_department_id")


def test_missing_customer_impact_is_refused(org, api_as, make_charter):
    charter = make_charter()
    body = {"provider_department_id": org.logistics.id, **COMMITMENT}
    del body["customer_impact"]
    response = api_as(org.head_a).post(f"/api/v1/charters/{charter.id}/commitments", json=body)
    assert_error(response, 422, "validation_error", "customer_impact")


def test_head_changes_a_commitment_of_their_side(org, api_as, make_charter, make_commitment):
    charter = make_charter()
    commitment = make_commitment(charter, org.logistics)
    refused = api_as(org.head_b).patch(
        f"/api/v1/commitments/{commitment.id}", json={"lock_version": 1, "target": "99"}
    )
    assert_error(refused, 403, "not_owner")
    response = api_as(org.head_a).patch(
        f"/api/v1/commitments/{commitment.id}", json={"lock_version": 1, "target": "99"}
    )
    assert response.status_code == 200, response.get_json()
    check_response(response, "patch", "/api/v1/commitments/{commitment_id}")
    body = response.get_json()
    assert body["target"] == "99"
    assert body["lock_version"] == 2
    assert body["title"] == "A commitment"
    db.session.expire_all()
    assert db.session.get(Commitment, commitment.id).target == "99"


def test_stale_commitment_patch_is_409_and_keeps_the_current_content(
    org, api_as, make_charter, make_commitment
):
    charter = make_charter()
    commitment = make_commitment(charter, org.logistics)
    first = api_as(org.head_a).patch(
        f"/api/v1/commitments/{commitment.id}", json={"lock_version": 1, "title": "Version A"}
    )
    assert first.status_code == 200
    before = _state(charter.id)
    second = api_as(org.admin).patch(
        f"/api/v1/commitments/{commitment.id}",
        json={"lock_version": 1, "title": "Version B", "target": "50"},
    )
    error = assert_error(second, 409, "conflict")
    assert error["details"]["current_lock_version"] == 2
    assert error["details"]["current"]["title"] == "Version A"
    assert _state(charter.id) == before
    db.session.expire_all()
    saved = db.session.get(Commitment, commitment.id)
    assert (saved.title, saved.target) == ("Version A", "95")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"lock_version": 1, "provider_department_id": 2}, "provider_department_id"),
        ({"lock_version": 1, "title": None}, "title"),
        ({"lock_version": 1, "title": ""}, "title"),
        ({"lock_version": 1}, None),
    ],
)
def test_bad_commitment_patch_changes_nothing(
    org, api_as, make_charter, make_commitment, body, field
):
    charter = make_charter()
    commitment = make_commitment(charter, org.logistics)
    before = _state(charter.id)
    response = api_as(org.head_a).patch(f"/api/v1/commitments/{commitment.id}", json=body)
    assert_error(response, 422, "validation_error", field)
    assert _state(charter.id) == before


def test_head_removes_a_commitment(org, api_as, make_charter, make_commitment):
    charter = make_charter()
    commitment_id = make_commitment(charter, org.logistics).id
    response = api_as(org.head_a).delete(
        f"/api/v1/commitments/{commitment_id}", json={"lock_version": 1}
    )
    assert response.status_code == 204
    check_response(response, "delete", "/api/v1/commitments/{commitment_id}")
    assert db.session.scalar(select(Commitment).where(Commitment.id == commitment_id)) is None


def test_stale_or_bad_delete_changes_nothing(org, api_as, make_charter, make_commitment):
    charter = make_charter()
    commitment = make_commitment(charter, org.logistics)
    before = _state(charter.id)
    api = api_as(org.head_a)
    url = f"/api/v1/commitments/{commitment.id}"
    error = assert_error(api.delete(url, json={"lock_version": 7}), 409, "conflict")
    assert error["details"]["current_lock_version"] == 1
    assert error["details"]["current"]["id"] == commitment.id
    assert_error(
        api.delete(url, json={"lock_version": "x"}), 422, "validation_error", "lock_version"
    )
    # The query string is no place for the version: body or If-Match.
    assert_error(api.delete(f"{url}?lock_version=1"), 428, "version_required", "lock_version")
    assert_error(api.delete("/api/v1/commitments/999999"), 404, "not_found")
    assert _state(charter.id) == before


def test_head_reorders_commitments_within_a_side(org, api_as, make_charter):
    charter = make_charter(commitments=(3, 1))
    first, second, third = charter.commitments_by(org.logistics.id)
    assert_error(
        api_as(org.head_b).post(f"/api/v1/commitments/{third.id}/move", json={"direction": "up"}),
        403,
        "not_owner",
    )
    api = api_as(org.head_a)
    response = api.post(f"/api/v1/commitments/{third.id}/move", json={"direction": "up"})
    assert response.status_code == 200, response.get_json()
    check_response(response, "post", "/api/v1/commitments/{commitment_id}/move")
    order = [c["id"] for c in response.get_json()["commitments"]]
    assert order[:3] == [first.id, third.id, second.id]
    # At the end of its side it stays put.
    response = api.post(f"/api/v1/commitments/{second.id}/move", json={"direction": "down"})
    assert [c["id"] for c in response.get_json()["commitments"]][:3] == order[:3]


@pytest.mark.parametrize(
    "who, body, status, code",
    [
        ("member_a", {"direction": "up"}, 403, "forbidden"),
        ("head_a", {"direction": "left"}, 422, "validation_error"),
        ("head_a", {"direction": "up", "by": 2}, 422, "validation_error"),
        ("head_a", {}, 422, "validation_error"),
    ],
)
def test_bad_move_changes_nothing(org, api_as, make_charter, who, body, status, code):
    charter = make_charter(commitments=(2, 0))
    before = _state(charter.id)
    second = charter.commitments_by(org.logistics.id)[1]
    response = api_as(getattr(org, who)).post(f"/api/v1/commitments/{second.id}/move", json=body)
    assert_error(response, status, code)
    assert _state(charter.id) == before


# ---------------------------------------------------------------- history and comments


def test_history_lists_every_saved_change(org, api_as):
    api = api_as(org.head_a)
    charter_id = api.post("/api/v1/charters", json=_new_charter_body(org)).get_json()["id"]
    api.post(
        f"/api/v1/charters/{charter_id}/commitments",
        json={"provider_department_id": org.logistics.id, **COMMITMENT},
    )
    api.patch(f"/api/v1/charters/{charter_id}", json={"lock_version": 1, "title": "Renamed"})
    response = api_as(org.member_b).get(f"/api/v1/charters/{charter_id}/revisions")
    assert response.status_code == 200
    check_response(response, "get", "/api/v1/charters/{charter_id}/revisions")
    revisions = response.get_json()["revisions"]
    assert [r["action"] for r in revisions] == [
        "charter_updated",
        "commitment_added",
        "created",
    ]
    assert revisions[0]["author"] == {"id": org.head_a.id, "name": "Alice Head"}

    one = api.get(f"/api/v1/charters/{charter_id}/revisions/3")
    assert one.status_code == 200
    check_response(one, "get", "/api/v1/charters/{charter_id}/revisions/{number}")
    body = one.get_json()
    assert body["snapshot"]["title"] == "Renamed"
    assert body["changes_since_previous"]["charter_fields"] == [
        {"field": "title", "before": "Logistique ⇄ Magasins", "after": "Renamed"}
    ]
    first = api.get(f"/api/v1/charters/{charter_id}/revisions/1").get_json()
    assert first["changes_since_previous"] is None
    assert_error(api.get(f"/api/v1/charters/{charter_id}/revisions/9"), 404, "not_found")


def test_readers_comment_and_heads_resolve(org, api_as, make_charter, make_commitment):
    charter = make_charter()
    commitment = make_commitment(charter, org.stores)
    member = api_as(org.member_a)
    response = member.post(
        f"/api/v1/charters/{charter.id}/comments",
        json={"body": "<script>alert(1)</script> 7 h le samedi ?", "commitment_id": commitment.id},
    )
    assert response.status_code == 201, response.get_json()
    check_response(response, "post", "/api/v1/charters/{charter_id}/comments")
    comment = response.get_json()
    assert comment["body"].startswith("<script>")  # JSON carries text as is
    assert comment["resolved"] is False

    listing = api_as(org.member_b).get(f"/api/v1/charters/{charter.id}/comments")
    check_response(listing, "get", "/api/v1/charters/{charter_id}/comments")
    assert [c["id"] for c in listing.get_json()["comments"]] == [comment["id"]]

    refused = api_as(org.member_b).patch(
        f"/api/v1/comments/{comment['id']}", json={"resolved": True}
    )
    assert_error(refused, 403, "forbidden")
    resolved = api_as(org.head_b).patch(
        f"/api/v1/comments/{comment['id']}", json={"resolved": True}
    )
    assert resolved.status_code == 200
    check_response(resolved, "patch", "/api/v1/comments/{comment_id}")
    assert resolved.get_json()["resolved_by"] == {"id": org.head_b.id, "name": "Bruno Head"}


@pytest.mark.parametrize(
    "body, field",
    [
        ({"body": ""}, "body"),
        ({"body": 3}, "body"),
        ({"body": "ok", "commitment_id": 999999}, "commitment_id"),
        ({"body": "ok", "commitment_id": "1"}, "commitment_id"),
    ],
)
def test_bad_comment_is_refused(org, api_as, make_charter, body, field):
    charter = make_charter()
    response = api_as(org.head_a).post(f"/api/v1/charters/{charter.id}/comments", json=body)
    assert_error(response, 422, "validation_error", field)


def test_comment_on_another_charters_commitment_is_refused(
    org, api_as, make_charter, make_commitment
):
    charter, other = make_charter(), make_charter("Other")
    foreign = make_commitment(other, org.logistics)
    response = api_as(org.head_a).post(
        f"/api/v1/charters/{charter.id}/comments", json={"body": "x", "commitment_id": foreign.id}
    )
    assert_error(response, 422, "validation_error", "commitment_id")


# ---------------------------------------------------------------- outsiders


def test_outsider_gets_404_on_every_charter_endpoint(
    app, org, api_as, make_charter, make_commitment
):
    """A head of a third department tries every API URL with the ids of a charter not theirs."""
    from sla_contracts.charters.operations import add_comment

    charter = make_charter(commitments=(1, 1))
    commitment = make_commitment(charter, org.logistics)
    comment = add_comment(org.head_a, charter, "Hello", commitment.id)
    from datetime import date

    from sla_contracts.models import Review

    review = Review(charter_id=charter.id, due_on=date(2030, 1, 1))
    db.session.add(review)
    db.session.commit()
    before = _state(charter.id)
    ids = {"charter_id": charter.id, "commitment_id": commitment.id,
           "comment_id": comment.id, "number": 1, "review_id": review.id}  # fmt: skip
    api = api_as(org.outsider)
    tried = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or not rule.arguments:
            continue
        if not rule.arguments <= set(ids):  # e.g. /verify/<fingerprint>: no charter id in it
            continue
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<int:{name}>", str(ids[name]))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            # A body the endpoint accepts (its documented example): the 404 is about the
            # ids, not a refusal of the body, which the schema checks first.
            response = api.request(method, url, json=_example_body(rule.rule, method))
            assert_error(response, 404, "not_found")
            check_response(response, method, flask_rule_to_openapi(rule.rule))
            tried += 1
    assert tried >= 10
    assert _state(charter.id) == before


def _example_body(rule: str, method: str):
    operation = served_document()["paths"][flask_rule_to_openapi(rule)][method.lower()]
    media = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    return media.get("example", {"lock_version": 1, "title": "x"})


def test_api_queries_stay_bounded(org, api_as, make_charter):
    from sqlalchemy import event

    for i in range(5):
        make_charter(f"Charter {i}", commitments=(3, 3))
    api = api_as(org.head_a)
    api.get("/api/v1/me")  # token's last_used_at written once
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert api.get("/api/v1/charters").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 10, len(statements)


# ---------------------------------------------------------------- pages


def _walk(api, url: str, key: str, between=None) -> tuple[list[int], list[dict]]:
    """Follow ``next`` to the end; ``between(n)`` runs after page n (another client)."""
    ids, pages = [], []
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.get_json()
        check_response(response, "get", _route_of(url))
        body = response.get_json()
        pages.append(body)
        ids += [item["id"] for item in body[key]]
        url = body["next"]
        if url and between:
            between(len(pages))
    return ids, pages


def _route_of(url: str) -> str:
    path = url.split("://", 1)[-1]
    path = path[path.index("/api/") :].split("?")[0]
    parts = path.split("/")
    names = {"charters": "charter_id", "commitments": "commitment_id", "comments": "comment_id"}
    for i in range(len(parts) - 1):
        if parts[i] in names and parts[i + 1].isdigit():
            parts[i + 1] = "{" + names[parts[i]] + "}"
    return "/".join(parts)


def test_walking_the_pages_gives_every_charter_once_while_others_insert(org, api_as):
    head = api_as(org.head_a)
    created = [
        head.post("/api/v1/charters", json=_new_charter_body(org, title=f"C{i}")).get_json()["id"]
        for i in range(8)
    ]
    other = api_as(org.head_b)
    inserted = []

    def insert(_page: int) -> None:
        body = _new_charter_body(
            org, department_a_id=org.stores.id, department_b_id=org.logistics.id, title="New"
        )
        response = other.post("/api/v1/charters", json=body)
        assert response.status_code == 201
        inserted.append(response.get_json()["id"])

    ids, pages = _walk(api_as(org.member_a), "/api/v1/charters?limit=3", "charters", insert)
    assert len(ids) == len(set(ids)), "an item was repeated"
    assert set(created) <= set(ids), "an item was missed"
    assert [len(p["charters"]) for p in pages] == [3, 3, 2]
    assert pages[0]["total"] == 8
    assert ids[:8] == sorted(created, reverse=True)  # newest first
    assert pages[-1]["next"] is None and pages[-1]["total"] == 8 + len(inserted)


def test_filters_hold_across_pages(org, api_as, make_charter):
    from sla_contracts.signing import amendments

    from .signing_helpers import NOW, sign_both

    drafts = [make_charter(f"Draft {i}") for i in range(3)]
    active = [make_charter(f"Active {i}", status=CharterStatus.ACTIVE) for i in range(4)]
    amended = make_charter("Amended", commitments=(1, 1))
    sign_both(org, amended)
    amendments.open_amendment(org.head_a, amended, now=NOW)
    with_it = make_charter("With IT", department_b=org.it)
    db.session.commit()
    api = api_as(org.admin)

    ids, pages = _walk(api, "/api/v1/charters?status=active&limit=2", "charters")
    assert set(ids) == {c.id for c in active} | {amended.id} and len(ids) == 5
    assert all(p["total"] == 5 for p in pages) and len(pages) == 3
    assert "status=active" in pages[0]["next"] and "limit=2" in pages[0]["next"]
    assert all(c["status"] == "active" for p in pages for c in p["charters"])

    ids, pages = _walk(api, "/api/v1/charters?status=draft&limit=2", "charters")
    assert set(ids) == {c.id for c in drafts} | {with_it.id}  # not the amendment
    assert pages[0]["total"] == 4

    ids, pages = _walk(api, "/api/v1/charters?department=dsi&limit=1", "charters")
    assert ids == [with_it.id] and pages[0]["total"] == 1 and pages[0]["next"] is None


@pytest.mark.parametrize("limit", ["0", "201", "abc", "-1", "1.5"])
def test_bad_limit_is_422(org, api_as, make_charter, limit):
    charter = make_charter()
    api = api_as(org.head_a)
    for url in (
        "/api/v1/charters",
        f"/api/v1/charters/{charter.id}/comments",
        f"/api/v1/charters/{charter.id}/revisions",
    ):
        error = assert_error(api.get(f"{url}?limit={limit}"), 422, "validation_error", "limit")
        assert "limit" in error["details"]["errors"]


@pytest.mark.parametrize("cursor", ["nonsense", "e30", "WyJhIl0", "W3RydWVd"])
def test_bad_cursor_is_422(org, api_as, make_charter, cursor):
    charter = make_charter()
    api = api_as(org.head_a)
    for url in ("/api/v1/charters", f"/api/v1/charters/{charter.id}/comments"):
        assert_error(api.get(f"{url}?cursor={cursor}"), 422, "validation_error", "cursor")


def test_comments_page_oldest_first_and_revisions_newest_first(org, api_as, make_charter):
    from sla_contracts.charters.operations import add_comment

    charter = make_charter()
    comments = [add_comment(org.head_a, charter, f"Comment {i}").id for i in range(5)]
    db.session.commit()
    head = api_as(org.head_a)
    for i in range(4):
        head.patch(f"/api/v1/charters/{charter.id}", json={"lock_version": i + 1, "title": f"T{i}"})
    reader = api_as(org.member_b)
    ids, pages = _walk(reader, f"/api/v1/charters/{charter.id}/comments?limit=2", "comments")
    assert ids == comments and pages[0]["total"] == 5
    response = reader.get(f"/api/v1/charters/{charter.id}/revisions?limit=3")
    body = response.get_json()
    assert [r["number"] for r in body["revisions"]] == [4, 3, 2] and body["total"] == 4
    rest = reader.get(body["next"]).get_json()
    assert [r["number"] for r in rest["revisions"]] == [1] and rest["next"] is None


# ---------------------------------------------------------------- versions: ETag, If-Match


def test_if_none_match_is_304_until_something_changes(org, api_as, make_charter, make_commitment):
    charter = make_charter()
    commitment = make_commitment(charter, org.logistics)
    api = api_as(org.head_a)
    for url, change in (
        (f"/api/v1/charters/{charter.id}", {"title": "Renamed"}),
        (f"/api/v1/commitments/{commitment.id}", {"target": "99"}),
    ):
        first = api.get(url)
        assert first.status_code == 200
        check_response(first, "get", _route_of(url))
        tag = first.headers["ETag"]
        assert tag.strip('"').startswith(f"{first.get_json()['lock_version']}-")
        again = api.get(url, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.get_data() == b""
        assert again.headers["ETag"] == tag
        patched = api.patch(url, json={"lock_version": first.get_json()["lock_version"], **change})
        assert patched.status_code == 200
        assert patched.headers["ETag"] != tag
        after = api.get(url, headers={"If-None-Match": tag})
        assert after.status_code == 200
        assert after.headers["ETag"] == patched.headers["ETag"] != tag


def test_if_match_on_patch_and_delete(org, api_as, make_charter, make_commitment):
    charter = make_charter()
    commitment = make_commitment(charter, org.logistics)
    commitment_id, other_id = commitment.id, make_commitment(charter, org.stores).id
    api = api_as(org.head_a)
    url = f"/api/v1/charters/{charter.id}"
    tag = api.get(url).headers["ETag"]
    good = api.patch(url, json={"title": "With If-Match"}, headers={"If-Match": tag})
    assert good.status_code == 200, good.get_json()
    check_response(good, "patch", "/api/v1/charters/{charter_id}")
    assert good.get_json()["lock_version"] == 2
    before = _state(charter.id)
    stale = api.patch(url, json={"title": "Stale"}, headers={"If-Match": tag})
    error = assert_error(stale, 409, "conflict")
    assert error["details"]["current_lock_version"] == 2
    assert error["details"]["current"]["title"] == "With If-Match"
    assert _state(charter.id) == before

    url = f"/api/v1/commitments/{commitment.id}"
    tag = api.get(url).headers["ETag"]
    good = api.patch(url, json={"target": "97"}, headers={"If-Match": tag})
    assert good.status_code == 200 and good.get_json()["lock_version"] == 2
    check_response(good, "patch", "/api/v1/commitments/{commitment_id}")
    stale = api.delete(url, headers={"If-Match": tag, "Content-Type": "application/json"})
    error = assert_error(stale, 409, "conflict")
    assert error["details"]["current_lock_version"] == 2
    assert db.session.get(Commitment, commitment.id) is not None
    fresh = api.get(url).headers["ETag"]
    gone = api.delete(url, headers={"If-Match": fresh, "Content-Type": "application/json"})
    assert gone.status_code == 204
    check_response(gone, "delete", "/api/v1/commitments/{commitment_id}")
    db.session.expire_all()
    assert db.session.get(Commitment, commitment_id) is None
    assert db.session.get(Commitment, other_id) is not None


def test_writes_without_a_version_are_428(org, api_as, make_charter, make_commitment):
    charter = make_charter()
    commitment = make_commitment(charter, org.logistics)
    before = _state(charter.id)
    api = api_as(org.head_a)
    for response in (
        api.patch(f"/api/v1/charters/{charter.id}", json={"title": "No version"}),
        api.patch(f"/api/v1/commitments/{commitment.id}", json={"title": "No version"}),
        api.delete(f"/api/v1/commitments/{commitment.id}", json={}),
        api.delete(
            f"/api/v1/commitments/{commitment.id}", headers={"Content-Type": "application/json"}
        ),
    ):
        assert_error(response, 428, "version_required", "lock_version")
        check_response(response, response.request.method, _route_of(response.request.url))
    assert _state(charter.id) == before


# ---------------------------------------------------------------- validation details


def test_unknown_keys_are_named(org, api_as, make_charter, make_commitment):
    charter = make_charter()
    commitment = make_commitment(charter, org.logistics)
    api = api_as(org.head_a)
    cases = [
        ("post", "/api/v1/charters", {**_new_charter_body(org), "status": "active", "colour": 1}),
        ("patch", f"/api/v1/charters/{charter.id}", {"lock_version": 1, "owner": 3}),
        ("patch", f"/api/v1/commitments/{commitment.id}", {"lock_version": 1, "position": 4}),
        ("delete", f"/api/v1/commitments/{commitment.id}", {"lock_version": 1, "force": True}),
        ("post", f"/api/v1/commitments/{commitment.id}/move", {"direction": "up", "by": 2}),
        ("post", f"/api/v1/charters/{charter.id}/comments", {"body": "x", "private": True}),
    ]
    before = _state(charter.id)
    for method, url, body in cases:
        error = assert_error(api.request(method.upper(), url, body), 422, "validation_error")
        unknown = sorted(set(body) - {*_new_charter_body(org), "lock_version", "direction", "body"})
        assert error["details"]["unknown_fields"] == unknown, (url, error)
        assert error["field"] == unknown[0]
    assert _state(charter.id) == before


def test_every_failing_field_is_named(org, api_as, make_charter):
    charter = make_charter()
    api = api_as(org.head_a)
    body = {
        "title": 42,
        "department_a_id": "1",
        "department_b_id": org.stores.id,
        "review_cadence_months": 2,
    }
    error = assert_error(api.post("/api/v1/charters", json=body), 422, "validation_error")
    assert set(error["details"]["errors"]) == {
        "title",
        "department_a_id",
        "criterion_id",
        "review_cadence_months",
    }
    assert error["details"]["missing_fields"] == ["criterion_id"]
    error = assert_error(
        api.post(
            f"/api/v1/charters/{charter.id}/commitments",
            json={"provider_department_id": True, "title": "x" * 201, "target": 95},
        ),
        422,
        "validation_error",
    )
    assert {"provider_department_id", "title", "target", "customer_impact"} <= set(
        error["details"]["errors"]
    )
    error = assert_error(
        api.patch(
            f"/api/v1/charters/{charter.id}",
            json={"lock_version": "1", "title": None, "review_cadence_months": 5},
        ),
        422,
        "validation_error",
    )
    assert set(error["details"]["errors"]) == {"lock_version", "title", "review_cadence_months"}


# ---------------------------------------------------------------- who sees what


def test_outsider_404_member_403_head_200(org, api_as, make_charter, make_commitment):
    charter = make_charter()
    commitment = make_commitment(charter, org.logistics)
    charter_url = f"/api/v1/charters/{charter.id}"
    commitment_url = f"/api/v1/commitments/{commitment.id}"
    before = _state(charter.id)

    outsider = api_as(org.outsider)  # heads another department
    for method, url, body in (
        ("GET", charter_url, None),
        ("PATCH", charter_url, {"lock_version": 1, "title": "x"}),
        ("GET", commitment_url, None),
        ("PATCH", commitment_url, {"lock_version": 1, "title": "x"}),
        ("DELETE", commitment_url, {"lock_version": 1}),
        ("PATCH", charter_url, {"nonsense": True}),  # 404 before the body is read
        ("GET", f"{charter_url}/comments?limit=abc", None),
    ):
        assert_error(outsider.request(method, url, body), 404, "not_found")

    member = api_as(org.member_b)
    for url in (charter_url, commitment_url):
        response = member.get(url)
        assert response.status_code == 200
        check_response(response, "get", _route_of(url))
    for method, url, body in (
        ("PATCH", charter_url, {"lock_version": 1, "title": "x"}),
        ("PATCH", commitment_url, {"lock_version": 1, "title": "x"}),
        ("DELETE", commitment_url, {"lock_version": 1}),
        ("PATCH", commitment_url, {}),  # 403 before the body is read
    ):
        assert_error(member.request(method, url, body), 403, "forbidden")
    assert _state(charter.id) == before

    # The other side's head proposes; the owning side's head edits.
    assert_error(
        api_as(org.head_b).patch(commitment_url, json={"lock_version": 1, "title": "Head B"}),
        403,
        "not_owner",
    )
    head = api_as(org.head_a)
    response = head.patch(commitment_url, json={"lock_version": 1, "title": "Head A"})
    assert response.status_code == 200
    assert head.get(charter_url).get_json()["can_edit"] is True
    assert member.get(charter_url).get_json()["can_edit"] is False
