"""Self-contained HTML summaries of evaluated scenarios, and batch indexes.

Rendered with jinja2 (autoescaping on) from ``econ/templates/``; charts are
inline SVG from :mod:`econ.report.svg`. No scripts or fonts are loaded from
the network: every file opens offline, on a phone and in print.

Renderers never recompute a number: every figure comes from
:class:`econ.engine.Results`.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from econ import __version__
from econ.display import NumberStyle, format_item, format_value, item_style
from econ.engine import Results
from econ.model.schema import BREAKEVEN_KEY, Model
from econ.report.svg import (
    NARROW,
    WIDE,
    Series,
    Size,
    bar_line_chart,
    hbar_chart,
    line_chart,
    readable_on,
)
from econ.scenario import Assumption, Scenario

__all__ = [
    "NOT_MODELLED",
    "Chart",
    "Column",
    "CompareChart",
    "IndexRow",
    "InstrumentLine",
    "SweepTable",
    "build_charts",
    "compare_charts",
    "compare_keys",
    "format_value",
    "illustrative_note",
    "index_columns",
    "inputs_behind",
    "instrument_lines",
    "item_style",
    "render_index",
    "render_summary",
    "write_index",
    "write_summary",
    "write_text_atomic",
]


def _data_value(value: float) -> str:
    """Exact machine-readable text of a float (``repr``; ``nan`` for n/a)."""
    return "nan" if not math.isfinite(value) else repr(float(value))


@dataclass(frozen=True)
class Chart:
    """One rendered chart with the time it took to render.

    ``svg`` is drawn for a desktop, ``narrow`` for a phone (the page shows
    one of them); a chart with nothing to show has no SVG and a ``note``
    saying why.
    """

    chart_id: str
    title: str
    svg: str
    render_ms: float
    narrow: str = ""
    note: str = ""


def _draw(spec: Any, years: list[int], series: list[Series], size: Size) -> str:
    """One chart of the model (:class:`econ.model.schema.Chart`) at one size."""
    bars = [x for x, s in zip(series, spec.series, strict=True) if s.kind == "bar"]
    lines = [x for x, s in zip(series, spec.series, strict=True) if s.kind == "line"]
    if bars and lines:
        return bar_line_chart(
            years,
            bars[0],
            lines[0],
            title=spec.title,
            unit=spec.unit,
            chart_id=spec.chart_id,
            right_axis=spec.right_axis,
            size=size,
        )
    return line_chart(
        years, series, title=spec.title, unit=spec.unit, chart_id=spec.chart_id, size=size
    )


def build_charts(scenario: Scenario, results: Results) -> list[Chart]:
    """The charts the model declares (:class:`econ.model.schema.Chart`), each timed.

    A chart with bars draws its first bar series against its first line
    series; a chart of lines draws them all.
    """
    years = list(results.years)
    charts = []
    scalars = results.scalars()

    def text(key: str) -> str:
        return format_item(scalars[key], scenario.model.item(key))

    for spec in scenario.model.charts:
        start = time.perf_counter()
        series = [
            Series(s.label, results.row(s.key).tolist(), dashed=s.dashed) for s in spec.series
        ]
        title = f"{spec.title} ({spec.unit})"
        note = spec.empty_note(results.row, text, (years[0], years[-1]))
        wide, narrow = ("", "") if note else (_draw(spec, years, series, s) for s in (WIDE, NARROW))
        ms = (time.perf_counter() - start) * 1e3
        charts.append(Chart(spec.chart_id, title, wide, ms, narrow, note))
    return charts


def _assumption_row(scenario: Scenario, a: Assumption, files: dict[str, int]) -> dict[str, Any]:
    """One row of the assumptions table; ``files`` numbers the article files
    cited (footnotes), in order of first citation."""
    spec = scenario.model.input(a.key)
    values = list(a.value) if isinstance(a.value, tuple) else [a.value]
    style = NumberStyle.for_values(a.unit, spec.display, [*values, a.low, a.high])
    if isinstance(a.value, tuple):
        shown = f"{style.number(a.value[0])} … {style.number(a.value[-1])} (per year)"
        full = ", ".join(
            f"{y}: {style.number(v)}" for y, v in zip(scenario.years, a.value, strict=True)
        )
    else:
        shown, full = style.number(a.value), ""
    bounds = ""
    if a.low is not None or a.high is not None:
        lo = "-" if a.low is None else style.number(a.low)
        hi = "-" if a.high is None else style.number(a.high)
        bounds = f"{lo} – {hi}"
    outside = any(
        (a.low is not None and v < a.low) or (a.high is not None and v > a.high) for v in values
    )
    footnote = 0
    if a.source.cited and a.source.file:
        footnote = files.setdefault(a.source.file, len(files) + 1)
    return {
        "key": a.key,
        "label": spec.label,
        "value": shown,
        "full": full,
        "unit": style.header_unit,
        "bounds": bounds,
        "outside": outside,
        "cited": a.source.cited,
        "basis": "illustrative" if a.source.basis == "assumption" else a.source.basis,
        "source": a.source.text(),
        "footnote": footnote,
        "url": a.source.url or "",
        "note": a.note,
    }


def inputs_behind(model: Model, keys: Sequence[str]) -> set[str]:
    """The model inputs the given line items depend on (through the graph)."""
    inputs = set(model.input_keys)
    seen: set[str] = set()
    stack = list(keys)
    found: set[str] = set()
    while stack:
        key = stack.pop()
        if key in seen:
            continue
        seen.add(key)
        if key in inputs:
            found.add(key)
        elif key in model and key not in inputs:
            with contextlib.suppress(KeyError):  # a constant has no dependencies
                stack.extend(model.deps(key))
    return found


def illustrative_note(scenario: Scenario, keys: Sequence[str]) -> str:
    """A caution when most assumptions behind ``keys`` are illustrative
    rather than cited ("" otherwise)."""
    behind = [scenario.assumptions[k] for k in sorted(inputs_behind(scenario.model, keys))]
    illustrative = [a for a in behind if not a.source.cited]
    if len(illustrative) * 2 <= len(behind):
        return ""
    names = [scenario.model.input(a.key).label for a in illustrative]
    listed = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    edited = sum(a.source.edited for a in illustrative)
    what = "illustrative or edited" if edited else "illustrative"
    return (
        f"{len(illustrative)} of the {len(behind)} assumptions behind these figures are "
        f"{what}, not cited: {listed}."
    )


@cache
def _environment() -> jinja2.Environment:
    loader: jinja2.BaseLoader
    folder = Path(__file__).resolve().parent.parent / "templates"
    if folder.is_dir():
        loader = jinja2.FileSystemLoader(str(folder))
    else:  # pragma: no cover - zipped installs
        loader = jinja2.PackageLoader("econ", "templates")
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = format_value
    env.filters["dv"] = _data_value
    return env


def render_summary(scenario: Scenario, results: Results, risk: Any = None) -> str:
    """The HTML summary of one evaluated scenario.

    Args:
        scenario: the scenario (its text is escaped).
        results: its evaluation (``evaluate(scenario)``); only the first
            scenario of the results is shown.
        risk: a :class:`~econ.analysis.montecarlo.RiskResult` to show (the
            tornado is always shown: :mod:`econ.report.risk_html`).

    Returns:
        A complete, self-contained HTML document.
    """
    values = results.scalars()
    model = scenario.model
    items = {i.key: i for i in model.items}
    metrics = [
        {
            "key": i.key,
            "label": i.label,
            "unit": i.unit,
            "value": values[i.key],
            "text": format_item(values[i.key], i),
            "headline": i.headline,
            "absent": not math.isfinite(values[i.key]),
        }
        for i in model.items_with("metric")
    ]
    by_key = {m["key"]: m for m in metrics}
    tiles = [by_key[k] for k in model.tile_keys]
    details = [by_key[k] for k in model.headline_keys if k not in model.tile_keys]
    checks = [
        {
            "key": i.key,
            "label": i.label,
            "value": values[i.key],
            "text": format_item(values[i.key], i),
        }
        for i in model.items_with("check")
        if i.key != model.master_check_key
    ]
    charts = build_charts(scenario, results)
    instruments = instrument_lines(model, values)
    cheapest = next((x for x in instruments if not x.why and not x.off_budget), None)
    files: dict[str, int] = {}
    rows = [_assumption_row(scenario, a, files) for a in scenario.assumptions.values()]
    last_year = scenario.start_year + scenario.horizon_yr - 1
    learning = " ".join(model.narrative(values, last_year)) if model.narrative else ""
    template = _environment().get_template("summary.html.j2")
    return template.render(
        scenario=scenario,
        model=scenario.model,
        metrics=metrics,
        headline=tiles,
        details=details,
        caution=illustrative_note(scenario, model.tile_keys),
        checks=checks,
        failing=[c for c in checks if c["value"] != 1],
        master=values.get(model.master_check_key or "", math.nan),
        warnings=scenario.warnings,
        charts=charts,
        chart_svgs={c.chart_id: Markup(c.svg) for c in charts},
        narrow_svgs={c.chart_id: Markup(c.narrow) for c in charts},
        assumptions=rows,
        cited=sum(r["cited"] for r in rows),
        edited=sum(r["basis"] == "edited" for r in rows),
        outside=[r for r in rows if r["outside"]],
        files=sorted(files, key=files.__getitem__),
        last_year=last_year,
        learning=learning,
        items=items,
        analysis=_analysis(scenario, risk),
        instruments=instruments,
        instrument_chart=_instrument_chart(instruments),
        cheapest=cheapest,
        version=__version__,
    )


@dataclass(frozen=True)
class InstrumentLine:
    """One instrument of a project's comparison, as the summary shows it.

    ``why`` is empty when the breakeven size lies within the instrument's
    terms; otherwise it says why the instrument cannot break the project even.
    """

    name: str
    label: str
    size: float
    size_text: str
    cost: float
    cost_text: str
    per_t_text: str
    share_text: str
    why: str
    off_budget: bool


def instrument_lines(model: Model, values: dict[str, float]) -> list[InstrumentLine]:
    """Every instrument of the comparison in ``values`` (one evaluation of
    the comparison model), cheapest first by the graph's own ranks; empty for
    a model without one."""
    from econ.analysis.instruments import not_applicable
    from econ.model.definition.project import INSTRUMENTS, OFF_BUDGET

    out = []
    for name, label, _, _, key, _, _ in INSTRUMENTS:
        if f"{name}_rank" not in values:
            continue
        size = values[key]
        within = values[f"{name}_within_terms"] == 1.0
        if within:
            why = ""
        elif not math.isfinite(size):
            why = not_applicable(values, name) or "no size breaks even"
        elif size < 0:
            why = "not needed: the project breaks even without it"
        else:
            why = "beyond the instrument's terms"
        cost_key = f"{name}_fiscal_cost_usd"
        cost_text, per_t_text, share_text = (
            format_item(values[k], model.item(k)) if within else "\u2014"
            for k in (cost_key, f"{cost_key}_per_t", f"{name}_budget_share")
        )
        out.append(
            InstrumentLine(
                name,
                label,
                size,
                format_item(size, model.item(key)) if math.isfinite(size) else "none",
                values[cost_key] if within else math.nan,
                cost_text,
                per_t_text,
                share_text,
                why,
                name in OFF_BUDGET,
            )
        )
    order = {line.name: values[f"{line.name}_rank"] for line in out}
    return sorted(out, key=lambda line: order[line.name])


def _instrument_chart(lines: Sequence[InstrumentLine]) -> Markup:
    """Fiscal cost at breakeven of the instruments within their terms, as
    horizontal bars (wide and narrow), cheapest first."""
    shown = [x for x in lines if not x.why]
    if not shown:
        return Markup("")
    labels = [x.label + (" (paid by buyers)" if x.off_budget else "") for x in shown]
    values = [x.cost for x in shown]
    texts = [x.cost_text for x in shown]
    title = "Fiscal cost to the state at each breakeven size (PV)"
    return Markup(
        "\n".join(
            hbar_chart(labels, values, texts, title=title, chart_id="instrument-cost", width=w)
            for w in (640, 360)
        )
    )


def _analysis(scenario: Scenario, risk: Any) -> Markup:
    from econ.report.risk_html import analysis_sections

    return analysis_sections(scenario, risk=risk)


def write_text_atomic(text: str, path: str | Path) -> Path:
    """Write ``text`` to ``path`` atomically (:func:`econ.outputs.write_atomic`)."""
    from econ.outputs import write_atomic

    return write_atomic(path, text)


def write_summary(scenario: Scenario, results: Results, path: str | Path, risk: Any = None) -> Path:
    """Render the summary of ``scenario`` and write it atomically to ``path``."""
    return write_text_atomic(render_summary(scenario, results, risk), path)


@dataclass
class IndexRow:
    """One scenario of a batch index.

    Attributes:
        name: scenario name (or the file stem when it failed to load).
        title: scenario title.
        model: model name.
        source: the scenario file (or sweep variant description).
        metrics: metric key -> value (NaN for n/a).
        html: relative link to the summary, if written.
        xlsx: relative link to the workbook, if written.
        error: the failure message, for failed scenarios.
        seconds: build time.
    """

    name: str
    title: str = ""
    model: str = ""
    source: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    html: str | None = None
    xlsx: str | None = None
    error: str | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class Column:
    """A metric column of a batch index: key, label, unit, display, n/a text,
    whether it shows without asking (``brief``) and the style of its values."""

    key: str
    label: str
    unit: str
    display: str = "auto"
    na_text: str = "n/a"
    brief: bool = True
    style: NumberStyle | None = None

    def text(self, value: float) -> str:
        """The value as the index shows it (with its unit when the column has
        no style of its own)."""
        if self.style is not None:
            return self.style.number(value)
        return format_value(value, self.unit, self.display, self.na_text)

    @property
    def header(self) -> str:
        """The heading: label and unit (scale included)."""
        unit = (self.style or NumberStyle.for_unit(self.unit, self.display)).header_unit
        return f"{self.label} [{unit}]" if unit else self.label

    def styled(self, values: Sequence[float]) -> Column:
        """This column with the style of ``values`` (one scale for the column)."""
        style = NumberStyle.for_values(self.unit, self.display, values, self.na_text)
        return replace(self, style=style)


#: What an index cell says for a metric the scenario's model does not have.
NOT_MODELLED = "not modelled"


def breakeven_only(models: Sequence[Any]) -> set[str]:
    """Metrics that only stand for a model's breakeven: every model that has
    the metric declares it as its ``breakeven``, so the shared column shows it."""
    have: dict[str, set[bool]] = {}
    for model in models:
        for item in model.items_with("metric"):
            have.setdefault(item.key, set()).add(item.key == model.breakeven)
    return {k for k, v in have.items() if v == {True}}


def index_columns(models: Sequence[Any]) -> list[Column]:
    """The index columns the models declare (``LineItem.index``), in order,
    each key once; ``brief`` when a model shows it without asking
    (``Model.index_brief``). A model's breakeven metric (``Model.breakeven``)
    is shown first, in the one column "Breakeven subsidy" that every model
    fills (:data:`~econ.model.schema.BREAKEVEN_KEY`), so projects and national
    scenarios sort by what support each needs."""
    out: dict[str, Column] = {}
    brief = {k for model in models for k in model.index_brief_keys}
    shared = [i for i in (m.breakeven_item() for m in models) if i is not None]
    if shared:  # one "Breakeven subsidy" column for every model that has one
        first = shared[0]
        na = first.na_text if all(i.na_text == first.na_text for i in shared) else "n/a"
        out[first.key] = Column(first.key, first.label, first.unit, first.display, na, True)
    own = breakeven_only(models)
    for model in models:
        for item in model.items_with("metric"):
            if item.index and item.key not in out and item.key not in own:
                out[item.key] = Column(
                    item.key, item.label, item.unit, item.display, item.na_text, item.key in brief
                )
    return list(out.values())


def compare_keys(models: Sequence[Any]) -> list[str]:
    """Metrics the models chart across scenarios (``Model.compare``), each once."""
    return list(
        dict.fromkeys(
            BREAKEVEN_KEY if k == model.breakeven else k for model in models for k in model.compare
        )
    )


@dataclass(frozen=True)
class CompareChart:
    """A bar chart of one metric across the scenarios of a batch."""

    key: str
    title: str
    svg: Markup


def compare_charts(
    rows: Sequence[IndexRow], columns: Sequence[Column], keys: Sequence[str]
) -> list[CompareChart]:
    """One horizontal bar chart per metric of ``keys``, over the rows that have it."""
    by_key = {c.key: c for c in columns}
    out = []
    for key in keys:
        column = by_key.get(key)
        have = [r for r in rows if key in r.metrics]
        if column is None or len(have) < 2:
            continue
        values = [r.metrics[key] for r in have]
        style = NumberStyle.for_values(column.unit, column.display, values, column.na_text)
        labels = [r.title or r.name for r in have]
        texts = [style.text(v) for v in values]
        svg = "\n".join(
            hbar_chart(
                labels, values, texts, title=column.label, chart_id=f"compare-{key}", width=w
            )
            for w in (640, 360)
        )
        out.append(CompareChart(key, column.label, Markup(svg)))
    return out


@dataclass
class SweepTable:
    """A metric over a 1-D or 2-D grid of varied inputs.

    Attributes:
        metric: the metric key.
        label: its label; unit its unit.
        keys: the varied input keys (1 or 2).
        axes: the grid values of each key.
        values: ``values[i][j]`` for 2 keys (row i of keys[0], column j of
            keys[1]); ``values[i][0]`` for 1 key. NaN for n/a or failed.
    """

    metric: str
    label: str
    unit: str
    keys: list[str]
    axes: list[list[float]]
    values: list[list[float]]
    display: str = "auto"
    na_text: str = "n/a"

    def text(self, value: float) -> str:
        """A cell's value as shown."""
        return format_value(value, self.unit, self.display, self.na_text)

    def colour(self, value: float) -> str:
        """A cell background from light blue (low) to dark orange (high)."""
        finite = [v for row in self.values for v in row if math.isfinite(v)]
        if not math.isfinite(value) or not finite:
            return "#eeeeee"
        lo, hi = min(finite), max(finite)
        t = 0.5 if hi == lo else (value - lo) / (hi - lo)
        a, b = (222, 235, 247), (230, 120, 40)
        r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
        return f"#{r:02x}{g:02x}{bl:02x}"

    def text_colour(self, value: float) -> str:
        """Black or white text, whichever contrasts more with :meth:`colour`."""
        return readable_on(self.colour(value))


