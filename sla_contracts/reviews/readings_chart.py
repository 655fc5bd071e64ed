"""The commitments' readings as small panels, one per measured commitment, with its target.

Drawn with the review chart's parts (``chart.py``): the same time axis, markers and legend.
Each side's commitments have their own marker shape (circles for the side the charter names
first, squares for the other), the target is a dashed line, and the values are in a table
for screen readers. One query for the whole charter, whatever the number of readings.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select

from .. import periods
from ..extensions import db
from ..formats import measure, period
from ..models import Charter, Reading
from ..timeutil import add_months, utcnow
from .chart import (
    DATES_H,
    MAX_READINGS,
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

YEARS_SHOWN = 3
TITLE_CHARS = 80


def _middle(key: str, first_day: date) -> date:
    kind = periods.kind_of_key(key)
    last_day = periods.of(kind, first_day).end if kind else first_day
    return date.fromordinal((first_day.toordinal() + last_day.toordinal()) // 2)


def _ticks(low: float, high: float, unit: str) -> list[tuple[float, str]]:
    return [(v, measure(v, unit, decimals=1)) for v in (low, (low + high) / 2, high)]


def _short(text: str) -> str:
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"


def commitment_readings_chart(
    charter: Charter,
    *,
    until: date | None = None,
    chart_id: str = "readings-chart",
    data_table: bool = True,
) -> Markup:
    """One panel per measured commitment that has readings, or nothing.

    The three years up to ``until`` (the review's day in its minutes; on pages, now).
    ``data_table``: add the values as a table (pages).
    """
    last = until or utcnow().date()
    rows = db.session.execute(
        select(Reading.commitment_id, Reading.period, Reading.period_start, Reading.value)
        .where(
            Reading.charter_id == charter.id,
            Reading.period_start >= add_months(last, -12 * YEARS_SHOWN),
            *((Reading.period_start <= until,) if until else ()),
        )
        .order_by(Reading.commitment_id, Reading.period_start)
    ).all()
    by_commitment: dict[int, list[Point]] = {}
    for commitment_id, key, first_day, value in rows:
        by_commitment.setdefault(commitment_id, []).append(
            Point(_middle(key, first_day), float(value), period(key))
        )
    first, second = charter.sides
    shapes = {first.id: ("circle", "s-sat-a"), second.id: ("square", "s-sat-b")}
    panels, every = [], []
    for side in (first, second):
        for c in charter.commitments_by(side.id):
            points = by_commitment.get(c.id, [])[-MAX_READINGS:]
            if not c.is_measured or not points:
                continue
            shape, css = shapes[side.id]

            def in_unit(value: float, unit: str = c.unit or "") -> str:
                return measure(value, unit, decimals=2)

            series = Series(
                _short(c.title), css, shape, tuple(points), fmt=in_unit, dashed=shape == "square"
            )
            values = [p.value for p in points] + [c.target_value]
            low, high = min(values), max(values)
            if low == high:
                low, high = low - 1, high + 1
            panels.append(
                Panel(
                    f"{side.code} · {_short(c.title)}",
                    [series],
                    low,
                    high,
                    [
                        (v, measure(v, c.unit or "", decimals=1))
                        for v in (low, (low + high) / 2, high)
                    ],
                    target=c.target_value,
                    target_label=_("Target %(value)s", value=in_unit(c.target_value)),
                )
            )
            every.append(series)
    if not panels:
        return Markup("")
    axis = TimeAxis(p.on for s in every for p in s.points)
    height = len(panels) * PANEL_H + DATES_H
    ends = {min(p.on for s in every for p in s.points), max(p.on for s in every for p in s.points)}
    labels = [(p.on, p.label) for s in every for p in s.points if p.on in ends]
    caption = _("Readings of the commitments")
    title = escape(caption)
    summary = escape(
        _(
            "One panel per measured commitment: its readings by period and its target as a "
            "dashed line. Circles: commitments of %(first)s; squares: commitments of %(second)s.",
            first=first.name,
            second=second.name,
        )
    )
    key = [
        Series(_("Commitments of %(dept)s", dept=side.name), css, shape, ())
        for side in (first, second)
        for shape, css in (shapes[side.id],)
        if any(s.css == css for s in every)
    ]
    svg = (
        f'<svg class="review-chart readings-chart" id="{chart_id}" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{title}</title><desc id="{chart_id}-desc">{summary}</desc>'
        f"{''.join(draw_panel(i, p, axis) for i, p in enumerate(panels))}"
        f"{date_labels(labels, axis, height)}</svg>"
        f"{legend(key, True)}"
    )
    if data_table:
        svg += values_table(every, caption)
    return Markup(svg)  # noqa: S704 - built from numbers and escaped text only
