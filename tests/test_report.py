"""HTML summaries: escaping, self-containment, charts, headline numbers."""

from __future__ import annotations

import itertools
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from econ.analysis.instruments import with_comparison
from econ.display import format_item
from econ.engine import evaluate
from econ.report import build_charts, format_value, render_summary, write_summary
from econ.report.svg import Series, bar_line_chart, line_chart, nice_ticks
from econ.scenario import load_scenario

SEEDS = sorted(Path(__file__).resolve().parent.parent.joinpath("seeds").glob("*.toml"))
NATIONAL_SEED = Path(__file__).resolve().parent.parent / "seeds" / "national_ree_gap.toml"
XSS = "<script>alert(1)</script>"


class _Collect(HTMLParser):
    """Collects elements with a data-key/data-value pair, URLs and scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self.urls: list[str] = []
        self.scripts = 0
        self.svgs: list[int] = []  # drawn elements per svg
        self._in_svg = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "data-key" in a and "data-value" in a:
            self.values.setdefault(a["data-key"] or "", []).append(a["data-value"] or "")
        for name in ("src", "href"):
            if a.get(name):
                self.urls.append(a[name] or "")
        if tag == "script":
            self.scripts += 1
        if tag == "svg":
            self.svgs.append(0)
        if (
            self.svgs
            and tag in ("path", "rect", "circle", "polyline")
            and "series" in (a.get("class") or "")
        ):
            self.svgs[-1] += 1


def _parse(html: str) -> _Collect:
    parser = _Collect()
    parser.feed(html)
    return parser


@pytest.fixture(params=SEEDS, ids=lambda p: p.stem)
def seed(request: pytest.FixtureRequest):
    """A seed as its page shows it: a project with its instrument comparison."""
    scenario = with_comparison(load_scenario(request.param))
    return scenario, evaluate(scenario)


PROJECT_SEEDS = [p for p in SEEDS if load_scenario(p).model.name == "project"]


@pytest.mark.parametrize("path", PROJECT_SEEDS, ids=lambda p: p.stem)
def test_instrument_table_cheapest_first_from_plug_back(path: Path) -> None:
    """Issue 11 items 3-4: every instrument in a table, cheapest first. Each
    size within its terms is checked by plugging it back into the project
    model alone (NPV 0 with no other support), and its fiscal cost is the
    project model's own fiscal cost of that support: an evaluation that
    shares no solve with the comparison."""
    from html import escape as html_escape

    from econ.analysis.instruments import not_applicable
    from econ.model.definition.instruments import INSTRUMENT_SWITCHES
    from econ.model.definition.project import INSTRUMENTS, OFF_BUDGET

    base = load_scenario(path)
    scenario = with_comparison(base)
    results = evaluate(scenario)
    html = render_summary(scenario, results)
    body = re.search(r'<table class="reflow" id="instrument-table">(.*?)</table>', html, re.S)
    assert body, path.stem
    rows = re.findall(r'<tr id="instrument-([a-z_]+)" data-value="([^"]*)">(.*?)</tr>', body[1])
    assert sorted(r[0] for r in rows) == sorted(spec[0] for spec in INSTRUMENTS)
    values = results.scalars()
    costs: dict[str, float] = {}
    for name, _, variable, _, key, _, _ in INSTRUMENTS:
        size = values[key]
        row = next(r for r in rows if r[0] == name)
        spec = base.model.input(variable) if variable in base.model.input_keys else None
        inside = (
            spec is not None
            and math.isfinite(size)
            and bool(spec.ok(np.array([[size]]), base.start_year, base.years[-1])[0, 0])
        )
        if not math.isfinite(size):
            # An instrument with nothing to act on (an interest subsidy and no loan)
            # says what it lacks; otherwise no size of it breaks the project even.
            lacks = not_applicable(values, name)
            assert (html_escape(lacks) if lacks else "no size breaks even") in row[2], name
            continue
        if spec is None:
            continue
        if not inside:
            why = "not needed" if size < 0 else "beyond the instrument&#39;s terms"
            assert why in row[2], (name, row[2])
            continue
        alone = evaluate(base, {**dict(INSTRUMENT_SWITCHES), variable: size})
        npv = float(alone.values["npv_usd"][0, 0])
        scale = float(alone.values["capex_usd"][0, 0]) if "capex_usd" in alone.values else 1e9
        assert abs(npv) <= 1e-6 * scale, (name, npv)
        cost = float(alone.values["fiscal_cost_usd"][0, 0])
        assert float(row[1]) == pytest.approx(cost, rel=1e-9, abs=1e-3), name
        item = scenario.model.item(f"{name}_fiscal_cost_usd")
        assert f">{format_item(cost, item)}<" in row[2], (name, row[2])
        costs[name] = cost
    # cheapest first among those within their terms (a tie within the checks'
    # tolerance of the budget in table order), then the others
    shown = [r[0] for r in rows if r[0] in costs]
    assert [r[0] for r in rows][: len(shown)] == shown
    order = [spec[0] for spec in INSTRUMENTS]
    tie = 1e-9 * float(results.values["budget_usd"][0, 0])
    for a, b in itertools.pairwise(shown):
        assert costs[a] <= costs[b] + tie, (a, b)
        if abs(costs[a] - costs[b]) <= tie:
            assert order.index(a) < order.index(b), (a, b)
    # the headline's cheapest budget instrument and the budget coverage it implies
    budget = {n: c for n, c in costs.items() if n not in OFF_BUDGET}
    if budget:
        cheapest = min(budget, key=lambda n: budget[n])
        assert values["cheapest_fiscal_cost_usd"] == pytest.approx(budget[cheapest], rel=1e-9)
        label = next(spec[1] for spec in INSTRUMENTS if spec[0] == cheapest)
        assert f'id="cheapest-instrument">{label.replace("&", "&amp;")}<' in html
        funded = float(results.values["budget_usd"][0, 0]) / budget[cheapest]
        assert values["projects_funded"] == pytest.approx(funded, rel=1e-9)
    # the bar chart of fiscal cost: one bar per instrument within its terms, text escaped
    chart = re.search(r'<svg class="chart hbar wide" id="instrument-cost".*?</svg>', html, re.S)
    assert chart and chart[0].count('class="series"') == len(costs)
    assert "R&D" not in chart[0] and "<script" not in html


def test_title_is_escaped(seed) -> None:
    scenario, results = seed
    from dataclasses import replace

    bad = replace(scenario, title=XSS, description=f"a & b {XSS}")
    html = render_summary(bad, results)
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert _parse(html).scripts == 0  # summaries need no script at all


def test_self_contained(seed) -> None:
    html = render_summary(*seed)
    parsed = _parse(html)
    assert not [u for u in parsed.urls if re.match(r"(?i)^(https?:)?//", u)]
    assert not re.search(r"(?i)(src|href)\s*=\s*[\"']?(https?:)?//", html)
    assert "@import" not in html and "url(" not in html
    assert '<meta name="viewport"' in html and "@media print" in html


def test_headline_numbers_equal_engine(seed) -> None:
    scenario, results = seed
    parsed = _parse(render_summary(scenario, results))
    values = results.scalars()
    metric_keys = [i.key for i in scenario.model.items_with("metric")]
    assert metric_keys
    for key in metric_keys:
        shown = parsed.values[key]
        for text in shown:
            got = float(text)
            if math.isnan(values[key]):
                assert math.isnan(got), key
            else:
                assert got == values[key], key
    assert "ref_gap_usd_per_kg" in parsed.values and "ref_subsidy_usd_per_yr" in parsed.values


def test_headline_text_formats_engine_value(seed) -> None:
    """A price reads with two decimals, negatives in brackets (the display
    policy), from the engine's value."""
    scenario, results = seed
    html = render_summary(scenario, results)
    # A project's headline gap is the full-cost gap (issue 11); a nation's the unit-cost gap.
    key = "full_cost_gap_usd_per_kg" if scenario.model.name == "project" else "ref_gap_usd_per_kg"
    gap = results.scalars()[key]
    match = re.search(rf'id="metric-{key}"[^>]*>([^<]*)<', html)
    text = f"{abs(gap):,.2f}"
    assert match and match.group(1) == (f"({text})" if gap < 0 else text) + " USD/kg"


