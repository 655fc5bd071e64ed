"""The end of a charter's term: the heads are told before it, and it expires after it.

``valid_until`` is the last day in force: a charter valid until 15 March is in force all
that day, and expires on 16 March (the first day out), when ``expire_charters`` runs.

- ``plan_expiry_reminders(now)`` tells both sides' heads 30, 15 and 7 days before the end
  (inbox and e-mail, message ``charter_expiring``), each once: the key
  ``charter:<id>:expires:<valid_until>:<offset>`` is inserted in ``reminders`` with
  ``ON CONFLICT DO NOTHING RETURNING``, so two schedulers (or a re-run) tell nobody twice. A
  run that missed a day catches up with the nearest offset only (10 days left: the 15-day
  one), never the earlier ones too.
- ``expire_charters(now)`` expires every charter in force whose end has passed: status
  ``expired`` (no longer in force; its versions, reviews and audit trail kept), audit event
  ``expired``, open review cancelled (``CHARTER_EXPIRED`` → ``reviews``), both sides' heads
  told. A renewal (or an amendment) open at the end stays open, as a renewal: the charter
  reads ``expired`` until it is signed, and signing it puts the charter in force again
  for a new term from the signature day. Each charter is expired in its own transaction
  under its row lock, re-checked, so two schedulers expire it once.

Both are jobs of ``jobs.JOBS``; they commit their own work.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import exists, select

from .. import events, notifications
from ..audit.operations import record_event
from ..charters.operations import lock_charter
from ..extensions import db
from ..models import (
    Charter,
    CharterStatus,
    CharterVersion,
    Membership,
    Reminder,
    Role,
    User,
    version_in_force,
)
from ..timeutil import utcnow
from .notices import _charter_link, heads
from .renewal import days_left

log = logging.getLogger(__name__)

# Days before the last day in force when both heads are told.
EXPIRY_OFFSETS = (30, 15, 7)
# The statuses a charter in force may have: active, or an amendment / renewal being written.
IN_FORCE_STATUSES = (CharterStatus.ACTIVE, CharterStatus.DRAFT, CharterStatus.AWAITING_SIGNATURES)


def _in_force():
    """SQL: the charter has a signed version in force and has not expired."""
    return (
        Charter.status.in_(IN_FORCE_STATUSES),
        Charter.expired_at.is_(None),
        Charter.valid_until.is_not(None),
        exists().where(
            CharterVersion.charter_id == Charter.id,
            CharterVersion.activated_at.is_not(None),
            CharterVersion.superseded_at.is_(None),
        ),
    )


def ending_soon(charter: Charter, today: date | None = None) -> int | None:
    """Days left (0 on the last day) for a charter in force whose end is within the reminders'
    window (``max(EXPIRY_OFFSETS)`` days), else None: the charter page says it beside the end."""
    if charter.expired_at is not None or charter.status not in IN_FORCE_STATUSES:
        return None
    left = days_left(charter, today or utcnow().date())
    return left if left is not None and 0 <= left <= max(EXPIRY_OFFSETS) else None


def expiry_key(charter_id: int, valid_until: date, offset: int) -> str:
    return f"charter:{charter_id}:expires:{valid_until.isoformat()}:{offset}"


def _offset(remaining: int) -> int | None:
    candidates = [o for o in EXPIRY_OFFSETS if o >= remaining]
    return min(candidates) if candidates else None


def _insert_new(rows: list[dict]) -> set[str]:
    """Insert reminder keys; return those this call inserted (a concurrent one inserts none)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(Reminder.__table__).on_conflict_do_nothing()
    result = db.session.connection().execute(statement.returning(Reminder.__table__.c.key), rows)
    return set(result.scalars().all())


def _heads_by_department(department_ids: set[int]) -> dict[int, list[User]]:
    found: dict[int, list[User]] = defaultdict(list)
    for membership, user in db.session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.department_id.in_(department_ids),
            Membership.role == Role.HEAD,
            User.archived_at.is_(None),
        )
    ):
        found[membership.department_id].append(user)
    return found


def plan_expiry_reminders(now: datetime) -> int:
    """Tell both heads 30, 15 and 7 days before a charter's end, once each; return how many."""
    today = now.date()
    horizon = today + timedelta(days=max(EXPIRY_OFFSETS))
    charters = db.session.scalars(
        select(Charter).where(*_in_force(), Charter.valid_until.between(today, horizon))
    ).all()
    due = []
    for charter in charters:
        offset = _offset(days_left(charter, today))
        if offset is not None:
            due.append((charter, offset, expiry_key(charter.id, charter.valid_until, offset)))
    if not due:
        return 0
    mine = _insert_new(
        [
            {"key": key, "kind": "charter_expiring", "charter_id": c.id, "planned_at": now}
            for c, _offset_days, key in due
        ]
    )
    ours = [(c, key) for c, _offset_days, key in due if key in mine]
    if ours:
        by_department = _heads_by_department({d for c, _key in ours for d in c.department_ids})
        notices = []
        for charter, key in ours:
            people = {u.id: u for d in charter.department_ids for u in by_department[d]}
            notices.append(
                notifications.Notice(
                    "charter_expiring",
                    list(people.values()),
                    key,
                    _charter_link(charter),
                    {
                        "title": charter.title,
                        "day": charter.valid_until,
                        "days": days_left(charter, today),
                    },
                    obj=("charter", charter.id),
                )
            )
        notifications.notify_many(notices, now=now)
    db.session.commit()
    return len(ours)


def expire_charter(charter: Charter, now: datetime) -> bool:
    """Expire one charter past its end (under its row lock); False if nothing was to do."""
    charter = lock_charter(charter)
    today = now.date()
    if (
        charter.status not in IN_FORCE_STATUSES
        or charter.expired_at is not None
        or charter.valid_until is None
        or charter.valid_until >= today
    ):
        return False
    in_force = version_in_force(charter)
    if in_force is None:
        return False
    if charter.status == CharterStatus.ACTIVE:
        charter.transition(CharterStatus.EXPIRED)
    else:
        # The amendment or renewal open at the end stays open, as the renewal.
        charter.renewal_of = charter.renewal_of or in_force.number
    charter.expired_at = now
    charter.next_review_on = None
    charter.updated_at = now
    record_event(
        "expired",
        actor=None,
        object_type="charter",
        object_id=charter.id,
        charter_id=charter.id,
        data={
            "version": in_force.number,
            "valid_until": charter.valid_until.isoformat(),
            "renewal_open": charter.status != CharterStatus.EXPIRED,
        },
        now=now,
    )
    notifications.notify(
        "charter_expired",
        recipients=heads(charter),
        key=f"charter:{charter.id}:expired:{charter.valid_until.isoformat()}",
        link=_charter_link(charter),
        params={
            "title": charter.title,
            "day": charter.valid_until,
            "renewal_open": charter.status != CharterStatus.EXPIRED,
        },
        obj=("charter", charter.id),
        now=now,
    )
    db.session.flush()
    events.publish(events.CHARTER_EXPIRED, charter=charter, actor=None, now=now)
    return True


def expire_charters(now: datetime) -> int:
    """Expire every charter in force past its last day (each in its own transaction)."""
    today = now.date()
    ids = db.session.scalars(
        select(Charter.id).where(*_in_force(), Charter.valid_until < today).order_by(Charter.id)
    ).all()
    db.session.commit()
    expired = 0
    for charter_id in ids:
        charter = db.session.get(Charter, charter_id)
        try:
            if charter is not None and expire_charter(charter, now):
                expired += 1
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("charter %s could not be expired; the next run tries again", charter_id)
    return expired
