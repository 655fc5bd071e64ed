"""What moves one end-customer criterion (issue 14, point 1): the page's and the API's data.

Plain values, built in a constant number of statements whatever the company's size: the
criterion's readings (one), the charters in force tied to it that the reader may read (a count
and one page of them, their departments joined), where their commitments stand
(``models.measured.charter_measures``: two), their commitments (one), their last closed review
(one window query), the misses by cause (``figures.misses_by_cause``: one) and the pairs'
mutual satisfaction month by month (one aggregate).

Every charter names exactly one criterion, so all its commitments serve it: the page lists
them all, grouped by pair of departments (``Charter.sides`` order), each with the sentence
saying how (``Commitment.customer_impact``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..formats import sort_key
from ..models import (
    Charter,
    CharterStatus,
    Commitment,
    CustomerCriterion,
    Department,
    Review,
    ReviewStatus,
    User,
)
from ..models.measured import CharterMeasure, Measure, charter_measures
from ..permissions import reads_charter
from ..reviews.chart import Point, reading_points
from ..timeutil import add_months
from .figures import MissCounts, misses_by_cause

# Charters per page: each shows its commitments with their trends (the API: 50, at most 200).
PAGE_SIZE = 10
MONTHS_SHOWN = 24  # the readings and the satisfaction drawn: the last two years
MISSES_MONTHS = 6  # the misses by cause: closed reviews held in the last six months
LARGE_GAP = 2  # a satisfaction gap flagged, as on the review pages


@dataclass(frozen=True)
class Side:
    id: int
    name: str


@dataclass(frozen=True)
class LastReview:
    """A charter's last closed review: when, each side's satisfaction with the other, the gap."""

    id: int
    held_at: datetime | None
    satisfactions: tuple[tuple[Side, int | None], tuple[Side, int | None]]  # (rater, score)

    @property
    def gap(self) -> int | None:
        (_, first), (_, second) = self.satisfactions
        return None if first is None or second is None else abs(first - second)

    @property
    def is_gap_large(self) -> bool:
        return self.gap is not None and self.gap >= LARGE_GAP


@dataclass(frozen=True)
class CharterLine:
    """A charter in force tied to the criterion, as the page and the API list it."""

    id: int
    title: str
    sides: tuple[Side, Side]
    share_met: float | None
    missed: int
    warnings: int
    last_review: LastReview | None


@dataclass(frozen=True)
class CommitmentLine:
    id: int
    charter_id: int
    charter_title: str
    title: str
    unit: str
    target: str
    customer_impact: str
    measure: Measure


@dataclass
class Way:
    """One way of a pair: what ``provider`` commits to ``beneficiary``."""

    provider: Side
    beneficiary: Side
    commitments: list[CommitmentLine] = field(default_factory=list)


@dataclass
class Pair:
    """Two departments and their commitments each way, across their charters on the page."""

    sides: tuple[Side, Side]
    ways: tuple[Way, Way]
    charter_ids: list[int] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.sides[0].name} ⇄ {self.sides[1].name}"


@dataclass(frozen=True)
class SatisfactionMonth:
    """The pairs' mutual satisfaction in the reviews closed in one month (1 to 5)."""

    month: date  # its first day
    higher: float  # the average, review by review, of the more satisfied side's score
    lower: float  # … and of the less satisfied side's
    reviews: int


@dataclass(frozen=True)
class Overview:
    criterion: CustomerCriterion
    readings: list[Point]
    charters: list[CharterLine]
    total: int
    next_after: int | None  # the cursor of the next page (the last charter's id), or None
    pairs: list[Pair]
    misses: MissCounts
    misses_since: date
    satisfaction: list[SatisfactionMonth]
    since: date


def charters_query(criterion_id: int, reader: User) -> Select:
    """The charters in force tied to the criterion that ``reader`` may read, sides joined."""
    query = (
        select(Charter)
        .where(Charter.criterion_id == criterion_id, Charter.status == CharterStatus.ACTIVE)
        .options(joinedload(Charter.department_a), joinedload(Charter.department_b))
    )
    if not reader.is_admin:
        query = query.where(reads_charter(reader.id))
    return query


def _side(department: Department) -> Side:
    return Side(department.id, department.name)


def last_reviews(charters: Sequence[Charter]) -> dict[int, LastReview]:
    """Each charter's last closed review, in one window query whatever their number."""
    if not charters:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=Review.charter_id,
            order_by=(Review.held_at.desc(), Review.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(
            Review.id,
            Review.charter_id,
            Review.held_at,
            Review.satisfaction_a_of_b,
            Review.satisfaction_b_of_a,
            rank,
        )
        .where(
            Review.charter_id.in_([c.id for c in charters]),
            Review.status == ReviewStatus.CLOSED,
        )
        .subquery()
    )
    rows = db.session.execute(select(ranked).where(ranked.c.rank == 1)).all()
    by_id = {c.id: c for c in charters}
    found = {}
    for row in rows:
        charter = by_id[row.charter_id]
        scores = {
            "satisfaction_a_of_b": row.satisfaction_a_of_b,
            "satisfaction_b_of_a": row.satisfaction_b_of_a,
        }
        first, second = (
            (_side(rater), scores[name]) for name, rater, _rated in charter.satisfaction_sides
        )
        found[row.charter_id] = LastReview(row.id, row.held_at, (first, second))
    return found


