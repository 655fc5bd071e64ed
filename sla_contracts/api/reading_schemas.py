"""The shapes of the readings API (``readings.py``) and of a commitment's computed standing.

A commitment's answer carries its target as a number (``target_value``, ``target_direction``,
``tolerance``: the effective ones) and where it stands on its readings (``status_computed``,
``last_reading``). The charter's answer computes its commitments' standings at once
(``measured_commitments``: one ``charter_measure`` per answer, two statements whatever the
number of commitments); a commitment answered alone computes its charter's.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import periods
from ..extensions import db
from ..models import Charter, Commitment, User, measured
from ..readings.operations import NOTE_MAX
from .schemas import Day as DayField
from .schemas import (
    Id,
    Int,
    List,
    Nested,
    Number,
    PageArgs,
    PersonSchema,
    QueryInt,
    Schema,
    Text,
    When,
    page_of,
)

STATUSES = ("met", "partly_met", "missed", measured.NO_DATA, measured.NOT_MEASURED)
DIRECTIONS = ("at_least", "at_most")

# ---------------------------------------------------------------- a commitment's standing


class MeasuredCommitment:
    """A commitment answered with its measure already computed (inside a charter's answer)."""

    def __init__(self, commitment: Commitment, measure: measured.Measure | None):
        self.commitment = commitment
        self.measure = measure

    def __getattr__(self, name: str) -> Any:
        return getattr(self.commitment, name)


def measured_commitments(charter: Charter, commitments: list[Commitment]) -> list:
    """The charter's commitments, each with its measure: one computation for them all."""
    found = measured.charter_measure(charter.id).measures
    return [MeasuredCommitment(c, found.get(c.id)) for c in commitments]


def _measure(commitment: Commitment | MeasuredCommitment) -> measured.Measure | None:
    if isinstance(commitment, MeasuredCommitment):
        return commitment.measure
    return measured.charter_measure(commitment.charter_id).measures.get(commitment.id)


def _status(commitment) -> str:
    measure = _measure(commitment)
    return measure.status if measure is not None else measured.NOT_MEASURED


def _last_reading(commitment) -> dict[str, Any] | None:
    measure = _measure(commitment)
    if measure is None or measure.last is None:
        return None
    return {"period": measure.last.period, "value": measure.last.value}


def _direction(commitment) -> str | None:
    return commitment.target_direction.value if commitment.target_value is not None else None


class LastReadingSchema(Schema):
    period = Text(required=True, metadata={"description": "2027-01, 2027-W03 or 2027-Q1"})
    value = Number(required=True)


# The fields every commitment answer gains (``CommitmentSchema`` declares them from here).
MEASURE_FIELDS = {
    "target_value": Number(
        required=True,
        allow_none=True,
        metadata={"description": "The target as a number; null: a free-text target, not measured"},
    ),
    "target_direction": Text(
        required=True,
        allow_none=True,
        source=_direction,
        choices=DIRECTIONS,
        metadata={
            "enum": [*DIRECTIONS, None],
            "description": "The effective one (chosen, else read from the target and indicator); "
            "null when not measured",
        },
    ),
    "tolerance": Number(
        required=True,
        allow_none=True,
        attribute="effective_tolerance",
        metadata={
            "description": "How far from the target still counts as partly met (the one chosen, "
            "else 5 % of the target); null when not measured"
        },
    ),
    "status_computed": Text(
        required=True,
        source=_status,
        choices=STATUSES,
        metadata={"description": "From the latest reading against the target"},
    ),
    "last_reading": Nested(
        LastReadingSchema,
        required=True,
        allow_none=True,
        source=_last_reading,
        metadata={"description": "The latest period entered, or null"},
    ),
}
MEASURE_EXAMPLE = {
    "target_value": 98.0,
    "target_direction": "at_least",
    "tolerance": 4.9,
    "status_computed": "partly_met",
    "last_reading": {"period": "2027-01", "value": 96.5},
}

# ---------------------------------------------------------------- readings answered


class HistoryEntrySchema(Schema):
    """A value the period had before it was entered again."""

    value = Number(required=True)
    note = Text(required=True)
    entered_by = Nested(PersonSchema, required=True, allow_none=True)
    entered_at = When(required=True, allow_none=True)


def _person(user_id: int | None) -> User | None:
    # The view loads the page's people at once (``load_people``): no statement here.
    return db.session.get(User, user_id) if user_id else None


def load_people(readings: list) -> None:
    """Load, in one statement, everyone the page's histories name."""
    ids = {e.get("entered_by_id") for r in readings for e in r.history or []} - {None}
    if ids:
        db.session.scalars(select(User).where(User.id.in_(ids))).all()


def _history(reading) -> list[dict[str, Any]]:
    return [
        {
            "value": entry.get("value"),
            "note": entry.get("note") or "",
            "entered_by": _person(entry.get("entered_by_id")),
            "entered_at": datetime.fromisoformat(entry["entered_at"])
            if entry.get("entered_at")
            else None,
        }
        for entry in reading.history or []
    ]


class _ReadingSchema(Schema):
    id = Id(required=True)
    period = Text(required=True, metadata={"description": "2027-01, 2027-W03 or 2027-Q1"})
    period_start = DayField(required=True, metadata={"description": "The period's first day"})
    value = Number(required=True)
    note = Text(required=True)
    entered_by = Nested(PersonSchema, required=True, allow_none=True)
    entered_at = When(required=True)
    history = List(
        Nested(HistoryEntrySchema),
        required=True,
        source=_history,
        metadata={"description": "The period's earlier values, oldest first"},
    )


class ReadingSchema(_ReadingSchema):
    """A commitment's value for one period."""

    commitment_id = Id(required=True)


class CriterionReadingSchema(_ReadingSchema):
    """The criterion's company-wide value for one month."""

    criterion_id = Id(required=True)


ReadingPage = page_of(ReadingSchema, "readings", "ReadingPage")
CriterionReadingPage = page_of(CriterionReadingSchema, "readings", "CriterionReadingPage")


class WrittenSchema(Schema):
    created = Int(required=True, minimum=0, metadata={"description": "New periods"})
    updated = Int(
        required=True,
        minimum=0,
        metadata={"description": "Periods entered again with another value (the old one kept)"},
    )
    unchanged = Int(required=True, minimum=0, metadata={"description": "Sent again as they were"})


# ---------------------------------------------------------------- what is sent

PERIOD_TEXT = (
    "The period, as the commitment's measurement frequency counts them: a month 2027-01, an "
    "ISO week 2027-W03 or a quarter 2027-Q1; past or current, never future"
)
NOTE_FIELD = {"note": Text(max_length=NOTE_MAX, metadata={"description": "Optional"})}
VALUE_FIELD = {
    "value": Number(
        required=True,
        metadata={"description": 'A JSON number (96.5), not text: the API takes no "96,5"'},
    )
}
ReadingInputSchema = Schema.from_dict(
    {
        "commitment_id": Id(required=True, metadata={"description": "A commitment of the charter"}),
        "period": Text(required=True, max_length=8, metadata={"description": PERIOD_TEXT}),
        **VALUE_FIELD,
        **NOTE_FIELD,
    },
    name="ReadingInput",
)
CriterionReadingInputSchema = Schema.from_dict(
    {
        "period": Text(
            required=True,
            max_length=8,
            metadata={"description": "The month (2027-01), past or current"},
        ),
        **VALUE_FIELD,
        **NOTE_FIELD,
    },
    name="CriterionReadingInput",
)


class ReadingsBodySchema(Schema):
    readings = List(Nested(ReadingInputSchema), required=True)


class CriterionReadingsBodySchema(Schema):
    readings = List(Nested(CriterionReadingInputSchema), required=True)


_BOUND = _l("Give a period (2027-01, 2027-W03, 2027-Q1) or a date (2027-01-31).")


class Bound(Text):
    """``?from=`` / ``?to=``: a period's name or an ISO date → the first and last days it covers."""

    default_error_messages = {**Text.default_error_messages, "bound": _BOUND}

    def _deserialize(self, value, attr, data, **kwargs) -> tuple[date, date]:
        text = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        kind = periods.kind_of_key(text)
        try:
            if kind is not None:
                period = periods.parse(text, kind, today=date.max)
                return period.start, period.end
            if len(text) == 10:
                day = date.fromisoformat(text)
                return day, day
        except (periods.PeriodError, ValueError):
            pass
        raise self.make_error("bound")


_BOUND_TEXT = (
    "A period (2027-01, 2027-W03, 2027-Q1) or a date (2027-01-31): readings of the periods "
    "that begin "
)


class CriterionReadingArgs(PageArgs):
    start = Bound(
        data_key="from", max_length=10, metadata={"description": _BOUND_TEXT + "on or after it"}
    )
    end = Bound(
        data_key="to", max_length=10, metadata={"description": _BOUND_TEXT + "on or before it"}
    )

    @ma.pre_load
    def _empty_is_absent(self, data, **_kwargs):
        return {key: value for key, value in data.items() if value != ""}


class ReadingArgs(CriterionReadingArgs):
    commitment_id = QueryInt(minimum=1, metadata={"description": "Only this commitment's"})


# ---------------------------------------------------------------- examples

_PERSON = {"id": 5, "name": "Bruno Lefèvre"}
READING_EXAMPLE = {
    "id": 31,
    "period": "2027-01",
    "period_start": "2027-01-01",
    "value": 96.5,
    "note": "Inventaire le 15",
    "entered_by": _PERSON,
    "entered_at": "2027-02-02T08:30:00+00:00",
    "history": [
        {
            "value": 95.0,
            "note": "",
            "entered_by": {"id": 4, "name": "Claire Dubois"},
            "entered_at": "2027-02-01T17:00:00+00:00",
        }
    ],
    "commitment_id": 7,
}
CRITERION_READING_EXAMPLE = {
    **{k: v for k, v in READING_EXAMPLE.items() if k != "commitment_id"},
    "value": 1.8,
    "history": [],
    "criterion_id": 1,
}
