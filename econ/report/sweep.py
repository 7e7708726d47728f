"""The result of a sweep as one page and one table: ``sweep.html`` (a line
chart for one key with the crossings marked and stated, a heat map with a
colour legend for two), ``sweep.csv`` and, on request, ``sweep.xlsx``.

Numbers read as everywhere in econ (:mod:`econ.display`): labels with units
in headers and axis titles, money scaled to k/M/bn, thousands separators,
negatives in brackets. Colours diverge around the target (0 unless asked):
reds below, blues above, darker further away, on one scale for both sides;
n/a and refused variants grey. All text is escaped (jinja autoescaping, and
:func:`html.escape` in the SVG); CSV text cells are neutralized
(:func:`econ.display.csv_safe`); the workbook writes strings as strings.

Renderers never recompute a number: every figure comes from the
:class:`econ.analysis.sweep.SweepResult`.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
from markupsafe import Markup

from econ import __version__
from econ.analysis.sweep import Axis, Crossing, SweepResult
from econ.display import NumberStyle, csv_safe, item_style
from econ.engine import column_name
from econ.report.html import _environment, illustrative_note, write_text_atomic
from econ.report.svg import NARROW, WIDE, Size, nice_ticks, readable_on

__all__ = [
    "crossing_text",
    "heat_map",
    "panel_result",
    "panels",
    "render_sweep",
    "small_multiples",
    "sweep_chart",
    "write_sweep",
    "write_sweep_csv",
    "write_sweep_xlsx",
]

#: Colour levels below and above the target, lightest first (ColorBrewer RdBu).
BELOW = ("#fddbc7", "#f4a582", "#e58267", "#d6604d", "#c2413a", "#b2182b", "#8e1023", "#67001f")
ABOVE = ("#d1e5f0", "#a9cfe5", "#92c5de", "#6fa8d0", "#4393c3", "#2f79b5", "#2166ac", "#053061")
ON_TARGET, ABSENT = "#f7f7f7", "#d9d9d9"
LINE = "#1f5fa8"
#: Largest grid drawn cell by cell with a tooltip each, and tabulated in full.
TABLE_CELLS = 1_000


# ---------------------------------------------------------------------------
# Styles and colours
# ---------------------------------------------------------------------------


def _target_text(result: SweepResult, style: NumberStyle | None = None) -> str:
    """The target as a sentence states it: ``0``, ``50.0 M USD``."""
    if result.target == 0:
        return "0"
    return (style or item_style(result.metric, [result.target])).text(result.target)


def axis_style(axis: Axis) -> NumberStyle:
    """The display style of a varied input's values (one scale for the axis)."""
    return NumberStyle.for_values(axis.unit, axis.display, axis.values.tolist())


def _title(label: str, style: NumberStyle) -> str:
    unit = style.header_unit
    return f"{label} [{unit}]" if unit else label


@dataclass(frozen=True)
class ColourScale:
    """Diverging colours around ``target``, ``extent`` the largest distance
    from it shown (both sides share it, so equal distances look alike)."""

    target: float
    extent: float
    below: bool
    above: bool

    @classmethod
    def of(cls, values: Sequence[float] | np.ndarray, target: float) -> ColourScale:
        arr = np.asarray(values, dtype=np.float64)
        finite = arr[np.isfinite(arr)] - target
        extent = float(np.abs(finite).max()) if finite.size else 0.0
        return cls(target, extent, bool((finite < 0).any()), bool((finite > 0).any()))

    def level(self, value: float) -> int:
        """-8..8: the colour level (0 on target; sign: which side)."""
        d = value - self.target
        if d == 0 or self.extent == 0:
            return 0
        k = min(len(ABOVE), max(1, math.ceil(abs(d) / self.extent * len(ABOVE))))
        return k if d > 0 else -k

    def colour(self, value: float) -> str:
        if not math.isfinite(value):
            return ABSENT
        k = self.level(value)
        return ON_TARGET if k == 0 else (ABOVE if k > 0 else BELOW)[abs(k) - 1]

    def text_colour(self, value: float) -> str:
        """Black or white, whichever contrasts more with :meth:`colour` (WCAG
        ratio at least 4.5 on every colour of the scale)."""
        return readable_on(self.colour(value))


# ---------------------------------------------------------------------------
# SVG
# ---------------------------------------------------------------------------


def _svg_open(
    chart_id: str, title: str, desc: str, width: int, height: int, font: int
) -> list[str]:
    tid = escape(f"{chart_id}-title")
    return [
        f'<svg class="chart {"wide" if width > 480 else "narrow"}" id="{escape(chart_id)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-size="{font}" role="img" aria-labelledby="{tid}" '
        'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{tid}">{escape(title)}</title>',
        f"<desc>{escape(desc)}</desc>",
    ]


