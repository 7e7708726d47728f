"""Backend 2: a node rendered as the text of an Excel formula.

The portability rules live here, in one place: formulas every spreadsheet
engine tried (Excel, LibreOffice, Gnumeric, HyperFormula, the ``formulas``
package) evaluates alike. ``INDEX`` always gets a row and a column
(``INDEX(row, 1, n)``); not available is the error ``NA()`` (``#N/A``), which
propagates like numpy's NaN; no volatile or array-entered functions
(OFFSET, INDIRECT, ``SUM(ABS(range))``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import assert_never

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

__all__ = ["NOT_AVAILABLE", "FormulaContext", "to_formula"]

#: The formula of "not available" (NaN in the engine): Excel's ``#N/A`` error.
NOT_AVAILABLE = "NA()"
#: How a cached "not available" result is written (XlsxWriter writes it as an error).
NOT_AVAILABLE_VALUE = "#N/A"

#: Starting guesses of the spreadsheet's IRR, tried in turn.
_IRR_GUESSES = ("0", "-0.5", "0.5", "-0.9")

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


@dataclass(frozen=True)
class FormulaContext:
    """How names render in one cell of the workbook.

    Attributes:
        cell: maps a name to the text of a reference to its value in the
            current column (``"F12"``, ``"discount_rate"``,
            ``"INDEX(price,1,F$5)"``).
        row: maps a series name to a reference to its whole timeline row
            (a defined name such as ``"gap_usd_per_kg"``), for reductions.
        running: maps a series name to the running range ``"$J12:K12"``
            ending at the current column, for :class:`CumSum`.
        irr_guess: a reference to a first starting guess for ``IRR`` (the
            workbook puts the engine's IRR at build time in a labelled cell).
        prev: maps a row name to its cell one column to the left, for
            :class:`Prev`.
    """

    cell: Callable[[str], str]
    row: Callable[[str], str]
    running: Callable[[str], str]
    irr_guess: str | None = None
    prev: Callable[[str], str] | None = None

    @classmethod
    def plain(cls) -> FormulaContext:
        """Names render as themselves: for reading a definition."""
        return cls(cell=lambda n: n, row=lambda n: n, running=lambda n: f"running {n}")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def to_formula(expr: Expr, ctx: FormulaContext) -> str:
    """Render ``expr`` as the text of an Excel formula (without the ``=``).

    >>> from econ.model.expr import Max, Ref, SafeDiv
    >>> ctx = FormulaContext(cell=lambda n: {"gap": "F12"}.get(n, n),
    ...                      row=lambda n: n, running=lambda n: n)
    >>> to_formula(Max(Ref("gap"), 0) * Ref("volume_kg"), ctx)
    'MAX(F12,0)*volume_kg'
    >>> to_formula(SafeDiv(Ref("a"), Ref("b")), ctx)
    'IF(b=0,NA(),a/b)'
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
        node = as_node(e)
        match node:
            case Const(value=v):
                return _number(v)
            case Ref(name=n):
                return ctx.cell(n)
            case Binary(op=op, left=left, right=right):
                p = _PRECEDENCE[op]
                if op == "-" and isinstance(left, Const) and left.value == 0:
                    inner = fmt(right)
                    # Excel's unary minus binds tighter than ^: always bracket.
                    return f"-({inner})" if isinstance(right, Binary | SafeDiv) else f"-{inner}"
                return f"{wrap(left, p, False)}{op}{wrap(right, p, True)}"
            case Func(name=name, args=args):
                return f"{name}({','.join(fmt(a) for a in args)})"
            case SafeDiv(numerator=num, denominator=den):
                return (
                    f"IF({fmt(den)}=0,{NOT_AVAILABLE},{wrap(num, 3, False)}/{wrap(den, 3, True)})"
                )
            case CumSum(series=s):
                return f"SUM({ctx.running(s.name)})"
            case Prev(series=s, initial=init):
                if ctx.prev is None:
                    raise ValueError(f"{s.name!r}: a previous year needs a timeline column")
                return f"IF({ctx.cell('period')}=1,{fmt(init)},{ctx.prev(s.name)})"
            case Sum(series=s):
                return f"SUM({ctx.row(s.name)})"
            case SumProduct(a=a, b=b):
                return f"SUMPRODUCT({ctx.row(a.name)},{ctx.row(b.name)})"
            case At(series=s, flag=f):
                return f"SUMPRODUCT({ctx.row(s.name)},{ctx.row(f.name)})"
            case Last(series=s):
                rng = ctx.row(s.name)
                return f"INDEX({rng},1,COLUMNS({rng}))"
            case RowMax(series=s):
                return f"MAX({ctx.row(s.name)})"
            case Irr(series=s):
                # Guess 0 first: the spreadsheet's Newton iteration then starts where
                # the engine's rule (the root nearest 0) looks. Flows that start with
                # idle years and lose money defeat Newton from 0 in LibreOffice, so
                # further guesses follow before "no IRR".
                text = NOT_AVAILABLE
                guesses = ((ctx.irr_guess,) if ctx.irr_guess else ()) + _IRR_GUESSES
                for guess in reversed(guesses):
                    text = f"IFERROR(IRR({ctx.row(s.name)},{guess}),{text})"
                return text
            case FirstYearWhere(flag=f):
                return f"INDEX({ctx.row('year')},1,MATCH(1,{ctx.row(f.name)},0))"
            case Check(actual=actual, expected=expected, scale=scale):
                x, y = fmt(actual), fmt(expected)
                tol = ctx.cell(CHECK_TOLERANCE)
                size = (
                    f"MAX(1,ABS({x}),ABS({y}))"
                    if scale is None
                    else f"MAX(1,ABS({x}),ABS({y}),ABS({fmt(scale)}))"
                )
                return (
                    f"IF(AND(ISNUMBER({x}),ISNUMBER({y})),"
                    f"IF(ABS({x}-({y}))<={tol}*{size},1,0),"
                    f"IF(AND(ISNA({x}),ISNA({y})),1,0))"
                )
            case _:  # pragma: no cover - mypy proves this unreachable
                assert_never(node)

    return fmt(expr)
