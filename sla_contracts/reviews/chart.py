"""A small server-rendered SVG chart of a charter's reviews (prints in PDFs, no JavaScript)."""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..models import Review

WIDTH, HEIGHT, PAD_L, PAD_R, PAD_T, PAD_B = 480, 170, 36, 12, 14, 34


def _points(
    values: list[float | None], low: float, high: float, n: int
) -> list[tuple[float, float]]:
    span = (high - low) or 1.0
    step = (WIDTH - PAD_L - PAD_R) / max(n - 1, 1)
    plot_h = HEIGHT - PAD_T - PAD_B
    out = []
    for i, value in enumerate(values):
        if value is None:
            continue
        x = PAD_L + (step * i if n > 1 else (WIDTH - PAD_L - PAD_R) / 2)
        y = PAD_T + plot_h * (1 - (value - low) / span)
        out.append((round(x, 1), round(y, 1)))
    return out


def _line(points, css: str, label: str) -> str:
    if not points:
        return ""
    path = " ".join(f"{x},{y}" for x, y in points)
    dots = "".join(f'<circle cx="{x}" cy="{y}" r="3" class="{css}"/>' for x, y in points)
    return (
        f"<g><title>{escape(label)}</title>"
        f'<polyline points="{path}" class="{css}" fill="none" stroke-width="2"/>{dots}</g>'
    )


def history_chart(
    reviews: list[Review], name_a: str = "A", name_b: str = "B", criterion: str = ""
) -> Markup:
    """Share of commitments met (0–100 %), both satisfactions (1–5) and the criterion's value.

    Each series is scaled to the plot's height (the table below gives the figures); the
    legend, with the departments' names, says which line is which.
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
    series = [
        (_points(met, 0, 100, n), "s-met", _("Share of commitments met")),
        (_points(sat_a, 1, 5, n), "s-sat-a", _("Satisfaction of %(dept)s (1–5)", dept=name_a)),
        (_points(sat_b, 1, 5, n), "s-sat-b", _("Satisfaction of %(dept)s (1–5)", dept=name_b)),
        (_points(crit, c_low, c_high, n), "s-crit", criterion or _("End-customer criterion")),
    ]
    step = (WIDTH - PAD_L - PAD_R) / max(n - 1, 1)
    labels = "".join(
        f'<text x="{round(PAD_L + (step * i if n > 1 else (WIDTH - PAD_L - PAD_R) / 2), 1)}" '
        f'y="{HEIGHT - 14}" text-anchor="middle" class="axis">'
        f"{escape(format_date(r.held_at.date(), 'short') if r.held_at else '')}</text>"
        for i, r in enumerate(reviews)
    )
    grid = (
        f'<line x1="{PAD_L}" y1="{PAD_T}" x2="{WIDTH - PAD_R}" y2="{PAD_T}" class="grid"/>'
        f'<line x1="{PAD_L}" y1="{HEIGHT - PAD_B}" x2="{WIDTH - PAD_R}" '
        f'y2="{HEIGHT - PAD_B}" class="grid"/>'
    )
    lines = "".join(_line(p, css, label) for p, css, label in series)
    legend = "".join(
        f'<li><span class="swatch {css}"></span>{escape(label)}</li>' for _p, css, label in series
    )
    title = escape(_("Reviews over time"))
    svg = (
        f'<svg class="review-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{title}" xmlns="http://www.w3.org/2000/svg">'
        "<style>.grid{stroke:#ccc}.axis{font:10px sans-serif;fill:#666}"
        ".s-met{stroke:#1e7b3c;fill:#1e7b3c}.s-sat-a{stroke:#1d5f8a;fill:#1d5f8a}"
        ".s-sat-b{stroke:#7a4a12;fill:#7a4a12}.s-crit{stroke:#8a1d5f;fill:#8a1d5f}</style>"
        f"<title>{title}</title>{grid}{lines}{labels}</svg>"
        f'<ul class="chart-legend">{legend}</ul>'
    )
    return Markup(svg)  # noqa: S704 - built from numbers and escaped text only
