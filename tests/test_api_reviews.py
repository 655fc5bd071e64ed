"""Reviews over the JSON API: list, plan and schedule, fill with optimistic locking, close."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from sla_contracts.extensions import db
from sla_contracts.models import CharterStatus, OutboxEmail, Review, ReviewStatus
from sla_contracts.reviews import operations as ops

from .api_helpers import ApiClient, assert_error, check_response, token_for

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
        "actions": [{"title": "Second quai", "owner_user_id": org.member_a.id,
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
    page = listed.get_json()
    # Newest first: the review planned when this one closed, then this one.
    assert [r["status"] for r in page["reviews"]] == ["planned", "closed"]
    assert page["total"] == 2 and page["next"] is None


def test_permissions_on_review_endpoints(app, org, active):
    head = api(app, org.head_a)
    review = head.post(f"/api/v1/charters/{active.id}/reviews", {}).get_json()
    outsider, member = api(app, org.outsider), api(app, org.member_a)
    url = f"/api/v1/reviews/{review['id']}"
    assert_error(outsider.get(url), 404, "not_found")
    changed = {"lock_version": review["lock_version"], "irritants": "x"}
    assert_error(outsider.patch(url, changed), 404, "not_found")
    assert_error(outsider.patch(url, {"irritants": "x"}), 404, "not_found")  # before the 428
    assert outsider.get(f"/api/v1/charters/{active.id}/reviews").status_code == 404
    assert outsider.post(f"/api/v1/charters/{active.id}/reviews", {}).status_code == 404
    assert member.get(url).status_code == 200
    check_response(member.get(url), "get", "/api/v1/reviews/{review_id}")
    assert_error(member.patch(url, changed), 403, "forbidden")
    assert member.post(f"/api/v1/charters/{active.id}/reviews", {}).status_code == 403
    assert ApiClient(app.test_client()).get(url).status_code == 401


def test_bad_schedule_over_the_api(app, org, active):
    head = api(app, org.head_a)
    past = head.post(f"/api/v1/charters/{active.id}/reviews",
                     {"scheduled_at": "2001-01-01T10:00:00Z", "location": "x",
                      "attendee_ids": [org.head_a.id]})  # fmt: skip
    error = assert_error(past, 422, "validation_error", "scheduled_at")
    assert set(error["details"]["errors"]) == {"scheduled_at"}
    naive = head.post(f"/api/v1/charters/{active.id}/reviews",
                      {"scheduled_at": "2030-01-01T10:00:00", "location": "x",
                       "attendee_ids": [org.head_a.id]})  # fmt: skip
    error = assert_error(naive, 422, "validation_error", "scheduled_at")
    assert set(error["details"]["errors"]) == {"scheduled_at"}
    unknown = head.post(f"/api/v1/charters/{active.id}/reviews", {"when": "tomorrow"})
    error = assert_error(unknown, 422, "validation_error", "when")
    assert error["details"]["unknown_fields"] == ["when"]
    several = head.post(f"/api/v1/charters/{active.id}/reviews",
                        {"scheduled_at": "soon", "duration_minutes": 5, "location": 3,
                         "attendee_ids": [org.head_a.id, "x"]})  # fmt: skip
    error = assert_error(several, 422, "validation_error", "scheduled_at")
    assert set(error["details"]["errors"]) == {
        "scheduled_at", "duration_minutes", "location", "attendee_ids[1]"
    }  # fmt: skip
    assert db.session.query(Review).count() == 0  # nothing planned by a refused request


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
        "assessments": [{"id": second, "measured_value": "beaucoup"}, {"id": 999999}],
        "actions": [{"title": "Second dock", "due_on": "2030-03-01"}, {"id": 999999}],
    })  # fmt: skip
    error = assert_error(bad, 422, "validation_error")
    names = set(error["details"]["errors"])
    assert names == {
        "assessments[0].measured_value", "assessments[1].id",
        "actions[0].owner_user_id", "actions[1].id",
    }  # fmt: skip
    assert all(isinstance(m, list) and m for m in error["details"]["errors"].values())
    assert error["field"] in names
    assert not any("-" in name for name in names)
    closing = head.patch(url, {"lock_version": body["lock_version"], "close": True})
    names = set(closing.get_json()["error"]["details"]["errors"])
    first = body["assessments"][0]["id"]
    assert f"assessments[id={first}].result" in names
    assert not any(n.startswith(("assessment-", "action-")) for n in names)


@pytest.fixture
def started(org, active) -> Review:
    """The charter's open review, started (its assessments copied)."""
    review = ops.plan_review(active, NOW)
    ops.start_review(org.head_a, review, now=NOW)
    db.session.commit()
    return review


