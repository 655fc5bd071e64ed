"""Readings over the JSON API (issue 13): enter a charter's and the criterion's, all or nothing,
list them with filters and pages, and the charter's commitments with their computed standing."""

from __future__ import annotations

from sqlalchemy import event, func, select

from sla_contracts import periods
from sla_contracts.extensions import db
from sla_contracts.models import CharterStatus, CriterionReading, Reading
from sla_contracts.timeutil import utcnow

from .api_helpers import assert_error, check_response

CHARTER_PATH = "/api/v1/charters/{charter_id}/readings"
CRITERION_PATH = "/api/v1/criteria/{criterion_id}/readings"

# Periods around today (the API enters readings "now"): this month, the two before, the next.
THIS = periods.of(periods.PeriodKind.MONTH, utcnow().date())
PREV = THIS.previous()
EARLIER = PREV.previous()
NEXT = THIS.next()


def _url(charter) -> str:
    return f"/api/v1/charters/{charter.id}/readings"


def _count(model=Reading) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_member_enters_then_a_head_replaces_keeping_the_history(org, api_as, active):
    first, second = active.commitments[0], active.commitments[1]
    member = api_as(org.member_b)  # members of either side enter readings
    response = member.post(
        _url(active),
        json={
            "readings": [
                {"commitment_id": first.id, "period": PREV.key, "value": 96.5, "note": "ok"},
                {"commitment_id": second.id, "period": THIS.key, "value": 91},
            ]
        },
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"created": 2, "updated": 0, "unchanged": 0}
    check_response(response, "POST", CHARTER_PATH)

    head = api_as(org.head_a)
    response = head.post(
        _url(active),
        json={
            "readings": [
                {"commitment_id": first.id, "period": PREV.key, "value": 97, "note": "corrected"},
                {"commitment_id": second.id, "period": THIS.key, "value": 91.0},
            ]
        },
    )
    assert response.get_json() == {"created": 0, "updated": 1, "unchanged": 1}

    listed = head.get(_url(active) + f"?commitment_id={first.id}")
    assert listed.status_code == 200
    check_response(listed, "GET", CHARTER_PATH)
    body = listed.get_json()
    assert body["total"] == 1 and body["next"] is None
    (reading,) = body["readings"]
    assert reading["commitment_id"] == first.id
    assert (reading["period"], reading["period_start"]) == (PREV.key, PREV.start.isoformat())
    assert (reading["value"], reading["note"]) == (97.0, "corrected")
    assert reading["entered_by"] == {"id": org.head_a.id, "name": org.head_a.name}
    assert reading["entered_at"].endswith("+00:00")
    (before,) = reading["history"]
    assert (before["value"], before["note"]) == (96.5, "ok")
    assert before["entered_by"] == {"id": org.member_b.id, "name": org.member_b.name}
    assert before["entered_at"].endswith("+00:00")


def test_any_bad_row_names_every_bad_row_and_writes_nothing(org, api_as, active, make_charter):
    other = make_charter("Other", status=CharterStatus.ACTIVE, commitments=(1, 0))
    good = active.commitments[0]
    rows = [
        {"commitment_id": good.id, "period": PREV.key, "value": 96},  # fine
        {"commitment_id": good.id, "period": NEXT.key, "value": 96},  # not begun yet
        {"commitment_id": good.id, "period": "2026-W03", "value": 96},  # a week, monthly one
        {"commitment_id": other.commitments[0].id, "period": PREV.key, "value": 1},
        {"commitment_id": good.id, "period": PREV.key, "value": 97},  # twice
    ]
    response = api_as(org.head_a).post(_url(active), json={"readings": rows})
    error = assert_error(response, 422, "validation_error")
    check_response(response, "POST", CHARTER_PATH)
    found = [(e["index"], e["field"]) for e in error["details"]["errors"]]
    assert found == [(1, "period"), (2, "period"), (3, "commitment_id"), (4, "period")]
    messages = {e["index"]: e["message"] for e in error["details"]["errors"]}
    assert "not begun yet" in messages[1]
    assert "2027-01" in messages[2] and "month" in messages[2]
    assert "4 rows" in error["message"]
    assert _count() == 0


def test_the_rows_errors_follow_the_callers_language(org, api_as, active, make_user):
    french = make_user("fr.log@example.com", "Fanny Français", member_of=[org.logistics])
    french.locale = "fr"
    db.session.commit()
    row = {"commitment_id": active.commitments[0].id, "period": NEXT.key, "value": 96}
    error = assert_error(
        api_as(french).post(_url(active), json={"readings": [row]}), 422, "validation_error"
    )
    assert "pas encore commencé" in error["details"]["errors"][0]["message"]
    assert "rien n’a été enregistré" in error["message"]


