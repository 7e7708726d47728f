"""The compiled kernels (econ.model.kernel) against the numpy backend they
stand in for: every line item of every seed with the instrument comparison,
Monte Carlo draws, and each node's n/a rules on hostile values, equal to
rounding (a kernel adds a row year by year, numpy pairwise; libm's ``pow``
and numpy's differ in the last bit). And what happens when a kernel cannot
be built: numpy evaluates, the values do not change."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import econ
from econ import native
from econ.analysis.instruments import with_comparison
from econ.analysis.montecarlo import sample_inputs
from econ.model import evaluate as evaluate_mod
from econ.model import kernel
from econ.model.expr import (
    CHECK_TOLERANCE,
    And,
    At,
    Binary,
    Check,
    Const,
    CumSum,
    Expr,
    FirstYearWhere,
    Flag,
    Func,
    Irr,
    Last,
    Log,
    Max,
    Min,
    Prev,
    Ref,
    RowMax,
    SafeDiv,
    Sum,
    SumProduct,
)
from econ.model.schema import Constant, InputSpec, LineItem, Model

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.toml"))

# Under CI=true a missing compiler fails these tests (scripts/system-deps.sh installs gcc).
pytestmark = pytest.mark.skipif(
    not kernel.available() and os.environ.get("CI") != "true", reason="no C compiler (gcc)"
)


def _close(
    a: dict[str, np.ndarray], b: dict[str, np.ndarray], model: Model, rtol: float = 1e-12
) -> None:
    """Same keys, same shapes once broadcast, n/a and infinities in the same
    places, values within ``rtol`` of the largest magnitude among the items
    of the same unit (a plug-back NPV of about 0 USD is as exact as the
    hundreds of millions of USD it sums)."""
    assert a.keys() == b.keys()
    units = {i.key: i.unit for i in model.items}
    scales: dict[str, float] = {}
    for key, x in a.items():
        finite = np.abs(x[np.isfinite(x)])
        unit = units.get(key, key)
        scales[unit] = max(scales.get(unit, 1.0), float(np.max(finite, initial=0.0)))
    differ = []
    for key in a:
        x, y = np.broadcast_arrays(a[key], b[key])
        if not np.array_equal(np.isnan(x), np.isnan(y)):
            differ.append(f"{key}: n/a in other places")
            continue
        finite = np.isfinite(x) & np.isfinite(y)
        if not np.array_equal(x[~finite & ~np.isnan(x)], y[~finite & ~np.isnan(y)]):
            differ.append(f"{key}: infinities differ")
            continue
        scale = scales[units.get(key, key)]
        worst = float(np.max(np.abs(x[finite] - y[finite]), initial=0.0))
        if worst > rtol * scale:
            differ.append(f"{key}: {worst:.3g} apart (scale {scale:.3g})")
    assert not differ, f"kernel and numpy values differ: {differ[:10]}"


def _both(
    scenario: econ.Scenario, overrides: dict[str, np.ndarray] | None
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    built = len(kernel.FAILURES)
    compiled = econ.evaluate(scenario, overrides, kernels=True).values
    assert kernel.FAILURES[built:] == [] or all(
        f.startswith("Unsupported") for f in kernel.FAILURES[built:]
    ), kernel.FAILURES[built:]
    numpy_values = econ.evaluate(scenario, overrides, kernels=False).values
    return compiled, numpy_values


@pytest.mark.parametrize("path", SEEDS, ids=[p.stem for p in SEEDS])
def test_seed_with_comparison(path: Path) -> None:
    """Every line item of every seed, with every instrument's solve and
    plug-back block (balances, loss pools, debt schedules)."""
    scenario = with_comparison(econ.load_scenario(path))
    draws = sample_inputs(scenario, 64, seed=3)
    compiled, numpy_values = _both(scenario, draws)
    _close(compiled, numpy_values, scenario.model)


@pytest.mark.parametrize("name", ["magnets_plant", "national_ree_gap"])
def test_monte_carlo_metrics(name: str) -> None:
    """The metrics a Monte Carlo run asks for (the kernel writes only them)."""
    scenario = econ.load_scenario(SEEDS[0].parent / f"{name}.toml")
    draws = sample_inputs(scenario, 3_000, seed=11)
    metrics = [i.key for i in scenario.model.items_with("metric")]
    a = econ.evaluate(scenario, draws, items=metrics, kernels=True).values
    b = econ.evaluate(scenario, draws, items=metrics, kernels=False).values
    _close(a, b, scenario.model)
    assert set(metrics) <= a.keys()
    # Only what was asked for comes back, whichever backend ran.
    assert a.keys() == b.keys()


def test_backend_choice_holds_for_every_chunk() -> None:
    """A scenario's values do not depend on how a call is split into
    chunks: the choice of backend is the call's, not the chunk's."""
    scenario = econ.load_scenario(SEEDS[0].parent / "magnets_plant.toml")
    draws = sample_inputs(scenario, 5_000, seed=5)
    model = scenario.model
    arrays = dict(econ.engine.scenario_arrays([scenario]))
    arrays.update(draws)
    whole = evaluate_mod.evaluate_model(model, arrays, scenario.start_year, 30)
    parts = evaluate_mod.evaluate_model(model, arrays, scenario.start_year, 30, chunk=777)
    for key in whole:
        assert np.array_equal(whole[key], parts[key], equal_nan=True), key


# -- nodes on hostile values ---------------------------------------------------

N_YEARS = 6


def _model(items: list[tuple[str, Expr]]) -> Model:
    return Model(
        "nodes",
        "Nodes",
        (
            InputSpec("a", "A", "1", "A value a year.", per_year=True),
            InputSpec("b", "B", "1", "Another value a year.", per_year=True),
            InputSpec("k", "K", "1", "A value per scenario."),
        ),
        (Constant(CHECK_TOLERANCE, "Check tolerance", "1", 1e-9, "Relative tolerance."),),
        tuple(LineItem(key, key, UNITS.get(key, "1"), expr, "An item.") for key, expr in items),
    )


#: Units of the node items that are not plain numbers (a row summed over the
#: years is a number of years' worth; a year found is a calendar year).
UNITS = {
    "cum": "yr",
    "total": "yr",
    "dot": "yr",
    "last": "yr",
    "first": "year",
    "pool_total": "yr",
    "y": "yr",
}


def _hostile(rows: int) -> dict[str, np.ndarray]:
    """Values that exercise every rule: n/a, zeros, negatives, infinities,
    ties and ordinary numbers."""
    rng = np.random.default_rng(42)
    pool = np.array([np.nan, 0.0, -0.0, 1.0, -1.0, 2.5, -3.0, np.inf, -np.inf, 1e300, 1e-300])
    a = rng.choice(pool, size=(rows, N_YEARS))
    b = rng.choice(pool, size=(rows, N_YEARS))
    ordinary = rng.random((rows, N_YEARS)) < 0.5
    a[ordinary] = rng.normal(0, 10, ordinary.sum())
    b[ordinary] = rng.normal(0, 10, ordinary.sum())
    k = rng.choice(pool, size=rows)
    return {"a": a, "b": b, "k": k}


NODE_ITEMS: list[tuple[str, Expr]] = [
    ("add", Ref("a") + Ref("b")),
    ("sub", Ref("a") - Ref("k")),
    ("mul", Ref("a") * Ref("b")),
    ("div", Ref("a") / Ref("b")),
    ("pow", Binary("^", Ref("a"), Ref("b"))),
    ("ratio", SafeDiv(Ref("a"), Ref("b"))),  # n/a where b is 0
    ("lt", Flag(Ref("ratio") < Ref("k"))),  # n/a propagates through a comparison
    ("gt_plain", Ref("a") > Ref("b")),
    ("eq", Binary("=", Ref("a"), Ref("b"))),
    ("ne", Binary("<>", Ref("ratio"), Ref("b"))),
    ("le", Binary("<=", Ref("ratio"), Const(0.0))),
    ("ge", Binary(">=", Ref("a"), Ref("k"))),
    ("both", And(Ref("ratio") > 0.0, Ref("b") < 1.0)),
    ("pick", Func("IF", (Ref("ratio"), Ref("a"), Ref("b")))),
    ("biggest", Max(Ref("a"), Ref("b"), Ref("k"))),
    ("smallest", Min(Ref("ratio"), 0.0)),
    ("log", Log(Ref("a"), 10.0)),
    ("abs", Func("ABS", (Ref("ratio"),))),
    ("cum", CumSum(Ref("a"))),
    ("lag", Prev(Ref("ratio"), Const(0.5))),
    ("total", Sum(Ref("ratio"))),
    ("dot", SumProduct(Ref("a"), Ref("b"))),
    ("at", At(Ref("a"), Ref("eq"))),
    ("last", Last(Ref("cum"))),
    ("peak", RowMax(Ref("ratio"))),
    ("first", FirstYearWhere(Ref("lt"))),
    ("ok", Check(Ref("a"), Ref("b"))),
    ("ok_scaled", Check(Ref("ratio"), Ref("a"), Ref("k"))),
    ("ok_row", Check(Ref("a"), Ref("ratio"), Ref("b"))),
    ("irr", Irr(Ref("a"))),  # not taken by kernels: numpy, between two kernels
    ("after_irr", Ref("irr") * Ref("k") + Ref("a")),
    # A balance: a pool fed by the year's value, drawn down by half of it.
    ("drawn", Min(Prev(Ref("pool"), 0.0), Max(Ref("add") * 0.5, 0.0))),
    ("pool", Prev(Ref("pool"), 0.0) + Max(Ref("a"), 0.0) - Ref("drawn")),
    ("pool_total", Sum(Ref("pool"))),
]


def _node_model() -> Model:
    return _model(NODE_ITEMS)


@pytest.mark.parametrize("rows", [1, 5, 3_000])
def test_every_node_on_hostile_values(rows: int) -> None:
    model = _node_model()
    inputs = _hostile(rows)
    with np.errstate(all="ignore"):
        a = evaluate_mod.evaluate_model(model, inputs, 2025, N_YEARS, kernels=True)
        b = evaluate_mod.evaluate_model(model, inputs, 2025, N_YEARS, kernels=False)
    _close(a, b, model)
    # The hostile values reach every rule.
    assert np.isnan(a["lt"]).any() and (a["lt"] == 1.0).any() and (a["lt"] == 0.0).any()
    assert (np.isnan(a["first"]).any() and np.isfinite(a["first"]).any()) or rows < 100
    assert np.isinf(a["div"]).any() or rows < 100


def test_the_kernel_was_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernels run (not a silent fallback), and the group they do not
    take (the IRR) splits them."""
    made: list[kernel.Kernel] = []
    original = kernel.Kernel.__call__

    def spy(self: kernel.Kernel, *args: Any) -> object:
        made.append(self)
        return original(self, *args)

    monkeypatch.setattr(kernel.Kernel, "__call__", spy)
    with np.errstate(all="ignore"):
        evaluate_mod.evaluate_model(_node_model(), _hostile(50), 2025, N_YEARS, kernels=True)
    produced = {key for k in made for key in k.outputs}
    assert {"add", "pool", "irr", "after_irr"} <= produced
    assert len(made) == 1


