"""The monthly report for leadership (issue 14, point 3): plain values for one month.

What moved in month M (UTC): charters in force at the end of M, signed (a version activated),
renewed (audit kind ``renewed``), ended (``ended``) and expired (``expired``) in M; reviews held
(closed) in M and late (due before the end of M, not closed by then, not cancelled); per
end-customer criterion the share of commitments met on the readings of periods begun before
the end of M (``models.measured.latest_outcomes``) and the criterion's monthly values; the
pairs with the largest satisfaction gap at their last review closed by the end of M; the
irritants quoted most in M (reviews' and the survey's); the misses of the reviews held in M
by cause (``company.figures.misses_by_cause``).

A constant number of statements whatever the company's size (``STATEMENTS``, tests count
them): counts are aggregates in SQL, lists are bounded (``limit``; None for the CSV export,
which lists every row). The values are plain (text, numbers, ISO dates): the page, the PDF,
the CSV and the API read the same dictionary, and the stored PDF's key hashes it.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, case, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from ..errors import Forbidden
from ..extensions import db
from ..formats import collate
from ..models import (
    AuditEvent,
    Charter,
    CharterVersion,
    CriterionReading,
    CustomerCriterion,
    Department,
    Review,
    ReviewStatus,
    SatisfactionAnswer,
    named_b_first,
)
from ..models.measured import latest_outcomes
from ..timeutil import add_months
from .figures import misses_by_cause

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# Audit kinds of a charter's life counted by the report. ``renewed`` and ``expired`` are
# recorded by the charter's validity and renewal (issue 14, point 4).
RENEWED = "renewed"
ENDED = "ended"
EXPIRED = "expired"
CLOSING_KINDS = (ENDED, EXPIRED)
LIST_LIMIT = 20
GAPS_LIMIT = 5
IRRITANTS_LIMIT = 10
IRRITANTS_READ = 2000  # the month's irritants read at most (latest first), to count repeats
TREND_MONTHS = 12
# Statements report_values makes at most, whatever the size (tests check it).
STATEMENTS = 10


class MonthInvalid(ValueError):
    """Not a month written ``YYYY-MM``."""


def parse_month(text: str) -> date:
    """The first day of the month written ``YYYY-MM`` (MonthInvalid otherwise)."""
    found = MONTH_RE.match(str(text or ""))
    if not found or int(found.group(1)) < 2000:
        raise MonthInvalid(text)
    return date(int(found.group(1)), int(found.group(2)), 1)


def month_key(first: date) -> str:
    return f"{first.year:04d}-{first.month:02d}"


def is_future(first: date, today: date) -> bool:
    """Whether the month has not begun on ``today`` (its report cannot exist yet)."""
    return first > today.replace(day=1)


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _pair_names():
    a, b = aliased(Department), aliased(Department)
    return a, b


def _charter_row(title: str, name_a: str, name_b: str) -> tuple[str, str]:
    """The charter's two departments in its one order (the order its title names them)."""
    return (name_b, name_a) if named_b_first(title or "", name_a, name_b) else (name_a, name_b)


def _in_force_at(end: datetime):
    """Charters with a version activated before ``end``, not ended before it, and not expired
    since their last version came into force (a renewal signed after the end revives one)."""
    last_activation = (
        select(func.max(CharterVersion.activated_at))
        .where(CharterVersion.charter_id == Charter.id, CharterVersion.activated_at < end)
        .scalar_subquery()
    )
    return and_(
        last_activation.is_not(None),
        or_(Charter.ended_at.is_(None), Charter.ended_at >= end),
        ~exists().where(
            AuditEvent.charter_id == Charter.id,
            AuditEvent.action.in_(CLOSING_KINDS),
            AuditEvent.occurred_at < end,
            AuditEvent.occurred_at >= last_activation,
        ),
    )