def test_short_headline_then_details(seed) -> None:
    """At most six tiles (the model's ``tiles``), the other headline metrics
    as details below, each metric once in the headline section."""
    scenario, results = seed
    html = render_summary(scenario, results)
    tiles = re.findall(r'id="metric-([a-z0-9_]+)"', html)
    assert tiles == list(scenario.model.tile_keys) and 0 < len(tiles) <= 6
    details = re.search(r'<dl class="details" id="details">(.*?)</dl>', html, re.S)
    rest = [k for k in scenario.model.headline_keys if k not in tiles]
    if rest:
        assert details and re.findall(r'data-key="([a-z0-9_]+)"', details.group(1)) == rest
    else:
        assert details is None


def _checks(html: str) -> tuple[str, str]:
    """The headline's checks line and the folded list of every check."""
    line = re.search(r'<p id="checks-line">(.*?)</p>', html, re.S)
    folded = re.search(
        r'<section id="check-list".*?<details id="checks-details" class="print-open"'
        r"(.*?)</details>",
        html,
        re.S,
    )
    assert line and folded
    return line[1], folded[1]


def test_checks_short_in_the_headline_listed_below(seed) -> None:
    """Issue 12 item 8: the headline says "all pass (N)" in one short line
    and links to the list; every check (the master excepted) is listed once
    below, folded, with its value from the engine."""
    from html import escape as html_escape

    scenario, results = seed
    html = render_summary(scenario, results)
    values = results.scalars()
    checks = [i for i in scenario.model.items_with("check") if i.key != "master_check"]
    assert values["master_check"] == 1.0 and len(checks) >= 3
    line, folded = _checks(html)
    plain = re.sub(r"<[^>]+>", "", line)
    assert plain == f"Checks: all pass ({len(checks)}). Every check"
    assert 'href="#check-list"' in line
    assert folded.startswith(">")  # folded (not open) while everything passes
    listed = re.findall(r'<li data-key="([a-z0-9_]+)" data-value="([^"]*)">(.*?)</li>', folded)
    assert [k for k, _, _ in listed] == [c.key for c in checks]
    for (key, value, text), item in zip(listed, checks, strict=True):
        assert float(value) == values[key] == 1.0
        assert text == f'<span class="pass">pass</span>: {html_escape(item.label)}'


