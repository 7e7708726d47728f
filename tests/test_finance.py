"""Tests of the finance the engine runs.

What is tested is what the engine computes. Discount factors, NPV and payback are
line items built from the expression nodes of ``econ.model.expr``, so they are tested
through ``evaluate`` on the same expressions as ``econ/model/definition.py`` (rebuilt
here from ``Ref``, ``SumProduct``, ``CumSum``, ``Flag``, ``FirstYearWhere``), over env
arrays of shape (S, Y) and (S, 1) with ``period = 1 .. Y``, each line item added to the
env once evaluated, as ``econ.model.evaluate`` does. IRR is the ``Irr`` node, which
calls ``econ.finance.irr``; both are tested.

Where the expected values come from:

* Microsoft's documented worked examples of Excel's ``NPV()`` and ``IRR()`` (Microsoft
  Support, "NPV function" and "IRR function"): Excel's ``NPV`` discounts every value
  to the end of its period, as the engine does;
* numpy-financial: ``npf.npv``, whose first value is undiscounted, reconciled
  explicitly (``npf.npv(r, [0, *flows])`` is the engine's NPV, ``npf.npv(r, flows)``
  is ``1 + r`` times it), including the example of its own docstring; and
  numpy-financial 1.0.0's IRR root rule, vendored in ``tests/reference/npf_irr_1_0_0.py``
  because numpy-financial's main branch has changed it since;
* a plain-Python loop, written without numpy;
* small cases computed by hand (the working is in the comments).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import ArrayLike

from econ import finance as fin
from econ.finance import irr
from econ.model.expr import CumSum, FirstYearWhere, Flag, Irr, Ref, SumProduct
from econ.model.numpy_backend import evaluate
from tests.reference import npf_irr_1_0_0

RTOL = 1e-9
START_YEAR = 2025

# --------------------------------------------------------------------------------------
# the engine's expressions (as in econ/model/definition.py)
# --------------------------------------------------------------------------------------
NCF = "net_cash_flow_usd"
ITEMS = (
    ("discount_factor", (1 + Ref("discount_rate")) ** -Ref("period")),
    ("npv_usd", SumProduct(Ref(NCF), Ref("discount_factor"))),
    ("cumulative_cash_flow_usd", CumSum(Ref(NCF))),
    ("payback_flag", Flag(Ref("cumulative_cash_flow_usd") > 0)),
    ("payback_year", FirstYearWhere(Ref("payback_flag"))),
    ("project_irr", Irr(Ref(NCF))),
)


def _engine(
    flows: ArrayLike, rate: ArrayLike = 0.0, start_year: int = START_YEAR
) -> dict[str, np.ndarray]:
    """Evaluate the cash-flow line items of ``flows`` (Y,) or (S, Y) at ``rate``
    (scalar or (S,)) as the engine does; return every row and scalar by name."""
    v = np.atleast_2d(np.asarray(flows, dtype=np.float64))
    n_years = v.shape[1]
    period = np.arange(1, n_years + 1, dtype=np.float64)[np.newaxis, :]
    env = {
        NCF: v,
        "discount_rate": np.asarray(rate, dtype=np.float64).reshape(-1, 1),
        "period": period,
        "year": period + (start_year - 1),
    }
    for key, expr in ITEMS:
        env[key] = evaluate(expr, env, n_years)
    return env


def _npv(flows: ArrayLike, rate: ArrayLike) -> np.ndarray:
    """The engine's NPV, shape (S,)."""
    return _engine(flows, rate)["npv_usd"][:, 0]


def _loop_npv(rate: float, flows: Sequence[float]) -> float:
    """Plain loop: every value at the end of its period, period 1 first."""
    total = 0.0
    for t, value in enumerate(flows, start=1):
        total += value / (1.0 + rate) ** t
    return total


def _loop_payback_year(flows: Sequence[float], start_year: int = START_YEAR) -> float:
    """Plain loop: the first year whose cumulative cash flow is > 0."""
    total = 0.0
    for t, value in enumerate(flows):
        total += value
        if total > 0:
            return float(start_year + t)
    return math.nan


