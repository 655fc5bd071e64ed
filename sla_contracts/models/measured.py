"""Where commitments stand on their readings (issue 13, point 3): computed, not typed.

Each measured commitment's status comes from its latest reading compared with its target
(``measures.outcome``): met, partly met, missed; "no data" before any reading; "not measured"
for a free-text target. The trend is the last readings, oldest first; the streak counts the
missed periods in a row ending with the latest reading (consecutive periods: a gap breaks it);
two make an early warning. A charter's share met counts partly met as half, like a review's.

Two statements whatever the number of charters: the commitments' targets, then their last
readings through one window query (``ROW_NUMBER() OVER (PARTITION BY commitment …)``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import Select, func, select

from .. import periods
from ..extensions import db
from ..measures import Outcome, TargetDirection, guess_direction, outcome
from .charters import Commitment
from .readings import Reading

# How many readings back a status looks: the trend shows the last TREND_LENGTH, the streak
# counts up to STREAK_WINDOW.
TREND_LENGTH = 6
STREAK_WINDOW = 24
WARNING_STREAK = 2

NO_DATA = "no_data"
NOT_MEASURED = "not_measured"


class Point(NamedTuple):
    """One reading as a status reads it."""

    period: str
    start: date
    value: float
    outcome: Outcome


@dataclass(frozen=True)
class Measure:
    """A commitment's computed standing: status, last reading, trend and streak of misses."""

    status: str  # met / partly_met / missed / no_data / not_measured
    target: float | None
    direction: TargetDirection | None
    tolerance: float | None
    last: Point | None = None
    trend: tuple[Point, ...] = ()
    streak: int = 0
    streak_start: str | None = None  # the first missed period of the streak

    @property
    def warning(self) -> bool:
        """Two missed periods in a row, or more: both heads are told once, the page shows it."""
        return self.streak >= WARNING_STREAK


@dataclass(frozen=True)
class CharterMeasure:
    """A charter's computed standing: its commitments' measures and the share met."""

    measures: dict[int, Measure]

    def _counted(self) -> list[Measure]:
        kept = (Outcome.MET, Outcome.PARTLY_MET, Outcome.MISSED)
        return [m for m in self.measures.values() if m.status in kept]

    @property
    def share_met(self) -> float | None:
        """Share of commitments met on their latest reading (partly met counts half)."""
        counted = self._counted()
        if not counted:
            return None
        score = sum(
            1.0 if m.status == Outcome.MET else 0.5 if m.status == Outcome.PARTLY_MET else 0.0
            for m in counted
        )
        return score / len(counted)

    @property
    def missed(self) -> int:
        return sum(1 for m in self.measures.values() if m.status == Outcome.MISSED)

    @property
    def warnings(self) -> int:
        return sum(1 for m in self.measures.values() if m.warning)


def _adjacent(earlier: Point, later: Point) -> bool:
    """The two readings are of consecutive periods (a week, a month or a quarter apart)."""
    kind = periods.kind_of_key(later.period)
    return kind is not None and periods.of(kind, later.start).previous().start == earlier.start


def _measure(
    target: float | None,
    direction: TargetDirection,
    tolerance: float | None,
    rows: list[tuple[str, date, float]],
) -> Measure:
    """The measure of one commitment from its readings, latest first."""
    if target is None:
        return Measure(NOT_MEASURED, None, None, None)
    if not rows:
        return Measure(NO_DATA, target, direction, tolerance)
    # The trend's readings, and further back only as long as the streak of misses goes on.
    points: list[Point] = []
    streak, start, counting = 0, None, True
    for period, begun, value in rows:
        if not counting and len(points) >= TREND_LENGTH:
            break
        point = Point(period, begun, value, outcome(value, target, direction, tolerance))
        if (
            counting
            and point.outcome == Outcome.MISSED
            and (not points or _adjacent(point, points[-1]))
        ):
            streak, start = streak + 1, period
        else:
            counting = False
        points.append(point)
    return Measure(
        points[0].outcome.value,
        target,
        direction,
        tolerance,
        last=points[0],
        trend=tuple(reversed(points[:TREND_LENGTH])),
        streak=streak,
        streak_start=start,
    )


