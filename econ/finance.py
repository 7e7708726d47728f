"""Vectorized project-finance functions: discounting, NPV, IRR, payback, levelized cost.

The functions follow numpy-financial's style and conventions but run over many
scenarios at once, and depend on numpy only (no pandas), so the module imports fast.

Glossary
--------
period
    One step of the cash-flow time grid, usually a year. ``values[..., t]`` is the net
    cash flow of period ``t`` (``t = 0 .. Y-1``), in a money unit such as USD.
    Outflows (investment, costs) are negative, inflows (revenue) positive.
rate
    Discount rate per period, as a fraction: ``0.08`` means 8 % per period.
    It must be greater than -1.
discount factor
    ``(1 + rate) ** -k``: today's value of one money unit received ``k`` periods from
    now.
first_period
    How many periods ``values[..., 0]`` is discounted by. ``0`` is numpy-financial's
    convention (``npf.npv``): the first value is "now" and is not discounted. ``1`` is
    Excel's ``NPV()`` convention: every value falls at the end of its period, so even the
    first one is discounted by one period.
NPV
    Net present value: the sum of the discounted cash flows, in the money unit of
    ``values``.
IRR
    Internal rate of return: the rate per period at which the NPV is zero (if there
    are several such rates, :func:`irr` returns the one nearest zero).
conventional cash flow
    A cash flow whose non-zero values change sign exactly once (say, investment first,
    then income). By Descartes' rule of signs it has exactly one IRR.
payback period
    The first period in which the cumulative cash flow is no longer negative.
levelized cost (LCOx)
    The constant unit price at which the present value of revenue equals the present
    value of costs, e.g. USD per kg of product.
scenario
    One row of a 2-D ``values`` array of shape (S, Y): S scenarios by Y periods.

Shapes
------
``values`` is shape (Y,) for one cash flow or (S, Y) for S scenarios by Y periods.
``rate`` is a scalar or shape (S,), one rate per scenario. A 1-D ``values`` with a
scalar ``rate`` gives a scalar (``np.float64``); a 2-D ``values`` (or a 1-D ``values``
with an (S,) ``rate``, which evaluates that one cash flow at S rates) gives an array of
shape (S,). The results are NaN where the answer does not exist; the functions raise
only for invalid arguments, and the message says what is allowed.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import operator
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "FloatOrArray",
    "discount_factors",
    "irr",
    "levelized_cost",
    "npv",
    "payback_period",
]

FloatOrArray: TypeAlias = np.float64 | NDArray[np.float64]
"""Return type: ``np.float64`` for a single cash flow, an (S,) array for scenarios."""

_EPS = float(np.finfo(np.float64).eps)
_TINY = float(np.finfo(np.float64).tiny)
# Iterations of safeguarded Newton before IRR rows still unconverged only bisect.
_NEWTON_ITERS = 30
# Rows per block in irr (temporaries of this many floats stay in cache).
_ROW_CHUNK = 8192
# Rows handed to np.linalg.eigvals at once (each is a Y x Y companion matrix).
_EIG_CHUNK = 2048
# Eigenvalues with |imag| <= _NEAR_REAL * |lambda| are candidate (double) real roots.
_NEAR_REAL = 1e-6
# A candidate root is accepted if |NPV| <= _ROOT_RTOL * (sum of |discounted values|).
_ROOT_RTOL = 1e-9
# Roots whose magnitudes differ by less than this (relative) are a tie: r > 0 wins.
_TIE_RTOL = 1e-12
# Rate intervals (a, b) on which Descartes' rule counts the roots of cash flows with
# several sign changes, if counting on r < 0 and r > 0 (_HALF_LINES) does not suffice.
_BREAKS = (-1.0, -0.9, -0.7, -0.5, -0.3, -0.2, -0.1, -0.05, 0.0,
           0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 3.0, np.inf)  # fmt: skip
_FINE_INTERVALS = tuple(itertools.pairwise(_BREAKS))
_HALF_LINES = ((-1.0, 0.0), (0.0, np.inf))
# A Descartes coefficient within this (relative) of zero has an untrusted sign.
_COEF_RTOL = 1e-12
# Longest cash flow for which Descartes' rule is applied (longer: eigenvalues only).
_DESCARTES_MAX_PERIODS = 120
# Matrix elements per chunk of the Descartes products (bounds memory).
_DESCARTES_CHUNK = 1 << 17


# --------------------------------------------------------------------------------------
# argument checking
# --------------------------------------------------------------------------------------
def _as_int(value: Any, name: str) -> int:
    """Return ``value`` as an int, or raise a TypeError naming the argument."""
    if isinstance(value, bool):
        raise TypeError(f"'{name}' must be an integer (got {value!r})")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"'{name}' must be an integer (got {value!r})") from None


def _as_values(values: ArrayLike, name: str = "values") -> tuple[NDArray[np.float64], bool]:
    """Return ``values`` as a float (S, Y) array and whether the input was 1-D."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1:
        return arr[np.newaxis, :], True
    if arr.ndim == 2:
        return arr, False
    raise ValueError(
        f"'{name}' must be 1-D (periods) or 2-D (scenarios x periods) (got {arr.ndim}-D)"
    )


