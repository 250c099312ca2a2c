"""Small static SVG charts for printed country reports (rendered by WeasyPrint).

The browser pages draw with ECharts; a PDF cannot run JavaScript, so the report draws its
line charts here as plain SVG. Hand-written rather than matplotlib because WeasyPrint shapes
the SVG text with Pango, so Arabic and Chinese labels render correctly (matplotlib does not
shape Arabic), and the output is a few kilobytes of vector paths. Every text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Final

__all__ = ["LINE_COLOURS", "Line", "line_chart", "nice_ticks"]

#: Okabe-Ito: distinguishable with the common colour-vision deficiencies.
LINE_COLOURS: Final = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00")
_DASHES: Final = ("", "6 3", "2 3", "8 3 2 3", "")


@dataclass(frozen=True)
class Line:
    name: str
    points: dict[int, float]  # year -> value


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values covering [lo, hi]."""
    if not math.isfinite(lo) or not math.isfinite(hi):
        return [0.0]
    if hi == lo:
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    value = start
    while value <= hi + step * 0.5:
        ticks.append(round(value, 10))
        value += step
    return ticks


def line_chart(
    lines: Sequence[Line],
    *,
    title: str,
    fmt: Callable[[float], str],
    width: int = 520,
    height: int = 230,
    rtl: bool = False,
    legend: bool = True,
) -> str:
    """An SVG line chart (years on x, values on y), with a legend under it if ``legend``.

    Leave the legend out (and write it in HTML) for right-to-left text: SVG text is not
    reordered by the bidi algorithm in every renderer.
    """
    years = sorted({y for line in lines for y in line.points})
    values = [v for line in lines for v in line.points.values() if math.isfinite(v)]
    legend_h = 18 * len(lines) if legend else 0
    total_h = height + legend_h + 8
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total_h}" '
        f'viewBox="0 0 {width} {total_h}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    if not years or not values:
        out.append("</svg>")
        return "".join(out)
    ticks = nice_ticks(min(values), max(values))
    y_lo, y_hi = ticks[0], ticks[-1]
    left, right, top, bottom = (16, 70, 10, 28) if rtl else (70, 16, 10, 28)
    plot_w = width - left - right
    plot_h = height - top - bottom

    def x_of(year: int) -> float:
        frac = 0.5 if len(years) == 1 else (year - years[0]) / (years[-1] - years[0])
        if rtl:
            frac = 1 - frac
        return left + frac * plot_w

    def y_of(value: float) -> float:
        span = (y_hi - y_lo) or 1.0
        return top + plot_h - (value - y_lo) / span * plot_h

    label_x = width - right + 6 if rtl else left - 6
    anchor = "start" if rtl else "end"
    for tick in ticks:
        y = y_of(tick)
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#d0d4da" stroke-width="0.6"/>'
        )
        out.append(
            f'<text x="{label_x}" y="{y + 3.5:.1f}" font-size="10" text-anchor="{anchor}" '
            f'fill="#333">{escape(fmt(tick))}</text>'
        )
    step = max(1, math.ceil(len(years) / 8))
    for year in years[::step]:
        out.append(
            f'<text x="{x_of(year):.1f}" y="{top + plot_h + 16}" font-size="10" '
            f'text-anchor="middle" fill="#333">{year}</text>'
        )
    for i, line in enumerate(lines):
        colour = LINE_COLOURS[i % len(LINE_COLOURS)]
        dash = _DASHES[i % len(_DASHES)]
        pts = [(x_of(y), y_of(v)) for y, v in sorted(line.points.items()) if math.isfinite(v)]
        if not pts:
            continue
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if len(pts) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            out.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" '
                f'stroke-width="{2.4 if i == 0 else 1.6}"{dash_attr}/>'
            )
        for x, y in pts:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.2" fill="{colour}"/>')
        if not legend:
            continue
        ly = height + 6 + 18 * i
        lx = width - right - 30 if rtl else left
        out.append(
            f'<line x1="{lx}" x2="{lx + 24}" y1="{ly + 5}" y2="{ly + 5}" stroke="{colour}" '
            f'stroke-width="2.4"{dash_attr}/>'
        )
        tx = lx - 6 if rtl else lx + 30
        out.append(
            f'<text x="{tx}" y="{ly + 9}" font-size="11" text-anchor="{"end" if rtl else "start"}"'
            f' fill="#1a1a1a">{escape(line.name)}</text>'
        )
    out.append("</svg>")
    return "".join(out)
