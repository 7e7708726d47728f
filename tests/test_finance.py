"""Tests for econ.finance.

Where the expected values come from:

* Microsoft's documented worked examples of Excel's NPV() and IRR() functions
  (Microsoft Support, "NPV function" and "IRR function" pages);
* numpy-financial (``numpy_financial.npv`` / ``numpy_financial.irr``) as an independent
  implementation, on seeded random cash flows and on hypothesis-generated ones;
* small cases computed by hand (the working is in the comments).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econ import finance as fin
from econ.finance import discount_factors, irr, levelized_cost, npv, payback_period

RTOL = 1e-9


# --------------------------------------------------------------------------------------
# helpers
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


def _npf_irr(values: np.ndarray) -> float:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(npf.irr(values))
        except np.linalg.LinAlgError:
            return math.nan


def _conventional(rng: np.random.Generator, rows: int, years: int) -> np.ndarray:
    """Investment in year 0, then uncertain positive net income."""
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
# discount_factors
# --------------------------------------------------------------------------------------
def test_discount_factors_hand_computed() -> None:
    # 1.1**0, 1.1**-1, 1.1**-2 = 1, 0.909090..., 0.826446...
    np.testing.assert_allclose(discount_factors(0.1, 3), [1.0, 1 / 1.1, 1 / 1.21], rtol=1e-15)
    # first_period=1 shifts every factor by one period.
    np.testing.assert_allclose(
        discount_factors(0.1, 2, first_period=1), [1 / 1.1, 1 / 1.21], rtol=1e-15
    )
    assert discount_factors(0.1, 0).shape == (0,)


def test_discount_factors_per_scenario_rate() -> None:
    df = discount_factors([0.0, 0.1, 0.5], 4)
    assert df.shape == (3, 4)
    np.testing.assert_allclose(df[0], 1.0)
    np.testing.assert_allclose(df[2], [1.0, 1 / 1.5, 1 / 2.25, 1 / 3.375], rtol=1e-15)


def test_discount_factors_give_npv() -> None:
    rng = np.random.default_rng(11)
    v = rng.normal(size=(5, 7))
    rates = rng.uniform(0.0, 0.2, 5)
    df = discount_factors(rates, 7, first_period=1)
    np.testing.assert_allclose(np.sum(v * df, axis=1), npv(rates, v, first_period=1), rtol=1e-12)


def test_discount_factors_errors() -> None:
    with pytest.raises(ValueError, match=r"'rate' must be > -1 \(got -1\)"):
        discount_factors(-1.0, 3)
    with pytest.raises(ValueError, match=r"'n_periods' must be >= 0 \(got -2\)"):
        discount_factors(0.1, -2)
    with pytest.raises(TypeError, match=r"'n_periods' must be an integer \(got 2.5\)"):
        discount_factors(0.1, 2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"'rate' must be a scalar or 1-D .* \(got 2-D\)"):
        discount_factors([[0.1]], 2)


# --------------------------------------------------------------------------------------
# npv
# --------------------------------------------------------------------------------------
def test_npv_microsoft_example_1() -> None:
    # Microsoft Support, "NPV function", example 1: =NPV(10%, -10000, 3000, 4200, 6800)
    # = 1188.44 (full precision 1188.44341233522). Excel discounts the first value too.
    assert npv(0.1, [-10000, 3000, 4200, 6800], first_period=1) == pytest.approx(
        1188.44341233522, rel=RTOL
    )


def test_npv_microsoft_example_2() -> None:
    # Microsoft Support, "NPV function", example 2: initial cost 40000 paid at the start,
    # returns 8000, 9200, 10000, 12000, 14500 at 8 %: =NPV(8%, returns) - 40000
    # = 1922.06 (full precision 1922.06155493236); with a further loss of 9000 in year
    # six the page shows (3,749.47).
    returns = [8000, 9200, 10000, 12000, 14500]
    assert npv(0.08, returns, first_period=1) - 40000 == pytest.approx(1922.06155493236, rel=RTOL)
    # The same with the investment as the undiscounted first value (first_period=0).
    assert npv(0.08, [-40000, *returns]) == pytest.approx(1922.06155493236, rel=RTOL)
    loss = npv(0.08, [*returns, -9000], first_period=1) - 40000
    assert round(float(loss), 2) == -3749.47


def test_npv_hand_computed() -> None:
    # -100 + 60/1.2 + 72/1.44 = -100 + 50 + 50 = 0
    assert npv(0.2, [-100, 60, 72]) == pytest.approx(0.0, abs=1e-12)
    # rate 0: plain sum
    assert npv(0.0, [1.5, -2.0, 4.0]) == 3.5
    # first_period=1 divides everything by 1 + rate once more
    assert npv(0.25, [125.0], first_period=1) == pytest.approx(100.0, rel=1e-15)


def test_npv_matches_numpy_financial_random() -> None:
    rng = np.random.default_rng(2024)
    values = rng.normal(0.0, 1000.0, size=(200, 25))
    rates = rng.uniform(-0.5, 1.0, size=200)
    ours = npv(rates, values)
    theirs = np.array([npf.npv(r, v) for r, v in zip(rates, values, strict=True)])
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=0.0)
    # Excel convention = numpy-financial's divided by (1 + rate).
    np.testing.assert_allclose(
        npv(rates, values, first_period=1), theirs / (1.0 + rates), rtol=RTOL, atol=0.0
    )


def test_npv_shapes_and_types() -> None:
    one = npv(0.1, [-100.0, 110.0])
    assert isinstance(one, np.float64)
    assert isinstance(one, float)
    assert one == pytest.approx(0.0, abs=1e-12)

    flows = np.array([[-100.0, 110.0], [-100.0, 121.0], [50.0, 0.0]])
    many = npv(0.1, flows)
    assert isinstance(many, np.ndarray)
    assert many.shape == (3,)
    np.testing.assert_allclose(many, [0.0, 10.0, 50.0], atol=1e-12)


def test_npv_rate_per_scenario_broadcasts() -> None:
    flows = np.array([[-100.0, 110.0], [-100.0, 120.0]])
    # scenario 0 at 10 %, scenario 1 at 20 %: both break even
    np.testing.assert_allclose(npv([0.1, 0.2], flows), [0.0, 0.0], atol=1e-12)
    # a single cash flow at three rates: -100 + 110/(1+r)
    np.testing.assert_allclose(
        npv([0.0, 0.1, 0.25], [-100.0, 110.0]), [10.0, 0.0, -12.0], atol=1e-12
    )
    # a (1,) rate applies to every scenario
    np.testing.assert_allclose(npv([0.1], flows), [0.0, 100 / 11], atol=1e-12)


def test_npv_empty() -> None:
    assert npv(0.1, []) == 0.0
    assert npv(0.1, np.zeros((0, 4))).shape == (0,)


def test_npv_errors() -> None:
    with pytest.raises(ValueError, match=r"'rate' must be > -1 \(got -1.5\)"):
        npv(-1.5, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"'rate' must be > -1 \(got -2\)"):
        npv([0.1, -2.0], [[1.0], [2.0]])
    with pytest.raises(
        ValueError,
        match=r"'values' must be 1-D \(periods\) or 2-D \(scenarios x periods\) \(got 3-D\)",
    ):
        npv(0.1, np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match=r"'values' must be 1-D .* \(got 0-D\)"):
        npv(0.1, 5.0)
    with pytest.raises(ValueError, match=r"'values' has 2 scenarios \(rows\) but 'rate' has 3"):
        npv([0.1, 0.2, 0.3], np.zeros((2, 4)))
    with pytest.raises(TypeError, match=r"'first_period' must be an integer \(got 0.5\)"):
        npv(0.1, [1.0], first_period=0.5)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# irr: documented and hand-computed values
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # Microsoft Support, "IRR function", example: =IRR(A2:A7), five years of income
        ([-70000, 12000, 15000, 18000, 21000, 26000], 0.0866309480365316),
        # =IRR(A2:A6), four years of income
        ([-70000, 12000, 15000, 18000, 21000], -0.021244848273411),
        # =IRR(A2:A4, -10%), two years of income (Excel needs the guess; we do not)
        ([-70000, 12000, 15000], -0.443506941334741),
    ],
)
def test_irr_microsoft_examples(values: list[int], expected: float) -> None:
    assert irr(values) == pytest.approx(expected, abs=RTOL)
    assert irr(values, guess=-0.1) == pytest.approx(expected, abs=RTOL)


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


def test_irr_two_roots_returns_the_one_nearest_zero() -> None:
    # -100 + 230x - 132x**2 = 0 with x = 1/(1+r): x = (230 -+ 10) / 264, i.e.
    # x = 10/11 (r = 10 %) or x = 5/6 (r = 20 %). numpy-financial's rule: nearest zero.
    assert irr([-100, 230, -132]) == pytest.approx(0.1, abs=1e-12)
    assert npf.irr([-100, 230, -132]) == pytest.approx(0.1, abs=1e-12)
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
    # Non-finite values, a single period, no period at all.
    assert math.isnan(irr([-100, math.nan, 120]))
    assert math.isnan(irr([-100, math.inf, 120]))
    assert math.isnan(irr([-100]))
    assert math.isnan(irr([]))
    rows = np.asarray(irr([[100, 50, 20], [-100, -50, -20], [0, 0, 0], [-100, 60, 60]]))
    assert np.isnan(rows[:3]).all()
    assert math.isfinite(rows[3])


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
    with pytest.raises(ValueError, match=r"'values' must be 1-D .* \(got 3-D\)"):
        irr(np.zeros((1, 2, 3)))


# --------------------------------------------------------------------------------------
# irr against numpy-financial
# --------------------------------------------------------------------------------------
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
def test_irr_matches_numpy_financial_random(
    make: Callable[[np.random.Generator], np.ndarray],
) -> None:
    values = make(np.random.default_rng(7))
    ours = np.asarray(irr(values))
    theirs = np.array([_npf_irr(v) for v in values])
    # Same rows with and without an IRR ...
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    assert np.isfinite(ours).sum() > 0.25 * len(values)
    # ... and the same IRR to 1e-9.
    both = np.isfinite(ours)
    np.testing.assert_allclose(ours[both], theirs[both], rtol=RTOL, atol=RTOL)


def test_irr_long_cash_flow_matches_numpy_financial() -> None:
    v = np.array([-100.0] + [10.0] * 200)
    assert irr(v) == pytest.approx(npf.irr(v), abs=RTOL)


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


money = st.one_of(st.just(0.0), st.floats(1e-4, 1e9), st.floats(-1e9, -1e-4))
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
def test_irr_agrees_with_numpy_financial(values: list[float]) -> None:
    v = np.array(values, dtype=float)
    ours = float(irr(v))
    theirs = _npf_irr(v)
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
# payback_period
# --------------------------------------------------------------------------------------
def _payback_loop(values: np.ndarray) -> float:
    """Straightforward reference: walk the cumulative sum."""
    total = 0.0
    for t, x in enumerate(values):
        total += x
        if total >= 0:
            return float(t)
    return math.nan


def test_payback_hand_computed() -> None:
    # cumulative: -100, -70, -30, 20, 80  => first >= 0 at t = 3
    assert payback_period([-100, 30, 40, 50, 60]) == 3.0
    # cumulative reaches exactly 0 at t = 2
    assert payback_period([-100, 50, 50, 10]) == 2.0
    # first value already >= 0
    assert payback_period([5, -1, -10]) == 0.0
    # never pays back: cumulative -100, -90, -80, -70
    assert math.isnan(payback_period([-100, 10, 10, 10]))
    # 0.1 + 0.1 + 0.1 - 0.3 is -5.6e-17 in floating point; it pays back at t = 3
    assert payback_period([-0.3, 0.1, 0.1, 0.1]) == 3.0
    assert math.isnan(payback_period([]))


def test_payback_shapes_and_reference() -> None:
    one = payback_period([-1.0, 2.0])
    assert isinstance(one, np.float64)
    rng = np.random.default_rng(5)
    values = rng.integers(-100, 60, size=(300, 15)).astype(float)
    ours = payback_period(values)
    assert ours.shape == (300,)
    expected = np.array([_payback_loop(v) for v in values])
    np.testing.assert_array_equal(ours, expected)


def test_payback_error() -> None:
    with pytest.raises(ValueError, match=r"'values' must be 1-D .* \(got 3-D\)"):
        payback_period(np.zeros((1, 1, 1)))


# --------------------------------------------------------------------------------------
# levelized_cost
# --------------------------------------------------------------------------------------
def test_levelized_cost_hand_computed() -> None:
    # Constant cost 500 and output 100 every period: 5 per unit at any rate.
    assert levelized_cost(0.07, [500.0] * 10, [100.0] * 10) == pytest.approx(5.0, rel=1e-14)
    # Cost 200 now, 100 units in one period, at 25 %: 200 / (100 / 1.25) = 2.5
    assert levelized_cost(0.25, [200.0, 0.0], [0.0, 100.0]) == pytest.approx(2.5, rel=1e-14)


def test_levelized_cost_price_breaks_even() -> None:
    # Plug the answer back in: selling the quantities at that price gives NPV 0.
    rng = np.random.default_rng(9)
    costs = rng.uniform(0.0, 1e6, size=(50, 20))
    costs[:, 0] += 5e6  # capital cost up front
    kg = rng.uniform(1e4, 1e5, size=(50, 20))
    kg[:, 0] = 0.0  # nothing produced during construction
    rates = rng.uniform(0.0, 0.15, size=50)
    for first_period in (0, 1):
        price = levelized_cost(rates, costs, kg, first_period=first_period)
        assert price.shape == (50,)
        margin = price[:, np.newaxis] * kg - costs
        scale = npv(rates, costs, first_period=first_period)
        np.testing.assert_allclose(
            npv(rates, margin, first_period=first_period) / scale, 0.0, atol=1e-12
        )


def test_levelized_cost_first_period_cancels_and_broadcasts() -> None:
    costs = [1_000_000.0, 100_000.0, 100_000.0, 100_000.0]
    kg = [0.0, 50_000.0, 50_000.0, 50_000.0]
    a = levelized_cost(0.08, costs, kg)
    assert isinstance(a, np.float64)
    assert levelized_cost(0.08, costs, kg, first_period=1) == pytest.approx(a, rel=1e-14)
    # a 1-D quantity profile is shared by all cost scenarios
    two = levelized_cost(0.08, [costs, costs], kg)
    np.testing.assert_allclose(two, [a, a], rtol=1e-15)
    # one cost profile at two rates: higher rate, higher levelized cost
    by_rate = levelized_cost([0.08, 0.12], costs, kg)
    assert by_rate.shape == (2,)
    assert by_rate[0] == pytest.approx(a, rel=1e-15)
    assert by_rate[1] > by_rate[0]


def test_levelized_cost_nan_without_output() -> None:
    assert math.isnan(levelized_cost(0.1, [100.0, 100.0], [0.0, 0.0]))
    out = np.asarray(
        levelized_cost(0.1, [[100.0, 100.0], [100.0, 100.0]], [[0.0, 0.0], [1.0, 1.0]])
    )
    assert math.isnan(out[0])
    assert out[1] == pytest.approx(100.0, rel=1e-14)


def test_levelized_cost_errors() -> None:
    with pytest.raises(ValueError, match=r"must have the same number of periods \(got 2 and 3\)"):
        levelized_cost(0.1, [1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"same number of scenarios.*\(got 2 and 3\)"):
        levelized_cost(0.1, np.ones((2, 4)), np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"'costs' must be 1-D .* \(got 3-D\)"):
        levelized_cost(0.1, np.ones((1, 1, 4)), np.ones(4))
    with pytest.raises(ValueError, match=r"'rate' must be > -1 \(got -1\)"):
        levelized_cost(-1, [1.0], [1.0])


def test_public_names() -> None:
    assert set(fin.__all__) >= {
        "discount_factors",
        "npv",
        "irr",
        "payback_period",
        "levelized_cost",
    }
