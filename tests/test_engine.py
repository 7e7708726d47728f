"""The numpy backend against independent computations."""

from __future__ import annotations

import math

import numpy as np
import numpy_financial as npf
import pytest

import econ
from econ.model.definition import MODELS, PROJECT
from tests.conftest import SEEDS


def _project() -> econ.Scenario:
    return econ.load_scenario(SEEDS / "solikamsk_separation.toml")


def _loop_cash_flow(sc: econ.Scenario) -> list[float]:
    """Net cash flow year by year from the independent plain-loop model of
    tests/test_conventions.py (written from the documented rules)."""
    from tests.test_conventions import reference_cash_flow

    v = {k: a.value for k, a in sc.assumptions.items()}
    if "capex_rub" in v:  # given in rubles: converted at the scenario's rate
        v["capex_usd"] = v["capex_rub"] / v["fx_rub_per_usd"]
    return list(reference_cash_flow(v, sc.start_year, sc.horizon_yr)["net_cash_flow"])


@pytest.mark.parametrize(
    "name", ["solikamsk_separation", "polar_lithium", "acron_murmansk", "magnets_plant"]
)
def test_project_cash_flow_matches_a_plain_loop(name: str) -> None:
    sc = econ.load_scenario(SEEDS / f"{name}.toml")
    r = econ.evaluate(sc)
    flows = _loop_cash_flow(sc)
    np.testing.assert_allclose(r.row("net_cash_flow_usd_per_yr"), flows, rtol=1e-12, atol=1e-6)
    rate = sc.value("discount_rate")
    # end-of-year discounting: numpy-financial's npv with a zero at t=0
    assert r.metric("npv_usd")[0] == pytest.approx(npf.npv(rate, [0.0, *flows]), rel=1e-12)
    npf_irr = npf.irr(flows)
    if np.isfinite(npf_irr):
        assert r.metric("project_irr")[0] == pytest.approx(npf_irr, abs=1e-9)
    else:
        assert np.isnan(r.metric("project_irr")[0])


def test_breakeven_subsidy_plugged_back_gives_zero_npv() -> None:
    for path in sorted(SEEDS.glob("*.toml")):
        sc = econ.load_scenario(path)
        if sc.model.name != PROJECT.name:
            continue
        r = econ.evaluate(sc)
        capex = r.scalars()["capex_usd"]
        s_star = float(r.metric("breakeven_subsidy_usd_per_kg")[0])
        lcop = float(r.metric("levelized_cost_usd_per_kg")[0])
        with_subsidy = econ.evaluate(sc.with_values(production_subsidy_usd_per_kg=max(s_star, 0)))
        if s_star >= 0:
            assert abs(with_subsidy.metric("npv_usd")[0]) < 1e-6 * capex
        # The levelized cost is a constant sale price: no basket, no escalation.
        at_price = econ.evaluate(
            sc,
            {
                "benchmark_cost_usd_per_kg": lcop,
                "production_subsidy_usd_per_kg": 0.0,
                "price_escalation_rate": 0.0,
                **{f"product_{k}_share": 0.0 for k in (1, 2, 3)},
            },
        )
        assert abs(at_price.metric("npv_usd")[0]) < 1e-6 * capex


def test_learning_closes_the_gap_when_the_loop_says_so() -> None:
    sc = econ.load_scenario(SEEDS / "national_2030_target.toml")
    r = econ.evaluate(sc)
    v = {k: a.value for k, a in sc.assumptions.items()}
    experience, closed, total = v["experience_base_t"], None, 0.0
    for year in sc.years:
        cost = v["domestic_cost_usd_per_kg"] * (experience / v["experience_base_t"]) ** math.log2(
            1 - v["learning_rate"]
        )
        gap = cost - v["benchmark_cost_usd_per_kg"]
        if gap <= 0 and closed is None:
            closed = year
        total += max(gap, 0) * v["consumption_t_per_yr"] * 1000
        experience += v["consumption_t_per_yr"]
    assert closed is not None
    assert r.metric("gap_close_year")[0] == closed
    assert r.metric("total_subsidy_usd")[0] == pytest.approx(total, rel=1e-12)


def test_no_learning_never_closes_a_positive_gap() -> None:
    sc = econ.load_scenario(SEEDS / "national_ree_gap.toml").with_values(learning_rate=0.0)
    r = econ.evaluate(sc)
    assert np.isnan(r.metric("gap_close_year")[0])
    assert r.metric("total_subsidy_usd")[0] == pytest.approx(21.25e6 * sc.horizon_yr)


def test_many_scenarios_in_one_call_equal_one_by_one() -> None:
    sc = _project()
    rng = np.random.default_rng(7)
    prices = rng.uniform(9, 14, 200)
    capex = rng.uniform(120e6, 400e6, 200)
    many = econ.evaluate(sc, {"benchmark_cost_usd_per_kg": prices, "capex_usd": capex})
    assert len(many) == 200
    for i in (0, 57, 199):
        one = econ.evaluate(sc.with_values(benchmark_cost_usd_per_kg=prices[i], capex_usd=capex[i]))
        for key in ("npv_usd", "levelized_cost_usd_per_kg", "ref_subsidy_usd_per_yr"):
            assert many.metric(key)[i] == pytest.approx(one.metric(key)[0], rel=1e-12)


def test_evaluate_many_stacks_scenarios() -> None:
    a = econ.load_scenario(SEEDS / "national_ree_gap.toml")
    b = a.with_values(consumption_t_per_yr=1400.0)
    r = econ.evaluate_many([a, b])
    assert list(r.metric("ref_subsidy_usd_per_yr")) == pytest.approx([21.25e6, 8.5 * 1.4e6])
    assert list(r.metrics().index) == [a.name, b.name]


def test_tables_carry_units_in_column_names() -> None:
    r = econ.evaluate(_project())
    table, metrics = r.table(), r.metrics()
    assert "Net cash flow [USD/yr]" in table.columns
    assert "Cumulative net cash flow [USD]" in table.columns
    assert "Variable-cost competitiveness gap [USD/kg]" in metrics.columns
    assert "Full-cost gap (levelized cost - price) [USD/kg]" in metrics.columns
    assert list(table.index) == list(_project().years)


def test_override_outside_domain_is_refused() -> None:
    with pytest.raises(econ.InputError, match=r"'discount_rate' must be in \[0, 1\) \(got 1.5\)"):
        econ.evaluate(_project(), {"discount_rate": np.array([0.1, 1.5])})


def test_models_are_registered() -> None:
    assert set(MODELS) == {"national", "project"}


def test_variation_names_are_numbered_lazily() -> None:
    """S variations are named ``base#0`` ... ``base#(S-1)``, made when read."""
    from econ.engine import Numbered

    names = Numbered("magnets", 3)
    assert list(names) == ["magnets#0", "magnets#1", "magnets#2"] and len(names) == 3
    assert names[-1] == "magnets#2" and names[1:] == ["magnets#1", "magnets#2"]
    assert names == ("magnets#0", "magnets#1", "magnets#2")
    with pytest.raises(IndexError):
        names[3]
