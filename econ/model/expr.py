"""Expression nodes and graph utilities: the single definition behind both backends.

Every line item of an econ model is an :class:`Expr` built from references to
inputs and other line items, arithmetic, a handful of spreadsheet functions and
a few timeline operators. The node types form the closed union :data:`Node`;
each backend (:mod:`econ.model.numpy_backend`, :mod:`econ.model.excel_backend`)
and the unit checker (:mod:`econ.model.units`) matches on it with
``assert_never``, so a node type one of them does not handle fails ``mypy``, and
``tests/test_expr.py`` checks that every subclass of :class:`Expr` is in the union.

Glossary: a *series* is a row over the timeline (one value per year); a
*scalar* is one value per scenario; a *reduction* turns a series into a scalar
(a sum, the value in a flagged year, an IRR, the first year a flag is set).

Meaning of "not available" (NaN in numpy, ``#N/A`` in a workbook): a value
that does not exist (an IRR with no root, a year that never comes, a ratio
with a zero denominator). It propagates through every node alike in both
backends (arithmetic, comparisons, functions, sums); only :class:`Check`
looks at it (two n/a sides agree; one n/a side fails).

Graph utilities: :func:`refs` (names an expression reads), :func:`substitute`
(replace names by expressions: "the same cash flow at price P") and
:func:`degree` (is an expression affine in a name? then one secant step
solves it exactly).

>>> a, b = Ref("a"), Ref("b")
>>> e = Max(a - b, 0) * Ref("volume")
>>> print(e)
MAX(a-b,0)*volume
>>> print(substitute(e, {"b": Const(2.0)}))
MAX(a-2,0)*volume
>>> degree(e, "volume"), degree(e, "a")
(1, None)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, TypeAlias, cast

__all__ = [
    "ALL_NODE_TYPES",
    "And",
    "At",
    "Binary",
    "Check",
    "Const",
    "CumSum",
    "Eq",
    "Expr",
    "FirstYearWhere",
    "Flag",
    "Func",
    "Irr",
    "Last",
    "Log",
    "Max",
    "Min",
    "Node",
    "Prev",
    "Ref",
    "RowMax",
    "SafeDiv",
    "Sum",
    "SumProduct",
    "as_node",
    "degree",
    "derivative",
    "refs",
    "simplify",
    "substitute",
]

COMPARISONS = ("<", "<=", ">", ">=", "=", "<>")
ARITHMETIC = ("+", "-", "*", "/", "^")


def _as_expr(value: Expr | float | int) -> Expr:
    if isinstance(value, Expr):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"cannot use {value!r} in a model expression")
    return Const(float(value))


class Expr:
    """Base of every node. Python operators build new nodes."""

    def children(self) -> tuple[Expr, ...]:
        """The sub-expressions (references included)."""
        out: list[Expr] = []
        for f in fields(cast(Any, self)):
            v = getattr(self, f.name)
            if isinstance(v, Expr):
                out.append(v)
            elif isinstance(v, tuple):
                out += [a for a in v if isinstance(a, Expr)]
        return tuple(out)

    def refs(self) -> Iterator[str]:
        """Names of every input or line item this expression reads."""
        yield from refs(self)

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
        from econ.model.excel_backend import FormulaContext, to_formula

        return to_formula(self, FormulaContext.plain())

    __hash__ = object.__hash__


@dataclass(frozen=True, eq=False)
class Const(Expr):
    """A literal number. Only structural numbers (0, 1, 2) belong in a model;
    any figure with a unit is a named input or constant instead. The constant
    0 takes any unit (``MAX(gap, 0)``); every other constant is a pure number."""

    value: float


@dataclass(frozen=True, eq=False)
class Ref(Expr):
    """A reference to an input, a named constant, a timeline row (``year``,
    ``period``) or another line item."""

    name: str


@dataclass(frozen=True, eq=False)
class Binary(Expr):
    """``left op right`` for an arithmetic operator (``+ - * / ^``) or a
    comparison (``< <= > >= = <>``, giving 1 or 0)."""

    op: str
    left: Expr
    right: Expr

    def __post_init__(self) -> None:
        if self.op not in ARITHMETIC + COMPARISONS:
            raise ValueError(f"unknown operator {self.op!r}")


FUNCTIONS = ("MAX", "MIN", "IF", "AND", "LOG", "ABS")


@dataclass(frozen=True, eq=False)
class Func(Expr):
    """An element-wise spreadsheet function: MAX, MIN, IF, AND, LOG, ABS."""

    name: str
    args: tuple[Expr, ...]

    def __post_init__(self) -> None:
        if self.name not in FUNCTIONS:
            raise ValueError(f"unknown function {self.name!r} (known: {', '.join(FUNCTIONS)})")


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
    """``numerator / denominator``, or n/a where the denominator is 0.
    Excel: ``IF(denominator=0, NA(), numerator/denominator)``."""

    numerator: Expr
    denominator: Expr


# Timeline operators -----------------------------------------------------


@dataclass(frozen=True, eq=False)
class CumSum(Expr):
    """Running total of a row of yearly amounts (Excel ``SUM($J7:K7)``). A
    row in X/yr adds up to X: each value is the amount of a one-year period."""

    series: Ref


@dataclass(frozen=True, eq=False)
class Prev(Expr):
    """The value of a row in the previous year; ``initial`` in the first year.
    A row may read its own previous value (a balance carried forward: a tax
    loss pool, a debt balance): such items are evaluated year by year.
    Excel: ``IF(period=1, initial, <the cell one column to the left>)``."""

    series: Ref
    initial: Expr

    def __post_init__(self) -> None:
        object.__setattr__(self, "initial", _as_expr(self.initial))


@dataclass(frozen=True, eq=False)
class Sum(Expr):
    """Total of a row of yearly amounts over the timeline: a scalar
    (Excel ``SUM(row)``). A row in X/yr adds up to X."""

    series: Ref


@dataclass(frozen=True, eq=False)
class SumProduct(Expr):
    """Total over the timeline of the product of two rows (``SUMPRODUCT``),
    e.g. a cash flow in USD/yr times discount factors gives USD."""

    a: Ref
    b: Ref


@dataclass(frozen=True, eq=False)
class At(Expr):
    """The value of a row in the year where a one-hot 0/1 flag row is 1 (0 if
    none): a scalar in the row's unit. Excel: ``SUMPRODUCT(row, flag)``."""

    series: Ref
    flag: Ref


