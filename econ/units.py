"""Unit checking and conversion for scenario values.

A value given in the model's canonical unit (the common case) needs no
library at all. Any other unit is parsed with pint, loaded on first use
(importing pint and building a registry costs about 0.4 s, a conversion
about 50 us, measured on this project's CI machine). Currencies are separate
dimensions, so RUB never silently becomes USD: the caller converts through
the scenario's own exchange rate (:func:`convert` with ``rub_per_usd``).
"""

from __future__ import annotations

import functools
import re
from typing import Any

__all__ = ["UnitError", "check_unit_syntax", "convert"]

#: Spellings accepted as "a plain fraction".
_DIMENSIONLESS = {"1", "", "fraction", "dimensionless"}


class UnitError(ValueError):
    """A unit that cannot be read or converted; the message says why."""


@functools.cache
def _registry() -> Any:
    import pint

    ureg: Any = pint.UnitRegistry()
    ureg.define("USD = [currency_usd] = usd = dollar")
    ureg.define("RUB = [currency_rub] = rub = ruble = rouble")
    ureg.define("bn = 1e9")  # so "bn RUB" reads
    ureg.define("kt = 1e3 * metric_ton = kilotonne")  # pint reads "kt" as knot
    ureg.define("Mt = 1e6 * metric_ton = megatonne")
    return ureg


def _norm(unit: str) -> str:
    unit = unit.strip()
    return "1" if unit in _DIMENSIONLESS else unit


#: Scale words a unit may start with ("bn RUB", "MUSD/yr", "kt/yr"): read
#: without pint, so loading a scenario (and `econ show`) stays fast.
_SCALES = {"bn ": 1e9, "M": 1e6, "k": 1e3}
_SCALABLE = {"USD", "RUB", "t"}


def _scaled(src: str, dst: str) -> float | None:
    """The factor from ``src`` to ``dst`` when ``src`` is ``dst`` with a scale
    word in front (or ``%`` of a fraction); ``None`` otherwise (pint decides).

    >>> _scaled("bn RUB", "RUB"), _scaled("MUSD/yr", "USD/yr"), _scaled("kt/yr", "t/yr")
    (1000000000.0, 1000000.0, 1000.0)
    >>> _scaled("%", "1"), _scaled("kg", "g"), _scaled("RUB", "USD")
    (0.01, None, None)
    """
    if src == "%" and dst == "1":
        return 0.01
    for word, factor in _SCALES.items():
        base = dst.split("/")[0]
        if (
            base in _SCALABLE
            and src.startswith(word)
            and src[len(word) :].lstrip(" " if word == "bn " else "") == dst
        ):
            return factor
    return None


#: Longest unit text read (``"bn RUB/yr"`` is 9 characters).
MAX_UNIT_CHARS = 40
_NAME = r"[A-Za-z_%][A-Za-z_0-9]*"
_NUMBER = r"\d{1,6}(?:\.\d{1,6})?(?:[eE][+-]?\d{1,2})?"
_EXPONENT = r"(?:\*\*|\^)\s*-?\d{1,2}"
_FACTOR = rf"(?:{_NAME}|{_NUMBER})(?:\s*{_EXPONENT})?"
_SAFE_UNIT = re.compile(rf"^{_FACTOR}(?:\s*(?:[*/]|\s)\s*{_FACTOR})*$")


def check_unit_syntax(unit: str) -> None:
    """Refuse a unit outside a small safe grammar before pint evaluates it.

    Grammar: factors (a name or a number, optionally raised with ``**`` or
    ``^`` to a whole number of at most two digits) joined by ``*``, ``/`` or
    a space, at most :data:`MAX_UNIT_CHARS` characters, no parentheses.
    Whatever pint then reads costs microseconds: no ``10**10**10``.

    >>> check_unit_syntax("USD/kg")
    >>> check_unit_syntax("kg*m**2/s^-2")
    >>> try:
    ...     check_unit_syntax("USD/kg*10**10**10")
    ... except UnitError:
    ...     print("refused")
    refused
    """
    text = unit.strip()
    if len(text) > MAX_UNIT_CHARS:
        raise UnitError(f"unit text longer than {MAX_UNIT_CHARS} characters ({len(text)})")
    if not _SAFE_UNIT.match(text):
        raise UnitError(
            f"unit {unit!r} is not a unit econ reads (expected names or numbers joined by "
            "* / or a space, each with at most a two-digit whole exponent)"
        )


def convert(value: float, unit: str, to: str, *, rub_per_usd: float | None = None) -> float:
    """Convert ``value`` from ``unit`` to the canonical unit ``to``.

    Args:
        value: the number as written.
        unit: its unit as written (pint syntax: ``"t/yr"``, ``"%"``,
            ``"RUB"``, ``"USD/kg"``).
        to: the canonical unit.
        rub_per_usd: exchange rate used when ``unit`` is in RUB and ``to``
            in USD (or the reverse); without it such a conversion fails.

    Returns:
        The value in ``to``.

    Raises:
        UnitError: unknown unit or wrong dimension, with both units named.

    >>> convert(2.5, "kt/yr", "t/yr")
    2500.0
    >>> convert(60e9, "RUB", "USD", rub_per_usd=80.0)
    750000000.0
    >>> convert(12, "%", "1")
    0.12
    """
    src, dst = _norm(unit), _norm(to)
    if src == dst:
        return float(value)
    factor = _scaled(src, dst)
    if factor is not None:
        return float(value) * factor
    check_unit_syntax(src)
    ureg = _registry()
    try:
        quantity = ureg.Quantity(value, src)
        target = ureg.parse_units(dst)
    except Exception as exc:  # pint raises several types for bad text
        raise UnitError(f"unknown unit {unit!r} (expected {to!r})") from exc
    if quantity.dimensionality != target.dimensionality and rub_per_usd is not None:
        fx = ureg.Quantity(1.0 / rub_per_usd, "USD/RUB")
        for candidate in (quantity * fx, quantity / fx):
            if candidate.dimensionality == target.dimensionality:
                quantity = candidate
                break
    if quantity.dimensionality != target.dimensionality:
        money = "currency" in str(quantity.dimensionality) and "currency" in str(
            target.dimensionality
        )
        hint = (
            " (only a money input may be given in another currency)"
            if "currency" in str(quantity.dimensionality) and not money
            else ""
        )
        raise UnitError(
            f"unit {unit!r} cannot be converted to {to!r}: it measures "
            f"{quantity.dimensionality}, expected {target.dimensionality}{hint}"
        )
    try:
        result = float(quantity.to(target).magnitude)
    except Exception as exc:  # offset units (degC), overflow: pint raises many types
        raise UnitError(
            f"unit {unit!r} cannot be converted to {to!r} ({type(exc).__name__})"
        ) from exc
    return result