def test_reviews_list_is_paginated_newest_first_and_walks_to_the_end(app, org, active):
    for status, due in ((ReviewStatus.CLOSED, date(2029, 1, 20)),
                        (ReviewStatus.CANCELLED, date(2029, 4, 20))):  # fmt: skip
        db.session.add(Review(charter_id=active.id, due_on=due, status=status))
    db.session.commit()
    open_review = ops.plan_review(active, NOW)
    db.session.commit()
    member = api(app, org.member_a)
    url, seen = f"/api/v1/charters/{active.id}/reviews?limit=1", []
    while url:
        response = member.get(url)
        assert response.status_code == 200, response.get_json()
        check_response(response, "get", "/api/v1/charters/{charter_id}/reviews")
        page = response.get_json()
        assert len(page["reviews"]) == 1 and page["total"] == 3
        seen += [r["id"] for r in page["reviews"]]
        url = page["next"]
        assert url is None or "limit=1" in url
    assert len(seen) == 3 and seen == sorted(seen, reverse=True)
    assert seen[0] == open_review.id
    everything = member.get(f"/api/v1/charters/{active.id}/reviews").get_json()
    assert [r["id"] for r in everything["reviews"]] == seen and everything["next"] is None
    too_many = member.get(f"/api/v1/charters/{active.id}/reviews?limit=201")
    assert_error(too_many, 422, "validation_error", "limit")
    bad_cursor = member.get(f"/api/v1/charters/{active.id}/reviews?cursor=nonsense")
    assert_error(bad_cursor, 422, "validation_error", "cursor")


def test_review_etag_if_none_match_and_if_match(app, org, started):
    head = api(app, org.head_a)
    url = f"/api/v1/reviews/{started.id}"
    read = head.get(url)
    assert read.status_code == 200
    check_response(read, "get", "/api/v1/reviews/{review_id}")
    etag = read.headers["ETag"]
    assert etag.strip('"').startswith(f"{read.get_json()['lock_version']}-")
    unchanged = head.get(url, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    check_response(unchanged, "get", "/api/v1/reviews/{review_id}")

    saved = head.patch(url, {"irritants": "Quais encombrés"}, headers={"If-Match": etag})
    assert saved.status_code == 200, saved.get_json()
    check_response(saved, "patch", "/api/v1/reviews/{review_id}")
    assert saved.get_json()["lock_version"] == read.get_json()["lock_version"] + 1
    new_etag = saved.headers["ETag"]
    assert new_etag != etag
    again = head.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] == new_etag
    assert again.get_json()["irritants"] == "Quais encombrés"

    stale = head.patch(url, {"irritants": "Old"}, headers={"If-Match": etag})
    error = assert_error(stale, 409, "conflict")
    assert error["details"]["current_lock_version"] == saved.get_json()["lock_version"]
    assert error["details"]["current"] == saved.get_json()
    stale_body = head.patch(url, {"lock_version": 1, "irritants": "Old"})
    error = assert_error(stale_body, 409, "conflict")
    assert error["details"]["current"]["irritants"] == "Quais encombrés"

    missing = head.patch(url, {"irritants": "No version"})
    assert_error(missing, 428, "version_required", "lock_version")
    nothing = head.patch(url, {}, headers={"If-Match": new_etag})
    assert_error(nothing, 422, "validation_error")
    assert head.get(url).get_json()["irritants"] == "Quais encombrés"


def test_unknown_keys_inside_assessments_and_actions_are_refused(app, org, started):
    head = api(app, org.head_a)
    url = f"/api/v1/reviews/{started.id}"
    body = head.get(url).get_json()
    first = body["assessments"][0]["id"]
    response = head.patch(url, {
        "lock_version": body["lock_version"],
        "assessments": [{"id": first, "result": "met", "colour": "green"}],
        "actions": [{"title": "Dock", "owner_department_id": org.logistics.id,
                     "due_on": "2030-03-01", "priority": "high"}],
    })  # fmt: skip
    error = assert_error(response, 422, "validation_error", "actions[0].priority")
    assert error["details"]["unknown_fields"] == ["actions[0].priority", "assessments[0].colour"]
    assert head.get(url).get_json()["lock_version"] == body["lock_version"]  # nothing saved


def test_several_wrong_fields_are_all_named(app, org, started):
    head = api(app, org.head_a)
    url = f"/api/v1/reviews/{started.id}"
    body = head.get(url).get_json()
    response = head.patch(url, {
        "lock_version": body["lock_version"],
        "satisfaction_a_of_b": 9,
        "criterion_value": "2,5",
        "decision": "maybe",
        "irritants": 5,
        "assessments": [{"id": body["assessments"][0]["id"], "result": "great"}, {"result": "met"}],
        "actions": [{"title": "Dock", "owner_department_id": "LOG", "due_on": "soon"}],
        "close": "yes",
    })  # fmt: skip
    error = assert_error(response, 422, "validation_error")
    assert set(error["details"]["errors"]) == {
        "satisfaction_a_of_b", "criterion_value", "decision", "irritants", "close",
        "assessments[0].result", "assessments[1].id",
        "actions[0].owner_department_id", "actions[0].due_on",
    }  # fmt: skip
    assert error["details"]["missing_fields"] == ["assessments[1].id"]
    assert error["field"] in error["details"]["errors"]
    not_a_list = head.patch(url, {"lock_version": body["lock_version"], "actions": {"id": 1}})
    assert_error(not_a_list, 422, "validation_error", "actions")


def test_an_outsider_gets_404_before_any_word_about_the_body(org, api_as, planned_review):
    outsider = api_as(org.outsider)
    review_id, charter_id = planned_review.id, planned_review.charter_id
    bad = {"colour": "red", "lock_version": "x"}
    for method, url in [
        ("PATCH", f"/api/v1/reviews/{review_id}"),
        ("POST", f"/api/v1/charters/{charter_id}/reviews"),
        ("GET", f"/api/v1/charters/{charter_id}/reviews?limit=0"),
    ]:
        response = outsider.request(method, url, json=bad if method != "GET" else None)
        assert response.status_code == 404, (method, url, response.get_json())