def _as_rate(rate: ArrayLike, n_rows: int | None) -> NDArray[np.float64]:
    """Return ``rate`` as a 0-D or 1-D float array after checking it.

    ``n_rows`` is the number of scenarios of a 2-D ``values`` (``None`` for 1-D values,
    which broadcast against any number of rates).
    """
    r = np.asarray(rate, dtype=np.float64)
    if r.ndim > 1:
        raise ValueError(
            f"'rate' must be a scalar or 1-D with one rate per scenario (got {r.ndim}-D)"
        )
    bad = np.atleast_1d(r <= -1.0)
    if bad.any():
        raise ValueError(f"'rate' must be > -1 (got {np.atleast_1d(r)[bad][0]:g})")
    if r.ndim == 1 and n_rows is not None and r.shape[0] not in (1, n_rows):
        raise ValueError(
            f"'rate' must be a scalar or have one entry per scenario: 'values' has "
            f"{n_rows} scenarios (rows) but 'rate' has {r.shape[0]} entries"
        )
    return r


def _finish(out: NDArray[np.float64], scalar: bool) -> FloatOrArray:
    """Return ``out[0]`` as ``np.float64`` for a single cash flow, else the array."""
    if scalar:
        return np.float64(out[0])
    return out


# --------------------------------------------------------------------------------------
# discounting
# --------------------------------------------------------------------------------------
def discount_factors(rate: ArrayLike, n_periods: int, *, first_period: int = 0) -> NDArray:
    """Discount factors ``(1 + rate) ** -(first_period + t)`` for ``t = 0 .. n_periods-1``.

    Args:
        rate: Discount rate per period as a fraction (0.08 = 8 %); a scalar or shape
            (S,), one rate per scenario. Must be > -1.
        n_periods: Number of periods Y (>= 0).
        first_period: Periods of discounting applied to the first factor: 0 makes the
            first factor 1 (numpy-financial convention), 1 discounts it one period
            (Excel ``NPV()`` convention).

    Returns:
        Dimensionless factors, shape (Y,) for a scalar rate or (S, Y) for an (S,) rate.
        Multiplying a cash flow (money per period) by them and summing gives its NPV.

    Raises:
        ValueError: If ``rate`` <= -1, ``rate`` is not 0-D/1-D, or ``n_periods`` < 0.
        TypeError: If ``n_periods`` or ``first_period`` is not an integer.

    Example:
        USD 1 000 received at the end of each of the next 3 years is worth, at 8 %:

        >>> import numpy as np
        >>> df = discount_factors(0.08, 3, first_period=1)
        >>> np.round(df, 6)
        array([0.925926, 0.857339, 0.793832])
        >>> print(f"USD {1000 * df.sum():,.2f}")
        USD 2,577.10
        >>> discount_factors([0.0, 0.1], 2).round(6)
        array([[1.      , 1.      ],
               [1.      , 0.909091]])
    """
    n = _as_int(n_periods, "n_periods")
    if n < 0:
        raise ValueError(f"'n_periods' must be >= 0 (got {n})")
    k = np.arange(n, dtype=np.float64) + _as_int(first_period, "first_period")
    r = _as_rate(rate, None)
    base = 1.0 + r
    if r.ndim == 1:
        base = base[:, np.newaxis]
    result: NDArray[np.float64] = base**-k
    return result


# --------------------------------------------------------------------------------------
# NPV
# --------------------------------------------------------------------------------------
def _npv_rows(r: NDArray[np.float64], v: NDArray[np.float64], first_period: int) -> NDArray:
    """NPV of each row of ``v`` (S, Y) at ``r`` (0-D or (S,)/(1,)), shape (max(S, R),)."""
    k = np.arange(v.shape[1], dtype=np.float64) + first_period
    base = (1.0 + r)[..., np.newaxis] if r.ndim == 1 else 1.0 + r
    # Divide (as numpy-financial does) rather than multiply by the reciprocal.
    with np.errstate(over="ignore"):
        pv = (v / base**k).sum(axis=-1)
    result: NDArray[np.float64] = np.atleast_1d(pv)
    return result


def npv(rate: ArrayLike, values: ArrayLike, *, first_period: int = 0) -> FloatOrArray:
    """Net present value of cash flows: ``sum_t values[..., t] / (1 + rate) ** (t + first_period)``.

    Args:
        rate: Discount rate per period as a fraction; a scalar or shape (S,), one rate per
            scenario. Must be > -1.
        values: Cash flow per period in money units (e.g. USD), outflows negative; shape
            (Y,) or (S, Y) for S scenarios.
        first_period: Periods of discounting applied to ``values[..., 0]``. ``0``
            (default) is numpy-financial's ``npf.npv`` convention: the first value is
            "now" and undiscounted. ``1`` is Excel's ``NPV()`` convention, which treats
            every value as arriving at the end of its period.

    Returns:
        NPV in the money unit of ``values``: ``np.float64`` for 1-D ``values`` with a
        scalar rate, otherwise an array of shape (S,).

    Raises:
        ValueError: If ``rate`` <= -1, or the shapes are not as above.
        TypeError: If ``first_period`` is not an integer.

    Example:
        Microsoft's documented Excel example: invest USD 10 000 at the end of the first
        year, receive 3 000, 4 200 and 6 800 in the next three; 10 % a year.

        >>> print(f"USD {npv(0.1, [-10000, 3000, 4200, 6800], first_period=1):,.2f}")
        USD 1,188.44

        Today's investment of USD 40 000 plus five year-end incomes, at 8 %
        (numpy-financial convention, investment undiscounted):

        >>> flows = [-40000, 8000, 9200, 10000, 12000, 14500]
        >>> print(f"USD {npv(0.08, flows):,.2f}")
        USD 1,922.06

        Two scenarios, each with its own rate:

        >>> npv([0.08, 0.12], [flows, flows]).round(2)
        array([ 1922.06, -2551.25])
    """
    v, one_d = _as_values(values)
    r = _as_rate(rate, None if one_d else v.shape[0])
    fp = _as_int(first_period, "first_period")
    return _finish(_npv_rows(r, v, fp), one_d and r.ndim == 0)


