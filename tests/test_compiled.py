"""The compiled balances (econ.model.compiled) against the interpreter they
replace: every line item of every seed, with the instrument comparison and
over Monte Carlo draws, identical to the last bit (the generated code calls
the same numpy operations in the same order)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import econ
from econ.analysis.instruments import with_comparison
from econ.analysis.montecarlo import sample_inputs
from econ.model import evaluate as evaluate_mod
from econ.model.compiled import compile_balance
from econ.model.expr import Const, Func, Prev, Ref

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.toml"))


def _both(
    scenario: econ.Scenario,
    overrides: dict[str, np.ndarray] | None,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    compiled = econ.evaluate(scenario, overrides).values
    monkeypatch.setattr(evaluate_mod, "COMPILE_BALANCES", False)
    interpreted = econ.evaluate(scenario, overrides).values
    monkeypatch.setattr(evaluate_mod, "COMPILE_BALANCES", True)
    return compiled, interpreted


def _assert_identical(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert a.keys() == b.keys()
    differ = [k for k in a if not np.array_equal(a[k], b[k], equal_nan=True)]
    assert not differ, f"compiled and interpreted values differ: {differ[:10]}"


@pytest.mark.parametrize("path", SEEDS, ids=[p.stem for p in SEEDS])
def test_seed_with_comparison_identical(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = with_comparison(econ.load_scenario(path))
    compiled, interpreted = _both(scenario, None, monkeypatch)
    _assert_identical(compiled, interpreted)
    # The comparison has balances (debt, tax-loss pools) in every block.
    assert scenario.model.name != "project" or len(evaluate_mod._GROUPS) > 0


@pytest.mark.parametrize("name", ["magnets_plant", "polar_lithium"])
def test_monte_carlo_draws_identical(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = econ.load_scenario(SEEDS[0].parent / f"{name}.toml")
    draws = sample_inputs(scenario, 500, seed=7)
    compiled, interpreted = _both(scenario, draws, monkeypatch)
    _assert_identical(compiled, interpreted)
    # The draws reach the balances: the loss pools differ between draws.
    pool = compiled["loss_pool_usd"]
    assert np.unique(pool).size > 100


def test_balance_against_hand_loop() -> None:
    """A capped loss carry-forward, the balance the tax block uses, against a
    plain Python loop over the years."""
    income = np.array([[-50.0, -20.0, 30.0, 80.0, 10.0], [5.0, -5.0, 5.0, -5.0, 5.0]])
    zero = Const(0.0)
    last = Prev(Ref("pool"), zero)
    used = Func("MIN", (last, Func("MAX", (Ref("income") * 0.5, zero))))
    pool = last + Func("MAX", (zero - Ref("income"), zero)) - Ref("used")
    fn = compile_balance(["used", "pool"], [used, pool], frozenset())
    out = {"used": np.empty((2, 5)), "pool": np.empty((2, 5))}
    fn({"income": income}, out, 5)
    for s in range(2):
        balance = 0.0
        for t in range(5):
            use = min(balance, max(income[s, t] * 0.5, 0.0))
            balance = balance + max(-income[s, t], 0.0) - use
            assert out["used"][s, t] == use
            assert out["pool"][s, t] == balance
