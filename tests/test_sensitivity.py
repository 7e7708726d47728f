"""Sensitivities against plain evaluations, one variant at a time.

Expected values: ``econ.evaluate`` of the scenario with one input moved by
``with_values`` (two plain evaluations per input), which share nothing with
the vectorized variant table but the model.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import econ
from econ.analysis.sensitivity import spider, tornado, two_way
from econ.cli import main
from tests.conftest import SEEDS


def _plain(sc: econ.Scenario, metric: str, **values: float) -> float:
    try:
        moved = sc.with_values(**values)
    except econ.InputError:
        return math.nan
    return float(econ.evaluate(moved).metric(metric)[0])


@pytest.mark.parametrize("seed", ["magnets_plant", "national_2030_target", "polar_lithium"])
def test_tornado_swings_equal_two_plain_evaluations_per_input(seed: str) -> None:
    sc = econ.load_scenario(SEEDS / f"{seed}.toml")
    t = tornado(sc)
    assert t.metric == sc.model.default_metric
    assert t.base == pytest.approx(float(econ.evaluate(sc).metric(t.metric)[0]))
    for row in t.rows:
        lo = _plain(sc, t.metric, **{row.key: row.low})
        hi = _plain(sc, t.metric, **{row.key: row.high})
        for got, want in ((row.at_low, lo), (row.at_high, hi)):
            assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(
                want, rel=1e-12, abs=1e-6
            ), row.key
    swings = [r.swing for r in t.rows if np.isfinite(r.swing)]
    assert swings == sorted(swings, reverse=True)


def test_per_year_input_is_scaled_as_a_whole() -> None:
    """A per-year benchmark path moved to its low bound keeps its shape: the
    series is scaled so its mean is the bound."""
    import dataclasses
    from types import MappingProxyType

    sc = econ.load_scenario(SEEDS / "national_2030_target.toml")
    a = sc.assumptions["benchmark_cost_usd_per_kg"]
    path = tuple(11.5 * (1.02**i) for i in range(sc.horizon_yr))  # rising 2 % a year
    per_year = dataclasses.replace(a, value=path, low=9.0, high=20.0)
    sc = dataclasses.replace(sc, assumptions=MappingProxyType({**sc.assumptions, a.key: per_year}))
    row = next(r for r in tornado(sc).rows if r.key == a.key)
    scaled = tuple(v * 9.0 / float(np.mean(path)) for v in path)
    assert row.at_low == pytest.approx(_plain(sc, tornado(sc).metric, **{a.key: scaled}))
    assert row.at_low != pytest.approx(_plain(sc, tornado(sc).metric, **{a.key: 9.0}))


def test_spider_and_two_way_equal_plain_evaluations() -> None:
    sc = econ.load_scenario(SEEDS / "magnets_plant.toml")
    sp = spider(sc, "npv_usd", steps=3)
    k = sp.keys.index("domestic_cost_usd_per_kg")
    for x, got in zip(sp.points[k], sp.values[k], strict=True):
        assert got == pytest.approx(_plain(sc, "npv_usd", domestic_cost_usd_per_kg=x))
    whole = sp.keys.index("depreciation_yr")  # whole years stay whole: no refused midpoint
    assert all(float(x).is_integer() for x in sp.points[whole])
    assert all(np.isfinite(sp.values[whole]))
    tw = two_way(sc, ["domestic_cost_usd_per_kg", "capex_usd"], "npv_usd", steps=2)
    for i, x in enumerate(tw.axis_a):
        for j, y in enumerate(tw.axis_b):
            want = _plain(sc, "npv_usd", domestic_cost_usd_per_kg=x, capex_usd=y)
            assert tw.values[i][j] == pytest.approx(want)


def test_a_refused_variant_is_n_a_with_its_reason() -> None:
    sc = econ.load_scenario(SEEDS / "solikamsk_separation.toml")
    a = sc.assumptions["construction_start_year"]
    import dataclasses
    from types import MappingProxyType

    wide = dataclasses.replace(a, low=2025.0, high=2029.0)  # 2029 starts after production
    sc = dataclasses.replace(sc, assumptions=MappingProxyType({**sc.assumptions, a.key: wide}))
    row = next(r for r in tornado(sc).rows if r.key == "construction_start_year")
    assert math.isnan(row.at_high) and "before construction" in row.note
    assert math.isfinite(row.at_low)


def test_cli_prints_the_tornado_and_refuses_a_bad_metric(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = str(SEEDS / "national_ree_gap.toml")
    assert main(["sensitivity", path]) == 0
    out = capsys.readouterr().out
    assert "Tornado" in out and "domestic_cost_usd_per_kg" in out
    assert main(["sensitivity", path, "--metric", "nope"]) == 2
    assert "'nope' is not a metric" in capsys.readouterr().err
