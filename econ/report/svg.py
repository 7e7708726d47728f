"""Small, dependency-free SVG charts for the HTML summaries.

Every chart is a self-contained ``<svg>`` element (``viewBox`` scaled to the
width of its container, no scripts, no external resources). All text that
reaches the markup goes through :func:`html.escape`.

>>> svg = line_chart([2025, 2026], [Series("a <b>", [1.0, 2.0])], title="t", unit="USD/kg")
>>> "<svg" in svg and "a &lt;b&gt;" in svg and "<b>" not in svg
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["Series", "bar_line_chart", "line_chart", "nice_ticks", "short_number"]

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 60, 16, 56
PALETTE = ("#1f5fa8", "#c2452d", "#2a8a4a", "#8a5a00")


@dataclass(frozen=True)
class Series:
    """One named series of y values, one per x (NaN leaves a gap).

    Attributes:
        label: legend text (escaped on output).
        values: y values.
        color: stroke/fill colour; defaults to the palette.
        dashed: draw the line dashed.
    """

    label: str
    values: Sequence[float]
    color: str | None = None
    dashed: bool = False


def short_number(x: float) -> str:
    """Compact axis label: ``1.5k``, ``2M``, ``3.2bn``.

    >>> [short_number(v) for v in (0, 12.5, 1500, -2e6, 3.2e9)]
    ['0', '12.5', '1.5k', '-2M', '3.2bn']
    """
    if not math.isfinite(x):
        return "n/a"
    for scale, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{x / scale:.3g}{suffix}"
    return f"{x:.3g}"


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering ``[lo, hi]``.

    >>> nice_ticks(0, 10)
    [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    if hi <= lo:
        lo, hi = (lo - 1, hi + 1) if lo == 0 else (lo - abs(lo) * 0.1, hi + abs(hi) * 0.1)
    raw = (hi - lo) / max(count, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    value = start
    while value <= hi + step * 1e-9:
        ticks.append(round(value, 12) + 0.0)
        value += step
    if ticks[-1] < hi:
        ticks.append(ticks[-1] + step)
    return ticks


class _Frame:
    """Maps data coordinates to the plot area of the viewBox."""

    def __init__(self, xs: Sequence[float], ys: Sequence[float], include_zero: bool) -> None:
        finite = [y for y in ys if math.isfinite(y)] or [0.0]
        lo, hi = min(finite), max(finite)
        if include_zero:
            lo, hi = min(lo, 0.0), max(hi, 0.0)
        self.ticks = nice_ticks(lo, hi)
        self.ylo, self.yhi = self.ticks[0], self.ticks[-1]
        self.xlo, self.xhi = min(xs), max(xs)
        self.n = len(xs)

    def x(self, value: float) -> float:
        span = self.xhi - self.xlo or 1.0
        return LEFT + (value - self.xlo) / span * (WIDTH - LEFT - RIGHT)

    def slot(self) -> float:
        """Width of one x step (for bars)."""
        return (WIDTH - LEFT - RIGHT) / max(self.n, 1)

    def y(self, value: float) -> float:
        span = self.yhi - self.ylo or 1.0
        return TOP + (self.yhi - value) / span * (HEIGHT - TOP - BOTTOM)


def _open(title: str, desc: str, chart_id: str) -> list[str]:
    tid = escape(f"{chart_id}-title")
    return [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{tid}" xmlns="http://www.w3.org/2000/svg" '
        'preserveAspectRatio="xMidYMid meet">',
        f'<title id="{tid}">{escape(title)}</title>',
        f"<desc>{escape(desc)}</desc>",
    ]


def _axes(
    frame: _Frame,
    xs: Sequence[int | float],
    unit: str,
    xfun: Callable[[float], float] | None = None,
) -> list[str]:
    xfun = xfun or frame.x
    out = ['<g class="axes" font-size="11" fill="#444">']
    for t in frame.ticks:
        y = frame.y(t)
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{"#888" if t == 0 else "#e3e3e3"}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(short_number(t))}</text>"
        )
    step = max(1, math.ceil(len(xs) / 10))
    for i, xv in enumerate(xs):
        if i % step == 0 or (i == len(xs) - 1 and len(xs) <= 12):
            x = xfun(xv)
            out.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                f"{escape(f'{xv:g}')}</text>"
            )
    out.append(
        f'<text x="12" y="{TOP + 4}" font-size="11" fill="#444" '
        f'text-anchor="start" dominant-baseline="hanging" '
        f'transform="rotate(-90 12 {TOP + 4}) translate(-{HEIGHT - BOTTOM - TOP} 0)">'
        f"{escape(unit)}</text>"
    )
    out.append("</g>")
    return out


def _legend(items: Sequence[tuple[str, str, str]]) -> list[str]:
    """``items``: (label, colour, kind) with kind "line", "dash" or "bar"."""
    out = ['<g class="legend" font-size="12" fill="#222">']
    x = LEFT
    y = HEIGHT - 14
    for label, color, kind in items:
        if kind == "bar":
            out.append(f'<rect x="{x}" y="{y - 9}" width="14" height="10" fill="{color}"/>')
        else:
            dash = ' stroke-dasharray="6 4"' if kind == "dash" else ""
            out.append(
                f'<line x1="{x}" x2="{x + 18}" y1="{y - 4}" y2="{y - 4}" '
                f'stroke="{color}" stroke-width="2.5"{dash}/>'
            )
        out.append(f'<text x="{x + 24}" y="{y}">{escape(label)}</text>')
        x += 36 + 7 * len(label)
    out.append("</g>")
    return out


def _path(frame: _Frame, xs: Sequence[float], ys: Sequence[float]) -> str:
    parts: list[str] = []
    pen_down = False
    for xv, yv in zip(xs, ys, strict=True):
        if not math.isfinite(yv):
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{frame.x(xv):.1f},{frame.y(yv):.1f}")
        pen_down = True
    return " ".join(parts)


def line_chart(
    xs: Sequence[int | float],
    series: Sequence[Series],
    *,
    title: str,
    unit: str,
    chart_id: str = "chart",
    include_zero: bool = True,
) -> str:
    """A line chart of several series over the same x values.

    Args:
        xs: x values (years), at least one.
        series: the lines.
        title: accessible title (``<title>``).
        unit: y-axis unit label.
        chart_id: the ``id`` of the ``<svg>`` element.
        include_zero: stretch the y axis to include 0.

    Returns:
        The ``<svg>`` markup.
    """
    xs = list(xs)
    frame = _Frame(xs, [y for s in series for y in s.values], include_zero)
    out = _open(title, f"Line chart: {', '.join(s.label for s in series)} by year", chart_id)
    out += _axes(frame, xs, unit)
    legend = []
    for i, s in enumerate(series):
        color = s.color or PALETTE[i % len(PALETTE)]
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        d = _path(frame, xs, list(s.values))
        if len(xs) == 1 and d:  # a single point: draw a dot so something is visible
            out.append(
                f'<circle class="series" cx="{frame.x(xs[0]):.1f}" '
                f'cy="{frame.y(s.values[0]):.1f}" r="4" fill="{color}"/>'
            )
        elif d:
            out.append(
                f'<path class="series" d="{d}" fill="none" stroke="{color}" '
                f'stroke-width="2.5" stroke-linejoin="round"{dash}>'
                f"<title>{escape(s.label)}</title></path>"
            )
        legend.append((s.label, color, "dash" if s.dashed else "line"))
    out += _legend(legend)
    out.append("</svg>")
    return "\n".join(out)


def bar_line_chart(
    xs: Sequence[int | float],
    bars: Series,
    line: Series | None = None,
    *,
    title: str,
    unit: str,
    chart_id: str = "chart",
    right_axis: bool = False,
) -> str:
    """Bars (positive up, negative down) with an optional line.

    Args:
        xs: x values (years).
        bars: one bar per x.
        line: an optional line over the bars.
        title: accessible title.
        unit: y-axis unit label.
        chart_id: the ``id`` of the ``<svg>`` element.
        right_axis: scale the line on its own axis, labelled on the right
            in the line's colour (for amounts of a different size, such as
            a budget against yearly spending).

    Returns:
        The ``<svg>`` markup.
    """
    xs = list(xs)
    values = list(bars.values) + (list(line.values) if line and not right_axis else [])
    frame = _Frame(xs, values, include_zero=True)
    line_frame = _Frame(xs, list(line.values), True) if line and right_axis else frame
    # Bars are centred on their x; keep them inside the plot area.
    slot = frame.slot()
    width = max(slot * 0.7, 1.0)
    inner = (WIDTH - LEFT - RIGHT - slot) / max(frame.xhi - frame.xlo, 1)

    def bx(v: float) -> float:
        return LEFT + slot / 2 + (v - frame.xlo) * inner

    out = _open(
        title, f"Bar chart: {bars.label}" + (f", line: {line.label}" if line else ""), chart_id
    )
    out += _axes(frame, xs, unit, bx)
    bar_color = bars.color or PALETTE[0]
    neg_color = PALETTE[1]
    zero = frame.y(0.0)
    out.append('<g class="bars">')
    for xv, yv in zip(xs, bars.values, strict=True):
        if not math.isfinite(yv) or yv == 0:
            continue
        top = min(frame.y(yv), zero)
        height = max(abs(frame.y(yv) - zero), 0.5)
        color = bar_color if yv >= 0 else neg_color
        out.append(
            f'<rect class="series" x="{bx(xv) - width / 2:.1f}" y="{top:.1f}" '
            f'width="{width:.1f}" height="{height:.1f}" fill="{color}">'
            f"<title>{escape(f'{xv:g}: {short_number(yv)} {unit}')}</title></rect>"
        )
    out.append("</g>")
    legend = [(bars.label, bar_color, "bar")]
    if line is not None:
        color = line.color or PALETTE[2]
        if line_frame is not frame:
            out.append(f'<g class="axis-right" font-size="11" fill="{color}">')
            for t in line_frame.ticks:
                out.append(
                    f'<text x="{WIDTH - RIGHT + 6}" y="{line_frame.y(t) + 4:.1f}">'
                    f"{escape(short_number(t))}</text>"
                )
            out.append("</g>")
        d = " ".join(
            f"{'M' if i == 0 else 'L'}{bx(xv):.1f},{line_frame.y(yv):.1f}"
            for i, (xv, yv) in enumerate(
                (a, b) for a, b in zip(xs, line.values, strict=True) if math.isfinite(b)
            )
        )
        if d:
            dash = ' stroke-dasharray="6 4"' if line.dashed else ""
            out.append(
                f'<path class="series" d="{d}" fill="none" stroke="{color}" '
                f'stroke-width="2.5"{dash}><title>{escape(line.label)}</title></path>'
            )
        label = f"{line.label} (right axis)" if line_frame is not frame else line.label
        legend.append((label, color, "dash" if line.dashed else "line"))
    out += _legend(legend)
    out.append("</svg>")
    return "\n".join(out)