def test_failing_checks_named_in_the_headline(seed) -> None:
    """A failing check is named in the headline (escaped) and the list is open."""
    from dataclasses import replace
    from html import escape as html_escape

    scenario, results = seed
    checks = [i for i in scenario.model.items_with("check") if i.key != "master_check"]
    bad = checks[1]
    zero = np.zeros_like(results.values[bad.key])
    failed = replace(results, values={**results.values, bad.key: zero, "master_check": zero})
    line, folded = _checks(render_summary(scenario, failed))
    assert re.sub(r"<[^>]+>", "", line) == (
        f"Checks: FAILED: {html_escape(bad.label)} (1 of {len(checks)}). Every check"
    )
    assert folded.startswith(" open>")
    assert f'<span class="fail">FAIL</span>: {html_escape(bad.label)}' in folded
    assert folded.count('class="fail"') == 1


def test_ranking_workings_are_not_outputs(seed) -> None:
    """The instruments' sort keys (a placeholder of 1e18 USD for an
    instrument that cannot act) are workings, not figures of the page; the
    within-terms condition reads yes or no."""
    from econ.model.definition.project import INSTRUMENTS

    scenario, results = seed
    html = render_summary(scenario, results)
    assert "sort_key" not in html and "as ranked" not in html
    assert not re.search(r"\b1,000,000,000\b", html)
    if scenario.model.name != "project":
        return
    values = results.scalars()
    for name, *_ in INSTRUMENTS:
        key = f"{name}_within_terms"
        word = "yes" if values[key] == 1.0 else "no"
        assert re.search(rf'data-key="{key}" data-value="[^"]*">{word}<', html), key
        assert scenario.model.item(f"{name}_sort_key_usd").role == "calc"
    assert scenario.model.item("cheapest_sort_key_usd").role == "calc"


