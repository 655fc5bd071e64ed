"""The minutes of a closed review as a PDF, through the shared renderer (``sla_contracts.pdf``)."""

from __future__ import annotations

from flask_babel import force_locale
from markupsafe import Markup

from ..formats import collate, local_date, share_met_help
from ..labels import action_status_label, cause_label, decision_label, owner_label, result_label
from ..models import Review
from ..pdf import render_pdf  # the signing feature's restricted WeasyPrint renderer
from . import survey
from .access import reviews_of
from .attribution import misses_by_cause
from .chart import criterion_reading_points, history_chart
from .readings_chart import commitment_readings_chart

TEMPLATE = "pdf/minutes.html"


def minutes_values(review: Review) -> dict:
    """Plain values for the minutes template (no ORM objects reach the renderer)."""
    charter = review.charter
    sides = []
    titles = {c.id: c.title for c in charter.commitments}
    first, second = charter.sides  # the charter's one order: its title's
    for provider, beneficiary in ((first, second), (second, first)):
        sides.append(
            {
                "name": provider.name,
                "beneficiary": beneficiary.name,
                "assessments": [
                    {
                        "title": a.title,
                        "indicator": a.indicator,
                        "target": a.target,
                        "unit": a.unit,
                        "result": a.result.value if a.result else "none",
                        "result_label": result_label(a.result),
                        "measured_value": a.measured_value,
                        "comment": a.comment,
                        "cause": _cause_text(a, titles) if a.cause or a.is_miss else "",
                    }
                    for a in review.assessments
                    if a.provider_department_id == provider.id
                ],
            }
        )
    _upcoming, history = reviews_of(charter)
    history = [r for r in history if r.held_at and review.held_at and r.held_at <= review.held_at]
    return {
        "title": charter.title,
        "department_a": charter.department_a.name,
        "department_b": charter.department_b.name,
        "pair": f"{first.name} ⇄ {second.name}",
        "b_first": charter.reads_b_first,
        "criterion": {
            "name": charter.criterion.name,
            "unit": charter.criterion.unit,
            "target": charter.criterion.target,
        },
        "version_number": review.version_number,
        "due_on": review.due_on,
        "held_at": review.held_at,
        "location": " · ".join(x for x in (review.location, review.video_link) if x),
        "attendees": collate(a.user.name for a in review.attendees),
        "sides": sides,
        "share_met": review.share_met,
        "misses": [side.text for side in misses_by_cause(review)],
        "criterion_value": review.criterion_value,
        "satisfaction": [
            {"rater": rater.name, "rated": rated.name, "value": getattr(review, name)}
            for name, rater, rated in charter.satisfaction_sides
        ],
        "gap": review.satisfaction_gap,
        "survey": survey.minutes_values(review),
        "irritants": review.irritants,
        "minutes": review.minutes,
        "decision": decision_label(review.decision),
        "actions": [
            {
                "title": a.title,
                "owner": owner_label(a),
                "due_on": a.due_on,
                "status": action_status_label(a.status),
            }
            for a in review.meeting_actions
        ],
        "history": history,
        "share_met_help": share_met_help(),
    }


def _cause_text(assessment, titles: dict[int, str]) -> str:
    """ "A prerequisite the other side did not deliver: Orders before 14:00 — note"."""
    text = cause_label(assessment.cause)
    if assessment.prerequisite_commitment_id in titles:
        text = f"{text}: {titles[assessment.prerequisite_commitment_id]}"
    return f"{text} — {assessment.cause_note}" if assessment.cause_note else text


def minutes_document(review: Review, locale: str = "fr") -> tuple[dict, Markup]:
    """The minutes' plain values and their chart, in ``locale``: all the renderer needs."""
    with force_locale(locale):
        values = minutes_values(review)
        history = values.pop("history")
        held = local_date(review.held_at) if review.held_at else None
        chart = history_chart(
            history,
            values["department_a"],
            values["department_b"],
            values["criterion"]["name"],
            values["criterion"]["unit"],
            b_first=values["b_first"],
            target=values["criterion"]["target"],
            readings=criterion_reading_points(review.charter, history, until=held),
            data_table=False,
            chart_id="minutes-chart",
        )
        values["readings_chart"] = commitment_readings_chart(
            review.charter, until=held, chart_id="minutes-readings", data_table=False
        )
    return values, chart


def render_minutes(values: dict, chart: Markup, locale: str = "fr") -> bytes:
    """Render minutes from :func:`minutes_document`'s values (no database access)."""
    return render_pdf(TEMPLATE, locale=locale, chart=chart, **values)
