"""The report's pages: the months, one month's report, its PDF and its tables as CSV.

Routes of the ``company`` blueprint (``/company/reports/…``), read by administrators and
leadership (others 403, see ``report.may_read_reports``). A malformed or future month is 404.
"""

from __future__ import annotations

from datetime import date

from flask import Response, abort, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select

from .. import formats
from ..extensions import db
from ..labels import cause_label
from ..main.security import pdf_response
from ..main.templating import NavLink
from ..models import CharterVersion
from ..timeutil import add_months, utcnow
from . import report, report_csv, report_store
from .routes import bp

INDEX_MONTHS = 24


def _reader() -> None:
    if not report.may_read_reports(current_user):
        abort(403)


def _month(text: str) -> date:
    """The month of the URL, 404 when malformed or not begun yet."""
    try:
        first = report.parse_month(text)
    except report.MonthInvalid:
        abort(404)
    if report.is_future(first, utcnow().date()):
        abort(404)
    return first


def nav() -> list[NavLink]:
    """The menu's link to the report, for those who read it."""
    if not report.may_read_reports(current_user):
        return []
    return [NavLink(str(_l("Report")), url_for("company.reports"))]


@bp.get("/reports")
@login_required
def reports():
    """The months that have a report: from the first charter in force to this month."""
    _reader()
    today = utcnow().date().replace(day=1)
    first_signed = db.session.scalar(select(func.min(CharterVersion.activated_at)))
    months = []
    month = today
    oldest = first_signed.date().replace(day=1) if first_signed else today
    while month >= oldest and len(months) < INDEX_MONTHS:
        months.append(report.month_key(month))
        month = add_months(month, -1)
    return render_template("company/reports.html", months=months, current=report.month_key(today))


@bp.get("/reports/<month>")
@login_required
def monthly_report(month: str):
    _reader()
    first = _month(month)
    values = report.report_values(first)
    return render_template(
        "company/report.html",
        report=values,
        month_name=formats.period(values["month"]),
        day_of=report_store.day_of,
        share_met_help=report_store.share_met_help(),
        links=True,
        criterion_link=_criterion_link,
        cause_label=cause_label,
        is_current=first == utcnow().date().replace(day=1),
    )


def _criterion_link(criterion_id: int) -> str:
    return url_for("company.criterion", criterion_id=criterion_id)


@bp.get("/reports/<month>/pdf")
@login_required
def monthly_report_pdf(month: str):
    _reader()
    first = _month(month)
    locale = current_user.locale
    data = report_store.stored_report_pdf(first, locale)
    return pdf_response(data, report_store.pdf_filename(first, locale))


@bp.get("/reports/<month>/csv")
@login_required
def monthly_report_csv(month: str):
    _reader()
    first = _month(month)
    response = Response(report_csv.report_zip(first), mimetype="application/zip")
    name = f"report-{report.month_key(first)}.zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
