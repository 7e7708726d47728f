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

__all__ = [
    "NARROW",
    "WIDE",
    "Series",
    "Size",
    "bar_line_chart",
    "contrast_ratio",
    "hbar_chart",
    "line_chart",
    "nice_ticks",
    "readable_on",
    "short_number",
]

PALETTE = ("#1f5fa8", "#c2452d", "#2a8a4a", "#8a5a00")


@dataclass(frozen=True)
class Size:
    """The viewBox of a chart and its margins, in px at 1:1 scale.

    A page shows the :data:`WIDE` chart on a desktop and the :data:`NARROW`
    one on a phone, each drawn near 1:1 so its text stays at ``font`` px.
    """

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    font: int
    x_labels: int  # at most this many year labels

    @property
    def name(self) -> str:
        return "wide" if self.width > 480 else "narrow"


WIDE = Size(640, 300, 64, 60, 16, 56, 12, 10)
NARROW = Size(360, 330, 46, 44, 16, 90, 12, 5)


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


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21; body text
    needs 4.5).

    >>> round(contrast_ratio("#000000", "#ffffff"), 1)
    21.0
    >>> round(contrast_ratio("#4393c3", "#ffffff"), 2)
    3.39
    """
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def readable_on(background: str) -> str:
    """Black or white text, whichever contrasts more with ``background``.

    >>> readable_on("#4393c3"), readable_on("#2f79b5"), readable_on("#c2413a")
    ('#000', '#fff', '#fff')
    """
    black = contrast_ratio(background, "#000000")
    return "#000" if black >= contrast_ratio(background, "#ffffff") else "#fff"


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

    def __init__(
        self, xs: Sequence[float], ys: Sequence[float], include_zero: bool, size: Size = WIDE
    ) -> None:
        self.size = size
        finite = [y for y in ys if math.isfinite(y)] or [0.0]
        lo, hi = min(finite), max(finite)
        if include_zero:
            lo, hi = min(lo, 0.0), max(hi, 0.0)
        self.ticks = nice_ticks(lo, hi)
        self.ylo, self.yhi = self.ticks[0], self.ticks[-1]
        self.xlo, self.xhi = min(xs), max(xs)
        self.n = len(xs)

    def x(self, value: float) -> float:
        sz = self.size
        span = self.xhi - self.xlo or 1.0
        return sz.left + (value - self.xlo) / span * (sz.width - sz.left - sz.right)

    def slot(self) -> float:
        """Width of one x step (for bars)."""
        sz = self.size
        return (sz.width - sz.left - sz.right) / max(self.n, 1)

    def y(self, value: float) -> float:
        sz = self.size
        span = self.yhi - self.ylo or 1.0
        return sz.top + (self.yhi - value) / span * (sz.height - sz.top - sz.bottom)


def _open(title: str, desc: str, chart_id: str, size: Size = WIDE) -> list[str]:
    suffix = "" if size == WIDE else f"-{size.name}"
    tid = escape(f"{chart_id}{suffix}-title")
    return [
        f'<svg class="chart {size.name}" id="{escape(chart_id + suffix)}" '
        f'viewBox="0 0 {size.width} {size.height}" width="{size.width}" '
        f'height="{size.height}" font-size="{size.font}" '
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
    sz = frame.size
    xfun = xfun or frame.x
    out = ['<g class="axes" fill="#444">']
    for t in frame.ticks:
        y = frame.y(t)
        out.append(
            f'<line x1="{sz.left}" x2="{sz.width - sz.right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{"#888" if t == 0 else "#e3e3e3"}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{sz.left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(short_number(t))}</text>"
        )
    step = max(1, math.ceil(len(xs) / sz.x_labels))
    for i, xv in enumerate(xs):
        if i % step == 0 or (i == len(xs) - 1 and len(xs) <= 12 and sz == WIDE):
            x = xfun(xv)
            out.append(
                f'<text x="{x:.1f}" y="{sz.height - sz.bottom + 16}" text-anchor="middle">'
                f"{escape(f'{xv:g}')}</text>"
            )
    out.append(
        f'<text x="12" y="{sz.top + 4}" fill="#444" '
        f'text-anchor="start" dominant-baseline="hanging" '
        f'transform="rotate(-90 12 {sz.top + 4}) translate(-{sz.height - sz.bottom - sz.top} 0)">'
        f"{escape(unit)}</text>"
    )
    out.append("</g>")
    return out


def _legend(items: Sequence[tuple[str, str, str]], size: Size = WIDE) -> list[str]:
    """``items``: (label, colour, kind) with kind "line", "dash" or "bar";
    entries wrap to a new row rather than run past the right edge."""
    rows: list[list[tuple[int, tuple[str, str, str]]]] = [[]]
    x = size.left
    for item in items:
        need = 30 + round(size.font * 0.6 * len(item[0]))
        if rows[-1] and x + need > size.width - 4:
            rows.append([])
            x = 8
        rows[-1].append((x, item))
        x += need + 12
    out = ['<g class="legend" fill="#222">']
    for r, row in enumerate(rows):
        y = size.height - 12 - (len(rows) - 1 - r) * (size.font + 8)
        for x, (label, color, kind) in row:
            if kind == "bar":
                out.append(f'<rect x="{x}" y="{y - 10}" width="14" height="11" fill="{color}"/>')
            else:
                dash = ' stroke-dasharray="6 4"' if kind == "dash" else ""
                out.append(
                    f'<line x1="{x}" x2="{x + 18}" y1="{y - 4}" y2="{y - 4}" '
                    f'stroke="{color}" stroke-width="2.5"{dash}/>'
                )
            out.append(f'<text x="{x + 24}" y="{y}">{escape(label)}</text>')
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
    size: Size = WIDE,
) -> str:
    """A line chart of several series over the same x values.

    Args:
        xs: x values (years), at least one.
        series: the lines.
        title: accessible title (``<title>``).
        unit: y-axis unit label.
        chart_id: the ``id`` of the ``<svg>`` element.
        include_zero: stretch the y axis to include 0.
        size: :data:`WIDE` (desktop) or :data:`NARROW` (phone).

    Returns:
        The ``<svg>`` markup.
    """
    xs = list(xs)
    frame = _Frame(xs, [y for s in series for y in s.values], include_zero, size)
    desc = f"Line chart: {', '.join(s.label for s in series)} by year"
    out = _open(title, desc, chart_id, size)
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
    out += _legend(legend, size)
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
    size: Size = WIDE,
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
        size: :data:`WIDE` (desktop) or :data:`NARROW` (phone).

    Returns:
        The ``<svg>`` markup.
    """
    xs = list(xs)
    values = list(bars.values) + (list(line.values) if line and not right_axis else [])
    frame = _Frame(xs, values, True, size)
    line_frame = _Frame(xs, list(line.values), True, size) if line and right_axis else frame
    # Bars are centred on their x; keep them inside the plot area.
    slot = frame.slot()
    width = max(slot * 0.7, 1.0)
    inner = (size.width - size.left - size.right - slot) / max(frame.xhi - frame.xlo, 1)

    def bx(v: float) -> float:
        return size.left + slot / 2 + (v - frame.xlo) * inner

    desc = f"Bar chart: {bars.label}" + (f", line: {line.label}" if line else "")
    out = _open(title, desc, chart_id, size)
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
    signs = {v > 0 for v in bars.values if math.isfinite(v) and v != 0}
    if signs == {False}:  # every bar negative: its swatch is the colour drawn
        legend = [(bars.label, neg_color, "bar")]
    elif signs == {True, False}:
        legend = [(f"{bars.label} > 0", bar_color, "bar"), ("< 0", neg_color, "bar")]
    if line is not None:
        color = line.color or PALETTE[2]
        if line_frame is not frame:
            out.append(f'<g class="axis-right" fill="{color}">')
            for t in line_frame.ticks:
                out.append(
                    f'<text x="{size.width - size.right + 4}" y="{line_frame.y(t) + 4:.1f}">'
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
    out += _legend(legend, size)
    out.append("</svg>")
    return "\n".join(out)


def hbar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    texts: Sequence[str],
    *,
    title: str,
    chart_id: str = "chart",
    width: int = 640,
) -> str:
    """Horizontal bars, one per label, each with its value written beside it
    (``texts``, already formatted; NaN draws no bar, only its text).

    >>> svg = hbar_chart(["a", "<b>"], [2.0, -1.0], ["2", "(1)"], title="t")
    >>> svg.count('class="series"'), "&lt;b&gt;" in svg
    (2, True)
    """
    font, row, label_w, text_w = 12, 24, min(220, width * 2 // 5), 112
    height = 8 + row * len(labels) + 8
    finite = [v for v in values if math.isfinite(v)]
    lo, hi = min([0.0, *finite]), max([0.0, *finite])
    span = (hi - lo) or 1.0
    plot = width - label_w - text_w - 8

    def x(v: float) -> float:
        return label_w + 8 + (v - lo) / span * plot

    name = "wide" if width > 480 else "narrow"
    sid = escape(chart_id if name == "wide" else f"{chart_id}-{name}")
    out = [
        f'<svg class="chart hbar {name}" id="{sid}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-size="{font}" role="img" '
        f'aria-labelledby="{sid}-title" xmlns="http://www.w3.org/2000/svg" '
        'preserveAspectRatio="xMinYMin meet">',
        f'<title id="{sid}-title">{escape(title)}</title>',
        f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="4" y2="{height - 4}" stroke="#888"/>',
    ]
    max_chars = label_w // 7
    for i, (label, v, text) in enumerate(zip(labels, values, texts, strict=True)):
        y = 8 + i * row
        short = label if len(label) <= max_chars else label[: max_chars - 1] + "\u2026"
        out.append(
            f'<text x="{label_w}" y="{y + 16}" text-anchor="end" fill="#222">'
            f"<title>{escape(label)}</title>{escape(short)}</text>"
        )
        end = x(0)
        if math.isfinite(v):
            a, b = sorted((x(0), x(v)))
            color = PALETTE[0] if v >= 0 else PALETTE[1]
            out.append(
                f'<rect class="series" x="{a:.1f}" y="{y + 4}" width="{max(b - a, 1):.1f}" '
                f'height="{row - 8}" fill="{color}"/>'
            )
            end = b if v >= 0 else x(0)
        out.append(f'<text x="{end + 4:.1f}" y="{y + 16}" fill="#222">{escape(text)}</text>')
    out.append("</svg>")
    return "\n".join(out)
