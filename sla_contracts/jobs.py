"""The scheduler's jobs: plain functions of ``now``, safe to re-run and to run in two processes.

Each job commits its own work in small transactions. What was done is remembered by the
database (a unique reminder key, a claimed outbox row), never in memory.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import selectinload

from . import notifications
from .company.report_mail import send_monthly_report
from .directory import silos
from .extensions import db, dialect_insert
from .models import (
    OPEN_REVIEW_STATUSES,
    REVIEW_TRANSITIONS,
    ActionItem,
    ActionStatus,
    Charter,
    CharterStatus,
    Membership,
    Reminder,
    Review,
    ReviewAttendee,
    ReviewStatus,
    Role,
    User,
)
from .reviews.operations import reminder_settings
from .signing import expiry
from .timeutil import add_months

log = logging.getLogger(__name__)

CHUNK = 500


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert_ignoring_duplicates(table, rows: list[dict], returning):
    """INSERT … ON CONFLICT DO NOTHING RETURNING ``returning`` (PostgreSQL and SQLite)."""
    statement = dialect_insert(table)
    if db.session.get_bind().dialect.name in ("postgresql", "sqlite"):
        statement = statement.on_conflict_do_nothing()
    # executemany with RETURNING: SQLAlchemy batches it into multi-row INSERTs
    # ("insertmanyvalues") from one cached compiled statement.
    connection = db.session.connection()
    return connection.execute(statement.returning(returning), rows).scalars().all()


# ---------------------------------------------------------------- planning reviews


def plan_reviews(now: datetime) -> int:
    """Give every active charter without an open review a planned one; return how many.

    Open reviews of charters that have ended are cancelled (nothing is left to review). Ending
    a charter already cancels its review in the same transaction; this bulk pass only repairs
    older data, in one statement, and makes no move the review transition table forbids.
    """
    assert all(ReviewStatus.CANCELLED in REVIEW_TRANSITIONS[s] for s in OPEN_REVIEW_STATUSES)
    today = now.date()
    db.session.execute(
        update(Review)
        .where(
            Review.status.in_(OPEN_REVIEW_STATUSES),
            Review.charter_id.in_(select(Charter.id).where(Charter.status == CharterStatus.ENDED)),
        )
        .values(status=ReviewStatus.CANCELLED, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    missing = db.session.execute(
        select(Charter.id, Charter.next_review_on, Charter.review_cadence_months).where(
            Charter.status == CharterStatus.ACTIVE,
            ~exists().where(
                Review.charter_id == Charter.id, Review.status.in_(OPEN_REVIEW_STATUSES)
            ),
        )
    ).all()
    created = 0
    for chunk in _chunks(missing, 2000):
        rows = []
        dates = []
        for charter_id, next_on, cadence in chunk:
            due = next_on or add_months(today, cadence)
            if next_on is None:
                dates.append({"id": charter_id, "next_review_on": due})
            rows.append(
                {
                    "charter_id": charter_id,
                    "due_on": due,
                    "status": ReviewStatus.PLANNED.value,
                    "duration_minutes": 60,
                    "location": "",
                    "video_link": "",
                    "irritants": "",
                    "minutes": "",
                    "ics_sequence": 0,
                    "lock_version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        if dates:
            db.session.execute(update(Charter), dates)
        # The partial unique index (one open review per charter) makes a concurrent run a no-op.
        created += len(_insert_ignoring_duplicates(Review.__table__, rows, Review.__table__.c.id))
        db.session.commit()
    return created


# ---------------------------------------------------------------- reminders


@dataclass(frozen=True)
class Due:
    key: str
    kind: str
    charter_id: int
    review_id: int | None = None
    action_id: int | None = None
    day: date | None = None
    offset: int = 0
    overdue_round: int = 0


def _round(days_over: int, every: int) -> int:
    return (days_over - 1) // every + 1


def due_reminders(now: datetime) -> list[Due]:
    """Every reminder that should exist today (whether already planned or not)."""
    settings = reminder_settings()
    offsets = settings.offsets or [0]
    every = settings.overdue_every_days or 7
    today = now.date()
    horizon = today + timedelta(days=max(offsets))
    horizon_dt = datetime.combine(horizon + timedelta(days=1), time(), tzinfo=UTC)
    found: list[Due] = []

    reviews = db.session.execute(
        select(Review.id, Review.charter_id, Review.due_on, Review.scheduled_at)
        .join(Charter, Charter.id == Review.charter_id)
        .where(
            Charter.status == CharterStatus.ACTIVE,
            Review.status.in_(OPEN_REVIEW_STATUSES),
            or_(
                and_(Review.scheduled_at.is_(None), Review.due_on <= horizon),
                Review.scheduled_at < horizon_dt,
            ),
        )
    ).all()
    for review_id, charter_id, due_on, scheduled_at in reviews:
        day = scheduled_at.date() if scheduled_at is not None else due_on
        if day >= today:
            remaining = (day - today).days
            candidates = [o for o in offsets if o >= remaining]
            if not candidates:
                continue
            offset = min(candidates)
            found.append(
                Due(
                    f"review:{review_id}:{day.isoformat()}:before:{offset}",
                    "review_before",
                    charter_id,
                    review_id=review_id,
                    day=day,
                    offset=offset,
                )
            )
        else:
            n = _round((today - day).days, every)
            found.append(
                Due(
                    f"review:{review_id}:overdue:{n}",
                    "review_overdue",
                    charter_id,
                    review_id=review_id,
                    day=day,
                    overdue_round=n,
                )
            )

    soon = today + timedelta(days=settings.action_due_soon_days)
    actions = db.session.execute(
        select(ActionItem.id, ActionItem.charter_id, ActionItem.due_on)
        .join(Charter, Charter.id == ActionItem.charter_id)
        .where(
            ActionItem.status == ActionStatus.OPEN,
            ActionItem.due_on <= soon,
            # Ended or expired: no longer in force, its actions are not chased.
            Charter.status.not_in((CharterStatus.ENDED, CharterStatus.EXPIRED)),
        )
    ).all()
    for action_id, charter_id, due_on in actions:
        if due_on >= today:
            found.append(
                Due(f"action:{action_id}:due_soon", "action_due_soon", charter_id,
                    action_id=action_id, day=due_on)
            )  # fmt: skip
        else:
            n = _round((today - due_on).days, every)
            found.append(
                Due(f"action:{action_id}:overdue:{n}", "action_overdue", charter_id,
                    action_id=action_id, day=due_on, overdue_round=n)
            )  # fmt: skip
    return found


def _new_only(candidates: list[Due]) -> list[Due]:
    """Drop the reminders already planned (one query per chunk of keys)."""
    fresh: list[Due] = []
    for chunk in _chunks(candidates):
        known = set(
            db.session.scalars(select(Reminder.key).where(Reminder.key.in_([d.key for d in chunk])))
        )
        fresh.extend(d for d in chunk if d.key not in known)
    return fresh


class _Directory:
    """Recipients for one chunk of reminders, loaded in a fixed number of queries."""

    def __init__(self, chunk: list[Due]):
        charter_ids = {d.charter_id for d in chunk}
        self.charters = {
            c.id: c for c in db.session.scalars(select(Charter).where(Charter.id.in_(charter_ids)))
        }
        department_ids = {d for c in self.charters.values() for d in c.department_ids}
        self.heads: dict[int, list[User]] = defaultdict(list)
        for membership, user in db.session.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.department_id.in_(department_ids),
                Membership.role == Role.HEAD,
                User.archived_at.is_(None),
            )
        ):
            self.heads[membership.department_id].append(user)
        review_ids = {d.review_id for d in chunk if d.review_id}
        self.attendees: dict[int, list[User]] = defaultdict(list)
        for review_id, user in db.session.execute(
            select(ReviewAttendee.review_id, User)
            .join(User, User.id == ReviewAttendee.user_id)
            .where(ReviewAttendee.review_id.in_(review_ids), User.archived_at.is_(None))
        ):
            self.attendees[review_id].append(user)
        action_ids = {d.action_id for d in chunk if d.action_id}
        self.actions = {
            a.id: a
            for a in db.session.scalars(
                select(ActionItem)
                .where(ActionItem.id.in_(action_ids))
                .options(selectinload(ActionItem.owner))
            )
        }
        self.admins = list(
            db.session.scalars(
                select(User).where(User.is_admin.is_(True), User.archived_at.is_(None))
            )
        )

    def recipients(self, due: Due) -> list[User]:
        people: dict[int, User] = {}
        charter = self.charters[due.charter_id]
        if due.action_id:
            action = self.actions[due.action_id]
            if action.owner is not None and action.owner.archived_at is None:
                return [action.owner]  # the person who owns it; heads see it on their home page
            departments: Iterable[int] = [action.owner_department_id]
        else:
            departments = charter.department_ids
        for department_id in departments:
            for user in self.heads[department_id]:
                people.setdefault(user.id, user)
        if due.review_id:
            for user in self.attendees[due.review_id]:
                people.setdefault(user.id, user)
        # Chasing escalates: after the second overdue reminder the administrators hear too.
        if due.kind == "review_overdue" and due.overdue_round >= 3:
            for user in self.admins:
                people.setdefault(user.id, user)
        return list(people.values())


def _notice(due: Due, directory: _Directory, today: date) -> notifications.Notice:
    """What one reminder tells its recipients (the text is written when read or mailed)."""
    title = directory.charters[due.charter_id].title
    params: dict[str, object] = {"title": title, "day": due.day}
    if due.review_id:
        link, obj = f"/reviews/{due.review_id}", ("review", due.review_id)
        if due.kind == "review_before":
            params["days"] = (due.day - today).days
    else:
        link, obj = "/reviews/actions", ("action", due.action_id)
        params["action"] = directory.actions[due.action_id].title
    return notifications.Notice(due.kind, directory.recipients(due), due.key, link, params, obj=obj)


def plan_reminders(now: datetime) -> int:
    """Plan today's reminders once each (unique key); notify and queue e-mails; return how many."""
    plan_reviews(now)
    candidates = _new_only(due_reminders(now))
    today = now.date()
    planned = 0
    for chunk in _chunks(candidates, 200):
        rows = [
            {"key": d.key, "kind": d.kind, "charter_id": d.charter_id, "planned_at": now}
            for d in chunk
        ]
        # Whoever inserts the key sends the reminder; a concurrent planner inserts nothing.
        mine = set(_insert_ignoring_duplicates(Reminder.__table__, rows, Reminder.__table__.c.key))
        if mine:
            ours = [d for d in chunk if d.key in mine]
            directory = _Directory(ours)
            # One INSERT per table for the whole chunk; each e-mail text once per language.
            notifications.notify_many([_notice(d, directory, today) for d in ours], now=now)
            planned += len(ours)
        db.session.commit()
    return planned


