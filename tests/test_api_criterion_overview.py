"""GET /api/v1/criteria/{id}/overview: the criterion page's data, for what the caller may read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sla_contracts.extensions import db
from sla_contracts.models import AssessmentCause, CharterStatus
from sla_contracts.readings import operations as readings
from sla_contracts.timeutil import utcnow
from tests.api_helpers import check_response
from tests.company_helpers import closed_review
from tests.test_criterion_page import _enter, _months_back

PATH = "/api/v1/criteria/{criterion_id}/overview"


def _url(criterion_id: int, query: str = "") -> str:
    return f"/api/v1/criteria/{criterion_id}/overview{query}"


def test_overview_answers_readings_charters_and_misses(org, make_charter, api_as):
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(1, 1))
    _enter(charter, org.member_a, 80)
    months = _months_back(3)
    rows = [{"period": p, "value": 2.0 + i} for i, p in enumerate(months)]
    readings.enter_criterion_readings(org.admin, org.criterion, rows, now=utcnow())
    db.session.commit()
    review = closed_review(
        charter,
        utcnow() - timedelta(days=20),
        causes=(AssessmentCause.OWN_SIDE, None),
        satisfaction=(5, 2),
    )
    response = api_as(org.head_b).get(_url(org.criterion.id))
    assert response.status_code == 200, response.get_json()
    check_response(response, "GET", PATH)
    body = response.get_json()
    assert body["criterion"]["id"] == org.criterion.id
    assert [r["period"] for r in body["readings"]] == months
    assert body["total"] == 1 and body["next"] is None
    [line] = body["charters"]
    assert line["id"] == charter.id and line["share_met"] == 0.0 and line["missed"] == 2
    assert [d["name"] for d in line["departments"]] == ["Logistique", "Magasins"]
    assert line["last_review"]["id"] == review.id and line["last_review"]["gap"] == 3
    assert {r["department_id"]: r["score"] for r in line["last_review"]["satisfaction"]} == {
        org.logistics.id: 5,
        org.stores.id: 2,
    }
    misses = body["misses_by_cause"]
    assert (misses["own_side"], misses["not_given"], misses["total"]) == (1, 1, 2)
    [month] = body["satisfaction"]
    assert (month["higher"], month["lower"], month["reviews"]) == (5.0, 2.0, 1)


def test_overview_pages_charters_and_hides_others(org, make_charter, make_department, api_as):
    far = make_department("Achats", "ACH")
    mine = [
        make_charter(f"Mine {i}", status=CharterStatus.ACTIVE, commitments=(1, 0)) for i in range(3)
    ]
    hidden = make_charter(
        "Hidden", status=CharterStatus.ACTIVE, department_a=org.it, department_b=far
    )
    closed_review(hidden, datetime.now(UTC) - timedelta(days=3), causes=(None,) * 3)
    client = api_as(org.head_a)
    seen, url = [], _url(org.criterion.id, "?limit=2")
    while url:
        response = client.get(url)
        check_response(response, "GET", PATH)
        body = response.get_json()
        assert body["total"] == 3 and body["misses_by_cause"]["total"] == 0
        seen += [c["id"] for c in body["charters"]]
        url = body["next"]
    assert seen == [c.id for c in mine]
    admin = api_as(org.admin).get(_url(org.criterion.id)).get_json()
    assert hidden.id in [c["id"] for c in admin["charters"]]
    assert admin["misses_by_cause"]["not_given"] == 3


def test_overview_errors(org, api_as):
    missing = api_as(org.head_a).get(_url(99999))
    assert missing.status_code == 404
    check_response(missing, "GET", PATH)
    bad = api_as(org.head_a).get(_url(org.criterion.id, "?limit=500"))
    assert bad.status_code == 422
    check_response(bad, "GET", PATH)
    anonymous = api_as(None).get(_url(org.criterion.id))
    assert anonymous.status_code == 401
    check_response(anonymous, "GET", PATH)


def test_overview_statements_do_not_grow_with_charters(org, make_charter, api_as):
    from sqlalchemy import event

    def add(title):
        charter = make_charter(title, status=CharterStatus.ACTIVE, commitments=(2, 1))
        _enter(charter, org.member_a, 90)
        closed_review(charter, utcnow() - timedelta(days=9), causes=(None,), satisfaction=(3, 4))

    client = api_as(org.head_a)
    url = _url(org.criterion.id)

    def count() -> int:
        counted = [0]

        def on_execute(*_args):
            counted[0] += 1

        event.listen(db.engine, "before_cursor_execute", on_execute)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", on_execute)
        return counted[0]

    add("First")
    count()  # the token's first use is recorded once
    one = count()
    for i in range(4):
        add(f"More {i}")
    assert count() == one, one
