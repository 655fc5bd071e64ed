"""A small server-rendered SVG chart of a charter's reviews (prints in PDFs, no JavaScript).

Three stacked panels share a time axis along the bottom, each with its own labelled scale:
satisfaction (1 to 5), the share of commitments met (0 to 100 %) and the end-customer
criterion (in its unit, with its target drawn as a dashed line). Every series has its own
marker shape as well as its own colour, and points that would fall on each other are moved
apart sideways, so two equal values stay two visible points in print and for colour-blind
readers. The legend repeats each marker in words, and a data table (on pages) gives screen
readers every value the chart shows.

The chart is built from plain values (:class:`Point`, :class:`Series`) by
:func:`history_chart`, the one entry point the charter page and the minutes PDF share.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup, escape
from sqlalchemy import select

from .. import periods
from ..extensions import db
from ..formats import day, local_date, measure, number, percent, period
from ..models import Charter, CriterionReading
from ..timeutil import add_months

WIDTH, PAD_L, PAD_R = 520, 64, 44
TITLE_H, PLOT_H, GAP, DATES_H = 18, 64, 14, 26
PANEL_H = TITLE_H + PLOT_H + GAP
MARK = 4.0  # half the size of a marker
DODGE = 2 * MARK + 1.5  # sideways step between two points that would overlap
LABEL_SPACING = 64  # the least room between two date labels
MAX_READINGS = 160  # three years of weekly readings: more would be a smudge, not a line
# Colours as SVG presentation attributes, not a <style> element: the page's
# Content-Security-Policy allows no inline styles, and the PDF renders them the same.
COLOURS = {
    "s-met": "#1e7b3c",
    "s-sat-a": "#1d5f8a",
    "s-sat-b": "#7a4a12",
    "s-crit": "#8a1d5f",
    "s-crit-reading": "#8a1d5f",
}
TARGET_COLOUR = "#333"
AXIS = 'font-family="sans-serif" font-size="10" fill="#555"'
TITLE = 'font-family="sans-serif" font-size="11" font-weight="bold" fill="#333"'


@dataclass(frozen=True)
class Point:
    on: date
    value: float
    label: str = ""  # how the point's date is said (a reading's period), else its day


@dataclass(frozen=True)
class Series:
    """One line of the chart: its points, its legend text, its colour key and marker shape."""

    label: str
    css: str
    marker: str  # circle, square, triangle, diamond, ring
    points: tuple[Point, ...]
    fmt: Callable[[float], str] | None = (
        None  # value -> text for the data table and the hover titles
    )
    dashed: bool = False


@dataclass
class Panel:
    title: str
    series: list[Series]
    low: float
    high: float
    ticks: list[tuple[float, str]]
    target: float | None = None
    target_label: str = ""


# ---------------------------------------------------------------- drawing


def marker(shape: str, x: float, y: float, colour: str, size: float = MARK) -> str:
    """An SVG marker of ``shape`` centred on (x, y), outlined in white to stay apart."""
    edge = 'stroke="#fff" stroke-width="1"'
    if shape == "square":
        s = round(size * 0.9, 1)
        return (
            f'<rect x="{round(x - s, 1)}" y="{round(y - s, 1)}" width="{2 * s}" height="{2 * s}" '
            f'fill="{colour}" {edge}/>'
        )
    if shape == "triangle":
        s = size * 1.2
        pts = f"{x},{round(y - s, 1)} {round(x + s, 1)},{round(y + s * 0.8, 1)} "
        pts += f"{round(x - s, 1)},{round(y + s * 0.8, 1)}"
        return f'<polygon points="{pts}" fill="{colour}" {edge}/>'
    if shape == "diamond":
        s = size * 1.25
        pts = f"{x},{round(y - s, 1)} {round(x + s, 1)},{y} {x},{round(y + s, 1)} "
        pts += f"{round(x - s, 1)},{y}"
        return f'<polygon points="{pts}" fill="{colour}" {edge}/>'
    if shape == "ring":
        return (
            f'<circle cx="{x}" cy="{y}" r="{round(size * 0.75, 1)}" fill="#fff" '
            f'stroke="{colour}" stroke-width="1.5"/>'
        )
    return f'<circle cx="{x}" cy="{y}" r="{size}" fill="{colour}" {edge}/>'


class TimeAxis:
    """Dates to x positions: proportional to time, one date alone in the middle."""

    def __init__(self, days: Iterable[date]):
        ordinals = [d.toordinal() for d in days]
        self.first = min(ordinals, default=0)
        self.last = max(ordinals, default=0)

    def x(self, on: date) -> float:
        plot_w = WIDTH - PAD_L - PAD_R
        if self.last == self.first:
            return round(PAD_L + plot_w / 2, 1)
        return round(PAD_L + plot_w * (on.toordinal() - self.first) / (self.last - self.first), 1)


def _dodged(placed: list[tuple[float, float]], x: float, y: float) -> float:
    """Move ``x`` sideways until no point already placed sits under the new one."""
    inward = -1 if x > (PAD_L + WIDTH - PAD_R) / 2 else 1  # first towards the middle
    step = 0.0
    while any(abs(px - (x + step)) < DODGE and abs(py - y) < 2 * MARK for px, py in placed):
        step = -step if step * inward > 0 else -step + inward * DODGE  # +d, -d, +2d, -2d, …
    return round(x + step, 1)


def draw_panel(index: int, panel: Panel, axis: TimeAxis) -> str:
    top = index * PANEL_H + TITLE_H
    span = (panel.high - panel.low) or 1.0

    def y(value: float) -> float:
        return round(top + PLOT_H * (1 - (value - panel.low) / span), 1)

    out = [
        f'<text x="{PAD_L}" y="{top - 6}" class="panel-title" {TITLE}>{escape(panel.title)}</text>'
    ]
    for value, label in panel.ticks:
        out.append(
            f'<line x1="{PAD_L}" y1="{y(value)}" x2="{WIDTH - PAD_R}" y2="{y(value)}" '
            'class="grid" stroke="#ddd"/>'
            f'<text x="{PAD_L - 6}" y="{y(value) + 3.5}" text-anchor="end" class="axis" {AXIS}>'
            f"{escape(label)}</text>"
        )
    if panel.target is not None:
        ty = y(panel.target)
        out.append(
            f'<g class="target"><title>{escape(panel.target_label)}</title>'
            f'<line x1="{PAD_L}" y1="{ty}" x2="{WIDTH - PAD_R}" y2="{ty}" stroke="{TARGET_COLOUR}" '
            'stroke-width="1.2" stroke-dasharray="6 3"/>'
            f'<text x="{WIDTH - PAD_R}" y="{round(ty - 3, 1)}" text-anchor="end" {AXIS}>'
            f"{escape(panel.target_label)}</text></g>"
        )
    # A point moves aside only for another series' point: a series' own points follow each
    # other in time (weekly readings sit close together; dodging them would push them off).
    placed: list[tuple[float, float]] = []
    for s in panel.series:
        colour = COLOURS[s.css]
        points = []
        for p in s.points:
            py = y(p.value)
            points.append((_dodged(placed, axis.x(p.on), py), py, p))
        placed.extend((px, py) for px, py, _p in points)
        if not points:
            continue
        dash = ' stroke-dasharray="4 2"' if s.dashed else ""
        line = ""
        if len(points) > 1:
            path = " ".join(f"{px},{py}" for px, py, _p in points)
            line = (
                f'<polyline points="{path}" class="{s.css}" fill="none" stroke="{colour}" '
                f'stroke-width="{1.2 if s.marker == "ring" else 2}"{dash}/>'
            )
        fmt = s.fmt or number
        dots = "".join(
            f"<g><title>{escape(s.label)}: {escape(fmt(p.value))} "
            f"({escape(p.label or day(p.on))})</title>"
            f"{marker(s.marker, px, py, colour, MARK * 0.8 if s.marker == 'ring' else MARK)}</g>"
            for px, py, p in points
        )
        out.append(
            f'<g class="series {s.css}" data-marker="{s.marker}">'
            f"<title>{escape(s.label)}</title>{line}{dots}</g>"
        )
    return "".join(out)


def date_labels(labels: Sequence[tuple[date, str]], axis: TimeAxis, height: int) -> str:
    """Dates along the bottom, leaving out a label that would overlap the one before it."""
    out, last_x = [], None
    for on, text in sorted(set(labels)):
        x = axis.x(on)
        if last_x is not None and x - last_x < LABEL_SPACING:
            continue
        out.append(
            f'<text x="{x}" y="{height - 8}" text-anchor="middle" class="axis" {AXIS}>'
            f"{escape(text)}</text>"
        )
        last_x = x
    return "".join(out)


def legend(series: list[Series], with_target: bool) -> str:
    items = []
    for s in series:
        colour = COLOURS[s.css]
        dash = ' stroke-dasharray="4 2"' if s.dashed else ""
        sample = (
            '<svg class="legend-mark" width="26" height="12" viewBox="0 0 26 12" '
            'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">'
            f'<line x1="1" y1="6" x2="25" y2="6" stroke="{colour}" stroke-width="2"{dash}/>'
            f"{marker(s.marker, 13, 6, colour)}</svg>"
        )
        items.append(
            f'<li data-marker="{s.marker}">{sample} {escape(s.label)} '
            f'<span class="visually-hidden">({escape(marker_name(s.marker))})</span></li>'
        )
    if with_target:
        dashed = escape(_("Target (dashed line)"))
        items.append(
            '<li data-marker="target"><svg class="legend-mark" width="26" height="12" '
            'viewBox="0 0 26 12" aria-hidden="true" focusable="false" '
            'xmlns="http://www.w3.org/2000/svg">'
            f'<line x1="1" y1="6" x2="25" y2="6" stroke="{TARGET_COLOUR}" stroke-width="1.2" '
            f'stroke-dasharray="6 3"/></svg> {dashed}</li>'
        )
    return f'<ul class="chart-legend">{"".join(items)}</ul>'


def marker_name(shape: str) -> str:
    """The marker's shape in words, for the legend's readers who cannot tell colours apart."""
    return {
        "circle": _("circles"),
        "square": _("squares"),
        "triangle": _("triangles"),
        "diamond": _("diamonds"),
        "ring": _("hollow circles"),
    }[shape]


def values_table(series: list[Series], caption: str) -> str:
    """Every value of the chart, one row per date, for screen readers and anyone who asks."""
    labels: dict[date, str] = {}
    for s in series:
        for p in s.points:
            if p.label or p.on not in labels:
                labels[p.on] = p.label or day(p.on)
    by_series = [{p.on: p.value for p in s.points} for s in series]
    head = "".join(f'<th scope="col">{escape(s.label)}</th>' for s in series)
    summary, date_header = escape(_("The chart’s values as a table")), escape(_("Date"))
    rows = []
    for on in sorted(labels):
        cells = "".join(
            f"<td>{escape((s.fmt or number)(values[on])) if on in values else '—'}</td>"
            for s, values in zip(series, by_series, strict=True)
        )
        rows.append(f'<tr><th scope="row">{escape(labels[on])}</th>{cells}</tr>')
    return (
        f'<details class="chart-data"><summary>{summary}'
        f'</summary><div class="table-wrap"><table class="striped"><caption>{escape(caption)}'
        f'</caption><thead><tr><th scope="col">{date_header}</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div></details>"
    )


# ---------------------------------------------------------------- the reviews' chart


def _held_day(review) -> date:
    held = review.held_at
    if isinstance(held, datetime):
        return local_date(held)
    return held if isinstance(held, date) else date.min


def _points(reviews, read) -> tuple[Point, ...]:
    return tuple(
        Point(_held_day(r), float(v)) for r in reviews if (v := read(r)) is not None and r.held_at
    )


def history_chart(
    reviews: Sequence,
    name_a: str = "A",
    name_b: str = "B",
    criterion: str = "",
    unit: str = "",
    *,
    b_first: bool = False,
    target: float | None = None,
    readings: Sequence[Point] = (),
    data_table: bool = True,
    chart_id: str = "review-chart",
) -> Markup:
    """Satisfaction (1–5), the share of commitments met (%) and the criterion, one panel each.

    ``reviews``: closed reviews, oldest first (anything with ``held_at``, ``share_met``, the two
    satisfactions and ``criterion_value``). ``target``: the criterion's target, drawn as a
    dashed line. ``readings``: the criterion's values between reviews
    (:func:`criterion_reading_points`).
    ``b_first``: the charter reads B before A (its title's order), so B's satisfaction leads.
    ``data_table``: add the values as a table (pages; the PDF's tables already carry them).
    """
    if not reviews:
        return Markup("")
    label_a = _("Satisfaction of %(dept)s (1–5)", dept=name_a)
    label_b = _("Satisfaction of %(dept)s (1–5)", dept=name_b)
    sides = [
        (label_a, "s-sat-a", lambda r: r.satisfaction_a_of_b),
        (label_b, "s-sat-b", lambda r: r.satisfaction_b_of_a),
    ]
    if b_first:
        sides.reverse()
    # The side read first gets circles and a solid line, the other squares and dashes.
    satisfaction = [
        Series(label, css, shape, _points(reviews, read), dashed=shape == "square")
        for (label, css, read), shape in zip(sides, ("circle", "square"), strict=True)
    ]
    met = Series(
        _("Share of commitments met"),
        "s-met",
        "triangle",
        _points(reviews, lambda r: r.share_met * 100 if r.share_met is not None else None),
        fmt=percent,
    )
    label_crit = criterion or _("End-customer criterion")

    def in_unit(value: float) -> str:
        return measure(value, unit, decimals=2)

    crit = Series(
        _("%(criterion)s at the review", criterion=label_crit),
        "s-crit",
        "diamond",
        _points(reviews, lambda r: r.criterion_value),
        fmt=in_unit,
    )
    crit_series = [crit]
    if readings:
        crit_series.insert(
            0,
            Series(
                _("%(criterion)s, readings between reviews", criterion=label_crit),
                "s-crit-reading",
                "ring",
                tuple(readings),
                fmt=in_unit,
            ),
        )
    known = [p.value for s in crit_series for p in s.points]
    if target is not None:
        known.append(float(target))
    c_low, c_high = (min(known), max(known)) if known else (0.0, 1.0)
    if c_low == c_high:
        c_low, c_high = c_low - 1, c_high + 1
    target_label = _("Target %(value)s", value=in_unit(target)) if target is not None else ""
    panels = [
        Panel(_("Satisfaction (1 to 5)"), satisfaction, 1, 5, [(v, number(v)) for v in (1, 3, 5)]),
        Panel(_("Commitments met (%)"), [met], 0, 100, [(v, percent(v)) for v in (0, 50, 100)]),
        Panel(
            f"{label_crit}{f' ({unit})' if unit else ''}",
            crit_series,
            c_low,
            c_high,
            [(v, measure(v, unit, decimals=1)) for v in (c_low, (c_low + c_high) / 2, c_high)],
            target=float(target) if target is not None else None,
            target_label=target_label,
        ),
    ]
    every = [s for p in panels for s in p.series]
    review_days = [_held_day(r) for r in reviews if r.held_at]
    axis = TimeAxis([*review_days, *(p.on for s in every for p in s.points)])
    height = 3 * PANEL_H + DATES_H
    title = escape(_("Reviews over time"))
    first, last = min(review_days, default=None), max(review_days, default=None)
    summary = ngettext(
        "%(num)d review, on %(day)s. Each series has its own marker shape; "
        "the dashed line is the target.",
        "%(num)d reviews, from %(day)s to %(date)s. Each series has its own marker shape; "
        "the dashed line is the target.",
        len(review_days),
        day=day(first) if first else "—",
        date=day(last) if last else "—",
    )
    svg = (
        f'<svg class="review-chart" id="{chart_id}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{title}</title>'
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>'
        f"{''.join(draw_panel(i, p, axis) for i, p in enumerate(panels))}"
        f"{date_labels([(d, day(d)) for d in review_days], axis, height)}</svg>"
        f"{legend(every, bool(target_label))}"
    )
    if data_table:
        svg += values_table(every, _("Reviews over time"))
    return Markup(svg)  # noqa: S704 - built from numbers and escaped text only


def criterion_reading_points(
    charter: Charter, reviews: Sequence, until: date | None = None
) -> list[Point]:
    """The charter's criterion readings to draw beside ``reviews``: one query, any data size.

    From the period the first review judged (one review cadence before it) to ``until`` (the
    day of the review whose minutes these are; today on the charter page), at most
    ``MAX_READINGS`` of the latest, each in the middle of its period.
    """
    days = [_held_day(r) for r in reviews if r.held_at]
    if not days:
        return []
    start = add_months(min(days), -charter.review_cadence_months).replace(day=1)  # by month
    return reading_points(charter.criterion_id, start, until)


def reading_points(criterion_id: int, start: date, until: date | None = None) -> list[Point]:
    """A criterion's readings from ``start`` to ``until``, at most ``MAX_READINGS`` of the
    latest, each in the middle of its period: one query (the charter page, the criterion page).
    """
    rows = db.session.execute(
        select(CriterionReading.period, CriterionReading.period_start, CriterionReading.value)
        .where(
            CriterionReading.criterion_id == criterion_id,
            CriterionReading.period_start >= start,
            *((CriterionReading.period_start <= until,) if until else ()),
        )
        .order_by(CriterionReading.period_start.desc())
        .limit(MAX_READINGS)
    ).all()
    points = []
    for key, first_day, value in reversed(rows):
        kind = periods.kind_of_key(key)
        last_day = periods.of(kind, first_day).end if kind else first_day
        middle = date.fromordinal((first_day.toordinal() + last_day.toordinal()) // 2)
        points.append(Point(middle, float(value), period(key) if kind else day(first_day)))
    return points
