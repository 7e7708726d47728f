"""Cell formats of econ workbooks: number formats of the one display policy
(:mod:`econ.display`), input styling.

A unit string from the model definition (``"USD/kg"``, ``"t/yr"``, ``"1"``)
maps to one Excel number format (scale, decimals, negatives in brackets); the
unit itself, scale included (``M USD``), is stated once, in the Unit column.
"""

from __future__ import annotations

from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

from econ.display import NumberStyle
from econ.display import number_format as display_number_format

__all__ = ["Styles", "number_format"]


def number_format(unit: str, display: str = "auto") -> str:
    """The Excel number format for a value in ``unit``: econ's one display
    policy (:func:`econ.display.number_format`; scale in the format, unit in
    the Unit column as :func:`econ.display.header_unit` states it).

    Args:
        unit: the canonical unit of the model definition.
        display: the item's display metadata (``percent``, ``factor``,
            ``flag`` or ``auto``), declared on the model.

    Returns:
        An Excel number format code.

    >>> number_format("USD/kg"), number_format("USD")
    ('#,##0.00;(#,##0.00)', '#,##0.0,,;(#,##0.0,,)')
    >>> number_format("1", "percent"), number_format("1", "factor"), number_format("1", "flag")
    ('0.0%;(0.0%)', '#,##0.000;(#,##0.000)', '0')
    """
    return display_number_format(unit, display)


def unscaled_number_format(unit: str, display: str = "auto") -> str:
    """:func:`number_format` without scaling: an input cell, typed in its unit.

    >>> unscaled_number_format("RUB"), unscaled_number_format("USD/kg")
    ('#,##0;(#,##0)', '#,##0.00;(#,##0.00)')
    """
    style = NumberStyle.for_unit(unit, display)
    if style.scale:
        style = NumberStyle(unit, display, 0, 0)
    return style.excel


#: How an input cell looks: blue on pale yellow, a light border.
_INPUT = {"font_color": "#0000FF", "bg_color": "#FFFFCC", "border": 1, "border_color": "#BFBFBF"}


class Styles:
    """The formats of one workbook, created once and shared by every sheet."""

    def __init__(self, workbook: Workbook) -> None:
        self._wb = workbook
        self._cache: dict[tuple[str, bool, bool], Format] = {}
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

    def formatted(self, code: str, *, is_input: bool = False) -> Format:
        """A cell format of number format ``code`` (input-styled when ``is_input``)."""
        cache_key = (code, is_input, False)
        fmt = self._cache.get(cache_key)
        if fmt is None:
            props: dict[str, Any] = {"num_format": code}
            if is_input:
                props.update(_INPUT)
            fmt = self._cache[cache_key] = self._wb.add_format(props)
        return fmt

    def value(
        self,
        unit: str,
        display: str = "auto",
        *,
        is_input: bool = False,
        is_engine: bool = False,
        scaled: bool | None = None,
    ) -> Format:
        """The format of a value in ``unit`` (input-styled when ``is_input``;
        an engine-held solved value, italic on grey, when ``is_engine``).

        An input, and a bound beside it (``scaled=False``), is shown unscaled
        in its unit, so what the analyst types is what the Unit column says;
        a calculated value is scaled as :func:`econ.display.header_unit` states.
        """
        scaled = not is_input if scaled is None else scaled
        code = number_format(unit, display) if scaled else unscaled_number_format(unit, display)
        cache_key = (code, is_input, is_engine)
        fmt = self._cache.get(cache_key)
        if fmt is None:
            props: dict[str, Any] = {"num_format": code}
            if is_engine:
                props.update(italic=True, bg_color="#EDEDED")
            if is_input:
                props.update(_INPUT)
            fmt = self._wb.add_format(props)
            self._cache[cache_key] = fmt
        return fmt
