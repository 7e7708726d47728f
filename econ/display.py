"""How a number reads: THE display policy of econ, for the command line, the
HTML summaries, the batch index, summary.xlsx and the workbook's number
formats (:func:`number_format`, which :mod:`econ.excel.styles` uses).

The policy, one rule each:

* **money amounts** (USD or RUB, per year or not) are scaled to k, M or bn
  and the scale goes with the unit, into the header where there is one
  (``NPV [M USD]`` over ``(47.4)``) or after the number (``(47.4) M USD``);
* **prices and rates** (``USD/kg``, ``RUB/USD``) keep two decimals, unscaled;
* **percentages** (``display="percent"``) read as ``%`` with one decimal;
* **durations** (``yr``) one decimal; **calendar years** without separator;
* other quantities and plain factors: thousands separators and three
  significant digits (at most three decimals, none from 100 up);
* **negatives in brackets**: ``(47.4)``, ``(19.0%)``;
* **absent values** (NaN, ``#N/A``) read as the item's own ``na_text``
  ("not needed", "never within the horizon"), never as a blank;
* **flags** (``display="flag"``, a check) read as pass / FAIL;
* **conditions** (``display="yesno"``, a 0/1 that is not a check, such as
  "breakeven size within its terms") read as yes / no, never as 0 and 1;
* **small settings** declared ``display="scientific"`` (a check tolerance
  of 1e-9) in scientific notation with two significant digits, ``1.0E-09``,
  never as a ``0.000`` that hides them.

What a value means (percent, flag, n/a wording) is metadata on the model's
line items (:class:`econ.model.schema.LineItem`), never guessed from a key.
The scale and decimals are chosen from the values shown together (one value,
or a column), so a column reads in one unit; a workbook cell, whose value
may change after an edit, uses the unit's default (:meth:`NumberStyle.for_unit`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Protocol

__all__ = [
    "Displayed",
    "NumberStyle",
    "axis_format",
    "csv_safe",
    "entry_unit",
    "format_item",
    "format_value",
    "header_unit",
    "item_style",
    "number_format",
    "printable",
]

_CURRENCIES = ("USD", "RUB")
#: Scale steps: power of 1,000 -> the word written before the unit.
_PREFIX = {0: "", 1: "k", 2: "M", 3: "bn"}
#: A workbook cell's scale, chosen before its value is known.
_DEFAULT_SCALE = {"USD": 2, "RUB": 3}


class Displayed(Protocol):
    """Anything with the presentation metadata of a line item."""

    @property
    def unit(self) -> str: ...

    @property
    def display(self) -> str: ...

    @property
    def na_text(self) -> str: ...


def _money_amount(unit: str) -> bool:
    """USD or RUB, or either per year: amounts that scale to k, M, bn."""
    parts = unit.split("/")
    return parts[0] in _CURRENCIES and (len(parts) == 1 or parts[1:] == ["yr"])


def _fixed_decimals(unit: str, display: str) -> int | None:
    """Decimals that do not depend on magnitude, ``None`` where they do."""
    if display == "percent" or display == "scientific" or unit == "yr":
        return 1
    if unit == "year" or display in ("flag", "yesno"):
        return 0
    if not _money_amount(unit) and unit.split("/")[0] in _CURRENCIES:
        return 2  # a price or rate: USD/kg, RUB/kg, RUB/USD
    return None


def _round_half_up(x: float, decimals: int) -> Decimal:
    """``x`` rounded as a spreadsheet shows it: half away from zero, from its
    shortest decimal text (so 21.25 reads 21.3 in both, where Python's ``%``
    gives 21.2).

    >>> str(_round_half_up(21.25, 1)), str(_round_half_up(2.675, 2)), str(_round_half_up(7.0, 0))
    ('21.3', '2.68', '7')
    """
    return Decimal(repr(x)).quantize(
        Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP, context=_WIDE
    )


#: Enough digits for any float's integer part (1e308 has 309).
_WIDE = Context(prec=400)


def _significant(magnitude: float, most: int = 3) -> int:
    """Decimals giving three significant digits at ``magnitude`` (0 to ``most``)."""
    if magnitude <= 0 or not math.isfinite(magnitude):
        return 0
    return max(0, min(most, 2 - math.floor(math.log10(magnitude))))


@dataclass(frozen=True)
class NumberStyle:
    """How one value, or a column of values, reads.

    Attributes:
        unit: the model's canonical unit.
        display: ``auto``, ``percent``, ``factor``, ``flag``, ``yesno`` or
            ``scientific``.
        scale: power of 1,000 the number is divided by (money amounts only).
        decimals: decimals shown.
        na_text: the text of an absent value.
    """

    unit: str
    display: str = "auto"
    scale: int = 0
    decimals: int = 2
    na_text: str = "n/a"

    @classmethod
    def for_values(
        cls, unit: str, display: str, values: Iterable[float | None], na_text: str = "n/a"
    ) -> NumberStyle:
        """The style of values shown together: scale and decimals from the
        largest finite magnitude.

        >>> s = NumberStyle.for_values("USD", "auto", [-4.736e7, 7.44e8, float("nan")])
        >>> s.header_unit, s.number(-4.736e7), s.number(7.44e8), s.number(float("nan"))
        ('M USD', '(47)', '744', 'n/a')
        """
        finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
        top = max(finite, default=0.0)
        scale = 0
        if _money_amount(unit) and display == "auto":
            while scale < 3 and top >= 1000 ** (scale + 1):
                scale += 1
        fixed = _fixed_decimals(unit, display)
        decimals = fixed if fixed is not None else _significant(top / 1000**scale)
        return cls(unit, display, scale, decimals, na_text)

    @classmethod
    def for_unit(cls, unit: str, display: str = "auto", na_text: str = "n/a") -> NumberStyle:
        """The style of a workbook cell, before its value is known: money
        amounts in M USD or bn RUB with one decimal, quantities without
        decimals, factors with three.

        >>> NumberStyle.for_unit("RUB").header_unit, NumberStyle.for_unit("USD/yr").header_unit
        ('bn RUB', 'M USD/yr')
        """
        base = unit.split("/")[0]
        if _money_amount(unit) and display == "auto":
            return cls(unit, display, _DEFAULT_SCALE[base], 1, na_text)
        fixed = _fixed_decimals(unit, display)
        if fixed is not None:
            return cls(unit, display, 0, fixed, na_text)
        return cls(unit, display, 0, 3 if unit == "1" else 0, na_text)

    # -- text ------------------------------------------------------------------
    @property
    def header_unit(self) -> str:
        """The unit as a header states it: ``M USD/yr``, ``%``, ``USD/kg``;
        empty for plain factors, flags and calendar years."""
        if self.display == "percent":
            return "%"
        if self.display in ("flag", "yesno", "factor") or self.unit in ("1", "year"):
            return ""
        prefix = _PREFIX[self.scale]
        return f"{prefix} {self.unit}" if prefix else self.unit

    def number(self, value: float | None) -> str:
        """The value without its unit (a table cell under :attr:`header_unit`).

        >>> NumberStyle("1", "percent", 0, 1).number(-0.19)
        '(19.0%)'
        >>> NumberStyle("1", "yesno").number(1.0), NumberStyle("1", "yesno").number(0.0)
        ('yes', 'no')
        """
        if value is None or not math.isfinite(value):
            return self.na_text
        if self.display == "flag":
            return "pass" if value == 1 else "FAIL"
        if self.display == "yesno":
            return "yes" if value == 1 else "no"
        if self.unit == "year":
            return f"{value:.0f}"
        if self.display == "scientific":
            text = f"{abs(value):.{self.decimals}E}"
            return f"({text})" if value < 0 else text
        x = value * 100 if self.display == "percent" else value / 1000**self.scale
        text = f"{_round_half_up(abs(x), self.decimals):,f}"
        if self.display == "percent":
            text += "%"
        return f"({text})" if value < 0 else text

    def text(self, value: float | None) -> str:
        """The value with its unit: ``(47.4) M USD``, ``63.5%``, ``2041``,
        or the n/a text."""
        shown = self.number(value)
        unit = self.header_unit
        if value is None or not math.isfinite(value) or not unit or unit == "%":
            return shown
        return f"{shown} {unit}"

    # -- Excel -------------------------------------------------------------------
    @property
    def excel(self) -> str:
        """The Excel number format code of the same policy (scale by trailing
        commas, negatives in brackets, the unit left to the header).

        >>> NumberStyle("USD", "auto", 2, 1).excel
        '#,##0.0,,;(#,##0.0,,)'
        >>> NumberStyle("1", "percent", 0, 1).excel, NumberStyle("year", "auto", 0, 0).excel
        ('0.0%;(0.0%)', '0')
        >>> NumberStyle("1", "yesno").excel  # the cell holds 1 or 0 and reads yes or no
        '"yes";"yes";"no"'
        """
        if self.display == "yesno":
            return '"yes";"yes";"no"'
        if self.unit == "year" or self.display == "flag":
            return "0"
        digits = "0." + "0" * self.decimals if self.decimals else "0"
        if self.display == "scientific":
            return f"{digits}E+00;({digits}E+00)"
        if self.display == "percent":
            return f"{digits}%;({digits}%)"
        body = "#,##" + digits + "," * self.scale
        return f"{body};({body})"


def item_style(item: Displayed, values: Iterable[float | None]) -> NumberStyle:
    """:meth:`NumberStyle.for_values` with a line item's unit, display and n/a text."""
    return NumberStyle.for_values(item.unit, item.display, values, item.na_text)


