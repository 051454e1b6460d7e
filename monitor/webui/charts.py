"""A figure's history as a small step chart, drawn server-side as SVG.

:func:`step_chart` computes the geometry (numbers only); the template draws
it, so labels taken from page text are escaped like any other text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from model.kinds import format_amount

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 90, 20, 16, 34


@dataclass(frozen=True)
class ChartPoint:
    """One state of the figure: where it starts on the chart, and its label."""

    x: float
    y: float
    label: str
    at: datetime


@dataclass(frozen=True)
class Chart:
    """The chart's geometry: a step line, points, y-axis ticks and the time span."""

    width: int
    height: int
    path: str
    points: list[ChartPoint]
    ticks: list[tuple[float, str]]
    start: datetime
    end: datetime
    baseline: float


def _scale(value: float, low: float, high: float, out_low: float, out_high: float) -> float:
    if high == low:
        return (out_low + out_high) / 2
    return out_low + (value - low) * (out_high - out_low) / (high - low)


def step_chart(states: list[tuple[datetime, float]], end: datetime) -> Chart | None:
    """A step chart of ``states`` (start time, amount), held until ``end``; ``None`` if empty."""
    if not states:
        return None
    start = states[0][0]
    end = max(end, states[-1][0])
    amounts = [a for _, a in states]
    low, high = min(0.0, min(amounts)), max(amounts)
    span = (start.timestamp(), end.timestamp())

    def x(moment: datetime) -> float:
        return round(_scale(moment.timestamp(), *span, LEFT, WIDTH - RIGHT), 1)

    def y(amount: float) -> float:
        return round(_scale(amount, low, high, HEIGHT - BOTTOM, TOP), 1)

    points = [ChartPoint(x(at), y(a), format_amount(a), at) for at, a in states]
    if span[0] == span[1]:
        points = [
            ChartPoint(
                _scale(i, 0, max(len(points) - 1, 1), LEFT, WIDTH - RIGHT), p.y, p.label, p.at
            )
            for i, p in enumerate(points)
        ]
    segments = [f"M {points[0].x} {points[0].y}"]
    for point in points[1:]:
        segments.append(f"H {point.x} V {point.y}")
    segments.append(f"H {WIDTH - RIGHT}")
    ticks = [(y(v), format_amount(v)) for v in sorted({low, high, (low + high) / 2})]
    return Chart(WIDTH, HEIGHT, " ".join(segments), points, ticks, start, end, y(low))
