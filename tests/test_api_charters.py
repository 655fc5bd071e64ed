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


def test_charter_fields_can_be_extended_by_other_features(org, api_as, make_charter):
    from sla_contracts.api import charters as api_charters

    charter = make_charter()
    hook = lambda c: {"current_version": {"number": 1, "charter": c.id}}  # noqa: E731
    api_charters.add_charter_fields(hook)
    try:
        body = api_as(org.head_a).get(f"/api/v1/charters/{charter.id}").get_json()
    finally:
        api_charters._charter_field_hooks.remove(hook)
    assert body["current_version"] == {"number": 1, "charter": charter.id}


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
        ({"title": "No lock"}, 422, "validation_error", "lock_version"),
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
        api.delete(f"/api/v1/commitments/{commitment.id}"),
        api.post(f"/api/v1/commitments/{commitment.id}/move", json={"direction": "up"}),
    ]
    for response in cases:
        assert_error(response, 409, "invalid_state")
    assert _state(charter.id) == before


# ---------------------------------------------------------------- commitments


def test_head_adds_a_commitment_on_either_side(org, api_as, make_charter):
    charter = make_charter(commitments=(1, 0))
    api = api_as(org.head_a)
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


def test_head_changes_a_commitment(org, api_as, make_charter, make_commitment):
    charter = make_charter()
    commitment = make_commitment(charter, org.logistics)
    response = api_as(org.head_b).patch(
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
    second = api_as(org.head_b).patch(
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
        ({"title": "no lock"}, "lock_version"),
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
    response = api_as(org.head_a).delete(f"/api/v1/commitments/{commitment_id}?lock_version=1")
    assert response.status_code == 204
    check_response(response, "delete", "/api/v1/commitments/{commitment_id}")
    assert db.session.scalar(select(Commitment).where(Commitment.id == commitment_id)) is None


def test_stale_or_bad_delete_changes_nothing(org, api_as, make_charter, make_commitment):
    charter = make_charter()
    commitment = make_commitment(charter, org.logistics)
    before = _state(charter.id)
    api = api_as(org.head_a)
    error = assert_error(
        api.delete(f"/api/v1/commitments/{commitment.id}?lock_version=7"), 409, "conflict"
    )
    assert error["details"]["current_lock_version"] == 1
    assert_error(
        api.delete(f"/api/v1/commitments/{commitment.id}?lock_version=x"),
        422,
        "validation_error",
        "lock_version",
    )
    assert_error(api.delete("/api/v1/commitments/999999"), 404, "not_found")
    assert _state(charter.id) == before


def test_head_reorders_commitments_within_a_side(org, api_as, make_charter):
    charter = make_charter(commitments=(3, 1))
    first, second, third = charter.commitments_by(org.logistics.id)
    api = api_as(org.head_b)
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
