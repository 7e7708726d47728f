"""How a value looks to a reader, in its unit: one formatter for the command
line, the HTML summaries and the batch index, so a metric reads the same
everywhere (workbooks carry the same units as Excel number formats). What a
value means (percent, flag, the wording of "not available") is metadata on
the model's line items, never guessed from a key."""

from __future__ import annotations

import math
from typing import Protocol

__all__ = ["Displayed", "format_item", "format_value"]


class Displayed(Protocol):
    """Anything with the presentation metadata of a line item."""

    @property
    def unit(self) -> str: ...

    @property
    def display(self) -> str: ...

    @property
    def na_text(self) -> str: ...


def format_value(
    value: float | None, unit: str, display: str = "auto", na_text: str = "n/a"
) -> str:
    """Human text for a value in its unit; ``na_text`` for NaN.

    >>> format_value(0.7391, "1", "percent"), format_value(2.125e7, "USD/yr")
    ('73.9 %', '21.25 MUSD/yr')
    >>> format_value(2041.0, "year"), format_value(35.0097, "yr"), format_value(8.5, "USD/kg")
    ('2041', '35.0 yr', '8.50 USD/kg')
    >>> format_value(1.5e9, "USD"), format_value(1.0, "1", "flag")
    ('1.50 bnUSD', 'pass')
    >>> format_value(float("nan"), "year", na_text="not within the horizon")
    'not within the horizon'
    """
    if value is None or not math.isfinite(value):
        return na_text
    if display == "flag":
        return "pass" if value == 1 else "FAIL"
    if display == "percent":
        return f"{value * 100:,.1f} %"
    if unit == "year":
        return f"{value:.0f}"
    if unit == "yr":
        return f"{value:,.1f} yr"
    if unit == "1":
        return f"{value:,.4g}"
    if unit in ("USD", "USD/yr", "RUB", "RUB/yr") and abs(value) >= 1e9:
        return f"{value / 1e9:,.2f} bn{unit}"
    if unit in ("USD", "USD/yr", "RUB", "RUB/yr") and abs(value) >= 1e6:
        return f"{value / 1e6:,.2f} M{unit}"
    if abs(value) >= 100 and not unit.endswith("/kg"):
        return f"{value:,.0f} {unit}"
    return f"{value:,.2f} {unit}"


def format_item(value: float | None, item: Displayed) -> str:
    """:func:`format_value` with a line item's own unit, display and n/a text."""
    return format_value(value, item.unit, item.display, item.na_text)
