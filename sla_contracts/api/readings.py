"""Readings over the API (issue 13): enter and list a charter's readings and the criterion's.

The same service as the charter's form and the CSV upload (``readings.operations``): a batch
is all or nothing. Two kinds of 422, both ``validation_error`` with nothing written:

- the body's shape (not the JSON types declared, an unknown or missing key at any depth,
  ``value`` sent as text like ``"96,5"``: the API takes JSON numbers only): the house's
  ``details.errors`` (field path → messages, ``readings[2].value``), ``unknown_fields``…;
- the rows' content (a commitment not of this charter or not measured, a period of the wrong
  kind, malformed or not begun yet, the same period twice): ``details.errors`` is a list
  naming every bad row, ``[{"index", "field", "message"}]``, index from 0.

Who: a charter's readings are read by the members of either side and administrators (others
get 404) and entered by them too, once the charter is in force (409 before). The criterion's
values are the company's: anyone signed in reads them; administrators and the heads of the
departments whose charters answer to it enter them (others get 403, before the body is read).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..errors import Forbidden, NotFound
from ..extensions import db
from ..models import CriterionReading, CustomerCriterion, Reading, User
from ..readings import operations as ops
from ..transaction import atomic
from .auth import loads, require_api_user
from .blueprint import bp, operation
from .charters import _charter
from .pages import page_keyset
from .reading_schemas import (
    CRITERION_READING_EXAMPLE,
    READING_EXAMPLE,
    CriterionReadingArgs,
    CriterionReadingPage,
    CriterionReadingsBodySchema,
    ReadingArgs,
    ReadingPage,
    ReadingsBodySchema,
    WrittenSchema,
    load_people,
)
from .schemas import MAX_INT, path_id

ROWS_422 = {
    422: "code validation_error: the body's shape names fields in details.errors "
    "(readings[0].value → messages); the rows' content names every bad row, "
    "details.errors = [{index, field, message}]; nothing is written"
}
WRITTEN_EXAMPLE = {"created": 2, "updated": 1, "unchanged": 0}
LISTED = "Newest period first. `from` / `to`: a period name or a date; see the parameters."


def _criterion(user: User, criterion_id: int, *, write: bool = False) -> CustomerCriterion:
    """The criterion of the path: 404 if none; 403 on writes to those who may not enter it."""
    message = _("No such criterion.")
    path_id(criterion_id, message)
    criterion = db.session.get(CustomerCriterion, criterion_id)
    if criterion is None:
        raise NotFound(message)
    if write and not ops.may_enter_criterion(user, criterion):
        raise Forbidden(
            _("Administrators and the heads of departments answering to it enter its values.")
        )
    return criterion


def _entered(enter, *args) -> dict[str, int]:
    """Write the batch; once more if someone entered the same new period meanwhile."""
    for again in (False, True):
        try:
            with atomic():
                written = enter(require_api_user(), *args)
            break
        except IntegrityError:
            # Both inserted the period: the second try finds it and replaces its value.
            if again:
                raise
    return {"created": written.created, "updated": written.updated, "unchanged": written.unchanged}


def _page(model, where: list, args: dict[str, Any], key: str) -> dict[str, Any]:
    """One page of readings, newest period first (then newest id), keyed by both."""
    if args.get("start"):
        where.append(model.period_start >= args["start"][0])
    if args.get("end"):
        where.append(model.period_start <= args["end"][1])

    def fetch(position: list[Any] | None, count: int) -> list:
        query = select(model).where(*where).options(selectinload(model.entered_by))
        if position is not None:
            start, last = position
            query = query.where(
                or_(
                    model.period_start < start,
                    and_(model.period_start == start, model.id < last),
                )
            )
        query = query.order_by(model.period_start.desc(), model.id.desc()).limit(count)
        rows = db.session.scalars(query).all()
        load_people(rows)
        for row in rows:
            row.position = [row.period_start.isoformat(), row.id]
        return rows

    def count() -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return page_keyset(fetch, count, args, key, read_position=_position)


def _position(raw: list[Any]) -> list[Any] | None:
    if len(raw) != 2 or not isinstance(raw[0], str) or len(raw[0]) != 10:
        return None
    last = raw[1]
    if isinstance(last, bool) or not isinstance(last, int) or not 0 < last <= MAX_INT:
        return None
    try:
        return [date.fromisoformat(raw[0]), last]
    except ValueError:
        return None


# ---------------------------------------------------------------- a charter's readings


@bp.get("/charters/<int:charter_id>/readings")
@operation(
    "A charter's readings: each commitment's value per period",
    who="members of either department (or an administrator); others get 404",
    tag="readings",
    errors=(404, 422),
    description=LISTED,
)
@loads("charter", _charter)
@bp.arguments(ReadingArgs, location="query")
@bp.response(200, ReadingPage, example={"readings": [READING_EXAMPLE], "next": None, "total": 1})
def list_readings(args, charter):
    where = [Reading.charter_id == charter.id]
    if args.get("commitment_id"):
        where.append(Reading.commitment_id == args["commitment_id"])
    return _page(Reading, where, args, "readings")


@bp.post("/charters/<int:charter_id>/readings")
@operation(
    "Enter readings of a charter in force, all or nothing",
    who="members of either department (or an administrator); others get 404",
    tag="readings",
    errors=(400, 404, 409, 422),
    codes={409: "code invalid_state: the charter is not in force", **ROWS_422},
    description="One row per commitment and period. A period entered again takes the new "
    "value and keeps the previous one in its history. Past and current periods only, also "
    "before the charter came into force.",
)
@loads("charter", _charter)
@bp.arguments(
    ReadingsBodySchema,
    example={
        "readings": [
            {"commitment_id": 7, "period": "2027-01", "value": 96.5},
            {"commitment_id": 8, "period": "2027-W03", "value": 42, "note": "Grève le 15"},
        ]
    },
)
@bp.response(200, WrittenSchema, example=WRITTEN_EXAMPLE)
def enter_readings(data, charter):
    return _entered(ops.enter_readings, charter, data["readings"])


# ---------------------------------------------------------------- the criterion's values


@bp.get("/criteria/<int:criterion_id>/readings")
@operation(
    "The end-customer criterion's company-wide values, by month",
    who="anyone signed in",
    tag="readings",
    errors=(404, 422),
    description=LISTED,
)
@loads("criterion", _criterion)
@bp.arguments(CriterionReadingArgs, location="query")
@bp.response(
    200,
    CriterionReadingPage,
    example={"readings": [CRITERION_READING_EXAMPLE], "next": None, "total": 1},
)
def list_criterion_readings(args, criterion):
    return _page(
        CriterionReading, [CriterionReading.criterion_id == criterion.id], args, "readings"
    )


@bp.post("/criteria/<int:criterion_id>/readings")
@operation(
    "Enter the criterion's monthly values, all or nothing",
    who="administrators and the heads of departments with a charter answering to the "
    "criterion; others get 403",
    tag="readings",
    errors=(400, 403, 404, 422),
    codes=ROWS_422,
    description="One row per month, past or current. A month entered again takes the new "
    "value and keeps the previous one in its history.",
)
@loads("criterion", _criterion, write=True)
@bp.arguments(
    CriterionReadingsBodySchema, example={"readings": [{"period": "2027-01", "value": 1.8}]}
)
@bp.response(200, WrittenSchema, example=WRITTEN_EXAMPLE)
def enter_criterion_readings(data, criterion):
    return _entered(ops.enter_criterion_readings, criterion, data["readings"])