def test_absent_values_in_plain_words(seed) -> None:
    """No blank and no bare "n/a" where the model says what n/a means."""
    scenario, results = seed
    html = render_summary(scenario, results)
    values = results.scalars()
    for item in scenario.model.items_with("metric"):
        if math.isnan(values[item.key]):
            assert item.na_text != "n/a", item.key  # every absent seed metric has words
            cell = re.search(rf'data-key="{item.key}" data-value="nan">([^<]*)<', html)
            assert cell and cell.group(1) == item.na_text
    assert ">n/a<" not in html and ">nan<" not in html


def test_caution_when_the_headline_rests_on_illustrative_inputs(seed) -> None:
    """The note appears exactly when most inputs behind the tiles are
    illustrative (counted from the scenario's sources)."""
    from econ.report.html import inputs_behind

    scenario, results = seed
    html = render_summary(scenario, results)
    behind = inputs_behind(scenario.model, scenario.model.tile_keys)
    assert behind and behind <= set(scenario.assumptions)
    illustrative = sum(not scenario.assumptions[k].source.cited for k in behind)
    assert ('id="caution"' in html) == (illustrative * 2 > len(behind))
    if scenario.name == "magnets_plant":  # the example: capex, costs, price illustrative
        assert 'id="caution"' in html and "Capital expenditure" in html


def test_assumptions_read_in_the_policy(seed) -> None:
    """No exponent notation: a budget of 6e10 RUB with a range of 30e9-120e9
    reads 60 under bn RUB (the row's largest magnitude, 120 bn, has three
    significant digits before the point)."""
    scenario, results = seed
    html = render_summary(scenario, results)
    table = html[html.index('id="assumptions-table"') :]
    assert not re.search(r">[-\d.,]+e[+-]\d+", table)
    if "budget_rub" in scenario.assumptions and scenario.assumptions["budget_rub"].value == 60e9:
        row = table[table.index('data-key="budget_rub"') :]
        assert re.search(r'data-label="Value">60<.*?data-label="Unit">bn RUB<', row, re.S)


def test_charts_have_content(seed) -> None:
    """Each declared chart is drawn twice (desktop and phone), or replaced by
    a sentence when it has nothing to show (a subsidy that is zero every year)."""
    scenario, results = seed
    charts = build_charts(scenario, results)
    assert (
        len(charts) == len(scenario.model.charts) == (3 if scenario.model.name == "project" else 2)
    )
    drawn = [c for c in charts if not c.note]
    html = render_summary(scenario, results)
    parsed = _parse(html)
    tornado = 2 if 'id="chart-tornado"' in html else 0  # the Sensitivity section's
    instruments = 2 if 'id="instrument-cost"' in html else 0  # fiscal cost by instrument
    assert instruments == (2 if scenario.model.name == "project" else 0)
    assert len(parsed.svgs) == 2 * len(drawn) + tornado + instruments
    assert all(n > 0 for n in parsed.svgs)
    for chart in drawn:
        assert chart.render_ms >= 0 and chart.svg.startswith("<svg")
        assert 'class="chart wide"' in chart.svg and 'class="chart narrow"' in chart.narrow
    for chart in charts:
        spec = next(c for c in scenario.model.charts if c.chart_id == chart.chart_id)
        bars = [s.key for s in spec.series if s.kind == "bar"]
        empty = bool(bars) and not results.row(bars[0]).any()
        assert bool(chart.note) == empty, chart.chart_id
        if empty:
            assert f'id="{chart.chart_id}-note"' in html
    if scenario.name == "polar_lithium":  # no subsidy: the empty chart
        (note,) = [c.note for c in charts if c.note]
        # the model's sentence, with the full-cost breakeven from the engine
        breakeven = scenario.model.item("breakeven_subsidy_usd_per_kg")
        value = format_value(results.scalars()[breakeven.key], breakeven.unit)
        assert note.startswith("No subsidy needed on the variable cost:")
        assert f"breaks even with a subsidy of {value} (" in note and value != "0.00 USD/kg"
        assert "nothing to chart" not in html


