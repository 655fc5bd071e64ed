"""What the readings pages show: one line per commitment to fill in, and the history of each.

Plain values for the templates, loaded in a fixed number of statements: the charter's
commitments, its readings, and the names of everyone who entered one (history included).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from .. import periods
from ..extensions import db
from ..models import Charter, Commitment, CriterionReading, Reading, User
from .operations import RowError, period_kind_label


@dataclass(frozen=True)
class Earlier:
    """A value a period held before it was entered again."""

    value: float
    note: str
    by: str
    at: datetime | None


@dataclass(frozen=True)
class Entry:
    """One period's reading as the history shows it, with what it replaced (newest first)."""

    subject: int  # the commitment's (or criterion's) id
    period: str
    value: float
    note: str
    by: str
    at: datetime
    earlier: tuple[Earlier, ...] = ()


@dataclass
class Line:
    """One commitment on the entry form: what it promises, the field to fill, the last value."""

    commitment: Commitment
    provider: str
    kind: str
    period: str  # the current period of its frequency, or what was typed
    value: str = ""
    note: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    history: list[Entry] = field(default_factory=list)
    older: int = 0  # periods left out of ``history`` (the page shows the latest ones)

    @property
    def measured(self) -> bool:
        return self.commitment.is_measured

    @property
    def last(self) -> Entry | None:
        return self.history[0] if self.history else None


def _names(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(wanted))).all())


def _when(raw: Any) -> datetime | None:
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw)
    except (TypeError, ValueError):
        return None


def entries(readings: Sequence[Reading | CriterionReading]) -> list[Entry]:
    """The readings as the history shows them, newest period first."""
    ids: list[int | None] = []
    for reading in readings:
        ids.append(reading.entered_by_id)
        ids.extend(old.get("entered_by_id") for old in reading.history or [])
    names = _names(ids)
    unknown = "—"
    return [
        Entry(
            subject=getattr(reading, "commitment_id", None) or getattr(reading, "criterion_id", 0),
            period=reading.period,
            value=reading.value,
            note=reading.note or "",
            by=names.get(reading.entered_by_id, unknown),
            at=reading.entered_at,
            earlier=tuple(
                Earlier(
                    value=old.get("value"),
                    note=old.get("note") or "",
                    by=names.get(old.get("entered_by_id"), unknown),
                    at=_when(old.get("entered_at")),
                )
                for old in reversed(reading.history or [])
            ),
        )
        for reading in sorted(readings, key=lambda r: r.period_start, reverse=True)
    ]


HISTORY_SHOWN = 24


def charter_lines(
    charter: Charter, today: date, *, shown: int | None = HISTORY_SHOWN
) -> list[Line]:
    """Every commitment of the charter, in the charter's order of sides, with its history
    (the latest ``shown`` periods of each, all of them with None)."""
    commitments = list(
        db.session.scalars(
            select(Commitment)
            .where(Commitment.charter_id == charter.id)
            .order_by(Commitment.position, Commitment.id)
        )
    )
    # The latest ``shown`` periods of each commitment (one window query), and how many each has.
    rank = (
        func.row_number()
        .over(partition_by=Reading.commitment_id, order_by=Reading.period_start.desc())
        .label("rank")
    )
    ranked = select(Reading.id, rank).where(Reading.charter_id == charter.id).subquery()
    query = select(Reading).join(ranked, ranked.c.id == Reading.id)
    if shown is not None:
        query = query.where(ranked.c.rank <= shown)
    readings = db.session.scalars(query).all()
    totals = dict(
        db.session.execute(
            select(Reading.commitment_id, func.count())
            .where(Reading.charter_id == charter.id)
            .group_by(Reading.commitment_id)
        ).all()
    )
    per: dict[int, list[Entry]] = defaultdict(list)
    for entry in entries(readings):
        per[entry.subject].append(entry)
    names = charter.department_names
    order = {d.id: rank for rank, d in enumerate(charter.sides)}
    lines = []
    for c in sorted(commitments, key=lambda c: (order.get(c.provider_department_id, 9),)):
        kind = periods.kind_of(c.measurement_frequency)
        lines.append(
            Line(
                commitment=c,
                provider=names.get(c.provider_department_id, ""),
                kind=str(period_kind_label(kind)),
                period=periods.of(kind, today).key,
                history=per.get(c.id, []),
                older=max(0, totals.get(c.id, 0) - len(per.get(c.id, []))),
            )
        )
    return lines


def fill(lines: Sequence[Line], typed: Mapping[int, Mapping[str, str]]) -> None:
    """Put back what was typed in each line (a refused form shows it again)."""
    for line in lines:
        values = typed.get(line.commitment.id)
        if values:
            line.period = values.get("period", line.period)
            line.value = values.get("value", "")
            line.note = values.get("note", "")


def place_errors(lines: Sequence[Line], order: Sequence[int], errors: Sequence[RowError]) -> None:
    """Show each row error beside its field: ``order[i]`` is the commitment of the batch's row i."""
    by_id = {line.commitment.id: line for line in lines}
    for error in errors:
        if 0 <= error.index < len(order) and (line := by_id.get(order[error.index])):
            name = error.field if error.field in ("period", "value", "note") else "value"
            line.errors.setdefault(name, []).append(error.message)