def _text_width(text: str, font: int) -> float:
    return len(text) * font * 0.62


def _even(n: int, most: int) -> list[int]:
    """At most ``most`` indices of ``range(n)``, equally spaced from the first."""
    step = max(1, math.ceil(n / max(most, 1)))
    return list(range(0, n, step))


def _lines(text: str, width: float, font: int) -> list[str]:
    """``text`` wrapped at spaces into lines of at most ``width`` px (a word
    longer than that stays whole)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and _text_width(f"{lines[-1]} {word}", font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _x_title(lines: list[str], x: float, y: float, font: int) -> str:
    """An axis title under the axis, centred at ``x``, first line at ``y``."""
    spans = "".join(
        f'<tspan x="{x:.1f}" y="{y + n * (font + 3):.1f}">{escape(line)}</tspan>'
        for n, line in enumerate(lines)
    )
    return f'<text text-anchor="middle" class="axis-title">{spans}</text>'


def _y_title(lines: list[str], cy: float, font: int) -> str:
    """An axis title along the left edge, read bottom to top, centred at ``cy``."""
    out = []
    for n, line in enumerate(lines):
        x = 12 + n * (font + 3)
        out.append(
            f'<text x="{x}" y="{cy:.1f}" text-anchor="middle" class="axis-title" '
            f'transform="rotate(-90 {x} {cy:.1f})">{escape(line)}</text>'
        )
    return "".join(out)


def _ticks(lo: float, hi: float, whole: bool) -> list[float]:
    ticks = nice_ticks(lo, hi, 5)
    if whole:
        ticks = sorted({float(round(t)) for t in ticks})
    return ticks


def _plain(style: NumberStyle, value: float) -> str:
    return style.number(value) if style.display not in ("flag", "yesno") else f"{value:g}"


def crossing_text(result: SweepResult, crossing: Crossing) -> tuple[str, str]:
    """The sentence of a crossing and how it was found.

    >>> import econ
    >>> from econ.analysis.sweep import sweep
    >>> sc = econ.load_scenario("seeds/magnets_plant.toml")
    >>> r = sweep(sc, ["benchmark_cost_usd_per_kg=80:130:5"])
    >>> print(crossing_text(r, r.crossings[0])[0])  # doctest: +NORMALIZE_WHITESPACE
    Net present value to equity = 0 at Benchmark (Chinese) unit cost / import price
    = 110.44 USD/kg
    """
    last = result.axes[-1]
    style = axis_style(last)
    metric = result.metric
    target = "0" if result.target == 0 else item_style(metric, [result.target]).text(result.target)
    where = ""
    if crossing.index:
        fixed = [
            f"{a.label} = {axis_style(a).text(float(a.values[i]))}"
            for a, i in zip(result.axes[:-1], crossing.index, strict=True)
        ]
        where = f" (with {', '.join(fixed)})"
    lo, hi = style.text(crossing.lo), style.text(crossing.hi)
    if crossing.method == "solved":
        head = f"{metric.label} = {target} at {last.label} = {style.text(crossing.solved)}"
        how = (
            f"solved on the model by the engine's root finder between the grid points {lo} "
            f"and {hi}; linear interpolation of the grid gives {style.text(crossing.interpolated)}"
        )
    elif crossing.method == "grid point":
        head = f"{metric.label} = {target} at {last.label} = {lo}"
        how = "exactly at a grid point"
    elif crossing.method == "jump":
        head = f"{metric.label} jumps across {target} between {last.label} = {lo} and {hi}"
        how = "no value in between gives it exactly (the metric is not continuous there)"
    else:
        head = f"{metric.label} crosses {target} between {last.label} = {lo} and {hi}"
        how = f"{last.label} takes whole values only"
    return head + where, how


def sweep_chart(result: SweepResult, size: Size = WIDE) -> str:
    """A line chart of the metric over the one varied key, the target line
    and each crossing marked and labelled."""
    axis = result.axes[0]
    xs = axis.values
    ys = result.grid
    metric = result.metric
    xstyle, ystyle = axis_style(axis), item_style(metric, ys.tolist())
    finite = ys[np.isfinite(ys)]
    lo = min([float(finite.min()) if finite.size else 0.0, result.target])
    hi = max([float(finite.max()) if finite.size else 0.0, result.target])
    yt = _ticks(lo, hi, metric.unit == "year")
    xt = [
        t
        for t in _ticks(float(xs[0]), float(xs[-1]), axis.kind != "number")
        if xs[0] <= t <= xs[-1]
    ]
    ytick_style = NumberStyle.for_values(metric.unit, metric.display, yt, metric.na_text)
    ytick_style = ytick_style if ytick_style.scale == ystyle.scale else ystyle
    xtick_style = NumberStyle.for_values(axis.unit, axis.display, xt or [float(xs[0])])
    font = size.font
    labels = [_plain(ytick_style, t) for t in yt]
    top, width, height = 14, size.width, size.height
    ytitle = _lines(_title(metric.label, ystyle), height - top - 80, font)
    left = 14 + (font + 3) * len(ytitle) + max(_text_width(s, font) for s in labels) + 8
    right = max(16.0, _text_width(xtick_style.number(float(xs[-1])), font) / 2 + 4)
    xtitle = _lines(_title(axis.label, xtick_style), width - left - right, font)
    bottom = 40 + (font + 3) * len(xtitle)
    plot_w, plot_h = width - left - right, height - top - bottom
    x0, x1 = float(xs[0]), float(xs[-1])
    y0, y1 = yt[0], yt[-1]

    def px(v: float) -> float:
        return left + (v - x0) / ((x1 - x0) or 1.0) * plot_w

    def py(v: float) -> float:
        return top + (y1 - v) / ((y1 - y0) or 1.0) * plot_h

    title = f"{metric.label} by {axis.label}"
    desc = f"Line chart of {metric.label} over {len(xs)} values of {axis.label}"
    suffix = "" if size == WIDE else "-narrow"
    out = _svg_open(f"sweep-chart{suffix}", title, desc, width, height, font)
    out.append('<g class="axes" fill="#444">')
    for t, text in zip(yt, labels, strict=True):
        y = py(t)
        zero = t == 0
        out.append(
            f'<line x1="{left:.1f}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{"#777" if zero else "#e3e3e3"}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end">{escape(text)}</text>'
        )
    shown = xt if len(xt) >= 2 else [x0, x1]
    widest = max(_text_width(xtick_style.number(t), font) for t in shown) + 10
    step = max(1, math.ceil(len(shown) * widest / plot_w))
    for t in shown[::step]:
        out.append(
            f'<text x="{px(t):.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
            f"{escape(xtick_style.number(t))}</text>"
        )
    out.append(_x_title(xtitle, left + plot_w / 2, top + plot_h + 34, font))
    out.append(_y_title(ytitle, top + plot_h / 2, font))
    out.append("</g>")
    if result.target != 0:
        y = py(result.target)
        out.append(
            f'<line class="target" x1="{left:.1f}" x2="{width - right}" y1="{y:.1f}" '
            f'y2="{y:.1f}" stroke="#555" stroke-dasharray="6 4"/>'
        )
    parts, pen = [], False
    for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
        if not math.isfinite(y):
            pen = False
            continue
        parts.append(f"{'L' if pen else 'M'}{px(x):.1f},{py(y):.1f}")
        pen = True
    if parts:
        out.append(
            f'<path class="series" d="{" ".join(parts)}" fill="none" stroke="{LINE}" '
            f'stroke-width="2.5" stroke-linejoin="round">'
            f"<title>{escape(metric.label)}</title></path>"
        )
    if len(xs) <= 60:
        for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
            if math.isfinite(y):
                out.append(
                    f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="2.5" fill="{LINE}">'
                    f"<title>{escape(f'{xstyle.text(x)}: {ystyle.text(y)}')}</title></circle>"
                )
    for n, c in enumerate(result.crossings[:6]):
        x, y = px(c.value), py(result.target)
        text = (
            xstyle.text(c.value)
            if c.method != "between grid points"
            else (f"{xstyle.number(c.lo)}–{xstyle.number(c.hi)}")
        )
        anchor = "end" if x > left + plot_w * 0.7 else "start"
        dx = -6 if anchor == "end" else 6
        ty = y - 10 - 16 * n if y - 30 > top else y + 20 + 16 * n
        out.append(
            f'<g class="crossing" data-value="{c.value!r}">'
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" stroke="#222" '
            'stroke-dasharray="3 3"/>'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#fff" stroke="#222" stroke-width="2"/>'
            f'<text x="{x + dx:.1f}" y="{ty:.1f}" text-anchor="{anchor}" font-weight="600" '
            'stroke="#fff" stroke-width="3" paint-order="stroke" '
            f'fill="#222">{escape(text)}</text></g>'
        )
    out.append("</svg>")
    return "\n".join(out)


def _legend_bar(
    scale: ColourScale,
    style: NumberStyle,
    x: float,
    y: float,
    width: float,
    font: int,
    absent: bool,
    label: list[str],
) -> list[str]:
    """A colour legend: the swatches of both sides (or the one side shown),
    the target and the extent labelled, a grey swatch for n/a."""
    colours: list[tuple[str, float]] = []
    n = len(ABOVE)
    if scale.below or not scale.above:
        colours += [(BELOW[k], -(k + 1) / n) for k in reversed(range(n))]
    if scale.above:
        colours += [(ABOVE[k], (k + 1) / n) for k in range(n)]
    out = ['<g class="colour-legend">']
    for n, line in enumerate(label):
        out.append(
            f'<text x="{x:.1f}" y="{y + n * (font + 3):.1f}" fill="#222">{escape(line)}</text>'
        )
    bar_y = y + 6 + (len(label) - 1) * (font + 3)
    grey_w = 58 if absent else 0
    sw = (width - grey_w) / max(len(colours), 1)
    for i, (colour, _) in enumerate(colours):
        out.append(
            f'<rect x="{x + i * sw:.1f}" y="{bar_y:.1f}" width="{sw + 0.4:.1f}" height="12" '
            f'fill="{colour}"/>'
        )
    ticks: list[tuple[float, float]] = []  # (position, value)
    e, t = scale.extent, scale.target
    if scale.below and scale.above:
        ticks = [(0, t - e), (0.25, t - e / 2), (0.5, t), (0.75, t + e / 2), (1, t + e)]
    elif scale.above:
        ticks = [(0, t), (0.5, t + e / 2), (1, t + e)]
    else:
        ticks = [(0, t - e), (0.5, t - e / 2), (1, t)]
    span = width - grey_w
    for pos, value in ticks:
        tx = x + pos * span
        anchor = "start" if pos == 0 else "end" if pos == 1 else "middle"
        out.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{bar_y + 12:.1f}" y2="{bar_y + 16:.1f}" '
            'stroke="#444"/>'
            f'<text x="{tx:.1f}" y="{bar_y + 16 + font:.1f}" text-anchor="{anchor}" fill="#444">'
            f"{escape(style.number(value))}</text>"
        )
    if absent:
        gx = x + width - grey_w + 8
        out.append(
            f'<rect x="{gx:.1f}" y="{bar_y:.1f}" width="14" height="12" fill="{ABSENT}"/>'
            f'<text x="{gx + 18:.1f}" y="{bar_y + 11:.1f}" fill="#444">n/a</text>'
        )
    out.append("</g>")
    return out


def heat_map(
    result: SweepResult,
    size: Size = WIDE,
    *,
    scale: ColourScale | None = None,
    style: NumberStyle | None = None,
    chart_id: str = "sweep-heat-map",
    heading: str = "",
) -> str:
    """The metric over two varied keys: rows the first key (upwards), columns
    the second, a diverging colour scale with its legend, and the line where
    the metric crosses the target (from the solved crossings).

    ``scale`` and ``style`` are shared by the panels of :func:`small_multiples`
    (default: from this grid); ``heading`` is a panel's title above the map.
    """
    ya, xa = result.axes[0], result.axes[1]
    grid = result.grid
    metric = result.metric
    ystyle, xstyle = axis_style(ya), axis_style(xa)
    mstyle = style or item_style(metric, grid[np.isfinite(grid)].tolist())
    scale = scale or ColourScale.of(grid, result.target)
    font = size.font
    ylabels = [ystyle.number(v) for v in ya.values.tolist()]
    xlabels = [xstyle.number(v) for v in xa.values.tolist()]
    nr, nc = len(ya), len(xa)
    plot_h = float(min(max(nr * 24, 150), 380 if size == WIDE else 300))
    yshow = _even(nr, max(2, int(plot_h // (font + 6))))
    width = size.width
    head = _lines(heading, width - 8, font) if heading else []
    top = 10 + (font + 4) * len(head)
    ytitle = _lines(_title(ya.label, ystyle), plot_h, font)
    left = 14 + (font + 3) * len(ytitle) + max(_text_width(ylabels[i], font) for i in yshow) + 8
    right = max(12.0, _text_width(xlabels[-1], font) / 2 + 4)
    plot_w = width - left - right
    cw, ch = plot_w / nc, plot_h / nr
    xtitle = _lines(_title(xa.label, xstyle), plot_w, font)
    legend_top = top + plot_h + 36 + (font + 3) * len(xtitle)
    crossing_note = f" · line: {metric.label} = {_target_text(result, mstyle)}"
    legend_label = _lines(
        _title(metric.label, mstyle) + (crossing_note if result.crossings else ""), plot_w, font
    )
    height = int(legend_top + 42 + (font + 3) * len(legend_label))
    title = f"{metric.label} by {ya.label} and {xa.label}"
    desc = f"Heat map of {metric.label}: {nr} values of {ya.label} by {nc} values of {xa.label}"
    suffix = "" if size == WIDE else "-narrow"
    if heading:
        title, desc = f"{title}, {heading}", f"{desc}, {heading}"
    out = _svg_open(f"{chart_id}{suffix}", title, desc, width, height, font)
    for n, line in enumerate(head):
        out.append(
            f'<text class="panel-title" x="4" y="{10 + (font + 4) * n + font:.1f}" '
            f'font-weight="bold">{escape(line)}</text>'
        )
    cells = nr * nc
    detailed = cells <= TABLE_CELLS
    write_values = detailed and cw >= _text_width("(0,000)", font) + 6 and ch >= font + 6
    out.append('<g class="cells">')
    for i in range(nr):
        y = top + (nr - 1 - i) * ch
        row = grid[i]
        j = 0
        while j < nc:
            colour = scale.colour(float(row[j]))
            k = j + 1
            if not detailed:  # merge runs of one colour: a light file for big grids
                while k < nc and scale.colour(float(row[k])) == colour:
                    k += 1
            tip = ""
            if detailed:
                v = float(row[j])
                where = f"{ya.label} {ylabels[i]}, {xa.label} {xlabels[j]}"
                tip = f"<title>{escape(f'{where}: {mstyle.text(v)}')}</title>"
            out.append(
                f'<rect x="{left + j * cw:.2f}" y="{y:.2f}" width="{(k - j) * cw + 0.3:.2f}" '
                f'height="{ch + 0.3:.2f}" fill="{colour}">{tip}</rect>'
            )
            if write_values:
                v = float(row[j])
                out.append(
                    f'<text x="{left + (j + 0.5) * cw:.1f}" y="{y + ch / 2 + font / 2 - 1:.1f}" '
                    f'text-anchor="middle" fill="{scale.text_colour(v)}">'
                    f"{escape(mstyle.number(v))}</text>"
                )
            j = k
    out.append("</g>")
    # The crossing line: the first crossing of each row, joined row to row.
    firsts: dict[int, Crossing] = {}
    for c in result.crossings:
        firsts.setdefault(c.index[0], c)
    xv = xa.values

    def cx(value: float) -> float:
        j = int(np.clip(np.searchsorted(xv, value) - 1, 0, nc - 1))
        if j >= nc - 1 or xv[j + 1] == xv[j]:
            return left + (j + 0.5) * cw
        frac = float((value - xv[j]) / (xv[j + 1] - xv[j]))
        return left + (j + 0.5 + frac) * cw

    parts, prev = [], -2
    for i in sorted(firsts):
        point = f"{cx(firsts[i].value):.1f},{top + (nr - 1 - i + 0.5) * ch:.1f}"
        parts.append(("L" if i == prev + 1 else "M") + point)
        prev = i
    target = _target_text(result, mstyle)
    if parts:
        out.append(
            f'<path class="crossing-line" d="{" ".join(parts)}" fill="none" stroke="#111" '
            f'stroke-width="2"><title>{escape(f"{metric.label} = {target}")}</title></path>'
        )
    out.append('<g class="axes" fill="#444">')
    for i in yshow:
        y = top + (nr - 1 - i + 0.5) * ch
        out.append(
            f'<text x="{left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(ylabels[i])}</text>"
        )
    most = max(2, int(plot_w // (max(_text_width(s, font) for s in xlabels) + 10)))
    for j in _even(nc, most):
        out.append(
            f'<text x="{left + (j + 0.5) * cw:.1f}" y="{top + plot_h + 16:.1f}" '
            f'text-anchor="middle">{escape(xlabels[j])}</text>'
        )
    out.append(_x_title(xtitle, left + plot_w / 2, top + plot_h + 34, font))
    out.append(_y_title(ytitle, top + plot_h / 2, font))
    out.append("</g>")
    out += _legend_bar(
        scale, mstyle, left, legend_top, plot_w, font, bool(np.isnan(grid).any()), legend_label
    )
    out.append("</svg>")
    return "\n".join(out)


#: Most heat maps a sweep of three or more keys draws (one per value of the
#: keys before the last two); more are thinned evenly, and the page says so.
MAX_PANELS = 12


def panels(result: SweepResult) -> tuple[list[tuple[int, ...]], int]:
    """The grid indices of the keys before the last two that get a heat map
    each (at most :data:`MAX_PANELS`, equally spaced from the first),
    and how many there are in all."""
    outer = result.shape[:-2]
    every = list(np.ndindex(*outer))
    return [every[i] for i in _even(len(every), MAX_PANELS)], len(every)


def panel_result(result: SweepResult, index: tuple[int, ...]) -> SweepResult:
    """The two-key sweep of the last two keys at the grid indices ``index``
    of the keys before them, with the crossings that lie in it."""
    from dataclasses import replace

    n = len(index)
    return replace(
        result,
        axes=result.axes[n:],
        values={k: v[index] for k, v in result.values.items()},
        refused=result.refused[index],
        reason_index=result.reason_index[index],
        crossings=tuple(
            replace(c, index=c.index[n:]) for c in result.crossings if c.index[:n] == index
        ),
    )


def panel_heading(result: SweepResult, index: tuple[int, ...]) -> str:
    """``Capital expenditure = 150 M USD``: the values a panel holds fixed."""
    return ", ".join(
        f"{a.label} = {axis_style(a).text(float(a.values[i]))}"
        for a, i in zip(result.axes, index, strict=False)
    )


def small_multiples(result: SweepResult) -> list[str]:
    """A sweep of three or more keys as heat maps of the last two keys, one
    per value of the keys before them (:func:`panels`), all on one colour
    scale and one number style, so a colour means the same in every panel;
    each carries its own crossing line. Drawn at phone width, they sit side
    by side on a desktop."""
    grid = result.grid
    scale = ColourScale.of(grid, result.target)
    style = item_style(result.metric, grid[np.isfinite(grid)].tolist())
    chosen, _ = panels(result)
    return [
        heat_map(
            panel_result(result, index),
            NARROW,
            scale=scale,
            style=style,
            chart_id="sweep-panel-" + "-".join(str(i) for i in index),
            heading=panel_heading(result, index),
        )
        for index in chosen
    ]


# ---------------------------------------------------------------------------
# Page
# ---------------------------------------------------------------------------


def _range_text(axis: Axis) -> str:
    style = axis_style(axis)
    if len(axis) == 1:
        return style.text(float(axis.values[0]))
    if len(axis) <= 6:
        return ", ".join(style.number(v) for v in axis.values.tolist()) + (
            f" {style.header_unit}" if style.header_unit and style.header_unit != "%" else ""
        )
    return (
        f"{style.text(float(axis.values[0]))} to {style.text(float(axis.values[-1]))} "
        f"({len(axis):,} values)"
    )


def _table(result: SweepResult) -> dict[str, Any] | None:
    """The values as a table (one column for one key, a matrix for two), or
    None when the grid is too large to read as one."""
    if len(result.axes) > 2 or result.size > TABLE_CELLS:
        return None
    grid = result.grid
    metric = result.metric
    style = item_style(metric, grid[np.isfinite(grid)].tolist())
    scale = ColourScale.of(grid, result.target)
    refused = result.refused

    def cell(v: float, bad: bool) -> dict[str, Any]:
        return {
            "value": v,
            "text": "refused" if bad else style.number(v),
            "bg": scale.colour(v),
            "fg": scale.text_colour(v),
        }

    axes = [axis_style(a) for a in result.axes]
    if len(result.axes) == 1:
        rows = [
            {"head": axes[0].number(x), "cells": [cell(float(v), bool(b))]}
            for x, v, b in zip(
                result.axes[0].values.tolist(), grid.tolist(), refused.tolist(), strict=True
            )
        ]
        return {
            "row_label": _title(result.axes[0].label, axes[0]),
            "corner": _title(result.axes[0].label, axes[0]),
            "columns": [_title(metric.label, style)],
            "cell_labels": [_title(metric.label, style)],
            "rows": rows,
            "caption": "",
        }
    rows = [
        {
            "head": axes[0].number(x),
            "cells": [
                cell(float(v), bool(b))
                for v, b in zip(grid[i].tolist(), refused[i].tolist(), strict=True)
            ],
        }
        for i, x in enumerate(result.axes[0].values.tolist())
    ]
    return {
        "row_label": _title(result.axes[0].label, axes[0]),
        "corner": f"{_title(result.axes[0].label, axes[0])} ↓ / "
        f"{_title(result.axes[1].label, axes[1])} →",
        "columns": [axes[1].number(x) for x in result.axes[1].values.tolist()],
        "cell_labels": [axes[1].text(x) for x in result.axes[1].values.tolist()],
        "rows": rows,
        "caption": _title(metric.label, style),
    }


def render_sweep(
    result: SweepResult,
    *,
    csv_name: str = "sweep.csv",
    xlsx_name: str | None = None,
    files_index: str | None = None,
) -> str:
    """The sweep page: a complete, self-contained HTML document."""
    scenario = result.scenario
    target = (
        "0"
        if result.target == 0
        else item_style(result.metric, [result.target]).text(result.target)
    )
    charts: list[Markup] = []
    if len(result.axes) == 1:
        charts = [Markup(sweep_chart(result, s)) for s in (WIDE, NARROW)]
    elif len(result.axes) == 2:
        charts = [Markup(heat_map(result, s)) for s in (WIDE, NARROW)]
    shown_panels, all_panels = (
        (len(panels(result)[0]), panels(result)[1]) if len(result.axes) > 2 else (0, 0)
    )
    multiples = [Markup(svg) for svg in small_multiples(result)] if shown_panels else []
    crossings = [
        {"text": t, "how": h, "value": c.value, "method": c.method}
        for c in result.crossings
        for t, h in [crossing_text(result, c)]
    ]
    crossing_table = None
    if len(result.axes) >= 2 and result.crossings:
        last = result.axes[-1]
        style = axis_style(last)
        others = result.axes[:-1]
        crossing_table = {
            "columns": [_title(a.label, axis_style(a)) for a in others]
            + [f"{_title(last.label, style)} where {result.metric.label} = {target}"],
            "rows": [
                {
                    "heads": [
                        axis_style(a).number(float(a.values[i]))
                        for a, i in zip(others, c.index, strict=True)
                    ],
                    "value": c.value,
                    "text": style.number(c.value)
                    if c.method != "between grid points"
                    else f"{style.number(c.lo)}–{style.number(c.hi)}",
                    "method": c.method,
                }
                for c in result.crossings[:200]
            ],
            "how": sorted({c.method for c in result.crossings}),
        }
    finite = result.grid[np.isfinite(result.grid)]
    metric_style = item_style(result.metric, finite.tolist())
    span = (
        f"from {metric_style.text(float(finite.min()))} to {metric_style.text(float(finite.max()))}"
        if finite.size
        else "n/a everywhere"
    )
    template = _environment().get_template("sweep.html.j2")
    return template.render(
        title=f"Sweep of {scenario.title}: {result.metric.label}",
        scenario=scenario,
        result=result,
        varied=[
            {"label": a.label, "key": a.typed_key, "range": _range_text(a)} for a in result.axes
        ],
        fixed=[shown for _, _, shown in result.sets],
        charts=charts,
        multiples=multiples,
        shown_panels=shown_panels,
        all_panels=all_panels,
        panel_keys=[a.label for a in result.axes[:-2]],
        crossings=crossings if len(result.axes) == 1 else [],
        crossing_table=crossing_table,
        more_crossings=max(0, len(result.crossings) - 200),
        target=target,
        span=span,
        table=_table(result),
        refused=int(result.refused.sum()),
        reasons=result.reasons,
        notes=result.notes,
        caution=illustrative_note(scenario, [result.metric.key]),
        ms=result.seconds * 1e3,
        csv_name=csv_name,
        xlsx_name=xlsx_name,
        files_index=files_index,
        version=__version__,
    )


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------


def _axis_header(axis: Axis) -> str:
    return f"{axis.typed_key} [{axis.typed_unit}]"


def _flat_axes(result: SweepResult) -> list[np.ndarray]:
    index = np.unravel_index(np.arange(result.size), result.shape)
    return [a.typed[i] for a, i in zip(result.axes, index, strict=True)]


def _replace_via_temp(path: Path, write: Callable[[Path], None]) -> Path:
    """Through the one atomic writer, an edited table kept first (a
    workbook sealed, a CSV's digest recorded: :func:`econ.outputs.write_guarded`)."""
    from econ.outputs import write_guarded

    return write_guarded(path, write)


def _reason_per_variant(result: SweepResult) -> list[str]:
    return [result.reasons[i] if i >= 0 else "" for i in result.reason_index.ravel().tolist()]


def write_sweep_csv(result: SweepResult, path: str | Path) -> Path:
    """``sweep.csv``: one row per variant, first key slowest; the varied keys
    in the unit they were typed in, every metric at full precision in its
    canonical unit (``Label [unit]``), n/a empty, a ``refused`` reason."""
    items = result.items()
    axes = _flat_axes(result)
    columns = [result.values[i.key].ravel() for i in items]
    reasons = _reason_per_variant(result)

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(
                [csv_safe(_axis_header(a)) for a in result.axes]
                + [csv_safe(column_name(i)) for i in items]
                + ["refused"]
            )
            texts = [list(map(repr, a.tolist())) for a in axes]
            for c in columns:
                text = list(map(repr, c.tolist()))
                for n in np.flatnonzero(~np.isfinite(c)).tolist():
                    text[n] = ""  # n/a
                texts.append(text)
            texts.append([csv_safe(r) for r in reasons])
            out.writerows(zip(*texts, strict=True))

    return _replace_via_temp(Path(path), write)


def write_sweep_xlsx(result: SweepResult, path: str | Path) -> Path:
    """``sweep.xlsx``: the table of the CSV as a formatted Excel table (display
    policy number formats, frozen header, filter) and, for two keys, the grid
    of the metric with the diverging colour scale."""
    import xlsxwriter

    items = result.items()
    axes = _flat_axes(result)
    styles = [
        item_style(i, result.values[i.key][np.isfinite(result.values[i.key])].tolist())
        for i in items
    ]
    reasons = _reason_per_variant(result)

    def header(i: Any, style: NumberStyle) -> str:
        return _title(i.label, style)

    def write(tmp: Path) -> None:
        wb = xlsxwriter.Workbook(
            str(tmp),
            {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True},
        )
        try:
            bold = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
            absent = wb.add_format({"italic": True, "font_color": "#666666", "align": "right"})
            ws = wb.add_worksheet("Sweep")
            heads = (
                [_axis_header(a) for a in result.axes]
                + [header(i, s) for i, s in zip(items, styles, strict=True)]
                + ["refused"]
            )
            formats = [wb.add_format({"num_format": s.excel}) for s in styles]
            n_axes = len(result.axes)
            for c, a in enumerate(axes):
                ws.write_column(1, c, a.tolist())
            for c, (i, s, fmt) in enumerate(zip(items, styles, formats, strict=True)):
                values = result.values[i.key].ravel().tolist()
                for r, v in enumerate(values, start=1):
                    if math.isfinite(v):
                        ws.write_number(r, n_axes + c, v, fmt)
                    else:
                        ws.write_string(
                            r, n_axes + c, "refused" if reasons[r - 1] else s.na_text, absent
                        )
            for r, text in enumerate(reasons, start=1):
                ws.write_string(r, len(heads) - 1, text)
            ws.add_table(
                0,
                0,
                max(result.size, 1),
                len(heads) - 1,
                {
                    "columns": [{"header": h, "header_format": bold} for h in heads],
                    "style": "Table Style Light 9",
                    "name": "Sweep",
                },
            )
            for c, h in enumerate(heads):
                ws.set_column(c, c, min(max(len(h) / 2.5, 12), 40))
            ws.set_row(0, 48)
            ws.freeze_panes(1, n_axes)
            if n_axes == 2:
                ya, xa = result.axes
                grid = result.grid
                style = styles[[i.key for i in items].index(result.metric.key)]
                gs = wb.add_worksheet("Grid")
                gs.write_string(
                    0,
                    0,
                    f"{header(result.metric, style)}: rows {_axis_header(ya)}, "
                    f"columns {_axis_header(xa)}",
                    bold,
                )
                gs.write_row(1, 1, xa.typed.tolist(), bold)
                gs.write_column(2, 0, ya.typed.tolist(), bold)
                fmt = wb.add_format({"num_format": style.excel})
                for r in range(len(ya)):
                    for c in range(len(xa)):
                        v = float(grid[r, c])
                        if math.isfinite(v):
                            gs.write_number(2 + r, 1 + c, v, fmt)
                        else:
                            gs.write_string(2 + r, 1 + c, style.na_text, absent)
                scale = ColourScale.of(grid, result.target)
                gs.conditional_format(
                    2,
                    1,
                    1 + len(ya),
                    len(xa),
                    {
                        "type": "3_color_scale",
                        "min_type": "num",
                        "min_value": result.target - (scale.extent or 1),
                        "min_color": BELOW[5],
                        "mid_type": "num",
                        "mid_value": result.target,
                        "mid_color": ON_TARGET,
                        "max_type": "num",
                        "max_value": result.target + (scale.extent or 1),
                        "max_color": ABOVE[6],
                    },
                )
                gs.freeze_panes(2, 1)
                gs.set_column(0, len(xa), 11)
        finally:
            wb.close()

    return _replace_via_temp(Path(path), write)


def write_sweep(
    result: SweepResult,
    out_dir: str | Path,
    *,
    xlsx: bool = False,
    files_index: str | None = None,
) -> list[Path]:
    """Write ``sweep.csv``, ``sweep.html`` (and ``sweep.xlsx``) into ``out_dir``."""
    folder = Path(out_dir)
    written = [write_sweep_csv(result, folder / "sweep.csv")]
    if xlsx:
        written.append(write_sweep_xlsx(result, folder / "sweep.xlsx"))
    page = render_sweep(result, xlsx_name="sweep.xlsx" if xlsx else None, files_index=files_index)
    written.insert(0, write_text_atomic(page, folder / "sweep.html"))
    return written
