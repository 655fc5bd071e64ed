"""The monthly report for leadership over the API (issue 14, point 6).

``GET /reports/{month}`` answers the report's values as JSON (the same values as the page,
the PDF and the CSV: ``company.report.report_values``); ``GET /reports/{month}/pdf`` the
stored PDF in the caller's language (``company.report_store``), rendered only when the
month's figures or the layout changed since the stored copy. Administrators and leadership
only (others 403). ``month`` is ``YYYY-MM`` (otherwise 422 ``validation_error`` on
``month``); a month not begun yet is 404.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from ..company import report, report_store
from ..errors import NotFound, ValidationError
from ..main.security import pdf_response
from ..timeutil import utcnow
from .auth import require_api_user
from .blueprint import bp, operation
from .schemas import Int, List, Nested, Number, Schema, Text

MONTH_PARAMETER = {
    "name": "month",
    "in": "path",
    "required": True,
    "description": "The month, `YYYY-MM` (from 2000-01 to the current month, UTC)",
    "schema": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"},
    "example": "2026-11",
}
PDF_RESPONSE = {
    "description": "The report as a PDF, in the caller's language",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
}
WHO = "administrators and people with the leadership role (others: 403)"
ERRORS = (403, 404, 422)
CODES = {
    404: "the month has not begun yet",
    422: "code validation_error on month: not YYYY-MM, or before 2000-01",
}

# ---------------------------------------------------------------- shapes


class ReportCharterEventSchema(Schema):
    event = Text(required=True, choices=("signed", "renewed", "ended", "expired"))
    charter_id = Int(required=True)
    title = Text(required=True)
    pair = List(
        Text(),
        required=True,
        metadata={"description": "The two departments, in the charter's order"},
    )
    at = Text(required=True, metadata={"description": "When (ISO 8601, UTC)"})


class ReportChartersSchema(Schema):
    in_force = Int(required=True, metadata={"description": "In force at the end of the month"})
    signed = Int(required=True, metadata={"description": "A version came into force this month"})
    renewed = Int(required=True)
    ended = Int(required=True)
    expired = Int(required=True)
    events = List(
        Nested(ReportCharterEventSchema),
        required=True,
        metadata={"description": "The first 20 of each kind"},
    )


class ReportReviewRowSchema(Schema):
    state = Text(required=True, choices=("held", "late"))
    review_id = Int(required=True)
    charter_id = Int(required=True)
    title = Text(required=True)
    pair = List(Text(), required=True)
    due_on = Text(required=True, metadata={"description": "ISO date"})
    closed_at = Text(required=True, allow_none=True)


class ReportReviewsSchema(Schema):
    held = Int(required=True, metadata={"description": "Closed this month"})
    late = Int(
        required=True,
        metadata={"description": "Due before the end of the month, not closed by then"},
    )
    rows = List(
        Nested(ReportReviewRowSchema),
        required=True,
        metadata={"description": "The first 20 of each"},
    )


class ReportPointSchema(Schema):
    period = Text(required=True)
    value = Number(required=True)


class ReportCriterionSchema(Schema):
    id = Int(required=True)
    name = Text(required=True)
    unit = Text(required=True)
    target = Number(required=True)
    direction = Text(required=True, choices=("higher_is_better", "lower_is_better"))
    charters = Int(required=True, metadata={"description": "Charters in force tied to it"})
    commitments_met = Int(required=True)
    commitments_partly_met = Int(required=True)
    commitments_missed = Int(required=True)
    commitments_without_data = Int(required=True)
    share_met = Number(
        required=True,
        allow_none=True,
        metadata={"description": "0 to 1, partly met counting half; null when nothing measured"},
    )
    trend = List(
        Nested(ReportPointSchema),
        required=True,
        metadata={"description": "Monthly values, the last 12 months"},
    )
    latest = Nested(ReportPointSchema, required=True, allow_none=True)


class ReportGapSchema(Schema):
    charter_id = Int(required=True)
    review_id = Int(required=True)
    title = Text(required=True)
    pair = List(Text(), required=True)
    first_rates_second = Int(required=True)
    second_rates_first = Int(required=True)
    gap = Int(required=True, metadata={"description": "first_rates_second − second_rates_first"})
    closed_at = Text(required=True)


class ReportIrritantSchema(Schema):
    text = Text(required=True)
    count = Int(required=True)
    sources = List(Text(choices=("review", "survey")), required=True)
    charters = List(Text(), required=True)
    last_at = Text(required=True)


class ReportMissesSchema(Schema):
    own_side = Int(required=True)
    other_side_prerequisite = Int(required=True)
    outside = Int(required=True)
    not_given = Int(required=True, metadata={"description": "Missed with no cause given"})
    total = Int(required=True)


class ReportSchema(Schema):
    month = Text(required=True)
    starts_on = Text(required=True)
    last_day = Text(required=True)
    charters = Nested(ReportChartersSchema, required=True)
    reviews = Nested(ReportReviewsSchema, required=True)
    criteria = List(Nested(ReportCriterionSchema), required=True)
    misses_by_cause = Nested(
        ReportMissesSchema,
        required=True,
        metadata={
            "description": "Commitments missed or partly met at the reviews held in the month"
        },
    )
    satisfaction_gaps = List(Nested(ReportGapSchema), required=True)
    irritants = List(Nested(ReportIrritantSchema), required=True)


REPORT_EXAMPLE = {
    "month": "2026-11",
    "starts_on": "2026-11-01",
    "last_day": "2026-11-30",
    "charters": {
        "in_force": 12,
        "signed": 1,
        "renewed": 0,
        "ended": 0,
        "expired": 0,
        "events": [
            {
                "event": "signed",
                "charter_id": 7,
                "title": "Logistique ⇄ Magasins",
                "pair": ["Logistique", "Magasins"],
                "at": "2026-11-05T10:00:00+00:00",
            }
        ],
    },
    "reviews": {
        "held": 1,
        "late": 0,
        "rows": [
            {
                "state": "held",
                "review_id": 3,
                "charter_id": 7,
                "title": "Logistique ⇄ Magasins",
                "pair": ["Logistique", "Magasins"],
                "due_on": "2026-11-15",
                "closed_at": "2026-11-16T10:00:00+00:00",
            }
        ],
    },
    "criteria": [
        {
            "id": 1,
            "name": "Shelf out-of-stock rate",
            "unit": "%",
            "target": 2.0,
            "direction": "lower_is_better",
            "charters": 3,
            "commitments_met": 4,
            "commitments_partly_met": 1,
            "commitments_missed": 1,
            "commitments_without_data": 0,
            "share_met": 0.75,
            "trend": [{"period": "2026-10", "value": 2.5}, {"period": "2026-11", "value": 2.1}],
            "latest": {"period": "2026-11", "value": 2.1},
        }
    ],
    "misses_by_cause": {
        "own_side": 2,
        "other_side_prerequisite": 1,
        "outside": 0,
        "not_given": 1,
        "total": 4,
    },
    "satisfaction_gaps": [
        {
            "charter_id": 7,
            "review_id": 3,
            "title": "Logistique ⇄ Magasins",
            "pair": ["Logistique", "Magasins"],
            "first_rates_second": 2,
            "second_rates_first": 4,
            "gap": -2,
            "closed_at": "2026-11-16T10:00:00+00:00",
        }
    ],
    "irritants": [
        {
            "text": "Late orders",
            "count": 3,
            "sources": ["review", "survey"],
            "charters": ["Logistique ⇄ Magasins"],
            "last_at": "2026-11-16T10:00:00+00:00",
        }
    ],
}

# ---------------------------------------------------------------- endpoints


def _month(text: str) -> date:
    """The path's month for a reader: 403 before anything else, 422 malformed, 404 future."""
    report.ensure_reader(require_api_user())
    try:
        first = report.parse_month(text)
    except report.MonthInvalid:
        raise ValidationError(
            _("Give the month as YYYY-MM, for example 2026-11."), field="month"
        ) from None
    if report.is_future(first, utcnow().date()):
        raise NotFound(_("This month has not begun yet: it has no report."))
    return first