def test_empty_chart_sentences_come_from_the_model() -> None:
    """A national scenario that needs no subsidy says so; one that produces
    nothing says the volume is zero; a chart with no declared reason names
    what is empty over which years."""
    import numpy as np

    from econ.model.schema import Chart, ChartSeries

    base = load_scenario(NATIONAL_SEED)
    cheap = base.with_values(benchmark_cost_usd_per_kg=1e4)
    notes = {c.chart_id: c.note for c in build_charts(cheap, evaluate(cheap))}
    assert notes["chart-subsidy"].startswith("No subsidy needed: the domestic unit cost")
    assert notes["chart-cost"] == ""
    assert 'id="chart-subsidy-note"' in render_summary(cheap, evaluate(cheap))
    idle = base.with_values(consumption_t_per_yr=0.0)
    notes = {c.chart_id: c.note for c in build_charts(idle, evaluate(idle))}
    assert notes["chart-subsidy"].startswith("Not drawn: the volume is zero in every year")
    chart = Chart("c", "Flows", "USD", (ChartSeries("a", "Annual flow", kind="bar"),))
    rows = {"a": np.array([0.0, np.nan, 0.0])}
    note = chart.empty_note(rows.__getitem__, str, (2025, 2027))
    assert note == (
        "Not drawn: annual flow is zero or n/a in every year from 2025 to 2027, "
        "so there is nothing to plot."
    )
    rows["a"][0] = -1.0
    assert chart.empty_note(rows.__getitem__, str, (2025, 2027)) == ""


def test_assumptions_cited_vs_illustrative(seed) -> None:
    scenario, results = seed
    html = render_summary(scenario, results)
    rows = re.findall(r'<tr class="(cited|illustrative)" data-key="([a-z0-9_]+)"', html)
    assert {k for _, k in rows} == set(scenario.assumptions)
    for kind, key in rows:
        assert (kind == "cited") == scenario.assumptions[key].source.cited
    assert 'class="legend"' in html


def test_write_summary_atomic(tmp_path: Path) -> None:
    scenario = load_scenario(SEEDS[0])
    path = write_summary(scenario, evaluate(scenario), tmp_path / "sub" / "s.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in path.parent.iterdir()] == ["s.html"]  # no temp file left


def test_svg_escapes_and_handles_nan() -> None:
    svg = line_chart([1, 2, 3], [Series("<b>&", [1.0, math.nan, 3.0])], title="<i>", unit="<u>")
    assert "<b>" not in svg and "&lt;b&gt;&amp;" in svg and "<i>" not in svg
    assert svg.count(" M") + svg.count('"M') == 2  # NaN splits the line in two
    bars = bar_line_chart([1, 2], Series("x", [-1.0, 2.0]), title="t", unit="u")
    assert bars.count('<rect class="series"') == 2


def test_nice_ticks_cover_range() -> None:
    for lo, hi in ((0, 7.3), (-3e6, 1.2e9), (5, 5), (0, 0)):
        ticks = nice_ticks(lo, hi)
        assert ticks[0] <= lo and ticks[-1] >= hi and ticks == sorted(ticks)


def test_format_value() -> None:
    assert format_value(math.nan, "USD") == "n/a"
    assert format_value(1.5e9, "USD") == "1.50 bn USD"  # bn, three significant digits
    assert format_value(0.25, "1", "percent") == "25.0%"  # display is model metadata
    assert format_value(0.25, "1") == "0.250"  # a plain factor is not a percentage
    assert format_value(math.nan, "year", na_text="not within the horizon") == (
        "not within the horizon"
    )


def test_committed_summaries_are_fresh(tmp_path: Path) -> None:
    """The HTML summaries in workbooks/ are what the seeds build now
    (rebuild with `make run` when this fails)."""
    from econ.build import build_scenario
    from tests.conftest import ROOT, SEED_FILES

    for seed in SEED_FILES:
        sc = load_scenario(seed)
        build_scenario(sc, tmp_path)
        committed = ROOT / "workbooks" / f"{sc.name}.html"
        assert committed.read_bytes() == (tmp_path / f"{sc.name}.html").read_bytes(), sc.name


# ---------------------------------------------------------------------------
# Batch index and summary.xlsx


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory):
    from econ.batch import run_batch

    folder = tmp_path_factory.mktemp("in")
    for path in SEEDS:
        folder.joinpath(path.name).write_bytes(path.read_bytes())
    lines = SEEDS[0].read_text(encoding="utf-8").splitlines()
    evil = [
        'name = "evil"'
        if x.startswith("name =")
        else 'title = "=HYPERLINK(\\"http://x\\")<b>"'
        if x.startswith("title =")
        else x
        for x in lines
    ]
    folder.joinpath("zz_evil.toml").write_text("\n".join(evil), encoding="utf-8")
    return run_batch([folder], tmp_path_factory.mktemp("out"), workers=1, progress=False)


