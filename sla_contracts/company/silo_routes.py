"""The silo index over time (issue 14, point 2): ``/company/silos``.

Drawn with the review chart's parts (``reviews/chart.py``): one panel from 0 to 100 %, the share
of dependent pairs without a charter in force (diamonds) and the share of charters in force with
a late review (squares, dashed), month by month from the stored rows, this month's figures in
words above it, every value in a table. Readable by anyone signed in: company-wide shares only,
no department named. Three statements: the current figures (two) and the stored months.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup, escape

from ..directory import silos
from ..formats import percent, period
from ..reviews.chart import (
    DATES_H,
    PANEL_H,
    WIDTH,
    Panel,
    Point,
    Series,
    TimeAxis,
    date_labels,
    draw_panel,
    legend,
    values_table,
)
from ..timeutil import utcnow
from .routes import bp


def _month_points(rows, read) -> tuple[Point, ...]:
    return tuple(
        Point(row.month.replace(day=15), value * 100, period(row.month.strftime("%Y-%m")))
        for row in rows
        if (value := read(row)) is not None
    )


def silo_chart(rows, chart_id: str = "silo-chart") -> Markup:
    """The stored months as one panel of two shares, or nothing without a stored month."""
    index = Series(
        _("Dependent pairs without a charter in force"),
        "s-crit",
        "diamond",
        _month_points(rows, lambda r: r.index),
        fmt=percent,
    )
    late = Series(
        _("Charters in force with a late review"),
        "s-sat-b",
        "square",
        _month_points(rows, lambda r: r.late_share),
        fmt=percent,
        dashed=True,
    )
    every = [index, late]
    points = [p for s in every for p in s.points]
    if not points:
        return Markup("")
    panel = Panel(
        _("Silo index (%)"), every, 0, 100, [(v, percent(v, decimals=0)) for v in (0, 50, 100)]
    )
    axis = TimeAxis(p.on for p in points)
    height = PANEL_H + DATES_H
    ends = {min(p.on for p in points), max(p.on for p in points)}
    labels = [(p.on, p.label) for p in points if p.on in ends]
    title = escape(_("The silo index over time"))
    summary = escape(
        _(
            "Month by month: diamonds, the share of dependent pairs without a charter in "
            "force; squares on a dashed line, the share of charters in force whose review "
            "is late."
        )
    )
    svg = (
        f'<svg class="review-chart silo-chart" id="{chart_id}" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{title}</title><desc id="{chart_id}-desc">{summary}</desc>'
        f"{draw_panel(0, panel, axis)}{date_labels(labels, axis, height)}</svg>"
        f"{legend(every, False)}{values_table(every, _('The silo index over time'))}"
    )
    return Markup(svg)  # noqa: S704 - built from numbers and escaped text only


@bp.route("/silos", endpoint="silos")
@login_required
def silo_trend():
    today = utcnow().date()
    return render_template(
        "company/silos.html",
        current=silos.silo_state(today).company,
        chart=silo_chart(silos.company_history()),
    )
