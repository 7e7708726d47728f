"""Units inferred from expressions and checked when a model is built.

A unit is a product of powers of base symbols (``USD``, ``RUB``, ``kg``,
``t``, ``yr``), or a calendar ``year``. Symbols are not converted into one
another: adding tonnes to kilograms, or tonnes to tonnes a year, is an error,
so every scale factor (``kg_per_t``) and every period length
(``year_length_yr``) is a named constant in the model. (Scenario files may use
any unit pint understands; :mod:`econ.units` converts them on load.)

Rules:

* ``+ - MAX MIN IF`` branches and comparisons need equal units; the
  constant 0 takes any unit (``MAX(gap, 0)``), other constants are pure
  numbers;
* ``* /`` multiply units; ``a ^ b`` needs a pure-number exponent, and a pure
  base unless the exponent is a whole constant;
* calendar years: ``year - year`` is ``yr``; ``year +- yr`` is a ``year``;
* sums over the timeline (``Sum``, ``CumSum``, ``SumProduct``) add up
  yearly amounts, so they multiply by ``yr``: a cash flow in USD/yr sums to
  USD; ``At`` (the value in one year), ``Last`` and ``RowMax`` keep the unit;
* ``IRR`` is a rate (1), ``FirstYearWhere`` a calendar year, ``Check`` a flag.

Checking a model costs microseconds per item (no pint registry is loaded: it
costs 0.4 s).

>>> str(parse("USD/kg") * parse("kg/yr"))
'USD/yr'
>>> str(parse("t/yr") * YR)
't'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import assert_never

from econ.model.expr import (
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

__all__ = ["ONE", "YEAR", "YR", "Unit", "UnitMismatch", "infer", "parse"]

BASE = ("USD", "RUB", "kg", "t", "yr")
_TOKEN = re.compile(r"^(?P<sym>[A-Za-z]+)(?:\^(?P<pow>-?\d+))?$")


class UnitMismatch(ValueError):
    """An expression whose units do not agree; the message says where."""


@dataclass(frozen=True)
class Unit:
    """A unit: exponents of the base symbols, or a calendar year.

    Attributes:
        powers: ``(symbol, exponent)`` pairs, sorted, no zero exponents.
        calendar: a calendar year (``2030``), which is not an amount of time.
        wildcard: the constant 0, which takes any unit.
    """

    powers: tuple[tuple[str, int], ...] = ()
    calendar: bool = False
    wildcard: bool = False

    def __mul__(self, other: Unit) -> Unit:
        return _combine(self, other, 1)

    def __truediv__(self, other: Unit) -> Unit:
        return _combine(self, other, -1)

    def __pow__(self, n: int) -> Unit:
        if self.calendar:
            raise UnitMismatch("a calendar year cannot be raised to a power")
        return Unit(tuple((s, p * n) for s, p in self.powers if p * n))

    def __str__(self) -> str:
        if self.wildcard:
            return "any"
        if self.calendar:
            return "year"
        num = [s if p == 1 else f"{s}^{p}" for s, p in self._ordered() if p > 0]
        den = [s if p == -1 else f"{s}^{-p}" for s, p in self._ordered() if p < 0]
        text = "*".join(num) or "1"
        return text + "".join(f"/{d}" for d in den)

    def _ordered(self) -> list[tuple[str, int]]:
        order = {s: i for i, s in enumerate(BASE)}
        return sorted(self.powers, key=lambda sp: order.get(sp[0], len(order)))

    def same(self, other: Unit) -> bool:
        """Equal units (the wildcard equals any)."""
        return self.wildcard or other.wildcard or self == other


ONE = Unit()
YR = Unit((("yr", 1),))
YEAR = Unit(calendar=True)
_ANY = Unit(wildcard=True)


def _combine(a: Unit, b: Unit, sign: int) -> Unit:
    if a.wildcard or b.wildcard:
        return _ANY
    if a.calendar or b.calendar:
        raise UnitMismatch("a calendar year cannot be multiplied or divided")
    powers = dict(a.powers)
    for s, p in b.powers:
        powers[s] = powers.get(s, 0) + sign * p
    return Unit(tuple(sorted((s, p) for s, p in powers.items() if p)))


def parse(text: str) -> Unit:
    """A unit from its text: ``"USD/kg"``, ``"t/yr"``, ``"kg/t"``, ``"1"``, ``"year"``.

    >>> parse("USD/kg") == parse("USD") / parse("kg")
    True
    >>> parse("furlong")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    econ.model.units.UnitMismatch: unknown unit symbol 'furlong' in 'furlong' (known: USD, ...)
    """
    text = text.strip()
    if text == "year":
        return YEAR
    if text in ("1", ""):
        return ONE
    unit = ONE
    for i, part in enumerate(re.split(r"(?=[*/])", text)):
        sign = -1 if part.startswith("/") else 1
        token = part.lstrip("*/").strip()
        if i == 0 and token == "1":
            continue
        m = _TOKEN.match(token)
        if not m or m["sym"] not in BASE:
            raise UnitMismatch(
                f"unknown unit symbol {token!r} in {text!r} (known: {', '.join(BASE)}, year, 1)"
            )
        unit = _combine(unit, Unit(((m["sym"], sign * int(m["pow"] or 1)),)), 1)
    return unit


def infer(expr: Expr, unit_of: Callable[[str], Unit], where: str = "") -> Unit:
    """The unit of ``expr`` given the unit of every name it reads.

    Raises:
        UnitMismatch: naming ``where`` (the item), the operation and both units.

    >>> units = {"price_usd_per_kg": parse("USD/kg"), "volume_kg_per_yr": parse("kg/yr")}
    >>> str(infer(Ref("price_usd_per_kg") * Ref("volume_kg_per_yr"), units.__getitem__))
    'USD/yr'
    >>> infer(Ref("price_usd_per_kg") + Ref("volume_kg_per_yr"), units.__getitem__, "x")
    Traceback (most recent call last):
    ...
    econ.model.units.UnitMismatch: x: '+' of USD/kg and kg/yr (price_usd_per_kg+volume_kg_per_yr)
    """

    def fail(msg: str, e: Expr) -> UnitMismatch:
        return UnitMismatch(f"{where}: {msg} ({e})" if where else f"{msg} ({e})")

    def same(units: list[Unit], what: str, e: Expr) -> Unit:
        concrete = [u for u in units if not u.wildcard]
        for u in concrete[1:]:
            if u != concrete[0]:
                raise fail(f"{what} of {' and '.join(str(x) for x in units)}", e)
        return concrete[0] if concrete else _ANY

    def inf(e: Expr) -> Unit:
        node = as_node(e)
        match node:
            case Const(value=v):
                return _ANY if v == 0 else ONE
            case Ref(name=n):
                return unit_of(n)
            case Binary(op=op, left=left, right=right):
                a, b = inf(left), inf(right)
                if op in ("+", "-"):
                    if a.calendar and b.calendar and op == "-":
                        return YR
                    if a.calendar and (b == YR or b.wildcard):
                        return YEAR
                    if op == "+" and b.calendar and (a == YR or a.wildcard):
                        return YEAR
                    return same([a, b], f"'{op}'", e)
                if op == "*":
                    return _checked(lambda: a * b, e, fail)
                if op == "/":
                    return _checked(lambda: a / b, e, fail)
                if op == "^":
                    if not b.same(ONE):
                        raise fail(f"exponent in {b}", e)
                    if a.same(ONE):
                        return ONE
                    if isinstance(right, Const) and float(right.value).is_integer():
                        return _checked(lambda: a ** int(right.value), e, fail)
                    raise fail(f"{a} raised to a variable power", e)
                same([a, b], f"comparison '{op}'", e)
                return ONE
            case Func(name=name, args=args):
                units = [inf(a) for a in args]
                if name in ("MAX", "MIN", "ABS"):
                    return same(units, name, e)
                if name == "IF":
                    return same(units[1:], "IF branches", e)
                if name == "AND":
                    return ONE
                if name == "LOG":
                    same([*units, ONE], "LOG", e)
                    return ONE
                raise fail(f"unknown function {name}", e)  # pragma: no cover
            case SafeDiv(numerator=num, denominator=den):
                return _checked(lambda: inf(num) / inf(den), e, fail)
            case CumSum(series=s) | Sum(series=s):
                return _checked(lambda: inf(s) * YR, e, fail)
            case SumProduct(a=a_, b=b_):
                return _checked(lambda: inf(a_) * inf(b_) * YR, e, fail)
            case At(series=s, flag=f):
                same([inf(f), ONE], "At flag", e)
                return inf(s)
            case Last(series=s) | RowMax(series=s):
                return inf(s)
            case Prev(series=s, initial=init):
                return same([inf(s), inf(init)], "Prev (row and its first-year value)", e)
            case Irr():
                return ONE
            case FirstYearWhere(flag=f):
                same([inf(f), ONE], "flag", e)
                return YEAR
            case Check(actual=a_, expected=b_, scale=scale):
                units = [inf(a_), inf(b_)] + ([inf(scale)] if scale is not None else [])
                same(units, "Check", e)
                return ONE
            case _:  # pragma: no cover - mypy proves this unreachable
                assert_never(node)

    return inf(expr)


def _checked(fn: Callable[[], Unit], e: Expr, fail: Callable[[str, Expr], UnitMismatch]) -> Unit:
    try:
        return fn()
    except UnitMismatch as exc:
        if str(exc).endswith(")"):
            raise
        raise fail(str(exc), e) from None


def units_of(declared: Mapping[str, str]) -> dict[str, Unit]:
    """Parse a mapping of name -> unit text."""
    return {k: parse(v) for k, v in declared.items()}
