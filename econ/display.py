"""How a value looks to a reader, in its unit: one formatter for the command
line, the HTML summaries and the batch index, so a metric reads the same
everywhere (workbooks carry the same units as Excel number formats)."""

from __future__ import annotations

import math

__all__ = ["format_value"]

#: What "no value" means for metrics that are years that may never come.
_NA_TEXT = {
    "gap_close_year": "not within the horizon",
    "budget_exhausted_year": "not within the horizon",
    "payback_year": "not within the horizon",
}


def format_value(value: float | None, unit: str, key: str = "") -> str:
    """Human text for a value in its unit; ``n/a`` for NaN.

    >>> format_value(0.7391, "1"), format_value(2.125e7, "USD/yr"), format_value(2041.0, "year")
    ('73.9 %', '21.25 MUSD/yr', '2041')
    >>> format_value(35.0097, "yr"), format_value(8.5, "USD/kg"), format_value(1.5e9, "USD")
    ('35.0 yr', '8.50 USD/kg', '1.50 bnUSD')
    >>> format_value(float("nan"), "year", "gap_close_year")
    'not within the horizon'
    """
    if value is None or not math.isfinite(value):
        return _NA_TEXT.get(key, "n/a")
    if unit == "year":
        return f"{value:.0f}"
    if unit == "yr":
        return f"{value:,.1f} yr"
    if unit == "1":
        return f"{value * 100:,.1f} %"
    if unit == "flag":
        return "pass" if value == 1 else "FAIL"
    if unit in ("USD", "USD/yr") and abs(value) >= 1e9:
        return f"{value / 1e9:,.2f} bn{unit}"
    if unit in ("USD", "USD/yr") and abs(value) >= 1e6:
        return f"{value / 1e6:,.2f} M{unit}"
    if abs(value) >= 100 and not unit.endswith("/kg"):
        return f"{value:,.0f} {unit}"
    return f"{value:,.2f} {unit}"
