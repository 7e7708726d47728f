"""Sweeps: one vectorized evaluation of a grid, checked against independent
per-variant evaluations, the engine's solved breakevens, and the limits and
messages a user meets."""

from __future__ import annotations

import csv
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import econ
from econ.analysis.sweep import GridSpec, parse_grid, sweep
from econ.cli import main
from econ.errors import InputError
from econ.report.sweep import ABOVE, BELOW, ColourScale, render_sweep, write_sweep
from tests.conftest import SEEDS

MAGNETS = SEEDS / "magnets_plant.toml"
NATIONAL = SEEDS / "national_ree_gap.toml"
POLAR = SEEDS / "polar_lithium.toml"


def _same(a: float, b: float, rel: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == pytest.approx(b, rel=rel, abs=1e-9)


def test_one_evaluation_equals_each_variant_evaluated_alone() -> None:
    """Every metric of every variant equals a separate ``econ.evaluate`` of
    that variant (values typed in MUSD converted here by hand)."""
    base = econ.load_scenario(MAGNETS)
    result = sweep(
        base,
        ["capex_usd=100,150,300", "benchmark_cost_usd_per_kg=80:130:10"],
        ["discount_rate=0.08"],
    )
    assert result.shape == (3, 6) and not result.refused.any()
    for i, capex_musd in enumerate((100, 150, 300)):
        for j, price in enumerate((80, 90, 100, 110, 120, 130)):
            alone = econ.evaluate(
                base.with_values(
                    capex_usd=capex_musd * 1e6, benchmark_cost_usd_per_kg=price, discount_rate=0.08
                )
            ).scalars()
            for item in result.items():
                assert _same(float(result.values[item.key][i, j]), alone[item.key], 1e-12), (
                    item.key,
                    capex_musd,
                    price,
                )


def test_national_grid_equals_each_variant() -> None:
    base = econ.load_scenario(NATIONAL)
    result = sweep(base, ["learning_rate=0:0.2:0.05", "consumption_t_per_yr=1000:5000:2000"])
    for i, rate in enumerate(result.axes[0].values):
        for j, volume in enumerate(result.axes[1].values):
            alone = econ.evaluate(
                base.with_values(learning_rate=float(rate), consumption_t_per_yr=float(volume))
            ).scalars()
            for item in result.items():
                assert _same(float(result.values[item.key][i, j]), alone[item.key], 1e-12)


def test_crossing_is_the_levelized_cost_the_engine_solves() -> None:
    """NPV changes sign between two grid points; the crossing, solved on the
    model, is the levelized cost of production (104.94 USD/kg on issue 9's
    conventions, 110.44 with losses carried forward and the seed's working
    capital and sustaining capex)."""
    base = econ.load_scenario(MAGNETS)
    result = sweep(base, ["benchmark_cost_usd_per_kg=80:130:5"])
    (crossing,) = result.crossings
    levelized = econ.evaluate(base).scalars()["levelized_cost_usd_per_kg"]
    lo = 5.0 * math.floor(levelized / 5)
    assert (crossing.lo, crossing.hi, crossing.method) == (lo, lo + 5, "solved")
    assert crossing.solved == pytest.approx(levelized, rel=1e-9)


def test_crossing_of_the_subsidy_is_the_breakeven_subsidy() -> None:
    base = econ.load_scenario(MAGNETS)
    result = sweep(base, ["production_subsidy_usd_per_kg=0,20,40,60,80"])
    (crossing,) = result.crossings
    expected = econ.evaluate(base).scalars()["breakeven_subsidy_usd_per_kg"]
    assert crossing.solved == pytest.approx(expected, rel=1e-9)


def test_crossing_of_a_non_linear_key_is_a_root_of_the_model() -> None:
    """Discount rate: NPV is not linear in it; the solved crossing is a root
    (NPV evaluated there is 0) and differs from the linear interpolation."""
    base = econ.load_scenario(MAGNETS)
    result = sweep(base, ["discount_rate=0.01:0.29:0.02"], ["benchmark_cost_usd_per_kg=110"])
    (crossing,) = result.crossings
    at = econ.evaluate(
        base.with_values(benchmark_cost_usd_per_kg=110, discount_rate=crossing.solved)
    )
    npv_scale = abs(result.grid).max()
    assert abs(at.scalars()["npv_usd"]) < 1e-9 * npv_scale
    # the project IRR is where NPV = 0 over the discount rate
    assert crossing.solved == pytest.approx(at.scalars()["project_irr"], rel=1e-9)
    assert abs(crossing.interpolated - crossing.solved) > 1e-6


def test_two_key_crossings_are_each_rows_levelized_cost() -> None:
    base = econ.load_scenario(MAGNETS)
    result = sweep(base, ["capex_usd=100:300:50", "benchmark_cost_usd_per_kg=60:160:20"])
    assert [c.index for c in result.crossings] == [(i,) for i in range(5)]
    for c in result.crossings:
        capex = float(result.axes[0].values[c.index[0]])
        expected = econ.evaluate(base.with_values(capex_usd=capex)).scalars()
        assert c.solved == pytest.approx(expected["levelized_cost_usd_per_kg"], rel=1e-9)


def test_a_whole_number_key_is_not_solved_between_grid_points() -> None:
    base = econ.load_scenario(MAGNETS)
    result = sweep(base, ["construction_yr=1:3:1"], ["benchmark_cost_usd_per_kg=105"])
    for c in result.crossings:
        assert c.method in ("between grid points", "grid point")
        assert math.isnan(c.solved) or c.method == "grid point"


def test_values_are_in_the_unit_the_file_gives() -> None:
    """capex in MUSD (magnets), capex and budget in bn RUB (polar lithium)."""
    magnets = econ.load_scenario(MAGNETS)
    g = parse_grid("capex_usd=100:200:50", magnets)
    assert (g.key, g.unit, g.count) == ("capex_usd", "MUSD", 3)
    polar = econ.load_scenario(POLAR)
    result = sweep(polar, ["capex_usd=20,40", "budget_rub=30,60"])
    capex, budget = result.axes
    assert (capex.key, capex.typed_unit) == ("capex_rub", "bn RUB")
    assert capex.values.tolist() == [20e9, 40e9] and budget.values.tolist() == [30e9, 60e9]
    alone = econ.evaluate(polar.with_values(capex_rub=40e9, budget_rub=30e9)).scalars()
    assert result.values["npv_usd"][1, 0] == pytest.approx(alone["npv_usd"], rel=1e-12)


def test_refused_variants_are_nan_with_the_reason() -> None:
    base = econ.load_scenario(MAGNETS)
    result = sweep(
        base, ["construction_start_year=2026:2028:1", "first_production_year=2026:2028:1"]
    )
    assert result.refused.tolist() == [
        [False, False, False],
        [True, False, False],
        [True, True, False],
    ]
    assert np.isnan(result.grid[result.refused]).all()
    assert "production cannot start before construction" in result.reasons[0]
    ok = econ.evaluate(
        base.with_values(construction_start_year=2027, first_production_year=2028)
    ).scalars()
    assert result.grid[1, 2] == pytest.approx(ok["npv_usd"], rel=1e-12)


def test_the_cap_is_checked_before_any_grid_is_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    def expanded(self: GridSpec) -> None:
        raise AssertionError("a grid was expanded")

    monkeypatch.setattr(GridSpec, "typed_values", expanded)
    base = econ.load_scenario(MAGNETS)
    with pytest.raises(InputError, match=r"1,000,000 points \(1,000 x 1,000\)"):
        sweep(base, ["capex_usd=1:1000:1", "benchmark_cost_usd_per_kg=1:1000:1"])
    with pytest.raises(InputError, match="more than the sweep's cap of 100,000"):
        sweep(base, ["benchmark_cost_usd_per_kg=0:1e308:1e-300"])
    with pytest.raises(InputError, match="cap of 10"):
        sweep(base, ["capex_usd=1:11:1"], max_points=10)


@pytest.mark.parametrize(
    "args, where",
    [
        (["--vary", "nonsense_key=1:2:1"], "nonsense_key"),
        (["--vary", "benchmark_cost_usd_per_kg=0:1e308:1e-300"], "benchmark_cost_usd_per_kg"),
        (["--vary", "benchmark_cost_usd_per_kg"], "benchmark_cost_usd_per_kg"),
        (["--vary", "benchmark_cost_usd_per_kg=1:x:1"], "benchmark_cost_usd_per_kg"),
        (["--vary", "benchmark_cost_usd_per_kg=1:2"], "benchmark_cost_usd_per_kg"),
        (["--vary", "benchmark_cost_usd_per_kg=3:1:1"], "benchmark_cost_usd_per_kg"),
        (["--vary", "benchmark_cost_usd_per_kg=1:3:0"], "benchmark_cost_usd_per_kg"),
        (["--vary", "benchmark_cost_usd_per_kg=1:nan:1"], "benchmark_cost_usd_per_kg"),
        (["--vary", "benchmark_cost_usd_per_kg=80,90,80"], "benchmark_cost_usd_per_kg"),
        (["--vary", "benchmark_cost_usd_per_kg=80,,90"], "benchmark_cost_usd_per_kg"),
        (["--vary", "discount_rate=0.5:1:0.5"], "discount_rate"),
        (["--vary", "capex_usd=-5:5:5"], "capex_usd"),
        (["--vary", "capex_usd=1,2", "--vary", "capex_usd=3"], "capex_usd"),
        (["--vary", "capex_usd=1,2", "--set", "capex_usd=3"], "capex_usd"),
        (["--vary", "capex_usd=1,2", "--set", "tax_rate=2"], "tax_rate"),
        (["--vary", "capex_usd=1,2", "--set", "tax_rate"], "tax_rate"),
        (["--vary", "capex_usd=1,2", "--metric", "nope_usd"], "nope_usd"),
        (["--vary", "capex_usd=1,2", "--target", "5 kg"], "--target"),
        (["--vary", "capex_usd=1,2", "--max-points", "0"], "--max-points"),
    ],
)
def test_bad_options_exit_2_naming_the_key(
    args: list[str], where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sweep", str(MAGNETS), *args, "-o", str(tmp_path / "out"), "-q"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("econ: error: ") and err.count("\n") == 1 and where in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


def test_command_writes_one_page_and_one_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sweep"
    code = main(
        [
            "sweep",
            str(MAGNETS),
            "--vary",
            "benchmark_cost_usd_per_kg=80:130:5",
            "-o",
            str(out),
            "--xlsx",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    lcop = econ.evaluate(econ.load_scenario(MAGNETS)).scalars()["levelized_cost_usd_per_kg"]
    npv_label = econ.MODELS["project"].item("npv_usd").label
    assert (
        f"{npv_label} = 0 at Benchmark (Chinese) unit cost / import price = {lcop:.2f} USD/kg"
        in printed
    )
    # and the manifest of the digests of the tables it wrote (an edited one is kept)
    assert sorted(p.name for p in out.iterdir()) == [
        ".econ-outputs.json",
        "sweep.csv",
        "sweep.html",
        "sweep.xlsx",
    ]
    with (out / "sweep.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 11
    assert rows[0]["benchmark_cost_usd_per_kg [USD/kg]"] == "80.0"
    base = econ.load_scenario(MAGNETS)
    alone = econ.evaluate(base.with_values(benchmark_cost_usd_per_kg=80.0)).scalars()
    assert float(rows[0][f"{npv_label} [USD]"]) == pytest.approx(alone["npv_usd"], rel=1e-12)
    page = (out / "sweep.html").read_text(encoding="utf-8")
    assert 'id="sweep-chart"' in page and 'class="crossing"' in page
    assert f"{lcop:.2f} USD/kg" in page and f"{npv_label} [M USD]" in page


def test_two_keys_draw_a_heat_map_with_legend_labels_and_units() -> None:
    base = econ.load_scenario(MAGNETS)
    result = sweep(base, ["capex_usd=100:300:50", "benchmark_cost_usd_per_kg=60:160:20"])
    page = render_sweep(result)
    assert 'id="sweep-heat-map"' in page and 'class="colour-legend"' in page
    # labels and units, not raw keys; thousands separators; brackets for negatives
    assert "Capital expenditure [M USD]" in page
    assert "Benchmark (Chinese) unit cost / import price [USD/kg]" in page
    npv_label = econ.MODELS["project"].item("npv_usd").label
    assert f"{npv_label} [M USD]" in page and 'class="crossing-line"' in page
    # diverging: every negative value in a red, every positive one in a blue
    scale = ColourScale.of(result.grid, 0.0)
    for v in result.grid.ravel():
        assert scale.colour(float(v)) in (BELOW if v < 0 else ABOVE)
    # nothing cut off: every drawn element lies inside the viewBox
    svg = page[page.index('<svg class="chart wide" id="sweep-heat-map"') :]
    svg = svg[: svg.index("</svg>")]
    width, height = (float(x) for x in re.search(r'viewBox="0 0 (\S+) (\S+)"', svg).groups())
    for x in re.findall(r' x="([-\d.]+)"', svg):
        assert 0 <= float(x) <= width
    for y in re.findall(r' y="([-\d.]+)"', svg):
        assert 0 <= float(y) <= height


def test_thousands_separators_on_axis_values() -> None:
    base = econ.load_scenario(NATIONAL)
    result = sweep(base, ["consumption_t_per_yr=1000:9000:4000", "learning_rate=0,0.1"])
    page = render_sweep(result)
    assert ">5,000<" in page and ">9,000<" in page and "10.0%" in page


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_page_escapes_every_text(tmp_path: Path) -> None:
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)> & \"=cmd|' /C calc'!A0\""
    base = econ.load_scenario(MAGNETS)
    from dataclasses import replace

    scenario = replace(base, title=hostile, description=hostile)
    result = sweep(scenario, ["benchmark_cost_usd_per_kg=80:130:10"])
    written = write_sweep(result, tmp_path)
    page = written[0].read_text(encoding="utf-8")
    parser = _Collect()
    parser.feed(page)
    assert "script" not in parser.tags and "img" not in parser.tags
    assert any("<script>alert(1)</script>" in t for t in parser.text)  # shown, as text
    assert "&lt;script&gt;" in page


def test_ctrl_c_stops_the_sweep_with_exit_130_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An interrupt between blocks (here raised by the second block's
    evaluation) ends the command at once: exit 130, one line, no file."""
    import econ.analysis.sweep as module

    real = module.evaluate_model
    calls = []

    def interrupted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "evaluate_model", interrupted)
    out = tmp_path / "out"
    code = main(
        ["sweep", str(MAGNETS), "--vary", "benchmark_cost_usd_per_kg=1:20000:1", "-o", str(out)]
    )
    assert code == 130 and len(calls) == 2
    err = capsys.readouterr().err
    assert err.startswith("econ:") and "interrupted" in err and err.count("\n") == 1
    assert not out.exists()


def test_three_keys_draw_one_heat_map_per_value_of_the_first_key() -> None:
    """Issue 12: a grid of three keys gets a chart: one heat map of the last
    two keys per value of the first, all on the colour scale of the whole
    grid, each with the crossings of its own slice (which are those of the
    whole sweep) and a title naming the value it holds."""
    from econ.report.sweep import panel_result, panels

    base = econ.load_scenario(MAGNETS)
    grid = [
        "fx_rub_per_usd=60,90,120",
        "capex_usd=100:300:50",
        "benchmark_cost_usd_per_kg=60:160:20",
    ]
    result = sweep(base, grid)
    page = render_sweep(result)
    assert "no chart" not in page and 'class="multiples"' in page
    svgs = re.findall(r'<svg class="chart narrow" id="(sweep-panel-\d+)-narrow"', page)
    assert svgs == ["sweep-panel-0", "sweep-panel-1", "sweep-panel-2"]
    scale = ColourScale.of(result.grid, 0.0)  # one scale for every panel
    for i, fx in enumerate((60, 90, 120)):
        part = panel_result(result, (i,))
        assert np.array_equal(part.grid, result.grid[i], equal_nan=True)
        assert [c.value for c in part.crossings] == [
            c.value for c in result.crossings if c.index[0] == i
        ]
        svg = page[page.index(f'id="sweep-panel-{i}-narrow"') :]
        svg = svg[: svg.index("</svg>")]
        assert f"Exchange rate = {fx}.00 RUB/USD" in svg
        fills = re.findall(
            r'<rect x="[^"]+" y="[^"]+" width="[^"]+" height="[^"]+" fill="(#\w+)">', svg
        )
        # cells drawn row by row from the first value of the panel's first key
        expected = [scale.colour(float(v)) for row in part.grid for v in row]
        assert fills == expected
        assert ('class="crossing-line"' in svg) == bool(part.crossings)
        # each row's crossing is that row's levelized cost: NPV = 0 there
        for c in part.crossings:
            row = base.with_values(
                fx_rub_per_usd=float(result.axes[0].values[i]),
                capex_usd=float(part.axes[0].values[c.index[0]]),
            )
            assert c.value == pytest.approx(
                econ.evaluate(row).scalars()["levelized_cost_usd_per_kg"], rel=1e-9
            )
    assert panels(result) == ([(0,), (1,), (2,)], 3)


def test_many_panels_are_capped_and_the_page_says_so() -> None:
    from econ.report.sweep import MAX_PANELS, panels

    base = econ.load_scenario(NATIONAL)
    result = sweep(
        base,
        [
            "learning_rate=0:0.15:0.05",
            "fx_rub_per_usd=60:120:20",
            "consumption_t_per_yr=1000:9000:4000",
            "benchmark_cost_usd_per_kg=5:15:5",
        ],
    )
    chosen, total = panels(result)
    assert total == 16 and 1 < len(chosen) <= MAX_PANELS and chosen[0] == (0, 0)
    page = render_sweep(result)
    assert page.count('<svg class="chart narrow" id="sweep-panel-') == len(chosen)
    assert f'<span id="panels-shown">{len(chosen)} of 16</span>' in page
    assert "Learning rate = " in page and "Exchange rate = " in page