@bp.get("/reports/<month>", parameters=[MONTH_PARAMETER])
@operation(
    "The monthly report for leadership",
    who=WHO,
    tag="company",
    errors=ERRORS,
    codes=CODES,
    description="The month's figures (UTC): charters in force at its end, signed, renewed, "
    "ended and expired in it; reviews held and late; per end-customer criterion the share "
    "of commitments met on the readings of periods begun by its end and its monthly "
    "values; the misses of the reviews held in it by cause; the largest satisfaction gaps at the "
    "pairs' last reviews; the irritants quoted most. The current month is the month to date.",
)
@bp.response(200, ReportSchema, description="The report", example=REPORT_EXAMPLE)
def get_report(month: str):
    return report.report_values(_month(month))


@bp.get("/reports/<month>/pdf", parameters=[MONTH_PARAMETER])
@operation(
    "The monthly report as a PDF",
    who=WHO,
    tag="company",
    errors=ERRORS,
    codes=CODES,
    description="In the caller's language; stored once per month and language and served "
    "as stored while the month's figures are unchanged.",
)
@bp.doc(responses={"200": PDF_RESPONSE})
def get_report_pdf(month: str):
    first = _month(month)
    user = require_api_user()
    data = report_store.stored_report_pdf(first, user.locale)
    return pdf_response(data, report_store.pdf_filename(first, user.locale))
