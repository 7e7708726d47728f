"""Page and screen geometry of econ workbooks, and the limits Excel enforces.

Pure functions of text, widths and number formats, shared by the writer and
its tests: how wide a column is in pixels, how many lines a wrapped text takes,
how long a number prints in an Excel number format, how a page is split, and
the checks of the structural limits beyond which Excel "repairs" a file.

Column widths are in Excel's character units (the width of ``0`` in Calibri
11, 7 px); a column of width ``w`` is ``round(7 w) + 5`` px on screen and at
96 px per inch on paper. Rows are 15 pt (20 px) unless set.
"""

from __future__ import annotations

import math
import re
import textwrap

__all__ = [
    "CHART_COLS",
    "CHART_COL_W",
    "CHART_PAGE_ROWS",
    "CHART_PX",
    "FORMULA_MAX",
    "HEADER_IN",
    "LANDSCAPE_PT",
    "LINE_PT",
    "MARGINS_IN",
    "MIN_PRINT_SCALE",
    "PAGE_FILL",
    "PORTRAIT_PT",
    "ROW_PX",
    "SCREEN_GRID_PX",
    "TITLE_MAX",
    "VALIDATION_TEXT_MAX",
    "check_formula",
    "check_name",
    "col_px",
    "fit_text",
    "formatted_width",
    "header_escape",
    "header_text",
    "without_unit",
    "wrapped_lines",
]

#: Page margins (inches): left, right, top, bottom; header and footer sit
#: inside the top and bottom margins, this far from the edge.
MARGINS_IN = (0.5, 0.5, 0.75, 0.75)
HEADER_IN = 0.3
#: Printable area of A4 at 100 % in points (72 an inch): width, height. On
#: paper LibreOffice draws a column of ``p`` screen pixels ``p`` points wide
#: (Excel a little narrower) and a row of ``h`` points ``h`` points high, so
#: page arithmetic is done in those units (:func:`col_px`, :data:`LINE_PT`).
LANDSCAPE_PT = (
    int((11.69 - MARGINS_IN[0] - MARGINS_IN[1]) * 72),
    int((8.27 - MARGINS_IN[2] - MARGINS_IN[3]) * 72),
)
PORTRAIT_PT = (
    int((8.27 - MARGINS_IN[0] - MARGINS_IN[1]) * 72),
    int((11.69 - MARGINS_IN[2] - MARGINS_IN[3]) * 72),
)
#: Height of one line of 11-pt text in a row (points); a default row is 15 pt
#: (20 px on screen).
LINE_PT = 15.0
ROW_PX = 20
#: Smallest print scale of the Model sheet (more years go to another page).
MIN_PRINT_SCALE = 0.6
#: Share of a page filled before a manual page break (slack for font metrics).
PAGE_FILL = 0.95
#: Grid width of a 1366-px-wide screen with Excel maximised at 100 % zoom:
#: minus the row numbers (~30 px), the vertical scroll bar (~17 px) and the
#: window frame (~19 px).
SCREEN_GRID_PX = 1366 - 66
#: Charts: one a landscape page of this many rows (15 pt each), drawn this
#: size in px over the cells it covers (LibreOffice prints those cells a
#: point a pixel wide and 15 pt a 20-px row: 740 x 420 pt); the sheet prints
#: this many columns of this width (75 px each: 750 of the page's 769 pt).
CHART_PAGE_ROWS = 30
CHART_PX = (740, 540)
CHART_COLS = 10
CHART_COL_W = 10.0
#: Excel's limits: input-message titles, validation texts, formula length.
TITLE_MAX = 32
VALIDATION_TEXT_MAX = 255
FORMULA_MAX = 8192
HEADER_MAX = 255


def col_px(width: float) -> int:
    """Screen pixels of a column ``width`` characters wide (Calibri 11).

    >>> col_px(8.43), col_px(10), col_px(0)
    (64, 75, 0)
    """
    if width <= 0:
        return 0
    if width < 1:
        return int(width * 12 + 0.5)
    return int(width * 7 + 0.5) + 5


