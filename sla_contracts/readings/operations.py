"""Entering readings (issue 13, point 1): the charter's form, a CSV file and the API all land here.

A batch is all or nothing: every row is checked first (its commitment, its period against the
commitment's measurement frequency and today, its value, its note); any bad row → nothing is
written and ``ReadingsRejected`` names every bad row with its index, field and reason. A valid
batch writes in a few statements whatever its size: the existing readings of the batch's
periods are read in one query, new ones inserted in one, changed ones updated in one.
Entering a period again replaces its value and keeps the previous one in the history.

Who may enter: for a charter in force, the members of its two departments (both sides see the
same facts) and administrators; for the shared criterion, administrators and the heads of the
departments whose charters answer to it. Services flush and raise, the caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, insert, or_, select, update

from .. import periods
from ..audit.operations import record_event
from ..directory.queries import heads_of
from ..errors import CharterStateError, Forbidden, ValidationError
from ..extensions import db
from ..measures import outcome, parse_number
from ..models import (
    Charter,
    CharterStatus,
    Commitment,
    CriterionReading,
    CustomerCriterion,
    Membership,
    Reading,
    Review,
    ReviewStatus,
    Role,
    User,
    measured,
)
from ..notifications.operations import notify
from ..permissions import can_read
from ..timeutil import utcnow
from ..validation import clean_text

NOTE_MAX = 500
ROWS_MAX = 50_000


class ReadingsRejected(ValidationError):
    """At least one row of a batch is invalid: nothing was written. ``errors`` names them all."""

    def __init__(self, errors: list[RowError]):
        message = ngettext(
            "%(num)d row could not be read: nothing was saved.",
            "%(num)d rows could not be read: nothing was saved.",
            len(errors),
        )
        super().__init__(message, details={"errors": [e.as_dict() for e in errors]})
        self.errors = errors


@dataclass(frozen=True)
class RowError:
    index: int  # the row's place in the batch, from 0
    field: str  # commitment_id, period, value or note
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "message": self.message}


@dataclass
class Written:
    """What a batch did: readings created, replaced, and sent again unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    commitment_ids: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class _Row:
    subject_id: int
    period: periods.Period
    value: float
    note: str


def may_enter(user: User, charter: Charter) -> bool:
    """Members of either side and administrators enter a charter's readings, once in force."""
    return charter.status == CharterStatus.ACTIVE and can_read(user, charter)


def may_enter_criterion(user: User, criterion: CustomerCriterion) -> bool:
    """Administrators, and the heads of departments with a charter answering to the criterion."""
    if user.is_admin:
        return True
    heads = select(Membership.department_id).where(
        Membership.user_id == user.id, Membership.role == Role.HEAD
    )
    return (
        db.session.scalar(
            select(Charter.id)
            .where(
                Charter.criterion_id == criterion.id,
                or_(Charter.department_a_id.in_(heads), Charter.department_b_id.in_(heads)),
            )
            .limit(1)
        )
        is not None
    )


def _period_message(reason: str, kind: periods.PeriodKind) -> str:
    example = {"week": "2027-W03", "month": "2027-01", "quarter": "2027-Q1"}[kind.value]
    if reason == "future":
        return _("This period has not begun yet: only past and current periods can be entered.")
    if reason == "wrong_kind":
        return _(
            "This commitment is measured by %(kind)s: write the period like %(example)s.",
            kind=period_kind_label(kind),
            example=example,
        )
    return _("Write the period like %(example)s.", example=example)


def period_kind_label(kind: periods.PeriodKind) -> str:
    return {
        periods.PeriodKind.WEEK: _("week"),
        periods.PeriodKind.MONTH: _("month"),
        periods.PeriodKind.QUARTER: _("quarter"),
    }[kind]


def _check(
    rows: Sequence[Mapping[str, Any]],
    subjects: Mapping[int, periods.PeriodKind | None],
    subject_field: str,
    unknown_message: str,
    today: date,
) -> list[_Row]:
    """Read every row; raise ReadingsRejected naming each bad one."""
    if len(rows) > ROWS_MAX:
        raise ValidationError(
            _("At most %(count)s rows at once.", count=ROWS_MAX), field="readings"
        )
    checked: list[_Row] = []
    errors: list[RowError] = []
    seen: dict[tuple[int, str], int] = {}
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            errors.append(RowError(index, "readings", _("Each reading is an object.")))
            continue
        before = len(errors)
        subject_id = row.get(subject_field)
        kind = None
        if isinstance(subject_id, bool) or not isinstance(subject_id, int):
            errors.append(RowError(index, subject_field, unknown_message))
        elif subject_id not in subjects:
            errors.append(RowError(index, subject_field, unknown_message))
        elif subjects[subject_id] is None:
            errors.append(
                RowError(
                    index,
                    subject_field,
                    _("This commitment's target is not a number: it has no readings."),
                )
            )
        else:
            kind = subjects[subject_id]
        period = None
        if kind is not None:
            try:
                period = periods.parse(str(row.get("period") or ""), kind, today=today)
            except periods.PeriodError as error:
                errors.append(RowError(index, "period", _period_message(error.reason, kind)))
        raw = row.get("value")
        value = parse_number(raw) if not isinstance(raw, bool) else None
        if value is None:
            errors.append(RowError(index, "value", _("Enter the value as a number.")))
        try:
            note = clean_text(
                row.get("note"), field_name="note", required=False, max_length=NOTE_MAX
            )
        except ValidationError as error:
            errors.append(RowError(index, "note", error.message))
            note = ""
        if period is not None and len(errors) == before:
            key = (subject_id, period.key)
            if key in seen:
                errors.append(
                    RowError(
                        index,
                        "period",
                        _("This period is already given on row %(row)s.", row=seen[key] + 1),
                    )
                )
                continue
            seen[key] = index
            checked.append(_Row(subject_id, period, value, note))
    if errors:
        raise ReadingsRejected(errors)
    return checked