def test_irr_and_sums_exactly_as_numpy() -> None:
    """An IRR of a cash flow changing sign once takes econ.finance.irr's
    steps, and a row's sum numpy's order: the same values to the last bit.
    Rows changing sign more than once are flagged and given numpy's values."""
    rng = np.random.default_rng(7)
    rows = 4_000
    a = rng.normal(30.0, 20.0, (rows, N_YEARS))
    a[:, 0] = -rng.uniform(50.0, 150.0, rows)  # invest, then mostly income
    b = rng.normal(0.0, 1.0, (rows, N_YEARS))
    model = _model([("irr", Irr(Ref("a"))), ("total", Sum(Ref("b"))), ("twice", Ref("irr") * 2.0)])
    inputs = {"a": a, "b": b, "k": np.zeros(rows)}
    with np.errstate(all="ignore"):
        got = evaluate_mod.evaluate_model(model, inputs, 2025, N_YEARS, kernels=True)
        want = evaluate_mod.evaluate_model(model, inputs, 2025, N_YEARS, kernels=False)
    changes = (np.diff(np.sign(a), axis=1) != 0).sum(axis=1)
    assert (changes == 1).sum() > 1_000 and (changes > 1).sum() > 100  # both kinds
    for key in ("irr", "total", "twice"):
        assert np.array_equal(got[key], want[key], equal_nan=True), key