@dataclass(frozen=True, eq=False)
class Last(Expr):
    """Value in the last year of the timeline: a scalar
    (``INDEX(row, 1, COLUMNS(row))``)."""

    series: Ref


@dataclass(frozen=True, eq=False)
class RowMax(Expr):
    """Largest value over the timeline: a scalar (Excel ``MAX(row)``)."""

    series: Ref


@dataclass(frozen=True, eq=False)
class Irr(Expr):
    """Internal rate of return of a cash-flow row (Excel ``IRR``); n/a when
    there is none (the rule: :func:`econ.finance.irr`)."""

    series: Ref


@dataclass(frozen=True, eq=False)
class FirstYearWhere(Expr):
    """Calendar year of the first column where a 0/1 flag row is 1; n/a if
    none. Excel: ``INDEX(year, 1, MATCH(1, flag, 0))`` (MATCH gives #N/A)."""

    flag: Ref


@dataclass(frozen=True, eq=False)
class Check(Expr):
    """1 when ``actual`` equals ``expected`` within the relative tolerance
    (named constant ``check_tolerance``) of ``scale`` (default: the larger of
    1 and the two magnitudes), else 0. Two n/a sides agree (1); one n/a side
    is a failure (0).

    Excel: ``IF(AND(ISNUMBER(a),ISNUMBER(b)),IF(ABS(a-b)<=tol*scale,1,0),
    IF(AND(ISNA(a),ISNA(b)),1,0))``.
    """

    actual: Expr
    expected: Expr
    scale: Expr | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "expected", _as_expr(self.expected))


#: The closed union the backends match on.
Node: TypeAlias = (
    Const
    | Ref
    | Binary
    | Func
    | SafeDiv
    | CumSum
    | Prev
    | Sum
    | SumProduct
    | At
    | Last
    | RowMax
    | Irr
    | FirstYearWhere
    | Check
)
ALL_NODE_TYPES: tuple[type[Expr], ...] = (
    Const,
    Ref,
    Binary,
    Func,
    SafeDiv,
    CumSum,
    Prev,
    Sum,
    SumProduct,
    At,
    Last,
    RowMax,
    Irr,
    FirstYearWhere,
    Check,
)
#: Reductions: a series in, a scalar out.
REDUCTIONS: tuple[type[Expr], ...] = (Sum, SumProduct, At, Last, RowMax, Irr, FirstYearWhere)


def as_node(e: Expr) -> Node:
    """``e`` typed as the closed union (for exhaustive ``match``)."""
    if not isinstance(e, ALL_NODE_TYPES):
        raise TypeError(f"{type(e).__name__} is not a node type of econ.model.expr")
    return cast(Node, e)


# ---------------------------------------------------------------------------
# Graph utilities
# ---------------------------------------------------------------------------

#: Names every Check reads besides its operands.
CHECK_TOLERANCE = "check_tolerance"


