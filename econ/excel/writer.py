"""Write a scenario as an Excel workbook whose formulas are the model definition.

Backend 2 of :mod:`econ.model.expr`: every formula in the workbook is
:func:`~econ.model.expr.to_formula` of a line item's single definition, and
every formula cell stores the engine's value (:func:`econ.evaluate`) as its
cached result, so readers that do not recalculate (pandas, viewers) see the
same numbers as Excel or LibreOffice after a recalculation.

Layout (FAST-style: inputs, workings, outputs, checks kept apart):

* **Cover**: what the model is, the master check and input ranges as words,
  the headline metrics (live), caveats, contents, sources, engine version.
* **Assumptions**: one row per input (blue on pale yellow, data
  validation), typed in the unit its Unit column states (60 in ``bn RUB``);
  where that is a scaled unit, a live conversion row (typed value x a
  visible factor) carries the input's defined name; constants; per-year
  inputs in year columns aligned with the Model timeline.
* **Model**: year and period rows, then one row per series line item with one
  formula along the row; scalar workings in their own block.
* **Results**, **Checks**: metrics and identities, each a defined name;
  on Checks, each input against its stated range and domain (warnings).
* **Charts**: native charts over Model rows.
* **_econ** (hidden): key/value metadata for programs reading the file back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

import econ
from econ.display import axis_format, entry_unit, format_item, header_unit
from econ.engine import Results
from econ.excel.layout import (
    CHART_COL_W,
    CHART_COLS,
    CHART_PAGE_ROWS,
    CHART_PX,
    FORMULA_MAX,
    HEADER_IN,
    LANDSCAPE_PT,
    LINE_PT,
    MARGINS_IN,
    MIN_PRINT_SCALE,
    PAGE_FILL,
    PORTRAIT_PT,
    TITLE_MAX,
    VALIDATION_TEXT_MAX,
    check_formula,
    check_name,
    col_px,
    fit_text,
    formatted_width,
    header_escape,
    header_text,
    without_unit,
    wrapped_lines,
)
from econ.excel.styles import Styles, unscaled_number_format
from econ.model import units
from econ.model.excel_backend import NOT_AVAILABLE_VALUE, FormulaContext, to_formula
from econ.model.expr import Expr, Irr, Ref, Sum, as_node
from econ.model.numpy_backend import evaluate as np_evaluate
from econ.model.schema import InputSpec, LineItem, Model
from econ.scenario import Scenario, to_toml

__all__ = [
    "FIRST_COL",
    "PERIOD_ROW",
    "SHEET_NAMES",
    "YEAR_ROW",
    "Layout",
    "write_workbook",
]

_COMPARISON = "Instrument comparison"  # econ.model.definition.project.COMPARISON
#: Zero-based column of the first timeline year, on Model and Assumptions (J):
#: on Assumptions, columns A-I hold key, label, value, unit, low, high, basis,
#: source and note, and an input given per year continues its row from J.
FIRST_COL = 9
#: The visible sheets, in order (the hidden metadata sheet is ``_econ``).
#: Instruments and Solves appear where the model has an instrument
#: comparison or derived blocks (solves, variants).
SHEET_NAMES = (
    "Cover",
    "Assumptions",
    "Model",
    "Results",
    "Checks",
    "Instruments",
    "Solves",
    "Charts",
)
#: Longest text in one metadata cell (Excel's limit is 32,767 characters).
_CHUNK = 30_000
#: Zero-based rows of the year and period counters on the Model sheet (4, 5).
YEAR_ROW, PERIOD_ROW = 3, 4
#: Defined names of the timeline rows (``YEAR`` is an Excel function name).
YEAR_NAME, PERIOD_NAME = "timeline_year", "timeline_period"
#: Fixed document date: the same scenario builds byte-identical files.
CREATED = dt.datetime(2025, 1, 1, 0, 0, 0)
_COL = "\x00"  # placeholder for the current column letter in row formulas
_PREV = "\x01"  # ... and for the column before it (a balance's previous year)
_VALUE_COL = 3  # column D: single-value cells of scalar blocks
#: Assumptions: widths (characters) of the Label, Basis, Source and Note
#: columns. The sheet prints one landscape page wide and at most two tall
#: (a project's ~63 inputs, conversions and constants are ~90 rows: 1,350 pt
#: unwrapped against two pages' 974 pt, so it prints at ~50 %); a wide Source
#: column keeps most citations to one or two lines, which is what lets the
#: rows fit two pages at the largest scale (chosen by laying out the seeds'
#: texts with :func:`~econ.excel.layout.wrapped_lines`).
_ASSUMPTION_TEXT_W = (34.0, 11.0, 78.0, 22.0)


@dataclass
class Layout:
    """Where every name lives, and how it renders in a formula.

    Attributes:
        n_years: Y, the number of timeline columns.
        model_rows: zero-based Model row of each series line item.
        year_inputs: zero-based Assumptions row of each input given per year.
        input_cells: sheet-qualified address of every input (a cell or a row).
    """

    n_years: int
    model_rows: dict[str, int] = field(default_factory=dict)
    year_inputs: dict[str, int] = field(default_factory=dict)
    input_cells: dict[str, str] = field(default_factory=dict)
    #: The sheet of a timeline row not on Model (Solves, Instruments).
    row_sheet: dict[str, str] = field(default_factory=dict)
    #: The sheet whose formulas are being rendered: rows elsewhere are qualified.
    current: str = "Model"

    def _on(self, name: str) -> str:
        """``Sheet!`` for a row on another sheet than the one rendered."""
        sheet = self.row_sheet.get(name, "Model")
        return "" if sheet == self.current else f"{sheet}!"

    @property
    def last_col(self) -> int:
        """Zero-based column of the last timeline year."""
        return FIRST_COL + self.n_years - 1

    def _cell(self, name: str, col: str | None) -> str:
        if name in ("year", "period"):
            if col is None:
                raise ValueError(f"{name!r} is a timeline row; it has no single value")
            where = "" if self.current == "Model" else "Model!"
            return f"{where}{col}${(YEAR_ROW if name == 'year' else PERIOD_ROW) + 1}"
        if name in self.model_rows:
            if col is None:
                raise ValueError(f"{name!r} is a timeline row; it has no single value")
            return f"{self._on(name)}{col}{self.model_rows[name] + 1}"
        if name in self.year_inputs:
            if col is None:
                raise ValueError(f"{name!r} is given per year; it has no single value")
            return f"INDEX({name},1,{col}${PERIOD_ROW + 1})"
        return name

    def _row(self, name: str) -> str:
        if name == "year":
            return YEAR_NAME
        if name == "period":
            return PERIOD_NAME
        if name in self.model_rows or name in self.year_inputs:
            return name
        raise ValueError(f"{name!r} is not a timeline row")

    def _running(self, name: str, col: str) -> str:
        first = xl_col_to_name(FIRST_COL)
        if name in self.model_rows:
            r = self.model_rows[name] + 1
            return f"{self._on(name)}${first}{r}:{col}{r}"
        if name in self.year_inputs:
            r = self.year_inputs[name] + 1
            return f"Assumptions!${first}${r}:{col}${r}"
        raise ValueError(f"{name!r} is not a timeline row")

    def context(self, col: str | None) -> FormulaContext:
        """The formula context of a cell in timeline column ``col`` (a letter
        such as ``"F"``), or of a single-value cell when ``col`` is None."""
        return FormulaContext(
            cell=lambda n: self._cell(n, col),
            row=self._row,
            running=lambda n: self._running(n, col or "?"),
            prev=self._prev,
        )

    def _prev(self, name: str) -> str:
        if name not in self.model_rows:
            raise ValueError(f"{name!r} is not a Model row; its previous year has no cell")
        return f"{self._on(name)}{_PREV}{self.model_rows[name] + 1}"

    def row_formula(self, item: LineItem) -> Callable[[int], str]:
        """Render a series item once; return a function giving its formula
        (without ``=``) in a zero-based timeline column."""
        template = to_formula(item.expr, self.context(_COL))
        return lambda c: template.replace(_COL, xl_col_to_name(c)).replace(
            _PREV, xl_col_to_name(c - 1)
        )


#: The functions XlsxWriter rewrites with an ``_xlfn.`` prefix (dynamic arrays).
_DYNAMIC = re.compile(
    r"\b(ANCHORARRAY|BYCOL|BYROW|CHOOSECOLS|CHOOSEROWS|DROP|EXPAND|FILTER|HSTACK|LAMBDA|"
    r"MAKEARRAY|MAP|RANDARRAY|REDUCE|SCAN|SINGLE|SEQUENCE|SORT|SORTBY|SWITCH|TAKE|TEXTSPLIT|"
    r"TOCOL|TOROW|UNIQUE|VSTACK|WRAPCOLS|WRAPROWS|XLOOKUP)\("
)


class _Sheet(Worksheet):  # type: ignore[misc]  # XlsxWriter ships no type hints
    """A worksheet that skips XlsxWriter's ~30 regex rewrites per formula when
    the formula uses none of the functions they rewrite (econ's formulas use
    classic functions only: :mod:`econ.model.excel_backend`); the written
    file is byte-identical. Half of a workbook's build time went there."""

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        if formula.startswith("{") or _DYNAMIC.search(formula):
            return str(super()._prepare_formula(formula, expand_future_functions))
        return formula[1:] if formula.startswith("=") else formula


def _walk(e: Expr) -> Iterator[Expr]:
    node = as_node(e)
    yield node
    for child in node.children():
        yield from _walk(child)


def _cached(x: float) -> float | str:
    """The cached result of a formula cell: the engine's value, or the
    spreadsheet's own "not available" error where the engine has NaN."""
    return NOT_AVAILABLE_VALUE if math.isnan(x) else float(x)


def _scalar(results: Results, key: str) -> float | str:
    return _cached(float(results.values[key][0, 0]))


def _safe_define(wb: Workbook, name: str, ref: str) -> None:
    check_name(name)
    if wb.define_name(name, "=" + ref) != 0:  # pragma: no cover - names are validated keys
        raise ValueError(f"cannot define the workbook name {name!r}")


