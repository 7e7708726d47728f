"""Write a scenario as an Excel workbook whose formulas are the model definition.

Backend 2 of :mod:`econ.model.expr`: every formula in the workbook is
:func:`~econ.model.expr.to_formula` of a line item's single definition, and
every formula cell stores the engine's value (:func:`econ.evaluate`) as its
cached result, so readers that do not recalculate (pandas, viewers) see the
same numbers as Excel or LibreOffice after a recalculation.

Layout (FAST-style: inputs, workings, outputs, checks kept apart):

* **Cover**: what the model is, how to edit it, sources, engine version.
* **Assumptions**: one row per input (blue on pale yellow, a defined name
  each, data validation); constants; per-year inputs in year columns aligned
  with the Model timeline.
* **Model**: year and period rows, then one row per series line item with one
  formula along the row; scalar workings in their own block.
* **Results**, **Checks**: metrics and identities, each a defined name.
* **Charts**: native charts over Model rows.
* **_econ** (hidden): key/value metadata for programs reading the file back.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import math
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

import econ
from econ.display import axis_format, header_unit
from econ.engine import Results
from econ.excel.styles import Styles
from econ.model.excel_backend import NOT_AVAILABLE_VALUE, FormulaContext, to_formula
from econ.model.expr import Expr, Irr, Ref, as_node
from econ.model.schema import InputSpec, LineItem
from econ.scenario import Scenario, to_toml

__all__ = [
    "FIRST_COL",
    "PERIOD_ROW",
    "SHEET_NAMES",
    "YEAR_ROW",
    "Layout",
    "write_workbook",
]

#: Zero-based column of the first timeline year, on Model and Assumptions (J):
#: on Assumptions, columns A-I hold key, label, value, unit, low, high, basis,
#: source and note, and an input given per year continues its row from J.
FIRST_COL = 9
#: The visible sheets, in order (the hidden metadata sheet is ``_econ``).
SHEET_NAMES = ("Cover", "Assumptions", "Model", "Results", "Checks", "Charts")
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

    @property
    def last_col(self) -> int:
        """Zero-based column of the last timeline year."""
        return FIRST_COL + self.n_years - 1

    def _cell(self, name: str, col: str | None) -> str:
        if name in ("year", "period"):
            if col is None:
                raise ValueError(f"{name!r} is a timeline row; it has no single value")
            return f"{col}${(YEAR_ROW if name == 'year' else PERIOD_ROW) + 1}"
        if name in self.model_rows:
            if col is None:
                raise ValueError(f"{name!r} is a timeline row; it has no single value")
            return f"{col}{self.model_rows[name] + 1}"
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
            return f"${first}{r}:{col}{r}"
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
        return f"{_PREV}{self.model_rows[name] + 1}"

    def row_formula(self, item: LineItem) -> Callable[[int], str]:
        """Render a series item once; return a function giving its formula
        (without ``=``) in a zero-based timeline column."""
        template = to_formula(item.expr, self.context(_COL))
        return lambda c: template.replace(_COL, xl_col_to_name(c)).replace(
            _PREV, xl_col_to_name(c - 1)
        )


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
    if wb.define_name(name, "=" + ref) != 0:  # pragma: no cover - names are validated keys
        raise ValueError(f"cannot define the workbook name {name!r}")


def _bounds(spec: InputSpec, scenario: Scenario) -> tuple[float | None, float | None, bool, bool]:
    a = scenario.assumptions[spec.key]
    if spec.year:
        return float(scenario.start_year), float(scenario.years[-1]), False, False
    lo = a.low if a.low is not None else spec.minimum
    hi = a.high if a.high is not None else spec.maximum
    lo_open = a.low is None and spec.min_open
    hi_open = a.high is None and spec.max_open
    return lo, hi, lo_open, hi_open


def _validation(spec: InputSpec, scenario: Scenario) -> dict[str, object]:
    lo, hi, lo_open, hi_open = _bounds(spec, scenario)
    kind = "integer" if spec.kind in ("year", "whole") else "decimal"
    options: dict[str, object]
    if lo is not None and hi is not None:
        options = {"validate": kind, "criteria": "between", "minimum": lo, "maximum": hi}
        bounds = f"between {lo:g} and {hi:g}"
    elif lo is not None:
        options = {"validate": kind, "criteria": ">" if lo_open else ">=", "value": lo}
        bounds = f"{'above' if lo_open else 'at least'} {lo:g}"
    elif hi is not None:
        options = {"validate": kind, "criteria": "<" if hi_open else "<=", "value": hi}
        bounds = f"{'below' if hi_open else 'at most'} {hi:g}"
    else:
        options = {"validate": "any"}
        bounds = "any number"
    unit = "" if spec.unit in ("1", "year") else f" {spec.unit}"
    if spec.kind == "whole":
        bounds = f"a whole number {bounds}"
    message = f"{spec.doc} Allowed: {bounds}{unit}."
    options.update(
        input_title=spec.label[:32],
        input_message=message[:255],
    )
    if options["validate"] != "any":
        options.update(
            error_title="Outside the allowed range",
            error_message=f"{spec.label}: {bounds}{unit}."[:255],
            error_type="warning",
        )
    return options


class _Builder:
    def __init__(self, wb: Workbook, scenario: Scenario, results: Results) -> None:
        self.wb = wb
        self.sc = scenario
        self.res = results
        self.model = scenario.model
        self.st = Styles(wb)
        self.layout = Layout(scenario.horizon_yr)
        self.years = list(scenario.years)

    # -- helpers --------------------------------------------------------
    def text(self, ws: Worksheet, row: int, col: int, value: str, fmt: object = None) -> None:
        ws.write_string(row, col, value, fmt)  # never a formula, whatever it starts with

    def headers(self, ws: Worksheet, row: int, names: Sequence[str]) -> None:
        for c, name in enumerate(names):
            self.text(ws, row, c, name, self.st.header)

    def year_header(self, ws: Worksheet, row: int) -> None:
        """Year labels on a sheet other than Model, referring to the Model row."""
        for i, year in enumerate(self.years):
            c = FIRST_COL + i
            ws.write_formula(
                row, c, f"=Model!{xl_col_to_name(c)}${YEAR_ROW + 1}", self.st.year, year
            )

    # -- sheets ---------------------------------------------------------
    def build(self) -> None:
        cover, assumptions, model, results, checks, charts = (
            self.wb.add_worksheet(name) for name in SHEET_NAMES
        )
        meta = self.wb.add_worksheet("_econ")
        self.assumptions(assumptions)
        self.model_sheet(model)
        self.scalar_sheet(
            results,
            "Results",
            self.model.items_with("metric"),
            "Key metrics, computed from the Model sheet.",
        )
        self.scalar_sheet(
            checks,
            "Checks",
            self.model.items_with("check"),
            "Identities that must hold: 1 = pass, 0 = fail.",
            is_checks=True,
        )
        self.charts(charts)
        self.cover(cover)
        self.meta(meta)
        meta.hide()
        cover.activate()

    def cover(self, ws: Worksheet) -> None:
        sc, st = self.sc, self.st
        ws.set_column(0, 0, 22)
        ws.set_column(1, 1, 110)
        self.text(ws, 0, 0, sc.title, st.title)
        rows: list[tuple[str, str]] = [
            ("Scenario", sc.name),
            ("Model", f"{self.model.name}: {self.model.title}"),
            ("Timeline", f"{sc.start_year}-{sc.years[-1]} ({sc.horizon_yr} years)"),
            ("Description", sc.description),
            (
                "How to edit",
                "Change the blue cells on the Assumptions sheet (each is a named "
                "input with its allowed range). Every other number is a formula and recalculates: "
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
        r = 2
        for label, value in rows:
            self.text(ws, r, 0, label, st.bold)
            self.text(ws, r, 1, value, st.wrap)
            r += 1
        master = self.model.master_check_key
        if master is not None:
            self.text(ws, r, 0, "All checks pass", st.bold)
            ws.write_formula(r, 1, f"={master}", st.value("1", "flag"), _scalar(self.res, master))
            r += 1
        for warning in sc.warnings:
            self.text(ws, r, 0, "Warning", st.bold)
            self.text(ws, r, 1, warning, st.wrap)
            r += 1
        r += 1
        self.text(ws, r, 0, "Cited sources", st.bold)
        r += 1
        seen: set[str] = set()
        for a in sc.assumptions.values():
            if a.source.cited:
                line = a.source.text()
                extra = a.source.file or a.source.url
                line = f"{line} [{extra}]" if extra else line
                if line not in seen:
                    seen.add(line)
                    self.text(ws, r, 1, line, st.wrap)
                    r += 1

    def assumptions(self, ws: Worksheet) -> None:
        sc, st, lay = self.sc, self.st, self.layout
        for first, last, width in (
            (0, 0, 30),
            (1, 1, 44),
            (2, 2, 14),
            (3, 5, 11),
            (6, 6, 12),
            (7, 7, 60),
            (8, 8, 40),
            (FIRST_COL, lay.last_col, 11),
        ):
            ws.set_column(first, last, width)
        self.text(ws, 0, 0, "Assumptions", st.title)
        self.text(
            ws,
            1,
            0,
            "Blue cells on a pale fill are inputs; each is a defined name (its key) used by "
            "the Model sheet. Inputs given per year continue their row in the year columns.",
            st.subtitle,
        )
        self.text(ws, 2, 0, "Timeline start year", st.bold)
        ws.write_number(2, 2, sc.start_year, st.value("year"))
        _safe_define(self.wb, "start_year", "Assumptions!$C$3")
        self.text(ws, 2, 3, "(fixed by the scenario file)", st.subtitle)
        self.text(ws, 3, 0, "Horizon", st.bold)
        ws.write_number(3, 2, sc.horizon_yr, st.value("yr"))
        self.text(ws, 3, 3, "last year", st.subtitle)
        ws.write_formula(3, 4, "=start_year+C4-1", st.value("year"), sc.years[-1])
        _safe_define(self.wb, "end_year", "Assumptions!$E$4")
        header = ["Key", "Label", "Value", "Unit", "Low", "High", "Basis", "Source", "Note"]
        self.headers(ws, 5, header)
        if any(a.per_year for a in sc.assumptions.values()):
            self.year_header(ws, 5)
        r = 6
        for spec in self.model.inputs:
            a = sc.assumptions[spec.key]
            self.text(ws, r, 0, spec.key, st.key)
            self.text(ws, r, 1, spec.label)
            fmt = st.value(spec.unit, spec.display, is_input=True)
            if isinstance(a.value, tuple):
                self.text(ws, r, 2, "per year \u2192")
                for i, v in enumerate(a.value):
                    ws.write_number(r, FIRST_COL + i, v, fmt)
                first = xl_rowcol_to_cell(r, FIRST_COL, row_abs=True, col_abs=True)
                last = xl_rowcol_to_cell(r, lay.last_col, row_abs=True, col_abs=True)
                ref = f"Assumptions!{first}:{last}"
                lay.year_inputs[spec.key] = r
                ws.data_validation(r, FIRST_COL, r, lay.last_col, _validation(spec, sc))
            else:
                ref = f"Assumptions!{xl_rowcol_to_cell(r, 2, row_abs=True, col_abs=True)}"
                ws.write_number(r, 2, a.value, fmt)
                ws.data_validation(r, 2, r, 2, _validation(spec, sc))
            _safe_define(self.wb, spec.key, ref)
            lay.input_cells[spec.key] = ref
            self.text(ws, r, 3, spec.unit)
            for c, bound in ((4, a.low), (5, a.high)):
                if bound is not None:
                    ws.write_number(r, c, bound, st.value(spec.unit, spec.display, scaled=False))
            self.text(ws, r, 6, "cited" if a.source.cited else "assumption")
            self.text(ws, r, 7, a.source.text())
            if a.note:
                self.text(ws, r, 8, a.note)
            r += 1
        r += 1
        self.text(ws, r, 0, "Constants", st.bold)
        r += 1
        self.headers(ws, r, ["Key", "Label", "Value", "Unit"])
        r += 1
        for const in self.model.constants:
            self.text(ws, r, 0, const.key, st.key)
            self.text(ws, r, 1, const.label)
            ws.write_number(r, 2, const.value, st.value(const.unit, const.display))
            self.text(ws, r, 3, const.unit)
            cell = xl_rowcol_to_cell(r, 2, row_abs=True, col_abs=True)
            _safe_define(self.wb, const.key, f"Assumptions!{cell}")
            r += 1
        ws.freeze_panes(6, 2)

    def model_sheet(self, ws: Worksheet) -> None:
        st, lay, res = self.st, self.layout, self.res
        ws.set_column(0, 0, 46)
        ws.set_column(1, 1, 9)
        ws.set_column(2, 2, 28)
        ws.set_column(3, 3, 14)
        ws.set_column(4, FIRST_COL - 1, 2)
        ws.set_column(FIRST_COL, lay.last_col, 12)
        self.text(ws, 0, 0, "Model", st.title)
        self.text(
            ws,
            1,
            0,
            "One line item a row, one formula along each row; inputs by their "
            "defined names (Assumptions).",
            st.subtitle,
        )
        first, last = xl_col_to_name(FIRST_COL), xl_col_to_name(lay.last_col)
        for row, label, key in ((YEAR_ROW, "Year", "year"), (PERIOD_ROW, "Period", "period")):
            self.text(ws, row, 0, label, st.bold)
            self.text(ws, row, 1, "year" if key == "year" else "#")
            self.text(ws, row, 2, key, st.key)
        for i, year in enumerate(self.years):
            c = FIRST_COL + i
            col = xl_col_to_name(c)
            ws.write_formula(
                PERIOD_ROW,
                c,
                f"=COLUMN()-COLUMN(${xl_col_to_name(FIRST_COL - 1)}{PERIOD_ROW + 1})",
                st.period,
                i + 1,
            )
            ws.write_formula(YEAR_ROW, c, f"=start_year+{col}{PERIOD_ROW + 1}-1", st.year, year)
        _safe_define(self.wb, YEAR_NAME, f"Model!${first}${YEAR_ROW + 1}:${last}${YEAR_ROW + 1}")
        _safe_define(
            self.wb, PERIOD_NAME, f"Model!${first}${PERIOD_ROW + 1}:${last}${PERIOD_ROW + 1}"
        )
        series = [i for i in self.model.items if i.shape == "series"]
        scalars = [i for i in self.model.items if i.shape == "scalar" and i.role == "calc"]
        r = PERIOD_ROW + 2
        self.headers(ws, r, ["Line item", "Unit", "Key", "Value"])
        r += 1
        section = None
        layout_rows: list[tuple[int, LineItem | str]] = []
        for item in series:  # rows first: formulas may refer to rows further down
            if item.section != section:
                section = item.section
                if section:
                    layout_rows.append((r, section))
                    r += 1
            lay.model_rows[item.key] = r
            layout_rows.append((r, item))
            r += 1
        # Inputs that charts draw get a row here, so every chart reads Model rows.
        chart_rows: dict[str, int] = {}
        charted = [s.key for chart in self.model.charts for s in chart.series]
        echo = [k for k in dict.fromkeys(charted) if k in self.model.input_keys]
        if echo:
            layout_rows.append((r, "Inputs drawn by the charts"))
            r += 1
        for key in echo:
            chart_rows[key] = r
            r += 1
        scalar_start = r + 1
        for k, item in enumerate(scalars):
            row = scalar_start + 1 + k
            _safe_define(
                self.wb,
                item.key,
                f"Model!{xl_rowcol_to_cell(row, _VALUE_COL, row_abs=True, col_abs=True)}",
            )
        for row, entry in layout_rows:
            if isinstance(entry, str):
                self.text(ws, row, 0, entry, st.bold)
                continue
            item = entry
            self._label(ws, row, item)
            fmt = st.value(item.unit, item.display)
            formula = lay.row_formula(item)
            values = res.row(item.key)
            for i in range(lay.n_years):
                c = FIRST_COL + i
                ws.write_formula(row, c, "=" + formula(c), fmt, _cached(float(values[i])))
            _safe_define(self.wb, item.key, f"Model!${first}${row + 1}:${last}${row + 1}")
        for key, row in chart_rows.items():
            spec = self.model.input(key)
            self.text(ws, row, 0, spec.label)
            self.text(ws, row, 1, header_unit(spec.unit, spec.display))
            self.text(ws, row, 2, f"{key} (input)", st.key)
            fmt = st.value(spec.unit, spec.display)
            values = res.row(key)
            ctx_item = LineItem(key, spec.label, spec.unit, Ref(key), spec.doc)
            formula = lay.row_formula(ctx_item)
            for i in range(lay.n_years):
                c = FIRST_COL + i
                ws.write_formula(row, c, "=" + formula(c), fmt, _cached(float(values[i])))
        self.chart_rows = {**lay.model_rows, **chart_rows}
        if scalars:
            self.text(ws, scalar_start, 0, "Scalar workings", st.bold)
            ctx = lay.context(None)
            for k, item in enumerate(scalars):
                row = scalar_start + 1 + k
                self._label(ws, row, item)
                ws.write_formula(
                    row,
                    _VALUE_COL,
                    "=" + to_formula(item.expr, ctx),
                    st.value(item.unit, item.display),
                    _scalar(res, item.key),
                )
        ws.freeze_panes(PERIOD_ROW + 1, FIRST_COL)

    def _label(self, ws: Worksheet, row: int, item: LineItem) -> None:
        self.text(ws, row, 0, item.label)
        self.text(ws, row, 1, header_unit(item.unit, item.display))
        self.text(ws, row, 2, item.key, self.st.key)

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
        ws.set_column(0, 0, 58)
        ws.set_column(1, 1, 9)
        ws.set_column(2, 2, 34)
        ws.set_column(3, 3, 16)
        self.text(ws, 0, 0, title, st.title)
        self.text(ws, 1, 0, note, st.subtitle)
        self.headers(ws, 3, ["Metric" if not is_checks else "Check", "Unit", "Key", "Value"])
        r = 4
        for item in items:
            self._label(ws, r, item)
            if item.solved:
                # No formula of the inputs: the engine's value, marked, and proven
                # (or shown stale after an edit) by its live plug-back check.
                value = _scalar(self.res, item.key)
                fmt = st.value(item.unit, item.display, is_engine=True)
                if isinstance(value, str):
                    ws.write_formula(r, _VALUE_COL, "=NA()", fmt, value)
                else:
                    ws.write_number(r, _VALUE_COL, value, fmt)
                self.text(
                    ws,
                    r,
                    _VALUE_COL + 1,
                    "solved by econ: if its plug-back check fails after an edit, re-run econ build",
                    st.subtitle,
                )
            else:
                cell_ctx = ctx
                if any(isinstance(n, Irr) for n in _walk(item.expr)):
                    # Newton from the engine's root converges where a fixed guess
                    # may not (flows with idle years); later guesses follow.
                    value = _scalar(self.res, item.key)
                    guess = 0.0 if isinstance(value, str) else value
                    ws.write_number(r, _VALUE_COL + 2, guess, st.value("1", "factor"))
                    self.text(
                        ws,
                        r,
                        _VALUE_COL + 3,
                        "starting guess of IRR: the engine's value when built",
                        st.subtitle,
                    )
                    addr = xl_rowcol_to_cell(r, _VALUE_COL + 2, row_abs=True, col_abs=True)
                    cell_ctx = dataclasses.replace(ctx, irr_guess=addr)
                ws.write_formula(
                    r,
                    _VALUE_COL,
                    "=" + to_formula(item.expr, cell_ctx),
                    st.value(item.unit, item.display),
                    _scalar(self.res, item.key),
                )
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

    def charts(self, ws: Worksheet) -> None:
        lay, rows = self.layout, self.chart_rows
        self.text(
            ws, 0, 0, "Charts (from the Model sheet; they follow the formulas)", self.st.title
        )
        cats = ["Model", YEAR_ROW, FIRST_COL, YEAR_ROW, lay.last_col]

        def ref(key: str) -> list[object]:
            return ["Model", rows[key], FIRST_COL, rows[key], lay.last_col]

        def name(key: str) -> list[object]:
            return ["Model", rows[key], 0]

        anchor = 2
        specs: list[tuple[str, str, list[tuple[str, str]], str]] = [
            (
                chart.title,
                "column" if chart.series[0].kind == "bar" else "line",
                [(x.key, "column" if x.kind == "bar" else "line") for x in chart.series],
                axis_format(chart.unit),
            )
            for chart in self.model.charts
        ]
        for title, _kind, series, num_fmt in specs:
            present = [(k, t) for k, t in series if k in rows]
            if not present:
                continue
            base = self.wb.add_chart({"type": present[0][1]})
            assert base is not None
            base.add_series(
                {"name": name(present[0][0]), "categories": cats, "values": ref(present[0][0])}
            )
            for key, kind in present[1:]:
                if kind == present[0][1]:
                    base.add_series({"name": name(key), "categories": cats, "values": ref(key)})
                else:
                    extra = self.wb.add_chart({"type": kind})
                    assert extra is not None
                    extra.add_series({"name": name(key), "categories": cats, "values": ref(key)})
                    base.combine(extra)
            base.set_title({"name": title})
            base.set_x_axis({"name": "Year"})
            base.set_y_axis({"num_format": num_fmt})
            base.set_legend({"position": "bottom"})
            base.set_size({"width": 760, "height": 340})
            ws.insert_chart(anchor, 0, base)
            anchor += 18

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


def write_workbook(scenario: Scenario, results: Results, path: str | Path) -> Path:
    """Write ``scenario`` as a live Excel workbook.

    The file is written to a temporary file in the same folder and moved into
    place, so a reader never sees a half-written workbook. The same scenario
    and results give byte-identical files.

    Args:
        scenario: the scenario (inputs, sources, timeline).
        results: ``econ.evaluate(scenario)``; every cached formula result
            comes from it (first scenario when it holds several).
        path: the ``.xlsx`` file to write.

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx.tmp", dir=path.parent)
    os.close(fd)
    try:
        wb = xlsxwriter.Workbook(
            tmp,
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
        _Builder(wb, scenario, results).build()
        wb.close()
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a workbook is a normal file
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path