# --------------------------------------------------------------------------------------
# IRR helpers
# --------------------------------------------------------------------------------------
def _npv_and_gross(rate: float, values: np.ndarray) -> tuple[float, float]:
    """NPV, and the sum of absolute discounted values (the scale of NPV's rounding)."""
    t = np.arange(values.size)
    with np.errstate(all="ignore"):
        d = (1.0 + rate) ** t
        return float(np.sum(values / d)), float(np.sum(np.abs(values) / d))


def _is_root(rate: float, values: np.ndarray, rtol: float = RTOL) -> bool:
    """Whether NPV is zero at ``rate`` to ``rtol`` of its scale, or changes sign within
    ``rtol`` (relative to 1 + rate for rates near -1) or a few ulps of ``rate``."""
    if not (math.isfinite(rate) and rate > -1.0):
        return False
    f, gross = _npv_and_gross(rate, values)
    if abs(f) <= rtol * gross:
        return True
    eps = rtol * max(1.0, abs(rate))
    if rate < 0:
        eps = min(eps, rtol * (1.0 + rate))
    eps = max(eps, 4 * abs(float(np.spacing(rate))))
    lo = max(rate - eps, float(np.nextafter(-1.0, 0.0)))
    f_lo, _ = _npv_and_gross(lo, values)
    f_hi, _ = _npv_and_gross(rate + eps, values)
    return bool(np.sign(f_lo) * np.sign(f_hi) <= 0)