def _charter_events(start: datetime, end: datetime, limit: int | None) -> tuple[dict, list]:
    """Counts and rows of the charters signed, renewed, ended or expired in the month."""
    signed = select(
        literal("signed").label("kind"),
        CharterVersion.charter_id.label("charter_id"),
        CharterVersion.activated_at.label("at"),
    ).where(CharterVersion.activated_at >= start, CharterVersion.activated_at < end)
    audited = select(
        AuditEvent.action.label("kind"),
        AuditEvent.charter_id.label("charter_id"),
        AuditEvent.occurred_at.label("at"),
    ).where(
        AuditEvent.action.in_((RENEWED, *CLOSING_KINDS)),
        AuditEvent.charter_id.is_not(None),
        AuditEvent.occurred_at >= start,
        AuditEvent.occurred_at < end,
    )
    events = union_all(signed, audited).subquery()
    a, b = _pair_names()
    rank = func.row_number().over(partition_by=events.c.kind, order_by=events.c.at).label("rank")
    ranked = (
        select(
            events.c.kind,
            events.c.charter_id,
            events.c.at,
            Charter.title,
            a.name.label("name_a"),
            b.name.label("name_b"),
            rank,
            func.count().over(partition_by=events.c.kind).label("total"),
        )
        .join(Charter, Charter.id == events.c.charter_id)
        .join(a, a.id == Charter.department_a_id)
        .join(b, b.id == Charter.department_b_id)
        .subquery()
    )
    query = select(ranked).order_by(ranked.c.kind, ranked.c.at)
    if limit is not None:
        query = query.where(ranked.c.rank <= limit)
    counts = {"signed": 0, RENEWED: 0, ENDED: 0, EXPIRED: 0}
    rows = []
    for row in db.session.execute(query):
        counts[row.kind] = row.total
        first, second = _charter_row(row.title, row.name_a, row.name_b)
        rows.append(
            {
                "event": row.kind,
                "charter_id": row.charter_id,
                "title": row.title,
                "pair": [first, second],
                "at": row.at.isoformat(),
            }
        )
    return counts, rows


def _reviews(start: datetime, end: datetime, limit: int | None) -> tuple[dict, list]:
    """Counts and rows of the reviews held (closed) in the month and late at its end."""
    held = and_(
        Review.status == ReviewStatus.CLOSED, Review.closed_at >= start, Review.closed_at < end
    )
    late = and_(
        Review.due_on < end.date(),
        Review.status != ReviewStatus.CANCELLED,
        or_(Review.closed_at.is_(None), Review.closed_at >= end),
        Review.created_at < end,
    )
    kind = case((held, literal("held")), else_=literal("late")).label("kind")
    a, b = _pair_names()
    inner = (
        select(
            Review.id,
            Review.charter_id,
            Review.due_on,
            Review.closed_at,
            kind,
            Charter.title,
            a.name.label("name_a"),
            b.name.label("name_b"),
        )
        .join(Charter, Charter.id == Review.charter_id)
        .join(a, a.id == Charter.department_a_id)
        .join(b, b.id == Charter.department_b_id)
        .where(or_(held, late))
        .subquery()
    )
    rank = func.row_number().over(partition_by=inner.c.kind, order_by=(inner.c.due_on, inner.c.id))
    ranked = select(
        inner, rank.label("rank"), func.count().over(partition_by=inner.c.kind).label("total")
    ).subquery()
    query = select(ranked).order_by(ranked.c.kind, ranked.c.due_on, ranked.c.id)
    if limit is not None:
        query = query.where(ranked.c.rank <= limit)
    counts = {"held": 0, "late": 0}
    rows = []
    for row in db.session.execute(query):
        counts[row.kind] = row.total
        first, second = _charter_row(row.title, row.name_a, row.name_b)
        rows.append(
            {
                "state": row.kind,
                "review_id": row.id,
                "charter_id": row.charter_id,
                "title": row.title,
                "pair": [first, second],
                "due_on": row.due_on.isoformat(),
                "closed_at": row.closed_at.isoformat() if row.closed_at else None,
            }
        )
    return counts, rows