def _bounds(spec: InputSpec, scenario: Scenario) -> tuple[float | None, float | None, bool, bool]:
    """The allowed range of an input cell in the unit it is typed in
    (:func:`econ.display.entry_unit`): the scenario's low/high, else the
    model's domain; and whether each end is open."""
    a = scenario.assumptions[spec.key]
    if spec.year:
        return float(scenario.start_year), float(scenario.years[-1]), False, False
    factor = entry_unit(spec.unit, spec.display)[1]
    lo = a.low if a.low is not None else spec.minimum
    hi = a.high if a.high is not None else spec.maximum
    lo_open = a.low is None and spec.min_open
    hi_open = a.high is None and spec.max_open
    return (
        None if lo is None else lo / factor,
        None if hi is None else hi / factor,
        lo_open,
        hi_open,
    )


def _typed_text(x: float, spec: InputSpec) -> str:
    """A bound as a validation message states it, in the typed unit:
    ``1,400``, ``20%``, ``2031``."""
    if spec.display == "percent":
        return f"{x * 100:,.10g}%"
    return f"{x:.10g}" if spec.year else f"{x:,.10g}"


def _validation(spec: InputSpec, scenario: Scenario) -> dict[str, object]:
    lo, hi, lo_open, hi_open = _bounds(spec, scenario)
    kind = "integer" if spec.kind in ("year", "whole") else "decimal"
    options: dict[str, object]
    if lo is not None and hi is not None:
        options = {"validate": kind, "criteria": "between", "minimum": lo, "maximum": hi}
        bounds = f"between {_typed_text(lo, spec)} and {_typed_text(hi, spec)}"
    elif lo is not None:
        options = {"validate": kind, "criteria": ">" if lo_open else ">=", "value": lo}
        bounds = f"{'above' if lo_open else 'at least'} {_typed_text(lo, spec)}"
    elif hi is not None:
        options = {"validate": kind, "criteria": "<" if hi_open else "<=", "value": hi}
        bounds = f"{'below' if hi_open else 'at most'} {_typed_text(hi, spec)}"
    else:
        options = {"validate": "any"}
        bounds = "any number"
    typed = entry_unit(spec.unit, spec.display)[0]
    unit = "" if typed in ("1", "year", "%") else f" {typed}"
    if spec.kind == "whole":
        bounds = f"a whole number {bounds}"
    allowed = f" Allowed: {bounds}{unit}."
    # Excel refuses (and "repairs") titles over 32 and messages over 255
    # characters: cut at a word boundary, keeping the allowed range whole.
    message = fit_text(spec.doc, VALIDATION_TEXT_MAX - len(allowed)) + allowed
    options.update(
        input_title=fit_text(spec.label, TITLE_MAX),
        input_message=fit_text(message, VALIDATION_TEXT_MAX),
    )
    if options["validate"] != "any":
        options.update(
            error_title="Outside the allowed range",
            error_message=fit_text(f"{spec.label}: {bounds}{unit}.", VALIDATION_TEXT_MAX),
            error_type="warning",
        )
    for bound in ("minimum", "maximum", "value"):
        if bound in options and len(repr(options[bound])) > VALIDATION_TEXT_MAX:
            raise ValueError(f"{spec.key}: validation bound longer than 255 characters")
    return options


def _typed_code(values: Sequence[float]) -> str:
    """The number format of an input typed in a scaled unit (60 for 60 bn
    RUB): one decimal, or as many as the values need (at most three), so
    what was typed is what shows.

    >>> _typed_code([60.0, 30.0]), _typed_code([230.5, 1.25])
    ('#,##0.0;(#,##0.0)', '#,##0.00;(#,##0.00)')
    """
    decimals = 1
    for v in values:
        while decimals < 3 and round(v, decimals) != round(v, 10):
            decimals += 1
    body = "#,##0." + "0" * decimals
    return f"{body};({body})"


def _total_unit(unit: str) -> str | None:
    """The unit of a row's total over the timeline, or None when the row does
    not add up (stocks, prices, fractions and flags): a row in X/yr sums to X.

    >>> _total_unit("USD/yr"), _total_unit("USD"), _total_unit("1")
    ('USD', None, None)
    """
    if not unit.endswith("/yr"):
        return None
    return str(units.infer(Sum(Ref("x")), lambda _: units.parse(unit)))


def _row_width(values: np.ndarray, code: str) -> float:
    """Widest printed value of a row in format ``code``: the printed width
    grows with the magnitude, so the extremes (and n/a) decide it."""
    finite = values[np.isfinite(values)]
    probes = [float(finite.max()), float(finite.min())] if finite.size else []
    if finite.size < values.size:
        probes.append(float("nan"))
    return max((formatted_width(v, code) for v in probes), default=0.0)


@dataclass
class _Rows:
    """Row heights (points) and outline sections of a sheet, for pagination."""

    heights: dict[int, float] = field(default_factory=dict)
    sections: list[tuple[int, int]] = field(default_factory=list)  # first, last row


@dataclass
class _Timeline:
    """A planned block of timeline rows on one sheet (see ``plan_timeline``)."""

    sheet: str
    series: list[LineItem]
    scalars: list[LineItem]
    echo: list[str]
    placed: list[tuple[int, str, list[tuple[int, LineItem | str]]]] = field(default_factory=list)
    rows: _Rows = field(default_factory=_Rows)
    chart_rows: dict[str, int] = field(default_factory=dict)
    totals: dict[str, tuple[Expr, float | str, str]] = field(default_factory=dict)
    scalar_start: int = 0
    end: int = 0


def _row_breaks(rows: _Rows, first: int, last: int, page: float, fixed: float) -> list[int]:
    """Rows before which a page starts, so that every page holds at most
    ``page`` points of rows (after ``fixed`` points of repeated header rows)
    and a section that fits on one page is not split."""
    breaks: list[int] = []
    room = page - fixed
    used = sum(rows.heights.get(r, LINE_PT) for r in range(0, first))
    starts = {a: b for a, b in rows.sections}
    r = first
    while r <= last:
        h = rows.heights.get(r, LINE_PT)
        if r in starts:
            block = sum(rows.heights.get(x, LINE_PT) for x in range(r, starts[r] + 1))
            if used + block > room and used > 0 and block <= room:
                breaks.append(r)
                used = 0
        if used + h > room and used > 0:
            breaks.append(r)
            used = 0
        used += h
        r += 1
    return breaks


@dataclass(frozen=True)
class _Instrument:
    """One row of the Instruments sheet: an instrument of the comparison."""

    name: str
    label: str
    variable: str
    unit: str
    solve: str
    prefix: str
    terms: tuple[str, ...]


def _instrument_table(model: Model) -> list[_Instrument]:
    """The instruments a model compares (its ``{name}_fiscal_cost_usd``
    metrics), in definition order; empty for other models."""
    from econ.model.definition.project import INSTRUMENT_TERMS, INSTRUMENTS

    return [
        _Instrument(name, label, variable, unit, key, prefix, INSTRUMENT_TERMS.get(name, ()))
        for name, label, variable, unit, key, prefix, _ in INSTRUMENTS
        if f"{name}_fiscal_cost_usd" in model and f"{name}_rank" in model
    ]


def _status(size: float, within: float) -> str:
    """Why an instrument can or cannot break the project even (its table's
    Status column; the workbook's formula says the same)."""
    if within == 1.0:
        return "within its terms"
    if math.isnan(size):
        return "no size breaks even"
    if size < 0:
        return "not needed"
    return "beyond the instrument's terms"