def render_index(
    rows: Sequence[IndexRow],
    *,
    title: str = "econ batch",
    columns: Sequence[Column] | None = None,
    sweep: SweepTable | None = None,
    elapsed_s: float | None = None,
    compare: Sequence[str] | None = None,
    summary_files: bool = True,
) -> str:
    """The batch index: a sortable table of scenarios and their key metrics.

    Args:
        rows: one per scenario, failed ones included.
        title: page title.
        columns: the metric columns (:func:`index_columns` of the models).
        sweep: an optional sweep table or heat map.
        elapsed_s: wall time of the batch, shown in the footer.
        compare: metrics charted across scenarios (:func:`compare_keys`).
        summary_files: link summary.csv and summary.xlsx.

    Returns:
        A complete, self-contained HTML document.
    """
    ok = [r for r in rows if r.error is None]
    failed = [r for r in rows if r.error is not None]
    columns = [
        c.styled([r.metrics[c.key] for r in ok if c.key in r.metrics]) for c in columns or []
    ]
    brief = [c for c in columns if c.brief]
    template = _environment().get_template("index.html.j2")
    return template.render(
        title=title,
        rows=ok,
        failed=failed,
        columns=columns,
        brief=brief,
        compare=compare_charts(ok, columns, compare or []),
        not_modelled=NOT_MODELLED,
        summary_files=summary_files,
        sweep=sweep,
        elapsed_s=elapsed_s,
        version=__version__,
        nan=math.nan,
    )


def write_index(path: str | Path, rows: Sequence[IndexRow], **kwargs: Any) -> Path:
    """Render :func:`render_index` and write it atomically to ``path``."""
    return write_text_atomic(render_index(rows, **kwargs), path)
