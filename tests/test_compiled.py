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
from econ.model.expr import Binary, Const, Expr, Func, Prev, Ref
from econ.model.schema import InputSpec, LineItem, Model

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


def _tiny_model(items: list[tuple[str, Expr]]) -> Model:
    return Model(
        "tiny",
        "Tiny",
        (InputSpec("add", "Add", "1", "An amount a year.", per_year=True),),
        (),
        tuple(LineItem(key, key, "1", expr, "An item.") for key, expr in items),
    )


def _evaluate_both(
    model: Model, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    inputs = {"add": np.array([[1.0, 2.0, 3.0, 4.0]])}
    compiled = evaluate_mod.evaluate_model(model, inputs, 2025, 4)
    monkeypatch.setattr(evaluate_mod, "COMPILE_BALANCES", False)
    interpreted = evaluate_mod.evaluate_model(model, inputs, 2025, 4)
    return compiled, interpreted


def test_any_constant_as_interpreted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Constants the generated code once wrote as bad source (n/a and
    infinities: ``nan`` is no Python name) or as another type (an integer
    constant is an integer array in the interpreter: ``10 ^ 19`` wraps)."""
    zero = Const(0.0)
    model = _tiny_model(
        [
            ("from_na", Prev(Ref("from_na"), Const(float("nan"))) + Ref("add")),
            ("capped", Func("MIN", (Prev(Ref("capped"), zero) + Ref("add"), Const(float("inf"))))),
            ("floor", Func("MAX", (Prev(Ref("floor"), zero) - Ref("add"), Const(float("-inf"))))),
            ("wraps", Prev(Ref("wraps"), zero) + Binary("^", Const(10), Const(19))),  # type: ignore[arg-type]
        ]
    )
    compiled, interpreted = _evaluate_both(model, monkeypatch)
    _assert_identical(compiled, interpreted)
    assert np.isnan(compiled["from_na"]).all() and compiled["capped"][0, -1] == 10.0
    assert compiled["wraps"][0, 0] != 1e19  # the interpreter's integer power wrapped


def test_keys_that_are_no_identifiers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two items whose keys differ only in characters an identifier cannot
    hold, and a key no identifier may contain, in one balance."""
    zero = Const(0.0)
    model = _tiny_model(
        [
            ("x-1", Prev(Ref("x.1"), zero) + 1.0),
            ("x.1", Prev(Ref("x-1"), zero) + Ref("add")),
            ("x²", Prev(Ref("x²"), zero) + Ref("x-1")),
        ]
    )
    compiled, interpreted = _evaluate_both(model, monkeypatch)
    _assert_identical(compiled, interpreted)
    assert compiled["x-1"].tolist() == [[1.0, 2.0, 4.0, 6.0]]


def test_same_expressions_other_items() -> None:
    """A balance whose expressions (the same objects) belong to other items
    is compiled for those items, not served from the first one's code."""
    zero = Const(0.0)
    exprs = [Prev(Ref("c"), zero) + 1.0, Prev(Ref("a"), zero) + 2.0, Prev(Ref("b"), zero) + 3.0]

    def run(keys: list[str]) -> dict[str, list[list[float]]]:
        out = {k: np.empty((1, 3), order="F") for k in keys}
        compile_balance(keys, exprs, frozenset())({}, out, 3)
        return {k: out[k].tolist() for k in sorted(out)}

    assert run(["a", "b", "c"]) == {
        "a": [[1.0, 4.0, 6.0]],
        "b": [[2.0, 3.0, 6.0]],
        "c": [[3.0, 5.0, 6.0]],
    }
    assert run(["b", "c", "a"]) == {
        "a": [[3.0, 4.0, 6.0]],
        "b": [[1.0, 3.0, 6.0]],
        "c": [[2.0, 5.0, 6.0]],
    }
