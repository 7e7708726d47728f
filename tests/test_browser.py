"""Generated summaries and the batch index in headless Chromium (Playwright).

Outside CI the tests skip when Playwright or Chromium is missing; with
``CI=true`` they fail instead.
"""

from __future__ import annotations

import math
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest

import econ
from econ.analysis.instruments import with_comparison
from econ.batch import BatchReport, run_batch
from econ.engine import evaluate
from econ.model.definition.project import INSTRUMENTS
from econ.scenario import load_scenario

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.toml"))
CHROMIUM = os.environ.get("ECON_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _unavailable(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is missing: pip install playwright (the econ[test] extra)")
    if not Path(CHROMIUM).is_file() and shutil.which("chromium") is None:
        _unavailable(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as pw:
        exe = CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")
        browser = pw.chromium.launch(executable_path=exe, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BatchReport:
    folder = tmp_path_factory.mktemp("in")
    for path in SEEDS:
        shutil.copy(path, folder / path.name)
    (folder / "broken.toml").write_text('name = "broken"\nmodel = "national"\n', encoding="utf-8")
    return run_batch([folder], tmp_path_factory.mktemp("out"), workers=2, progress=False)


def _open(browser: Any, path: Path) -> tuple[Any, list[str], list[str]]:
    """Open ``path``; returns the page, console errors and non-file requests."""
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    errors: list[str] = []
    external: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "request", lambda r: external.append(r.url) if not r.url.startswith("file://") else None
    )
    page.goto(path.as_uri(), wait_until="load")
    return page, errors, external


def _check_number(shown: str, expected: float) -> None:
    if math.isnan(expected):
        assert shown == "nan"
    else:
        assert float(shown) == expected


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_summary_in_browser(browser: Any, built: BatchReport, seed: Path, tmp_path: Path) -> None:
    scenario = with_comparison(load_scenario(seed))  # a project's page shows its instruments
    values = evaluate(scenario).scalars()
    page, errors, external = _open(browser, built.out_dir / f"{scenario.name}.html")
    try:
        assert page.locator("#scenario-title").inner_text() == scenario.title
        charts = page.locator("#charts svg.chart.wide")  # at 1000 px the desktop charts show
        notes = page.locator("#charts p.chart-note")
        assert charts.count() + notes.count() == len(scenario.model.charts)
        for i in range(charts.count()):
            chart = charts.nth(i)
            box = chart.bounding_box()
            assert box and box["width"] > 100 and box["height"] > 50
            drawn = chart.locator(".series")
            sizes = [drawn.nth(j).bounding_box() for j in range(drawn.count())]
            assert any(b and b["width"] > 0 and b["height"] > 0 for b in sizes), i
        cards = page.locator("#headline .metric")
        assert 4 <= cards.count() <= 6
        for j in range(cards.count()):
            card = cards.nth(j)
            key = card.get_attribute("data-key") or ""
            _check_number(card.get_attribute("data-value") or "", values[key])
            text = card.inner_text()
            if math.isfinite(values[key]) and card.get_attribute("data-unit") == "USD/kg":
                number = f"{abs(values[key]):,.2f}"  # a price: 2 decimals, brackets if < 0
                assert text == (f"({number})" if values[key] < 0 else number) + " USD/kg"
        if scenario.model.name == "project":  # issue 11: every instrument, and its costs drawn
            table = page.locator("#instrument-table tbody tr")
            assert table.count() == len(INSTRUMENTS)
            within = [n for n, *_ in INSTRUMENTS if values[f"{n}_within_terms"] == 1]
            bars = page.locator("#instruments svg.hbar.wide .series")
            assert bars.count() == len(within)
            assert all((bars.nth(j).bounding_box() or {"width": 0})["width"] > 0
                       for j in range(bars.count()))  # fmt: skip
        rows = page.locator("#assumptions-table tr.cited, #assumptions-table tr.illustrative")
        assert rows.count() == len(scenario.assumptions)
        assert page.locator("#sensitivity svg.tornado.wide").count() == 1
        # issue 12: the checks take one line of the headline; their list is
        # folded on screen and printed in full
        line = page.locator("#checks-line")
        height = line.evaluate("p => p.getBoundingClientRect().height")
        assert height <= 1.5 * float(line.evaluate("p => getComputedStyle(p).lineHeight")[:-2])
        listed = page.locator("#checks-details li")
        assert listed.count() >= 3 and not listed.first.is_visible()
        page.emulate_media(media="print")
        assert all(listed.nth(j).is_visible() for j in range(listed.count()))
        page.emulate_media(media="screen")
        if seed == SEEDS[0]:
            page.screenshot(path=str(tmp_path / "summary.png"), full_page=True)
            assert (tmp_path / "summary.png").stat().st_size > 10_000
        assert errors == []
        assert external == []
    finally:
        page.close()


def test_index_in_browser(browser: Any, built: BatchReport, tmp_path: Path) -> None:
    page, errors, external = _open(browser, built.index)
    try:
        assert page.locator("#count-failed").get_attribute("data-value") == "1"
        assert "broken" in page.locator("#failures").inner_text()
        links = page.locator("a[href]")
        hrefs = [links.nth(i).get_attribute("href") or "" for i in range(links.count())]
        assert len([h for h in hrefs if h.endswith(".html")]) >= 2 * len(SEEDS)
        for href in hrefs:
            url = urlparse(page.evaluate("h => new URL(h, document.baseURI).href", href))
            assert url.scheme == "file" and Path(unquote(url.path)).is_file(), href
        # rows carry the engine's values, and sorting by a metric column works
        rows = page.locator("#scenarios tbody tr")
        assert rows.count() == len(SEEDS)
        header = page.locator('#scenarios th[data-key="ref_gap_usd_per_kg"]')
        header.click()
        cells = page.locator('#scenarios tbody td[data-key="ref_gap_usd_per_kg"]')
        shown = [
            float(cells.nth(i).get_attribute("data-value") or "nan") for i in range(cells.count())
        ]
        expected = sorted(evaluate(load_scenario(p)).scalars()["ref_gap_usd_per_kg"] for p in SEEDS)
        assert shown == expected
        page.screenshot(path=str(tmp_path / "index.png"), full_page=True)
        assert errors == [] and external == []
        assert re.search(r"\d+ built", page.locator("p.lead").inner_text())
    finally:
        page.close()


# ---------------------------------------------------------------------------
# Layout: desktop and phone widths

SHOTS = ROOT / "build" / "screenshots"
MIN_FONT_PX = 11.0

#: Every visible text node: its rendered font size in CSS px (SVG text scaled
#: by its chart's viewBox), and where the page is wider than the viewport.
_MEASURE = """() => {
  const sizes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (!text || !el || el.closest("title, desc, script, style")) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    let px = parseFloat(getComputedStyle(el).fontSize);
    if (el instanceof SVGElement) {
      const m = el.getScreenCTM();
      px *= m ? Math.hypot(m.a, m.b) : 1;
    }
    sizes.push([px, text.slice(0, 40)]);
  }
  const wide = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > innerWidth + 0.5) wide.push(el.tagName + "#" + el.id);
  }
  return {sizes, scroll: document.documentElement.scrollWidth, inner: innerWidth, wide};
}"""


def _check_layout(browser: Any, path: Path, width: int, shot: str) -> dict[str, Any]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(path.as_uri(), wait_until="load")
        m = page.evaluate(_MEASURE)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / shot), full_page=True)
    finally:
        page.close()
    assert m["scroll"] <= m["inner"], (m["scroll"], m["wide"][:5])  # no horizontal scroll
    assert m["wide"] == []
    small = [(round(px, 1), t) for px, t in m["sizes"] if px < MIN_FONT_PX]
    assert small == [], small[:5]
    assert len(m["sizes"]) > 50
    return dict(m)


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_summary_layout(browser: Any, built: BatchReport, seed: Path, width: int) -> None:
    """At desktop and phone width: nothing wider than the screen, no text
    under 11 px (chart labels included); screenshots in build/screenshots/."""
    scenario = load_scenario(seed)
    name = scenario.name
    m = _check_layout(browser, built.out_dir / f"{name}.html", width, f"{name}-{width}.png")
    # the first year labels each chart's axis: chart text was measured too
    assert sum(t == str(scenario.start_year) for _, t in m["sizes"]) >= 2


