"""HTML summaries: escaping, self-containment, charts, headline numbers."""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from econ.engine import evaluate
from econ.report import build_charts, format_value, render_summary, write_summary
from econ.report.svg import Series, bar_line_chart, line_chart, nice_ticks
from econ.scenario import load_scenario

SEEDS = sorted(Path(__file__).resolve().parent.parent.joinpath("seeds").glob("*.toml"))
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
    scenario = load_scenario(request.param)
    return scenario, evaluate(scenario)


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
    scenario, results = seed
    html = render_summary(scenario, results)
    gap = results.scalars()["ref_gap_usd_per_kg"]
    match = re.search(r'id="metric-ref_gap_usd_per_kg"[^>]*>([^<]*)<', html)
    assert match and match.group(1) == f"{gap:,.2f} USD/kg"


def test_charts_have_content(seed) -> None:
    scenario, results = seed
    charts = build_charts(scenario, results)
    expected = 3 if scenario.model.name == "project" else 2
    assert len(charts) == expected
    parsed = _parse(render_summary(scenario, results))
    assert len(parsed.svgs) == expected
    assert all(n > 0 for n in parsed.svgs)
    for chart in charts:
        assert chart.render_ms >= 0 and chart.svg.startswith("<svg")


def test_assumptions_cited_vs_illustrative(seed) -> None:
    scenario, results = seed
    html = render_summary(scenario, results)
    rows = re.findall(r'<tr class="(cited|illustrative)" data-key="([a-z_]+)"', html)
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
    assert format_value(1.5e9, "USD") == "1.50 bnUSD"
    assert format_value(0.25, "1", "percent") == "25.0 %"  # display is model metadata
    assert format_value(0.25, "1") == "0.25"  # a plain factor is not a percentage
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