def _criteria(first: date, end: datetime) -> tuple[int, list]:
    """Charters in force at the end of the month, and per criterion the share met and trend."""
    in_force = db.session.execute(
        select(Charter.id, Charter.criterion_id).where(_in_force_at(end))
    ).all()
    # The same set as a SELECT: thousands of ids stay in the database, not in parameters.
    outcomes = latest_outcomes(select(Charter.id).where(_in_force_at(end)), until=end.date())
    by_criterion: dict[int, dict] = {}
    for charter_id, criterion_id in in_force:
        entry = by_criterion.setdefault(
            criterion_id, {"charters": 0, "met": 0, "partly_met": 0, "missed": 0, "no_data": 0}
        )
        entry["charters"] += 1
        for status, count in outcomes.get(charter_id, {}).items():
            entry[status] += count
    since = add_months(first, 1 - TREND_MONTHS)
    readings: dict[int, list] = {}
    for row in db.session.execute(
        select(CriterionReading.criterion_id, CriterionReading.period, CriterionReading.value)
        .where(
            CriterionReading.period_start >= since,
            CriterionReading.period_start < end.date(),
        )
        .order_by(CriterionReading.criterion_id, CriterionReading.period_start)
    ):
        readings.setdefault(row.criterion_id, []).append({"period": row.period, "value": row.value})
    criteria = []
    for criterion in db.session.execute(
        select(
            CustomerCriterion.id,
            CustomerCriterion.name,
            CustomerCriterion.unit,
            CustomerCriterion.target,
            CustomerCriterion.direction,
        ).where(
            or_(
                CustomerCriterion.archived_at.is_(None),
                CustomerCriterion.id.in_(list(by_criterion) or [0]),
            )
        )
    ):
        counts = by_criterion.get(criterion.id, {})
        judged = sum(counts.get(k, 0) for k in ("met", "partly_met", "missed"))
        share = (
            (counts.get("met", 0) + 0.5 * counts.get("partly_met", 0)) / judged if judged else None
        )
        trend = readings.get(criterion.id, [])
        criteria.append(
            {
                "id": criterion.id,
                "name": criterion.name,
                "unit": criterion.unit,
                "target": criterion.target,
                "direction": criterion.direction.value,
                "charters": counts.get("charters", 0),
                "commitments_met": counts.get("met", 0),
                "commitments_partly_met": counts.get("partly_met", 0),
                "commitments_missed": counts.get("missed", 0),
                "commitments_without_data": counts.get("no_data", 0),
                "share_met": share,
                "trend": trend,
                "latest": trend[-1] if trend else None,
            }
        )
    return len(in_force), collate(criteria, key=lambda c: c["name"])


def _gaps(end: datetime, limit: int | None) -> list:
    """The pairs whose last review closed by the end of the month rated each other furthest
    apart, either way round (the gap is signed: the first side's score minus the other's)."""
    rank = (
        func.row_number()
        .over(partition_by=Review.charter_id, order_by=(Review.closed_at.desc(), Review.id.desc()))
        .label("rank")
    )
    last = (
        select(
            Review.id,
            Review.charter_id,
            Review.closed_at,
            Review.satisfaction_a_of_b,
            Review.satisfaction_b_of_a,
            rank,
        )
        .where(Review.status == ReviewStatus.CLOSED, Review.closed_at < end)
        .subquery()
    )
    a, b = _pair_names()
    gap = func.abs(last.c.satisfaction_a_of_b - last.c.satisfaction_b_of_a)
    query = (
        select(
            last,
            Charter.title,
            a.name.label("name_a"),
            b.name.label("name_b"),
            gap.label("gap"),
        )
        .join(Charter, Charter.id == last.c.charter_id)
        .join(a, a.id == Charter.department_a_id)
        .join(b, b.id == Charter.department_b_id)
        .where(
            last.c.rank == 1,
            last.c.satisfaction_a_of_b.is_not(None),
            last.c.satisfaction_b_of_a.is_not(None),
            gap > 0,
        )
        .order_by(gap.desc(), last.c.closed_at.desc(), last.c.id)
    )
    if limit is not None:
        query = query.limit(limit)
    rows = []
    for row in db.session.execute(query):
        a_of_b, b_of_a = row.satisfaction_a_of_b, row.satisfaction_b_of_a
        if named_b_first(row.title or "", row.name_a, row.name_b):
            first, second, first_rates, second_rates = row.name_b, row.name_a, b_of_a, a_of_b
        else:
            first, second, first_rates, second_rates = row.name_a, row.name_b, a_of_b, b_of_a
        rows.append(
            {
                "charter_id": row.charter_id,
                "review_id": row.id,
                "title": row.title,
                "pair": [first, second],
                "first_rates_second": first_rates,
                "second_rates_first": second_rates,
                "gap": first_rates - second_rates,
                "closed_at": row.closed_at.isoformat(),
            }
        )
    return rows