class _Builder:
    def __init__(self, wb: Workbook, scenario: Scenario, results: Results) -> None:
        self.wb = wb
        self.sc = scenario
        self.res = results
        self.model = scenario.model
        self.extra_sheets: Callable[[Workbook], None] | None = None
        self.st = Styles(wb)
        self.layout = Layout(scenario.horizon_yr)
        self.years = list(scenario.years)
        self.section = wb.add_format(
            {"bold": True, "bg_color": "#F2F2F2", "top": 1, "top_color": "#BFBFBF"}
        )
        self.label = wb.add_format({"text_wrap": True})  # bottom: last line by the numbers
        self.top = wb.add_format({"text_wrap": True, "valign": "top"})
        self.bold_top = wb.add_format({"bold": True, "valign": "top"})
        self.title_wrap = wb.add_format(
            {"bold": True, "font_size": 14, "text_wrap": True, "valign": "top"}
        )
        self.link = wb.add_format({"font_color": "#0563C1", "underline": 1})
        self.word_bad = wb.add_format(
            {"bold": True, "bg_color": "#FFC7CE", "font_color": "#9C0006", "align": "center"}
        )
        self.word_ok = wb.add_format({"bold": True, "bg_color": "#C6EFCE", "font_color": "#006100"})
        self.right = wb.add_format({"bold": True, "align": "right"})
        self.warn = wb.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700"})
        self.word_warn = wb.add_format(
            {"bold": True, "bg_color": "#FFEB9C", "font_color": "#9C5700"}
        )
        self.headline_fmts: dict[str, Format] = {}
        self.bounds_status: list[str] = []
        self._plain: dict[str, Format] = {}

    # -- helpers --------------------------------------------------------
    def text(self, ws: Worksheet, row: int, col: int, value: str, fmt: object = None) -> None:
        ws.write_string(row, col, value, fmt)  # never a formula, whatever it starts with

    def formula(
        self, ws: Worksheet, row: int, col: int, formula: str, fmt: object, value: object
    ) -> None:
        """A formula cell, checked against Excel's length limit."""
        if len(formula) >= FORMULA_MAX:
            check_formula(formula, f"{ws.name}!{xl_rowcol_to_cell(row, col)}")
        ws.write_formula(row, col, formula, fmt, value)

    def headers(self, ws: Worksheet, row: int, names: Sequence[str], first: int = 0) -> None:
        for c, name in enumerate(names, start=first):
            if name:
                self.text(ws, row, c, name, self.st.header)

    def year_header(self, ws: Worksheet, row: int) -> None:
        """Year labels on a sheet other than Model, referring to the Model row."""
        for i, year in enumerate(self.years):
            c = FIRST_COL + i
            self.formula(
                ws, row, c, f"=Model!{xl_col_to_name(c)}${YEAR_ROW + 1}", self.st.year, year
            )

    def code(self, unit: str, display: str = "auto") -> str:
        """The number format of a value in ``unit`` (Assumptions cells)."""
        return str(self.st.value(unit, display).num_format)

    def plain_code(self, unit: str, display: str = "auto") -> str:
        """The number format of a value on a row whose Unit column states ``unit``."""
        return without_unit(self.code(unit, display), unit)

    def plain(self, unit: str, display: str = "auto") -> Format:
        """The cell format of :meth:`plain_code` (one per code)."""
        code = self.plain_code(unit, display)
        fmt = self._plain.get(code)
        if fmt is None:
            fmt = self._plain[code] = self.wb.add_format({"num_format": code})
        return fmt

    def banner(
        self, ws: Worksheet, row: int, label_col: int, word_col: int, label: str = "Checks"
    ) -> None:
        """The master check as a word, OK (green) or ERRORS (red), live."""
        master = self.model.master_check_key
        if master is None:
            return
        self.text(ws, row, label_col, label, self.right if label == "Checks" else self.st.bold)
        word = "OK" if _scalar(self.res, master) == 1.0 else "ERRORS"
        self.formula(ws, row, word_col, f'=IF({master}=1,"OK","ERRORS")', self.word_bad, word)
        ws.conditional_format(
            row,
            word_col,
            row,
            word_col,
            {"type": "cell", "criteria": "==", "value": '"OK"', "format": self.word_ok},
        )

    def page(
        self,
        ws: Worksheet,
        *,
        landscape: bool,
        fit_width: bool = True,
        repeat_rows: tuple[int, int] | None = None,
        pages_tall: int = 0,
    ) -> None:
        """A4 page setup, header and footer (scenario, sheet, page, print date):
        fitted to one page wide (and at most ``pages_tall`` pages tall)."""
        ws.set_paper(9)
        if landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.set_margins(*MARGINS_IN)
        sc = self.sc
        ws.set_start_page(1)  # page numbers restart on every sheet
        ws.set_header(
            header_text(("&L", header_escape(sc.title)), ("&R", header_escape(sc.name, 60))),
            {"margin": HEADER_IN},
        )
        ws.set_footer(
            header_text(
                ("&L", f"econ {econ.__version__}, model {header_escape(self.model.name, 40)}"),
                ("&C", "&A \u00b7 page &P of &N"),
                ("&R", "printed &D"),
            ),
            {"margin": HEADER_IN},
        )
        if fit_width:
            ws.fit_to_pages(1, pages_tall)
        if repeat_rows is not None:
            ws.repeat_rows(*repeat_rows)

    def wrapped(self, ws: Worksheet, row: int, cells: Sequence[tuple[str, float]]) -> float:
        """Set the height of ``row`` to show every (text, column width) whole;
        its height in points."""
        lines = max((wrapped_lines(t, w) for t, w in cells), default=1)
        if lines > 1:
            ws.set_row(row, lines * LINE_PT)
        return lines * LINE_PT

    # -- sheets ---------------------------------------------------------
    def build(self) -> None:
        model = self.model
        table = _instrument_table(model)
        calc = [i for i in model.items if i.role == "calc"]
        main = [i for i in calc if not i.derived and i.section != _COMPARISON]
        # Solves: plug-back blocks, variants, and the comparison's yearly rows;
        # the ranking's workings (sort keys) sit on the Instruments sheet.
        workings = {i.key for i in self._ranking_workings(table)} if table else set()
        derived = [
            i for i in calc if (i.derived or i.section == _COMPARISON) and i.key not in workings
        ]
        on_instruments = (
            {
                i.key
                for i in model.items_with("metric")
                if i.section == _COMPARISON and not i.headline
            }
            | {row.solve for row in table if not model.item(row.solve).headline}
            if table
            else set()
        )
        names = ["Cover", "Assumptions", "Model", "Results", "Checks"]
        if table:
            names.append("Instruments")
        if derived:
            names.append("Solves")
        names.append("Charts")
        self.sheet_names = tuple(names)
        sheets = {name: self.wb.add_worksheet(name, worksheet_class=_Sheet) for name in names}
        meta = self.wb.add_worksheet("_econ", worksheet_class=_Sheet)
        self.assumptions(sheets["Assumptions"])
        # Every timeline row is placed before any formula is written.
        charted = [s.key for chart in model.charts for s in chart.series]
        echo = [k for k in dict.fromkeys(charted) if k in model.input_keys]
        plans = {
            "Model": self.plan_timeline(
                "Model",
                [i for i in main if i.shape == "series"],
                [i for i in main if i.shape == "scalar"],
                echo,
            )
        }
        if derived:
            # The yearly cost to the state at each breakeven size sits with the
            # plug-back blocks it reads; the Instruments sheet sums it up.
            plans["Solves"] = self.plan_timeline(
                "Solves",
                [i for i in derived if i.shape == "series"],
                [i for i in derived if i.shape == "scalar"],
            )
        if table:
            self.instruments_rows(table)
        self.model_sheet(sheets["Model"], plans["Model"])
        if derived:
            self.solves_sheet(sheets["Solves"], plans["Solves"])
        if table:
            self.instruments_sheet(sheets["Instruments"], table)
        self.scalar_sheet(
            sheets["Results"],
            "Results",
            [i for i in model.items_with("metric") if i.key not in on_instruments],
            "Key metrics, computed from the Model sheet."
            + (
                " Each instrument's breakeven size and cost: the Instruments sheet."
                if table
                else ""
            ),
        )
        self.scalar_sheet(
            sheets["Checks"],
            "Checks",
            model.items_with("check"),
            "Identities that must hold: 1 = pass, 0 = fail.",
            is_checks=True,
        )
        self.bounds_block(sheets["Checks"], 4 + len(model.items_with("check")) + 1)
        self.charts(sheets["Charts"])
        if self.extra_sheets is not None:  # analysis sheets: econ.excel.sheets_risk
            self.extra_sheets(self.wb)
        self.cover(sheets["Cover"])
        self.meta(meta)
        meta.hide()
        sheets["Cover"].activate()

    def cover(self, ws: Worksheet) -> None:
        sc, st = self.sc, self.st
        widths = (20.0, 66.0)
        ws.set_column(0, 0, widths[0])
        ws.set_column(1, 1, widths[1])
        ws.merge_range(0, 0, 0, 1, "", self.title_wrap)
        self.text(ws, 0, 0, sc.title, self.title_wrap)
        self.wrapped(ws, 0, [(sc.title + "  ", sum(widths) * 11 / 14 / 1.2)])
        rows: list[tuple[str, str]] = [
            ("Scenario", sc.name),
            ("Model", f"{self.model.name}: {self.model.title}"),
            ("Timeline", f"{sc.start_year}-{sc.years[-1]} ({sc.horizon_yr} years)"),
        ]
        r = 2
        for label, value in rows:
            self.text(ws, r, 0, label, self.bold_top)
            self.text(ws, r, 1, value, self.top)
            self.wrapped(ws, r, [(value, widths[1])])
            r += 1
        if self.model.master_check_key is not None:
            self.banner(ws, r, 0, 1, "All checks")
            note = "OK when every identity on the Checks sheet holds."
            self.text(ws, r + 1, 1, note, st.subtitle)
            r += 2
        r = self.cover_ranges(ws, r)
        r = self.cover_headline(ws, r, widths)
        # Caveats in full: the description and every warning, wrapped.
        caveats = [("Description", sc.description)] + [("Warning", w) for w in sc.warnings]
        from econ.report.html import illustrative_note

        caution = illustrative_note(sc, self.model.tile_keys)
        if caution:
            caveats.insert(1, ("Read with care", caution))
        caveats += [
            (
                "How to edit",
                "Change the blue cells on the Assumptions sheet, typed in the unit beside "
                "each (60 in bn RUB is 60 billion rubles); each shows its allowed range, and "
                "a value outside it is a warning on the Checks sheet. Every other number is a "
                "formula and recalculates: "
                "Model holds the yearly workings, Results the key metrics, Checks the identities "
                "that must hold. Change the timeline in the scenario file and rebuild.",
            ),
            (
                "Sources",
                "Every input on the Assumptions sheet names its source: a citation, or "
                "'Assumption' with the reason the value is defensible.",
            ),
            (
                "Engine",
                f"econ {econ.__version__}; formulas are rendered from the same model "
                "definition the engine evaluates, and every cached value is the engine's.",
            ),
        ]
        for label, value in caveats:
            self.text(ws, r, 0, label, self.bold_top)
            self.text(ws, r, 1, value, self.top)
            self.wrapped(ws, r, [(value, widths[1])])
            r += 1
        r += 1
        self.text(ws, r, 0, "Contents", st.bold)
        r += 1
        contents = {
            "Assumptions": "Inputs (blue cells), their units, ranges and sources; constants.",
            "Model": "Yearly workings: one line item a row, grouped in sections, with totals.",
            "Results": "Key metrics computed from the Model sheet.",
            "Checks": "Identities that must hold, and the master check.",
            "Charts": "Charts drawn from Model rows.",
            "Instruments": "Each state instrument at its breakeven size: terms, size (solved, "
            "proven by its plug-back NPV), fiscal cost, ranking cheapest first.",
            "Solves": "The model re-evaluated at each solved value (plug-back blocks) and "
            "the project without support.",
        }
        for name in self.sheet_names[1:]:
            ws.write_url(r, 0, f"internal:'{name}'!A1", self.link, string=name)
            self.text(ws, r, 1, contents.get(name, ""), self.top)
            r += 1
        r += 1
        self.text(ws, r, 0, "Cited sources", st.bold)
        r += 1
        seen: set[str] = set()
        files: list[str] = []
        for a in sc.assumptions.values():
            if a.source.cited:
                line = a.source.text()
                line = f"{line} {a.source.url}" if a.source.url else line
                if a.source.file and a.source.file not in files:
                    files.append(a.source.file)
                if line not in seen:
                    seen.add(line)
                    self.text(ws, r, 1, line, self.top)
                    self.wrapped(ws, r, [(line, widths[1])])
                    r += 1
        if files:  # the article files: a footnote, not the citation
            line = "Article files: " + ", ".join(files)
            self.text(ws, r, 1, line, st.subtitle)
            self.wrapped(ws, r, [(line, widths[1])])
            r += 1
        self.page(ws, landscape=False)
        ws.fit_to_pages(1, 1)  # the cover is one page, whatever its caveats

    def cover_ranges(self, ws: Worksheet, r: int) -> int:
        """The inputs-within-range warnings of the Checks sheet as one live
        word: OK, or WARNINGS (amber)."""
        first, last = getattr(self, "bounds_range", (0, -1))
        if last < first:
            return r
        rng = f"Checks!${xl_col_to_name(3)}${first + 1}:${xl_col_to_name(3)}${last + 1}"
        self.text(ws, r, 0, "Input ranges", self.st.bold)
        ok = all(b == "ok" for b in self.bounds_status)
        self.formula(
            ws,
            r,
            1,
            f'=IF(COUNTIF({rng},"ok")=ROWS({rng}),"OK","WARNINGS")',
            self.word_warn,
            "OK" if ok else "WARNINGS",
        )
        ws.conditional_format(
            r, 1, r, 1, {"type": "cell", "criteria": "==", "value": '"OK"', "format": self.word_ok}
        )
        note = "OK when every input lies within its stated range (Checks sheet, warnings only)."
        self.text(ws, r + 1, 1, note, self.st.subtitle)
        return r + 2

    def cover_headline(self, ws: Worksheet, r: int, widths: Sequence[float]) -> int:
        """The model's headline metrics (its tiles), live from the Results
        sheet, each in the display policy's format with its unit; an absent
        value reads as the metric's own n/a text."""
        keys = self.model.tile_keys
        if not keys:
            return r
        r += 1
        self.text(ws, r, 0, "Headline", self.st.bold)
        r += 1
        for key in keys:
            item = self.model.item(key)
            value = _scalar(self.res, key)
            code = self.plain_code(item.unit, item.display)
            unit = header_unit(item.unit, item.display)
            if unit and unit != "%":
                code = ";".join(f'{part}" {unit}"' for part in code.split(";"))
            fmt = self.headline_fmts.get(code)
            if fmt is None:
                fmt = self.headline_fmts[code] = self.wb.add_format(
                    {"num_format": code, "bold": True, "align": "left", "valign": "top"}
                )
            na = item.na_text.replace('"', "'")
            cached: float | str = item.na_text if isinstance(value, str) else value
            self.text(ws, r, 0, item.label, self.top)
            self.formula(ws, r, 1, f'=IF(ISNA({key}),"{na}",{key})', fmt, cached)
            self.wrapped(ws, r, [(item.label, widths[0])])
            r += 1
        table = _instrument_table(self.model)
        if table and "cheapest_sort_key_usd" in self.model:
            from econ.analysis.instruments import cheapest_instrument
            from econ.model.definition.project import OFF_BUDGET

            rows, n = self.inst_rows, len(table)
            labels = (
                f"Instruments!{xl_rowcol_to_cell(rows['table_first'], 0, True, True)}:"
                f"{xl_rowcol_to_cell(rows['table_first'] + n - 1, 0, True, True)}"
            )
            ranks = (
                f"Instruments!{xl_rowcol_to_cell(rows['table_first'], 10, True, True)}:"
                f"{xl_rowcol_to_cell(rows['table_first'] + n - 1, 10, True, True)}"
            )
            budget = ",".join(f"{t.name}_rank" for t in table if t.name not in OFF_BUDGET)
            none = "none within its terms"
            self.text(ws, r, 0, "Cheapest budget instrument", self.top)
            self.formula(
                ws,
                r,
                1,
                f"=IF(ISNUMBER(cheapest_fiscal_cost_usd),"
                f'INDEX({labels},MATCH(MIN({budget}),{ranks},0),1),"{none}")',
                self.bold_top,
                cheapest_instrument(self.res.scalars()) or none,
            )
            r += 1
        self.text(
            ws, r, 1, "Live from the Results sheet: they follow every edit.", self.st.subtitle
        )
        return r + 1

    def assumptions(self, ws: Worksheet) -> None:
        sc, st, lay = self.sc, self.st, self.layout
        specs = self.model.inputs
        consts = self.model.constants
        header = ["Key", "Label", "Value", "Unit", "Low", "High", "Basis", "Source", "Note"]
        # Each input is typed in the unit its Unit column states (60 for
        # 60 bn RUB); a scaled one is converted to the model's unit by a
        # live row below (typed value x factor), which carries its name.
        typed: dict[str, tuple[str, float, Format]] = {}
        values: list[float] = []
        bounds: list[float] = []  # Low and High (and the conversions' factors)
        year_values: list[tuple[float, str]] = []
        for spec in specs:
            a = sc.assumptions[spec.key]
            unit, factor = entry_unit(spec.unit, spec.display)
            shown = [*(a.value if isinstance(a.value, tuple) else (a.value,)), a.low, a.high]
            shown_typed = [x / factor for x in shown if x is not None]
            if factor != 1:
                code = _typed_code(shown_typed)
                fmt = self.st.formatted(code, is_input=True)
            else:
                fmt = st.value(spec.unit, spec.display, is_input=True)
                code = str(fmt.num_format)
            typed[spec.key] = (unit, factor, fmt)
            if isinstance(a.value, tuple):
                year_values += [(v / factor, code) for v in a.value]
            else:
                values.append(formatted_width(a.value / factor, code))
            bound_code = (
                code
                if factor != 1
                else str(st.value(spec.unit, spec.display, scaled=False).num_format)
            )
            bounds += [
                formatted_width(b / factor, bound_code) for b in (a.low, a.high) if b is not None
            ]
        values += [formatted_width(c.value, self.code(c.unit, c.display)) for c in consts]
        converted = [spec for spec in specs if typed[spec.key][1] != 1]
        plain_codes = {spec.key: unscaled_number_format(spec.unit) for spec in converted}
        for spec in converted:
            a = sc.assumptions[spec.key]
            v = a.value[0] if isinstance(a.value, tuple) else a.value
            values.append(formatted_width(v, plain_codes[spec.key]))
            bounds.append(formatted_width(entry_unit(spec.unit, spec.display)[1], "#,##0"))
        keys = [x.key for x in specs] + [x.key for x in consts]
        units_ = [typed[x.key][0] for x in specs] + [x.unit for x in consts]
        key_w = max([len(k) for k in keys] + [12]) + 1
        unit_w = max([len(u) for u in units_] + [5]) + 2
        num_w = max([*values, *bounds, 6.0]) + 2
        bound_w = max([*bounds, 6.0]) + 2
        label_w, basis_w, source_w, note_w = _ASSUMPTION_TEXT_W
        widths = [key_w, label_w, num_w, unit_w, bound_w, bound_w, basis_w, source_w, note_w]
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        if year_values:
            year_w = max([formatted_width(v, code) for v, code in year_values] + [5]) + 2
            ws.set_column(FIRST_COL, lay.last_col, year_w)
        self.text(ws, 0, 0, "Assumptions", st.title)
        self.banner(ws, 0, 1, 2)
        self.text(
            ws,
            1,
            0,
            "Blue cells on a pale fill are inputs, typed in the unit beside them (60 in bn RUB "
            "means 60 billion rubles); each is a defined name (its key) used by the Model sheet, "
            "converted to the model's unit below where the two differ. Inputs given per year "
            "continue their row in the year columns.",
            st.subtitle,
        )
        self.text(ws, 2, 0, "Timeline start year", st.bold)
        ws.write_number(2, 2, sc.start_year, st.value("year"))
        _safe_define(self.wb, "start_year", "Assumptions!$C$3")
        self.text(ws, 2, 3, "(fixed by the scenario file)", st.subtitle)
        self.text(ws, 3, 0, "Horizon", st.bold)
        ws.write_number(3, 2, sc.horizon_yr, st.value("yr"))
        self.text(ws, 3, 3, "last year", st.subtitle)
        self.formula(ws, 3, 4, "=start_year+C4-1", st.value("year"), sc.years[-1])
        _safe_define(self.wb, "end_year", "Assumptions!$E$4")
        self.headers(ws, 5, header)
        if year_values:
            self.year_header(ws, 5)
        r = 6
        typed_rows: dict[str, int] = {}
        for spec in specs:
            a = sc.assumptions[spec.key]
            unit, factor, fmt = typed[spec.key]
            typed_rows[spec.key] = r
            self.text(ws, r, 0, spec.key, st.key)
            self.text(ws, r, 1, spec.label, self.label)
            if isinstance(a.value, tuple):
                self.text(ws, r, 2, "per year \u2192")
                for i, v in enumerate(a.value):
                    ws.write_number(r, FIRST_COL + i, v / factor, fmt)
                first = xl_rowcol_to_cell(r, FIRST_COL, row_abs=True, col_abs=True)
                last = xl_rowcol_to_cell(r, lay.last_col, row_abs=True, col_abs=True)
                ref = f"Assumptions!{first}:{last}"
                lay.year_inputs[spec.key] = r
                ws.data_validation(r, FIRST_COL, r, lay.last_col, _validation(spec, sc))
            else:
                ref = f"Assumptions!{xl_rowcol_to_cell(r, 2, row_abs=True, col_abs=True)}"
                ws.write_number(r, 2, a.value / factor, fmt)
                ws.data_validation(r, 2, r, 2, _validation(spec, sc))
            if factor == 1:
                _safe_define(self.wb, spec.key, ref)
            lay.input_cells[spec.key] = ref
            self.text(ws, r, 3, unit)
            bound_fmt = fmt if factor != 1 else st.value(spec.unit, spec.display, scaled=False)
            for c, bound in ((4, a.low), (5, a.high)):
                if bound is not None:
                    ws.write_number(r, c, bound / factor, bound_fmt)
            self.text(ws, r, 6, a.source.basis)
            source = a.source.text()
            self.text(ws, r, 7, source, self.label)
            if a.note:
                self.text(ws, r, 8, a.note, self.label)
            self.wrapped(
                ws, r, [(spec.label, widths[1]), (source, widths[7]), (a.note or "", widths[8])]
            )
            r += 1
        self.typed_rows = typed_rows
        self.typed = typed
        if converted:
            r = self.conversions(ws, r + 1, converted, typed, widths[1])
        r += 1
        self.text(ws, r, 0, "Constants", st.bold)
        r += 1
        self.headers(ws, r, ["Key", "Label", "Value", "Unit"])
        r += 1
        for const in consts:
            self.text(ws, r, 0, const.key, st.key)
            self.text(ws, r, 1, const.label, self.label)
            ws.write_number(r, 2, const.value, st.value(const.unit, const.display))
            self.text(ws, r, 3, const.unit)
            self.wrapped(ws, r, [(const.label, widths[1])])
            cell = xl_rowcol_to_cell(r, 2, row_abs=True, col_abs=True)
            _safe_define(self.wb, const.key, f"Assumptions!{cell}")
            r += 1
        ws.freeze_panes(6, 2)
        self.page(ws, landscape=True, repeat_rows=(5, 5), pages_tall=2)
        if not year_values:
            ws.print_area(0, 0, r - 1, len(header) - 1)

    def conversions(
        self,
        ws: Worksheet,
        r: int,
        specs: Sequence[InputSpec],
        typed: dict[str, tuple[str, float, Format]],
        label_w: float,
    ) -> int:
        """The block converting inputs typed in a scaled unit to the model's
        unit: one live row each (typed value x a visible factor), carrying the
        input's defined name. Returns the next free row."""
        sc, st, lay = self.sc, self.st, self.layout
        self.text(ws, r, 0, "Inputs in the model's units", st.bold)
        r += 1
        self.headers(ws, r, ["Key", "Label", "Value", "Unit", "Factor", "Factor unit"])
        r += 1
        for spec in specs:
            a = sc.assumptions[spec.key]
            unit, factor, _ = typed[spec.key]
            src = self.typed_rows[spec.key]
            label = f"{spec.label}, in {spec.unit}"
            self.text(ws, r, 0, spec.key, st.key)
            self.text(ws, r, 1, label, self.label)
            self.text(ws, r, 3, spec.unit)
            ws.write_number(r, 4, factor, self.st.formatted("#,##0"))
            self.text(ws, r, 5, f"{spec.unit} per {unit}")
            factor_cell = xl_rowcol_to_cell(r, 4, row_abs=True, col_abs=True)
            fmt = st.formatted(unscaled_number_format(spec.unit))
            if isinstance(a.value, tuple):
                self.text(ws, r, 2, "per year \u2192")
                for i, v in enumerate(a.value):
                    c = FIRST_COL + i
                    typed_cell = xl_rowcol_to_cell(src, c, row_abs=True)
                    self.formula(ws, r, c, f"={typed_cell}*{factor_cell}", fmt, v)
                first = xl_rowcol_to_cell(r, FIRST_COL, row_abs=True, col_abs=True)
                last = xl_rowcol_to_cell(r, lay.last_col, row_abs=True, col_abs=True)
                ref = f"Assumptions!{first}:{last}"
                lay.year_inputs[spec.key] = r
            else:
                typed_cell = xl_rowcol_to_cell(src, 2)
                self.formula(ws, r, 2, f"={typed_cell}*{factor_cell}", fmt, a.value)
                ref = f"Assumptions!{xl_rowcol_to_cell(r, 2, row_abs=True, col_abs=True)}"
            _safe_define(self.wb, spec.key, ref)
            self.wrapped(ws, r, [(label, label_w)])
            r += 1
        return r

    def plan_timeline(
        self,
        sheet: str,
        series: Sequence[LineItem],
        scalars: Sequence[LineItem],
        echo: Sequence[str] = (),
        first_row: int = PERIOD_ROW + 2,
    ) -> _Timeline:
        """Rows of a timeline block on ``sheet`` (Model, Solves, Instruments):
        sections in the order they first appear, then scalar workings. Every
        block is placed before any formula is written: formulas refer to rows
        further down and on other sheets."""
        lay = self.layout
        groups: dict[str, list[LineItem]] = {}
        for item in series:
            groups.setdefault(item.section, []).append(item)
        plan: list[tuple[str, list[LineItem | str]]] = [
            (name or "Workings", list(items)) for name, items in groups.items()
        ]
        if echo:
            plan.append(("Inputs drawn by the charts", list(echo)))
        tl = _Timeline(sheet, list(series), list(scalars), list(echo))
        r = first_row
        for name, entries in plan:
            head = r
            r += 1
            members: list[tuple[int, LineItem | str]] = []
            for entry in entries:
                if isinstance(entry, str):
                    tl.chart_rows[entry] = r
                else:
                    lay.model_rows[entry.key] = r
                    if sheet != "Model":
                        lay.row_sheet[entry.key] = sheet
                members.append((r, entry))
                r += 1
            tl.placed.append((head, name, members))
            tl.rows.sections.append((head, r - 1))
        tl.scalar_start = r + 1 if scalars else r
        for k, item in enumerate(scalars):
            row = tl.scalar_start + 1 + k
            _safe_define(
                self.wb,
                item.key,
                f"{sheet}!{xl_rowcol_to_cell(row, _VALUE_COL, row_abs=True, col_abs=True)}",
            )
        tl.end = tl.scalar_start + len(scalars) + 1 if scalars else r
        return tl

    def timeline_widths(self, tl: _Timeline) -> dict[str, float]:
        """Column widths of a timeline sheet from its content (characters)."""
        res, lay = self.res, self.layout
        label_w, year_w, total_w, unit_w, key_w = 34.0, 5.0, 6.0, 5.0, 8.0
        for item in tl.series:
            code = self.plain_code(item.unit, item.display)
            row_values = res.row(item.key)
            year_w = max(year_w, _row_width(row_values, code))
            unit_w = max(unit_w, len(item.unit))
            key_w = max(key_w, len(item.key))
            total_unit = _total_unit(item.unit)
            if total_unit is not None:
                node = Sum(Ref(item.key))
                value = np_evaluate(node, {item.key: row_values[None, :]}, lay.n_years)
                cached = _cached(float(value[0, 0]))
                tl.totals[item.key] = (node, cached, total_unit)
                total_code = self.plain_code(total_unit, item.display)
                total_w = max(total_w, formatted_width(cached, total_code))
        for key in tl.echo:
            spec = self.model.input(key)
            code = self.plain_code(spec.unit, spec.display)
            year_w = max(year_w, _row_width(res.row(key), code))
        for item in tl.scalars:
            code = self.plain_code(item.unit, item.display)
            total_w = max(total_w, formatted_width(_scalar(res, item.key), code))
            unit_w = max(unit_w, len(item.unit))
            key_w = max(key_w, len(item.key))
        return {
            "label": label_w,
            "unit": unit_w + 2,
            "key": key_w,
            "total": total_w + 2,
            "year": year_w + 2,
        }

    def timeline_header(self, ws: Worksheet, sheet: str) -> None:
        """The year and period rows: live on Model, echoing Model elsewhere
        (so a formula's year and period read the same rows on every sheet)."""
        st, lay = self.st, self.layout
        self.headers(ws, YEAR_ROW, ["Line item", "Unit", "Key", "Total"])
        self.text(ws, PERIOD_ROW, 0, "Period", st.period)
        self.text(ws, PERIOD_ROW, 1, "#", st.period)
        self.text(ws, PERIOD_ROW, 2, "period", st.key)
        for i, year in enumerate(self.years):
            c = FIRST_COL + i
            col = xl_col_to_name(c)
            if sheet == "Model":
                period = f"=COLUMN()-COLUMN(${xl_col_to_name(FIRST_COL - 1)}{PERIOD_ROW + 1})"
                year_f = f"=start_year+{col}{PERIOD_ROW + 1}-1"
            else:
                period = f"=Model!{col}${PERIOD_ROW + 1}"
                year_f = f"=Model!{col}${YEAR_ROW + 1}"
            self.formula(ws, PERIOD_ROW, c, period, st.period, i + 1)
            self.formula(ws, YEAR_ROW, c, year_f, st.year, year)
        if sheet == "Model":
            first, last = xl_col_to_name(FIRST_COL), xl_col_to_name(lay.last_col)
            _safe_define(
                self.wb, YEAR_NAME, f"Model!${first}${YEAR_ROW + 1}:${last}${YEAR_ROW + 1}"
            )
            _safe_define(
                self.wb, PERIOD_NAME, f"Model!${first}${PERIOD_ROW + 1}:${last}${PERIOD_ROW + 1}"
            )

    def timeline_columns(self, ws: Worksheet, w: dict[str, float]) -> None:
        lay = self.layout
        ws.set_column(0, 0, w["label"])
        ws.set_column(1, 1, w["unit"])
        # Keys (the defined names formulas use) in a collapsed outline column.
        ws.set_column(2, 2, w["key"] + 1, None, {"level": 1, "hidden": True})
        ws.set_column(3, 3, w["total"], None, {"collapsed": True})
        ws.set_column(4, FIRST_COL - 1, 2, None, {"hidden": True})
        ws.set_column(FIRST_COL, lay.last_col, w["year"])

    def write_timeline(
        self, ws: Worksheet, tl: _Timeline, w: dict[str, float], *, collapsed: bool = False
    ) -> None:
        """The rows of a planned timeline block: one formula along each row,
        a total where the row adds up, then the scalar workings. ``collapsed``:
        each section folded under its header (+ at the left opens it; folded
        rows do not print)."""
        st, lay, res = self.st, self.layout, self.res
        fold = {"level": 1, "hidden": True} if collapsed else {"level": 1}
        lay.current = tl.sheet
        label_w = w["label"]
        first, last = xl_col_to_name(FIRST_COL), xl_col_to_name(lay.last_col)
        rows = tl.rows
        for head, name, members in tl.placed:
            ws.set_row(head, None, self.section, {"collapsed": True} if collapsed else None)
            self.text(ws, head, 0, name, self.section)
            for row, entry in members:
                if isinstance(entry, str):
                    spec = self.model.input(entry)
                    item = LineItem(entry, spec.label, spec.unit, Ref(entry), spec.doc)
                    key_text = f"{entry} (input)"
                    fmt = self.plain(spec.unit, spec.display)
                else:
                    item, key_text = entry, entry.key
                    fmt = self.plain(item.unit, item.display)
                self.text(ws, row, 0, item.label, self.label)
                self.text(ws, row, 1, header_unit(item.unit, item.display))
                self.text(ws, row, 2, key_text, st.key)
                lines = wrapped_lines(item.label, label_w)
                ws.set_row(row, lines * LINE_PT if lines > 1 else None, None, fold)
                rows.heights[row] = 0.0 if collapsed else lines * LINE_PT
                formula = lay.row_formula(item)
                values = res.row(item.key)
                for i in range(lay.n_years):
                    c = FIRST_COL + i
                    self.formula(ws, row, c, "=" + formula(c), fmt, _cached(float(values[i])))
                if isinstance(entry, str):
                    continue
                total = tl.totals.get(item.key)
                if total is not None:
                    total_node, cached, unit = total
                    text = to_formula(total_node, lay.context(None))
                    fmt = self.plain(unit, item.display)
                    self.formula(ws, row, _VALUE_COL, "=" + text, fmt, cached)
                _safe_define(self.wb, item.key, f"{tl.sheet}!${first}${row + 1}:${last}${row + 1}")
        if tl.scalars:
            ws.set_row(tl.scalar_start, None, self.section)
            self.text(ws, tl.scalar_start, 0, "Scalar workings", self.section)
            self.text(ws, tl.scalar_start, _VALUE_COL, "Value", self.section)
            ctx = lay.context(None)
            for k, item in enumerate(tl.scalars):
                row = tl.scalar_start + 1 + k
                self.text(ws, row, 0, item.label, self.label)
                self.text(ws, row, 1, header_unit(item.unit, item.display))
                self.text(ws, row, 2, item.key, st.key)
                lines = wrapped_lines(item.label, label_w)
                ws.set_row(row, lines * LINE_PT if lines > 1 else None, None, {"level": 1})
                rows.heights[row] = lines * LINE_PT
                self.formula(
                    ws,
                    row,
                    _VALUE_COL,
                    "=" + to_formula(item.expr, ctx),
                    self.plain(item.unit, item.display),
                    _scalar(res, item.key),
                )
            rows.sections.append((tl.scalar_start, tl.scalar_start + len(tl.scalars)))
        lay.current = "Model"

    def print_timeline(
        self, ws: Worksheet, tl: _Timeline, w: dict[str, float], top: int, *, breaks: bool = True
    ) -> None:
        """Print: landscape, a fixed scale at which the row labels and a block
        of years fit a page, labels and the year header repeated on every page."""
        lay = self.layout
        ws.outline_settings(True, False, True, False)  # section headers above their rows
        left = col_px(w["label"]) + col_px(w["unit"]) + col_px(w["total"])
        year = col_px(w["year"])
        page_w, page_h = LANDSCAPE_PT[0] * PAGE_FILL, LANDSCAPE_PT[1] * PAGE_FILL
        fit = max(1, int((page_w / MIN_PRINT_SCALE - left) // year))
        across = math.ceil(lay.n_years / fit)
        per_page = math.ceil(lay.n_years / across)
        scale = min(100, int(100 * page_w / (left + per_page * year)))
        self.page(ws, landscape=True, fit_width=False, repeat_rows=(YEAR_ROW, PERIOD_ROW))
        ws.set_print_scale(scale)
        ws.repeat_columns(0, FIRST_COL - 1)
        ws.print_area(0, 0, tl.end - 1, lay.last_col)
        ws.set_v_pagebreaks([FIRST_COL + per_page * i for i in range(1, across)])
        if breaks:  # folded rows do not print: the spreadsheet paginates what shows
            usable = page_h * 100 / scale
            ws.set_h_pagebreaks(_row_breaks(tl.rows, top, tl.end - 1, usable, 2 * LINE_PT))

    def model_sheet(self, ws: Worksheet, tl: _Timeline) -> None:
        st = self.st
        w = self.timeline_widths(tl)
        self.timeline_columns(ws, w)
        self.widths = w
        self.text(ws, 0, 0, "Model", st.title)
        self.banner(ws, 0, 1, 3)
        moved = (
            " Solve plug-back blocks and variants are on the Solves sheet."
            if "Solves" in self.sheet_names
            else ""
        )
        self.text(
            ws,
            1,
            0,
            "One line item a row, one formula along each row; inputs by their defined names "
            "(Assumptions). Totals add yearly amounts (X/yr) over the timeline; "
            "+/- at the left folds a section, + above column D shows the keys." + moved,
            st.subtitle,
        )
        self.timeline_header(ws, "Model")
        self.write_timeline(ws, tl, w)
        self.chart_rows = {
            **{k: r for k, r in self.layout.model_rows.items() if k not in self.layout.row_sheet},
            **tl.chart_rows,
        }
        ws.freeze_panes(PERIOD_ROW + 1, FIRST_COL)
        self.print_timeline(ws, tl, w, PERIOD_ROW + 1)

    def solves_sheet(self, ws: Worksheet, tl: _Timeline) -> None:
        """Derived blocks: each solve's plug-back block (the model's own
        formulas at the solved value), derivative rows and variants."""
        st = self.st
        w = self.timeline_widths(tl)
        self.timeline_columns(ws, w)
        self.text(ws, 0, 0, "Solves", st.title)
        self.banner(ws, 0, 1, 3)
        self.text(
            ws,
            1,
            0,
            "The model re-evaluated by its own formulas at each solved value (plug-back "
            "blocks: their target must read 0, a check on the Checks sheet), the derivative "
            "rows of exact one-step solves, the variants (the project without support) and "
            "the yearly cost to the state at each instrument's breakeven size. Derived from "
            "the same definitions as the Model sheet. Each block is folded: + at the left "
            "opens it (folded rows do not print); the scalar workings below show the results.",
            st.subtitle,
        )
        self.timeline_header(ws, "Solves")
        self.write_timeline(ws, tl, w, collapsed=True)
        ws.freeze_panes(PERIOD_ROW + 1, FIRST_COL)
        self.print_timeline(ws, tl, w, PERIOD_ROW + 1, breaks=False)

    # -- the Instruments sheet -------------------------------------------
    def instruments_rows(self, table: Sequence[_Instrument]) -> int:
        """Place the Instruments sheet's blocks; the first row of its
        timeline block (placed by :meth:`plan_timeline`)."""
        n = len(table)
        rows: dict[str, int] = {"rank_head": 3}
        rows["rank_first"] = 5
        rows["table_head"] = rows["rank_first"] + n + 1
        rows["table_first"] = rows["table_head"] + 2
        rows["notes"] = rows["table_first"] + n
        rows["work_head"] = rows["notes"] + 3
        n_work = sum(1 for _ in self._ranking_workings(table))
        rows["terms_head"] = rows["work_head"] + 2 + n_work + 1
        n_terms = sum(1 + len(self._terms(t)) for t in table)
        rows["end"] = rows["terms_head"] + 2 + n_terms
        self.inst_rows = rows
        return rows["end"]

    def _ranking_workings(self, table: Sequence[_Instrument]) -> Iterator[LineItem]:
        for t in table:
            yield self.model.item(f"{t.name}_sort_key_usd")
        if "cheapest_sort_key_usd" in self.model:
            yield self.model.item("cheapest_sort_key_usd")

    def _terms(self, t: _Instrument) -> list[str]:
        keys = [t.variable, *t.terms]
        if f"{t.variable}_max" in self.model:
            keys.append(f"{t.variable}_max")
        return [k for k in keys if k in self.model]

    def instruments_sheet(self, ws: Worksheet, table: Sequence[_Instrument]) -> None:
        """Each instrument at its breakeven size: the ranking (live), the
        table (size held by the engine where solved by econ, proven by its
        plug-back NPV; fiscal cost, per tonne, budget share as formulas),
        the ranking's workings and the terms. The yearly outlays and extra
        tax at each breakeven size are rows of the Solves sheet."""
        st, lay, res, model = self.st, self.layout, self.res, self.model
        rows = self.inst_rows
        lay.current = "Instruments"
        ctx = lay.context(None)
        label_w = 34.0
        sort_w = max(formatted_width(_scalar(res, i.key), self.plain_code("USD")) for i in
                     self._ranking_workings(table)) + 2  # fmt: skip
        widths = {0: label_w, 1: 9.0, 3: max(14.0, sort_w), 4: 26.0, 5: 13.0, 6: 8.0}
        widths |= {7: 13.0, 8: 12.0, 9: 9.0, 10: 6.0}
        for c, width in widths.items():
            ws.set_column(c, c, width)
        key_w = max(len(t.name) for t in table) + 1
        ws.set_column(2, 2, key_w, None, {"level": 1, "hidden": True})
        self.text(ws, 0, 0, "Instruments", st.title)
        self.banner(ws, 0, 1, 3)
        self.text(
            ws,
            1,
            0,
            "Each instrument alone at its breakeven size (the smallest support at which the "
            "NPV to equity is 0); fiscal cost = PV at the state's rate of the outlays less the "
            "extra tax collected (its yearly rows are on the Solves sheet). Live formulas.",
            st.subtitle,
        )
        n = len(table)
        first, last = rows["table_first"], rows["table_first"] + n - 1

        def col_range(c: int) -> str:
            a = xl_rowcol_to_cell(first, c, row_abs=True, col_abs=True)
            b = xl_rowcol_to_cell(last, c, row_abs=True, col_abs=True)
            return f"{a}:{b}"

        values = res.scalars()
        size = {t.name: values[t.solve] for t in table}
        within = {t.name: values[f"{t.name}_within_terms"] for t in table}
        order = sorted(table, key=lambda t: values[f"{t.name}_rank"])
        money, per_t, share = self.plain("USD"), self.plain("USD/t"), self.plain("1", "percent")
        factor = st.formatted("0")  # ranks
        yesno = self.plain("1", "yesno")  # within terms: 1 or 0, read as yes or no

        # Ranking, cheapest first: the table below sorted by its live ranks.
        self.text(ws, rows["rank_head"], 0, "Ranking, cheapest first", st.bold)
        self.text(
            ws,
            rows["rank_head"] + 1 - 1,
            4,
            "(within its terms first, by fiscal cost; the tariff is paid by buyers)",
            st.subtitle,
        )
        head = ["Instrument", "Rank", "", "", "Status", "", "", "Fiscal cost (PV)", "Per t"]
        head += ["Budget share"]
        self.headers(ws, rows["rank_first"] - 1, head)
        self.text(
            ws, rows["rank_first"] - 1, 7, f"Fiscal cost (PV) [{header_unit('USD')}]", st.header
        )
        self.text(ws, rows["rank_first"] - 1, 8, "Per t [USD/t]", st.header)
        for k, t in enumerate(order):
            r = rows["rank_first"] + k
            ws.write_number(r, 1, k + 1, factor)
            rank_cell = xl_rowcol_to_cell(r, 1)
            match = f"MATCH({rank_cell},{col_range(10)},0)"
            for c, src, fmt, cached in (
                (0, 0, self.label, t.label),
                (4, 4, None, _status(size[t.name], within[t.name])),
                (7, 7, money, _cached(values[f"{t.name}_fiscal_cost_usd"])),
                (8, 8, per_t, _cached(values[f"{t.name}_fiscal_cost_usd_per_t"])),
                (9, 9, share, _cached(values[f"{t.name}_budget_share"])),
            ):
                self.formula(ws, r, c, f"=INDEX({col_range(src)},{match},1)", fmt, cached)

        # The table: one row per instrument, in definition order.
        self.text(ws, rows["table_head"], 0, "Each instrument at its breakeven size", st.bold)
        hr = rows["table_head"] + 1
        self.headers(
            ws,
            hr,
            ["Instrument", "Unit", "Key", "Breakeven size", "Status", "NPV at that size",
             "Within terms", "Fiscal cost (PV)", "Per t", "Budget share", "Rank"],
        )  # fmt: skip
        self.text(ws, hr, 5, f"NPV at that size [{header_unit('USD')}]", st.header)
        self.text(ws, hr, 7, f"Fiscal cost (PV) [{header_unit('USD')}]", st.header)
        self.text(ws, hr, 8, "Per t [USD/t]", st.header)
        for k, t in enumerate(table):
            r = first + k
            item = model.item(t.solve)
            self.text(ws, r, 0, t.label, self.label)
            self.text(ws, r, 1, header_unit(item.unit, item.display))
            self.text(ws, r, 2, t.name, st.key)
            value = _scalar(res, t.solve)
            size_cell = xl_rowcol_to_cell(r, 3)
            if item.headline:  # shown on Results: referred to here
                fmt = st.value(item.unit, item.display, is_engine=item.solved)
                self.formula(ws, r, 3, f"={t.solve}", fmt, value)
            elif item.solved:
                fmt = st.value(item.unit, item.display, is_engine=True)
                if isinstance(value, str):
                    self.formula(ws, r, 3, "=NA()", fmt, value)
                else:
                    ws.write_number(r, 3, value, fmt)
            else:
                fmt = st.value(item.unit, item.display)
                self.formula(ws, r, 3, "=" + to_formula(item.expr, ctx), fmt, value)
            if not item.headline:
                cell = xl_rowcol_to_cell(r, 3, row_abs=True, col_abs=True)
                _safe_define(self.wb, t.solve, f"Instruments!{cell}")
            within_cell = xl_rowcol_to_cell(r, 6)
            self.formula(
                ws,
                r,
                4,
                f'=IF({within_cell}=1,"within its terms",IF(ISNA({size_cell}),'
                f'"no size breaks even",IF({size_cell}<0,"not needed",'
                '"beyond the instrument\'s terms")))',
                self.label,
                _status(size[t.name], within[t.name]),
            )
            npv = f"{t.prefix}_npv_usd"
            self.formula(ws, r, 5, f"={npv}", money, _scalar(res, npv))
            for c, key, fmt in (
                (6, f"{t.name}_within_terms", yesno),
                (7, f"{t.name}_fiscal_cost_usd", money),
                (8, f"{t.name}_fiscal_cost_usd_per_t", per_t),
                (9, f"{t.name}_budget_share", share),
                (10, f"{t.name}_rank", factor),
            ):
                m = model.item(key)
                self.formula(ws, r, c, "=" + to_formula(m.expr, ctx), fmt, _scalar(res, key))
                cell = xl_rowcol_to_cell(r, c, row_abs=True, col_abs=True)
                _safe_define(self.wb, key, f"Instruments!{cell}")
            self.wrapped(ws, r, [(t.label, label_w)])
        note = (
            "Breakeven sizes in grey italics are solved by econ (no formula of the inputs gives "
            "them); the NPV at that size is the plug-back block's live NPV (Solves sheet) and "
            "must read 0 (its check is on the Checks sheet). If it does not after an edit, "
            "re-run econ build. Ranks and fiscal costs are live formulas."
        )
        self.text(ws, rows["notes"], 0, note, st.subtitle)

        # The ranking's workings and the terms: label, unit, key, value rows.
        r = rows["work_head"]
        self.text(ws, r, 0, "Ranking workings", st.bold)
        self.headers(ws, r + 1, ["Line item", "Unit", "Key", "Value"])
        r += 2
        for item in self._ranking_workings(table):
            self.text(ws, r, 0, item.label, self.label)
            self.text(ws, r, 1, header_unit(item.unit, item.display))
            self.text(ws, r, 2, item.key, st.key)
            self.formula(
                ws,
                r,
                3,
                "=" + to_formula(item.expr, ctx),
                self.plain(item.unit, item.display),
                _scalar(res, item.key),
            )
            cell = xl_rowcol_to_cell(r, 3, row_abs=True, col_abs=True)
            _safe_define(self.wb, item.key, f"Instruments!{cell}")
            self.wrapped(ws, r, [(item.label, label_w)])
            r += 1
        r = rows["terms_head"]
        self.text(ws, r, 0, "Terms (inputs on the Assumptions sheet)", st.bold)
        self.headers(ws, r + 1, ["Term", "Unit", "Key", "Value"])
        self.text(
            ws,
            r + 1,
            4,
            "The size as given is replaced by each solve; the largest size is the input's domain.",
            st.subtitle,
        )
        r += 2
        for t in table:
            self.text(ws, r, 0, t.label, st.bold)
            r += 1
            for key in self._terms(t):
                obj = model[key]
                self.text(ws, r, 0, obj.label, self.label)
                self.text(ws, r, 1, header_unit(obj.unit, obj.display))
                self.text(ws, r, 2, key, st.key)
                cached = values.get(key, float("nan"))
                if key not in values:
                    a = self.sc.assumptions.get(key)
                    const = [c for c in model.constants if c.key == key]
                    if const:
                        cached = const[0].value
                    elif a is not None and isinstance(a.value, float):
                        cached = a.value
                self.formula(ws, r, 3, f"={key}", self.plain(obj.unit, obj.display), cached)
                self.wrapped(ws, r, [(obj.label, label_w)])
                r += 1

        lay.current = "Model"
        ws.freeze_panes(0, 1)
        self.page(ws, landscape=True)
        ws.print_area(0, 0, rows["end"] - 1, max(widths))

    def scalar_sheet(
        self,
        ws: Worksheet,
        title: str,
        items: Sequence[LineItem],
        note: str,
        *,
        is_checks: bool = False,
    ) -> None:
        st, ctx = self.st, self.layout.context(None)
        label_w, note_w = 48.0, 40.0
        value_w = 10.0
        for item in items:
            code = self.plain_code(item.unit, item.display)
            value_w = max(value_w, formatted_width(_scalar(self.res, item.key), code) + 2)
        key_w = max([len(i.key) for i in items] + [8]) + 1
        unit_w = max([len(i.unit) for i in items] + [5]) + 2
        has_irr = any(isinstance(n, Irr) for i in items for n in _walk(i.expr))
        has_solved = any(i.solved for i in items)
        ws.set_column(0, 0, label_w)
        ws.set_column(1, 1, unit_w)
        ws.set_column(2, 2, key_w, None, {"level": 1, "hidden": True})
        ws.set_column(3, 3, value_w, None, {"collapsed": True})
        widths = [label_w, unit_w, 0.0, value_w]
        if has_solved or has_irr:
            ws.set_column(4, 4, note_w)
            widths.append(note_w)
        if has_irr:
            ws.set_column(5, 5, 10)
            ws.set_column(6, 6, note_w)
            widths += [10, note_w]
        self.text(ws, 0, 0, title, st.title)
        self.banner(ws, 0, 1, 3)
        self.text(ws, 1, 0, note, st.subtitle)
        self.headers(ws, 3, ["Metric" if not is_checks else "Check", "Unit", "Key", "Value"])
        r = 4
        for item in items:
            self.text(ws, r, 0, item.label, self.label)
            self.text(ws, r, 1, header_unit(item.unit, item.display))
            self.text(ws, r, 2, item.key, st.key)
            wrapped = [(item.label, label_w)]
            if item.solved:
                # No formula of the inputs: the engine's value, marked, and proven
                # (or shown stale after an edit) by its live plug-back check.
                value = _scalar(self.res, item.key)
                fmt = st.value(item.unit, item.display, is_engine=True)
                if isinstance(value, str):
                    self.formula(ws, r, _VALUE_COL, "=NA()", fmt, value)
                else:
                    ws.write_number(r, _VALUE_COL, value, fmt)
                text = (
                    "solved by econ: if its plug-back check fails after an edit, re-run econ build"
                )
                self.text(ws, r, _VALUE_COL + 1, text, self.label)
                wrapped.append((text, note_w))
            else:
                cell_ctx = ctx
                if any(isinstance(n, Irr) for n in _walk(item.expr)):
                    # Newton from the engine's root converges where a fixed guess
                    # may not (flows with idle years); later guesses follow.
                    value = _scalar(self.res, item.key)
                    guess = 0.0 if isinstance(value, str) else value
                    ws.write_number(r, _VALUE_COL + 2, guess, st.value("1", "factor"))
                    text = "starting guess of IRR: the engine's value when built"
                    self.text(ws, r, _VALUE_COL + 3, text, self.label)
                    wrapped.append((text, note_w))
                    addr = xl_rowcol_to_cell(r, _VALUE_COL + 2, row_abs=True, col_abs=True)
                    cell_ctx = dataclasses.replace(ctx, irr_guess=addr)
                self.formula(
                    ws,
                    r,
                    _VALUE_COL,
                    "=" + to_formula(item.expr, cell_ctx),
                    self.plain(item.unit, item.display),
                    _scalar(self.res, item.key),
                )
            self.wrapped(ws, r, wrapped)
            _safe_define(
                self.wb,
                item.key,
                f"{title}!{xl_rowcol_to_cell(r, _VALUE_COL, row_abs=True, col_abs=True)}",
            )
            r += 1
        if is_checks and items:
            rng = (4, _VALUE_COL, r - 1, _VALUE_COL)
            ws.conditional_format(
                *rng, {"type": "cell", "criteria": "==", "value": 1, "format": st.check_ok}
            )
            ws.conditional_format(
                *rng, {"type": "cell", "criteria": "!=", "value": 1, "format": st.check_bad}
            )
        ws.freeze_panes(4, 0)
        wide = sum(col_px(w) for w in widths) > PORTRAIT_PT[0] * 1.15
        self.page(ws, landscape=wide, repeat_rows=(3, 3))

    def bounds_block(self, ws: Worksheet, r: int) -> None:
        """Warnings, not errors: each input against its stated range (low,
        high) and the model's domain, live, as a word: ``ok``, ``outside
        range`` or ``outside domain`` (a rebuild refuses only the last)."""
        st, sc = self.st, self.sc
        self.text(ws, r, 0, "Inputs within their stated ranges (warnings)", st.bold)
        note = (
            "A value outside its range is allowed but no longer bracketed by the sources; "
            "outside the model's domain, econ build refuses it."
        )
        self.text(ws, r + 1, 0, note, st.subtitle)
        r += 2
        self.headers(
            ws, r, ["Input", "Unit", "Key", "Status", "Value", "Low", "High", "Domain from", "to"]
        )
        first = r + 1
        r += 1
        for spec in self.model.inputs:
            a = sc.assumptions[spec.key]
            unit, factor, fmt = self.typed[spec.key]
            src = self.typed_rows[spec.key]
            if spec.key in self.layout.year_inputs and a.per_year:
                cells = self.layout.input_cells[spec.key]
                lowest, highest = f"MIN({cells})", f"MAX({cells})"
                self.text(ws, r, 4, "per year")
            else:
                value_cell = f"Assumptions!{xl_rowcol_to_cell(src, 2, row_abs=True, col_abs=True)}"
                lowest = highest = value_cell
                shown = a.value / factor if isinstance(a.value, float) else 0.0
                self.formula(ws, r, 4, f"={value_cell}", fmt, shown)
            plain = self.st.formatted(str(fmt.num_format))
            conditions: list[tuple[str, str]] = []  # (failure test, word)
            for c, bound, col, test in ((5, a.low, 4, "<"), (6, a.high, 5, ">")):
                if bound is not None:
                    ref = f"Assumptions!{xl_rowcol_to_cell(src, col, row_abs=True, col_abs=True)}"
                    self.formula(ws, r, c, f"={ref}", plain, bound / factor)
                    side = lowest if test == "<" else highest
                    conditions.append((f"{side}{test}{xl_rowcol_to_cell(r, c)}", "range"))
            if spec.year:
                domain: list[tuple[int, float, str, str]] = [
                    (7, float(sc.start_year), "=start_year", "<"),
                    (8, float(sc.years[-1]), "=end_year", ">"),
                ]
            else:
                domain = []
                if spec.minimum is not None:
                    domain.append((7, spec.minimum / factor, "", "<=" if spec.min_open else "<"))
                if spec.maximum is not None:
                    domain.append((8, spec.maximum / factor, "", ">=" if spec.max_open else ">"))
            for c, bound, formula, test in domain:
                if formula:
                    self.formula(ws, r, c, formula, plain, bound)
                else:
                    ws.write_number(r, c, bound, plain)
                side = lowest if test.startswith("<") else highest
                conditions.append((f"{side}{test}{xl_rowcol_to_cell(r, c)}", "domain"))
            status = "ok"
            values = a.value if isinstance(a.value, tuple) else (a.value,)
            for x in values:
                if not spec.ok(np.array([x]), sc.start_year, sc.years[-1])[0]:
                    status = "outside domain"
            if status == "ok" and any(
                (a.low is not None and x < a.low) or (a.high is not None and x > a.high)
                for x in values
            ):
                status = "outside range"
            formula = '"ok"'
            for word in ("range", "domain"):  # the domain test wins: it is applied last
                tests = [t for t, w in conditions if w == word]
                if tests:
                    formula = f'IF(OR({",".join(tests)}),"outside {word}",{formula})'
            self.formula(ws, r, 3, "=" + formula, None, status)
            self.bounds_status.append(status)
            label = spec.label
            self.text(ws, r, 0, label, self.label)
            self.text(ws, r, 1, unit)
            self.text(ws, r, 2, f"bounds.{spec.key}", st.key)
            r += 1
        self.bounds_range = (first, r - 1)
        if r > first:
            rng = (first, 3, r - 1, 3)
            ws.conditional_format(
                *rng, {"type": "cell", "criteria": "==", "value": '"ok"', "format": st.check_ok}
            )
            ws.conditional_format(
                *rng, {"type": "cell", "criteria": "!=", "value": '"ok"', "format": self.warn}
            )
        ws.set_column(3, 3, 16, None, {"collapsed": True})
        for c in range(4, 9):
            ws.set_column(c, c, 12)

    def _scalar_text(self, key: str) -> str:
        """A scalar of the model as the display policy shows it, with its unit."""
        return format_item(float(self.res.row(key)[0]), self.model.item(key))

    def charts(self, ws: Worksheet) -> None:
        lay, rows = self.layout, self.chart_rows
        self.text(ws, 0, 0, "Charts", self.st.title)
        self.banner(ws, 0, 2, 3)
        cats = ["Model", YEAR_ROW, FIRST_COL, YEAR_ROW, lay.last_col]

        def ref(key: str) -> list[object]:
            return ["Model", rows[key], FIRST_COL, rows[key], lay.last_col]

        ws.set_column(0, CHART_COLS - 1, CHART_COL_W)
        page = 0
        notes: list[str] = []
        years = [int(y) for y in self.res.years]
        for chart in self.model.charts:
            present = [s for s in chart.series if s.key in rows]
            if not present:
                continue
            note = chart.empty_note(self.res.row, self._scalar_text, (years[0], years[-1]))
            if note:
                # Nothing to show: the model's sentence instead of an empty chart.
                notes.append(
                    f"{chart.title}: {note} (econ build draws it when there is something to show.)"
                )
                continue
            kind = "column" if present[0].kind == "bar" else "line"
            base = self.wb.add_chart({"type": kind})
            assert base is not None
            # A series of the other kind goes on the right axis when the model
            # says the magnitudes differ (a budget against yearly spending).
            unit = header_unit(chart.unit)
            axis_code = re.sub(r'"[^"]*"', "", axis_format(chart.unit))
            extra = None
            for s in present:
                same = (s.kind == "bar") == (kind == "column")
                options: dict[str, object] = {
                    "name": s.label + ("" if same or not chart.right_axis else " (right axis)"),
                    "categories": cats,
                    "values": ref(s.key),
                }
                if s.dashed:
                    options["line"] = {"dash_type": "dash"}
                if same:
                    base.add_series(options)
                    continue
                if extra is None:
                    extra = self.wb.add_chart({"type": "column" if s.kind == "bar" else "line"})
                    assert extra is not None
                if chart.right_axis:
                    options["y2_axis"] = True
                extra.add_series(options)
            if extra is not None:
                if chart.right_axis:
                    extra.set_y2_axis({"name": f"{unit} (right)", "num_format": axis_code})
                base.combine(extra)
            base.set_title({"name": chart.title})
            base.set_x_axis({"name": "Year", "label_position": "low"})
            base.set_y_axis({"name": unit, "num_format": axis_code})
            base.set_legend({"position": "bottom"})
            # One chart a page: anchored two rows into its page, sized to fit it.
            base.set_size({"width": CHART_PX[0], "height": CHART_PX[1]})
            ws.insert_chart(page * CHART_PAGE_ROWS + 2, 0, base, {"object_position": 3})
            page += 1
        subtitle = " ".join(["Drawn from Model rows: they follow the formulas.", *notes])
        self.text(ws, 1, 0, subtitle, self.st.subtitle)
        self.page(ws, landscape=True, fit_width=False)
        ws.set_h_pagebreaks([CHART_PAGE_ROWS * i for i in range(1, page)])
        last_row = max(page, 1) * CHART_PAGE_ROWS - 1
        ws.print_area(0, 0, last_row, CHART_COLS - 1)

    def meta(self, ws: Worksheet) -> None:
        sc = self.sc
        rows: list[tuple[str, str | int]] = [
            ("generator", "econ"),
            ("econ_version", econ.__version__),
            ("scenario", sc.name),
            ("model", self.model.name),
            ("start_year", sc.start_year),
            ("horizon_yr", sc.horizon_yr),
        ]
        rows += [(f"input.{k}", self.layout.input_cells[k]) for k in self.model.input_keys]
        text = to_toml(sc)
        rows += [("scenario_toml", text[i : i + _CHUNK]) for i in range(0, len(text), _CHUNK)]
        self.text(ws, 0, 0, "key", self.st.bold)
        self.text(ws, 0, 1, "value", self.st.bold)
        for r, (key, value) in enumerate(rows, start=1):
            self.text(ws, r, 0, key)
            if isinstance(value, int):
                ws.write_number(r, 1, value)
            else:
                self.text(ws, r, 1, value)


def write_workbook(
    scenario: Scenario,
    results: Results,
    path: str | Path,
    *,
    extra_sheets: Callable[[Workbook], None] | None = None,
) -> Path:
    """Write ``scenario`` as a live Excel workbook.

    The file is written to a temporary file in the same folder and moved into
    place, so a reader never sees a half-written workbook. The same scenario
    and results give byte-identical files.

    Args:
        scenario: the scenario (inputs, sources, timeline).
        results: ``econ.evaluate(scenario)``; every cached formula result
            comes from it (first scenario when it holds several).
        path: the ``.xlsx`` file to write.
        extra_sheets: adds sheets after Charts (the Sensitivity and Risk
            sheets of :mod:`econ.excel.sheets_risk`).

    Returns:
        The path written.
    """
    from econ.outputs import seal_workbook, write_with

    def write(tmp: Path) -> None:
        wb = xlsxwriter.Workbook(
            str(tmp),
            {
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "in_memory": True,
            },
        )
        wb.set_properties(
            {
                "title": scenario.title,
                "subject": f"econ scenario {scenario.name} ({scenario.model.name} model)",
                "author": "econ",
                "company": "econ",
                "keywords": f"econ, {scenario.name}",
                "comments": f"Generated by econ {econ.__version__} from scenario {scenario.name}",
                "created": CREATED,
            }
        )
        wb.set_custom_property("econ_generator", "econ")
        wb.set_custom_property("econ_version", econ.__version__)
        wb.set_custom_property("econ_scenario", scenario.name)
        wb.set_custom_property("econ_model", scenario.model.name)
        builder = _Builder(wb, scenario, results)
        builder.extra_sheets = extra_sheets
        builder.build()
        wb.close()
        seal_workbook(tmp)  # what econ wrote, to tell a later edit (econ.outputs.seal)

    path = Path(path)
    write_with(path, write)
    return path
