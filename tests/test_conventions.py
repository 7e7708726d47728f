"""The project conventions of issue 11, checked against an independent model.

``reference_cash_flow`` below is a plain-Python, year-by-year implementation
written from the rules in README ("Project conventions") and the docstrings
of :mod:`econ.model.definition.project` and :mod:`econ.model.definition.tax`
(not from the graph): loss carry-forward with a cap or an immediate credit,
working capital, sustaining capex, salvage and decommissioning, a plant life
shorter than the timeline, royalty, a product basket, price escalation,
learning with a share and a floor, ruble cost shares with an exchange-rate
path, and inflation. The engine must reproduce it at 1e-9 on random inputs;
each solved metric must make the independent model's NPV 0 when plugged in.

A second source: the effects the issue measured with its own independent
model on the two REE plant seeds (losses credited at once, as main did then).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import econ
from econ.batch import vary
from econ.model.definition import PROJECT
from econ.model.evaluate import evaluate_model
from tests.conftest import ROOT

START, N = 2025, 20


def reference_cash_flow(v: dict[str, Any], start: int = START, n: int = N) -> dict[str, Any]:
    """Net cash flow, tax and NPV of one project, year by year (floats)."""
    end = start + n - 1
    years = [start + i for i in range(n)]

    def at(key: str, i: int) -> float:
        x = v[key]
        return float(x[i]) if isinstance(x, (list, tuple, np.ndarray)) else float(x)

    fpy, life = v["first_production_year"], v["plant_life_yr"]
    final = min(fpy + life - 1, end)
    exponent = math.log2(1 - v["learning_rate"])
    shares = v["product_1_share"] + v["product_2_share"] + v["product_3_share"]
    basket = sum(v[f"product_{k}_share"] * v[f"product_{k}_price_usd_per_kg"] for k in (1, 2, 3))

    def fx(name: str, i: int) -> float:
        s = v[f"{name}_rub_share"]
        return 1 - s + s * v["fx_rub_per_usd"] / at("fx_path_rub_per_usd", i)

    experience = v["experience_base_t"]
    capex_rows, out = [], []
    for i, y in enumerate(years):
        p = i + 1
        infl = (1 + v["inflation_rate"]) ** p
        operating = fpy <= y <= final
        util = max(0.0, min(1.0, (y - fpy + 1) / v["ramp_up_yr"])) if operating else 0.0
        vol_kg = v["capacity_t_per_yr"] * util * 1000
        learn = (
            1
            - v["learning_share"]
            + v["learning_share"] * (experience / v["experience_base_t"]) ** exponent
        )
        unit_cost = max(v["domestic_cost_usd_per_kg"] * learn, v["learning_floor_usd_per_kg"])
        experience += vol_kg / 1000
        market = (basket if shares > 0 else at("benchmark_cost_usd_per_kg", i)) * (
            1 + v["price_escalation_rate"]
        ) ** (p - 1)
        price = market * (1 + v["import_tariff_rate"])
        building = (
            v["construction_start_year"] <= y < v["construction_start_year"] + v["construction_yr"]
        )
        gross = v["capex_usd"] / v["construction_yr"] * building * fx("capex", i) * infl
        duty = (
            v["duty_relief_share"] * v["import_duty_rate"] * v["imported_equipment_share"] * gross
        )
        capex = gross - duty
        grant = v["capex_grant_share"] * capex
        capex_rows.append(capex - grant)
        is_final = y == final
        revenue = price * vol_kg * infl
        variable = unit_cost * vol_kg * fx("variable_cost", i) * infl
        fixed = v["fixed_opex_usd_per_yr"] * operating * fx("fixed_cost", i) * infl
        out.append(
            dict(
                year=y,
                final=is_final,
                dep_on=fpy <= y < fpy + v["depreciation_yr"] and y <= final,
                revenue=revenue,
                subsidy=v["production_subsidy_usd_per_kg"]
                * vol_kg
                * infl
                * (y < fpy + v["production_subsidy_yr"]),
                cfd=max(v["strike_price_usd_per_kg"] - price, 0.0) * vol_kg * infl,
                rd=v["rd_grant_usd"] * (y == v["rd_grant_year"]) * infl,
                grant=grant,
                duty=duty,
                opex=variable + fixed,
                royalty=v["royalty_share"] * revenue + v["royalty_usd_per_kg"] * vol_kg * infl,
                sustaining=v["sustaining_capex_share_per_yr"]
                * v["capex_usd"]
                * operating
                * fx("capex", i)
                * infl,
                capex=capex,
                salvage=v["salvage_share"] * v["capex_usd"] * is_final * infl,
                decommissioning=v["decommissioning_share"] * v["capex_usd"] * is_final * infl,
            )
        )
    base = sum(capex_rows)
    # Loans: (share, rate the project pays, grace, repayment years)
    loans = {
        "soft": (v["soft_loan_share"], v["soft_loan_rate"], v["soft_loan_grace_yr"],
                 v["soft_loan_repayment_yr"]),
        "loan": (v["loan_share"], max(v["loan_rate"] - v["interest_subsidy_rate"], 0.0),
                 v["loan_grace_yr"], v["loan_repayment_yr"]),
    }  # fmt: skip
    balance = {k: 0.0 for k in loans}
    principal = {k: loans[k][0] * sum(r["capex"] for r in out) for k in loans}
    depreciated, pool, wc_prev, npv = 0.0, 0.0, 0.0, 0.0
    ncf, taxes, outlays, equity_flows = [], [], [], []
    rate = (1 + v["discount_rate"]) * (1 + v["inflation_rate"]) - 1
    credit = v["loss_credit_flag"] == 1
    taxpaying_years = 0
    for i, r in enumerate(out):
        flows = {}
        for k, (share, paid, grace, rep) in loans.items():
            draw = share * r["capex"]
            interest = paid * balance[k]
            owed = balance[k] + draw
            start = fpy + grace
            if r["final"]:
                repay = owed
            elif start <= r["year"] < start + rep:
                repay = min(owed, principal[k] / rep)
            else:
                repay = 0.0
            flows[k] = (draw, interest, repay, balance[k])
            balance[k] = owed - repay
        interest_subsidy = min(v["interest_subsidy_rate"], v["loan_rate"]) * flows["loan"][3]
        interest = flows["soft"][1] + flows["loan"][1]
        straight = base / v["depreciation_yr"] if r["dep_on"] else 0.0
        depreciated += straight
        dep = straight + ((base - depreciated) if r["final"] else 0.0)
        income = (
            r["revenue"]
            + r["subsidy"]
            + r["cfd"]
            + r["rd"]
            - r["opex"]
            - r["royalty"]
            - r["sustaining"]
            - dep
            - interest
            + r["salvage"]
            - r["decommissioning"]
        )
        if credit:
            tax_base = income
        else:
            profit, loss = max(income, 0.0), max(-income, 0.0)
            used = min(pool, v["loss_offset_cap_share"] * profit)
            pool += loss - used
            tax_base = profit - used
        if taxpaying_years or tax_base > 0:
            taxpaying_years += 1
        holiday = 0 < taxpaying_years <= v["tax_holiday_yr"]
        tax_rate = v["tax_rate"] - holiday * max(v["tax_rate"] - v["tax_holiday_rate"], 0.0)
        tax = tax_rate * tax_base
        wc = 0.0 if r["final"] else v["working_capital_share"] * r["opex"]
        cash = (
            r["revenue"]
            + r["subsidy"]
            + r["cfd"]
            + r["rd"]
            + r["grant"]
            - r["opex"]
            - r["royalty"]
            - r["capex"]
            - r["sustaining"]
            - (wc - wc_prev)
            + r["salvage"]
            - r["decommissioning"]
            - tax
        )
        wc_prev = wc
        equity = cash + sum(f[0] - f[2] - f[1] for f in flows.values())
        soft = flows["soft"]
        outlays.append(
            r["subsidy"] + r["grant"] + soft[0] - soft[2] - soft[1] + interest_subsidy
            + r["duty"] + r["cfd"] + r["rd"]
        )  # fmt: skip
        ncf.append(cash)
        equity_flows.append(equity)
        taxes.append(tax)
        npv += equity / (1 + rate) ** (i + 1)
    return {
        "net_cash_flow": ncf,
        "equity_cash_flow": equity_flows,
        "tax": taxes,
        "npv": npv,
        "pool": pool,
        "outlays": outlays,
    }


SWITCHES = {
    "production_subsidy_usd_per_kg": 0.0,
    "capex_grant_share": 0.0,
    "soft_loan_share": 0.0,
    "interest_subsidy_rate": 0.0,
    "tax_holiday_yr": 0.0,
    "duty_relief_share": 0.0,
    "import_tariff_rate": 0.0,
    "strike_price_usd_per_kg": 0.0,
    "rd_grant_usd": 0.0,
}


def reference_fiscal_cost(v: dict[str, Any], start: int = START, n: int = N) -> float:
    """PV at the state's rate of the outlays plus the tax the project would
    pay without support minus the tax it pays."""
    with_ = reference_cash_flow(v, start, n)
    without = reference_cash_flow(dict(v, **SWITCHES), start, n)
    rate = (1 + v["state_discount_rate"]) * (1 + v["inflation_rate"]) - 1
    return sum(
        (o + t0 - t) / (1 + rate) ** (i + 1)
        for i, (o, t0, t) in enumerate(
            zip(with_["outlays"], without["tax"], with_["tax"], strict=True)
        )
    )


def random_inputs(rng: np.random.Generator) -> dict[str, Any]:
    """Random project inputs with every convention switched on."""
    fpy = int(rng.integers(START, START + 5))
    v: dict[str, Any] = {
        "capacity_t_per_yr": rng.uniform(100, 5000),
        "first_production_year": fpy,
        "ramp_up_yr": rng.uniform(1, 4),
        "plant_life_yr": int(rng.integers(3, 30)),
        "capex_usd": rng.uniform(10e6, 500e6),
        "construction_start_year": int(rng.integers(START, fpy + 1)),
        "construction_yr": int(rng.integers(1, 4)),
        "fixed_opex_usd_per_yr": rng.uniform(0, 20e6),
        "sustaining_capex_share_per_yr": rng.uniform(0, 0.04),
        "working_capital_share": rng.uniform(0, 0.3),
        "salvage_share": rng.uniform(0, 0.2),
        "decommissioning_share": rng.uniform(0, 0.2),
        "depreciation_yr": int(rng.integers(1, 25)),
        "price_escalation_rate": rng.uniform(-0.02, 0.04),
        "royalty_share": rng.uniform(0, 0.1),
        "royalty_usd_per_kg": rng.uniform(0, 2),
        "inflation_rate": rng.choice([0.0, rng.uniform(0, 0.08)]),
        "fx_rub_per_usd": 80.65,
        "fx_path_rub_per_usd": list(rng.uniform(60, 130, N)),
        "variable_cost_rub_share": rng.uniform(0, 1),
        "fixed_cost_rub_share": rng.uniform(0, 1),
        "capex_rub_share": rng.uniform(0, 1),
        "production_subsidy_usd_per_kg": rng.uniform(0, 10),
        "production_subsidy_yr": int(rng.integers(0, 25)),
        "capex_grant_share": rng.choice([0.0, rng.uniform(0, 0.5)]),
        "soft_loan_share": rng.choice([0.0, rng.uniform(0, 0.6)]),
        "soft_loan_rate": rng.uniform(0, 0.05),
        "soft_loan_grace_yr": int(rng.integers(0, 4)),
        "soft_loan_repayment_yr": int(rng.integers(1, 15)),
        "loan_share": rng.choice([0.0, rng.uniform(0, 0.6)]),
        "loan_rate": rng.uniform(0.02, 0.15),
        "loan_grace_yr": int(rng.integers(0, 4)),
        "loan_repayment_yr": int(rng.integers(1, 15)),
        "interest_subsidy_rate": rng.uniform(0, 0.1),
        "tax_holiday_yr": int(rng.integers(0, 8)),
        "tax_holiday_rate": rng.choice([0.0, rng.uniform(0, 0.2)]),
        "import_duty_rate": rng.uniform(0, 0.2),
        "imported_equipment_share": rng.uniform(0, 1),
        "duty_relief_share": rng.uniform(0, 1),
        "import_tariff_rate": rng.choice([0.0, rng.uniform(0, 0.3)]),
        "strike_price_usd_per_kg": rng.choice([0.0, rng.uniform(0, 100)]),
        "rd_grant_usd": rng.choice([0.0, rng.uniform(0, 20e6)]),
        "rd_grant_year": int(rng.integers(START, START + N)),
        "state_discount_rate": rng.uniform(0.01, 0.1),
        "grant_element_discount_rate": 0.05,
        "tax_rate": rng.uniform(0, 0.4),
        "loss_credit_flag": float(rng.integers(0, 2)),
        "loss_offset_cap_share": rng.choice([1.0, 0.5, rng.uniform(0, 1)]),
        "domestic_cost_usd_per_kg": rng.uniform(5, 100),
        "benchmark_cost_usd_per_kg": list(rng.uniform(5, 120, N)),
        "budget_rub": 60e9,
        "budget_period_yr": 5.0,
        "learning_rate": rng.uniform(0, 0.3),
        "learning_share": rng.uniform(0, 1),
        "learning_floor_usd_per_kg": rng.uniform(0, 20),
        "experience_base_t": rng.uniform(100, 10000),
        "discount_rate": rng.uniform(0.02, 0.15),
    }
    basket = rng.integers(0, 2)
    shares = rng.dirichlet([1, 1, 1]) if basket else np.zeros(3)
    for k in (1, 2, 3):
        v[f"product_{k}_share"] = float(shares[k - 1])
        v[f"product_{k}_price_usd_per_kg"] = rng.uniform(1, 100)
    return v


def engine(v: dict[str, Any]) -> dict[str, np.ndarray]:
    arrays = {k: np.atleast_2d(np.asarray(x, dtype=float)) for k, x in v.items()}
    return evaluate_model(PROJECT, arrays, START, N)


@pytest.mark.parametrize("seed", range(40))
def test_engine_matches_an_independent_model(seed: int) -> None:
    v = random_inputs(np.random.default_rng(seed))
    ref = reference_cash_flow(v)
    got = engine(v)
    scale = v["capex_usd"] * (1 + v["inflation_rate"]) ** N * 10
    np.testing.assert_allclose(got["tax_usd_per_yr"][0], ref["tax"], rtol=1e-9, atol=1e-9 * scale)
    np.testing.assert_allclose(
        got["net_cash_flow_usd_per_yr"][0], ref["net_cash_flow"], rtol=1e-9, atol=1e-9 * scale
    )
    assert got["npv_usd"][0, 0] == pytest.approx(ref["npv"], rel=1e-9, abs=1e-9 * scale)
    assert got["loss_pool_usd"][0, -1] == pytest.approx(ref["pool"], rel=1e-9, abs=1e-9 * scale)
    np.testing.assert_allclose(
        got["equity_cash_flow_usd_per_yr"][0], ref["equity_cash_flow"], rtol=1e-9, atol=1e-9 * scale
    )
    assert got["fiscal_cost_usd"][0, 0] == pytest.approx(
        reference_fiscal_cost(v), rel=1e-9, abs=1e-9 * scale
    )
    # Every check of the model passes, the plug-back checks included.
    checks = [i.key for i in PROJECT.items if i.role == "check"]
    assert all(got[k][0, 0] == 1 for k in checks), [k for k in checks if got[k][0, 0] != 1]


@pytest.mark.parametrize("seed", range(12))
def test_solved_metrics_zero_the_independent_npv(seed: int) -> None:
    """Plug the engine's levelized cost and breakeven subsidy into the
    independent model: its NPV is 0 (to the solve's tolerance)."""
    v = random_inputs(np.random.default_rng(100 + seed))
    got = engine(v)
    scale = v["capex_usd"] * (1 + v["inflation_rate"]) ** N
    lcop = float(got["levelized_cost_usd_per_kg"][0, 0])
    if math.isfinite(lcop):
        at = dict(
            v,
            production_subsidy_usd_per_kg=0.0,
            strike_price_usd_per_kg=0.0,
            price_escalation_rate=0.0,
            import_tariff_rate=0.0,
        )
        at |= {f"product_{k}_share": 0.0 for k in (1, 2, 3)}
        at["benchmark_cost_usd_per_kg"] = lcop
        assert reference_cash_flow(at)["npv"] == pytest.approx(0.0, abs=1e-7 * scale)
    bes = float(got["breakeven_subsidy_usd_per_kg"][0, 0])
    if math.isfinite(bes):  # with no other support
        at = dict(v, **SWITCHES)
        at["production_subsidy_usd_per_kg"] = bes
        assert reference_cash_flow(at)["npv"] == pytest.approx(0.0, abs=1e-7 * scale)


def test_tax_worked_example() -> None:
    """The example of econ.model.definition.tax: losses -100, +60, +60 at 20 %."""
    base = random_inputs(np.random.default_rng(0))
    # Drive taxable income directly: no depreciation, costs, royalty, ...
    v = dict(
        base,
        capex_usd=0.0,
        fixed_opex_usd_per_yr=0.0,
        sustaining_capex_share_per_yr=0.0,
        working_capital_share=0.0,
        salvage_share=0.0,
        decommissioning_share=0.0,
        royalty_share=0.0,
        royalty_usd_per_kg=0.0,
        inflation_rate=0.0,
        price_escalation_rate=0.0,
        production_subsidy_usd_per_kg=0.0,
        tax_rate=0.2,
        loss_offset_cap_share=1.0,
        learning_rate=0.0,
        learning_floor_usd_per_kg=0.0,
        capacity_t_per_yr=1.0,
        ramp_up_yr=1.0,
        first_production_year=START,
        construction_start_year=START,
        plant_life_yr=30,
        domestic_cost_usd_per_kg=100.0,
        fx_path_rub_per_usd=80.65,
        loan_share=0.0,
        **{f"product_{k}_share": 0.0 for k in (1, 2, 3)},
    )
    v |= SWITCHES
    # Income per year = (price - 100) x 1,000 kg: -100 k, +60 k, +60 k, then 0.
    price = [0.0, 160.0, 160.0] + [100.0] * (N - 3)
    v["benchmark_cost_usd_per_kg"] = price
    for credit, expected in ((0.0, [0.0, 0.0, 4e3]), (1.0, [-20e3, 12e3, 12e3])):
        got = engine(dict(v, loss_credit_flag=credit))
        np.testing.assert_allclose(got["tax_usd_per_yr"][0, :3], expected, atol=1e-6)


ISSUE_EFFECTS = [
    # (seed, overrides, metric, the issue's figure, digits it was given to)
    ("magnets_plant", {"learning_share": 0.4}, "lcop", 0.17, 0.005),
    ("solikamsk_separation", {"learning_share": 0.4}, "lcop", 0.08, 0.005),
    ("magnets_plant", {"rub": 100.0}, "npv", 70e6, 0.5e6),
    ("solikamsk_separation", {"rub": 100.0}, "npv", 58e6, 0.5e6),
    (
        "solikamsk_separation",
        {
            "product_1_share": 0.2,
            "product_1_price_usd_per_kg": 80.0,
            "product_2_share": 0.8,
            "product_2_price_usd_per_kg": 2.0,
        },
        "npv",
        76e6,
        0.5e6,
    ),
    ("magnets_plant", {"royalty_share": 0.05}, "lcop", 0.053, 0.0005),
    ("magnets_plant", {"working_capital_share": 0.15}, "npv", -7.4e6, 0.05e6),
    ("solikamsk_separation", {"working_capital_share": 0.15}, "npv", -4.6e6, 0.05e6),
]


@pytest.mark.parametrize(("seed", "overrides", "metric", "figure", "half_digit"), ISSUE_EFFECTS)
def test_effects_the_issue_measured(
    seed: str, overrides: dict[str, float], metric: str, figure: float, half_digit: float
) -> None:
    """Issue 11 measured these with an independent model (losses credited at
    once); econ reproduces each to the digits given."""
    # The seeds as the issue measured them: losses credited at once, none of
    # the conventions the seeds have since taken up.
    then = {
        "loss_credit_flag": 1.0,
        "loss_offset_cap_share": 1.0,
        "working_capital_share": 0.0,
        "sustaining_capex_share_per_yr": 0.0,
        **{f"product_{k}_share": 0.0 for k in (1, 2, 3)},
    }
    scenario = vary(econ.load_scenario(ROOT / "seeds" / f"{seed}.toml"), then.items())
    overrides = dict(overrides)
    if "rub" in overrides:  # 70 % of every cost in rubles, the ruble at 100 instead of 80.65
        rate = overrides.pop("rub")
        overrides = {f"{k}_rub_share": 0.7 for k in ("variable_cost", "fixed_cost", "capex")}
        overrides["fx_path_rub_per_usd"] = rate
    base, alt = econ.evaluate(scenario), econ.evaluate(vary(scenario, overrides.items()))
    if metric == "npv":
        effect = float(alt.metric("npv_usd")[0] - base.metric("npv_usd")[0])
    else:
        key = "levelized_cost_usd_per_kg"
        effect = float(alt.metric(key)[0] / base.metric(key)[0] - 1)
    assert abs(effect - figure) <= half_digit + 1e-12


@pytest.mark.parametrize("seed", ["solikamsk_separation", "magnets_plant"])
def test_each_breakeven_size_zeroes_the_independent_npv(seed: str) -> None:
    """Every instrument's breakeven size, plugged into the independent model
    alone (no other support), gives NPV 0; its fiscal cost at that size is
    the independent model's."""
    from econ.analysis.instruments import compare_instruments

    scenario = econ.load_scenario(ROOT / "seeds" / f"{seed}.toml")
    v = {k: a.value for k, a in scenario.assumptions.items()}
    if "capex_rub" in v:
        v["capex_usd"] = v.pop("capex_rub") / v["fx_rub_per_usd"]
    # The solikamsk seed's imported equipment pays no duty: give it some so
    # duty relief has something to relieve.
    terms = {"import_duty_rate": 0.1, "imported_equipment_share": 0.5, "loan_share": 0.4}
    v |= terms
    scenario = scenario.with_values(**terms)
    rows = compare_instruments(scenario)
    scale = v["capex_usd"]
    n, start = scenario.horizon_yr, scenario.start_year
    solved = 0
    for row in rows:
        if not row.solved:
            continue
        at = dict(v, **SWITCHES)
        at[row.size_key] = row.size
        ref = reference_cash_flow(at, start, n)
        assert ref["npv"] == pytest.approx(0.0, abs=1e-6 * scale), row.name
        assert row.fiscal_cost_usd == pytest.approx(
            reference_fiscal_cost(at, start, n), rel=1e-9, abs=1e-6 * scale
        ), row.name
        solved += 1
    assert solved >= 5
    assert any(r.feasible for r in rows)
    costs = [r.fiscal_cost_usd for r in rows if r.feasible]
    assert costs == sorted(costs)


@pytest.mark.parametrize("price", [105.0, 108.0, 110.0, 112.0])
def test_tax_holiday_breakeven_is_the_fewest_whole_years(price: float) -> None:
    """The tax holiday is sized in whole years: the fewest years from the first
    taxable profit at which the independent model's NPV is at least 0, a year
    fewer leaving it below 0 (or none needed); n/a when even the whole horizon
    leaves it below 0. Its fiscal cost is the independent model's tax forgone."""
    from econ.analysis.instruments import compare_instruments

    scenario = econ.load_scenario(ROOT / "seeds" / "magnets_plant.toml").with_values(
        benchmark_cost_usd_per_kg=price
    )
    v = {k: a.value for k, a in scenario.assumptions.items()}
    n, start = scenario.horizon_yr, scenario.start_year
    row = {r.name: r for r in compare_instruments(scenario)}["tax_holiday"]

    def npv(years: int) -> float:
        return reference_cash_flow({**v, **SWITCHES, "tax_holiday_yr": years}, start, n)["npv"]

    tolerance = 1e-9 * v["capex_usd"]
    if not row.solved:
        assert npv(n) < -tolerance
        return
    years = int(row.size)
    assert row.size == years and 0 <= years <= n
    assert npv(years) >= -tolerance
    assert years == 0 or npv(years - 1) < 0
    at = {**v, **SWITCHES, "tax_holiday_yr": years}
    assert row.fiscal_cost_usd == pytest.approx(
        reference_fiscal_cost(at, start, n), rel=1e-9, abs=1e-6 * v["capex_usd"]
    )


def test_an_instrument_with_nothing_to_act_on_says_so() -> None:
    """The seeds are equity-financed: an interest-rate subsidy has no loan to act on
    and the comparison says so instead of "no size breaks it even"; given a loan,
    the same row is solved (its size zeroes the independent NPV above)."""
    from econ.analysis.instruments import compare_instruments

    scenario = econ.load_scenario(ROOT / "seeds" / "magnets_plant.toml")
    assert scenario.value("loan_share") == 0
    rows = {r.name: r for r in compare_instruments(scenario)}
    assert "commercial loan" in rows["interest_subsidy"].not_applicable
    assert not rows["interest_subsidy"].solved
    assert rows["duty_relief"].not_applicable == ""  # the seed gives a duty and imports
    with_loan = scenario.with_values(loan_share=0.5)
    loaned = {r.name: r for r in compare_instruments(with_loan)}
    assert loaned["interest_subsidy"].not_applicable == ""
    # ... and it acts: the whole loan rate paid by the state raises the NPV to equity.
    npv = [
        float(econ.evaluate(with_loan.with_values(interest_subsidy_rate=s)).metric("npv_usd")[0])
        for s in (0.0, with_loan.value("loan_rate"))
    ]
    assert npv[1] > npv[0]
    no_duty = scenario.with_values(import_duty_rate=0.0)
    assert "duty" in {r.name: r for r in compare_instruments(no_duty)}["duty_relief"].not_applicable