def _irritant_texts(start: datetime, end: datetime):
    """The month's irritants, latest first: reviews closed in it, survey answers given in it."""
    reviews = (
        select(
            literal("review").label("source"),
            Review.irritants.label("text"),
            Review.closed_at.label("at"),
            Charter.title.label("title"),
        )
        .join(Charter, Charter.id == Review.charter_id)
        .where(
            Review.status == ReviewStatus.CLOSED,
            Review.closed_at >= start,
            Review.closed_at < end,
            Review.irritants != "",
        )
    )
    answers = (
        select(
            literal("survey").label("source"),
            SatisfactionAnswer.irritant.label("text"),
            SatisfactionAnswer.answered_at.label("at"),
            Charter.title.label("title"),
        )
        .join(Review, Review.id == SatisfactionAnswer.review_id)
        .join(Charter, Charter.id == Review.charter_id)
        .where(
            SatisfactionAnswer.answered_at >= start,
            SatisfactionAnswer.answered_at < end,
            SatisfactionAnswer.irritant != "",
        )
    )
    both = union_all(reviews, answers).subquery()
    return db.session.execute(select(both).order_by(both.c.at.desc()).limit(IRRITANTS_READ))


def _irritants(start: datetime, end: datetime, limit: int | None) -> list:
    """The irritants quoted most often in the month (the same words, case and spaces aside),
    then the latest; each with how many times, where from and the charters that said it."""
    counted: Counter[str] = Counter()
    first_seen: dict[str, dict] = {}
    for row in _irritant_texts(start, end):
        for line in str(row.text).splitlines():
            text = " ".join(line.split()).strip(" -•*")
            if not text:
                continue
            folded = text.casefold()
            counted[folded] += 1
            entry = first_seen.setdefault(
                folded, {"text": text, "sources": [], "charters": [], "last_at": row.at}
            )
            if row.source not in entry["sources"]:
                entry["sources"].append(row.source)
            if row.title not in entry["charters"]:
                entry["charters"].append(row.title)
    ranked = sorted(counted, key=lambda k: (-counted[k], -first_seen[k]["last_at"].timestamp()))
    if limit is not None:
        ranked = ranked[:limit]
    return [
        {
            "text": first_seen[k]["text"],
            "count": counted[k],
            "sources": sorted(first_seen[k]["sources"]),
            "charters": first_seen[k]["charters"][:3],
            "last_at": first_seen[k]["last_at"].isoformat(),
        }
        for k in ranked
    ]


def _misses(start: datetime, end: datetime) -> dict:
    """The misses of the reviews held in the month, by cause (``figures.misses_by_cause``)."""
    counts = misses_by_cause(since=start, until=end)
    return {**counts._asdict(), "total": counts.total}


def report_values(first: date, *, full: bool = False) -> dict:
    """The report of the month beginning ``first``: plain values, ``STATEMENTS`` statements.

    ``full``: every row of every table (the CSV export), else the page's bounded lists.
    """
    start, end = _moment(first), _moment(add_months(first, 1))
    limit = None if full else LIST_LIMIT
    charter_counts, charter_rows = _charter_events(start, end, limit)
    review_counts, review_rows = _reviews(start, end, limit)
    in_force, criteria = _criteria(first, end)
    return {
        "month": month_key(first),
        "starts_on": first.isoformat(),
        "last_day": (add_months(first, 1) - timedelta(days=1)).isoformat(),
        "charters": {
            "in_force": in_force,
            "signed": charter_counts["signed"],
            "renewed": charter_counts[RENEWED],
            "ended": charter_counts[ENDED],
            "expired": charter_counts[EXPIRED],
            "events": charter_rows,
        },
        "reviews": {
            "held": review_counts["held"],
            "late": review_counts["late"],
            "rows": review_rows,
        },
        "criteria": criteria,
        "misses_by_cause": _misses(start, end),
        "satisfaction_gaps": _gaps(end, None if full else GAPS_LIMIT),
        "irritants": _irritants(start, end, None if full else IRRITANTS_LIMIT),
    }


def may_read_reports(user) -> bool:
    """Administrators and the people an administrator gave the leadership role."""
    return bool(getattr(user, "is_authenticated", False) and (user.is_admin or user.is_leadership))


def ensure_reader(user) -> None:
    """Refuse (403) anyone who may not read the report."""
    if not may_read_reports(user):
        raise Forbidden(_("The report is for administrators and leadership."))