# ---------------------------------------------------------------- overdue marks


def mark_overdue(now: datetime) -> tuple[int, int]:
    """Flag reviews and actions past their date (idempotent); return how many were flagged."""
    today = now.date()
    start_of_today = datetime.combine(today, time(), tzinfo=UTC)
    reviews = db.session.execute(
        update(Review)
        .where(
            Review.status.in_(OPEN_REVIEW_STATUSES),
            Review.overdue_since.is_(None),
            or_(
                and_(Review.scheduled_at.is_(None), Review.due_on < today),
                Review.scheduled_at < start_of_today,
            ),
        )
        .values(overdue_since=today)
        .execution_options(synchronize_session=False)
    ).rowcount
    actions = db.session.execute(
        update(ActionItem)
        .where(
            ActionItem.status == ActionStatus.OPEN,
            ActionItem.overdue_since.is_(None),
            ActionItem.due_on < today,
        )
        .values(overdue_since=today)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return reviews, actions


def store_silo_index(now: datetime) -> int:
    """Store this month's silo index, company and departments (one row each per month)."""
    written = silos.store_silo_index(now)
    db.session.commit()
    return written


def send_coalesced(now: datetime) -> int:
    """Queue each person's coalesced e-mail of a charter's activity that is due; return how many."""
    return notifications.send_coalesced(now)


def send_digests(now: datetime) -> int:
    """Queue today's daily digests (once a day per person); return how many."""
    return notifications.send_digests(now)


def expire_charters(now: datetime) -> int:
    """Expire the charters past their last day in force; return how many (``signing.expiry``)."""
    return expiry.expire_charters(now)


def plan_expiry_reminders(now: datetime) -> int:
    """Tell both heads 30, 15 and 7 days before a charter's end; return how many reminders."""
    return expiry.plan_expiry_reminders(now)


def send_weekly_digests(now: datetime) -> int:
    """Queue the weekly digests on Monday morning (once a week per person); return how many."""
    return notifications.send_weekly_digests(now)


def end_snoozes(now: datetime) -> tuple[int, int]:
    """Bring back the reminders whose snooze ended; escalate those put off past their day."""
    return notifications.end_snoozes(now)


def deliver_outbox(now: datetime) -> int:
    """Send the due e-mails of the outbox; return how many were sent."""
    return notifications.deliver_outbox(now)


@dataclass(frozen=True)
class Job:
    """One scheduled job: a stable id, a function of ``now`` and how often it runs."""

    id: str
    func: Callable[[datetime], object]
    minutes: float
    # A run missed by less than this (busy machine, restart) still happens; beyond, it is
    # skipped and coalesced into the next one. APScheduler's default of 1 s skips silently.
    misfire_grace_seconds: int
    # What a run did, for people (``run-jobs`` prints it, the scheduler logs it).
    describe: Callable[[object], str] = str


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _counted(one: str, many: str, done: str) -> Callable[[object], str]:
    return lambda count: f"{_plural(count, one, many)} {done}"  # type: ignore[arg-type]


def _snooze_report(result: object) -> str:
    back, escalated = result  # type: ignore[misc]
    return (
        f"{_plural(back, 'snoozed reminder', 'snoozed reminders')} back, "
        f"{_plural(escalated, 'reminder', 'reminders')} escalated"
    )


def _overdue_report(result: object) -> str:
    reviews, actions = result  # type: ignore[misc]
    return (
        f"{_plural(reviews, 'review', 'reviews')} and "
        f"{_plural(actions, 'action item', 'action items')} newly overdue"
    )


# The one list: the scheduler runs each at its interval, ``run-jobs`` runs them all once in
# this order (flag what is overdue, plan today's reminders, write the combined e-mails, then
# deliver what they queued).
JOBS: tuple[Job, ...] = (
    Job("mark_overdue", mark_overdue, 60, 3600, _overdue_report),
    Job("expire_charters", expire_charters, 60, 3600, _counted("charter", "charters", "expired")),
    Job("plan_reminders", plan_reminders, 15, 900, _counted("reminder", "reminders", "planned")),
    Job("end_snoozes", end_snoozes, 15, 900, _snooze_report),
    Job(
        "plan_expiry_reminders",
        plan_expiry_reminders,
        60,
        3600,
        _counted("end-of-term reminder", "end-of-term reminders", "planned"),
    ),
    Job(
        "store_silo_index",
        store_silo_index,
        60,
        3600,
        _counted("silo index row", "silo index rows", "stored"),
    ),
    Job(
        "send_coalesced",
        send_coalesced,
        1,
        60,
        _counted("coalesced e-mail", "coalesced e-mails", "queued"),
    ),
    Job("send_digests", send_digests, 15, 900, _counted("digest", "digests", "queued")),
    Job(
        "send_weekly_digests",
        send_weekly_digests,
        15,
        900,
        _counted("weekly digest", "weekly digests", "queued"),
    ),
    Job(
        "send_monthly_report",
        send_monthly_report,
        60,
        3600,
        _counted("report reader", "report readers", "told"),
    ),
    Job("deliver_outbox", deliver_outbox, 1, 60, _counted("e-mail", "e-mails", "sent")),
)


def run_all(now: datetime) -> dict[str, str]:
    """Run every job of ``JOBS`` once, in order; return what each did, by id."""
    return {job.id: job.describe(job.func(now)) for job in JOBS}
