"""A small server-rendered SVG chart of a charter's reviews (prints in PDFs, no JavaScript).

Three stacked panels share the dates along the bottom, each with its own labelled scale:
satisfaction (1 to 5), the share of commitments met (0 to 100 %) and the end-customer
criterion (in its unit).
"""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..formats import day, measure, number, percent
from ..models import Review

WIDTH, PAD_L, PAD_R = 520, 64, 44
TITLE_H, PLOT_H, GAP, DATES_H = 18, 64, 14, 26
PANEL_H = TITLE_H + PLOT_H + GAP
# Colours as SVG presentation attributes, not a <style> element: the page's
# Content-Security-Policy allows no inline styles, and the PDF renders them the same.
COLOURS = {"s-met": "#1e7b3c", "s-sat-a": "#1d5f8a", "s-sat-b": "#7a4a12", "s-crit": "#8a1d5f"}
AXIS = 'font-family="sans-serif" font-size="10" fill="#555"'
TITLE = 'font-family="sans-serif" font-size="11" font-weight="bold" fill="#333"'


def _criterion_tick(value: float, unit: str) -> str:
    return measure(value, unit, decimals=1)


def _x(i: int, n: int) -> float:
    plot_w = WIDTH - PAD_L - PAD_R
    return round(PAD_L + (plot_w * i / (n - 1) if n > 1 else plot_w / 2), 1)


def _panel(
    index: int,
    title: str,
    series: list[tuple[list[float | None], str, str]],
    low: float,
    high: float,
    ticks: list[tuple[float, str]],
    n: int,
) -> str:
    top = index * PANEL_H + TITLE_H
    span = (high - low) or 1.0

    def y(value: float) -> float:
        return round(top + PLOT_H * (1 - (value - low) / span), 1)

    out = [
        f'<text x="{PAD_L}" y="{top - 6}" class="panel-title" {TITLE}>{escape(title)}</text>',
    ]
    for value, label in ticks:
        out.append(
            f'<line x1="{PAD_L}" y1="{y(value)}" x2="{WIDTH - PAD_R}" y2="{y(value)}" '
            'class="grid" stroke="#ddd"/>'
            f'<text x="{PAD_L - 6}" y="{y(value) + 3.5}" text-anchor="end" class="axis" {AXIS}>'
            f"{escape(label)}</text>"
        )
    for values, css, label in series:
        points = [(_x(i, n), y(v)) for i, v in enumerate(values) if v is not None]
        if not points:
            continue
        path = " ".join(f"{px},{py}" for px, py in points)
        dots = "".join(
            f'<circle cx="{px}" cy="{py}" r="3" class="{css}" fill="{COLOURS[css]}" stroke="none"/>'
            for px, py in points
        )
        out.append(
            f"<g><title>{escape(label)}</title>"
            f'<polyline points="{path}" class="{css}" fill="none" stroke="{COLOURS[css]}" '
            f'stroke-width="2"/>{dots}</g>'
        )
    return "".join(out)


def history_chart(
    reviews: list[Review],
    name_a: str = "A",
    name_b: str = "B",
    criterion: str = "",
    unit: str = "",
    *,
    b_first: bool = False,
) -> Markup:
    """Satisfaction (1–5), the share of commitments met (%) and the criterion, one panel each.

    ``b_first``: the charter reads B before A (its title's order), so B's satisfaction leads.
    """
    if not reviews:
        return Markup("")
    n = len(reviews)
    met = [r.share_met * 100 if r.share_met is not None else None for r in reviews]
    sat_a = [r.satisfaction_a_of_b for r in reviews]
    sat_b = [r.satisfaction_b_of_a for r in reviews]
    crit = [r.criterion_value for r in reviews]
    known = [c for c in crit if c is not None]
    c_low, c_high = (min(known), max(known)) if known else (0.0, 1.0)
    if c_low == c_high:
        c_low, c_high = c_low - 1, c_high + 1
    label_a = _("Satisfaction of %(dept)s (1–5)", dept=name_a)
    label_b = _("Satisfaction of %(dept)s (1–5)", dept=name_b)
    label_met = _("Share of commitments met")
    satisfaction = [(sat_a, "s-sat-a", label_a), (sat_b, "s-sat-b", label_b)]
    if b_first:
        satisfaction.reverse()
    label_crit = criterion or _("End-customer criterion")
    panels = [
        _panel(
            0,
            _("Satisfaction (1 to 5)"),
            satisfaction,
            1,
            5,
            [(v, number(v)) for v in (1, 3, 5)],
            n,
        ),
        _panel(
            1,
            _("Commitments met (%)"),
            [(met, "s-met", label_met)],
            0,
            100,
            [(v, percent(v)) for v in (0, 50, 100)],
            n,
        ),
        _panel(
            2,
            f"{label_crit}{f' ({unit})' if unit else ''}",
            [(crit, "s-crit", label_crit)],
            c_low,
            c_high,
            [(v, _criterion_tick(v, unit)) for v in (c_low, (c_low + c_high) / 2, c_high)],
            n,
        ),
    ]
    height = 3 * PANEL_H + DATES_H
    dates = "".join(
        f'<text x="{_x(i, n)}" y="{height - 8}" text-anchor="middle" class="axis" {AXIS}>'
        f"{escape(day(r.held_at))}</text>"
        for i, r in enumerate(reviews)
    )
    series = [
        *((css, label) for _values, css, label in satisfaction),
        ("s-met", label_met),
        ("s-crit", label_crit),
    ]
    legend = "".join(
        f'<li><span class="swatch {css}"></span>{escape(label)}</li>' for css, label in series
    )
    title = escape(_("Reviews over time"))
    svg = (
        f'<svg class="review-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{title}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{title}</title>{''.join(panels)}{dates}</svg>"
        f'<ul class="chart-legend">{legend}</ul>'
    )
    return Markup(svg)  # noqa: S704 - built from numbers and escaped text only
