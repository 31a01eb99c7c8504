"""A bar chart drawn on the server as SVG: the dashboard shows it as an image, no chart library.

Written by hand because the drawing is thirty lines of rectangles and labels; a
plotting library (matplotlib) would be tens of megabytes for it, and a JavaScript one
would need vendoring. Every text is escaped; the SVG has a title and a description
(the figures) for screen readers, and no script or style.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 720, 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 12, 28, 36


def _nice_top(value: float) -> float:
    """A round number at least ``value`` for the axis: 1, 2, 2.5, 5 times a power of ten."""
    if value <= 0:
        return 1.0
    power = 10 ** len(str(int(value))) / 10 if value >= 1 else 0.1
    while power > value:
        power /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _number(value: float) -> str:
    """An axis figure in plain digits (never 5e-05): two or three significant ones."""
    if value <= 0:
        return "0"
    text = f"{value:.{max(0, 2 - math.floor(math.log10(value)))}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def bar_chart(bars: list[tuple[str, float]], title: str, unit: str, description: str) -> str:
    """``bars`` as (label, value) from left to right; every few labels shown when there are many."""
    top = _nice_top(max((v for _, v in bars), default=0.0))
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    step = plot_w / max(len(bars), 1)
    every = max(1, round(len(bars) / 12))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}"'
        f' width="{WIDTH}" height="{HEIGHT}"'
        f' role="img" aria-labelledby="t d" font-family="sans-serif" font-size="11">',
        f'<title id="t">{escape(title)}</title><desc id="d">{escape(description)}</desc>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{_LEFT}" y="16" font-size="13" fill="#222">{escape(title)} ({escape(unit)})</text>',
    ]
    for fraction in (0, 0.5, 1):
        y = _TOP + plot_h * (1 - fraction)
        parts.append(f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">'
            f"{_number(top * fraction)}</text>"
        )
    for i, (label, value) in enumerate(bars):
        height = plot_h * (value / top)
        x = _LEFT + i * step + step * 0.15
        parts.append(
            f'<rect x="{x:.1f}" y="{_TOP + plot_h - height:.1f}"'
            f' width="{step * 0.7:.1f}" height="{height:.1f}"'
            f' fill="#2f7d5b"><title>{escape(label)}: {value:.2f} {escape(unit)}</title></rect>'
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x + step * 0.35:.1f}" y="{HEIGHT - _BOTTOM + 16}" text-anchor="middle"'
                f' fill="#555">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
