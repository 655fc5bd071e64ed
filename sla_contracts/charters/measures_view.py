"""How the charter page draws a commitment's measure (issue 13, point 3): the threshold of
"partly met" and a small sparkline of the last readings.

Plain geometry from ``models.measured.Measure``: the template draws the SVG from these numbers
with classes only (the CSP forbids inline styles), and each point's outcome picks its marker's
shape, so the trend does not rest on colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..formats import measure as measure_text
from ..formats import period as period_text
from ..measures import TargetDirection, tolerance_of
from ..models.measured import Measure, Point

WIDTH, HEIGHT, PAD = 132, 36, 5


@dataclass(frozen=True)
class SparkPoint:
    x: float
    y: float
    point: Point


@dataclass(frozen=True)
class Sparkline:
    points: tuple[SparkPoint, ...]
    target_y: float
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def path(self) -> str:
        """The SVG path through the points, oldest first."""
        return " ".join(
            f"{'M' if i == 0 else 'L'}{p.x:.1f} {p.y:.1f}" for i, p in enumerate(self.points)
        )


def threshold(measure: Measure) -> float | None:
    """The value beyond which a reading is missed, not partly met (None when not measured)."""
    if measure.target is None:
        return None
    slack = tolerance_of(measure.target, measure.tolerance)
    if measure.direction == TargetDirection.AT_MOST:
        return measure.target + slack
    return measure.target - slack


def sparkline(measure: Measure) -> Sparkline | None:
    """The last readings as points scaled into a small box, with the target as a line."""
    if not measure.trend or measure.target is None:
        return None
    values = [p.value for p in measure.trend] + [measure.target]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    count = len(measure.trend)

    def y_of(value: float) -> float:
        if high == low:
            return HEIGHT / 2
        return PAD + inner_h * (1 - (value - low) / span)

    def x_of(index: int) -> float:
        return WIDTH / 2 if count == 1 else PAD + inner_w * index / (count - 1)

    return Sparkline(
        points=tuple(
            SparkPoint(round(x_of(i), 1), round(y_of(p.value), 1), p)
            for i, p in enumerate(measure.trend)
        ),
        target_y=round(y_of(measure.target), 1),
    )


def point_texts(measure: Measure, unit: str) -> list[tuple[str, str]]:
    """Each trend point's period and value in words, oldest first: formatted once for both
    the sparkline's titles and the list read out to screen readers."""
    return [(period_text(p.period), measure_text(p.value, unit)) for p in measure.trend]
