"""Budget allocation: the optimizer against brute force, the adapter against
the engine.

Expected values:

* optimizer: every assignment of small random portfolios enumerated (each
  project takes one of its options or none), the feasible ones filtered by
  the constraints written out again here, and the lexicographic optimum
  picked by sorting: an independent computation sharing no code with
  ``scipy.optimize.milp``;
* adapter: issue 11's ``compare_instruments`` of each seed alone (size,
  terms, fiscal cost PV) against the options' yearly fiscal cost discounted
  by a plain Python loop; the per-kg subsidy also against the plain project
  model with the breakeven rate plugged in.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import econ
from econ.analysis.allocation import INSTRUMENTS, instrument_options, solve_allocation
from econ.analysis.instruments import compare_instruments
from tests.conftest import SEEDS

PROJECTS = ["magnets_plant", "polar_lithium", "solikamsk_separation"]


def _instance(rng: np.random.Generator) -> dict[str, np.ndarray]:
    n_proj = int(rng.integers(1, 6))
    per = rng.integers(1, 4, size=n_proj)
    project = np.repeat(np.arange(n_proj), per) * 3 + 7  # any integers name a project
    n = len(project)
    years = int(rng.integers(1, 4))
    by_year = rng.uniform(0, 10, size=(n, years)) * (rng.random((n, years)) < 0.8)
    by_year = np.round(by_year, 1)  # ties happen
    return {
        "project": project,
        "capacity": rng.integers(1, 6, size=n).astype(float) * 100,
        "cost_pv": np.round(by_year.sum(axis=1) * rng.uniform(0.6, 1.0, size=n), 2),
        "spend": by_year.sum(axis=1),
        "by_year": by_year,
        "envelope": np.where(rng.random(years) < 0.3, np.inf, rng.uniform(3, 25, size=years)),
        "volume": rng.integers(0, 5, size=n).astype(float) * 50,
        "budget": float(rng.uniform(0, 40)) if rng.random() < 0.9 else math.inf,
        "flex": float(rng.choice([0.0, 0.0, 4.0])),
        "target": float(rng.integers(0, 12) * 50),
        # an import-share row in half the instances: replacing output >= needed
        "replacing": rng.integers(0, 3, size=n).astype(float) * 40,
        "needed": float(rng.integers(0, 6) * 40) if rng.random() < 0.5 else -1.0,
    }


def _brute(inst: dict[str, np.ndarray], objective: str) -> tuple[bool, float, float]:
    """(feasible, primary, cost_pv) of the lexicographic optimum, by enumeration."""
    project = inst["project"]
    groups = [np.flatnonzero(project == p) for p in sorted(set(project.tolist()))]
    best: tuple[float, float] | None = None
    for pick in itertools.product(*[[None, *g.tolist()] for g in groups]):
        chosen = [i for i in pick if i is not None]
        spend = sum(inst["spend"][i] for i in chosen)
        if spend > inst["budget"] + 1e-9:
            continue
        over = 0.0
        ok = True
        for y, cap in enumerate(inst["envelope"]):
            total = sum(inst["by_year"][i, y] for i in chosen)
            if math.isfinite(cap) and total > cap + 1e-9:
                over += total - cap
        if over > inst["flex"] + 1e-9:
            ok = False
        volume = sum(inst["volume"][i] for i in chosen)
        if objective == "cost" and volume < inst["target"] - 1e-9:
            ok = False
        if sum(inst["replacing"][i] for i in chosen) < inst["needed"] - 1e-9:
            ok = False
        if not ok:
            continue
        cost = sum(inst["cost_pv"][i] for i in chosen)
        primary = {
            "capacity": sum(inst["capacity"][i] for i in chosen),
            "projects": float(len(chosen)),
            "cost": -cost,
        }[objective]
        key = (primary, -cost)
        if best is None or key > best:
            best = key
    if best is None:
        return False, math.nan, math.nan
    return True, best[0], -best[1]


@pytest.mark.parametrize("objective", ["capacity", "projects", "cost"])
def test_optimizer_matches_brute_force_on_small_random_portfolios(objective: str) -> None:
    rng = np.random.default_rng(20251125)
    feasible_seen = infeasible_seen = 0
    for _ in range(60):
        inst = _instance(rng)
        sol = solve_allocation(
            inst["project"],
            inst["capacity"],
            inst["cost_pv"],
            inst["spend"],
            inst["budget"],
            objective=objective,  # type: ignore[arg-type]
            cost_by_year=inst["by_year"],
            envelope=inst["envelope"],
            volume=inst["volume"],
            target=inst["target"],
            flex=inst["flex"],
            at_least=[(inst["replacing"], inst["needed"])],
        )
        feasible, primary, cost = _brute(inst, objective)
        assert sol.feasible == feasible
        if not feasible:
            infeasible_seen += 1
            assert not sol.chosen.any()
            continue
        feasible_seen += 1
        got = {"capacity": sol.capacity, "projects": float(sol.projects), "cost": -sol.cost_pv}
        assert got[objective] == pytest.approx(primary, rel=1e-9, abs=1e-9)
        assert sol.cost_pv == pytest.approx(cost, rel=1e-7, abs=1e-7)
        # the answer itself meets every constraint
        chosen = np.flatnonzero(sol.chosen)
        assert len(set(inst["project"][chosen].tolist())) == len(chosen)
        assert inst["spend"][chosen].sum() <= inst["budget"] + 1e-6
        over = inst["by_year"][chosen].sum(axis=0) - inst["envelope"]
        assert np.maximum(over, 0).sum() <= inst["flex"] + 1e-6
        assert inst["replacing"][chosen].sum() >= inst["needed"] - 1e-6
    assert feasible_seen > 10
    assert infeasible_seen > 0  # an import share (or target) out of reach


def test_optimizer_refuses_nan_costs_and_unknown_objectives() -> None:
    one = np.array([0])
    with pytest.raises(ValueError, match="finite"):
        solve_allocation(one, np.array([1.0]), np.array([np.nan]), np.array([1.0]), 1.0)
    with pytest.raises(ValueError, match="objective"):
        solve_allocation(
            one,
            np.array([1.0]),
            np.array([1.0]),
            np.array([1.0]),
            1.0,
            objective="most",  # type: ignore[arg-type]
        )


def test_options_are_the_instrument_comparison_with_its_fiscal_cost_by_year() -> None:
    """Every instrument's size and terms are issue 11's comparison of the project
    alone; its yearly fiscal cost, discounted by a plain loop at the project's own
    state rate from its start, is the comparison's fiscal cost PV."""
    scenarios = [econ.load_scenario(SEEDS / f"{p}.toml") for p in PROJECTS]
    rate = 0.07
    o = instrument_options(scenarios, rate, base_year=2025)  # one call, stacked groups
    assert o.years == tuple(range(2025, max(sc.years[-1] for sc in scenarios) + 1))
    assert len(o) == len(PROJECTS) * len(INSTRUMENTS)
    for p, sc in enumerate(scenarios):
        rows = {r.name: r for r in compare_instruments(sc)}
        own = instrument_options([sc], sc.value("state_discount_rate"), base_year=sc.start_year)
        for i in np.flatnonzero(o.project == p):
            row = rows[o.instrument[i]]
            assert o.size[i] == pytest.approx(row.size, rel=1e-12, nan_ok=True)
            assert bool(o.within_terms[i]) == row.within_terms or not row.solved
            assert o.capacity_t_per_yr[i] == sc.value("capacity_t_per_yr")
            if not row.solved:
                assert math.isnan(o.cost_pv_usd[i])
                continue
            pv_own, pv = 0.0, 0.0
            for year in sc.years:
                pv_own += o.cost_usd_per_yr[i, year - 2025] / (
                    1 + sc.value("state_discount_rate")
                ) ** (year - sc.start_year + 1)
                pv += o.cost_usd_per_yr[i, year - 2025] / (1 + rate) ** (year - 2025 + 1)
            assert pv_own == pytest.approx(row.fiscal_cost_usd, rel=1e-9)
            assert o.cost_pv_usd[i] == pytest.approx(pv, rel=1e-12)
            # stacked with the other projects or alone: the same figures
            j = list(own.instrument).index(o.instrument[i])
            assert own.size[j] == pytest.approx(o.size[i], rel=1e-12)
            assert own.cost_pv_usd[j] == pytest.approx(row.fiscal_cost_usd, rel=1e-9)