# --------------------------------------------------------------------------------------
# IRR
# --------------------------------------------------------------------------------------
def _horner(
    c_t: NDArray[np.float64], z: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Value and derivative of ``sum_k c_t[k, j] * z[j] ** k`` for every column ``j``.

    ``c_t`` is (K, M): coefficients of ascending powers, one column per polynomial, so
    that ``c_t[k]`` is contiguous.
    """
    n = c_t.shape[0]
    f = c_t[n - 1].copy()
    df = np.zeros_like(f)
    for k in range(n - 2, -1, -1):
        df *= z
        df += f
        f *= z
        f += c_t[k]
    return f, df


def _unit_form(v: NDArray[np.float64], pos: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Write NPV(r) = 0 as a polynomial root problem in z in (0, 1], free of overflow.

    Where ``pos`` (a root r >= 0 is sought) it uses z = 1 / (1 + r) and coefficients
    ``v`` (this polynomial is NPV itself); elsewhere z = 1 + r and the coefficients
    reversed (NPV times (1 + r) ** (Y - 1)). Both have the sign and the roots of NPV
    for z > 0, and keep them when divided by a power of z, which is done to make the
    constant coefficient non-zero. Returns the coefficients of ascending powers of z,
    transposed to shape (Y, M).
    """
    c_t: NDArray[np.float64] = v.T.copy(order="C")  # a copy: never modify the input
    neg = np.flatnonzero(~pos)
    if neg.size:
        c_t[:, neg] = c_t[::-1, neg]
    # Divide out z**k0, k0 = number of zero low-order coefficients: the roots in z > 0
    # stay, and f(z) no longer underflows to an exact (false) zero near z = 0.
    k0 = np.argmax(c_t != 0.0, axis=0)
    cols = np.flatnonzero(k0)
    if cols.size:
        n = c_t.shape[0]
        rows = np.arange(n)[:, np.newaxis] + k0[cols]
        c_t[:, cols] = np.where(rows < n, c_t[np.minimum(rows, n - 1), cols], 0.0)
    return c_t


def _rate_from_unit(z: NDArray[np.float64], pos: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Invert :func:`_unit_form`'s change of variable (NaN for a rate beyond float range)."""
    with np.errstate(divide="ignore", over="ignore"):
        r: NDArray[np.float64] = np.where(pos, 1.0 / z - 1.0, z - 1.0)
    return np.where(np.isinf(r), np.nan, r)


def _sign_pattern(w: NDArray[np.float64]) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
    """Sign changes along the last axis of ``w``, ignoring zeros, capped at 2.

    Returns (changes in {0, 1, 2}, where 2 means "2 or more"; whether the first non-zero
    value is negative and there is a single change, from - to +).
    """
    n = w.shape[-1]
    is_pos = w > 0.0
    is_neg = w < 0.0
    both = is_pos.any(axis=-1) & is_neg.any(axis=-1)
    first_pos = np.argmax(is_pos, axis=-1)
    first_neg = np.argmax(is_neg, axis=-1)
    last_pos = n - 1 - np.argmax(is_pos[..., ::-1], axis=-1)
    last_neg = n - 1 - np.argmax(is_neg[..., ::-1], axis=-1)
    neg_then_pos = both & (last_neg < first_pos)
    one = neg_then_pos | (both & (last_pos < first_neg))
    changes: NDArray[np.intp] = np.where(both, np.where(one, 1, 2), 0)
    return changes, neg_then_pos


def _nearest_to_zero(r_neg: NDArray[np.float64], r_pos: NDArray[np.float64]) -> NDArray:
    """Elementwise the root nearer zero (NaN = no root); ties, up to rounding, go to r_pos."""
    take_neg = np.isnan(r_pos) | (np.abs(r_neg) < np.abs(r_pos) * (1.0 - _TIE_RTOL))
    out: NDArray[np.float64] = np.where(take_neg, r_neg, r_pos)
    return out


def _solve_unit(
    c_t: NDArray[np.float64],
    lo: NDArray[np.float64],
    hi: NDArray[np.float64],
    s_lo: NDArray[np.float64],
    z: NDArray[np.float64],
    tol: float,
    maxiter: int,
) -> NDArray[np.float64]:
    """Root in (lo, hi) of each column's polynomial ``sum_k c_t[k] z**k``, vectorized.

    Each polynomial must have exactly one root in (lo, hi), with sign ``s_lo`` left of
    it and the opposite sign right of it (0 <= lo < hi <= 1). The sign at a trial point
    then tells on which side of the root it lies, so a safeguarded Newton iteration
    (Numerical Recipes' ``rtsafe``: Newton while it stays inside the bracket and shrinks
    it fast enough, bisection otherwise) cannot fail. Starts from ``z`` in [lo, hi].
    NaN where not converged within ``maxiter`` iterations (``_NEWTON_ITERS`` + 60
    suffice for any root in [1e-308, 1]).
    """
    k = z.size
    lo = lo.copy()
    hi = hi.copy()
    # Steps before the last two; infinite at first, so that the first two Newton steps
    # are taken whenever they stay inside the bracket.
    dx_old = np.full(k, np.inf)
    dx = np.full(k, np.inf)
    idx = np.arange(k)  # row of each active column
    finished = np.zeros(k, dtype=bool)
    z_root = np.full(k, np.nan)
    with np.errstate(all="ignore"):
        for it in range(maxiter):
            f, df = _horner(c_t, z)
            step = f / df
            z_new = z - step  # Newton
            # Converged if the Newton step is below tolerance, even if rounding noise in
            # f puts z_new just outside the bracket.
            done = np.abs(step) <= tol * z
            left = f * s_lo > 0.0
            lo = np.where(left, z, lo)
            hi = np.where(left, hi, z)
            newton_ok = (z_new > lo) & (z_new < hi) & (np.abs(2.0 * f) <= np.abs(dx_old * df))
            dx_old = dx
            dx = step
            if it >= _NEWTON_ITERS or not (newton_ok | done).all():
                # Bisect geometrically while the bracket spans orders of magnitude
                # (roots near z = 0 are extreme rates), else arithmetically. Rows not
                # converged after _NEWTON_ITERS iterations only bisect geometrically
                # from then on, which reaches any root in [1e-308, 1] to full precision
                # in 60 steps.
                force = it >= _NEWTON_ITERS
                bisect = (~newton_ok | force) & ~done
                lo_pos = np.maximum(lo, _TINY)
                wide = (hi > 1e3 * lo_pos) | force
                mid = np.where(wide, np.sqrt(lo_pos * hi), 0.5 * (lo + hi))
                dx = np.where(bisect, np.maximum(hi - mid, mid - lo), step)
                z_new = np.where(bisect, mid, z_new)
                done |= bisect & (hi - lo <= np.maximum(tol, 4.0 * _EPS) * z_new)
            exact = f == 0.0
            if exact.any():
                z_new = np.where(exact, z, z_new)
                done |= exact
            z = z_new
            new = done & ~finished
            if new.any():
                z_root[idx[new]] = z[new]
                finished |= new
                n_finished = np.count_nonzero(finished)
                if n_finished == finished.size:
                    break
                if 4 * n_finished >= finished.size:
                    # Drop finished rows (not every iteration: copying costs time too).
                    keep = ~finished
                    idx, c_t, z, lo, hi = idx[keep], c_t[:, keep], z[keep], lo[keep], hi[keep]
                    dx, dx_old, s_lo = dx[keep], dx_old[keep], s_lo[keep]
                    finished = finished[keep]
    return z_root


def _start(
    guess: float, pos: NDArray[np.bool_], lo: NDArray[np.float64], hi: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Starting z from ``guess``, or ``hi`` (the end nearer r = 0) if outside [lo, hi]."""
    z = np.full(pos.shape, 1.0 + guess)
    if guess >= 0.0:
        z[pos] = 1.0 / (1.0 + guess)
    z0: NDArray[np.float64] = np.where((z >= lo) & (z <= hi), z, hi)
    return z0


def _irr_one_sign_change(
    v: NDArray[np.float64], s_first: NDArray[np.float64], guess: float, tol: float, maxiter: int
) -> NDArray[np.float64]:
    """IRR of rows whose non-zero values change sign exactly once (a unique root)."""
    s_last = -s_first
    total = v.sum(axis=1)  # NPV at r = 0
    # NPV has the last value's sign for r just above -1 and the first value's sign for
    # large r. The root is > 0 iff NPV(0) still has the last value's sign; it is then
    # sought in z = 1/(1+r) in (0, 1), else in z = 1+r in (0, 1) (see _unit_form).
    # Rows with NPV(0) == 0 start at their root z = 1 and stop at once.
    pos = (np.sign(total) == s_last) | (total == 0.0)
    lo = np.zeros(v.shape[0])
    hi = np.ones(v.shape[0])
    z = _start(guess, pos, lo, hi)
    z[total == 0.0] = 1.0
    # Sign just right of z = 0 (r -> inf, resp. r -> -1).
    s_lo = np.where(pos, s_first, s_last)
    z_root = _solve_unit(_unit_form(v, pos), lo, hi, s_lo, z, tol, maxiter)
    return _rate_from_unit(z_root, pos)


@functools.lru_cache(maxsize=16)
def _interval_transforms(n: int, intervals: tuple[tuple[float, float], ...]) -> NDArray:
    """Matrices mapping cash flows to Descartes test polynomials, one per rate interval.

    With y = 1 + r, P(y) = sum_t v_t y**(Y-1-t) = y**(Y-1) NPV(r) has NPV's roots. For
    the interval y1 < y < y2, the substitution y = (y1 + y2 u) / (1 + u) (or y = y1 + u
    if y2 is infinite) maps it to u > 0, and (1+u)**(Y-1) P is a polynomial in u whose
    coefficients are linear in v: ``v @ M[:, i*Y:(i+1)*Y]`` for interval i of
    ``intervals``. All entries are >= 0.
    """
    binom = np.zeros((n, n))
    binom[:, 0] = 1.0
    for i in range(1, n):
        binom[i, 1:] = binom[i - 1, 1:] + binom[i - 1, :-1]
    blocks = []
    for a, b in intervals:
        y1, y2 = 1.0 + a, 1.0 + b
        m = np.zeros((n, n))
        for t in range(n):
            k = n - 1 - t  # power of y
            j = np.arange(k + 1)
            if np.isinf(y2):
                m[t, : k + 1] = binom[k, j] * y1 ** (k - j)
            else:
                m[t] = np.convolve(binom[k, j] * y1 ** (k - j) * y2**j, binom[n - 1 - k, : n - k])
        blocks.append(m)
    return np.hstack(blocks)


def _interval_root_counts(
    v: NDArray[np.float64], intervals: tuple[tuple[float, float], ...]
) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
    """Descartes bound (0, 1 or 2 = "2 or more") on NPV's roots in each of ``intervals``.

    A bound of 0 or 1 is exact. Also returns whether a test coefficient is too close to
    zero, relative to rounding, for its sign to be trusted; that includes a root at or
    very near a breakpoint. Shapes (S, len(intervals)).
    """
    m, n = v.shape
    k = len(intervals)
    transform = _interval_transforms(n, intervals)
    counts = np.empty((m, k), dtype=np.intp)
    doubtful = np.empty((m, k), dtype=bool)
    step = max(1, _DESCARTES_CHUNK // n)
    for start in range(0, m, step):
        chunk = v[start : start + step]
        with np.errstate(over="ignore", invalid="ignore"):
            coef = (chunk @ transform).reshape(-1, k, n)
            gross = (np.abs(chunk) @ transform).reshape(-1, k, n)
        small = (np.abs(coef) <= _COEF_RTOL * gross) & (gross > 0.0)
        overflow = ~np.isfinite(gross)  # also catches NaN/inf coefficients
        doubtful[start : start + step] = (small | overflow).any(axis=-1)
        counts[start : start + step] = _sign_pattern(coef)[0]
    return counts, doubtful


def _verified_polish(
    v: NDArray[np.float64], x: NDArray[np.float64], n_steps: int = 6
) -> NDArray[np.float64]:
    """Polish candidate roots x = 1/(1+r) > 0 of rows ``v``; return r, or NaN if no root.

    Newton steps in the z of :func:`_unit_form` (z = x if x <= 1, else 1/x = 1 + r).
    A candidate is kept if, at the best point found, |NPV| <= _ROOT_RTOL times the sum of
    the absolute discounted values (i.e. NPV is zero to rounding), and the point moved
    by at most 1e-4 relative.
    """
    pos = x <= 1.0
    c_t = _unit_form(v, pos)
    z0 = np.where(pos, x, 1.0 / x)
    z = z0.copy()
    best_z = z0.copy()
    best_f = np.full(z.shape, np.inf)
    scale, _ = _horner(np.abs(c_t), z0)
    with np.errstate(all="ignore"):
        for i in range(n_steps + 1):
            f, df = _horner(c_t, z)
            af = np.abs(f)
            better = af < best_f
            best_z = np.where(better, z, best_z)
            best_f = np.where(better, af, best_f)
            if i < n_steps:
                z_next = z - f / df
                z = np.where(np.isfinite(z_next) & (z_next > 0), z_next, best_z)
        ok = (best_f <= _ROOT_RTOL * scale) & (np.abs(best_z - z0) <= 1e-4 * z0)
    return np.where(ok, _rate_from_unit(best_z, pos), np.nan)


def _eigvals(a: NDArray[np.float64]) -> NDArray[np.complex128]:
    """Eigenvalues of a stack of matrices; a matrix whose QR iteration fails gives NaNs."""
    try:
        lam: NDArray[np.complex128] = np.linalg.eigvals(a).astype(np.complex128)
    except np.linalg.LinAlgError:
        # Rare: find the failing matrices one by one rather than lose the whole batch.
        lam = np.full(a.shape[:2], np.nan, dtype=np.complex128)
        for i in range(a.shape[0]):
            with contextlib.suppress(np.linalg.LinAlgError):
                lam[i] = np.linalg.eigvals(a[i])
    return lam


def _irr_eigen(v: NDArray[np.float64]) -> NDArray[np.float64]:
    """IRR from all polynomial roots, computed as companion-matrix eigenvalues.

    The same computation as ``numpy_financial.irr`` (``np.roots(values[::-1])``), batched
    over rows of equal degree: keep the real roots with x = 1/(1+r) > 0 (also nearly
    real ones, which a double root can produce), verify and polish them, and return the
    root nearest to zero (NaN if none).
    """
    m, n = v.shape
    out = np.full(m, np.nan)
    nonzero = v != 0.0
    first = np.argmax(nonzero, axis=1)
    last = n - 1 - np.argmax(nonzero[:, ::-1], axis=1)
    degree = last - first
    for deg in np.unique(degree):
        d = int(deg)
        if d < 1:
            continue
        rows_all = np.flatnonzero(degree == d)
        for start in range(0, rows_all.size, _EIG_CHUNK):
            rows = rows_all[start : start + _EIG_CHUNK]
            # Coefficients of x**0 .. x**d after dropping leading/trailing zero values.
            coef = np.take_along_axis(v[rows], first[rows, np.newaxis] + np.arange(d + 1), 1)
            p = coef[:, ::-1]  # highest power first, as np.roots(values[::-1]) has it
            companion = np.zeros((rows.size, d, d))
            with np.errstate(over="ignore"):
                companion[:, 0, :] = -p[:, 1:] / p[:, :1]
            companion[:, np.arange(1, d), np.arange(d - 1)] = 1.0
            # Coefficients spanning more than ~300 orders of magnitude overflow: no IRR.
            usable = np.isfinite(companion[:, 0, :]).all(axis=1)
            rows, companion = rows[usable], companion[usable]
            if rows.size == 0:
                continue
            lam = _eigvals(companion)
            near_real = np.abs(lam.imag) <= _NEAR_REAL * np.abs(lam)
            ri, ci = np.nonzero(near_real & (lam.real > 0))
            if ri.size == 0:
                continue
            x: NDArray[np.float64] = lam.real[ri, ci].astype(np.float64)
            rates = _verified_polish(v[rows[ri]], x)
            # Distance to zero; negative roots lose ties (up to rounding).
            dist = np.full(lam.shape, np.inf)
            dist[ri, ci] = np.where(
                np.isnan(rates), np.inf, np.abs(rates) * np.where(rates < 0, 1.0 + _TIE_RTOL, 1.0)
            )
            r_all = np.full(lam.shape, np.nan)
            r_all[ri, ci] = rates
            out[rows] = r_all[np.arange(rows.size), np.argmin(dist, axis=1)]
    return out


def _irr_by_intervals(
    v: NDArray[np.float64],
    intervals: tuple[tuple[float, float], ...],
    guess: float,
    tol: float,
    maxiter: int,
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """IRR from Descartes root counts on fixed rate ``intervals`` covering (-1, inf).

    On each side of r = 0, the first interval (going outward) that may hold a root is
    searched with :func:`_solve_unit` if it holds exactly one; the nearer of the two
    sides' roots is the IRR. Returns (IRR, whether the counts settled it). NPV(0) must
    not be 0.
    """
    m, _ = v.shape
    counts, doubtful = _interval_root_counts(v, intervals)
    bounds = np.array(intervals)
    all_rows = np.arange(m)
    roots, states, dists, jobs = [], [], [], []
    for is_pos_side in (False, True):
        cols = np.flatnonzero((bounds[:, 0] >= 0.0) == is_pos_side)
        # Outward from r = 0: by lower bound ascending (r > 0) or upper bound descending.
        cols = cols[np.argsort(bounds[cols, 0] if is_pos_side else -bounds[cols, 1])]
        hit = (counts[:, cols] > 0) | doubtful[:, cols]
        any_hit = hit.any(axis=1)
        first = cols[np.argmax(hit, axis=1)]
        one_root = any_hit & (counts[all_rows, first] == 1) & ~doubtful[all_rows, first]
        # 0: no root on this side, 1: exactly one in interval `first`, 2: unsettled,
        # with no root nearer zero than `dist`.
        states.append(np.where(any_hit, np.where(one_root, 1, 2), 0))
        dists.append(np.abs(bounds[first, 0] if is_pos_side else bounds[first, 1]))
        rows = np.flatnonzero(one_root)
        a, b = bounds[first[rows], 0], bounds[first[rows], 1]
        with np.errstate(divide="ignore"):
            lo = 1.0 / (1.0 + b) if is_pos_side else 1.0 + a
            hi = 1.0 / (1.0 + a) if is_pos_side else 1.0 + b
        jobs.append((rows, np.full(rows.size, is_pos_side), lo, hi))
        roots.append(np.full(m, np.nan))
    rows = np.concatenate([j[0] for j in jobs])
    if rows.size:
        pos = np.concatenate([j[1] for j in jobs])
        lo = np.concatenate([j[2] for j in jobs])
        hi = np.concatenate([j[3] for j in jobs])
        c_t = _unit_form(v[rows], pos)
        # Sign of the polynomial at lo, or just right of lo = 0, where it is the sign of
        # the lowest-order non-zero coefficient.
        s_lo = np.sign(_horner(c_t, lo)[0])
        at_origin = np.flatnonzero(lo == 0.0)
        if at_origin.size:
            c0 = c_t[:, at_origin]
            s_lo[at_origin] = np.sign(c0[np.argmax(c0 != 0.0, axis=0), np.arange(at_origin.size)])
        z = _solve_unit(c_t, lo, hi, s_lo, _start(guess, pos, lo, hi), tol, maxiter)
        r = _rate_from_unit(z, pos)
        n_neg = jobs[0][0].size
        roots[0][jobs[0][0]] = r[:n_neg]
        roots[1][jobs[1][0]] = r[n_neg:]
    r_neg, r_pos = roots
    st_neg, st_pos = states
    settled = (st_neg < 2) & (st_pos < 2)
    # An unsettled side does not matter if the other side's root is nearer zero than
    # anything the unsettled side may hold.
    settled |= (st_neg == 2) & (st_pos == 1) & (np.abs(r_pos) < dists[0])
    settled |= (st_pos == 2) & (st_neg == 1) & (np.abs(r_neg) < dists[1])
    out = _nearest_to_zero(
        np.where(st_neg == 1, r_neg, np.nan), np.where(st_pos == 1, r_pos, np.nan)
    )
    return np.where(settled, out, np.nan), settled


def _irr_several_sign_changes(
    v: NDArray[np.float64], guess: float, tol: float, maxiter: int
) -> NDArray[np.float64]:
    """IRR of rows with two or more sign changes (possibly several roots, or none).

    Descartes' rule of signs, applied to NPV on rate intervals, tells which intervals
    hold no root and which exactly one (:func:`_irr_by_intervals`): first on r < 0 and
    r > 0, then, for rows this does not settle, on ``_FINE_INTERVALS``. Rows still
    unsettled (two roots close together, a double root, a root at a breakpoint) use all
    roots from :func:`_irr_eigen`.
    """
    m, n = v.shape
    out = np.full(m, np.nan)
    total = v.sum(axis=1)
    at_zero = total == 0.0
    out[at_zero] = 0.0  # r = 0 is a root and none is nearer zero
    rest = np.flatnonzero(~at_zero)
    if n <= _DESCARTES_MAX_PERIODS:
        for intervals in (_HALF_LINES, _FINE_INTERVALS):
            if rest.size == 0:
                break
            r, settled = _irr_by_intervals(v[rest], intervals, guess, tol, maxiter)
            out[rest[settled]] = r[settled]
            rest = rest[~settled]
    if rest.size:
        out[rest] = _irr_eigen(v[rest])
    return out


def _irr_rows(
    v: NDArray[np.float64], guess: float, tol: float, maxiter: int
) -> NDArray[np.float64]:
    """IRR of each row of ``v`` (S, Y); see :func:`irr`."""
    m, n = v.shape
    out = np.full(m, np.nan)
    if m == 0 or n == 0:
        return out
    # Classify rows by the signs of their non-zero values (NaN/inf rows: no IRR).
    finite = np.isfinite(v)
    w = v if finite.all() else np.where(finite.all(axis=1, keepdims=True), v, 0.0)
    changes, neg_then_pos = _sign_pattern(w)
    s_first = np.where(neg_then_pos, -1.0, 1.0)
    one = changes == 1
    if one.all():
        out = _irr_one_sign_change(v, s_first, guess, tol, maxiter)
    elif one.any():
        rows = np.flatnonzero(one)
        out[rows] = _irr_one_sign_change(v[rows], s_first[rows], guess, tol, maxiter)
    several = np.flatnonzero(changes == 2)
    if several.size:
        out[several] = _irr_several_sign_changes(v[several], guess, tol, maxiter)
    return out


def irr(
    values: ArrayLike, *, guess: float = 0.1, tol: float = 1e-12, maxiter: int = 100
) -> FloatOrArray:
    """Internal rate of return: the rate ``r`` > -1 at which ``npv(r, values) == 0``.

    Solves ``sum_t values[..., t] * x ** t = 0`` for ``x = 1 / (1 + r)``, for all
    scenarios at once (no Python loop over rows). The ``first_period`` convention of
    :func:`npv` only scales NPV by ``(1 + r) ** -first_period``, so it does not change
    the root.

    Root-selection rule (numpy-financial's): of all real roots ``r`` > -1, return the one
    nearest to zero; NaN if there is none. On a tie (``r`` and ``-r`` both roots, up to
    rounding) the positive one. The rule, not ``guess``, decides which root.

    * Conventional cash flows (non-zero values change sign exactly once, e.g.
      investment then income) have exactly one root (Descartes' rule of signs). It is
      found by Newton's method on the polynomial (Horner's rule), safeguarded by
      bisection on a bracket known from the signs, in ``x = 1/(1+r)`` when the root is
      >= 0 and in ``1 + r`` when it is < 0, so that nothing overflows.
    * With more sign changes there can be several roots, or none. Descartes' rule,
      applied to NPV on -1 < r < 0 and r > 0 and, where that is not enough, on fixed
      rate intervals (breakpoints at 0, +-5 %, +-10 %, ...), proves which intervals
      hold no root and which exactly one. On each side of zero the first interval
      outward that holds a root is searched as above, and the nearer root is returned.
      This settles typical investment, income, closure-cost cash flows. The few rows it
      does not settle (two roots within one interval, a double root) use all roots,
      computed as companion-matrix eigenvalues as ``np.roots`` does for numpy-financial
      (batched over scenarios); the real ones with ``x > 0`` are polished by Newton's
      method and kept only if NPV is zero there to rounding (1e-9 of the sum of the
      absolute discounted values). Unlike numpy-financial, a numerically double root
      (an NPV curve that just touches zero), whose eigenvalues may come out as a
      complex pair with a tiny imaginary part, counts as a root; and a root at exactly
      r = 0 (values summing to 0) is returned as exactly 0.
    * No sign change (all values positive, all negative, or all zero), NaN or inf
      values, or no real root > -1: NaN. So is a row that did not converge within
      ``maxiter`` iterations, which the bisection safeguard makes practically
      impossible. No cash flow raises an exception.

    Args:
        values: Cash flow per period in money units, outflows negative; shape (Y,) or
            (S, Y) for S scenarios.
        guess: Starting rate of Newton's method (> -1). It only affects speed, never
            which root is returned.
        tol: Convergence tolerance: iteration stops when a step changes ``1 + r`` (or
            its reciprocal) by at most ``tol`` relative (> 0).
        maxiter: Maximum number of iterations per row (>= 1).

    Returns:
        IRR per period as a fraction (0.05 = 5 %): ``np.float64`` for 1-D ``values``,
        else an array of shape (S,). NaN where there is no IRR.

    Raises:
        ValueError: If ``values`` is not 1-D or 2-D, or an option is out of range.
        TypeError: If ``maxiter`` is not an integer.

    Example:
        Microsoft's documented Excel example: a USD 70 000 investment followed by five
        years of net income:

        >>> flows = [-70000, 12000, 15000, 18000, 21000, 26000]
        >>> print(f"{irr(flows):.4%}")
        8.6631%
        >>> print(f"{npv(irr(flows), flows):.6f}")
        0.000000

        Two sign changes, two roots (10 % and 20 %): the one nearer zero is returned.
        Rows without an IRR give NaN:

        >>> irr([[-100, 230, -132, 0, 0],
        ...      [100, 50, 20, 0, 0],
        ...      [-70000, 12000, 15000, 18000, 21000]])
        array([ 0.1       ,         nan, -0.02124485])
    """
    v, one_d = _as_values(values)
    guess = float(guess)
    if not guess > -1.0:
        raise ValueError(f"'guess' must be > -1 (got {guess:g})")
    tol = float(tol)
    if not tol > 0.0:
        raise ValueError(f"'tol' must be > 0 (got {tol:g})")
    maxiter = _as_int(maxiter, "maxiter")
    if maxiter < 1:
        raise ValueError(f"'maxiter' must be >= 1 (got {maxiter})")

    out = np.full(v.shape[0], np.nan)
    with np.errstate(all="ignore"):  # extreme values: NaN results, never warnings
        # Blocks of rows whose temporaries stay in cache: faster than one big batch.
        for start in range(0, v.shape[0], _ROW_CHUNK):
            block = slice(start, start + _ROW_CHUNK)
            out[block] = _irr_rows(v[block], guess, tol, maxiter)
    return _finish(out, one_d)


# --------------------------------------------------------------------------------------
# payback and levelized cost
# --------------------------------------------------------------------------------------
def payback_period(values: ArrayLike) -> FloatOrArray:
    """Payback period: first period ``t`` at which ``cumsum(values)[t] >= 0``.

    Counted in whole periods after the first value (0-based index ``t``), undiscounted
    and without interpolation within a period, so a workbook can reproduce it with
    ``=MATCH(TRUE, INDEX(cumulative>=0, 0), 0) - 1``. A cumulative sum that is zero up
    to rounding (within 64 ulps of the cumulative sum of absolute values) counts as
    zero, as it would in exact arithmetic. A cash flow whose first value is already
    >= 0 pays back at 0.

    Args:
        values: Cash flow per period in money units, outflows negative; shape (Y,) or
            (S, Y).

    Returns:
        Payback period in periods as a float (``np.float64`` for 1-D ``values``, else
        shape (S,)); NaN if the cumulative cash flow never becomes >= 0.

    Raises:
        ValueError: If ``values`` is not 1-D or 2-D.

    Example:
        USD 100 invested, then 30, 40, 50, 60 a year: cumulative -100, -70, -30, 20,
        so the investment is paid back in period 3:

        >>> print(payback_period([-100, 30, 40, 50, 60]))
        3.0
        >>> payback_period([[-100, 30, 40, 50, 60], [-100, 10, 10, 10, 10]])
        array([ 3., nan])
    """
    v, one_d = _as_values(values)
    if v.shape[1] == 0:
        return _finish(np.full(v.shape[0], np.nan), one_d)
    with np.errstate(all="ignore"):
        cum = np.cumsum(v, axis=1)
        gross = np.cumsum(np.abs(v), axis=1)
        paid = cum >= -64.0 * _EPS * gross
    ever = paid.any(axis=1)
    out = np.where(ever, np.argmax(paid, axis=1).astype(np.float64), np.nan)
    return _finish(out, one_d)


def levelized_cost(
    rate: ArrayLike, costs: ArrayLike, quantities: ArrayLike, *, first_period: int = 0
) -> FloatOrArray:
    """Levelized cost: ``PV(costs) / PV(quantities)``, a constant price per unit.

    It is the unit price ``p`` at which selling ``quantities`` breaks even:
    ``npv(rate, p * quantities - costs) == 0``. With costs in USD and quantities in kg it
    is in USD/kg (e.g. a levelized cost of production).

    Args:
        rate: Discount rate per period as a fraction; scalar or shape (S,). Must be > -1.
        costs: Costs per period in money units, as positive numbers; shape (Y,) or
            (S, Y).
        quantities: Quantity produced per period (e.g. kg); shape (Y,) or (S, Y), with
            the same number of periods as ``costs``. A 1-D array is shared by all
            scenarios.
        first_period: Periods of discounting of the first period, as in :func:`npv`.
            It scales both present values by the same factor, so the ratio does not
            depend on it; it is accepted for symmetry with :func:`npv`.

    Returns:
        Money per unit of quantity: ``np.float64`` if ``costs``, ``quantities`` are 1-D
        and ``rate`` is scalar, else shape (S,). NaN where PV(quantities) is zero.

    Raises:
        ValueError: If ``rate`` <= -1 or the shapes do not match.
        TypeError: If ``first_period`` is not an integer.

    Example:
        A plant costing USD 1 000 000 now, then USD 100 000 a year to run, producing
        50 000 kg a year for 3 years, at 8 %:

        >>> costs = [1_000_000, 100_000, 100_000, 100_000]
        >>> kg = [0, 50_000, 50_000, 50_000]
        >>> price = levelized_cost(0.08, costs, kg)
        >>> print(f"USD {price:.2f}/kg")
        USD 9.76/kg
        >>> revenue = [price * q for q in kg]
        >>> print(f"{npv(0.08, [p - c for p, c in zip(revenue, costs)]):.6f}")
        0.000000
    """
    c, c_1d = _as_values(costs, "costs")
    q, q_1d = _as_values(quantities, "quantities")
    if c.shape[1] != q.shape[1]:
        raise ValueError(
            f"'costs' and 'quantities' must have the same number of periods "
            f"(got {c.shape[1]} and {q.shape[1]})"
        )
    if c.shape[0] != q.shape[0] and 1 not in (c.shape[0], q.shape[0]):
        raise ValueError(
            f"'costs' and 'quantities' must have the same number of scenarios, or one "
            f"of them be 1-D (got {c.shape[0]} and {q.shape[0]})"
        )
    one_d = c_1d and q_1d
    n_rows = None if one_d else max(c.shape[0], q.shape[0])
    r = _as_rate(rate, n_rows)
    fp = _as_int(first_period, "first_period")
    pv_c = _npv_rows(r, c, fp)
    pv_q = _npv_rows(r, q, fp)
    pv_c, pv_q = np.broadcast_arrays(pv_c, pv_q)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(pv_q == 0.0, np.nan, pv_c / pv_q)
    return _finish(out, one_d and r.ndim == 0)
