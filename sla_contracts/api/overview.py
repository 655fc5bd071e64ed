"""The company's view over the API (issue 14, point 6): what moves one end-customer criterion.

``GET /criteria/{id}/overview`` answers the criterion page's data (``company.criterion``): the
criterion's monthly company-wide readings of the last 24 months (``readings``, a bounded list),
the charters in force tied to it that the caller may read (``charters``, a cursor page in id
order with ``next`` and ``total``, each with ``share_met``, its misses and early warnings and
its last closed review), the misses by cause of the last six months (``misses_by_cause``) and
the pairs' mutual satisfaction month by month (``satisfaction``). Anyone signed in may call it;
what a head is answered is what they may read, an administrator all.
"""

from __future__ import annotations

from typing import Any

from ..company import criterion as overview_data
from ..formats import local_date
from ..models import Charter
from ..timeutil import utcnow
from .auth import loads, require_api_user
from .blueprint import bp, operation
from .directory import CRITERION_EXAMPLE, CriterionSchema
from .pages import page_query
from .readings import _criterion
from .schemas import Day, Id, Int, List, Nested, Number, PageArgs, Schema, Text, When


class OverviewReadingSchema(Schema):
    period = Text(required=True, source=lambda p: f"{p.on.year}-{p.on.month:02d}")
    value = Number(required=True)


class SideSchema(Schema):
    id = Id(required=True)
    name = Text(required=True)


class RatingSchema(Schema):
    department_id = Id(required=True, source=lambda r: r[0].id)
    score = Int(
        required=True,
        allow_none=True,
        source=lambda r: r[1],
        metadata={"description": "How satisfied this side was with the other (1 to 5)"},
    )


class LastReviewSchema(Schema):
    id = Id(required=True)
    held_at = When(required=True, allow_none=True)
    satisfaction = List(Nested(RatingSchema), required=True, attribute="satisfactions")
    gap = Int(required=True, allow_none=True)


class OverviewCharterSchema(Schema):
    id = Id(required=True)
    title = Text(required=True)
    departments = List(
        Nested(SideSchema),
        required=True,
        attribute="sides",
        metadata={"description": "The two sides, in the charter's reading order"},
    )
    share_met = Number(
        required=True,
        allow_none=True,
        metadata={
            "description": "Share (0 to 1) of its measured commitments met on their latest "
            "reading, partly met counting half; null before any reading"
        },
    )
    missed = Int(required=True, minimum=0)
    warnings = Int(required=True, minimum=0)
    last_review = Nested(LastReviewSchema, required=True, allow_none=True)


class MissesSchema(Schema):
    since = Day(required=True)
    own_side = Int(required=True, minimum=0)
    other_side_prerequisite = Int(required=True, minimum=0)
    outside = Int(required=True, minimum=0)
    not_given = Int(required=True, minimum=0)
    total = Int(required=True, minimum=0)


class SatisfactionMonthSchema(Schema):
    month = Text(required=True, source=lambda m: f"{m.month.year}-{m.month.month:02d}")
    higher = Number(required=True)
    lower = Number(required=True)
    reviews = Int(required=True, minimum=0)


class CriterionOverviewSchema(Schema):
    criterion = Nested(CriterionSchema, required=True)
    readings = List(Nested(OverviewReadingSchema), required=True)
    charters = List(Nested(OverviewCharterSchema), required=True)
    next = Text(
        required=True,
        allow_none=True,
        metadata={"description": "The URL of the next page of charters, or null on the last"},
    )
    total = Int(required=True, minimum=0, metadata={"description": "Charters in all pages"})
    misses_by_cause = Nested(MissesSchema, required=True)
    satisfaction = List(Nested(SatisfactionMonthSchema), required=True)


OVERVIEW_EXAMPLE: dict[str, Any] = {
    "criterion": CRITERION_EXAMPLE,
    "readings": [{"period": "2027-01", "value": 2.4}, {"period": "2027-02", "value": 2.1}],
    "charters": [
        {
            "id": 7,
            "title": "Logistique ⇄ Magasins",
            "departments": [{"id": 1, "name": "Logistique"}, {"id": 2, "name": "Magasins"}],
            "share_met": 0.75,
            "missed": 1,
            "warnings": 0,
            "last_review": {
                "id": 12,
                "held_at": "2027-01-20T09:00:00+00:00",
                "satisfaction": [
                    {"department_id": 1, "score": 4},
                    {"department_id": 2, "score": 2},
                ],
                "gap": 2,
            },
        }
    ],
    "next": None,
    "total": 1,
    "misses_by_cause": {
        "since": "2026-08-20",
        "own_side": 2,
        "other_side_prerequisite": 1,
        "outside": 0,
        "not_given": 1,
        "total": 4,
    },
    "satisfaction": [{"month": "2027-01", "higher": 4.0, "lower": 2.5, "reviews": 2}],
}


@bp.get("/criteria/<int:criterion_id>/overview")
@operation(
    "What moves an end-customer criterion: its readings, the charters tied to it, the misses",
    who="anyone signed in; the charters, misses and satisfaction are those of the charters "
    "the caller may read (an administrator: all)",
    tag="company",
    errors=(404, 422),
    description="`readings`: the criterion's monthly company-wide values of the last 24 "
    "months, oldest first (at most 24). `charters`: the charters in force tied to the "
    "criterion, a cursor page in id order (`limit`, `cursor`, `next`, `total`). "
    "`misses_by_cause`: the missed or partly met commitments of the closed reviews held since "
    "`since` (six months back). `satisfaction`: month by month, the closed reviews' average "
    "score of the more satisfied side and of the less satisfied one (1 to 5).",
)
@loads("criterion", _criterion)
@bp.arguments(PageArgs, location="query")
@bp.response(200, CriterionOverviewSchema, example=OVERVIEW_EXAMPLE)
def criterion_overview(args, criterion):
    reader = require_api_user()
    since, misses_since = overview_data.windows(local_date(utcnow()))
    page = page_query(
        overview_data.charters_query(criterion.id, reader),
        Charter.id,
        args,
        "charters",
        newest_first=False,
    )
    page["charters"], _measures = overview_data.charter_lines(page["charters"])
    misses = overview_data.misses_for(criterion, reader, misses_since)
    return {
        "criterion": criterion,
        "readings": overview_data.reading_points(criterion.id, since),
        **page,
        "misses_by_cause": {"since": misses_since, **misses._asdict(), "total": misses.total},
        "satisfaction": overview_data.satisfaction_by_month(criterion.id, reader, since),
    }