def charter_lines(
    charters: Sequence[Charter],
) -> tuple[list[CharterLine], dict[int, CharterMeasure]]:
    """The charters as listed, with their share met and last review (three statements)."""
    measures = charter_measures([c.id for c in charters])
    reviews = last_reviews(charters)
    lines = []
    for charter in charters:
        measure = measures[charter.id]
        first, second = charter.sides
        lines.append(
            CharterLine(
                id=charter.id,
                title=charter.title,
                sides=(_side(first), _side(second)),
                share_met=measure.share_met,
                missed=measure.missed,
                warnings=measure.warnings,
                last_review=reviews.get(charter.id),
            )
        )
    return lines, measures


def pairs_of(charters: Sequence[Charter], measures: dict[int, CharterMeasure]) -> list[Pair]:
    """The charters' commitments grouped by pair of departments, each way (one statement)."""
    if not charters:
        return []
    commitments = db.session.execute(
        select(
            Commitment.id,
            Commitment.charter_id,
            Commitment.provider_department_id,
            Commitment.title,
            Commitment.unit,
            Commitment.target,
            Commitment.customer_impact,
        )
        .where(Commitment.charter_id.in_([c.id for c in charters]))
        .order_by(Commitment.charter_id, Commitment.position, Commitment.id)
    ).all()
    pairs: dict[frozenset[int], Pair] = {}
    by_id = {}
    for charter in charters:
        first, second = (_side(d) for d in charter.sides)
        key = frozenset((first.id, second.id))
        if key not in pairs:
            pairs[key] = Pair((first, second), (Way(first, second), Way(second, first)))
        pairs[key].charter_ids.append(charter.id)
        by_id[charter.id] = (charter, pairs[key])
    for row in commitments:
        charter, pair = by_id[row.charter_id]
        measure = measures[row.charter_id].measures.get(row.id)
        if measure is None:
            continue
        way = next(w for w in pair.ways if w.provider.id == row.provider_department_id)
        way.commitments.append(
            CommitmentLine(
                id=row.id,
                charter_id=row.charter_id,
                charter_title=charter.title,
                title=row.title,
                unit=row.unit,
                target=row.target,
                customer_impact=row.customer_impact,
                measure=measure,
            )
        )
    return sorted(pairs.values(), key=lambda p: sort_key(p.name))


def satisfaction_by_month(criterion_id: int, reader: User, since: date) -> list[SatisfactionMonth]:
    """The mutual satisfaction of the pairs tied to the criterion, by month of the closed
    reviews that the reader may read (both scores given), in one aggregate."""
    a, b = Review.satisfaction_a_of_b, Review.satisfaction_b_of_a
    year = func.extract("year", Review.held_at)
    month = func.extract("month", Review.held_at)
    query = (
        select(
            year.label("year"),
            month.label("month"),
            func.avg(case((a >= b, a), else_=b)),
            func.avg(case((a >= b, b), else_=a)),
            func.count(),
        )
        .join(Charter, Charter.id == Review.charter_id)
        .where(
            Charter.criterion_id == criterion_id,
            Review.status == ReviewStatus.CLOSED,
            Review.held_at >= datetime.combine(since, time.min, tzinfo=UTC),
            a.is_not(None),
            b.is_not(None),
        )
        .group_by(year, month)
        .order_by(year, month)
    )
    if not reader.is_admin:
        query = query.where(reads_charter(reader.id))
    return [
        SatisfactionMonth(date(int(y), int(m), 1), float(high), float(low), int(n))
        for y, m, high, low, n in db.session.execute(query)
    ]


def windows(today: date) -> tuple[date, date]:
    """From when the readings and satisfaction are drawn, and from when misses are counted."""
    return add_months(today.replace(day=1), -(MONTHS_SHOWN - 1)), add_months(today, -MISSES_MONTHS)


def misses_for(criterion: CustomerCriterion, reader: User, since: date) -> MissCounts:
    """The misses by cause of the charters tied to the criterion that ``reader`` may read."""
    return misses_by_cause(criterion.id, since, reader_id=None if reader.is_admin else reader.id)


def overview(
    criterion: CustomerCriterion,
    reader: User,
    today: date,
    *,
    after: int | None = None,
    limit: int | None = None,
) -> Overview:
    """Everything the criterion page shows, for ``reader``: one page of charters after the
    charter id ``after`` (in id order)."""
    limit = limit or PAGE_SIZE
    since, misses_since = windows(today)
    query = charters_query(criterion.id, reader)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    if after is not None:
        query = query.where(Charter.id > after)
    charters = db.session.scalars(query.order_by(Charter.id).limit(limit + 1)).unique().all()
    more = len(charters) > limit
    charters = charters[:limit]
    lines, measures = charter_lines(charters)
    return Overview(
        criterion=criterion,
        readings=reading_points(criterion.id, since),
        charters=lines,
        total=total or 0,
        next_after=charters[-1].id if more else None,
        pairs=pairs_of(charters, measures),
        misses=misses_for(criterion, reader, misses_since),
        misses_since=misses_since,
        satisfaction=satisfaction_by_month(criterion.id, reader, since),
        since=since,
    )