def test_the_body_shape_is_strict_numbers_only(org, api_as, active):
    api = api_as(org.head_a)
    commitment_id = active.commitments[0].id
    for row, field in (
        ({"commitment_id": commitment_id, "period": PREV.key, "value": "96,5"}, "value"),
        ({"commitment_id": commitment_id, "period": PREV.key, "value": True}, "value"),
        ({"commitment_id": str(commitment_id), "period": PREV.key, "value": 1}, "commitment_id"),
        ({"commitment_id": commitment_id, "period": PREV.key}, "value"),
    ):
        error = assert_error(
            api.post(_url(active), json={"readings": [row]}), 422, "validation_error"
        )
        assert list(error["details"]["errors"]) == [f"readings[0].{field}"], error
    error = assert_error(
        api.post(
            _url(active),
            json={
                "readings": [
                    {"commitment_id": commitment_id, "period": PREV.key, "value": 1, "valeur": 2}
                ]
            },
        ),
        422,
        "validation_error",
    )
    assert error["details"]["unknown_fields"] == ["readings[0].valeur"]
    error = assert_error(api.post(_url(active), json={"rows": []}), 422, "validation_error")
    assert error["details"]["unknown_fields"] == ["rows"]
    assert _count() == 0


def test_who_may_read_and_enter_a_charters_readings(org, api_as, active, make_charter):
    row = {"commitment_id": active.commitments[0].id, "period": PREV.key, "value": 96}
    outsider = api_as(org.outsider)  # the head of another department
    assert_error(outsider.get(_url(active)), 404, "not_found")
    # 404 whatever the body says: nothing about the charter leaks through a 422.
    assert_error(outsider.post(_url(active), json={"readings": [{"x": 1}]}), 404, "not_found")
    assert_error(api_as(org.head_a).get("/api/v1/charters/999999/readings"), 404, "not_found")
    assert api_as(org.member_a).post(_url(active), json={"readings": [row]}).status_code == 200
    assert api_as(org.admin).get(_url(active)).get_json()["total"] == 1
    draft = make_charter("Draft", commitments=(1, 0))
    row = {"commitment_id": draft.commitments[0].id, "period": PREV.key, "value": 96}
    response = api_as(org.head_a).post(_url(draft), json={"readings": [row]})
    assert_error(response, 409, "invalid_state")
    check_response(response, "POST", CHARTER_PATH)
    assert _count() == 1


def test_filters_and_pages_walk_every_reading_once(org, api_as, active):
    c1, c2 = active.commitments[0], active.commitments[1]
    rows = [
        {"commitment_id": c.id, "period": p.key, "value": 90 + i}
        for i, p in enumerate((EARLIER, PREV, THIS))
        for c in (c1, c2)
    ]
    api = api_as(org.member_a)
    assert api.post(_url(active), json={"readings": rows}).get_json()["created"] == 6
    seen, url = [], _url(active) + "?limit=4"
    while url:
        page = api.get(url)
        assert page.status_code == 200
        check_response(page, "GET", CHARTER_PATH)
        body = page.get_json()
        assert body["total"] == 6
        seen += [(r["commitment_id"], r["period"]) for r in body["readings"]]
        url = body["next"] and body["next"].split("localhost", 1)[-1]
    assert len(seen) == 6 and len(set(seen)) == 6
    assert [p for _c, p in seen] == [THIS.key] * 2 + [PREV.key] * 2 + [EARLIER.key] * 2
    # from/to: a period's name or a date, inclusive, in any kind of period.
    ranged = api.get(_url(active) + f"?from={PREV.key}&to={PREV.key}").get_json()
    assert {r["period"] for r in ranged["readings"]} == {PREV.key} and ranged["total"] == 2
    later = api.get(_url(active) + f"?from={PREV.start.isoformat()}&commitment_id={c2.id}")
    assert [r["period"] for r in later.get_json()["readings"]] == [THIS.key, PREV.key]
    quarter = periods.of(periods.PeriodKind.QUARTER, EARLIER.start)
    by_quarter = api.get(_url(active) + f"?to={quarter.key}").get_json()
    assert all(r["period_start"] <= quarter.end.isoformat() for r in by_quarter["readings"])
    for bad in ("from=janvier", "to=2027-13", "cursor=nope", "commitment_id=x"):
        response = api.get(_url(active) + "?" + bad)
        assert_error(response, 422, "validation_error")
        check_response(response, "GET", CHARTER_PATH)


