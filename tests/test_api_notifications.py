"""The inbox over the API: one's own messages, in one's language, read one by one or all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select

from sla_contracts import notifications
from sla_contracts.extensions import db
from sla_contracts.models import Notification
from tests.api_helpers import assert_error, check_response

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
LIST = "/api/v1/notifications"
READ = "/api/v1/notifications/{notification_id}/read"
READ_ALL = "/api/v1/notifications/read-all"
TITLE = "Logistique ⇄ Magasins"


def _tell(org, n: int = 1, *, recipients=None, actor=None, charter_id: int = 7) -> None:
    notifications.notify(
        "signature_requested",
        recipients=recipients or [org.head_a],
        actor=actor or org.head_b,
        obj=("charter", charter_id),
        link=f"/charters/{charter_id}",
        params={"name": (actor or org.head_b).name, "number": n, "title": TITLE},
        key=f"test:charter:{charter_id}:v{n}",
        now=NOW + timedelta(minutes=n),
    )
    db.session.commit()


def _ids(user) -> list[int]:
    return list(
        db.session.scalars(
            select(Notification.id)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id.desc())
        )
    )


def test_items_say_what_who_and_where_in_english(org, api_as):
    _tell(org)
    response = api_as(org.head_a).get(LIST)
    assert response.status_code == 200
    check_response(response, "get", LIST)
    body = response.get_json()
    assert body["total"] == 1 and body["next"] is None
    (item,) = body["notifications"]
    assert item == {
        "id": _ids(org.head_a)[0],
        "kind": "signature_requested",
        "object": {"type": "charter", "id": 7, "url": "http://localhost/charters/7"},
        "actor": {"id": org.head_b.id, "name": "Bruno Head"},
        "created_at": "2027-01-04T09:01:00+00:00",
        "read_at": None,
        "text": f"Bruno Head submitted version 1 of “{TITLE}” for signature.",
    }


def test_text_is_the_web_inbox_line_in_the_callers_language(org, api_as, login_as):
    org.head_a.locale = "fr"
    db.session.commit()
    _tell(org, recipients=[org.head_a, org.head_b], actor=org.admin)
    # The user's language wins over the client's Accept-Language, as on the pages.
    french = api_as(org.head_a).get(LIST, headers={"Accept-Language": "en"})
    english = api_as(org.head_b).get(LIST, headers={"Accept-Language": "fr"})
    check_response(french, "get", LIST)
    text_fr = french.get_json()["notifications"][0]["text"]
    text_en = english.get_json()["notifications"][0]["text"]
    assert text_fr == f"Ada Admin a soumis la version 1 de « {TITLE} » à signature."
    assert text_en == f"Ada Admin submitted version 1 of “{TITLE}” for signature."
    assert text_fr in login_as(org.head_a).get("/inbox").get_data(as_text=True)
    assert text_en in login_as(org.head_b).get("/inbox").get_data(as_text=True)


def test_a_reminder_has_no_actor_and_an_old_message_keeps_its_text(org, api_as):
    notifications.notify(
        "review_overdue",
        recipients=[org.head_a],
        obj=("review", 3),
        link="/reviews/3",
        params={"title": TITLE, "day": "2027-01-02"},
        key="review:3:overdue",
        now=NOW,
    )
    db.session.add(
        Notification(
            user_id=org.head_a.id,
            kind="legacy",
            params={"legacy_text": "Ancien message"},
            created_at=NOW - timedelta(days=1),
        )
    )
    db.session.commit()
    response = api_as(org.head_a).get(LIST)
    check_response(response, "get", LIST)
    items = {n["kind"]: n for n in response.get_json()["notifications"]}
    reminder, legacy = items["review_overdue"], items["legacy"]
    assert reminder["actor"] is None
    assert reminder["object"] == {"type": "review", "id": 3, "url": "http://localhost/reviews/3"}
    assert reminder["text"].startswith(f"The review of “{TITLE}” was due on 2 Jan 2027")
    assert legacy["object"] == {"type": None, "id": None, "url": None}
    assert legacy["text"] == "Ancien message"


def test_a_caller_sees_only_their_own_messages(org, api_as):
    _tell(org, recipients=[org.head_b], actor=org.head_a)
    response = api_as(org.head_a).get(LIST)
    assert response.get_json() == {"notifications": [], "next": None, "total": 0}
    check_response(response, "get", LIST)


def test_mark_one_read_then_it_leaves_the_unread_list(org, api_as):
    for n in (1, 2):
        _tell(org, n)
    newer, older = _ids(org.head_a)
    api = api_as(org.head_a)
    assert api.get(f"{LIST}?unread=1").get_json()["total"] == 2

    response = api.post(READ.format(notification_id=older))  # no body at all
    assert response.status_code == 200, response.get_json()
    check_response(response, "post", READ)
    item = response.get_json()
    assert item["id"] == older and item["read_at"] is not None
    assert item["actor"] == {"id": org.head_b.id, "name": "Bruno Head"}

    unread = api.get(f"{LIST}?unread=1")
    check_response(unread, "get", LIST)
    assert [n["id"] for n in unread.get_json()["notifications"]] == [newer]
    assert unread.get_json()["total"] == 1
    everything = api.get(f"{LIST}?unread=0").get_json()
    assert [n["id"] for n in everything["notifications"]] == [newer, older]

    again = api.post(READ.format(notification_id=older), json={})
    assert again.status_code == 200 and again.get_json()["read_at"] == item["read_at"]


def test_mark_read_refuses_a_body_with_fields(org, api_as):
    _tell(org)
    url = READ.format(notification_id=_ids(org.head_a)[0])
    response = api_as(org.head_a).post(url, json={"read": True})
    assert_error(response, 422, "validation_error", "read")


def test_someone_elses_message_is_not_found(org, api_as):
    _tell(org, recipients=[org.head_b], actor=org.head_a)
    (theirs,) = _ids(org.head_b)
    api = api_as(org.head_a)
    assert_error(api.post(READ.format(notification_id=theirs)), 404, "not_found")
    assert_error(api.post(READ.format(notification_id=theirs + 1000)), 404, "not_found")
    assert_error(api.post(READ.format(notification_id=2**31)), 404, "not_found")
    assert db.session.get(Notification, theirs).read_at is None


def test_read_all_marks_only_the_callers_unread_messages(org, api_as):
    for n in (1, 2, 3):
        _tell(org, n, recipients=[org.head_a, org.member_a])
    api = api_as(org.head_a)
    api.post(READ.format(notification_id=_ids(org.head_a)[0]))

    response = api.post(READ_ALL)
    assert response.status_code == 200
    check_response(response, "post", READ_ALL)
    assert response.get_json() == {"marked": 2}
    assert api.get(f"{LIST}?unread=1").get_json()["total"] == 0
    assert api.post(READ_ALL, json={}).get_json() == {"marked": 0}
    assert api_as(org.member_a).get(f"{LIST}?unread=1").get_json()["total"] == 3


def test_unread_must_be_a_flag(org, api_as):
    assert_error(api_as(org.head_a).get(f"{LIST}?unread=maybe"), 422, "validation_error", "unread")


def test_walking_the_pages_gives_every_message_once_while_one_arrives(org, api_as):
    for n in range(1, 6):
        _tell(org, n)
    before = _ids(org.head_a)
    api = api_as(org.head_a)
    response = api.get(f"{LIST}?limit=2")
    check_response(response, "get", LIST)
    page = response.get_json()
    seen = [n["id"] for n in page["notifications"]]
    assert page["total"] == 5 and page["next"]
    _tell(org, 6)  # a newer message arrives while the caller walks the pages
    pages = 1
    while page["next"]:
        response = api.get(page["next"])
        check_response(response, "get", LIST)
        page = response.get_json()
        seen += [n["id"] for n in page["notifications"]]
        pages += 1
    assert pages == 3
    assert seen == before  # newest first, none missing, none twice (the new one is on top)
    assert api.get(f"{LIST}?limit=2").get_json()["notifications"][0]["id"] not in before


def test_unread_filter_is_kept_across_pages(org, api_as):
    for n in range(1, 5):
        _tell(org, n)
    api = api_as(org.head_a)
    api.post(READ.format(notification_id=_ids(org.head_a)[1]))
    page = api.get(f"{LIST}?unread=1&limit=2").get_json()
    seen = [n["id"] for n in page["notifications"]]
    assert "unread=1" in page["next"]
    seen += [n["id"] for n in api.get(page["next"]).get_json()["notifications"]]
    all_ids = _ids(org.head_a)
    assert seen == [all_ids[0], *all_ids[2:]]


def test_a_page_costs_the_same_queries_whatever_its_length(org, api_as, make_user):
    api = api_as(org.head_a)
    api.get("/api/v1/me")  # the token's last_used_at is written once

    def queries_for_a_page() -> int:
        statements = []

        def count(*_args):
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert api.get(f"{LIST}?limit=200").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    _tell(org, 1)
    few = queries_for_a_page()
    for n in range(2, 12):
        _tell(org, n, actor=make_user(name=f"Actor {n}"))
    assert queries_for_a_page() == few <= 6