def _write(
    model: type[Reading] | type[CriterionReading],
    subject_column: str,
    rows: list[_Row],
    actor: User,
    now: datetime,
    extra: Mapping[int, Mapping[str, Any]] | None = None,
) -> Written:
    """Insert new periods, replace changed ones (keeping the previous value): three statements."""
    written = Written()
    if not rows:
        return written
    subject = getattr(model, subject_column)
    subject_ids = sorted({row.subject_id for row in rows})
    keys = sorted({row.period.key for row in rows})
    existing = {
        (found.subject, found.period): found
        for found in db.session.execute(
            select(
                subject.label("subject"),
                model.period,
                model.id,
                model.value,
                model.note,
                model.entered_by_id,
                model.entered_at,
                model.history,
            ).where(subject.in_(subject_ids), model.period.in_(keys))
        )
    }
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for row in rows:
        written.commitment_ids.add(row.subject_id)
        old = existing.get((row.subject_id, row.period.key))
        if old is None:
            inserts.append(
                {
                    subject_column: row.subject_id,
                    "period": row.period.key,
                    "period_start": row.period.start,
                    "value": row.value,
                    "note": row.note,
                    "entered_by_id": actor.id,
                    "entered_at": now,
                    "history": [],
                    **(extra or {}).get(row.subject_id, {}),
                }
            )
        elif old.value == row.value and old.note == row.note:
            written.unchanged += 1
        else:
            previous = {
                "value": old.value,
                "note": old.note,
                "entered_by_id": old.entered_by_id,
                "entered_at": old.entered_at.isoformat() if old.entered_at else None,
            }
            updates.append(
                {
                    "id": old.id,
                    "value": row.value,
                    "note": row.note,
                    "entered_by_id": actor.id,
                    "entered_at": now,
                    "history": [*(old.history or []), previous],
                }
            )
    if inserts:
        db.session.execute(insert(model), inserts)
    if updates:
        db.session.execute(update(model), updates)
    written.created, written.updated = len(inserts), len(updates)
    return written


def _checked_for(
    actor: User, charter: Charter, rows: Sequence[Mapping[str, Any]], now: datetime
) -> tuple[dict[int, periods.PeriodKind | None], list[_Row]]:
    if not can_read(actor, charter):
        raise Forbidden(_("Only the members of the charter's two departments enter its readings."))
    if charter.status != CharterStatus.ACTIVE:
        raise CharterStateError(_("Readings are entered once the charter is in force."))
    kinds = {
        c.id: periods.kind_of(c.measurement_frequency) if c.target_value is not None else None
        for c in db.session.scalars(select(Commitment).where(Commitment.charter_id == charter.id))
    }
    checked = _check(
        rows,
        kinds,
        "commitment_id",
        _("This commitment is not one of this charter's."),
        now.date(),
    )
    return kinds, checked


def check_readings(
    actor: User, charter: Charter, rows: Sequence[Mapping[str, Any]], *, now: datetime | None = None
) -> int:
    """The checks of ``enter_readings`` without writing (a CSV preview): the number of valid rows.

    Raises what ``enter_readings`` would raise (``ReadingsRejected`` naming every bad row).
    """
    return len(_checked_for(actor, charter, rows, now or utcnow())[1])


def enter_readings(
    actor: User, charter: Charter, rows: Sequence[Mapping[str, Any]], *, now: datetime | None = None
) -> Written:
    """Enter a batch of a charter's readings: ``[{"commitment_id", "period", "value", "note"}]``."""
    now = now or utcnow()
    kinds, checked = _checked_for(actor, charter, rows, now)
    extra = {c: {"charter_id": charter.id} for c in kinds}
    written = _write(Reading, "commitment_id", checked, actor, now, extra)
    if written.created or written.updated:
        warn_on_streaks(charter, written.commitment_ids, now)
        record_event(
            "readings_entered",
            actor=actor,
            object_type="charter",
            object_id=charter.id,
            charter_id=charter.id,
            data={"created": written.created, "updated": written.updated},
            now=now,
        )
    return written