def test_without_a_compiler_numpy_evaluates(monkeypatch: pytest.MonkeyPatch) -> None:
    """No compiler on the path: the numpy backend gives the values."""
    monkeypatch.setenv("CC", "/nonexistent/cc")
    assert not kernel.available()
    inputs = _hostile(3_000)
    with np.errstate(all="ignore"):
        a = evaluate_mod.evaluate_model(_node_model(), inputs, 2025, N_YEARS)
        b = evaluate_mod.evaluate_model(_node_model(), inputs, 2025, N_YEARS, kernels=False)
    for key in a:
        assert np.array_equal(a[key], b[key], equal_nan=True), key


def test_switched_off_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECON_KERNELS", "off")
    assert not kernel.available()


def test_the_model_core_compiles_nothing_itself() -> None:
    """Compiling writes files: econ.native does it, registered with the pure
    core when econ is imported."""
    import ast

    source = Path(kernel.__file__).read_text(encoding="utf-8")
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in (
            node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
        )
    }
    assert not imported & {"subprocess", "ctypes", "tempfile", "shutil"}
    assert kernel.COMPILER[0] is native.compile_kernel


def test_a_kernel_that_fails_to_build_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """A compiler error (here a flag it refuses) is recorded, and numpy
    evaluates those groups: the values are numpy's, exactly."""
    monkeypatch.setattr(native, "CFLAGS", [*native.CFLAGS, "--no-such-flag"])
    monkeypatch.setattr(kernel, "_KERNELS", {})
    model = _model([("x", Ref("a") * 3.0 + Ref("k")), ("y", Sum(Ref("x")))])
    inputs = _hostile(100)
    before = len(kernel.FAILURES)
    with np.errstate(all="ignore"):
        a = evaluate_mod.evaluate_model(model, inputs, 2025, N_YEARS, kernels=True)
        b = evaluate_mod.evaluate_model(model, inputs, 2025, N_YEARS, kernels=False)
    assert any("CompileError" in f for f in kernel.FAILURES[before:])
    for key in a:
        assert np.array_equal(a[key], b[key], equal_nan=True), key


