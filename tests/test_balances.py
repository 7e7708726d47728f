"""Balances carried from year to year (``Prev``): a tax-loss pool.

A row may read its own previous-year value; such items are evaluated year by
year in numpy and written as one formula along the row that reads the cell to
its left in the workbook. Expected values: a plain Python loop written from
the rule (independent implementation), and four spreadsheet engines'
recalculation of the workbook.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import numpy as np
import pytest

import econ
from econ.excel import write_workbook
from econ.excel.engines import ENGINES, agree, missing, recalculate
from econ.model.expr import Check, Max, Min, Prev, Ref, Sum, SumProduct
from econ.model.schema import Constant, InputSpec, LineItem, Model, Solve
from econ.scenario import Assumption, Scenario, Source
from tests.conftest import skip_or_fail

R = Ref


def loss_model() -> Model:
    """Profit tax with losses carried forward, capped at a share of each
    year's profit (Russia's 50 % rule is the usual example)."""
    inputs = (
        InputSpec("price_usd_per_kg", "Price", "USD/kg", "Sale price.", minimum=0),
        InputSpec("volume_kg_per_yr", "Volume", "kg/yr", "Output.", minimum=0, per_year=True),
        InputSpec("cost_usd_per_yr", "Cost", "USD/yr", "Cost a year.", per_year=True),
        InputSpec("tax_rate", "Tax", "1", "Profit tax.", 0, 1, max_open=True),
        InputSpec("loss_offset_cap_share", "Cap", "1", "Share of profit losses offset.", 0, 1),
        InputSpec("discount_rate", "Rate", "1", "Discount rate.", 0, 1, max_open=True),
    )
    consts = (
        Constant("check_tolerance", "Tolerance", "1", 1e-9, "Software setting."),
        Constant("year_length_yr", "Year", "yr", 1.0, "One timeline period."),
    )
    items = (
        LineItem("income_usd_per_yr", "Income", "USD/yr",
                 R("price_usd_per_kg") * R("volume_kg_per_yr") - R("cost_usd_per_yr"),
                 "Taxable income before losses."),
        LineItem("profit_usd_per_yr", "Profit", "USD/yr", Max(R("income_usd_per_yr"), 0),
                 "The positive part of income."),
        LineItem("loss_usd_per_yr", "Loss", "USD/yr", Max(-R("income_usd_per_yr"), 0),
                 "The negative part of income."),
        LineItem("loss_used_usd_per_yr", "Losses offset", "USD/yr",
                 Min(Prev(R("loss_pool_usd"), 0) / R("year_length_yr"),
                     R("loss_offset_cap_share") * R("profit_usd_per_yr")),
                 "Losses brought forward that offset this year's profit, up to the cap."),
        LineItem("loss_pool_usd", "Losses carried forward", "USD",
                 Prev(R("loss_pool_usd"), 0)
                 + (R("loss_usd_per_yr") - R("loss_used_usd_per_yr")) * R("year_length_yr"),
                 "Unused losses at the end of the year."),
        LineItem("tax_usd_per_yr", "Tax", "USD/yr",
                 R("tax_rate") * (R("profit_usd_per_yr") - R("loss_used_usd_per_yr")),
                 "Tax on profit after losses brought forward."),
        LineItem("cash_usd_per_yr", "Cash flow", "USD/yr",
                 R("income_usd_per_yr") - R("tax_usd_per_yr"), "Income after tax."),
        LineItem("discount_factor", "Discount factor", "1",
                 (1 + R("discount_rate")) ** -R("period"), "End of year.", display="factor"),
        LineItem("npv_usd", "NPV", "USD", SumProduct(R("cash_usd_per_yr"), R("discount_factor")),
                 "Net present value.", "scalar", "metric"),
        LineItem("check_losses", "Losses used <= losses made", "1",
                 Check(Sum(R("loss_usd_per_yr")) - Sum(R("loss_used_usd_per_yr")),
                       Sum(R("loss_usd_per_yr")) - Sum(R("loss_used_usd_per_yr")) * 1),
                 "Identity.", "scalar", "check", display="flag"),
    )  # fmt: skip
    solve = Solve(
        "breakeven_price_usd_per_kg",
        "Breakeven price",
        "USD/kg",
        "Price at which NPV is 0.",
        "npv_usd",
        "price_usd_per_kg",
        R("price_usd_per_kg"),
        Sum(R("cost_usd_per_yr")),
        "bep",
    )
    return Model("balances", "Loss pool", inputs, consts, items, solves=(solve,))


COST = (500.0, 400.0, 300.0, 300.0, 300.0, 300.0, 300.0, 300.0)
VOLUME = (0.0, 10.0, 20.0, 40.0, 60.0, 60.0, 60.0, 60.0)


def scenario(model: Model, cap: float = 0.5, price: float = 12.0) -> Scenario:
    values = {
        "price_usd_per_kg": price,
        "volume_kg_per_yr": VOLUME,
        "cost_usd_per_yr": COST,
        "tax_rate": 0.2,
        "loss_offset_cap_share": cap,
        "discount_rate": 0.1,
    }
    assumptions = {
        k: Assumption(k, v, model.input(k).unit, Source(reason="test")) for k, v in values.items()
    }
    return Scenario(
        "balances", "Loss pool", "", model, 2025, len(COST), MappingProxyType(assumptions)
    )


def plain_loop(price: float, cap: float) -> tuple[list[float], list[float]]:
    """Tax and loss pool by the rule, one year at a time."""
    pool, taxes, pools = 0.0, [], []
    for cost, volume in zip(COST, VOLUME, strict=True):
        income = price * volume - cost
        profit, loss = max(income, 0.0), max(-income, 0.0)
        used = min(pool, cap * profit)
        pool = pool + loss - used
        taxes.append(0.2 * (profit - used))
        pools.append(pool)
    return taxes, pools


@pytest.mark.parametrize("cap", [0.0, 0.5, 1.0])
def test_a_loss_pool_matches_a_plain_loop(cap: float) -> None:
    r = econ.evaluate(scenario(loss_model(), cap))
    taxes, pools = plain_loop(12.0, cap)
    np.testing.assert_allclose(r.row("tax_usd_per_yr"), taxes, rtol=1e-12)
    np.testing.assert_allclose(r.row("loss_pool_usd"), pools, rtol=1e-12)
    assert max(pools) > 0 and (cap == 0 or min(pools[-2:]) < max(pools))


def test_many_scenarios_at_once_equal_one_by_one() -> None:
    model = loss_model()
    caps = np.array([0.0, 0.25, 0.5, 1.0])
    prices = np.array([8.0, 12.0, 20.0, 30.0])
    many = econ.evaluate(
        scenario(model), {"loss_offset_cap_share": caps, "price_usd_per_kg": prices}
    )
    for i, (cap, price) in enumerate(zip(caps, prices, strict=True)):
        taxes, _ = plain_loop(float(price), float(cap))
        np.testing.assert_allclose(many.row("tax_usd_per_yr", i), taxes, rtol=1e-12)


def test_a_price_solved_through_a_balance_plugs_back() -> None:
    """With a loss pool NPV is piecewise linear in the price: the engine solves
    it, and the price it finds gives NPV 0 when the whole model is re-run."""
    model = loss_model()
    assert model.item("breakeven_price_usd_per_kg").solved
    sc = scenario(model)
    v = econ.evaluate(sc).scalars()
    assert v["check_plug_back_breakeven_price_usd_per_kg"] == 1
    again = econ.evaluate(sc, {"price_usd_per_kg": v["breakeven_price_usd_per_kg"]})
    assert abs(again.metric("npv_usd")[0]) < 1e-9 * sum(COST)


@pytest.mark.parametrize("engine", ENGINES)
def test_every_spreadsheet_engine_carries_the_balance(engine: str, tmp_path: Path) -> None:
    problem = missing(engine)
    if problem is not None:
        skip_or_fail(problem)
    sc = scenario(loss_model())
    r = econ.evaluate(sc)
    path = write_workbook(sc, r, tmp_path / "balances.xlsx")
    import openpyxl

    wb = openpyxl.load_workbook(path)
    names = {n: d for n, d in wb.defined_names.items()}
    values = recalculate(engine, [path])[path]
    for key in ("loss_used_usd_per_yr", "loss_pool_usd", "tax_usd_per_yr"):
        (sheet, ref), = names[key].destinations  # fmt: skip
        first_row = ref.replace("$", "").split(":")[0]
        col, row = first_row.rstrip("0123456789"), first_row[len(first_row.rstrip("0123456789")) :]
        from openpyxl.utils import column_index_from_string, get_column_letter

        start = column_index_from_string(col)
        for i, expected in enumerate(r.row(key)):
            cell = f"{get_column_letter(start + i)}{row}"
            assert agree(float(expected), values[(sheet, cell)], abs_=1e-6), (engine, key, cell)
    names_master = names["master_check"].destinations
    (sheet, ref), = list(names_master)  # fmt: skip
    assert agree(1.0, values[(sheet, ref.replace("$", ""))]), engine
