"""Co-writing activity by e-mail: coalesced per person and charter, a daily digest, or none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from sla_contracts import jobs, notifications
from sla_contracts.extensions import db
from sla_contracts.models import EmailFrequency, MailQueueEntry, Notification, OutboxEmail

# A Monday at 10:00 in Paris (09:00 UTC).
T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
TITLE = "Logistique ⇄ Magasins"


@pytest.fixture
def app_config(smtp):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "MAIL_TIMEOUT": 5}


@pytest.fixture
def pair(org, make_user):
    """Hélène Marchand heads Logistique (side A); Bruno Head heads Magasins."""
    helene = make_user("helene@example.com", "Hélène Marchand", head_of=[org.logistics])
    return helene, org.head_b


def _act(kind, actor, recipients, key, at, charter_id=7, title=TITLE, **params):
    notifications.notify(
        kind,
        recipients=recipients,
        key=key,
        link=f"/charters/{charter_id}",
        params={"name": actor.name, "title": title, **params},
        actor=actor,
        obj=("charter", charter_id),
        now=at,
    )
    db.session.commit()


def _burst(helene, bruno, at, tag="1"):
    """Hélène changes two commitments (one twice) and answers an expectation, in 2 minutes."""
    _act(
        "commitment_changed",
        helene,
        [bruno],
        f"c:{tag}:a",
        at,
        commitment="Livraison avant 7 h",
        commitment_id=1,
    )
    _act(
        "commitment_changed",
        helene,
        [bruno],
        f"c:{tag}:b",
        at + timedelta(minutes=1),
        commitment="Livraison avant 7 h",
        commitment_id=1,
    )
    _act(
        "commitment_changed",
        helene,
        [bruno],
        f"c:{tag}:c",
        at + timedelta(minutes=1),
        commitment="Reprise des invendus",
        commitment_id=2,
    )
    _act("expectation_answered", helene, [bruno], f"e:{tag}", at + timedelta(minutes=2),
         expectation="Être livrés avant l’ouverture", expectation_id=5)  # fmt: skip


def _outbox(user) -> list[OutboxEmail]:
    return list(
        db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.recipient == user.email).order_by(OutboxEmail.id)
        )
    )


def _plain(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_a_burst_of_actions_is_one_e_mail_counting_them(pair, smtp):
    helene, bruno = pair
    _burst(helene, bruno, T0)
    assert len(db.session.scalars(select(Notification)).all()) == 4  # the inbox: at once
    assert _outbox(bruno) == []  # the e-mail waits for the burst to end
    assert jobs.send_coalesced(T0 + timedelta(minutes=4)) == 0  # still within the quiet delay
    assert jobs.send_coalesced(T0 + timedelta(minutes=5)) == 1
    assert jobs.deliver_outbox(T0 + timedelta(minutes=5)) == 1
    ((recipients, message),) = smtp.inbox.messages
    assert recipients == [bruno.email]
    assert message["Subject"] == "4 updates on “Logistique ⇄ Magasins”"
    body = _plain(message)
    assert (
        "Hélène Marchand changed 2 commitments and answered 1 expectation on "
        "“Logistique ⇄ Magasins”." in body
    )
    assert "Hélène Marchand changed the commitment “Reprise des invendus”" in body
    assert "http://127.0.0.1:5000/charters/7" in body and "/preferences" in body


def test_a_second_burst_waits_fifteen_minutes_after_the_first_e_mail(pair):
    helene, bruno = pair
    _burst(helene, bruno, T0)
    assert jobs.send_coalesced(T0 + timedelta(minutes=5)) == 1
    _burst(helene, bruno, T0 + timedelta(minutes=8), tag="2")
    assert jobs.send_coalesced(T0 + timedelta(minutes=14)) == 0
    assert jobs.send_coalesced(T0 + timedelta(minutes=19)) == 0  # 14 minutes after the first
    assert jobs.send_coalesced(T0 + timedelta(minutes=20)) == 1
    first, second = _outbox(bruno)
    assert "changed 2 commitments and answered 1 expectation" in second.body
    assert first.idempotency_key != second.idempotency_key


def test_a_long_session_is_told_after_fifteen_minutes_even_if_never_quiet(pair):
    helene, bruno = pair
    for minute in range(0, 17, 2):
        _act("comment_posted", helene, [bruno], f"k:{minute}", T0 + timedelta(minutes=minute),
             excerpt="Je relis")  # fmt: skip
    assert jobs.send_coalesced(T0 + timedelta(minutes=14)) == 0
    assert jobs.send_coalesced(T0 + timedelta(minutes=15)) == 1
    assert "Hélène Marchand wrote 8 comments" in _outbox(bruno)[0].body


def test_two_runs_of_the_job_send_once(pair, smtp):
    helene, bruno = pair
    _burst(helene, bruno, T0)
    later = T0 + timedelta(minutes=6)
    assert jobs.send_coalesced(later) == 1
    assert jobs.send_coalesced(later) == 0
    assert jobs.run_all(later)["send_coalesced"] == "0 coalesced e-mails queued"
    jobs.deliver_outbox(later)
    jobs.deliver_outbox(later)
    # T0 is the first working day of January: run_all also mails December's report to the
    # administrator; the co-writing e-mail is Bruno's, once.
    assert [to for to, _ in smtp.inbox.messages].count([bruno.email]) == 1
    assert (
        db.session.scalar(select(MailQueueEntry.email_key).where(MailQueueEntry.done_at.is_(None)))
        is None
    )


def test_the_same_event_told_twice_is_counted_once(pair):
    helene, bruno = pair
    for _ in range(2):
        _act("commitment_added", helene, [bruno], "added:1", T0, commitment="X", commitment_id=3)
    jobs.send_coalesced(T0 + timedelta(minutes=5))
    assert "Hélène Marchand added 1 commitment on" in _outbox(bruno)[0].body


def test_each_person_and_each_charter_get_their_own_e_mail(pair, org):
    helene, bruno = pair
    _burst(helene, bruno, T0)
    _act("comment_posted", org.head_a, [bruno, helene], "other", T0, charter_id=8,
         title="DSI ⇄ Magasins", excerpt="Bonjour")  # fmt: skip
    assert jobs.send_coalesced(T0 + timedelta(minutes=5)) == 3
    subjects = sorted(e.subject for e in _outbox(bruno))
    assert subjects == ["1 update on “DSI ⇄ Magasins”", "4 updates on “Logistique ⇄ Magasins”"]
    (to_helene,) = _outbox(helene)
    assert "Alice Head wrote 1 comment on “DSI ⇄ Magasins”." in to_helene.body


def test_several_people_are_counted_each_on_their_line(pair, org):
    helene, bruno = pair
    _burst(helene, bruno, T0)
    _act("proposal_made", org.head_a, [bruno], "p:1", T0, commitment="Vitrines", proposal_id=4)
    jobs.send_coalesced(T0 + timedelta(minutes=5))
    body = _outbox(bruno)[0].body
    assert "Hélène Marchand changed 2 commitments and answered 1 expectation" in body
    assert "Alice Head proposed 1 change to your commitments on" in body


def test_the_e_mail_is_in_the_recipients_language(pair, smtp):
    helene, bruno = pair
    bruno.locale = "fr"
    _burst(helene, bruno, T0)
    _act("expectation_declined", helene, [bruno], "d:1", T0 + timedelta(minutes=2),
         expectation="Inventaire hebdomadaire", expectation_id=6,
         reason="Trop coûteux")  # fmt: skip
    jobs.send_coalesced(T0 + timedelta(minutes=6))
    jobs.deliver_outbox(T0 + timedelta(minutes=6))
    ((_, message),) = smtp.inbox.messages
    assert message["Subject"] == "5 nouveautés sur « Logistique ⇄ Magasins »"
    body = _plain(message)
    assert (
        "Hélène Marchand a modifié 2 engagements, a répondu à 1 attente et a décliné 1 attente "
        "sur « Logistique ⇄ Magasins »." in body
    )
    assert "a décliné l’attente « Inventaire hebdomadaire » sur « Logistique ⇄ Magasins » : " \
        "Trop coûteux" in body  # fmt: skip
    assert "résumé par jour" in body


def test_inbox_only_gets_the_inbox_and_no_e_mail(pair):
    helene, bruno = pair
    bruno.email_frequency = EmailFrequency.NEVER
    _burst(helene, bruno, T0)
    assert len(db.session.scalars(select(Notification)).all()) == 4
    assert db.session.scalars(select(MailQueueEntry)).all() == []
    assert jobs.send_coalesced(T0 + timedelta(hours=1)) == 0
    assert jobs.send_digests(T0 + timedelta(days=1)) == 0
    assert _outbox(bruno) == []


def test_choosing_inbox_only_drops_what_waited(pair):
    helene, bruno = pair
    _burst(helene, bruno, T0)
    bruno.email_frequency = EmailFrequency.NEVER
    db.session.commit()
    assert jobs.send_coalesced(T0 + timedelta(minutes=5)) == 0
    assert _outbox(bruno) == []
    assert (
        db.session.scalars(select(MailQueueEntry).where(MailQueueEntry.done_at.is_(None))).all()
        == []
    )


# ---------------------------------------------------------------- the daily digest


def _signature_request(org, bruno, at):
    notifications.notify(
        "signature_requested",
        recipients=[bruno],
        key="charter:9:version:1:submitted",
        link="/charters/9",
        params={"name": "Alice Head", "number": 1, "title": "DSI ⇄ Magasins"},
        actor=org.head_a,
        obj=("charter", 9),
        now=at,
    )
    db.session.commit()


def test_daily_digest_is_one_e_mail_a_day_listing_everything(pair, org, smtp):
    helene, bruno = pair
    bruno.email_frequency = EmailFrequency.DAILY
    _burst(helene, bruno, T0)
    _signature_request(org, bruno, T0)
    assert _outbox(bruno) == []  # neither at once…
    assert jobs.send_coalesced(T0 + timedelta(hours=1)) == 0  # …nor coalesced
    morning = datetime(2027, 1, 5, 5, 30, tzinfo=UTC)  # 6:30 in Paris: too early
    assert jobs.send_digests(morning) == 0
    assert jobs.send_digests(morning + timedelta(hours=1)) == 1  # 7:30 in Paris
    assert jobs.send_digests(morning + timedelta(hours=2)) == 0
    (digest,) = _outbox(bruno)
    assert digest.subject == "Your daily digest: 5 messages"
    assert "Hélène Marchand changed 2 commitments and answered 1 expectation" in digest.body
    assert "Alice Head submitted version 1 of “DSI ⇄ Magasins” for signature." in digest.body
    # What comes after today's digest waits for tomorrow's.
    _act("comment_posted", helene, [bruno], "late", morning + timedelta(hours=3), excerpt="Ok")
    assert jobs.send_digests(morning + timedelta(hours=4)) == 0
    assert jobs.send_digests(morning + timedelta(days=1, hours=1)) == 1
    assert "Hélène Marchand wrote 1 comment" in _outbox(bruno)[1].body
    jobs.deliver_outbox(morning + timedelta(days=1, hours=1))
    assert len(smtp.inbox.messages) == 2


def test_a_digest_leaves_out_a_request_done_before_it_went(pair, org):
    from sla_contracts.notifications.texts import SIGNED

    helene, bruno = pair
    bruno.email_frequency = EmailFrequency.DAILY
    _signature_request(org, bruno, T0)
    notifications.mark_done("charter:9:", by=bruno, now=T0, reason=SIGNED)
    db.session.commit()
    assert jobs.send_digests(T0 + timedelta(days=1)) == 0


def test_a_calendar_invitation_still_goes_at_once_to_a_digest_reader(pair):
    helene, bruno = pair
    bruno.email_frequency = EmailFrequency.DAILY
    notifications.notify(
        "review_invitation",
        recipients=[bruno],
        key="review:1:invite",
        params={"title": TITLE, "when": T0.isoformat(), "change": notifications.INVITED,
                "attendees": ["Bruno Head"]},
        ics=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        now=T0,
    )  # fmt: skip
    assert [e.subject for e in _outbox(bruno)] == ["Invitation: review of “Logistique ⇄ Magasins”"]


def test_a_co_writing_message_must_name_its_charter(org):
    with pytest.raises(ValueError, match="coalesced per charter"):
        notifications.notify(
            "comment_posted", recipients=[org.head_b], key="k", obj=("commitment", 3)
        )


def test_two_schedulers_at_the_same_moment_send_each_e_mail_once(app, pair, org):
    import threading

    helene, bruno = pair
    for n in range(5):  # five charters, one e-mail each for Bruno
        _act("comment_posted", helene, [bruno], f"k:{n}", T0, charter_id=n + 1, excerpt="Hé")
    later = T0 + timedelta(minutes=5)
    barrier = threading.Barrier(2)
    sent: list[int] = []

    def run():
        with app.app_context():
            barrier.wait()
            sent.append(jobs.send_coalesced(later))
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(sent) == 5, sent
    db.session.expire_all()
    assert len(_outbox(bruno)) == 5


def test_pages_to_the_mail_server_one_coalesced_e_mail_and_the_mention(
    org, make_charter, login_as, smtp
):
    """Through the pages: a head writes two commitments and a comment mentioning a member; the
    jobs then send the other head one e-mail counting them, and the member their mention."""
    from sla_contracts.timeutil import utcnow

    from .plugins.charters import COMMITMENT_DEFAULTS

    charter_id = make_charter().id
    head = login_as(org.head_a)
    for title in ("Livraison avant 7 h", "Reprise des invendus"):
        response = head.post(
            f"/charters/{charter_id}/commitments/new?provider={org.logistics.id}",
            {**COMMITMENT_DEFAULTS, "title": title},
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    response = head.post(f"/charters/{charter_id}/comments", {"body": "@Max Member, tu relis ?"})
    assert response.status_code == 302
    later = utcnow() + timedelta(minutes=4)
    jobs.run_all(later)
    # On the first working days of a month run_all also mails last month's report to the
    # administrator (not a co-writing e-mail): the pair's e-mails are the others.
    by_recipient = {
        tuple(to): message for to, message in smtp.inbox.messages if to != [org.admin.email]
    }
    assert set(by_recipient) == {(org.head_b.email,), (org.member_b.email,)}  # not Alice
    body = _plain(by_recipient[(org.head_b.email,)])
    assert "Alice Head added 2 commitments and wrote 1 comment on “Logistique ⇄ Magasins”." in body
    mention = _plain(by_recipient[(org.member_b.email,)])
    assert "Alice Head mentioned you on “Logistique ⇄ Magasins”." in mention
    assert "tu relis ?" in mention
    jobs.run_all(later + timedelta(minutes=30))
    assert len([to for to, _ in smtp.inbox.messages if to != [org.admin.email]]) == 2