def warn_on_streaks(charter: Charter, commitment_ids: set[int], now: datetime) -> None:
    """Tell both heads of a commitment missed two periods in a row: once per streak.

    The notification's key names the streak's first missed period, so later readings of the
    same streak (or the same batch entered again) tell nobody twice; a reading back on target
    ends the streak, and the next one is told again.
    """
    db.session.flush()
    found = measured.charter_measure(charter.id).measures
    titles = {c.id: c.title for c in charter.commitments}
    heads: list[User] | None = None
    for commitment_id in sorted(commitment_ids):
        measure = found.get(commitment_id)
        if measure is None or not measure.warning or measure.streak >= measured.STREAK_WINDOW:
            continue
        heads = heads if heads is not None else heads_of(charter.department_ids)
        notify(
            "readings_missed_in_a_row",
            recipients=heads,
            key=f"missed_in_a_row:{commitment_id}:{measure.streak_start}",
            link=f"/charters/{charter.id}#measures",
            params={
                "title": charter.title,
                "commitment": titles.get(commitment_id, ""),
                "count": measure.streak,
                "since": measure.streak_start,
            },
            obj=("charter", charter.id),
            now=now,
        )


def enter_criterion_readings(
    actor: User,
    criterion: CustomerCriterion,
    rows: Sequence[Mapping[str, Any]],
    *,
    now: datetime | None = None,
) -> Written:
    """Enter the criterion's company-wide values: ``[{"period", "value", "note"}]`` by month."""
    now = now or utcnow()
    if not may_enter_criterion(actor, criterion):
        raise Forbidden(
            _("Administrators and the heads of departments answering to it enter its values.")
        )
    rows = [
        {**row, "criterion_id": criterion.id} if isinstance(row, Mapping) else row for row in rows
    ]
    checked = _check(
        rows,
        {criterion.id: periods.PeriodKind.MONTH},
        "criterion_id",
        _("This criterion is not the one of this page."),
        now.date(),
    )
    written = _write(CriterionReading, "criterion_id", checked, actor, now)
    if written.created or written.updated:
        record_event(
            "criterion_readings_entered",
            actor=actor,
            object_type="criterion",
            object_id=criterion.id,
            data={"created": written.created, "updated": written.updated},
            now=now,
        )
    return written


def readings_of(
    charter: Charter,
    *,
    commitment_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[Reading]:
    """A charter's readings, by commitment then period (optionally one commitment, a date range)."""
    query = select(Reading).where(Reading.charter_id == charter.id)
    if commitment_id is not None:
        query = query.where(Reading.commitment_id == commitment_id)
    if start is not None:
        query = query.where(Reading.period_start >= start)
    if end is not None:
        query = query.where(Reading.period_start <= end)
    return list(db.session.scalars(query.order_by(Reading.commitment_id, Reading.period_start)))


def criterion_readings_of(
    criterion: CustomerCriterion, *, start: date | None = None, end: date | None = None
) -> list[CriterionReading]:
    """The criterion's values by period."""
    query = select(CriterionReading).where(CriterionReading.criterion_id == criterion.id)
    if start is not None:
        query = query.where(CriterionReading.period_start >= start)
    if end is not None:
        query = query.where(CriterionReading.period_start <= end)
    return list(db.session.scalars(query.order_by(CriterionReading.period_start)))


@dataclass(frozen=True)
class PeriodUnderReview:
    """What the readings say for a review: since the previous review was held, until today."""

    since: date | None  # the day the previous review was held; None: the first review
    until: date  # date.max: up to the latest reading
    # Each measured commitment's latest reading of the period, compared with its target.
    latest: dict[int, measured.Point]
    # The criterion's company-wide values of the period, oldest first.
    criterion: list[CriterionReading]


def period_under_review(review: Review, today: date | None = None) -> PeriodUnderReview:
    """The readings of the period a review looks at, in three statements.

    From the day the previous review was held (its readings of periods begun since) to
    ``today`` (no bound when None: no reading is of a future period), or to the day this
    review was held once it is.
    """
    charter = review.charter
    earlier = select(func.max(Review.held_at)).where(
        Review.charter_id == charter.id,
        Review.status == ReviewStatus.CLOSED,
        Review.id != review.id,
    )
    if review.held_at is not None:  # a closed review looks at what came before it
        earlier = earlier.where(Review.held_at < review.held_at)
        today = min(today or date.max, review.held_at.date())
    held = db.session.scalar(earlier)
    today = today or date.max
    since = held.date() if held is not None else None
    query = select(Reading).where(Reading.charter_id == charter.id, Reading.period_start <= today)
    if since is not None:
        query = query.where(Reading.period_start >= since)
    last: dict[int, Reading] = {}
    for reading in db.session.scalars(query.order_by(Reading.period_start)):
        last[reading.commitment_id] = reading
    latest: dict[int, measured.Point] = {}
    for commitment in charter.commitments:
        reading = last.get(commitment.id)
        if reading is None or commitment.target_value is None:
            continue
        latest[commitment.id] = measured.Point(
            reading.period,
            reading.period_start,
            reading.value,
            outcome(
                reading.value,
                commitment.target_value,
                commitment.target_direction,
                commitment.tolerance,
            ),
        )
    values = [
        r for r in criterion_readings_of(charter.criterion, start=since) if r.period_start <= today
    ]
    return PeriodUnderReview(since, today, latest, values)