def _reference_irr(values: np.ndarray) -> float:
    """numpy-financial 1.0.0's IRR (vendored), NaN where it raises."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(npf_irr_1_0_0.irr(np.asarray(values, dtype=np.float64)))
        except np.linalg.LinAlgError:
            return math.nan


def _conventional(rng: np.random.Generator, rows: int, years: int) -> np.ndarray:
    """Investment in year 1, then uncertain positive net income."""
    v = rng.uniform(0.0, 15.0, (rows, years))
    v[:, 0] = -rng.uniform(50.0, 150.0, rows)
    return v


def _with_closure(rng: np.random.Generator, rows: int, years: int) -> np.ndarray:
    """Two years of construction, income, then a closure (decommissioning) cost."""
    v = rng.uniform(0.0, 15.0, (rows, years))
    v[:, 0] = -rng.uniform(50.0, 150.0, rows)
    v[:, 1] = -rng.uniform(0.0, 50.0, rows)
    v[:, -1] = -rng.uniform(0.0, 300.0, rows)
    return v


# --------------------------------------------------------------------------------------
# discount factor: (1 + discount_rate) ** -period, period = 1 .. Y
# --------------------------------------------------------------------------------------
def test_discount_factor_hand_computed() -> None:
    df = _engine([0.0, 0.0, 0.0], 0.08)["discount_factor"]
    assert df.shape == (1, 3)
    # 1/1.08, 1/1.08**2 = 1/1.1664, 1/1.08**3 = 1/1.259712: period 1 is discounted once.
    np.testing.assert_allclose(df[0], [1 / 1.08, 1 / 1.1664, 1 / 1.259712], rtol=1e-15)
    np.testing.assert_allclose(df[0].round(6), [0.925926, 0.857339, 0.793832], rtol=0)
    # USD 1,000 at the end of each of 3 years, at 8 %: annuity factor (1 - 1.08**-3)/0.08.
    npv = _npv([1000.0, 1000.0, 1000.0], 0.08)[0]
    assert npv == pytest.approx(1000 * (1 - 1.08**-3) / 0.08, rel=1e-14)
    assert f"USD {npv:,.2f}" == "USD 2,577.10"


def test_discount_factor_one_rate_per_scenario() -> None:
    df = _engine(np.zeros((3, 4)), [0.0, 0.1, 0.5])["discount_factor"]
    assert df.shape == (3, 4)
    np.testing.assert_array_equal(df[0], 1.0)
    np.testing.assert_allclose(df[1], [1 / 1.1, 1 / 1.21, 1 / 1.331, 1 / 1.4641], rtol=1e-15)
    np.testing.assert_allclose(df[2], [1 / 1.5, 1 / 2.25, 1 / 3.375, 1 / 5.0625], rtol=1e-15)


# --------------------------------------------------------------------------------------
# NPV: SumProduct(net cash flow, discount factor)
# --------------------------------------------------------------------------------------
def test_npv_microsoft_example_all_flows_at_year_end() -> None:
    # Microsoft: NPV(0.1,-10000,3000,4200,6800) = 1188.44341233522: a 10,000 investment
    # at the end of the first year, then three years of income.
    flows = [-10000.0, 3000.0, 4200.0, 6800.0]
    assert _npv(flows, 0.1)[0] == pytest.approx(1188.44341233522, rel=1e-13)
    # numpy-financial does not discount its first value: prepend a zero "now".
    assert npf.npv(0.1, [0.0, *flows]) == pytest.approx(1188.44341233522, rel=1e-13)
    assert _loop_npv(0.1, flows) == pytest.approx(1188.44341233522, rel=1e-13)


def test_npv_microsoft_example_investment_now() -> None:
    # Microsoft: NPV(8%,8000,9200,10000,12000,14500)-40000 = 1922.06155493236: the
    # 40,000 is paid now, outside the discounted timeline, exactly as the formula says.
    incomes = [8000.0, 9200.0, 10000.0, 12000.0, 14500.0]
    env = _engine(incomes, 0.08)
    env["investment_usd"] = np.array([[40000.0]])  # a scalar: shape (S, 1)
    npv = evaluate(SumProduct(Ref(NCF), Ref("discount_factor")) - Ref("investment_usd"), env, 5)
    assert npv.shape == (1, 1)
    assert npv[0, 0] == pytest.approx(1922.06155493236, rel=1e-13)
    # numpy-financial's convention is exactly this: its first value is "now".
    assert npf.npv(0.08, [-40000.0, *incomes]) == pytest.approx(1922.06155493236, rel=1e-13)


def test_npv_numpy_financial_docstring_example() -> None:
    # numpy-financial's npv docstring: npf.npv(0.08, [-40_000, 5_000, 8_000, 12_000,
    # 30_000]).round(5) = 3065.22267, with the investment "now". On the engine's
    # timeline every flow falls one period later, so its NPV is 3065.22267 / 1.08.
    flows = [-40_000.0, 5_000.0, 8_000.0, 12_000.0, 30_000.0]
    assert npf.npv(0.08, flows).round(5) == 3065.22267
    npv = _npv(flows, 0.08)[0]
    assert round(1.08 * npv, 5) == 3065.22267
    assert npv == pytest.approx(npf.npv(0.08, flows) / 1.08, rel=1e-14)
    assert npv == pytest.approx(npf.npv(0.08, [0.0, *flows]), rel=1e-14)


def test_npv_matches_numpy_financial_and_a_loop() -> None:
    rng = np.random.default_rng(11)
    values = rng.normal(0.0, 1e6, size=(200, 30))
    rates = rng.uniform(0.0, 0.25, 200)
    ours = _npv(values, rates)
    assert ours.shape == (200,)
    end_of_year = np.array([npf.npv(r, [0.0, *v]) for r, v in zip(rates, values, strict=True)])
    first_now = np.array([npf.npv(r, v) for r, v in zip(rates, values, strict=True)])
    loop = np.array([_loop_npv(float(r), v.tolist()) for r, v in zip(rates, values, strict=True)])
    scale = np.abs(values).sum(axis=1)  # NPV's rounding is relative to this
    np.testing.assert_allclose(ours / scale, end_of_year / scale, rtol=0, atol=1e-14)
    np.testing.assert_allclose(ours * (1 + rates) / scale, first_now / scale, rtol=0, atol=1e-14)
    np.testing.assert_allclose(ours / scale, loop / scale, rtol=0, atol=1e-14)


def test_npv_shared_rate_and_zero_rate() -> None:
    rng = np.random.default_rng(12)
    values = rng.normal(size=(5, 7))
    # One rate, shape (1, 1), for every scenario: the same as repeating it per scenario.
    np.testing.assert_allclose(_npv(values, 0.07), _npv(values, [0.07] * 5), rtol=1e-15)
    # At 0 % nothing is discounted: NPV is the plain sum.
    np.testing.assert_allclose(_npv(values, 0.0), values.sum(axis=1), rtol=1e-13, atol=1e-15)


money = st.one_of(st.just(0.0), st.floats(1e-4, 1e9), st.floats(-1e9, -1e-4))


@settings(max_examples=200, deadline=None)
@given(st.lists(money, min_size=1, max_size=40), st.floats(0.0, 1.0))
def test_npv_agrees_with_loop_and_numpy_financial(values: list[float], rate: float) -> None:
    ours = float(_npv(values, rate)[0])
    scale = sum(abs(v) for v in values) + 1e-300
    assert abs(ours - _loop_npv(rate, values)) <= 1e-13 * scale
    assert abs(ours - float(npf.npv(rate, [0.0, *values]))) <= 1e-13 * scale


# --------------------------------------------------------------------------------------
# payback year: FirstYearWhere(Flag(CumSum(net cash flow) > 0))
# --------------------------------------------------------------------------------------
def _payback(flows: ArrayLike) -> np.ndarray:
    return _engine(flows)["payback_year"][:, 0]


def test_payback_hand_computed() -> None:
    env = _engine([-100.0, 30.0, 40.0, 50.0, 60.0])
    # cumulative: -100, -70, -30, 20, 80: first > 0 in the 4th year, 2025 + 3 = 2028
    np.testing.assert_array_equal(env["cumulative_cash_flow_usd"][0], [-100, -70, -30, 20, 80])
    np.testing.assert_array_equal(env["payback_flag"][0], [0, 0, 0, 1, 1])
    assert env["payback_year"].shape == (1, 1)
    assert env["payback_year"][0, 0] == 2028.0
    # cumulative -100, -50, 0, 10: exactly 0 is not paid back yet, 10 is (2028)
    assert _payback([-100.0, 50.0, 50.0, 10.0])[0] == 2028.0
    # the first year is already positive: 2025
    assert _payback([5.0, -1.0, -10.0])[0] == 2025.0
    # never pays back: cumulative -100, -90, -80, -70
    assert math.isnan(_payback([-100.0, 10.0, 10.0, 10.0])[0])
    # the year follows the timeline's start
    assert _engine([-1.0, 2.0], start_year=2030)["payback_year"][0, 0] == 2031.0


def test_payback_matches_a_loop() -> None:
    rng = np.random.default_rng(5)
    values = rng.integers(-100, 60, size=(300, 15)).astype(float)
    env = _engine(values)
    np.testing.assert_array_equal(env["cumulative_cash_flow_usd"], np.cumsum(values, axis=1))
    ours = env["payback_year"][:, 0]
    expected = np.array([_loop_payback_year(v.tolist()) for v in values])
    assert np.isnan(expected).any()
    assert np.isfinite(expected).any()
    np.testing.assert_array_equal(ours, expected)


# --------------------------------------------------------------------------------------
# IRR: the Irr node, which calls econ.finance.irr
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("flows", "expected"),
    [
        # Microsoft: IRR(-70000,12000,15000,18000,21000) after four years
        ([-70000, 12000, 15000, 18000, 21000], -0.021244848273411),
        # Microsoft: ... after five years
        ([-70000, 12000, 15000, 18000, 21000, 26000], 0.0866309480365316),
        # Microsoft: IRR(-70000,12000,15000,-10%) after two years; econ needs no guess:
        # one sign change, one root.
        ([-70000, 12000, 15000], -0.443506941334741),
    ],
)
def test_irr_microsoft_examples(flows: list[float], expected: float) -> None:
    env = _engine(flows)
    assert env["project_irr"].shape == (1, 1)
    assert env["project_irr"][0, 0] == pytest.approx(expected, rel=1e-13)
    assert irr(flows) == pytest.approx(expected, rel=1e-13)
    assert _reference_irr(np.array(flows, dtype=float)) == pytest.approx(expected, rel=1e-12)
    # At the IRR the engine's NPV is zero (to rounding of the flows' size).
    npv = _npv(flows, env["project_irr"][0, 0])[0]
    assert abs(npv) <= 1e-12 * sum(abs(v) for v in flows)


def test_irr_node_is_finance_irr() -> None:
    rng = np.random.default_rng(21)
    values = np.vstack([_conventional(rng, 100, 20), _with_closure(rng, 100, 20)])
    got = _engine(values)["project_irr"]
    assert got.shape == (200, 1)
    np.testing.assert_array_equal(got[:, 0], irr(values))


def test_npv_at_irr_is_zero_through_the_engine() -> None:
    rng = np.random.default_rng(22)
    values = np.vstack([_conventional(rng, 200, 25), _with_closure(rng, 200, 25)])
    rates = _engine(values)["project_irr"][:, 0]
    ok = np.isfinite(rates)
    assert ok.sum() > 200  # all 200 conventional rows, some with a closure cost
    npv = _npv(values[ok], rates[ok])
    gross = _engine(np.abs(values[ok]), rates[ok])["npv_usd"][:, 0]
    np.testing.assert_allclose(npv / gross, 0.0, atol=1e-12)


# --------------------------------------------------------------------------------------
# irr: hand-computed cases and edge cases
# --------------------------------------------------------------------------------------
def test_irr_hand_computed() -> None:
    # -100 + 110/(1+r) = 0  =>  r = 0.1
    assert irr([-100, 110]) == pytest.approx(0.1, abs=1e-15)
    # -100 + 121/(1+r)**2 = 0  =>  (1+r)**2 = 1.21  =>  r = 0.1
    assert irr([-100, 0, 121]) == pytest.approx(0.1, abs=1e-15)
    # income first, then payment (a loan): 100 - 110/(1+r) = 0  =>  r = 0.1
    assert irr([100, -110]) == pytest.approx(0.1, abs=1e-15)
    # values summing to zero: r = 0 exactly
    assert irr([-100, 50, 50]) == 0.0
    # a loss: -100 + 50/(1+r) = 0  =>  r = -0.5
    assert irr([-100, 50]) == pytest.approx(-0.5, abs=1e-15)
    # leading and trailing zero periods change nothing: -100 + 110/(1+r) = 0
    assert irr([0, 0, -100, 110, 0, 0]) == pytest.approx(0.1, abs=1e-15)
    # scaling every value (a change of money unit) changes nothing
    assert irr([-100e6, 110e6]) == pytest.approx(0.1, abs=1e-15)


def test_irr_two_roots_returns_the_one_nearest_zero() -> None:
    # -100 + 230x - 132x**2 = 0 with x = 1/(1+r): x = (230 -+ 10) / 264, i.e.
    # x = 10/11 (r = 10 %) or x = 5/6 (r = 20 %): the rule returns the one nearest zero.
    assert irr([-100, 230, -132]) == pytest.approx(0.1, abs=1e-12)
    assert _reference_irr(np.array([-100.0, 230, -132])) == pytest.approx(0.1, abs=1e-12)
    # Same roots, opposite signs of all values: same IRR.
    assert irr([100, -230, 132]) == pytest.approx(0.1, abs=1e-12)


def test_irr_tie_goes_to_the_positive_root() -> None:
    # 2 - 2x - 3x**2 + x**3 = (x + 1)(x**2 - 4x + 2): x = 2 -+ sqrt(2) (and x = -1, no
    # rate). r = 1/x - 1 = +sqrt(2)/2 or -sqrt(2)/2: equally near zero.
    assert irr([2, -2, -3, 1]) == pytest.approx(math.sqrt(0.5), abs=1e-12)


def test_irr_double_root() -> None:
    # NPV = 1 - 2.2/(1+r) + 1.21/(1+r)**2 = (1 - 1.1/(1+r))**2 >= 0 touches zero at
    # r = 10 % only. A double root is computed to about sqrt(machine epsilon).
    assert irr([1, -2.2, 1.21]) == pytest.approx(0.1, abs=1e-6)


def test_irr_no_root_gives_nan() -> None:
    # All positive, all negative, all zero: no sign change, no IRR.
    assert math.isnan(irr([100, 50, 20]))
    assert math.isnan(irr([-100, -50, -20]))
    assert math.isnan(irr([0, 0, 0]))
    # Two sign changes but no real root: 1 - x + x**2 > 0 for all x.
    assert math.isnan(irr([1, -1, 1]))
    assert math.isnan(_reference_irr(np.array([1.0, -1.0, 1.0])))
    # Non-finite values, a single period, no period at all.
    assert math.isnan(irr([-100, math.nan, 120]))
    assert math.isnan(irr([-100, math.inf, 120]))
    assert math.isnan(irr([-100]))
    assert math.isnan(irr([]))
    rows = np.asarray(irr([[100, 50, 20], [-100, -50, -20], [0, 0, 0], [-100, 60, 60]]))
    assert np.isnan(rows[:3]).all()
    assert math.isfinite(rows[3])
    # Through the engine: NaN in the (S, 1) result, the workbook's "n/a".
    got = _engine([[100.0, 50.0, 20.0], [-100.0, 60.0, 60.0]])["project_irr"]
    assert math.isnan(got[0, 0])
    assert math.isfinite(got[1, 0])


def test_irr_shapes_and_types() -> None:
    one = irr([-100, 110])
    assert isinstance(one, np.float64)
    many = irr([[-100, 110], [-100, 121]])
    assert isinstance(many, np.ndarray)
    assert many.shape == (2,)
    assert irr(np.zeros((0, 5))).shape == (0,)
    assert np.isnan(irr(np.zeros((3, 0)))).all()


def test_irr_does_not_modify_its_input() -> None:
    v = np.array([[-100.0, 60, 60, -10], [0.0, -100, 60, 70], [-4.0, 2, 0, 0]])
    copy = v.copy()
    irr(v)
    irr(v[1])
    np.testing.assert_array_equal(v, copy)


def test_irr_errors() -> None:
    with pytest.raises(ValueError, match=r"'guess' must be > -1 \(got -2\)"):
        irr([-1, 2], guess=-2)
    with pytest.raises(ValueError, match=r"'tol' must be > 0 \(got 0\)"):
        irr([-1, 2], tol=0)
    with pytest.raises(ValueError, match=r"'maxiter' must be >= 1 \(got 0\)"):
        irr([-1, 2], maxiter=0)
    with pytest.raises(TypeError, match=r"'maxiter' must be an integer \(got 2.5\)"):
        irr([-1, 2], maxiter=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"'values' must be 1-D .* \(got 3-D\)"):
        irr(np.zeros((1, 2, 3)))


# --------------------------------------------------------------------------------------
# irr's root rule: numpy-financial 1.0.0's, vendored (tests/reference/npf_irr_1_0_0.py)
# --------------------------------------------------------------------------------------
# numpy-financial issue #39: NPV is zero at -1.81 % and at 12 %.
GH_39 = [-217500.0, -217500.0, 108466.80462450592, 101129.96439328062, 93793.12416205535,
         86456.28393083003, 79119.44369960476, 71782.60346837944, 64445.76323715414,
         57108.92300592884, 49772.08277470355, 42435.24254347826, 35098.40231225296,
         27761.56208102766, 20424.721849802358, 13087.88161857707, 5751.041387351768,
         -1585.7988438735192, -8922.639075098821, -16259.479306324123, -23596.31953754941,
         -30933.159768774713, -38270.0, -45606.8402312253, -52943.680462450604,
         -60280.520693675906, -67617.36092490121]  # fmt: skip


@pytest.mark.parametrize(
    ("flows", "nearest", "other"),
    [
        (GH_39, -0.0180967864739624, 0.12),
        # numpy-financial issue #28: -76.9 % and +185.4 %
        ([-50.0, -100.0, 600.0, 300.0, -100.0], -0.7688954706807808, 1.8544178284561799),
    ],
    ids=["npf-gh-39", "npf-gh-28"],
)
def test_irr_roots_of_both_signs_nearest_zero_wins(
    flows: list[float], nearest: float, other: float
) -> None:
    # Both rates are roots; numpy-financial 1.0.0 and econ return the one nearest zero
    # (numpy-financial's main branch returns the smallest root >= 0: `other`).
    v = np.array(flows)
    assert _is_root(nearest, v)
    assert _is_root(other, v)
    assert irr(v) == pytest.approx(nearest, abs=RTOL)
    assert _reference_irr(v) == pytest.approx(nearest, abs=RTOL)
    assert _engine(v)["project_irr"][0, 0] == pytest.approx(nearest, abs=RTOL)


def test_vendored_reference_is_the_installed_numpy_financial_1_0() -> None:
    # pyproject.toml pins numpy-financial < 1.1 for the tests; this checks the copy.
    if not npf.__version__.startswith("1.0."):
        pytest.skip(f"numpy-financial {npf.__version__} is not 1.0.x: its irr rule differs")
    assert npf_irr_1_0_0.SOURCE_COMMIT == "247aa4e2ee4fa7db44915790d5a730b9776d10a7"
    rng = np.random.default_rng(8)
    for v in [*rng.normal(size=(200, 8)), np.array(GH_39), np.array([-100.0, 230, -132])]:
        with np.errstate(all="ignore"):
            ours, theirs = npf_irr_1_0_0.irr(v), npf.irr(v)
        assert ours == theirs or (math.isnan(ours) and math.isnan(theirs))


@pytest.mark.parametrize(
    "make",
    [
        lambda rng: _conventional(rng, 1000, 30),
        lambda rng: _with_closure(rng, 1000, 30),
        lambda rng: rng.normal(size=(1000, 8)),
        lambda rng: rng.normal(size=(500, 30)),
    ],
    ids=["conventional", "closure-cost", "normal-8", "normal-30"],
)
def test_irr_matches_the_reference_rule_random(
    make: Callable[[np.random.Generator], np.ndarray],
) -> None:
    values = make(np.random.default_rng(7))
    ours = np.asarray(irr(values))
    theirs = np.array([_reference_irr(v) for v in values])
    # Same rows with and without an IRR ...
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    assert np.isfinite(ours).sum() > 0.25 * len(values)
    # ... and the same IRR to 1e-9.
    both = np.isfinite(ours)
    np.testing.assert_allclose(ours[both], theirs[both], rtol=RTOL, atol=RTOL)


def test_irr_long_cash_flow_matches_the_reference_rule() -> None:
    v = np.array([-100.0] + [10.0] * 200)
    assert irr(v) == pytest.approx(_reference_irr(v), abs=RTOL)


def test_irr_batch_equals_row_by_row() -> None:
    rng = np.random.default_rng(3)
    values = np.vstack(
        [
            _conventional(rng, 50, 12),
            _with_closure(rng, 50, 12),
            rng.integers(-3, 4, size=(50, 12)).astype(float),
        ]
    )
    batch = irr(values)
    single = np.array([irr(v) for v in values])
    np.testing.assert_array_equal(batch, single)


cash_flows = st.one_of(
    st.lists(st.integers(-(10**6), 10**6), min_size=2, max_size=12),
    st.lists(money, min_size=2, max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(cash_flows)
def test_irr_is_a_root(values: list[float]) -> None:
    v = np.array(values, dtype=float)
    r = float(irr(v))
    if math.isfinite(r) and r > -1.0:  # a root within rounding of -1 is returned as -1
        assert _is_root(r, v), (values, r)


@settings(max_examples=300, deadline=None)
@given(cash_flows)
def test_irr_agrees_with_the_reference_rule(values: list[float]) -> None:
    v = np.array(values, dtype=float)
    ours = float(irr(v))
    theirs = _reference_irr(v)
    if math.isfinite(ours) and math.isfinite(theirs):
        if abs(ours - theirs) > RTOL * max(1.0, abs(theirs)):
            # Documented differences only: numpy-financial missed a (double) root that is
            # nearer zero; or both found the same root, which is then a multiple root
            # (computable only to about sqrt(machine epsilon)) or one numpy-financial got
            # less accurately; or numpy-financial's value is no root at all.
            nearer = abs(ours) <= abs(theirs) * (1 + RTOL) + 1e-12
            same_root = abs(ours - theirs) <= 1e-6 * max(1.0, abs(theirs)) and _is_root(ours, v)
            assert nearer or same_root or not _is_root(theirs, v), (values, ours, theirs)
    elif math.isfinite(theirs) and theirs > -1.0:
        # We find every root numpy-financial finds.
        assert not _is_root(theirs, v, 1e-7), (values, ours, theirs)


# --------------------------------------------------------------------------------------
# the module
# --------------------------------------------------------------------------------------
def test_only_what_the_engine_runs() -> None:
    # NPV, discounting, payback and levelized cost are expression nodes, not functions.
    assert fin.__all__ == ["FloatOrArray", "irr"]
    for name in ("npv", "discount_factors", "payback_period", "levelized_cost"):
        assert not hasattr(fin, name), name