def refs(e: Expr, *, lagged: bool = True) -> Iterator[str]:
    """Names an expression reads (with repeats), ``year`` for FirstYearWhere and
    ``check_tolerance`` for a Check; with ``lagged=False`` without the rows
    read one year back by :class:`Prev` (they do not order evaluation within a year).

    >>> sorted(set(refs(Ref("a") * Ref("b") + Ref("a"))))
    ['a', 'b']
    """
    node = as_node(e)
    if isinstance(node, Ref):
        yield node.name
        return
    if isinstance(node, Prev) and not lagged:
        yield from refs(node.initial, lagged=False)
        return
    if isinstance(node, FirstYearWhere):
        yield "year"
    if isinstance(node, Check):
        yield CHECK_TOLERANCE
    for child in node.children():
        yield from refs(child, lagged=lagged)


def map_refs(e: Expr, fn: Callable[[Ref], Expr]) -> Expr:
    """A copy of ``e`` with every reference ``r`` replaced by ``fn(r)``.
    Timeline operators take references only, so there ``fn`` must return a
    :class:`Ref` (a renamed row)."""
    node = as_node(e)
    if isinstance(node, Ref):
        return fn(node)
    if isinstance(node, Const):
        return node
    changes: dict[str, object] = {}
    for f in fields(node):
        value = getattr(node, f.name)
        if isinstance(value, Ref) and isinstance(node, (*REDUCTIONS, CumSum, Prev)):
            new = fn(value)
            if not isinstance(new, Ref):
                raise TypeError(
                    f"{type(node).__name__} needs a named row; cannot substitute "
                    f"{value.name!r} by an expression"
                )
            changes[f.name] = new
        elif isinstance(value, Expr):
            changes[f.name] = map_refs(value, fn)
        elif isinstance(value, tuple):
            changes[f.name] = tuple(map_refs(a, fn) if isinstance(a, Expr) else a for a in value)
    return replace(node, **changes)  # type: ignore[arg-type]


def substitute(e: Expr, mapping: Mapping[str, Expr]) -> Expr:
    """``e`` with each name in ``mapping`` replaced by its expression.

    >>> print(substitute(Ref("p") * Ref("q"), {"p": Ref("p2"), "q": Const(0.0)}))
    p2*0
    """
    return map_refs(e, lambda r: mapping.get(r.name, r))


def simplify(e: Expr) -> Expr:
    """Fold constants left by a substitution: ``0*x`` -> 0, ``x+0`` -> x,
    ``x*1`` -> x, ``2*3`` -> 6. Both backends read the simplified expression,
    so they stay identical.

    >>> print(simplify(Const(0.0) * Ref("volume") + Ref("cost") * Const(1.0)))
    cost
    """
    node = as_node(e)
    if isinstance(node, Binary):
        a, b = simplify(node.left), simplify(node.right)
        ca = a.value if isinstance(a, Const) else None
        cb = b.value if isinstance(b, Const) else None
        op = node.op
        if ca is not None and cb is not None and op in ("+", "-", "*"):
            return Const({"+": ca + cb, "-": ca - cb, "*": ca * cb}[op])
        if op == "*" and (ca == 0 or cb == 0):
            return Const(0.0)
        if (op == "*" and ca == 1) or (op == "+" and ca == 0):
            return b
        if (op in ("*", "/") and cb == 1) or (op in ("+", "-") and cb == 0):
            return a
        return Binary(op, a, b)
    if isinstance(node, Func):
        return Func(node.name, tuple(simplify(x) for x in node.args))
    if isinstance(node, SafeDiv):
        return SafeDiv(simplify(node.numerator), simplify(node.denominator))
    if isinstance(node, Check):
        scale = None if node.scale is None else simplify(node.scale)
        return Check(simplify(node.actual), simplify(node.expected), scale)
    return node