@pytest.mark.parametrize("width", [1280, 390])
def test_index_layout(browser: Any, built: BatchReport, width: int) -> None:
    """The batch index fits 1280 px without sideways scroll (brief columns,
    the rest on demand) and reflows at 390 px; at 1280 px every scenario's
    title reads on one line or two (it wrapped to 3-5 lines in a 158-px
    column before the index page got a wider main column and a title column
    of at least 21 rem)."""
    _check_layout(browser, built.index, width, f"index-{width}.png")
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(built.index.as_uri(), wait_until="load")
        lines = page.evaluate(_TITLE_LINES)
    finally:
        page.close()
    assert len(lines) == len(SEEDS)  # the failed scenario is listed apart
    if width == 1280:
        assert all(1 <= n <= 2 for n in lines.values()), lines
        assert any(n == 1 for n in lines.values()), lines  # the short titles: one line
    else:  # reflowed: the title takes the phone's width, a long one wraps
        assert all(1 <= n <= 3 for n in lines.values()), lines


#: Lines of each scenario's title on the index: the title's height over its
#: line height (the title is a block of its own above the name and model).
_TITLE_LINES = """() => Object.fromEntries(
  Array.from(document.querySelectorAll("#scenarios tbody tr")).map((tr) => {
    const el = tr.querySelector("td.title .row-title");
    const lh = parseFloat(getComputedStyle(el).lineHeight);
    return [tr.dataset.name, Math.round(el.getBoundingClientRect().height / lh)];
  }))"""


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A one-key and a two-key sweep page of the magnets plant."""
    from econ.analysis.sweep import sweep
    from econ.report.sweep import write_sweep

    base = load_scenario(ROOT / "seeds" / "magnets_plant.toml")
    grids = {
        "one-key": ["benchmark_cost_usd_per_kg=80:130:5"],
        "two-keys": ["capex_usd=100:300:50", "benchmark_cost_usd_per_kg=60:160:20"],
        "three-keys": [
            "fx_rub_per_usd=60,90,120",
            "capex_usd=100:300:50",
            "benchmark_cost_usd_per_kg=60:160:20",
        ],
    }
    return {
        name: write_sweep(sweep(base, grid), tmp_path_factory.mktemp(name))[0]
        for name, grid in grids.items()
    }


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("kind", ["one-key", "two-keys", "three-keys"])
def test_sweep_layout(browser: Any, sweeps: dict[str, Path], kind: str, width: int) -> None:
    """The sweep page (chart or heat map, crossings, table) fits the screen at
    desktop and phone width, chart text included at 11 px or more."""
    m = _check_layout(browser, sweeps[kind], width, f"sweep-{kind}-{width}.png")
    lcop = load_scenario(ROOT / "seeds" / "magnets_plant.toml")
    crossing = f"{econ.evaluate(lcop).scalars()['levelized_cost_usd_per_kg']:.2f}"
    assert any(t == crossing or f"{crossing} USD/kg" in t for _, t in m["sizes"])


#: WCAG 2 contrast of every heat cell's text and of its reflowed label (the
#: ``::before`` text a phone shows) against the cell's background.
_CONTRAST = """() => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => {
    const [r, g, b] = rgb(c).map((v) => {
      v /= 255;
      return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const out = [];
  for (const td of document.querySelectorAll("td.heat")) {
    const bg = getComputedStyle(td).backgroundColor;
    const label = getComputedStyle(td, "::before");
    out.push({
      text: td.textContent.trim(),
      cell: ratio(getComputedStyle(td).color, bg),
      label: label.content === "none" ? null : ratio(label.color, bg),
    });
  }
  return out;
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_heat_cells_and_their_phone_labels_have_contrast(
    browser: Any, sweeps: dict[str, Path], width: int
) -> None:
    """Issue 12: on the two-key sweep table every heat cell's value, and at
    phone width its reflowed column label, reads at a WCAG contrast of at
    least 4.5:1 on the cell's colour (measured in the browser)."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(sweeps["two-keys"].as_uri(), wait_until="load")
        cells = page.evaluate(_CONTRAST)
    finally:
        page.close()
    assert len(cells) == 5 * 6
    low = [(c["text"], round(c["cell"], 2)) for c in cells if c["cell"] < 4.5]
    assert low == []
    labels = [c["label"] for c in cells]
    if width == 390:  # reflowed: each cell is labelled by its column
        assert all(x is not None for x in labels)
        assert min(labels) >= 4.5, sorted(labels)[:5]
    else:
        assert all(x is None for x in labels)
