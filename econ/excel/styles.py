"""Cell formats of econ workbooks: number formats that carry units, input styling.

A unit string from the model definition (``"USD/kg"``, ``"t/yr"``, ``"1"``)
maps to one Excel number format, so a value reads with its unit wherever it
appears.
"""

from __future__ import annotations

from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

__all__ = ["Styles", "number_format"]

_FORMATS = {
    "USD/kg": '$#,##0.00"/kg"',
    "USD": '$#,##0.0,,"M"',
    "USD/yr": '$#,##0.0,,"M/yr"',
    "RUB": '#,##0.0,,,"bn RUB"',
    "RUB/USD": '0.00" RUB/USD"',
    "t": '#,##0" t"',
    "t/yr": '#,##0" t/yr"',
    "kg": '#,##0" kg"',
    "kg/yr": '#,##0" kg/yr"',
    "kg/t": '#,##0" kg/t"',
    "yr": '0.0" yr"',
    "year": "0",
    "flag": "0",
}

_PERCENT_HINTS = ("rate", "pct", "irr", "utilisation")


def number_format(unit: str, key: str = "") -> str:
    """The Excel number format for a value in ``unit``.

    Args:
        unit: the canonical unit of the model definition.
        key: the item's key; a fraction (unit ``"1"``) shows as a percentage
            when the key names a rate, share or return.

    Returns:
        An Excel number format code.

    >>> number_format("USD/kg")
    '$#,##0.00"/kg"'
    >>> number_format("1", "discount_rate"), number_format("1", "discount_factor")
    ('0.0%', '0.0000')
    """
    if unit == "1":
        if key == "check_tolerance":
            return "0.0E+00"
        return "0.0%" if any(h in key for h in _PERCENT_HINTS) else "0.0000"
    return _FORMATS.get(unit, "#,##0.00")


class Styles:
    """The formats of one workbook, created once and shared by every sheet."""

    def __init__(self, workbook: Workbook) -> None:
        self._wb = workbook
        self._cache: dict[tuple[str, bool], Format] = {}
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.subtitle = workbook.add_format({"italic": True, "font_color": "#555555"})
        self.header = workbook.add_format(
            {"bold": True, "bottom": 1, "bg_color": "#D9E1F2", "text_wrap": True}
        )
        self.bold = workbook.add_format({"bold": True})
        self.text = workbook.add_format({"text_wrap": False})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.key = workbook.add_format({"font_color": "#808080"})
        self.year = workbook.add_format({"bold": True, "num_format": "0", "bottom": 1})
        self.period = workbook.add_format({"num_format": "0", "font_color": "#808080"})
        self.check_ok = workbook.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"})
        self.check_bad = workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})

    def value(self, unit: str, key: str = "", *, is_input: bool = False) -> Format:
        """The format of a value in ``unit`` (input-styled when ``is_input``)."""
        code = number_format(unit, key)
        cache_key = (code, is_input)
        fmt = self._cache.get(cache_key)
        if fmt is None:
            props: dict[str, Any] = {"num_format": code}
            if is_input:
                props.update(
                    font_color="#0000FF", bg_color="#FFFFCC", border=1, border_color="#BFBFBF"
                )
            fmt = self._wb.add_format(props)
            self._cache[cache_key] = fmt
        return fmt