def derivative(e: Expr, name: str, rows: Mapping[str, Expr]) -> Expr:
    """d e / d ``name`` for an expression affine in ``name`` (see :func:`degree`).

    Args:
        e: the expression.
        name: the variable.
        rows: the derivative of other names that depend on the variable (a
            :class:`Ref` to their derivative row, or a constant); any other
            name is a constant.

    Raises:
        ValueError: ``e`` is not affine in ``name`` (a product or quotient of
            dependent terms, a dependent MAX/IF/comparison...).

    >>> print(derivative(Ref("p") * Ref("v") - Ref("c"), "p", {}))
    v
    >>> print(derivative(Ref("t") * Ref("r"), "p", {"r": Ref("d_r")}))
    t*d_r
    """

    def d(x: Expr) -> Expr:
        node = as_node(x)
        match node:
            case Ref(name=n):
                return Const(1.0) if n == name else rows.get(n, Const(0.0))
            case Const():
                return Const(0.0)
            case Binary(op="+" | "-", left=a, right=b):
                return simplify(Binary(node.op, d(a), d(b)))
            case Binary(op="*", left=a, right=b):
                return simplify(d(a) * b + a * d(b))
            case Binary(op="/", left=a, right=b):
                if not _zero(d(b)):
                    raise ValueError(f"not affine in {name!r}: {x}")
                return simplify(d(a) / b)
            case SafeDiv(numerator=a, denominator=b):
                if not _zero(d(b)):
                    raise ValueError(f"not affine in {name!r}: {x}")
                da = d(a)
                return Const(0.0) if _zero(da) else SafeDiv(da, b)
            case CumSum(series=s) | Sum(series=s) | Last(series=s):
                ds = d(s)
                if _zero(ds):
                    return Const(0.0)
                if not isinstance(ds, Ref):
                    raise ValueError(f"{type(node).__name__} of {ds}: needs a named row")
                return replace(node, series=ds)
            case SumProduct(a=a, b=b):
                da, db = d(a), d(b)
                if not _zero(da) and not _zero(db):
                    raise ValueError(f"not affine in {name!r}: {x}")
                if _zero(da) and _zero(db):
                    return Const(0.0)
                dr = da if not _zero(da) else db
                if not isinstance(dr, Ref):
                    raise ValueError(f"SUMPRODUCT of {dr}: needs a named row")
                return SumProduct(dr, b) if not _zero(da) else SumProduct(a, dr)
            case At(series=s, flag=f):
                ds = d(s)
                if _zero(ds):
                    return Const(0.0)
                if not isinstance(ds, Ref):
                    raise ValueError(f"At of {ds}: needs a named row")
                return At(ds, f)
            case Prev(series=s, initial=init):
                ds, di = d(s), d(init)
                if _zero(ds) and _zero(di):
                    return Const(0.0)
                if not isinstance(ds, Ref):
                    raise ValueError(f"Prev of {ds}: needs a named row")
                return Prev(ds, di)
            case _:
                if any(not _zero(d(c)) for c in node.children()):
                    raise ValueError(f"not affine in {name!r}: {x}")
                return Const(0.0)

    return d(e)


def _zero(e: Expr) -> bool:
    return isinstance(e, Const) and e.value == 0


def degree(e: Expr, name: str, known: Mapping[str, int | None] | None = None) -> int | None:
    """Polynomial degree of ``e`` in the variable ``name``: 0 (does not depend
    on it), 1 (affine) or ``None`` (anything else: products of dependent
    terms, powers, MAX/MIN/IF/comparisons or reductions other than sums of a
    dependent row).

    Args:
        e: the expression.
        name: the variable.
        known: the degree of other names (line items already analysed); names
            not listed are constants (degree 0).

    >>> degree(Ref("x") * Ref("a") + Ref("b"), "x")
    1
    >>> degree(Max(Ref("x"), 0), "x") is None
    True
    """
    known = known or {}

    def deg(x: Expr) -> int | None:
        node = as_node(x)
        match node:
            case Ref(name=n):
                return 1 if n == name else known.get(n, 0)
            case Const():
                return 0
            case Binary(op=op, left=left, right=right):
                a, b = deg(left), deg(right)
                if a is None or b is None:
                    return None
                if op in ("+", "-"):
                    return max(a, b)
                if op == "*":
                    return a + b if a + b <= 1 else None
                if op == "/":
                    return a if b == 0 else None
                return 0 if a == b == 0 else None  # ^ and comparisons
            case SafeDiv(numerator=num, denominator=den):
                a, b = deg(num), deg(den)
                return a if b == 0 else None
            case CumSum(series=s) | Sum(series=s) | Last(series=s):
                return deg(s)
            case Prev(series=s, initial=init):
                # A row read one year back must have been analysed already; a
                # balance reading its own past is conservatively not affine.
                if s.name != name and s.name not in known:
                    return None
                a = 1 if s.name == name else known[s.name]
                b = deg(init)
                return None if a is None or b is None else max(a, b)
            case SumProduct(a=a_, b=b_):
                a, b = deg(a_), deg(b_)
                if a is None or b is None:
                    return None
                return a + b if a + b <= 1 else None
            case At(series=s, flag=f):
                return deg(s) if deg(f) == 0 else None
            case Func() | RowMax() | Irr() | FirstYearWhere() | Check():
                return 0 if all(deg(c) == 0 for c in node.children()) else None
        return None  # pragma: no cover - the match is exhaustive

    return deg(e)
