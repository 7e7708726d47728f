"""Backend 1: a node evaluated with numpy, over many scenarios at once.

Pure: arrays in, arrays out, no files, no clock. Scalars per scenario have
shape ``(S, 1)``, timeline rows ``(S, Y)`` (``(1, ...)`` when the same for
every scenario); numpy broadcasting does the rest, so 100,000 scenarios cost
one pass over each line item.

"Not available" is NaN and propagates as ``#N/A`` does in a spreadsheet:
through arithmetic, functions, sums and comparisons (a comparison with NaN
gives NaN, not False, and ``IF`` of NaN is NaN). Only
:class:`~econ.model.expr.Check` looks at it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping
from typing import Any, assert_never

import numpy as np
from numpy.typing import NDArray

from econ import finance
from econ.model.expr import (
    CHECK_TOLERANCE,
    At,
    Binary,
    Check,
    Const,
    CumSum,
    Expr,
    FirstYearWhere,
    Func,
    Irr,
    Last,
    Prev,
    Ref,
    RowMax,
    SafeDiv,
    Sum,
    SumProduct,
    as_node,
)

__all__ = ["evaluate", "may_be_na"]

Array = NDArray[np.float64]

_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
    "^": np.power,
}
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "=": np.equal,
    "<>": np.not_equal,
}


def _may_be_nan(x: Array) -> bool:
    # One fast pass; inf - inf also gives NaN, which only costs the masked path.
    return bool(np.isnan(np.add.reduce(x, axis=None)))


def _with_nan(out: Array, *operands: Array) -> Array:
    """``out`` with NaN wherever an operand is NaN (spreadsheet n/a semantics)."""
    nan_operands = [x for x in operands if _may_be_nan(x)]
    if not nan_operands:
        return out
    mask = functools.reduce(np.logical_or, (np.isnan(x) for x in nan_operands))
    out = np.array(np.broadcast_to(out, np.broadcast_shapes(out.shape, mask.shape)))
    out[np.broadcast_to(mask, out.shape)] = np.nan
    return out


#: Nodes that produce "not available" (plain ``/`` and ``^`` are reserved for
#: operands the input domains keep finite; a possible zero denominator is a
#: :class:`SafeDiv`).
_NA_SOURCES = (SafeDiv, Irr, FirstYearWhere)


_NA_CACHE: dict[tuple[Expr, frozenset[str]], bool] = {}


def may_be_na(expr: Expr, na_names: Collection[str]) -> bool:
    """Whether ``expr`` can be n/a, given the names that can be (memoized
    for a model's frozen set of names)."""
    if isinstance(na_names, frozenset):
        key = (expr, na_names)  # Expr hashes by identity
        hit = _NA_CACHE.get(key)
        if hit is None:
            if len(_NA_CACHE) >= 100_000:  # bounded in a long-lived process
                _NA_CACHE.clear()
            hit = _NA_CACHE[key] = _may_be_na(expr, na_names)
        return hit
    return _may_be_na(expr, na_names)


def _may_be_na(expr: Expr, na_names: Collection[str]) -> bool:
    node = as_node(expr)
    if isinstance(node, Ref):
        return node.name in na_names
    if isinstance(node, _NA_SOURCES) or (isinstance(node, Func) and node.name == "LOG"):
        return True
    return any(may_be_na(c, na_names) for c in node.children())


def evaluate(
    expr: Expr,
    env: Mapping[str, Array],
    n_years: int,
    na_names: Collection[str] | None = None,
    lag: Callable[[str, Array], Array] | None = None,
    *,
    quiet: bool = True,
) -> Array:
    """Evaluate ``expr`` with numpy.

    Args:
        expr: the expression.
        env: value of every name it refers to, each of shape ``(S, 1)``
            (scalar per scenario) or ``(S, Y)`` (per year); S may be 1.
        n_years: Y, the timeline length (used to broadcast scalars to rows).
        na_names: the names whose values can be n/a (from :func:`may_be_na`);
            comparisons over operands that cannot be n/a then skip the n/a
            pass. ``None``: look at the values.
        lag: for year-by-year evaluation (``env`` holds one year's column):
            ``lag(name, initial)`` is the row's value in the previous year.
        quiet: silence numpy's floating-point warnings (n/a and overflow are
            values here); ``False`` when the caller already does, as the
            model evaluator does once for a whole model.

    Returns:
        An array of shape ``(S, 1)`` or ``(S, Y)``.

    >>> import numpy as np
    >>> from econ.model.expr import Max, Ref, SafeDiv
    >>> env = {"a": np.array([[20.0]]), "b": np.array([[11.5]]), "z": np.array([[0.0]])}
    >>> evaluate(Max(Ref("a") - Ref("b"), 0), env, 3)
    array([[8.5]])
    >>> evaluate(SafeDiv(Ref("a"), Ref("z")) > 0, env, 3)  # n/a stays n/a
    array([[nan]])
    """

    def na(e: Expr) -> bool:
        return na_names is None or may_be_na(e, na_names)

    def row(e: Expr) -> Array:
        value = ev(e)
        return np.broadcast_to(value, (value.shape[0], n_years))

    def ev(e: Expr) -> Array:
        node = as_node(e)
        match node:
            case Const(value=v):
                return np.array([[v]])
            case Ref(name=n):
                return env[n]
            case Binary(op=op, left=left, right=right):
                a, b = ev(left), ev(right)
                if op in _ARITHMETIC:
                    return np.asarray(_ARITHMETIC[op](a, b), dtype=np.float64)
                out = np.asarray(_COMPARE[op](a, b), dtype=np.float64)
                return _with_nan(out, a, b) if na(node) else out
            case Func(name="IF", args=(cond, Const(value=1.0), Const(value=0.0))) if (
                isinstance(cond, Binary) and cond.op in _COMPARE
            ) or (isinstance(cond, Func) and cond.name == "AND"):
                return ev(cond)  # a Flag: the condition already is 1, 0 or n/a
            case Func(name=name, args=args):
                return _func(name, [ev(a) for a in args], na(node))
            case SafeDiv(numerator=num_, denominator=den_):
                return safe_div(ev(num_), ev(den_))
            case CumSum(series=s):
                return np.asarray(np.cumsum(row(s), axis=1), dtype=np.float64)
            case Prev(series=s, initial=init):
                if lag is not None:  # year-by-year evaluation of a balance
                    return lag(s.name, ev(init))
                rows = row(s)
                first = np.broadcast_to(ev(init), (rows.shape[0], 1))
                return np.concatenate([first, rows[:, :-1]], axis=1)
            case Sum(series=s):
                return np.asarray(row(s).sum(axis=1, keepdims=True), dtype=np.float64)
            case SumProduct(a=a_, b=b_):
                return _sumproduct(ev(a_), ev(b_), n_years)
            case At(series=s, flag=f):
                return _sumproduct(ev(s), ev(f), n_years)
            case Last(series=s):
                return row(s)[:, -1:]
            case RowMax(series=s):
                return np.asarray(row(s).max(axis=1, keepdims=True), dtype=np.float64)
            case Irr(series=s):
                return row_irr(row(s))
            case FirstYearWhere(flag=f):
                return first_year_where(row(f), row(Ref("year")))
            case Check(actual=actual, expected=expected, scale=scale_):
                scale = None if scale_ is None else ev(scale_)
                return check(ev(actual), ev(expected), scale, env[CHECK_TOLERANCE])
            case _:  # pragma: no cover - mypy proves this unreachable
                assert_never(node)

    try:
        if not quiet:
            return ev(expr)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return ev(expr)
    finally:
        # ``ev`` and ``row`` call each other through their closure cells: a
        # reference cycle that would hold ``env`` (every array of the
        # evaluation) until the cyclic collector's next full pass. Emptying
        # the cells frees them now.
        ev = row = None  # type: ignore[assignment]


def safe_div(num: Array, den: Array) -> Array:
    """``num / den``, n/a where ``den`` is 0 (a :class:`SafeDiv`)."""
    zero = den == 0
    out = num / np.where(zero, 1.0, den)
    return np.where(zero, np.nan, out) if zero.any() else out


def row_irr(row: Array) -> Array:
    """IRR of each scenario's row of flows ``(S, Y)`` -> ``(S, 1)``; n/a
    where a flow is n/a or no rate solves (an :class:`Irr`)."""
    flows = np.ascontiguousarray(row)
    bad = np.asarray(np.isnan(flows).any(axis=1))
    out = np.asarray(finance.irr(np.where(bad[:, None], 0.0, flows)), dtype=np.float64)
    return np.where(bad, np.nan, out).reshape(-1, 1)


def first_year_where(flag_row: Array, years: Array) -> Array:
    """The first year whose flag is exactly 1, n/a if none (a
    :class:`FirstYearWhere`; Excel ``MATCH(1, flag, 0)``, n/a cells skipped)."""
    flags = flag_row == 1.0
    idx = flags.argmax(axis=1)
    found = np.asarray(flags.any(axis=1))
    picked = np.take_along_axis(years, idx[:, None], axis=1)
    return np.where(found[:, None], picked, np.nan)


def check(a: Array, b: Array, scale_: Array | None, tol: Array) -> Array:
    """1 where ``a`` and ``b`` agree within ``tol`` relative to the larger of
    1, ``|a|``, ``|b|`` and ``|scale|`` (or both are n/a), else 0 (a :class:`Check`)."""
    with np.errstate(invalid="ignore"):
        scale = np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))
        if scale_ is not None:
            scale = np.maximum(scale, np.abs(scale_))
        ok = np.abs(a - b) <= tol * scale
    both_na = np.isnan(a) & np.isnan(b)
    return (ok | both_na).astype(np.float64)