def test_the_charter_gives_each_commitment_its_computed_standing(org, api_as, active):
    c1, c2, c3, c4 = sorted(active.commitments, key=lambda c: c.id)
    c2.tolerance = 1.0
    c4.target, c4.target_value = "selon planning", None
    db.session.commit()
    api = api_as(org.head_b)
    rows = [
        {"commitment_id": c1.id, "period": PREV.key, "value": 80},
        {"commitment_id": c1.id, "period": THIS.key, "value": 96},  # met (target 95)
        {"commitment_id": c2.id, "period": THIS.key, "value": 94.5},  # within 1
        {"commitment_id": c3.id, "period": THIS.key, "value": 10},  # missed
    ]
    assert api.post(_url(active), json={"readings": rows}).status_code == 200
    response = api.get(f"/api/v1/charters/{active.id}")
    check_response(response, "GET", "/api/v1/charters/{charter_id}")
    lines = {c["id"]: c for c in response.get_json()["commitments"]}
    assert lines[c1.id]["target_value"] == 95.0
    assert lines[c1.id]["target_direction"] == "at_least"
    assert lines[c1.id]["tolerance"] == 4.75  # 5 % of the target by default
    assert lines[c1.id]["last_reading"] == {"period": THIS.key, "value": 96.0}
    assert lines[c2.id]["tolerance"] == 1.0
    assert [lines[c.id]["status_computed"] for c in (c1, c2, c3, c4)] == [
        "met",
        "partly_met",
        "missed",
        "not_measured",
    ]
    assert lines[c4.id]["target_value"] is None and lines[c4.id]["target_direction"] is None
    assert lines[c4.id]["tolerance"] is None and lines[c4.id]["last_reading"] is None
    # A commitment answered alone says the same.
    alone = api.get(f"/api/v1/commitments/{c3.id}").get_json()
    assert alone["status_computed"] == "missed" and alone["last_reading"]["value"] == 10.0


def test_the_charter_answer_computes_the_standings_once(org, api_as, make_charter):
    statements: dict[str, list[str]] = {}
    for size in (1, 6):
        charter = make_charter(f"C{size}", status=CharterStatus.ACTIVE, commitments=(size, size))
        api = api_as(org.head_a)
        api.get("/api/v1/me")  # the token's last use is written once
        seen: list[str] = []

        def count(*args, seen=seen):
            seen.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert api.get(f"/api/v1/charters/{charter.id}").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        statements[size] = seen
    readings_queries = [s for s in statements[6] if "FROM readings" in s]
    assert len(readings_queries) == 1, readings_queries
    assert len(statements[6]) == len(statements[1]), (statements[1], statements[6])


def test_criterion_values_by_an_admin_and_a_head_not_a_member(org, api_as, active):
    url = f"/api/v1/criteria/{org.criterion.id}/readings"
    body = {"readings": [{"period": PREV.key, "value": 1.8, "note": "inventaire"}]}
    member = api_as(org.member_a)
    response = member.post(url, json=body)
    assert_error(response, 403, "forbidden")
    check_response(response, "POST", CRITERION_PATH)
    # 403 before the body is read, whatever it holds.
    assert_error(member.post(url, json={"nope": 1}), 403, "forbidden")
    assert_error(api_as(org.outsider).post(url, json=body), 403, "forbidden")
    response = api_as(org.head_b).post(url, json=body)  # B answers to it through the charter
    assert response.get_json() == {"created": 1, "updated": 0, "unchanged": 0}
    check_response(response, "POST", CRITERION_PATH)
    again = {"readings": [{"period": PREV.key, "value": 2.1}, {"period": THIS.key, "value": 2}]}
    assert api_as(org.admin).post(url, json=again).get_json() == {
        "created": 1,
        "updated": 1,
        "unchanged": 0,
    }
    error = assert_error(
        api_as(org.admin).post(url, json={"readings": [{"period": NEXT.key, "value": 1}]}),
        422,
        "validation_error",
    )
    assert error["details"]["errors"][0]["index"] == 0
    assert error["details"]["errors"][0]["field"] == "period"
    error = assert_error(
        api_as(org.admin).post(
            url, json={"readings": [{"period": PREV.key, "value": 1, "criterion_id": 9}]}
        ),
        422,
        "validation_error",
    )
    assert error["details"]["unknown_fields"] == ["readings[0].criterion_id"]
    # Anyone signed in reads the company's values.
    listed = member.get(url + f"?from={PREV.key}")
    check_response(listed, "GET", CRITERION_PATH)
    readings = listed.get_json()["readings"]
    assert [(r["period"], r["value"]) for r in readings] == [(THIS.key, 2.0), (PREV.key, 2.1)]
    assert readings[1]["criterion_id"] == org.criterion.id
    assert [h["value"] for h in readings[1]["history"]] == [1.8]
    assert readings[1]["history"][0]["entered_by"]["id"] == org.head_b.id
    assert_error(member.get("/api/v1/criteria/999999/readings"), 404, "not_found")
    assert _count(CriterionReading) == 2
