"""The table of a batch: ``summary.csv`` for machines, ``summary.xlsx`` for
analysts.

``summary.csv`` holds every metric at full precision (``repr``), n/a empty,
headers ``Label [unit]`` in canonical units. ``summary.xlsx`` is an Excel
table of the same rows in econ's display policy (:mod:`econ.display`): one
number format and one scale per column (the scale in the header, ``NPV
[M USD]``), negatives in brackets, n/a spelled out in the item's own words,
frozen header, a filter on every column and widths from the content. Text
from scenarios is always written as a string, never as a formula or URL.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from econ.display import NumberStyle, csv_safe
from econ.engine import column_name
from econ.model.schema import LineItem, Model
from econ.report.html import IndexRow, breakeven_only

__all__ = ["summary_columns", "write_summary_csv", "write_summary_table", "write_summary_xlsx"]

_TEXT_BEFORE = ("scenario", "title", "model", "status")
_TEXT_AFTER = ("html", "xlsx", "error")


@dataclass(frozen=True)
class _Metric:
    item: LineItem
    style: NumberStyle

    @property
    def header(self) -> str:
        unit = self.style.header_unit
        return f"{self.item.label} [{unit}]" if unit else self.item.label


def summary_columns(models: Sequence[Model], rows: Sequence[IndexRow]) -> list[LineItem]:
    """Every metric of the models that some row has, in model order, each
    once; first the shared "Breakeven subsidy" column (``Model.breakeven``),
    which stands for each model's own breakeven metric."""
    seen: dict[str, LineItem] = {}
    shared = [i for i in (m.breakeven_item() for m in models) if i is not None]
    if shared and any(shared[0].key in r.metrics for r in rows):
        first = shared[0]
        na = first.na_text if all(i.na_text == first.na_text for i in shared) else "n/a"
        seen[first.key] = replace(first, na_text=na)
    own = breakeven_only(models)
    for model in models:
        for item in model.items_with("metric"):
            if item.key in own or item.key in seen:
                continue
            if any(item.key in r.metrics for r in rows):
                seen[item.key] = item
    return list(seen.values())


def _text(row: IndexRow, name: str) -> str:
    if name == "status":
        return "failed" if row.error else "ok"
    value = getattr(row, "name" if name == "scenario" else name)
    return "" if value is None else str(value)


def _replace_via_temp(path: Path, write: Callable[[Path], None]) -> Path:
    from econ.outputs import write_guarded

    return write_guarded(path, write)


def write_summary_csv(path: Path, rows: Sequence[IndexRow], items: Sequence[LineItem]) -> Path:
    """``summary.csv``: full precision, n/a empty, canonical units."""

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh)
            out.writerow([*_TEXT_BEFORE, *(column_name(i) for i in items), *_TEXT_AFTER])
            for r in rows:
                values = [r.metrics.get(i.key, math.nan) for i in items]
                out.writerow(
                    [
                        *(csv_safe(_text(r, n)) for n in _TEXT_BEFORE),
                        *(repr(v) if math.isfinite(v) else "" for v in values),
                        *(csv_safe(_text(r, n)) for n in _TEXT_AFTER),
                    ]
                )

    return _replace_via_temp(path, write)


def write_summary_xlsx(path: Path, rows: Sequence[IndexRow], items: Sequence[LineItem]) -> Path:
    """``summary.xlsx``: an Excel table in the display policy (see the module)."""
    import xlsxwriter

    metrics = [
        _Metric(
            i,
            NumberStyle.for_values(
                i.unit, i.display, [r.metrics[i.key] for r in rows if i.key in r.metrics]
            ),
        )
        for i in items
    ]
    headers = [*_TEXT_BEFORE, *(m.header for m in metrics), *_TEXT_AFTER]

    def write(tmp: Path) -> None:
        options = {"strings_to_formulas": False, "strings_to_urls": False}
        wb = xlsxwriter.Workbook(str(tmp), options)
        try:
            ws = wb.add_worksheet("Summary")
            header = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
            absent = wb.add_format({"italic": True, "font_color": "#666666", "align": "right"})
            formats = {m.item.key: wb.add_format({"num_format": m.style.excel}) for m in metrics}
            widths = [0] * len(headers)
            for r, row in enumerate(rows, start=1):
                cells: list[tuple[str, Any]] = [("s", _text(row, n)) for n in _TEXT_BEFORE]
                for m in metrics:
                    v = row.metrics.get(m.item.key, math.nan)
                    if m.item.key not in row.metrics:
                        cells.append(("na", "not modelled"))
                    elif math.isfinite(v):
                        cells.append((m.item.key, v))
                    else:
                        cells.append(("na", m.item.na_text))
                cells += [("s", _text(row, n)) for n in _TEXT_AFTER]
                for c, (kind, value) in enumerate(cells):
                    if kind == "s":
                        ws.write_string(r, c, value)
                        shown = value
                    elif kind == "na":
                        ws.write_string(r, c, value, absent)
                        shown = value
                    else:
                        ws.write_number(r, c, value, formats[kind])
                        shown = metrics[c - len(_TEXT_BEFORE)].style.number(value)
                    widths[c] = max(widths[c], len(shown))
            columns = [{"header": h, "header_format": header} for h in headers]
            ws.add_table(
                0,
                0,
                max(len(rows), 1),
                len(headers) - 1,
                {"columns": columns, "style": "Table Style Light 9", "name": "Summary"},
            )
            for c, h in enumerate(headers):
                # wide enough for every value and for the header in three lines
                longest_word = max(len(w) for w in h.split())
                ws.set_column(c, c, min(max(widths[c], longest_word, len(h) / 3, 8) + 2, 50))
            ws.set_row(0, 48)
            ws.freeze_panes(1, 1)
        finally:
            wb.close()

    return _replace_via_temp(path, write)


def write_summary_table(
    folder: Path, rows: Sequence[IndexRow], models: Sequence[Model]
) -> tuple[Path, Path]:
    """Write ``summary.csv`` and ``summary.xlsx`` of ``rows`` in ``folder``."""
    items = summary_columns(models, rows)
    return (
        write_summary_csv(folder / "summary.csv", rows, items),
        write_summary_xlsx(folder / "summary.xlsx", rows, items),
    )
