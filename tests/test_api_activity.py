"""GET /api/v1/charters/{id}/activity: what changed, by whom and when (the banner's feed)."""

from __future__ import annotations

from datetime import timedelta

from sla_contracts.charters import operations as ops
from sla_contracts.extensions import db
from sla_contracts.models import Charter
from sla_contracts.timeutil import utcnow
from tests.api_helpers import check_response
from tests.plugins.charters import COMMITMENT_DEFAULTS

PATH = "/api/v1/charters/{charter_id}/activity"


def _commitment_fields(title: str) -> dict:
    return {**COMMITMENT_DEFAULTS, "title": title}


def _story(org, make_charter):
    """Alice adds a commitment, Bruno comments on it and Alice resolves the comment."""
    charter = make_charter()
    start = utcnow() - timedelta(minutes=10)
    charter = db.session.get(Charter, charter.id)
    commitment = ops.add_commitment(
        org.head_a, charter, org.logistics.id, _commitment_fields("Deliver before 7 am"), now=start
    )
    comment = ops.add_comment(
        org.head_b, charter, "Can we say 6 am?", commitment.id, now=start + timedelta(minutes=1)
    )
    ops.set_comment_resolved(org.head_a, comment, True, now=start + timedelta(minutes=2))
    db.session.commit()
    return charter, commitment, comment, start


def test_activity_lists_who_did_what_newest_first(org, api_as, make_charter):
    charter, commitment, comment, _start = _story(org, make_charter)
    response = api_as(org.member_b).get(f"/api/v1/charters/{charter.id}/activity")
    assert response.status_code == 200
    check_response(response, "GET", PATH)
    body = response.get_json()
    items = [
        (i["action"], i["actor"]["name"], i["object_type"], i["object_id"], i["summary"])
        for i in body["activity"]
    ]
    assert items == [
        ("comment_resolved", "Alice Head", "comment", comment.id, "Can we say 6 am?"),
        ("comment_added", "Bruno Head", "comment", comment.id, "Can we say 6 am?"),
        ("commitment_added", "Alice Head", "commitment", commitment.id, "Deliver before 7 am"),
    ]
    assert body["total"] == 3 and body["next"] is None


def test_activity_since_keeps_only_what_came_after(org, api_as, make_charter):
    charter, _commitment, _comment, start = _story(org, make_charter)
    since = (start + timedelta(seconds=30)).isoformat()
    response = api_as(org.head_a).get(
        f"/api/v1/charters/{charter.id}/activity", query_string={"since": since}
    )
    check_response(response, "GET", PATH)
    assert [i["action"] for i in response.get_json()["activity"]] == [
        "comment_resolved",
        "comment_added",
    ]
    assert response.get_json()["total"] == 2


def test_activity_pages_walk_every_item_once(org, api_as, make_charter):
    charter, *_ = _story(org, make_charter)
    client = api_as(org.head_b)
    seen, url = [], f"/api/v1/charters/{charter.id}/activity?limit=1"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.get_json()
        check_response(response, "GET", PATH)
        body = response.get_json()
        seen += [i["action"] for i in body["activity"]]
        url = body["next"]
    assert seen == ["comment_resolved", "comment_added", "commitment_added"]


def test_activity_refuses_bad_since_and_foreign_cursors(org, api_as, make_charter):
    charter, *_ = _story(org, make_charter)
    client = api_as(org.head_a)
    naive = client.get(f"/api/v1/charters/{charter.id}/activity?since=2027-03-01T09:00:00")
    assert naive.status_code == 422
    assert naive.get_json()["error"]["code"] == "validation_error"
    check_response(naive, "GET", PATH)
    # The cursor of an id-ordered list ([5], as /charters answers) is not one of this feed's.
    wrong = client.get(f"/api/v1/charters/{charter.id}/activity?cursor=WzVd")
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["field"] == "cursor"


def test_activity_of_another_departments_charter_is_404(org, api_as, make_charter):
    charter, *_ = _story(org, make_charter)
    response = api_as(org.outsider).get(f"/api/v1/charters/{charter.id}/activity")
    assert response.status_code == 404
    check_response(response, "GET", PATH)
    assert api_as(None).get(f"/api/v1/charters/{charter.id}/activity").status_code == 401