def test_per_kg_subsidy_option_is_the_project_model_with_the_subsidy_plugged_in() -> None:
    """The per-kg subsidy's yearly fiscal cost against the plain project model
    (not the comparison's plug-back block): the breakeven rate given as the
    scenario's subsidy, its state outlays less the extra tax, year by year."""
    scenarios = [econ.load_scenario(SEEDS / f"{p}.toml") for p in PROJECTS]
    o = instrument_options(scenarios, 0.08, base_year=2025, instruments=["production_subsidy"])
    for i, sc in enumerate(scenarios):
        subsidy = float(econ.evaluate(sc).metric("breakeven_subsidy_usd_per_kg")[0])
        assert o.size[i] == pytest.approx(subsidy, rel=1e-9)
        r = econ.evaluate(sc.with_values(production_subsidy_usd_per_kg=subsidy))
        assert abs(float(r.metric("npv_usd")[0])) < 1e-6 * r.scalars()["capex_usd"]
        outlay, gain = r.row("state_outlay_usd_per_yr"), r.row("tax_gain_usd_per_yr")
        for k, year in enumerate(sc.years):
            expected = outlay[k] - gain[k]
            assert o.cost_usd_per_yr[i, year - 2025] == pytest.approx(expected, rel=1e-7, abs=1e-3)
            assert o.volume_in(year)[i] == r.row("volume_t_per_yr")[k]


def test_adapter_refuses_national_scenarios_and_costs_before_the_first_year() -> None:
    national = econ.load_scenario(SEEDS / "national_ree_gap.toml")
    with pytest.raises(ValueError, match="only project scenarios"):
        instrument_options([national], 0.08)
    magnets = econ.load_scenario(SEEDS / "magnets_plant.toml")
    with pytest.raises(ValueError, match="before the portfolio's first year"):
        instrument_options([magnets], 0.08, base_year=2040)
