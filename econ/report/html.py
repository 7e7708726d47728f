"""Self-contained HTML summaries of evaluated scenarios, and batch indexes.

Rendered with jinja2 (autoescaping on) from ``econ/templates/``; charts are
inline SVG from :mod:`econ.report.svg`. No scripts or fonts are loaded from
the network: every file opens offline, on a phone and in print.

Renderers never recompute a number: every figure comes from
:class:`econ.engine.Results`.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from econ import __version__
from econ.display import format_item, format_value
from econ.engine import Results
from econ.report.svg import Series, bar_line_chart, line_chart
from econ.scenario import Assumption, Scenario

__all__ = [
    "Chart",
    "Column",
    "IndexRow",
    "SweepTable",
    "build_charts",
    "format_value",
    "index_columns",
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
    """One rendered chart with the time it took to render."""

    chart_id: str
    title: str
    svg: str
    render_ms: float


def build_charts(scenario: Scenario, results: Results) -> list[Chart]:
    """The charts the model declares (:class:`econ.model.schema.Chart`), each timed.

    A chart with bars draws its first bar series against its first line
    series; a chart of lines draws them all.
    """
    years = list(results.years)
    charts = []
    for spec in scenario.model.charts:
        start = time.perf_counter()
        series = [
            Series(s.label, results.row(s.key).tolist(), dashed=s.dashed) for s in spec.series
        ]
        bars = [x for x, s in zip(series, spec.series, strict=True) if s.kind == "bar"]
        lines = [x for x, s in zip(series, spec.series, strict=True) if s.kind == "line"]
        if bars and lines:
            svg = bar_line_chart(
                years,
                bars[0],
                lines[0],
                title=spec.title,
                unit=spec.unit,
                chart_id=spec.chart_id,
                right_axis=spec.right_axis,
            )
        else:
            svg = line_chart(
                years, series, title=spec.title, unit=spec.unit, chart_id=spec.chart_id
            )
        title = f"{spec.title} ({spec.unit})"
        charts.append(Chart(spec.chart_id, title, svg, (time.perf_counter() - start) * 1e3))
    return charts


def _assumption_row(scenario: Scenario, a: Assumption) -> dict[str, Any]:
    spec = scenario.model.input(a.key)
    if spec.year and isinstance(a.value, float):
        shown, full = f"{a.value:.0f}", ""
    elif isinstance(a.value, tuple):
        shown = f"{a.value[0]:,.6g} … {a.value[-1]:,.6g} (per year)"
        full = ", ".join(f"{y}: {v:,.6g}" for y, v in zip(scenario.years, a.value, strict=True))
    else:
        shown = f"{a.value:,.6g}"
        full = ""
    bounds = ""
    if a.low is not None or a.high is not None:
        lo = "-" if a.low is None else f"{a.low:,.6g}"
        hi = "-" if a.high is None else f"{a.high:,.6g}"
        bounds = f"{lo} – {hi}"
    return {
        "key": a.key,
        "label": spec.label,
        "value": shown,
        "full": full,
        "unit": a.unit,
        "bounds": bounds,
        "cited": a.source.cited,
        "source": a.source.text(),
        "file": a.source.file or "",
        "url": a.source.url or "",
        "note": a.note,
    }


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


def render_summary(scenario: Scenario, results: Results) -> str:
    """The HTML summary of one evaluated scenario.

    Args:
        scenario: the scenario (its text is escaped).
        results: its evaluation (``evaluate(scenario)``); only the first
            scenario of the results is shown.

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
        }
        for i in model.items_with("metric")
    ]
    headline = [m for m in metrics if m["headline"]]
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
    rows = [_assumption_row(scenario, a) for a in scenario.assumptions.values()]
    last_year = scenario.start_year + scenario.horizon_yr - 1
    learning = " ".join(model.narrative(values, last_year)) if model.narrative else ""
    template = _environment().get_template("summary.html.j2")
    return template.render(
        scenario=scenario,
        model=scenario.model,
        metrics=metrics,
        headline=headline,
        checks=checks,
        master=values.get(model.master_check_key or "", math.nan),
        warnings=scenario.warnings,
        charts=charts,
        chart_svgs={c.chart_id: Markup(c.svg) for c in charts},
        assumptions=rows,
        cited=sum(r["cited"] for r in rows),
        last_year=last_year,
        learning=learning,
        items=items,
        version=__version__,
    )


def write_text_atomic(text: str, path: str | Path) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder
    and :func:`os.replace`, so readers never see a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_summary(scenario: Scenario, results: Results, path: str | Path) -> Path:
    """Render the summary of ``scenario`` and write it atomically to ``path``."""
    return write_text_atomic(render_summary(scenario, results), path)


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
    """A metric column of a batch index: key, label, unit, display, n/a text."""

    key: str
    label: str
    unit: str
    display: str = "auto"
    na_text: str = "n/a"

    def text(self, value: float) -> str:
        """The value as the index shows it."""
        return format_value(value, self.unit, self.display, self.na_text)


def index_columns(models: Sequence[Any]) -> list[Column]:
    """The index columns the models declare (``LineItem.index``), in order,
    each key once."""
    out: dict[str, Column] = {}
    for model in models:
        for item in model.items_with("metric"):
            if item.index and item.key not in out:
                out[item.key] = Column(item.key, item.label, item.unit, item.display, item.na_text)
    return list(out.values())


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
        """Black or white text for a readable contrast on :meth:`colour`."""
        c = self.colour(value)
        r, g, b = (int(c[i : i + 2], 16) for i in (1, 3, 5))
        return "#000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#fff"


def render_index(
    rows: Sequence[IndexRow],
    *,
    title: str = "econ batch",
    columns: Sequence[Column] | None = None,
    sweep: SweepTable | None = None,
    elapsed_s: float | None = None,
) -> str:
    """The batch index: a sortable table of scenarios and their key metrics.

    Args:
        rows: one per scenario, failed ones included.
        title: page title.
        columns: the metric columns (:func:`index_columns` of the models).
        sweep: an optional sweep table or heat map.
        elapsed_s: wall time of the batch, shown in the footer.

    Returns:
        A complete, self-contained HTML document.
    """
    columns = list(columns or [])
    ok = [r for r in rows if r.error is None]
    failed = [r for r in rows if r.error is not None]
    template = _environment().get_template("index.html.j2")
    return template.render(
        title=title,
        rows=ok,
        failed=failed,
        columns=columns,
        sweep=sweep,
        elapsed_s=elapsed_s,
        version=__version__,
        nan=math.nan,
    )


def write_index(path: str | Path, rows: Sequence[IndexRow], **kwargs: Any) -> Path:
    """Render :func:`render_index` and write it atomically to ``path``."""
    return write_text_atomic(render_index(rows, **kwargs), path)