def format_value(
    value: float | None, unit: str, display: str = "auto", na_text: str = "n/a"
) -> str:
    """One value with its unit, scaled by its own magnitude; ``na_text`` for NaN.

    >>> format_value(0.7391, "1", "percent"), format_value(2.125e7, "USD/yr")
    ('73.9%', '21.3 M USD/yr')
    >>> format_value(2041.0, "year"), format_value(35.0097, "yr"), format_value(8.5, "USD/kg")
    ('2041', '35.0 yr', '8.50 USD/kg')
    >>> format_value(-2.2288e8, "USD"), format_value(60e9, "RUB"), format_value(16975.2, "t/yr")
    ('(223) M USD', '60.0 bn RUB', '16,975 t/yr')
    >>> format_value(1.0, "1", "flag"), format_value(0.0, "USD"), format_value(0.25, "1")
    ('pass', '0 USD', '0.250')
    >>> format_value(0.0, "1", "yesno")
    'no'
    >>> format_value(1e-9, "1", "scientific"), number_format("1", "scientific")
    ('1.0E-09', '0.0E+00;(0.0E+00)')
    >>> format_value(float("nan"), "year", na_text="never within the horizon")
    'never within the horizon'
    """
    return NumberStyle.for_values(unit, display, [value], na_text).text(value)


