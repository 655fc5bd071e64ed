"""The scheduler's jobs for chosen ``now`` values: reminders on the right days, never twice."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from scheduler import JOBS, should_start_in_process
from sla_contracts import jobs
from sla_contracts.extensions import db
from sla_contracts.models import (
    ActionItem,
    CharterStatus,
    EmailFrequency,
    Notification,
    OutboxEmail,
    Reminder,
    Review,
    ReviewStatus,
)
from sla_contracts.notifications import render_text
from sla_contracts.reviews import operations as ops
from sla_contracts.reviews.meeting import save_meeting
from sla_contracts.reviews.meeting_input import AssessmentValues, MeetingSave, MeetingValues

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _english():
    with force_locale("en"):
        yield


def at(day: date, hour: int = 7) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _keys() -> dict[str, date]:
    return {r.key: r.planned_at.date() for r in db.session.scalars(select(Reminder))}


def _notes(user, kind: str | None = None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def _close(review, org, now):
    ops.start_review(org.head_a, review, now=now)
    values = MeetingValues(
        assessments={
            a.id: AssessmentValues(result="met", measured_value="96", comment="")
            for a in review.assessments
        },
        criterion_value="2",
        satisfaction_a_of_b="4",
        satisfaction_b_of_a="4",
        decision="continue",
    )
    save = MeetingSave(lock_version=review.lock_version, sent=values, close=True)
    save_meeting(org.head_a, review, save, now=now)
    db.session.commit()


def test_a_year_of_a_quarterly_charter(make_charter, org):
    """Run the jobs twice a day for a year; close each review on its due day."""
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(1, 1))
    charter.next_review_on = date(2027, 1, 15)
    db.session.commit()
    day = date(2026, 12, 20)
    closed_on: list[date] = []
    while day < date(2027, 12, 20):
        for hour in (6, 18):
            jobs.mark_overdue(at(day, hour))
            jobs.plan_reminders(at(day, hour))
        review = ops.open_review(charter)
        if review is not None and review.due_on == day:
            _close(review, org, at(day, 15))
            closed_on.append(day)
        day += timedelta(days=1)

    assert closed_on == [date(2027, 1, 15), date(2027, 4, 15), date(2027, 7, 15),
                         date(2027, 10, 15)]  # fmt: skip
    planned = _keys()
    expected = {}
    for review_day in [*closed_on, date(2028, 1, 15)]:
        for offset in (14, 3, 0):
            if review_day - timedelta(days=offset) < date(2027, 12, 20):
                expected[review_day - timedelta(days=offset)] = offset
    assert sorted(planned.values()) == sorted(expected)
    for key, planned_on in planned.items():
        assert key.endswith(f":before:{expected[planned_on]}"), key
    assert not [k for k in planned if "overdue" in k]
    # Each reminder once per head: 12 reminders → 12 notifications and e-mails each.
    assert len(_notes(org.head_b, "review_before")) == len(expected) == 12
    mails = db.session.scalars(
        select(OutboxEmail.idempotency_key).where(OutboxEmail.recipient == org.head_b.email)
    ).all()
    assert len(mails) == len(set(mails))


def test_overdue_review_is_chased_every_seven_days_then_admins(make_charter, org):
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(1, 1))
    charter.next_review_on = date(2027, 3, 1)
    db.session.commit()
    for n in range(0, 30):
        now = at(date(2027, 3, 1) + timedelta(days=n))
        jobs.mark_overdue(now)
        jobs.plan_reminders(now)
    overdue = {k: d for k, d in _keys().items() if ":overdue:" in k}
    assert sorted(overdue.values()) == [date(2027, 3, 2), date(2027, 3, 9), date(2027, 3, 16),
                                        date(2027, 3, 23), date(2027, 3, 30)]  # fmt: skip
    assert len(_notes(org.head_a, "review_overdue")) == 5
    assert len(_notes(org.admin, "review_overdue")) == 3  # from the third reminder on
    review = db.session.scalar(select(Review).where(Review.charter_id == charter.id))
    assert review.overdue_since == date(2027, 3, 2)
    assert "was due on" in render_text(_notes(org.head_a, "review_overdue")[0], "en")


def test_action_due_soon_then_overdue(make_charter, org):
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(1, 1))
    charter.next_review_on = date(2027, 9, 1)
    action = ActionItem(charter_id=charter.id, owner_department_id=org.stores.id,
                        title="Relabel the shelves", due_on=date(2027, 5, 10))  # fmt: skip
    db.session.add(action)
    db.session.commit()
    for n in range(0, 12):
        now = at(date(2027, 5, 1) + timedelta(days=n))
        jobs.mark_overdue(now)
        jobs.plan_reminders(now)
    keys = _keys()
    assert keys[f"action:{action.id}:due_soon"] == date(2027, 5, 7)
    assert keys[f"action:{action.id}:overdue:1"] == date(2027, 5, 11)
    assert [n.kind for n in _notes(org.head_b)] == ["action_due_soon", "action_overdue"]
    assert _notes(org.head_a) == []  # not the owner department
    assert _notes(org.head_b)[0].link == "/reviews/actions"
    assert action.overdue_since == date(2027, 5, 11)


def test_admin_offsets_change_the_reminders(make_charter, org):
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(1, 1))
    charter.next_review_on = date(2027, 6, 30)
    db.session.commit()
    ops.update_reminder_settings(org.admin, "30, 1", 3)
    db.session.commit()
    for n in range(0, 40):
        jobs.plan_reminders(at(date(2027, 5, 25) + timedelta(days=n)))
    before = sorted(d for k, d in _keys().items() if ":before:" in k)
    assert before == [date(2027, 5, 31), date(2027, 6, 29)]


def test_reminder_mentions_when_which_charter_and_links(make_charter, org):
    charter = make_charter("Logistique ⇄ Magasins", status=CharterStatus.ACTIVE,
                           commitments=(1, 1))  # fmt: skip
    charter.next_review_on = date(2027, 2, 17)
    db.session.commit()
    jobs.plan_reminders(at(date(2027, 2, 3)))
    review = ops.open_review(charter)
    note = _notes(org.head_a)[0]
    text = render_text(note, "en")
    assert "Logistique ⇄ Magasins" in text and "17 Feb 2027" in text
    assert note.link == f"/reviews/{review.id}"
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.recipient == org.head_a.email))
    assert f"http://127.0.0.1:5000/reviews/{review.id}" in mail.body
    assert "/preferences" in mail.body  # how to stop e-mails


def _plan_day_before(make_charter, org):
    org.head_b.locale = "fr"
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(1, 1))
    charter.next_review_on = date(2027, 2, 17)
    db.session.commit()
    ops.update_reminder_settings(org.admin, "1", 3)
    db.session.commit()
    jobs.plan_reminders(datetime(2027, 2, 16, 7, 0, tzinfo=UTC))
    db.session.commit()


def test_reminder_one_day_before_is_singular_in_inbox_and_email(make_charter, org):
    _plan_day_before(make_charter, org)
    notes = {n.user_id: n for n in db.session.scalars(select(Notification))}
    assert "(dans 1 jour)" in render_text(notes[org.head_b.id], "fr")
    assert "(in 1 day)" in render_text(notes[org.head_a.id], "en")
    mails = {m.recipient: m.body for m in db.session.scalars(select(OutboxEmail))}
    assert "(dans 1 jour)" in mails[org.head_b.email]
    assert "(in 1 day)" in mails[org.head_a.email]


def test_french_inbox_says_open_on_the_link_not_an_action_status(make_charter, org, login_as):
    _plan_day_before(make_charter, org)
    page = login_as(org.head_b).get("/inbox").get_data(as_text=True)
    assert ">Ouvrir</button>" in page
    assert "En cours" not in page


def test_opted_out_person_gets_inbox_but_no_email(make_charter, org):
    org.head_b.email_frequency = EmailFrequency.NEVER
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(1, 1))
    charter.next_review_on = date(2027, 2, 17)
    db.session.commit()
    jobs.plan_reminders(at(date(2027, 2, 14)))
    assert len(_notes(org.head_b)) == 1
    recipients = db.session.scalars(select(OutboxEmail.recipient)).all()
    assert recipients == [org.head_a.email]


def test_jobs_ignore_drafts_and_plan_each_active_charter_once(make_charter, org):
    make_charter("Draft", status=CharterStatus.DRAFT, commitments=(1, 1))
    active = make_charter("Active", status=CharterStatus.ACTIVE, commitments=(1, 1))
    now = at(date(2027, 1, 10))
    assert jobs.plan_reviews(now) == 1
    assert jobs.plan_reviews(now) == 0
    review = db.session.scalar(select(Review))
    assert review.charter_id == active.id and review.status == ReviewStatus.PLANNED
    assert review.due_on == date(2027, 4, 10) == active.next_review_on


def test_run_jobs_command_accepts_now(runner, make_charter, org):
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(1, 1))
    charter.next_review_on = date(2027, 2, 17)
    db.session.commit()
    result = runner.invoke(args=["run-jobs", "--now", "2027-02-14T08:00:00"])
    assert result.exit_code == 0, result.output
    assert "plan_reminders: 1" in result.output
    assert list(_keys()) == [f"review:{ops.open_review(charter).id}:2027-02-17:before:3"]
    again = runner.invoke(args=["run-jobs", "--now", "2027-02-14T20:00:00+00:00"])
    assert "plan_reminders: 0" in again.output
    bad = runner.invoke(args=["run-jobs", "--now", "yesterday"])
    assert bad.exit_code != 0


# ---------------------------------------------------------------- two processes on PostgreSQL


def test_two_scheduler_processes_send_each_reminder_once(postgres_only, database_url,
                                                         make_charter, org):  # fmt: skip
    charters = []
    for i in range(25):
        charter = make_charter(f"Charter {i}", status=CharterStatus.ACTIVE, commitments=(1, 1))
        charter.next_review_on = date(2027, 3, 1) + timedelta(days=i % 5)
        charters.append(charter)
    db.session.commit()
    env = {**os.environ, "DATABASE_URL": database_url, "MAIL_SERVER": "",
           "SCHEDULER_IN_PROCESS": "0"}  # fmt: skip
    flask = str(Path(sys.executable).with_name("flask"))
    cycles = ["2027-02-15T07:00", "2027-02-26T07:00", "2027-03-01T07:00", "2027-03-03T07:00",
              "2027-03-12T07:00"]  # fmt: skip
    for now in cycles:
        procs = [
            subprocess.Popen(
                [flask, "--app", "app", "run-jobs", "--now", now],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for _ in range(2)
        ]
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err[-2000:]
    db.session.expire_all()
    reviews = db.session.scalars(select(Review)).all()
    assert len(reviews) == 25  # one open review per charter, not two
    keys = db.session.scalars(select(Reminder.key)).all()
    assert len(keys) == len(set(keys)) > 25
    # Every reminder reached each head exactly once: as many notifications as reminder rows.
    per_user = Counter(
        db.session.scalars(select(Notification.user_id).where(Notification.kind != "x"))
    )
    assert per_user[org.head_a.id] == len(keys) == per_user[org.head_b.id]
    heads = (org.head_a.email, org.head_b.email)
    emails = Counter(db.session.scalars(select(OutboxEmail.recipient)))
    assert emails[heads[0]] + emails[heads[1]] == 2 * len(keys)
    # 1 March 2027 is the first working day of March: February's report reaches the
    # administrator once, though two processes ran that cycle.
    assert emails[org.admin.email] == 1
    assert sum(emails.values()) == 2 * len(keys) + 1


# ---------------------------------------------------------------- scheduler set-up


def test_job_list_has_stable_ids_and_grace():
    assert [j.id for j in JOBS] == [
        "mark_overdue",
        "expire_charters",
        "plan_reminders",
        "end_snoozes",
        "plan_expiry_reminders",
        "store_silo_index",
        "send_coalesced",
        "send_digests",
        "send_weekly_digests",
        "send_monthly_report",
        "deliver_outbox",
    ]
    assert all(j.misfire_grace_seconds >= 60 for j in JOBS)


def test_jobs_are_added_with_coalesce_and_one_instance(app):
    from apscheduler.schedulers.background import BackgroundScheduler

    from scheduler import add_jobs

    scheduler = BackgroundScheduler(timezone="UTC")
    add_jobs(scheduler, app)
    added = {job.id: job for job in scheduler.get_jobs()}
    assert set(added) == {j.id for j in JOBS}
    for job in added.values():
        assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time >= 60


FLASK = "/srv/.venv/bin/flask"


@pytest.mark.parametrize(
    ("config", "environ", "argv", "expected"),
    [
        ({}, {}, [FLASK, "run"], False),  # not asked
        ({"SCHEDULER_IN_PROCESS": True, "TESTING": True}, {}, [FLASK, "run"], False),
        # make run: the reloader's parent only watches files, its child serves and schedules
        ({"SCHEDULER_IN_PROCESS": True}, {}, [FLASK, "--app", "app", "run", "--reload"], False),
        (
            {"SCHEDULER_IN_PROCESS": True},
            {"WERKZEUG_RUN_MAIN": "true"},
            [FLASK, "--app", "app", "run", "--reload"],
            True,
        ),  # fmt: skip
        ({"SCHEDULER_IN_PROCESS": True}, {"FLASK_DEBUG": "1"}, [FLASK, "run"], False),
        (
            {"SCHEDULER_IN_PROCESS": True},
            {"FLASK_DEBUG": "1"},
            [FLASK, "run", "--no-reload"],
            True,
        ),  # fmt: skip
        ({"SCHEDULER_IN_PROCESS": True}, {}, [FLASK, "run", "--no-reload"], True),
        # other commands never start it, not even under make run's environment
        ({"SCHEDULER_IN_PROCESS": True}, {}, [FLASK, "--app", "app", "run-jobs"], False),
        ({"SCHEDULER_IN_PROCESS": True}, {}, [FLASK, "init-db"], False),
    ],
)
def test_in_process_scheduler_starts_in_one_process_only(config, environ, argv, expected):
    assert should_start_in_process(config, environ, argv) is expected


def test_tests_never_start_a_scheduler(app):
    assert "scheduler" not in app.extensions


def test_open_review_of_an_ended_charter_is_cancelled(make_charter, org):
    charter = make_charter(status=CharterStatus.ACTIVE, commitments=(1, 1))
    jobs.plan_reminders(at(date(2027, 1, 5)))
    review = ops.open_review(charter)
    charter.status = CharterStatus.ENDED
    db.session.commit()
    jobs.plan_reminders(at(date(2027, 1, 6)))
    db.session.refresh(review)
    assert review.status == ReviewStatus.CANCELLED
    assert ops.open_review(charter) is None


def test_demo_charters_come_with_their_review_history(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    from sla_contracts.models import Charter

    charter = db.session.scalar(
        select(Charter).where(Charter.title == "Logistique ⇄ Magasins : des rayons pleins")
    )
    held = db.session.scalars(
        select(Review)
        .where(Review.charter_id == charter.id, Review.status == ReviewStatus.CLOSED)
        .order_by(Review.held_at)
    ).all()
    assert [r.criterion_value for r in held] == [4.1, 3.2]
    assert all(r.assessments and r.decision for r in held)
    assert ops.open_review(charter).status == ReviewStatus.PLANNED
    # Past reviews do not flood anyone's mailbox.
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0
