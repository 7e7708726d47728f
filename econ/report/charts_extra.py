"""SVG charts of the analyses: the cost curve, the tornado, the histogram with
its cumulative curve. Same conventions as :mod:`econ.report.svg` (escaped
text, no scripts, a ``viewBox`` that scales)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from econ.report.svg import (
    NARROW,
    PALETTE,
    WIDE,
    Size,
    _Frame,
    _legend,
    _open,
    nice_ticks,
    short_number,
)

__all__ = ["cost_curve_svg", "histogram_svg", "tornado_svg"]

_GREY = "#b8bec7"


def _x_axis(lo: float, hi: float, size: Size) -> tuple[list[float], float, float]:
    ticks = nice_ticks(lo, hi, 5 if size == WIDE else 3)
    return ticks, ticks[0], ticks[-1]


def cost_curve_svg(
    labels: Sequence[str],
    capacity: Sequence[float],
    cost: Sequence[float],
    benchmark: Sequence[float],
    supported: Sequence[bool],
    marks: Sequence[str],
    *,
    title: str,
    chart_id: str = "cost-curve",
    size: Size = WIDE,
) -> str:
    """Projects as bars in the order given (sort by cost first), each as wide
    as its capacity and as tall as its levelized cost; each project's
    benchmark price a dashed step across its bar; supported projects in
    colour with their instrument (``marks``) above the bar.

    >>> svg = cost_curve_svg(["a", "<b>"], [10, 30], [5, 8], [6, 6], [True, False],
    ...                      ["subsidy", ""], title="t")
    >>> svg.count('class="series bar"'), "&lt;b&gt;" in svg
    (2, True)
    """
    total = sum(c for c in capacity if math.isfinite(c)) or 1.0
    ys = [c for c in (*cost, *benchmark) if math.isfinite(c)]
    frame = _Frame([0.0, total], ys or [0.0], True, size)
    x_ticks, xlo, xhi = _x_axis(0.0, total, size)
    frame.xlo, frame.xhi = xlo, xhi
    out = _open(
        title,
        "Cost curve: projects ordered by levelized cost, bar width = capacity (t/yr), "
        "dashed = each project's benchmark price.",
        chart_id,
        size,
    )
    out.append('<g class="axes" fill="#444">')
    for t in frame.ticks:
        y = frame.y(t)
        out.append(
            f'<line x1="{size.left}" x2="{size.width - size.right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{"#888" if t == 0 else "#e3e3e3"}" stroke-width="1"/>'
            f'<text x="{size.left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(short_number(t))}</text>"
        )
    for t in x_ticks:
        out.append(
            f'<text x="{frame.x(t):.1f}" y="{size.height - size.bottom + 16}" '
            f'text-anchor="middle">{escape(short_number(t))}</text>'
        )
    out.append(
        f'<text x="{(size.left + size.width - size.right) / 2:.0f}" '
        f'y="{size.height - size.bottom + 32}" text-anchor="middle">'
        "capacity, t/yr (cumulative)</text>"
        f'<text x="12" y="{size.top + 4}" text-anchor="start" dominant-baseline="hanging" '
        f'transform="rotate(-90 12 {size.top + 4}) '
        f'translate(-{size.height - size.bottom - size.top} 0)">USD/kg</text></g>'
    )
    x0 = 0.0
    zero = frame.y(0.0)
    bench_path: list[str] = []
    for label, cap, c, b, sup, mark in zip(
        labels, capacity, cost, benchmark, supported, marks, strict=True
    ):
        if not math.isfinite(cap) or cap <= 0:
            continue
        a, z = frame.x(x0), frame.x(x0 + cap)
        tip = f"{label}: {short_number(cap)} t/yr at {short_number(c)} USD/kg" + (
            f", supported ({mark})" if sup else ", not supported"
        )
        if math.isfinite(c):
            top = min(frame.y(c), zero)
            out.append(
                f'<rect class="series bar" x="{a:.1f}" y="{top:.1f}" width="{max(z - a, 1):.1f}" '
                f'height="{max(abs(frame.y(c) - zero), 0.5):.1f}" '
                f'fill="{PALETTE[0] if sup else _GREY}" stroke="#fff" stroke-width="0.5">'
                f"<title>{escape(tip)}</title></rect>"
            )
            if sup and z - a > 18:
                out.append(
                    f'<text x="{(a + z) / 2:.1f}" y="{top - 4:.1f}" text-anchor="middle" '
                    f'fill="{PALETTE[0]}" font-size="{size.font - 2}">{escape(mark)}</text>'
                )
        if math.isfinite(b):
            yb = frame.y(b)
            bench_path.append(f"M{a:.1f},{yb:.1f} L{z:.1f},{yb:.1f}")
        x0 += cap
    if bench_path:
        out.append(
            f'<path class="benchmark" d="{" ".join(bench_path)}" fill="none" '
            f'stroke="{PALETTE[1]}" stroke-width="2.5" stroke-dasharray="6 4"/>'
        )
    out += _legend(
        [
            ("supported", PALETTE[0], "bar"),
            ("not supported", _GREY, "bar"),
            ("benchmark price", PALETTE[1], "dash"),
        ],
        size,
    )
    out.append("</svg>")
    return "\n".join(out)


def tornado_svg(
    labels: Sequence[str],
    low: Sequence[float],
    high: Sequence[float],
    base: float,
    *,
    title: str,
    unit: str,
    chart_id: str = "tornado",
    width: int = 640,
) -> str:
    """One row per input: a bar from the base to the metric at the input's
    low bound (orange) and one to its high bound (blue); sorted as given.

    >>> svg = tornado_svg(["a", "<b>"], [1.0, 4.0], [5.0, 2.0], 3.0, title="t", unit="USD")
    >>> svg.count('class="series'), "&lt;b&gt;" in svg
    (4, True)
    """
    font, row, label_w = 12, 22, min(230, width * 2 // 5)
    height = 30 + row * len(labels) + 44
    finite = [v for v in (*low, *high, base) if math.isfinite(v)] or [0.0]
    ticks = nice_ticks(min(finite), max(finite), 4 if width > 480 else 3)
    lo, hi = ticks[0], ticks[-1]
    span = (hi - lo) or 1.0
    plot = width - label_w - 24

    def x(v: float) -> float:
        return label_w + 8 + (v - lo) / span * plot

    name = "wide" if width > 480 else "narrow"
    sid = escape(chart_id if name == "wide" else f"{chart_id}-{name}")
    out = [
        f'<svg class="chart tornado {name}" id="{sid}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-size="{font}" role="img" '
        f'aria-labelledby="{sid}-title" xmlns="http://www.w3.org/2000/svg" '
        'preserveAspectRatio="xMinYMin meet">',
        f'<title id="{sid}-title">{escape(title)}</title>',
    ]
    for t in ticks:
        out.append(
            f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="24" y2="{height - 40}" stroke="#e3e3e3"/>'
            f'<text x="{x(t):.1f}" y="{height - 26}" text-anchor="middle" fill="#444">'
            f"{escape(short_number(t))}</text>"
        )
    out.append(
        f'<text x="{x(base):.1f}" y="16" text-anchor="middle" fill="#222">'
        f"base {escape(short_number(base))} {escape(unit)}</text>"
    )
    max_chars = label_w // 7
    for i, (label, a, b) in enumerate(zip(labels, low, high, strict=True)):
        y = 28 + i * row
        short = label if len(label) <= max_chars else label[: max_chars - 1] + "\u2026"
        out.append(
            f'<text x="{label_w}" y="{y + 14}" text-anchor="end" fill="#222">'
            f"<title>{escape(label)}</title>{escape(short)}</text>"
        )
        for value, color, side in ((a, PALETTE[3], "low"), (b, PALETTE[0], "high")):
            if not math.isfinite(value):
                continue
            left, right = sorted((x(base), x(value)))
            tip = f"{label} at its {side} bound: {short_number(value)} {unit}"
            out.append(
                f'<rect class="series {side}" x="{left:.1f}" y="{y + 3}" '
                f'width="{max(right - left, 1):.1f}" height="{row - 6}" fill="{color}" '
                f'fill-opacity="0.85"><title>{escape(tip)}</title></rect>'
            )
    out.append(
        f'<line x1="{x(base):.1f}" x2="{x(base):.1f}" y1="22" y2="{height - 40}" stroke="#222"/>'
    )
    legend = [
        ("input at its low bound", PALETTE[3], "bar"),
        ("at its high bound", PALETTE[0], "bar"),
    ]
    out += _legend(legend, Size(width, height, 8, 8, 8, 8, font, 5))
    out.append("</svg>")
    return "\n".join(out)


def histogram_svg(
    values: Sequence[float],
    marks: Sequence[tuple[str, float]],
    *,
    title: str,
    unit: str,
    bins: int = 40,
    chart_id: str = "histogram",
    size: Size = WIDE,
) -> str:
    """A histogram of the draws (share of draws per bin, left axis) with their
    cumulative distribution (right axis, 0-100 %) and vertical marks at the
    given percentiles (``marks``: (label, value)). NaN draws are left out.

    >>> svg = histogram_svg([1.0, 2.0, 2.0, 3.0], [("P50", 2.0)], title="t", unit="USD", bins=3)
    >>> svg.count('class="series bar"'), 'class="cdf"' in svg
    (3, True)
    """
    import numpy as np

    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return ""
    lo, hi = float(x.min()), float(x.max())
    if hi == lo:
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(x, bins=bins, range=(lo, hi))
    share = counts / len(x)
    frame = _Frame([lo, hi], [0.0, float(share.max())], True, size)
    out = _open(title, f"Histogram and cumulative share of {len(x):,} draws", chart_id, size)
    out.append('<g class="axes" fill="#444">')
    for t in frame.ticks:
        y = frame.y(t)
        out.append(
            f'<line x1="{size.left}" x2="{size.width - size.right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#e3e3e3"/><text x="{size.left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{t:.0%}</text>"
        )
    for t in nice_ticks(lo, hi, 5 if size == WIDE else 3):
        if lo <= t <= hi:
            out.append(
                f'<text x="{frame.x(t):.1f}" y="{size.height - size.bottom + 16}" '
                f'text-anchor="middle">{escape(short_number(t))}</text>'
            )
    out.append(
        f'<text x="{(size.left + size.width - size.right) / 2:.0f}" '
        f'y="{size.height - size.bottom + 32}" text-anchor="middle">{escape(unit)}</text>'
    )
    for q in (0.0, 0.5, 1.0):
        yq = size.top + (1 - q) * (size.height - size.top - size.bottom)
        out.append(
            f'<text x="{size.width - size.right + 4}" y="{yq + 4:.1f}" fill="{PALETTE[2]}">'
            f"{q:.0%}</text>"
        )
    out.append("</g>")
    zero = frame.y(0.0)
    for a, b, s in zip(edges[:-1], edges[1:], share, strict=True):
        if s <= 0:
            continue
        xa, xb = frame.x(float(a)), frame.x(float(b))
        out.append(
            f'<rect class="series bar" x="{xa:.1f}" y="{frame.y(float(s)):.1f}" '
            f'width="{max(xb - xa - 0.5, 0.5):.1f}" height="{zero - frame.y(float(s)):.1f}" '
            f'fill="{PALETTE[0]}" fill-opacity="0.75"/>'
        )
    xs = np.sort(x)
    idx = np.unique(np.linspace(0, len(xs) - 1, min(len(xs), 200)).astype(int))
    plot_h = size.height - size.top - size.bottom
    d = " ".join(
        f"{'M' if k == 0 else 'L'}{frame.x(float(xs[i])):.1f},"
        f"{size.top + (1 - (i + 1) / len(xs)) * plot_h:.1f}"
        for k, i in enumerate(idx)
    )
    out.append(f'<path class="cdf" d="{d}" fill="none" stroke="{PALETTE[2]}" stroke-width="2"/>')
    for label, v in marks:
        if math.isfinite(v) and lo <= v <= hi:
            xv = frame.x(v)
            out.append(
                f'<line class="mark" x1="{xv:.1f}" x2="{xv:.1f}" y1="{size.top}" y2="{zero:.1f}" '
                f'stroke="{PALETTE[1]}" stroke-dasharray="3 3"/>'
                f'<text x="{xv + 2:.1f}" y="{size.top + 10}" fill="{PALETTE[1]}" '
                f'font-size="{size.font - 2}">{escape(label)}</text>'
            )
    out += _legend(
        [("share of draws", PALETTE[0], "bar"), ("cumulative (right axis)", PALETTE[2], "line")],
        size,
    )
    out.append("</svg>")
    return "\n".join(out)


SIZES = (WIDE, NARROW)
