"""Measurement periods of readings (issue 13): a week, a month or a quarter, named as the API
and the CSV name them ("2027-W03" ISO week, "2027-01", "2027-Q1").

A commitment's period follows its measurement frequency, typed as free text in either language
("Hebdomadaire", "Monthly", "trimestrielle"…): ``kind_of`` reads it, a month when it says
nothing known. Pure functions of dates: the caller passes ``today`` (UTC), nothing reads a clock.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta


class PeriodKind(enum.StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


# Words of a measurement frequency, accents and case removed, and the period they mean.
_WORDS = (
    (PeriodKind.WEEK, ("hebdo", "semaine", "week", "quotidien", "journalier", "daily", "jour")),
    (PeriodKind.QUARTER, ("trimest", "quarter")),
    (PeriodKind.MONTH, ("mensuel", "mois", "month")),
)

_PATTERNS = {
    PeriodKind.WEEK: re.compile(r"^(\d{4})-W(\d{2})$"),
    PeriodKind.MONTH: re.compile(r"^(\d{4})-(\d{2})$"),
    PeriodKind.QUARTER: re.compile(r"^(\d{4})-Q([1-4])$"),
}


class PeriodError(ValueError):
    """A period that is malformed, of the wrong kind, or in the future (the message says which)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "malformed", "wrong_kind" or "future"


@dataclass(frozen=True, order=True)
class Period:
    start: date
    kind: PeriodKind
    key: str

    @property
    def end(self) -> date:
        """The last day of the period."""
        return self.next().start - timedelta(days=1)

    def next(self) -> Period:
        if self.kind == PeriodKind.WEEK:
            return of(self.kind, self.start + timedelta(days=7))
        months = 1 if self.kind == PeriodKind.MONTH else 3
        year, month = divmod(self.start.month - 1 + months, 12)
        return of(self.kind, date(self.start.year + year, month + 1, 1))

    def previous(self) -> Period:
        if self.kind == PeriodKind.WEEK:
            return of(self.kind, self.start - timedelta(days=7))
        return of(self.kind, self.start - timedelta(days=1))


def kind_of(frequency: str) -> PeriodKind:
    """The period of a typed measurement frequency ("Hebdomadaire" → week), else a month."""
    folded = unicodedata.normalize("NFKD", frequency or "").encode("ascii", "ignore").decode()
    folded = folded.lower()
    for kind, words in _WORDS:
        if any(word in folded for word in words):
            return kind
    return PeriodKind.MONTH


def of(kind: PeriodKind, day: date) -> Period:
    """The period of ``kind`` that contains ``day``."""
    if kind == PeriodKind.WEEK:
        year, week, weekday = day.isocalendar()
        return Period(day - timedelta(days=weekday - 1), kind, f"{year}-W{week:02d}")
    if kind == PeriodKind.MONTH:
        return Period(date(day.year, day.month, 1), kind, f"{day.year}-{day.month:02d}")
    quarter = (day.month - 1) // 3 + 1
    return Period(date(day.year, 3 * quarter - 2, 1), kind, f"{day.year}-Q{quarter}")


def kind_of_key(key: str) -> PeriodKind | None:
    """The kind of a period's name ("2027-W03" → week), None when it names none."""
    value = (key or "").strip().upper()
    return next((kind for kind, pattern in _PATTERNS.items() if pattern.match(value)), None)


def parse(text: str, kind: PeriodKind, *, today: date) -> Period:
    """Read ``text`` as a period of ``kind`` that has begun by ``today`` (PeriodError if not)."""
    value = (text or "").strip().upper()
    match = _PATTERNS[kind].match(value)
    if match is None:
        if any(pattern.match(value) for pattern in _PATTERNS.values()):
            raise PeriodError("wrong_kind")
        raise PeriodError("malformed")
    year, number = int(match.group(1)), int(match.group(2))
    try:
        if kind == PeriodKind.WEEK:
            start = date.fromisocalendar(year, number, 1)
        elif kind == PeriodKind.MONTH:
            start = date(year, number, 1)
        else:
            start = date(year, 3 * number - 2, 1)
    except ValueError:
        raise PeriodError("malformed") from None
    period = of(kind, start)
    if period.start > today:
        raise PeriodError("future")
    return period