def test_index_columns_brief_breakeven_and_words(batch) -> None:
    """The index shows the models' brief columns (the breakeven subsidy and
    the fiscal cost among them), each cell the engine's value in the column's
    style, and words where there is no value."""
    from econ.display import NumberStyle
    from econ.model.definition import MODELS
    from econ.model.schema import BREAKEVEN_KEY

    html = batch.index.read_text(encoding="utf-8")
    table = html[
        html.index('id="scenarios"') : html.index("</table>", html.index('id="scenarios"'))
    ]
    heads = re.findall(r'<th class="num" data-sort="num" data-key="([a-z0-9_]+)">', table)
    # one breakeven column across models, each filled from its model's own metric
    assert heads[0] == BREAKEVEN_KEY and "total_discounted_subsidy_usd" in heads
    assert "breakeven_subsidy_usd_per_kg" not in heads
    assert len(heads) <= 7  # fits 1280 px (tested in the browser)
    rows = [r for r in batch.rows if r.error is None]
    for r in rows:
        model = MODELS[r.model]
        assert r.metrics[BREAKEVEN_KEY] == r.metrics[model.breakeven]
    assert {MODELS[r.model].breakeven for r in rows} == {
        "breakeven_subsidy_usd_per_kg",
        "ref_subsidy_usd_per_kg",
    }
    for key in heads:
        item = next(
            m.breakeven_item() if key == BREAKEVEN_KEY else m.item(key)
            for m in MODELS.values()
            if key == BREAKEVEN_KEY or key in m
        )
        assert item is not None
        style = NumberStyle.for_values(
            item.unit, item.display, [r.metrics[key] for r in rows if key in r.metrics]
        )
        for r in rows:
            row = rf'<tr data-name="{re.escape(r.name)}">'
            cell = re.search(rf'{row}.*?data-key="{key}" data-value="[^"]*">([^<]*)<', table, re.S)
            assert cell, (r.name, key)
            expected = style.number(r.metrics[key]) if key in r.metrics else "not modelled"
            if key in r.metrics and math.isnan(r.metrics[key]):
                expected = item.na_text
            assert cell.group(1) == expected and expected.strip()
    assert re.search(rf'id="figure-compare-{BREAKEVEN_KEY}"', html)
    assert "&lt;b&gt;" in html and "<b>" not in html  # a scenario's title is escaped


def test_summary_xlsx_is_a_formatted_table(batch) -> None:
    import openpyxl

    from econ.display import NumberStyle
    from econ.model.definition import MODELS

    wb = openpyxl.load_workbook(batch.xlsx)
    ws = wb["Summary"]
    assert ws.freeze_panes == "B2"
    assert list(ws.tables) == ["Summary"] and ws.tables["Summary"].ref.startswith("A1:")
    headers = [c.value for c in ws[1]]
    # one scale for the column: bn USD since Tomtor's NPV of about -2.7 bn USD
    npv = MODELS["project"].item("npv_usd")
    col = headers.index(f"{npv.label} [bn USD]") + 1
    rows = [r for r in batch.rows if "npv_usd" in r.metrics]
    style = NumberStyle.for_values(npv.unit, npv.display, [r.metrics["npv_usd"] for r in rows])
    names = [c.value for c in ws["A"][1:]]
    for r in rows:
        cell = ws.cell(names.index(r.name) + 2, col)
        # XlsxWriter writes 16 significant digits (see econ.excel.reader)
        assert cell.value == float(f"{r.metrics['npv_usd']:.16G}")
        assert cell.number_format == style.excel
    national = names.index("national_ree_gap") + 2
    assert ws.cell(national, col).value == "not modelled"
    title = ws.cell(names.index("evil") + 2, headers.index("title") + 1)
    assert title.data_type == "s" and title.value.startswith("=HYPERLINK")  # text, no formula
    assert all(ws.column_dimensions[c].width >= 8 for c in ("A", "B", "E"))


