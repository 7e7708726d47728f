"""A small expression graph: the single definition behind both backends.

Every line item of an econ model is an :class:`Expr` built from references to
inputs and other line items, arithmetic, a handful of spreadsheet functions and
a few timeline operators. Two backends walk the same tree:

* :func:`evaluate` maps it to numpy arrays of shape ``(scenarios, 1)`` for
  scalars and ``(scenarios, years)`` for timeline rows;
* :func:`to_formula` maps it to an Excel formula for one column of the Model
  sheet (or a single cell for scalars).

So a workbook formula and the engine cannot disagree by construction; the
LibreOffice tests prove the renderer and the evaluator mean the same thing.

Glossary: *series* is a row over the timeline (one value per year); *scalar* is
one value per scenario; *reduction* turns a series into a scalar (SUM, first
value, SUMPRODUCT, IRR, first year where a flag is set).

>>> a, b = Ref("a"), Ref("b")
>>> e = Max(a - b, 0) * Ref("volume")
>>> print(e)
MAX(a-b,0)*volume
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from econ import finance

__all__ = [
    "And",
    "Binary",
    "Check",
    "Const",
    "CumSum",
    "Eq",
    "Expr",
    "First",
    "FirstYearWhere",
    "Flag",
    "FormulaContext",
    "Func",
    "Irr",
    "Last",
    "Log",
    "Max",
    "Min",
    "Ref",
    "RowMax",
    "SafeDiv",
    "Sum",
    "SumProduct",
    "evaluate",
    "to_formula",
]

Array = NDArray[np.float64]

#: Text shown in a workbook where the engine has no number (NaN): a division
#: by zero guarded by :class:`SafeDiv`, an IRR that does not exist, a year
#: that never comes.
NOT_AVAILABLE = "n/a"

# Operator precedence for rendering without redundant parentheses.
_PRECEDENCE = {
    "=": 1,
    "<>": 1,
    "<": 1,
    "<=": 1,
    ">": 1,
    ">=": 1,
    "+": 2,
    "-": 2,
    "*": 3,
    "/": 3,
    "^": 5,
}


def _as_expr(value: Expr | float | int) -> Expr:
    if isinstance(value, Expr):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"cannot use {value!r} in a model expression")
    return Const(float(value))


class Expr:
    """Base of every node. Python operators build new nodes."""

    def children(self) -> tuple[Expr, ...]:
        return ()

    def refs(self) -> Iterator[str]:
        """Names of every input or line item this expression reads."""
        for child in self.children():
            yield from child.refs()

    # arithmetic -------------------------------------------------------
    def __add__(self, other: Expr | float) -> Expr:
        return Binary("+", self, _as_expr(other))

    def __radd__(self, other: Expr | float) -> Expr:
        return Binary("+", _as_expr(other), self)

    def __sub__(self, other: Expr | float) -> Expr:
        return Binary("-", self, _as_expr(other))

    def __rsub__(self, other: Expr | float) -> Expr:
        return Binary("-", _as_expr(other), self)

    def __mul__(self, other: Expr | float) -> Expr:
        return Binary("*", self, _as_expr(other))

    def __rmul__(self, other: Expr | float) -> Expr:
        return Binary("*", _as_expr(other), self)

    def __truediv__(self, other: Expr | float) -> Expr:
        return Binary("/", self, _as_expr(other))

    def __rtruediv__(self, other: Expr | float) -> Expr:
        return Binary("/", _as_expr(other), self)

    def __pow__(self, other: Expr | float) -> Expr:
        return Binary("^", self, _as_expr(other))

    def __neg__(self) -> Expr:
        return Binary("-", Const(0.0), self)

    # comparisons build nodes too (so Expr is not hashable by value)
    def __lt__(self, other: Expr | float) -> Expr:
        return Binary("<", self, _as_expr(other))

    def __le__(self, other: Expr | float) -> Expr:
        return Binary("<=", self, _as_expr(other))

    def __gt__(self, other: Expr | float) -> Expr:
        return Binary(">", self, _as_expr(other))

    def __ge__(self, other: Expr | float) -> Expr:
        return Binary(">=", self, _as_expr(other))

    def __str__(self) -> str:
        return to_formula(self, FormulaContext.plain())

    __hash__ = object.__hash__


@dataclass(frozen=True, eq=False)
class Const(Expr):
    """A literal number. Only structural numbers (0, 1, 2) belong in a model;
    any figure with a unit is a named input or constant instead."""

    value: float


@dataclass(frozen=True, eq=False)
class Ref(Expr):
    """A reference to an input, a named constant or another line item."""

    name: str

    def refs(self) -> Iterator[str]:
        yield self.name


@dataclass(frozen=True, eq=False)
class Binary(Expr):
    op: str
    left: Expr
    right: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, eq=False)
class Func(Expr):
    """An element-wise spreadsheet function: MAX, MIN, IF, AND, LOG, ABS."""

    name: str
    args: tuple[Expr, ...]

    def children(self) -> tuple[Expr, ...]:
        return self.args


def Max(*args: Expr | float) -> Expr:
    """Element-wise maximum of expressions (Excel ``MAX(a, b, ...)``)."""
    return Func("MAX", tuple(_as_expr(a) for a in args))


def Min(*args: Expr | float) -> Expr:
    """Element-wise minimum of expressions (Excel ``MIN(a, b, ...)``)."""
    return Func("MIN", tuple(_as_expr(a) for a in args))


def And(*conditions: Expr) -> Expr:
    """All conditions true (Excel ``AND``)."""
    return Func("AND", conditions)


def Flag(condition: Expr) -> Expr:
    """1 where the condition holds, else 0 (Excel ``IF(condition, 1, 0)``)."""
    return Func("IF", (condition, Const(1.0), Const(0.0)))


def Eq(a: Expr | float, b: Expr | float) -> Expr:
    """Equality test (Excel ``a=b``), 1 or 0."""
    return Binary("=", _as_expr(a), _as_expr(b))


def Log(value: Expr, base: Expr | float) -> Expr:
    """Logarithm of ``value`` in ``base`` (Excel ``LOG(value, base)``)."""
    return Func("LOG", (value, _as_expr(base)))


@dataclass(frozen=True, eq=False)
class SafeDiv(Expr):
    """``numerator / denominator``, or "not available" (NaN) where the
    denominator is 0. Excel: ``IF(denominator=0, "n/a", numerator/denominator)``."""

    numerator: Expr
    denominator: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.numerator, self.denominator)


# Timeline operators -----------------------------------------------------


@dataclass(frozen=True, eq=False)
class CumSum(Expr):
    """Running total along the timeline (Excel ``SUM($F7:F7)``)."""

    series: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.series,)


@dataclass(frozen=True, eq=False)
class Sum(Expr):
    """Total over the timeline: a scalar (Excel ``SUM(row)``)."""

    series: Ref

    def refs(self) -> Iterator[str]:
        yield self.series.name


@dataclass(frozen=True, eq=False)
class First(Expr):
    """Value in the first year of the timeline: a scalar (``INDEX(row, 1)``)."""

    series: Ref

    def refs(self) -> Iterator[str]:
        yield self.series.name


@dataclass(frozen=True, eq=False)
class RowMax(Expr):
    """Largest value over the timeline: a scalar (Excel ``MAX(row)``)."""

    series: Ref

    def refs(self) -> Iterator[str]:
        yield self.series.name


@dataclass(frozen=True, eq=False)
class Last(Expr):
    """Value in the last year of the timeline: a scalar
    (``INDEX(row, COLUMNS(row))``)."""

    series: Ref

    def refs(self) -> Iterator[str]:
        yield self.series.name


@dataclass(frozen=True, eq=False)
class SumProduct(Expr):
    """Sum over the timeline of the product of two rows (``SUMPRODUCT``)."""

    a: Ref
    b: Ref

    def refs(self) -> Iterator[str]:
        yield self.a.name
        yield self.b.name


@dataclass(frozen=True, eq=False)
class Irr(Expr):
    """Internal rate of return of a cash-flow row (Excel ``IRR``); NaN when
    there is none."""

    series: Ref

    def refs(self) -> Iterator[str]:
        yield self.series.name


@dataclass(frozen=True, eq=False)
class FirstYearWhere(Expr):
    """Calendar year of the first column where a 0/1 flag row is 1; NaN if
    none. Excel: ``IFERROR(INDEX(year, MATCH(1, flag, 0)), "n/a")``."""

    flag: Ref

    def refs(self) -> Iterator[str]:
        yield self.flag.name
        yield "year"


@dataclass(frozen=True, eq=False)
class Check(Expr):
    """1 when ``actual`` equals ``expected`` within the model's relative
    tolerance (named input ``check_tolerance``), else 0.

    Excel: ``IF(ABS(a-b)<=check_tolerance*MAX(1,ABS(a),ABS(b)),1,0)``.
    """

    actual: Expr
    expected: Expr

    def __post_init__(self) -> None:
        object.__setattr__(self, "expected", _as_expr(self.expected))

    def children(self) -> tuple[Expr, ...]:
        return (self.actual, self.expected)

    def refs(self) -> Iterator[str]:
        yield from super().refs()
        yield "check_tolerance"


# ---------------------------------------------------------------------------
# Backend 1: numpy
# ---------------------------------------------------------------------------

_NP_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
    "^": np.power,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "=": np.equal,
    "<>": np.not_equal,
}


def evaluate(expr: Expr, env: Mapping[str, Array], n_years: int) -> Array:
    """Evaluate ``expr`` with numpy.

    Args:
        expr: the expression.
        env: value of every name it refers to, each of shape ``(S, 1)``
            (scalar per scenario) or ``(S, Y)`` (per year).
        n_years: Y, the timeline length (used to broadcast scalars to rows).

    Returns:
        An array of shape ``(S, 1)`` or ``(S, Y)``.

    >>> import numpy as np
    >>> env = {"a": np.array([[20.0]]), "b": np.array([[11.5]])}
    >>> evaluate(Max(Ref("a") - Ref("b"), 0), env, 3)
    array([[8.5]])
    """

    def row(e: Expr) -> Array:
        value = ev(e)
        return np.broadcast_to(value, (value.shape[0], n_years))

    def ev(e: Expr) -> Array:
        if isinstance(e, Const):
            return np.array([[e.value]])
        if isinstance(e, Ref):
            return env[e.name]
        if isinstance(e, Binary):
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                out = _NP_BINARY[e.op](ev(e.left), ev(e.right))
            return np.asarray(out, dtype=np.float64)
        if isinstance(e, Func):
            args = [ev(a) for a in e.args]
            if e.name == "MAX":
                return functools.reduce(np.maximum, args)
            if e.name == "MIN":
                return functools.reduce(np.minimum, args)
            if e.name == "IF":
                return np.where(args[0] != 0, args[1], args[2]).astype(np.float64)
            if e.name == "AND":
                out = args[0] != 0
                for a in args[1:]:
                    out = out & (a != 0)
                return out.astype(np.float64)
            if e.name == "LOG":
                with np.errstate(divide="ignore", invalid="ignore"):
                    return np.asarray(np.log(args[0]) / np.log(args[1]), dtype=np.float64)
            if e.name == "ABS":
                return np.abs(args[0])
            raise ValueError(f"unknown function {e.name!r}")
        if isinstance(e, SafeDiv):
            num, den = ev(e.numerator), ev(e.denominator)
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(den == 0, np.nan, num / np.where(den == 0, 1.0, den))
        if isinstance(e, CumSum):
            return np.cumsum(row(e.series), axis=1)
        if isinstance(e, Sum):
            return row(e.series).sum(axis=1, keepdims=True)
        if isinstance(e, First):
            return row(e.series)[:, :1]
        if isinstance(e, Last):
            return row(e.series)[:, -1:]
        if isinstance(e, RowMax):
            return row(e.series).max(axis=1, keepdims=True)
        if isinstance(e, SumProduct):
            return np.einsum("sy,sy->s", row(e.a), row(e.b))[:, None]
        if isinstance(e, Irr):
            return np.asarray(
                finance.irr(np.ascontiguousarray(row(e.series))), dtype=np.float64
            ).reshape(-1, 1)
        if isinstance(e, FirstYearWhere):
            flags = row(e.flag) > 0.5
            years = row(Ref("year"))
            idx = flags.argmax(axis=1)
            found = np.asarray(flags.any(axis=1))
            picked = np.take_along_axis(years, idx[:, None], axis=1)
            return np.where(found[:, None], picked, np.nan)
        if isinstance(e, Check):
            a, b = ev(e.actual), ev(e.expected)
            tol = env["check_tolerance"]
            scale = np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))
            return (np.abs(a - b) <= tol * scale).astype(np.float64)
        raise TypeError(f"cannot evaluate {type(e).__name__}")

    return ev(expr)


# ---------------------------------------------------------------------------
# Backend 2: Excel formulas
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FormulaContext:
    """How names render in one cell of the workbook.

    Attributes:
        cell: maps a name to the text of a reference to its value in the
            current column (``"F12"``, ``"discount_rate"``,
            ``"INDEX(price,1,F$5)"``).
        row: maps a series name to a reference to its whole timeline row
            (a defined name such as ``"gap_usd_per_kg"``), for reductions.
        running: maps a series name to the running range ``"$F12:F12"``
            ending at the current column, for :class:`CumSum`.
    """

    cell: Callable[[str], str]
    row: Callable[[str], str]
    running: Callable[[str], str]

    @classmethod
    def plain(cls) -> FormulaContext:
        """Names render as themselves: for reading a definition."""
        return cls(cell=lambda n: n, row=lambda n: n, running=lambda n: f"running {n}")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def to_formula(expr: Expr, ctx: FormulaContext) -> str:
    """Render ``expr`` as the text of an Excel formula (without the ``=``).

    >>> ctx = FormulaContext(cell=lambda n: {"gap": "F12"}.get(n, n),
    ...                      row=lambda n: n, running=lambda n: n)
    >>> to_formula(Max(Ref("gap"), 0) * Ref("volume_kg"), ctx)
    'MAX(F12,0)*volume_kg'
    """

    def wrap(e: Expr, parent: int, right: bool) -> str:
        text = fmt(e)
        if isinstance(e, Binary):
            mine = _PRECEDENCE[e.op]
            if mine < parent or (right and mine == parent):
                return f"({text})"
        if isinstance(e, Const) and e.value < 0:
            return f"({text})"
        return text

    def fmt(e: Expr) -> str:
        if isinstance(e, Const):
            return _number(e.value)
        if isinstance(e, Ref):
            return ctx.cell(e.name)
        if isinstance(e, Binary):
            p = _PRECEDENCE[e.op]
            if e.op == "-" and isinstance(e.left, Const) and e.left.value == 0:
                inner = fmt(e.right)
                # Excel's unary minus binds tighter than ^: always bracket.
                return f"-({inner})" if isinstance(e.right, Binary | SafeDiv) else f"-{inner}"
            # Excel's ^ binds tighter than unary minus and is left-assoc.
            return f"{wrap(e.left, p, False)}{e.op}{wrap(e.right, p, True)}"
        if isinstance(e, Func):
            return f"{e.name}({','.join(fmt(a) for a in e.args)})"
        if isinstance(e, SafeDiv):
            den = fmt(e.denominator)
            return (
                f'IF({den}=0,"{NOT_AVAILABLE}",'
                f"{wrap(e.numerator, 3, False)}/{wrap(e.denominator, 3, True)})"
            )
        if isinstance(e, CumSum):
            if not isinstance(e.series, Ref):
                raise TypeError("CumSum renders only over a named row")
            return f"SUM({ctx.running(e.series.name)})"
        if isinstance(e, Sum):
            return f"SUM({ctx.row(e.series.name)})"
        if isinstance(e, First):
            return f"INDEX({ctx.row(e.series.name)},1,1)"
        if isinstance(e, RowMax):
            return f"MAX({ctx.row(e.series.name)})"
        if isinstance(e, Last):
            rng = ctx.row(e.series.name)
            return f"INDEX({rng},1,COLUMNS({rng}))"
        if isinstance(e, SumProduct):
            return f"SUMPRODUCT({ctx.row(e.a.name)},{ctx.row(e.b.name)})"
        if isinstance(e, Irr):
            # Guess 0: the spreadsheet's Newton iteration then starts where the
            # engine's rule (the root nearest 0) looks.
            return f'IFERROR(IRR({ctx.row(e.series.name)},0),"{NOT_AVAILABLE}")'
        if isinstance(e, FirstYearWhere):
            return (
                f"IFERROR(INDEX({ctx.row('year')},1,MATCH(1,{ctx.row(e.flag.name)},0)),"
                f'"{NOT_AVAILABLE}")'
            )
        if isinstance(e, Check):
            a, b = fmt(e.actual), fmt(e.expected)
            tol = ctx.cell("check_tolerance")
            return f"IF(ABS({a}-({b}))<={tol}*MAX(1,ABS({a}),ABS({b})),1,0)"
        raise TypeError(f"cannot render {type(e).__name__}")

    return fmt(expr)
