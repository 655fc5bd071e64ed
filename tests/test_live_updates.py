"""The charter page's poll: who else is here, what others changed, 304 while nothing did."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from sla_contracts.charters import live, negotiation
from sla_contracts.extensions import db
from sla_contracts.models import Charter, CharterPresence, CharterStatus
from sla_contracts.timeutil import utcnow

LIVE_URL = re.compile(r'data-live-url="([^"]+)"')


def live_url(client, charter) -> str:
    """Open the charter page like a browser and return the poll URL it carries."""
    page = client.get(f"/charters/{charter.id}")
    assert page.status_code == 200
    match = LIVE_URL.search(page.get_data(as_text=True))
    assert match, "the charter page carries no poll URL"
    return match.group(1).replace("&amp;", "&")


def count_statements(app, call):
    """Run ``call`` and return its answer and the SQL statements it ran (transaction control
    aside: SQLite's BEGIN IMMEDIATE opens every transaction)."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        answer = call()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return answer, statements


def test_poll_names_who_else_is_here_then_answers_304(org, login_as, make_charter):
    charter = make_charter()
    alice, bruno = login_as(org.head_a), login_as(org.head_b)
    live_url(alice, charter)
    url = live_url(bruno, charter)

    first = bruno.get(url)
    assert first.status_code == 200
    body = first.get_json()
    assert body["present"] == [{"id": org.head_a.id, "name": "Alice Head"}]
    assert body["present_text"] == "Alice Head is also here"
    assert body["changes"] == [] and body["status"] == "draft" and body["stale"] is False
    etag = first.headers["ETag"]

    again = bruno.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["ETag"] == etag
    assert not again.get_data() and "Content-Type" not in again.headers
    # Polling is not activity: the session cookie is not re-sent (its 12 hours not restarted).
    assert "Set-Cookie" not in again.headers and "Set-Cookie" not in first.headers


def test_page_says_who_is_here_when_it_opens(org, login_as, make_charter):
    charter = make_charter()
    login_as(org.head_a).get(f"/charters/{charter.id}")
    page = login_as(org.member_b).get(f"/charters/{charter.id}").get_data(as_text=True)
    assert "Alice Head is also here" in page


def test_a_comment_by_another_head_is_named_in_the_next_poll(org, login_as, make_charter):
    charter = make_charter()
    alice, bruno = login_as(org.head_a), login_as(org.head_b)
    url = live_url(bruno, charter)
    etag = bruno.get(url).headers["ETag"]
    assert alice.post(f"/charters/{charter.id}/comments", {"body": "Shall we say 6 am?"})

    answer = bruno.get(url, headers={"If-None-Match": etag})
    assert answer.status_code == 200
    (change,) = answer.get_json()["changes"]
    assert change["actor"] == {"id": org.head_a.id, "name": "Alice Head"}
    assert change["action"] == "comment_added"
    assert change["summary"] == "Shall we say 6 am?"
    assert change["object_type"] == "comment"
    assert change["text"] == "Alice Head · Comment posted: Shall we say 6 am?"
    assert answer.headers["ETag"] != etag


def test_poll_tells_a_reader_of_an_edit_but_not_of_their_own(
    org, login_as, make_charter, make_commitment
):
    charter = make_charter()
    commitment = make_commitment(charter, org.logistics, "Deliver before 7 am")
    alice = login_as(org.head_a)
    alice_url = live_url(alice, charter)
    mia_url = live_url(login_as(org.member_a), charter)
    page = alice.get(f"/charters/{charter.id}/commitments/{commitment.id}/edit")
    assert page.status_code == 200
    data = {
        "title": "Deliver before 6 am",
        "service_standard": "Every store",
        "indicator": "Share delivered before 6 am",
        "target": "98",
        "unit": "%",
        "customer_impact": "Full shelves at opening",
        "lock_version": commitment.lock_version,
    }
    saved = alice.post(f"/charters/{charter.id}/commitments/{commitment.id}/edit", data)
    assert saved.status_code == 302

    (change,) = login_as(org.member_a).get(mia_url).get_json()["changes"]
    assert change["action"] == "commitment_updated"
    assert (change["object_type"], change["object_id"]) == ("commitment", commitment.id)
    assert change["text"] == "Alice Head · Commitment changed: Deliver before 6 am"
    own = alice.get(alice_url).get_json()
    assert own["changes"] == []  # her own change is not news to her…
    assert own["stale"] is True  # …but that page (opened before it) is out of date


def test_304_poll_takes_at_most_two_statements(app, org, login_as, make_charter):
    charter = make_charter()
    login_as(org.head_a).get(f"/charters/{charter.id}")
    bruno = login_as(org.head_b)
    url = live_url(bruno, charter)
    etag = bruno.get(url).headers["ETag"]
    answer, statements = count_statements(
        app, lambda: bruno.get(url, headers={"If-None-Match": etag})
    )
    assert answer.status_code == 304
    assert len(statements) == 1, statements  # presence fresh: the one read

    # Presence older than the refresh interval: the same poll writes it back, one more.
    db.session.execute(
        CharterPresence.__table__.update().values(seen_at=utcnow() - live.PRESENCE_REFRESH)
    )
    db.session.commit()
    answer, statements = count_statements(
        app, lambda: bruno.get(url, headers={"If-None-Match": etag})
    )
    assert answer.status_code == 304
    assert len(statements) == 2, statements


def test_presence_is_written_at_most_every_refresh_interval(org, make_charter):
    charter = make_charter()
    start = utcnow()
    user = org.head_b
    state = live.poll_state(charter.id, user.id, user.session_version, start)
    assert state.presence_is_stale(start)
    live.touch_presence(charter.id, user.id, start)
    db.session.commit()
    for seconds, stale in ((5, False), (19, False), (20, True)):
        moment = start + timedelta(seconds=seconds)
        state = live.poll_state(charter.id, user.id, user.session_version, moment)
        assert state.presence_is_stale(moment) is stale, seconds
    # Seen by others while the row is recent; gone once the page stopped polling for a while.
    other = org.head_a

    def seen_by_other(seconds: int) -> list[int]:
        moment = start + timedelta(seconds=seconds)
        state = live.poll_state(charter.id, other.id, other.session_version, moment)
        return [person["id"] for person in state.present]

    assert seen_by_other(40) == [user.id]
    assert seen_by_other(51) == []


@pytest.mark.parametrize("who", ["outsider", "anonymous", "signed_out"])
def test_poll_refuses_who_may_not_read(app, org, login_as, make_charter, who):
    charter = make_charter()
    url = f"/charters/{charter.id}/live"
    if who == "outsider":
        response = login_as(org.outsider).get(url)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"
        assert db.session.scalars(select(CharterPresence)).all() == []
    elif who == "anonymous":
        assert app.test_client().get(url).status_code == 401
    else:
        bruno = login_as(org.head_b)
        assert bruno.get(url).status_code == 200
        ops_user = db.session.get(type(org.head_b), org.head_b.id)
        ops_user.session_version += 1  # logged out elsewhere
        db.session.commit()
        assert bruno.get(url).status_code == 401


def test_poll_of_another_departments_charter_is_404_for_a_head(
    org, login_as, make_charter, make_department, make_user
):
    other = make_department("Achats", "ACH")
    head = make_user("head.ach@example.com", "Hugo Head", head_of=[other])
    charter = make_charter(department_b=other)
    response = login_as(head).get(f"/charters/{charter.id}/live")
    assert response.status_code == 200  # a side of this charter
    assert login_as(org.head_b).get(f"/charters/{charter.id}/live").status_code == 404


def test_signed_charter_polls_slower_and_tells_a_status_change(
    org, login_as, make_charter, make_commitment
):
    charter = make_charter(commitments=(1, 1))
    bruno = login_as(org.head_b)
    url = live_url(bruno, charter)
    etag = bruno.get(url).headers["ETag"]
    db_charter = db.session.get(type(charter), charter.id)
    db_charter.status = CharterStatus.AWAITING_SIGNATURES
    db.session.commit()
    answer = bruno.get(url, headers={"If-None-Match": etag})
    assert answer.status_code == 200
    assert answer.get_json()["status"] == "awaiting_signatures"
    assert answer.get_json()["status_text"] == "This charter is now: Awaiting signatures."
    db_charter.status = CharterStatus.ACTIVE
    db.session.commit()
    assert bruno.get(url).get_json()["poll_seconds"] == 30


def test_presence_reads_in_the_readers_language(org, login_as, make_charter, make_user):
    charter = make_charter()
    login_as(org.head_a).get(f"/charters/{charter.id}")
    login_as(org.head_b).get(f"/charters/{charter.id}")
    lea = make_user("lea@example.com", "Léa Membre", member_of=[org.stores], locale="fr")
    answer = login_as(lea).get(f"/charters/{charter.id}/live").get_json()
    assert answer["present_text"] == "Alice Head et Bruno Head consultent aussi cette charte"


def test_bad_since_is_a_400(org, login_as, make_charter):
    charter = make_charter()
    response = login_as(org.head_a).get(f"/charters/{charter.id}/live?since=yesterday")
    assert response.status_code == 400


def test_negotiation_steps_of_the_other_side_reach_the_poll(org, login_as, make_charter):
    charter = make_charter()
    bruno = login_as(org.head_b)
    url = live_url(bruno, charter)
    etag = bruno.get(url).headers["ETag"]
    expectation = negotiation.add_expectation(
        org.head_a,
        db.session.get(Charter, charter.id),
        text="Orders sent before 10 pm",
        customer_reason="Fresh products on the shelf at opening",
    )
    db.session.commit()

    answer = bruno.get(url, headers={"If-None-Match": etag})
    assert answer.status_code == 200
    (change,) = answer.get_json()["changes"]
    assert change["actor"]["name"] == "Alice Head"
    assert change["action"] == "expectation_added"
    assert (change["object_type"], change["object_id"]) == ("expectation", expectation.id)
    assert change["summary"] == "Orders sent before 10 pm"