def test_summary_xlsx_every_cell_against_evaluate(batch) -> None:
    """Every metric cell of summary.xlsx, read back with openpyxl, is the
    value ``econ.evaluate`` gives for that scenario (16 significant digits),
    in the column's format (% for shares, brackets for negatives, the scale
    in the header), or the item's own n/a words, never a blank; text cells
    are strings; the header is frozen and filtered and every header fits."""
    import openpyxl

    from econ.build import load_input
    from econ.display import NumberStyle
    from econ.model.definition import MODELS
    from econ.model.schema import BREAKEVEN_KEY

    ws = openpyxl.load_workbook(batch.xlsx)["Summary"]
    headers = [c.value for c in ws[1]]
    assert ws.freeze_panes == "B2" and ws.tables["Summary"].autoFilter is not None
    assert ws.tables["Summary"].ref == f"A1:{ws.cell(1, len(headers)).column_letter}{ws.max_row}"
    ok = [r for r in batch.rows if r.error is None]
    expected = {r.name: evaluate(load_input(Path(r.source))).scalars() for r in ok}
    names = [c.value for c in ws["A"][1:]]
    checked = percent = words = 0
    for c, header in enumerate(headers, start=1):
        if header in ("scenario", "title", "model", "status", "html", "xlsx", "error"):
            assert all(ws.cell(r, c).data_type in ("s", "n") for r in range(2, ws.max_row + 1))
            assert all(isinstance(ws.cell(r, c).value, (str, type(None))) for r in range(2, 9))
            continue
        key = None
        for model in MODELS.values():
            shared = model.breakeven_item()
            for item in (*model.items_with("metric"), *([shared] if shared else [])):
                unit = NumberStyle.for_values(
                    item.unit, item.display, [r.metrics.get(item.key, 0.0) for r in ok]
                ).header_unit
                if header in (item.label, f"{item.label} [{unit}]"):
                    key, found = item.key, item
        assert key is not None, header
        values = [
            expected[r.name][MODELS[r.model].breakeven if key == BREAKEVEN_KEY else key]
            for r in ok
            if key in r.metrics
        ]
        style = NumberStyle.for_values(found.unit, found.display, values)
        width = ws.column_dimensions[ws.cell(1, c).column_letter].width
        assert width >= max(len(w) for w in header.split()) + 2, header
        for r in ok:
            cell = ws.cell(names.index(r.name) + 2, c)
            if key not in r.metrics:
                assert cell.value == "not modelled"
                continue
            own = MODELS[r.model].breakeven if key == BREAKEVEN_KEY else key
            value = expected[r.name][own]
            if math.isnan(value):
                assert cell.value == MODELS[r.model].item(own).na_text and cell.value.strip()
                words += 1
                continue
            assert cell.value == pytest.approx(float(f"{value:.16G}"), rel=1e-15, abs=0)
            assert cell.number_format == style.excel, header
            assert width >= len(style.number(value)), header
            if found.display == "percent":
                assert cell.number_format.startswith("0.0%") and header.endswith("[%]")
                percent += 1
            checked += 1
    assert checked > 150 and percent > 20 and words > 20
    # the project's breakeven and the national gap's subsidy share one column
    col = headers.index("Breakeven subsidy [USD/kg]") + 1
    magnets = ws.cell(names.index("magnets_plant") + 2, col).value
    assert magnets == pytest.approx(expected["magnets_plant"]["breakeven_subsidy_usd_per_kg"])
    national = ws.cell(names.index("national_ree_gap") + 2, col).value
    assert national == pytest.approx(expected["national_ree_gap"]["ref_subsidy_usd_per_kg"])


def test_run_writes_a_fresh_index_and_names_the_files_to_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`econ run` (what `make run` does): one line per scenario, the index
    committed in workbooks/ as it builds now, and the files to open last."""
    from econ.cli import main
    from tests.conftest import ROOT, SEED_FILES

    assert main(["run", str(ROOT / "seeds"), "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len([x for x in out if x.startswith("built ")]) == len(SEED_FILES)
    assert out[-5] == "Open first:" and str(tmp_path / "index.html") in out[-4]
    committed = ROOT / "workbooks" / "index.html"
    assert committed.read_bytes() == (tmp_path / "index.html").read_bytes()