def format_item(value: float | None, item: Displayed) -> str:
    """:func:`format_value` with a line item's own unit, display and n/a text."""
    return format_value(value, item.unit, item.display, item.na_text)


def number_format(unit: str, display: str = "auto") -> str:
    """The Excel number format of a workbook cell in ``unit`` (its header or
    Unit column states :attr:`NumberStyle.header_unit`).

    >>> number_format("USD/kg"), number_format("RUB/yr"), number_format("t/yr")
    ('#,##0.00;(#,##0.00)', '#,##0.0,,,;(#,##0.0,,,)', '#,##0;(#,##0)')
    """
    return NumberStyle.for_unit(unit, display).excel


def axis_format(unit: str, display: str = "auto") -> str:
    """The Excel number format of a chart axis in ``unit``: the policy's scale
    with its word on each label (an axis has no header), no decimals.

    >>> axis_format("USD"), axis_format("USD/kg"), axis_format("1", "percent")
    ('#,##0,,"M";(#,##0,,"M")', '#,##0;(#,##0)', '0%;(0%)')
    """
    style = NumberStyle.for_unit(unit, display)
    if display == "percent":
        return "0%;(0%)"
    body = "#,##0" + "," * style.scale + (f'"{_PREFIX[style.scale]}"' if style.scale else "")
    return f"{body};({body})"


def header_unit(unit: str, display: str = "auto") -> str:
    """The unit a workbook's Unit column states for :func:`number_format`.

    >>> header_unit("USD"), header_unit("1", "percent"), header_unit("t/yr")
    ('M USD', '%', 't/yr')
    """
    return NumberStyle.for_unit(unit, display).header_unit


def entry_unit(unit: str, display: str = "auto") -> tuple[str, float]:
    """The unit an analyst types an input in (the one the workbook's Unit
    column states) and the factor from the typed number to ``unit``.

    A money amount is typed scaled, as :func:`header_unit` shows it (60 for
    60 bn RUB); a percentage is typed as a percentage, which a spreadsheet
    stores as the fraction (10% holds 0.1, so the factor is 1); anything else
    in its own unit.

    >>> entry_unit("RUB"), entry_unit("USD/yr"), entry_unit("1", "percent"), entry_unit("t/yr")
    (('bn RUB', 1000000000.0), ('M USD/yr', 1000000.0), ('%', 1.0), ('t/yr', 1.0))
    """
    style = NumberStyle.for_unit(unit, display)
    if style.scale:
        return style.header_unit, float(1000**style.scale)
    if display == "percent":
        return "%", 1.0
    return unit, 1.0


_CONTROL = {c: "?" for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]}
_CONTROL |= {c: "?" for c in range(0x80, 0xA0)}
_CONTROL |= {0x0D: "?", 0x09: " ", 0x0A: " "}


def printable(text: str) -> str:
    """``text`` safe for a terminal: control characters (ESC, BEL, NUL, C1...)
    become ``?`` and line breaks spaces, so a title cannot move the cursor,
    ring the bell or hide what follows.

    >>> printable("Title\x1b[2J\x07 ok")
    'Title?[2J? ok'
    """
    return text.translate(_CONTROL)


def csv_safe(text: str) -> str:
    """A CSV text cell that no spreadsheet reads as a formula (OWASP's rule:
    a cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return
    gets a leading apostrophe).

    >>> csv_safe("=SUM(1+2)"), csv_safe("-1"), csv_safe("magnets_plant")
    ("'=SUM(1+2)", "'-1", 'magnets_plant')
    """
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