def wrapped_lines(text: str, width: float) -> int:
    """Lines ``text`` takes in a wrapped cell ``width`` characters wide.

    Text averages ~6 px a character against a digit's 7; counting 1.1
    characters a width unit leaves room for wide letters, so the estimate errs
    towards a taller row rather than a cut one.

    >>> wrapped_lines("a short note", 30), wrapped_lines("word " * 20, 30)
    (1, 4)
    """
    per_line = max(int(width * 1.1) - 1, 1)
    lines = 0
    for paragraph in text.splitlines() or [""]:
        lines += max(len(textwrap.wrap(paragraph, per_line, break_long_words=True)), 1)
    return lines


def fit_text(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, with an
    ellipsis when cut (never mid-word unless a single word is too long).

    >>> fit_text("Domestic unit cost of magnets at the reference year", 32)
    'Domestic unit cost of magnets…'
    >>> fit_text("short", 32)
    'short'
    """
    if len(text) <= limit:
        return text
    room = text[: limit - 1]
    cut = room.rsplit(" ", 1)[0] if " " in room else room
    return cut.rstrip(" ,;:-(") + "…"


_QUOTED = re.compile(r'"[^"]*"')


def _sections(code: str) -> list[str]:
    out, cur, quoted = [], "", False
    for ch in code:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    return [*out, cur]


def formatted_width(value: float | str, code: str) -> float:
    """Approximate printed width of ``value`` in number format ``code``, in
    character units (digits count 1; wide letters more), for column widths.

    Covers the codes econ writes: sections, quoted literals, ``\\x`` and ``_x``,
    thousands separators, scaling commas, decimals and percent.

    >>> formatted_width(-744e6, '$#,##0.0,,"M/yr"')
    10.1
    >>> formatted_width(2031.0, "0"), formatted_width(0.123, "0.0%")
    (4.0, 4.5)
    >>> formatted_width(-75e6, "#,##0.0,,;(#,##0.0,,)")
    4.5
    >>> formatted_width(1e18, "0.0E+00;(0.0E+00)")
    6.0
    """
    if isinstance(value, str):
        return float(len(value))
    if math.isnan(value) or math.isinf(value):
        return 4.0
    parts = _sections(code)
    negative = value < 0
    section = parts[0]
    sign = "-" if negative else ""
    if negative and len(parts) > 1:
        section, sign = parts[1], ""
    elif value == 0 and len(parts) > 2:
        section = parts[2]
    if section.strip().lower() in ("", "general"):
        text = f"{abs(value):.10g}"
        return len(sign + text) + 0.5 * (len(text) > 6)
    sci = re.search(r"0(?:\.(0+))?E[+-]0+", section, re.IGNORECASE)
    if sci:  # scientific: 1.0E+18, as wide as its mantissa and exponent
        text = sign + f"{abs(value):.{len(sci.group(1) or '')}E}"
        brackets = 1.0 if "(" in section else 0.0
        return round(len(text) - 0.5 * sum(ch in ".-+" for ch in text) + brackets, 1) + 0.0
    literal = ""
    for m in _QUOTED.finditer(section):
        literal += m.group(0)[1:-1]
    bare = _QUOTED.sub("", section)
    bare = re.sub(r"\[[^\]]*\]", "", bare)
    literal += "".join(re.findall(r"\\(.)", bare))
    bare = re.sub(r"\\.", "", bare)
    bare = re.sub(r"_.", " ", bare)
    bare = re.sub(r"\*.", "", bare)
    digits = re.findall(r"[0#?.,]+", bare)
    number = max(digits, key=len) if digits else ""
    other = bare.replace(number, "", 1) if number else bare
    scale = 1.0
    trailing = len(number) - len(number.rstrip(","))
    scale /= 1000.0**trailing
    core = number.rstrip(",")
    if "%" in bare:
        scale *= 100
    decimals = len(core.split(".", 1)[1]) if "." in core else 0
    grouped = "," in core
    shown = f"{abs(value) * scale:{',' if grouped else ''}.{decimals}f}"
    text = sign + other.strip() + shown + literal
    # digits, signs and punctuation are narrow or digit-wide; letters average ~1.1
    narrow = sum(ch in ",.-()/ :" for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    return round(len(text) - 0.5 * narrow + 0.2 * letters, 1) + 0.0


def without_unit(code: str, unit: str) -> str:
    """Number format ``code`` without the text of ``unit`` in its quoted
    literals, for a cell whose row states the unit in a Unit column (each unit
    once a row). A scale letter (``M``, ``bn``) and currency signs stay.

    >>> without_unit('#,##0" kg/yr"', "kg/yr"), without_unit('$#,##0.0,,"M/yr"', "USD/yr")
    ('#,##0', '$#,##0.0,,"M"')
    >>> without_unit('#,##0.0,,,"bn RUB"', "RUB"), without_unit('$#,##0.00"/kg"', "USD/kg")
    ('#,##0.0,,,"bn"', '$#,##0.00')
    >>> without_unit("0.0%", "1")
    '0.0%'
    """
    base, _, per = unit.partition("/")

    def strip(m: re.Match[str]) -> str:
        text = m.group(0)[1:-1]
        if text.strip() == unit:
            return ""
        if per and text.endswith("/" + per):
            text = text[: -len(per) - 1]
        text = re.sub(rf"\s*\b{re.escape(base)}\b", "", text) if base else text
        return f'"{text}"' if text.strip() else ""

    return _QUOTED.sub(strip, code)


_CELL_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]+)$")
_CELL_R1C1 = re.compile(r"^[RrCc]$|^[Rr][0-9]*[Cc][0-9]*$")
_NAME = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.\\]*$")


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def check_name(name: str) -> str:
    """``name`` if Excel accepts it as a defined name; ValueError otherwise
    (not a cell reference such as ``CO2`` or ``R1C1``, 255 characters at most).

    >>> check_name("npv_usd")
    'npv_usd'
    >>> check_name("co2")
    Traceback (most recent call last):
    ...
    ValueError: 'co2' cannot be a workbook name: it is a cell reference
    """
    m = _CELL_A1.match(name)
    if (m and _column_number(m[1]) <= 16384 and int(m[2]) <= 1_048_576) or _CELL_R1C1.match(name):
        raise ValueError(f"{name!r} cannot be a workbook name: it is a cell reference")
    if not _NAME.match(name) or len(name) > 255:
        raise ValueError(f"{name!r} cannot be a workbook name (letters, digits, _ and .)")
    return name


def check_formula(formula: str, where: str) -> str:
    """``formula`` if it is shorter than Excel's 8,192 characters."""
    if len(formula) >= FORMULA_MAX:
        raise ValueError(
            f"{where}: a formula of {len(formula):,} characters (Excel's limit is {FORMULA_MAX:,})"
        )
    return formula


def header_escape(text: str, limit: int = 80) -> str:
    """Scenario text for a page header: cut at a word boundary, ``&`` doubled
    (a single ``&`` starts a field code such as ``&P``).

    >>> header_escape("R&D plan")
    'R&&D plan'
    """
    return fit_text(" ".join(text.split()), limit).replace("&", "&&")


def header_text(*parts: tuple[str, str]) -> str:
    """A page header or footer from (section code, text) pairs, at most
    Excel's 255 characters.

    >>> header_text(("&L", header_escape("R&D plan")), ("&R", "&A"))
    '&LR&&D plan&R&A'
    """
    out = "".join(code + text for code, text in parts)
    if len(out) > HEADER_MAX:
        raise ValueError(f"page header longer than {HEADER_MAX} characters: {out!r}")
    return out
