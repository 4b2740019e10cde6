"""Charts as inline SVG, drawn on the server: readable without JavaScript, printable, and
allowed by the pages' Content-Security-Policy (presentation attributes, no inline styles).

Each chart is a picture with a title for screen readers; the table below it carries the
same figures for anyone who cannot see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup, escape

from core.stats import Figure

# Dark enough against white for the lines and the text (WCAG 3:1 for graphics).
PALETTE = ("#1f5fbf", "#c4321f", "#067a3c", "#8f5500", "#6e40c9", "#00707a")
WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 36


@dataclass(frozen=True)
class Legend:
    title: str
    colour: str


def _label(value: Any) -> str:
    if isinstance(value, date):
        return value.strftime("%m-%d")
    text = str(value)
    return text if len(text) <= 8 else text[:7] + "…"


def _ticks(low: float, high: float) -> list[float]:
    """About four round steps between low and high."""
    span = (high - low) or 1
    raw = span / 4
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    step = max(round(raw / magnitude) * magnitude, 1)
    start = (low // step) * step
    ticks, value = [], start
    while value <= high + step / 2:
        ticks.append(value)
        value += step
    return ticks


def render(figure: Figure) -> tuple[Markup, list[Legend]]:
    """The chart's SVG and its legend; empty for ``chart="none"`` or no rows."""
    if figure.chart == "none" or not figure.rows or not figure.series:
        return Markup(""), []
    keys = [column.key for column in figure.columns]
    titles = {column.key: column.title for column in figure.columns}
    indexes = [keys.index(key) for key in figure.series]
    values = [[float(row[i] or 0) for i in indexes] for row in figure.rows]
    flat = [v for row in values for v in row]
    ticks = _ticks(min(0.0, *flat), max(1.0, *flat))
    low, high = ticks[0], ticks[-1] if ticks[-1] > ticks[0] else ticks[0] + 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return TOP + plot_h - (value - low) / (high - low) * plot_h

    parts = [f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" class="chart" '
             f'aria-label="{escape(figure.title)}（图表；数字见下表）">',
             f"<title>{escape(figure.title)}</title>"]
    for tick in ticks:
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" '
                     f'y2="{y(tick):.1f}" stroke="#d0d3d9" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                     f'font-size="11" fill="#3d434d">{tick:g}</text>')
    count = len(figure.rows)
    slot = plot_w / count
    label_every = max(1, count // 10)
    for n, row in enumerate(figure.rows):
        if n % label_every == 0:
            parts.append(f'<text x="{LEFT + slot * (n + 0.5):.1f}" y="{HEIGHT - 14}" '
                         f'text-anchor="middle" font-size="11" fill="#3d434d">'
                         f"{escape(_label(row[0]))}</text>")
    if figure.chart == "line":
        parts += _lines(values, slot, y)
    else:
        parts += _bars(values, slot, y, low)
    parts.append("</svg>")
    legend = [Legend(titles[key], PALETTE[i % len(PALETTE)])
              for i, key in enumerate(figure.series)]
    return Markup("".join(parts)), legend


def _lines(values: list[list[float]], slot: float, y: Any) -> list[str]:
    parts = []
    for s in range(len(values[0])):
        points = " ".join(f"{LEFT + slot * (n + 0.5):.1f},{y(row[s]):.1f}"
                          for n, row in enumerate(values))
        colour = PALETTE[s % len(PALETTE)]
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                     f'stroke-width="2"/>')
        if len(values) <= 40:  # dots show single days; on long ranges they are noise
            parts += [f'<circle cx="{LEFT + slot * (n + 0.5):.1f}" cy="{y(row[s]):.1f}" '
                      f'r="2.5" fill="{colour}"/>' for n, row in enumerate(values)]
    return parts


def _bars(values: list[list[float]], slot: float, y: Any, low: float) -> list[str]:
    parts = []
    series = len(values[0])
    width = slot * 0.8 / series
    zero = y(max(low, 0.0))
    for n, row in enumerate(values):
        for s, value in enumerate(row):
            x = LEFT + slot * n + slot * 0.1 + width * s
            top, bottom = sorted((y(value), zero))
            parts.append(f'<rect x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" '
                         f'height="{max(bottom - top, 0.5):.1f}" '
                         f'fill="{PALETTE[s % len(PALETTE)]}"/>')
    return parts
