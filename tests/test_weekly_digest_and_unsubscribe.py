"""The weekly digest (Monday morning, once) and the one-click unsubscribe from a kind of e-mail."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from sla_contracts import jobs, notifications
from sla_contracts.extensions import db
from sla_contracts.models import (
    ActionItem,
    CharterStatus,
    EmailFrequency,
    MutedKind,
    Notification,
    OutboxEmail,
    User,
)
from sla_contracts.notifications import links

WEDNESDAY = datetime(2027, 2, 10, 7, 0, tzinfo=UTC)  # 14 days before the review of 24 February
SUNDAY = datetime(2027, 2, 14, 8, 0, tzinfo=UTC)
MONDAY_EARLY = datetime(2027, 2, 15, 5, 30, tzinfo=UTC)  # 6:30 in Paris: too early
MONDAY = datetime(2027, 2, 15, 6, 10, tzinfo=UTC)  # 7:10 in Paris


@pytest.fixture
def app_config(smtp):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "MAIL_TIMEOUT": 5}


@pytest.fixture(autouse=True)
def _english():
    with force_locale("en"):
        yield


@pytest.fixture
def week(make_charter, org):
    """Alice reads a weekly digest; in the week: a reminder, co-writing, an action due."""
    org.head_a.email_frequency = EmailFrequency.WEEKLY
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(1, 1))
    charter.next_review_on = date(2027, 2, 24)
    soon = make_charter("Logistique ⇄ Service", status=CharterStatus.ACTIVE, commitments=(1, 1))
    soon.next_review_on = date(2027, 2, 18)  # held this week
    draft = make_charter("Logistique ⇄ <DSI>", department_b=org.it)
    db.session.add_all(
        [
            ActionItem(charter_id=charter.id, owner_department_id=org.logistics.id,
                       title="Relabel the shelves", due_on=date(2027, 2, 19)),
            ActionItem(charter_id=charter.id, owner_department_id=org.logistics.id,
                       title="Count the pallets", due_on=date(2027, 2, 26)),
        ]
    )  # fmt: skip
    db.session.commit()
    jobs.plan_reminders(WEDNESDAY)
    notifications.notify(
        "commitment_changed",
        recipients=[org.head_a],
        key=f"charter:{draft.id}:commitment:1:changed",
        params={"name": "Olga Outsider", "title": draft.title, "commitment": "Answer in 4 h",
                "commitment_id": 1},
        actor=org.outsider,
        obj=("charter", draft.id),
        now=WEDNESDAY,
    )  # fmt: skip
    db.session.commit()
    return charter


def _outbox(user) -> list[OutboxEmail]:
    return list(
        db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.recipient == user.email).order_by(OutboxEmail.id)
        )
    )


def test_the_preferences_page_offers_the_weekly_digest(org, login_as):
    browser = login_as(org.head_a)
    page = browser.get("/preferences").get_data(as_text=True)
    assert 'value="weekly"' in page and "One digest a week, on Monday morning" in page
    answer = browser.post(
        "/preferences", {"locale": "en", "email_frequency": "weekly", "submit": "Save"}
    )
    assert answer.status_code == 302
    db.session.expire_all()
    assert org.head_a.email_frequency == EmailFrequency.WEEKLY


def test_weekly_digest_goes_once_on_monday_morning(week, org, smtp):
    assert _outbox(org.head_a) == []  # the reminder and the activity wait for Monday
    assert jobs.send_coalesced(WEDNESDAY + timedelta(hours=1)) == 0
    assert jobs.send_digests(WEDNESDAY + timedelta(days=1)) == 0  # not a daily reader
    assert jobs.send_weekly_digests(SUNDAY) == 0
    assert jobs.send_weekly_digests(MONDAY_EARLY) == 0
    assert jobs.send_weekly_digests(MONDAY) == 1
    assert jobs.send_weekly_digests(MONDAY) == 0  # a second scheduler, a re-run
    assert jobs.send_weekly_digests(MONDAY + timedelta(hours=3)) == 0
    assert jobs.send_weekly_digests(MONDAY + timedelta(days=1)) == 0  # Tuesday
    (digest,) = _outbox(org.head_a)
    body = digest.body
    assert digest.subject.startswith("Your week:")
    assert "Due this week:" in body
    assert (
        "Action “Relabel the shelves” (charter “Logistique ⇄ Magasins”), due on 19 Feb 2027"
    ) in body
    assert "Count the pallets" not in body  # due next week
    assert "Reminders:" in body and "due on 24 Feb 2027 (in 14 days)" in body
    assert "What moved on your charters:" in body
    assert "Olga Outsider changed 1 commitment on “Logistique ⇄ <DSI>”." in body
    due, prepare = body.split("Reviews to prepare:")
    assert "Review of “Logistique ⇄ Service” on 18 Feb 2027" in due.split("Reminders:")[0]
    assert "Review of “Logistique ⇄ Magasins” on 24 Feb 2027" in prepare
    assert "/mail/unsubscribe/" in body
    jobs.deliver_outbox(MONDAY)
    [(_rcpts, message)] = [m for m in smtp.inbox.messages if org.head_a.email in m[0]]
    html = message.get_body(("html",)).get_content()
    assert "Logistique ⇄ &lt;DSI&gt;" in html and "<DSI>" not in html  # user text escaped
    assert message["List-Unsubscribe"].startswith("<http://127.0.0.1:5000/mail/unsubscribe/")
    # The next Monday: what came since, and the week's agenda again.
    assert jobs.send_weekly_digests(MONDAY + timedelta(days=7)) == 1


def test_the_daily_digest_is_unchanged_beside_a_weekly_one(week, org):
    org.head_b.email_frequency = EmailFrequency.DAILY
    db.session.commit()
    jobs.plan_reminders(datetime(2027, 2, 21, 7, 0, tzinfo=UTC))  # 3 days before
    assert jobs.send_digests(datetime(2027, 2, 22, 6, 30, tzinfo=UTC)) == 1  # head_b only
    # The 3-day reminder of one review, the overdue one of the other.
    assert [e.subject for e in _outbox(org.head_b)][-1] == "Your daily digest: 2 messages"
    assert all(not e.idempotency_key.startswith("digest:") for e in _outbox(org.head_a))


def _unsubscribe_path(message) -> str:
    header = message["List-Unsubscribe"]
    return re.fullmatch(r"<http://127\.0\.0\.1:5000(/mail/unsubscribe/\S+)>", header).group(1)


def _reminder_mail(smtp, org, make_charter):
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(1, 1))
    charter.next_review_on = date(2027, 2, 24)
    db.session.commit()
    jobs.plan_reminders(WEDNESDAY)
    jobs.deliver_outbox(WEDNESDAY)
    [(_rcpts, message)] = [m for m in smtp.inbox.messages if org.head_a.email in m[0]]
    return message


def test_every_email_carries_the_one_click_unsubscribe_headers(smtp, org, make_charter):
    message = _reminder_mail(smtp, org, make_charter)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = _unsubscribe_path(message)
    body = message.get_body(("plain",)).get_content()
    line = "Stop e-mails of this kind (Reminders of a coming review), without signing in: "
    assert f"{line}http://127.0.0.1:5000{path}" in body


def test_unsubscribe_without_login_mutes_the_kind_by_email_but_not_in_the_inbox(
    smtp, org, make_charter, client, login_as
):
    path = _unsubscribe_path(_reminder_mail(smtp, org, make_charter))
    page = client.get(path)  # a link scanner, or the person reading the page
    assert page.status_code == 200
    assert "Reminders of a coming review" in page.get_data(as_text=True)
    assert db.session.scalars(select(MutedKind)).all() == []  # GET mutes nothing
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})  # RFC 8058, no session
    assert done.status_code == 200
    assert "will no longer receive" in done.get_data(as_text=True)
    assert client.post(path).status_code == 200  # twice: still one row
    muted = db.session.scalars(select(MutedKind)).all()
    assert [(m.user_id, m.kind) for m in muted] == [(org.head_a.id, "review_before")]

    sent_before = len(_outbox(org.head_a))
    jobs.plan_reminders(datetime(2027, 2, 21, 7, 0, tzinfo=UTC))  # the 3-day reminder
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == org.head_a.id)
    ).all()
    assert kinds == ["review_before", "review_before"]  # the inbox still gets it
    assert len(_outbox(org.head_a)) == sent_before  # no e-mail of that kind
    assert len(_outbox(org.head_b)) == 2  # the other head still gets both

    # The preferences page lists the muted kind and can undo it.
    browser = login_as(org.head_a)
    page = browser.get("/preferences").get_data(as_text=True)
    assert "Reminders of a coming review" in page and "Receive them again" in page
    browser.post("/preferences/muted/unmute", {"kind": "review_before"})
    assert db.session.scalars(select(MutedKind)).all() == []


def test_a_tampered_or_foreign_unsubscribe_link_is_refused_and_changes_nothing(
    smtp, org, make_charter, client
):
    path = _unsubscribe_path(_reminder_mail(smtp, org, make_charter))
    token = path.rsplit("/", 1)[1]
    payload, signature = token.split(".", 1)
    forged = links.unsubscribe_url(org.head_b.id, "review_before").rsplit("/", 1)[1]
    swapped = f"{forged.split('.', 1)[0]}.{signature}"  # another person, Alice's signature
    snooze_token = links.snooze_url(org.head_a.id, "review_before").rsplit("/", 1)[1]
    for bad in (token[:-2] + "zz", swapped, snooze_token, "nonsense"):
        for method in (client.get, client.post):
            answer = method(f"/mail/unsubscribe/{bad}")
            assert answer.status_code == 400
            assert "This link is not valid" in answer.get_data(as_text=True)
    assert db.session.scalars(select(MutedKind)).all() == []
    assert payload  # the token really has two signed parts


def test_the_demo_has_a_weekly_reader_who_stopped_the_activity_emails(runner, app):
    from sla_contracts.demo.data import EMAIL_DOMAIN

    for _twice in range(2):
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    reader = db.session.scalar(select(User).where(User.email == f"sandrine.petit@{EMAIL_DOMAIN}"))
    assert reader.email_frequency == EmailFrequency.WEEKLY
    muted = db.session.scalars(select(MutedKind).where(MutedKind.user_id == reader.id)).all()
    assert [m.kind for m in muted] == ["activity"]


def test_a_french_readers_weekly_digest_is_in_french(week, org):
    org.head_a.locale = "fr"
    db.session.commit()
    assert jobs.send_weekly_digests(MONDAY) == 1
    (digest,) = _outbox(org.head_a)
    assert digest.subject.startswith("Votre semaine :")
    assert "À échéance cette semaine :" in digest.body
    assert "Revues à préparer :" in digest.body
    assert "Ne plus recevoir les e-mails de ce type" in digest.body
