"""Reviews over the JSON API: list, plan and schedule, fill with optimistic locking, close."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from sla_contracts.extensions import db
from sla_contracts.models import CharterStatus, OutboxEmail
from sla_contracts.reviews import operations as ops

from .api_helpers import ApiClient, check_response, token_for

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def active(make_charter):
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(1, 1))
    charter.next_review_on = date(2030, 1, 20)
    db.session.commit()
    return charter


def api(app, user) -> ApiClient:
    return ApiClient(app.test_client(), token_for(user))


def test_head_plans_schedules_fills_and_closes_a_review(app, org, active):
    head = api(app, org.head_a)
    planned = head.post(
        f"/api/v1/charters/{active.id}/reviews",
        {"scheduled_at": "2030-01-20T14:00:00+01:00", "location": "Salle Rivoli",
         "attendee_ids": [org.head_a.id, org.head_b.id]},
    )  # fmt: skip
    assert planned.status_code == 201, planned.get_json()
    check_response(planned, "post", "/api/v1/charters/{charter_id}/reviews")
    review = planned.get_json()
    assert review["scheduled_at"] == "2030-01-20T13:00:00+00:00"
    assert db.session.query(OutboxEmail).filter(OutboxEmail.ics.is_not(None)).count() == 2
    again = head.post(f"/api/v1/charters/{active.id}/reviews", {})
    assert again.status_code == 200 and again.get_json()["id"] == review["id"]

    url = f"/api/v1/reviews/{review['id']}"
    first = head.patch(url, {"lock_version": review["lock_version"], "satisfaction_a_of_b": 5,
                             "irritants": "Quais encombrés"})  # fmt: skip
    assert first.status_code == 200, first.get_json()
    check_response(first, "patch", "/api/v1/reviews/{review_id}")
    body = first.get_json()
    assert body["status"] == "in_progress" and body["satisfaction_a_of_b"] == 5
    assert len(body["assessments"]) == 2

    stale = head.patch(url, {"lock_version": review["lock_version"], "irritants": "Old"})
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "conflict"
    assert stale.get_json()["error"]["details"]["current"]["irritants"] == "Quais encombrés"

    bad = head.patch(url, {"lock_version": body["lock_version"], "satisfaction_b_of_a": 9})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "satisfaction_b_of_a"
    incomplete = head.patch(url, {"lock_version": body["lock_version"], "close": True})
    assert incomplete.status_code == 422

    closing = head.patch(url, {
        "lock_version": body["lock_version"], "satisfaction_b_of_a": 3, "criterion_value": 2.5,
        "decision": "continue", "close": True,
        "assessments": [{"id": a["id"], "result": "met", "measured_value": "96"}
                        for a in body["assessments"]],
        "actions": [{"title": "Second quai", "owner_department_id": org.logistics.id,
                     "due_on": "2030-03-01"}],
    })  # fmt: skip
    assert closing.status_code == 200, closing.get_json()
    closed = closing.get_json()
    assert closed["status"] == "closed" and closed["share_met"] == 1.0
    assert [a["title"] for a in closed["actions"]] == ["Second quai"]

    edit = head.patch(url, {"lock_version": closed["lock_version"], "irritants": "late"})
    assert edit.status_code == 409
    assert edit.get_json()["error"]["code"] == "invalid_state"

    listed = api(app, org.member_b).get(f"/api/v1/charters/{active.id}/reviews")
    assert listed.status_code == 200
    check_response(listed, "get", "/api/v1/charters/{charter_id}/reviews")
    assert [r["status"] for r in listed.get_json()["reviews"]] == ["closed", "planned"]


def test_permissions_on_review_endpoints(app, org, active):
    head = api(app, org.head_a)
    review = head.post(f"/api/v1/charters/{active.id}/reviews", {}).get_json()
    outsider, member = api(app, org.outsider), api(app, org.member_a)
    url = f"/api/v1/reviews/{review['id']}"
    assert outsider.get(url).status_code == 404
    assert outsider.patch(url, {"lock_version": 1}).status_code == 404
    assert outsider.get(f"/api/v1/charters/{active.id}/reviews").status_code == 404
    assert outsider.post(f"/api/v1/charters/{active.id}/reviews", {}).status_code == 404
    assert member.get(url).status_code == 200
    check_response(member.get(url), "get", "/api/v1/reviews/{review_id}")
    assert member.patch(url, {"lock_version": 1, "irritants": "x"}).status_code == 403
    assert member.post(f"/api/v1/charters/{active.id}/reviews", {}).status_code == 403
    assert ApiClient(app.test_client()).get(url).status_code == 401


def test_bad_schedule_over_the_api(app, org, active):
    head = api(app, org.head_a)
    past = head.post(f"/api/v1/charters/{active.id}/reviews",
                     {"scheduled_at": "2001-01-01T10:00:00Z", "location": "x",
                      "attendee_ids": [org.head_a.id]})  # fmt: skip
    assert past.status_code == 422 and past.get_json()["error"]["field"] == "scheduled_at"
    naive = head.post(f"/api/v1/charters/{active.id}/reviews",
                      {"scheduled_at": "2030-01-01T10:00:00", "location": "x",
                       "attendee_ids": [org.head_a.id]})  # fmt: skip
    assert naive.status_code == 422 and naive.get_json()["error"]["field"] == "scheduled_at"
    unknown = head.post(f"/api/v1/charters/{active.id}/reviews", {"when": "tomorrow"})
    assert unknown.status_code == 422


def test_review_patch_errors_name_api_fields_not_form_inputs(app, org, active):
    active.next_review_on = date(2030, 1, 20)
    review = ops.plan_review(active, NOW)
    ops.start_review(org.head_a, review, now=NOW)
    db.session.commit()
    head = ApiClient(app.test_client(), token_for(org.head_a))
    url = f"/api/v1/reviews/{review.id}"
    body = head.get(url).get_json()
    second = body["assessments"][1]["id"]
    bad = head.patch(url, {
        "lock_version": body["lock_version"],
        "assessments": [{"id": second, "result": "great"}],
        "actions": [{"title": "Second dock", "due_on": "2030-03-01"}],
    })  # fmt: skip
    assert bad.status_code == 422
    error = bad.get_json()["error"]
    names = set(error["details"]["errors"])
    assert names == {"assessments[0].result", "actions[0].owner_department_id"}
    assert error["field"] in names
    assert not any("-" in name for name in names)
    closing = head.patch(url, {"lock_version": body["lock_version"], "close": True})
    names = set(closing.get_json()["error"]["details"]["errors"])
    first = body["assessments"][0]["id"]
    assert f"assessments[id={first}].result" in names
    assert not any(n.startswith(("assessment-", "action-")) for n in names)
