"""A year of readings for the demo's charters in force, entered through the real service.

Each measured commitment gets a reading per period of its frequency for the last twelve months,
entered a few days after each period ended: mostly on target, some partly met, the odd miss,
and on the first charter in force one commitment missed the last two periods in a row, so
that its early warning reached both heads. Each criterion answered by a charter in force gets
its company-wide value every month, drifting towards its target.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

from .. import periods
from ..measures import TargetDirection
from ..models import Charter, Commitment, CustomerCriterion, User
from ..readings import operations as readings
from ..timeutil import add_months

MONTHS = 12
ENTERED_AFTER = timedelta(days=3, hours=9)
# Where each period lands against the target: "m" met, "p" partly met, "x" missed.
_PATTERN = "mmmpmmmmxmmpmm"


def _value(commitment: Commitment, outcome: str) -> float:
    """A believable value for ``outcome``, on the right side of the target and tolerance."""
    target = commitment.target_value or 0.0
    slack = commitment.effective_tolerance or 1.0
    sign = 1 if commitment.target_direction == TargetDirection.AT_LEAST else -1
    offset = {"m": 0.3 * slack, "p": -0.5 * slack, "x": -2.0 * slack}[outcome]
    value = target + sign * offset
    if commitment.unit.strip() == "%":
        value = min(value, 100.0)
    return round(max(value, 0.0), 1)


def _periods(kind: periods.PeriodKind, now: datetime) -> list[periods.Period]:
    """The periods of the last twelve months that have ended, oldest first."""
    first = periods.of(kind, add_months(now.date(), -MONTHS))
    found, period = [], first
    while period.end + timedelta(days=ENTERED_AFTER.days) < now.date():
        found.append(period)
        period = period.next()
    return found


def seed_readings(
    charter: Charter,
    entered_by: User,
    now: datetime,
    *,
    streak: bool,
    missed_on: Collection[date] = (),
) -> int:
    """Enter the charter's readings period by period; with ``streak``, its first measured
    commitment misses the last two, and the periods of the days ``missed_on`` (its reviews).
    Returns how many readings were written."""
    written = 0
    measured = [c for c in charter.commitments if c.is_measured]
    by_time: dict[datetime, list[dict]] = {}
    for index, commitment in enumerate(measured):
        kind = periods.kind_of(commitment.measurement_frequency)
        found = _periods(kind, now)
        for n, period in enumerate(found):
            outcome = _PATTERN[(index * 5 + n) % len(_PATTERN)]
            if streak and index == 0:
                held = any(period.start <= day <= period.end for day in missed_on)
                outcome = "x" if n >= len(found) - 2 or held else "m"
            when = datetime.combine(period.end, datetime.min.time(), now.tzinfo) + ENTERED_AFTER
            value = _value(commitment, outcome)
            by_time.setdefault(min(when, now), []).append(
                {"commitment_id": commitment.id, "period": period.key, "value": value}
            )
    for when in sorted(by_time):
        done = readings.enter_readings(entered_by, charter, by_time[when], now=when)
        written += done.created
    return written


def seed_criterion_readings(criterion: CustomerCriterion, admin: User, now: datetime) -> int:
    """Twelve monthly company-wide values, from a little off the target to close to it."""
    lower = criterion.direction.value == "lower_is_better"
    rows = []
    for n, period in enumerate(_periods(periods.PeriodKind.MONTH, now)):
        gap = abs(criterion.target) * 0.15 * (1 - n / MONTHS) * (1 if n % 3 else 0.6)
        value = criterion.target + gap if lower else criterion.target - gap
        if criterion.unit.strip() == "%":
            value = min(value, 100.0)
        rows.append({"period": period.key, "value": round(value, 2)})
    return readings.enter_criterion_readings(admin, criterion, rows, now=now).created
