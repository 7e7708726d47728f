"""Internal rate of return (IRR), vectorized over scenarios: the one finance function
the engine calls.

Every other project metric is a line item of :mod:`econ.model.definition`, built from
the expression nodes of :mod:`econ.model.expr` and written to the workbook as a
formula, so it is defined once, there, and not here:

* discount factor: ``(1 + discount_rate) ** -period``, ``period = 1 .. Y``;
* NPV: ``SumProduct(net cash flow, discount factor)``, i.e. Excel's ``NPV(rate, flows)``;
* payback year: ``FirstYearWhere(Flag(CumSum(net cash flow) > 0))``, the first calendar
  year whose cumulative net cash flow is strictly positive;
* levelized cost: ``SumProduct(after-tax cost, discount factor)`` over
  ``SumProduct(after-tax volume, discount factor)``.

IRR has no closed form: the ``Irr`` node calls :func:`irr` (the workbook calls Excel's
``IRR``). The module depends on numpy only, so it imports fast.

Conventions
-----------
Each cash flow falls at the end of its period and is discounted to the start of the
timeline, so the first one is discounted once, as in Excel's ``NPV()`` and the engine::

    NPV(r) = sum over t = 1 .. Y of  v_t / (1 + r) ** t

numpy-financial's ``npf.npv(r, values)`` does not discount its first value:
``npf.npv(r, [0, *values])`` is the engine's NPV and ``npf.npv(r, values)`` is
``(1 + r)`` times it. The IRR is the same under both: multiplying NPV by
``(1 + r) ** k > 0`` moves none of its roots.

Glossary
--------
period
    One step of the timeline, a year in econ's models. ``values[..., t]`` is the net
    cash flow of the (t+1)-th period (``t = 0 .. Y-1``).
cash flow
    Money per period, in any money unit (econ uses USD). Outflows (investment, costs,
    tax) are negative, inflows (revenue, subsidy) positive.
rate
    Discount rate or return per period, as a fraction: ``0.08`` is 8 % a period.
    Rates are > -1 (at -1 every future amount would be worth infinitely much).
discount factor
    ``(1 + rate) ** -t``: the value at the start of the timeline of one money unit paid
    at the end of period ``t``. Dimensionless.
NPV
    Net present value: the sum of the discounted cash flows, in their money unit.
IRR
    Internal rate of return: a rate ``r`` > -1 at which NPV is zero. When there are
    several, :func:`irr` returns the one nearest zero (numpy-financial 1.0.0's rule;
    see :func:`irr`).
conventional cash flow
    One whose non-zero values change sign exactly once (investment, then income). By
    Descartes' rule of signs it has exactly one IRR.
scenario
    One row of a 2-D ``values`` array of shape (S, Y): S scenarios by Y periods.

Units and shapes
----------------
``values`` is shape (Y,) for one cash flow or (S, Y) for S scenarios. The IRR is a
dimensionless fraction per period (the money unit cancels; scaling every value by the
same non-zero factor leaves it unchanged): ``np.float64`` for (Y,), shape (S,) for
(S, Y). It is NaN where there is no IRR; :func:`irr` raises only for invalid arguments,
with a message saying what is allowed.

Example
-------
numpy-financial's worked example: invest 100, then withdraw 39, 59, 55 and 20 at the
end of the next four periods. The IRR is the rate at which the withdrawals are worth
exactly the investment:

>>> flows = [-100, 39, 59, 55, 20]
>>> rate = irr(flows)
>>> print(f"{rate:.5f}")
0.28095
>>> npv = sum(v / (1 + rate) ** t for t, v in enumerate(flows, start=1))  # engine's NPV
>>> print(f"{abs(npv):.9f}")
0.000000000

Many scenarios at once (here a USD 70 000 investment and Microsoft's documented Excel
``IRR`` example, with four and five years of income):

>>> irr([[-70000, 12000, 15000, 18000, 21000, 0],
...      [-70000, 12000, 15000, 18000, 21000, 26000]]).round(6)
array([-0.021245,  0.086631])
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import operator
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["FloatOrArray", "irr"]

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


def _finish(out: NDArray[np.float64], scalar: bool) -> FloatOrArray:
    """Return ``out[0]`` as ``np.float64`` for a single cash flow, else the array."""
    if scalar:
        return np.float64(out[0])
    return out


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


def _nearest_to_zero(r_neg: NDArray[np.float64], r_pos: NDArray[np.float64]) -> NDArray[np.float64]:
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
def _interval_transforms(n: int, intervals: tuple[tuple[float, float], ...]) -> NDArray[np.float64]:
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
    """Internal rate of return: the rate ``r`` > -1 at which NPV is zero.

    Solves ``sum_t values[..., t] * x ** t = 0`` for ``x = 1 / (1 + r)``, for all
    scenarios at once (no Python loop over rows). Whether the first value is discounted
    (the engine, Excel's ``NPV()``) or not (``npf.npv``) only scales NPV by
    ``(1 + r) ** -1`` and does not move the root.

    Root-selection rule, pinned to numpy-financial 1.0.0: of all real roots ``r`` > -1,
    return the one nearest zero; NaN if there is none. On a tie (``r`` and ``-r`` both
    roots, to 1e-12 relative) the positive one. The rule, not ``guess``, decides which
    root.

    Source of the rule: numpy-financial 1.0.0, the release on PyPI (tag v1.0.0, commit
    247aa4e2ee4fa7db44915790d5a730b9776d10a7, ``numpy_financial/_financial.py``,
    ``irr``), which takes the roots ``res = np.roots(values[::-1])`` (in ``x``), keeps
    those with ``res.imag == 0`` and ``res.real > 0`` and returns the
    ``rate = 1/res - 1`` of smallest ``abs(rate)``. numpy-financial's main branch has
    since changed it (unreleased; its pyproject.toml says 2.0.0): PR #43 (2021)
    preferred positive roots, PR #47 (2022) replaced the roots by Newton's method from a
    guess, and PR #99 (merge 50c0930, 2024-03-22) with PR #121 (commit b765948,
    ``_irr_default_selection``) went back to all real roots (of ``1 + r``, with
    ``r >= -1``) but, when they have both signs, returns the smallest root >= 0: for
    the cash flow of numpy-financial issue #39 it gives 12 % where this rule gives
    -1.8 %. econ's tests compare with a vendored copy of the 1.0.0 rule
    (``tests/reference/npf_irr_1_0_0.py``), and pyproject.toml pins
    ``numpy-financial<1.1`` for the tests that call the installed package.

    How the root is found:

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
        years of net income. At the IRR the NPV, end-of-year as the engine computes it,
        is zero:

        >>> flows = [-70000, 12000, 15000, 18000, 21000, 26000]
        >>> rate = irr(flows)
        >>> print(f"{rate:.4%}")
        8.6631%
        >>> npv = sum(v / (1 + rate) ** t for t, v in enumerate(flows, start=1))
        >>> print(f"USD {abs(npv):.6f}")
        USD 0.000000

        Two sign changes, two roots (10 % and 20 %): the one nearer zero is returned.
        Rows without an IRR give NaN:

        >>> irr([[-100, 230, -132, 0, 0],
        ...      [100, 50, 20, 0, 0],
        ...      [-70000, 12000, 15000, 18000, 21000]])
        array([ 0.1       ,         nan, -0.02124485])

        Roots of both signs, -76.9 % and +185.4 % (numpy-financial issue #28): the one
        nearer zero, as numpy-financial 1.0.0 returns it (its main branch: +185.4 %):

        >>> print(f"{irr([-50, -100, 600, 300, -100]):.4f}")
        -0.7689
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