def charter_measures(charter_ids: Collection[int]) -> dict[int, CharterMeasure]:
    """Each charter's computed standing, in two statements whatever their number."""
    if not charter_ids:
        return {}
    charter_ids = list(charter_ids)
    targets = db.session.execute(
        select(
            Commitment.id,
            Commitment.charter_id,
            Commitment.target,
            Commitment.indicator,
            Commitment.target_value,
            Commitment.chosen_direction,
            Commitment.tolerance,
        ).where(Commitment.charter_id.in_(charter_ids))
    ).all()
    readings = _latest_readings(charter_ids)
    by_charter: dict[int, dict[int, Measure]] = {charter_id: {} for charter_id in charter_ids}
    for row in targets:
        direction = row.chosen_direction or guess_direction(row.target, row.indicator)
        by_charter[row.charter_id][row.id] = _measure(
            row.target_value, direction, row.tolerance, readings.get(row.id, [])
        )
    return {charter_id: CharterMeasure(found) for charter_id, found in by_charter.items()}


def latest_outcomes(
    charter_ids: Collection[int] | Select, *, until: date | None = None
) -> dict[int, Counter[str]]:
    """Per charter, how many measured commitments are met, partly met, missed or without data
    on their latest reading: the statuses ``charter_measures`` gives, without trends, streaks
    or ``Measure`` objects (the company map and the monthly report count them for thousands
    of charters). Two statements. ``charter_ids``: ids, or a ``SELECT`` of ids for thousands
    of charters (the set stays in the database; charters without measured commitments are
    then left out). ``until``: on the readings of periods begun before that day (a past
    month's report); by default on every reading.
    """
    listed = not isinstance(charter_ids, Select)
    if listed and not charter_ids:
        return {}
    charter_ids = list(charter_ids) if listed else charter_ids
    targets = db.session.execute(
        select(
            Commitment.id,
            Commitment.charter_id,
            Commitment.target,
            Commitment.indicator,
            Commitment.target_value,
            Commitment.chosen_direction,
            Commitment.tolerance,
        ).where(Commitment.charter_id.in_(charter_ids), Commitment.target_value.is_not(None))
    ).all()
    latest = _latest_readings(charter_ids, until, depth=1)
    found: dict[int, Counter[str]] = defaultdict(Counter)
    if listed:
        found.update((charter_id, Counter()) for charter_id in charter_ids)
    for row in targets:
        rows = latest.get(row.id)
        if not rows:
            found[row.charter_id][NO_DATA] += 1
            continue
        direction = row.chosen_direction or guess_direction(row.target, row.indicator)
        status = outcome(rows[0][2], row.target_value, direction, row.tolerance).value
        found[row.charter_id][status] += 1
    return dict(found)


def missed_counts(charter_ids: Collection[int] | Select) -> dict[int, int]:
    """How many commitments of each charter are missed on their latest reading (the map)."""
    found = latest_outcomes(charter_ids)
    return {charter_id: counts[Outcome.MISSED] for charter_id, counts in found.items()}


def _latest_readings(
    charter_ids: list[int] | Select, until: date | None = None, depth: int = STREAK_WINDOW
) -> dict[int, list[tuple[str, date, float]]]:
    """The last ``depth`` readings of every commitment of these charters, latest first."""
    scope = Reading.charter_id.in_(charter_ids)
    if until is not None:
        scope = scope & (Reading.period_start < until)
    rank = (
        func.row_number()
        .over(partition_by=Reading.commitment_id, order_by=Reading.period_start.desc())
        .label("rank")
    )
    ranked = (
        select(Reading.commitment_id, Reading.period, Reading.period_start, Reading.value, rank)
        .where(scope)
        .subquery()
    )
    found: dict[int, list[tuple[str, date, float]]] = defaultdict(list)
    rows = db.session.connection().execute(
        select(ranked.c.commitment_id, ranked.c.period, ranked.c.period_start, ranked.c.value)
        .where(ranked.c.rank <= depth)
        .order_by(ranked.c.commitment_id, ranked.c.period_start.desc())
    )
    for commitment_id, period, start, value in rows:
        found[commitment_id].append((period, start, value))
    return found


def charter_measure(charter_id: int) -> CharterMeasure:
    """One charter's computed standing (the charter page, the API)."""
    return charter_measures([charter_id])[charter_id]