def test_libraries_kept_in_the_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A built kernel is kept under the cache folder and reused; a symlink
    planted under its name is not loaded but replaced by a fresh build."""
    folder = tmp_path / "lib"
    folder.mkdir()
    text, _, _ = kernel.source(
        [[LineItem("x", "x", "1", Ref("k") * 2.0, "An item.", shape="scalar")]],
        [False],
        {"k": "s", "year": "y", CHECK_TOLERANCE: "c"},
        ["x"],
        frozenset(),
    )
    lib = native.build(text, folder)
    assert lib.parent == folder and lib.is_file() and not lib.is_symlink()
    stamp = lib.stat().st_mtime_ns
    assert native.build(text, folder) == lib and lib.stat().st_mtime_ns == stamp  # reused
    bogus = tmp_path / "bogus.so"
    bogus.write_bytes(b"not a library")
    lib.unlink()
    lib.symlink_to(bogus)
    rebuilt = native.build(text, folder)
    assert rebuilt == lib and not lib.is_symlink() and lib.stat().st_size > 1_000
    k = kernel.Kernel(native.load(rebuilt), ["k"], ["x"], [False])
    out = k({"k": np.array([[1.5], [2.0]])}, 2, 3)
    assert out["x"].tolist() == [[3.0], [4.0]]


def test_cache_folder_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernels folder under ECON_CACHE_DIR is used when it is this
    user's and no one else can write to it; otherwise the process's own."""
    from econ import cache

    monkeypatch.setenv("ECON_CACHE_DIR", str(tmp_path))
    cache.kernel_folder.cache_clear()
    try:
        assert cache.kernel_folder() == tmp_path / "kernels"
        assert (tmp_path / "kernels").stat().st_mode & 0o077 == 0
        cache.kernel_folder.cache_clear()
        os.chmod(tmp_path / "kernels", 0o777)
        assert cache.kernel_folder() == native.process_folder()
    finally:
        cache.kernel_folder.cache_clear()


def test_the_first_compilation_is_announced_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line says what the pause is before the first compilation
    of a process (on a terminal), and only once."""
    said: list[str] = []
    monkeypatch.setattr(native, "NOTICE", [lambda: said.append("compiling")])
    monkeypatch.setattr(native, "_NOTICED", [])
    kinds = {"k": "s", "year": "y", CHECK_TOLERANCE: "c"}
    for factor in (2.0, 3.0):
        item = LineItem("x", "x", "1", Ref("k") * factor, "An item.", shape="scalar")
        text, _, _ = kernel.source([[item]], [False], kinds, ["x"], frozenset())
        native.build(text, tmp_path)
    assert said == ["compiling"] and len(list(tmp_path.glob("k_*.so"))) == 2
