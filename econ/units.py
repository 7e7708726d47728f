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
from typing import Any

__all__ = ["UnitError", "convert"]

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
        hint = "" if rub_per_usd is not None else " (no exchange rate to convert currency)"
        raise UnitError(
            f"unit {unit!r} cannot be converted to {to!r}: it measures "
            f"{quantity.dimensionality}, expected {target.dimensionality}{hint}"
        )
    return float(quantity.to(target).magnitude)
