"""The criterion page's chart: the criterion's company-wide readings (its target dashed) above
the pairs' mutual satisfaction, on one time axis, so leadership sees whether better cooperation
inside moves the number outside.

Drawn from the parts of the one chart module (``reviews.chart``: panels, markers, legend, the
values as a table): same shapes, colours and accessibility as the charter page's chart.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup, escape

from ..formats import day, measure, number
from ..formats import period as period_name
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
from ..timeutil import add_months
from .criterion import Overview, SatisfactionMonth


def _month_point(month: SatisfactionMonth, value: float) -> Point:
    """The month's value in the middle of the month, where its reading is drawn too."""
    key = f"{month.month.year}-{month.month.month:02d}"
    last = add_months(month.month, 1) - timedelta(days=1)
    middle = date.fromordinal((month.month.toordinal() + last.toordinal()) // 2)
    return Point(middle, round(value, 2), period_name(key))


def criterion_chart(found: Overview, chart_id: str = "criterion-chart") -> Markup:
    """Two panels on one time axis: the criterion's readings and target, the satisfaction."""
    criterion = found.criterion
    if not found.readings and not found.satisfaction:
        return Markup("")
    unit = criterion.unit or ""

    def in_unit(value: float) -> str:
        return measure(value, unit, decimals=2)

    readings = Series(
        _("%(criterion)s, company-wide", criterion=criterion.name),
        "s-crit",
        "diamond",
        tuple(found.readings),
        fmt=in_unit,
    )
    known = [p.value for p in found.readings]
    target = float(criterion.target) if criterion.target is not None else None
    if target is not None:
        known.append(target)
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    if low == high:
        low, high = low - 1, high + 1
    satisfaction = [
        Series(
            _("More satisfied side (average, 1–5)"),
            "s-sat-a",
            "circle",
            tuple(_month_point(m, m.higher) for m in found.satisfaction),
        ),
        Series(
            _("Less satisfied side (average, 1–5)"),
            "s-sat-b",
            "square",
            tuple(_month_point(m, m.lower) for m in found.satisfaction),
            dashed=True,
        ),
    ]
    target_label = _("Target %(value)s", value=in_unit(target)) if target is not None else ""
    panels = [
        Panel(
            f"{criterion.name}{f' ({unit})' if unit else ''}",
            [readings],
            low,
            high,
            [(v, measure(v, unit, decimals=1)) for v in (low, (low + high) / 2, high)],
            target=target,
            target_label=target_label,
        ),
        Panel(
            _("Mutual satisfaction of the pairs (1 to 5)"),
            satisfaction,
            1,
            5,
            [(v, number(v)) for v in (1, 3, 5)],
        ),
    ]
    every = [s for p in panels for s in p.series]
    points = [p for s in every for p in s.points]
    axis = TimeAxis(p.on for p in points)
    height = len(panels) * PANEL_H + DATES_H
    days: list[date] = sorted({p.on for p in points})
    summary = ngettext(
        "%(num)d month, from %(day)s to %(date)s. The dashed line is the target.",
        "%(num)d months, from %(day)s to %(date)s. The dashed line is the target.",
        len({(d.year, d.month) for d in days}),
        day=day(days[0]),
        date=day(days[-1]),
    )
    title = escape(_("The criterion and the pairs’ satisfaction over time"))
    svg = (
        f'<svg class="review-chart" id="{chart_id}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{title}</title>'
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>'
        f"{''.join(draw_panel(i, p, axis) for i, p in enumerate(panels))}"
        f"{date_labels([(p.on, p.label or day(p.on)) for p in points], axis, height)}</svg>"
        f"{legend(every, bool(target_label))}"
        f"{values_table(every, _('The criterion and the pairs’ satisfaction over time'))}"
    )
    return Markup(svg)  # noqa: S704 - built from numbers and escaped text only