def _sumproduct(a: Array, b: Array, n_years: int) -> Array:
    """Row-wise sum of products. Both operands are broadcast to (S, Y) and
    summed per row the same way whatever S is (no BLAS): a scenario's value
    does not depend on the chunk it is evaluated in."""
    size = max(a.shape[0], b.shape[0])
    a = np.broadcast_to(a, (size, n_years))
    b = np.broadcast_to(b, (size, n_years))
    return np.asarray(np.einsum("sy,sy->s", a, b)[:, None], dtype=np.float64)


def _func(name: str, args: list[Array], na: bool = True) -> Array:
    """Apply a spreadsheet function (under the caller's ``np.errstate``)."""
    if name == "MAX":
        return functools.reduce(np.maximum, args)
    if name == "MIN":
        return functools.reduce(np.minimum, args)
    if name == "IF":
        cond, yes, no = args
        out = np.where(cond != 0, yes, no).astype(np.float64)
        return _with_nan(out, cond) if na else out
    if name == "AND":
        out = functools.reduce(np.logical_and, (a != 0 for a in args)).astype(np.float64)
        return _with_nan(out, *args) if na else out
    if name == "LOG":
        return np.asarray(np.log(args[0]) / np.log(args[1]), dtype=np.float64)
    if name == "ABS":
        return np.abs(args[0])
    raise ValueError(f"unknown function {name!r}")  # pragma: no cover - Func validates
