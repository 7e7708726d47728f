"""The Sensitivity and Risk sheets of a workbook (``econ sensitivity -o`` and
``econ risk -o``).

Both hold figures computed by econ from the named inputs, as values with a
note saying so: the workbook's live formulas stay the single source of the
base case. Sensitivity: the tornado table (each input at its bounds) and a
bar chart of the changes from the base. Risk: percentiles of every metric,
the probabilities and the drivers.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from xlsxwriter.workbook import Workbook

from econ.analysis.montecarlo import PERCENTILES, RiskResult
from econ.analysis.sensitivity import Tornado

__all__ = ["ANALYSIS_SHEETS", "analysis_sheets"]

#: The sheets this module adds.
ANALYSIS_SHEETS = ("Sensitivity", "Risk")
_NOTE = (
    "Computed by econ from the named inputs when the workbook was built; the live formulas "
    "on the Model, Results and Checks sheets stay the base case (edit an input and these "
    "figures no longer follow: run `econ {cmd} -o` again)."
)


def _num(x: float) -> float | str:
    return x if math.isfinite(x) else "n/a"


def _sensitivity(wb: Workbook, t: Tornado) -> None:
    ws = wb.add_worksheet("Sensitivity")
    bold = wb.add_format({"bold": True})
    note = wb.add_format({"italic": True, "font_color": "#555555", "text_wrap": True})
    ws.write_string(
        0, 0, f"Sensitivity: {t.label} [{t.unit}]", wb.add_format({"bold": True, "font_size": 14})
    )
    ws.merge_range(1, 0, 1, 9, _NOTE.format(cmd="sensitivity"), note)
    ws.set_row(1, 45)
    ws.write_string(3, 0, "Base case", bold)
    ws.write_number(3, 2, t.base)
    head = [
        "Input",
        "Label",
        "Unit",
        "Basis",
        "Low",
        "High",
        f"At low [{t.unit}]",
        f"At high [{t.unit}]",
        f"Swing [{t.unit}]",
        "Change at low",
        "Change at high",
    ]
    ws.write_row(5, 0, head, bold)
    for j, r in enumerate(t.rows):
        row = 6 + j
        ws.write_string(row, 0, r.key)
        ws.write_string(row, 1, r.label)
        ws.write_string(row, 2, r.unit)
        ws.write_string(row, 3, "cited" if r.cited else "illustrative")
        for col, x in enumerate(
            (r.low, r.high, r.at_low, r.at_high, r.swing, r.at_low - t.base, r.at_high - t.base),
            start=4,
        ):
            value = _num(x)
            if isinstance(value, str):
                ws.write_string(row, col, value)
            else:
                ws.write_number(row, col, value)
    last = 5 + len(t.rows)
    chart = wb.add_chart({"type": "bar"})
    for col, name, color in (
        (9, "Input at its low bound", "#8A5A00"),
        (10, "at its high bound", "#1F5FA8"),
    ):
        chart.add_series(
            {
                "name": name,
                "categories": ["Sensitivity", 6, 1, last, 1],
                "values": ["Sensitivity", 6, col, last, col],
                "fill": {"color": color},
            }
        )
    chart.set_title({"name": f"Tornado: change of {t.label} from the base"})
    chart.set_y_axis({"reverse": True})
    chart.set_x_axis({"name": t.unit})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 820, "height": 80 + 26 * len(t.rows)})
    ws.insert_chart(last + 2, 0, chart)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 40)
    ws.set_column(2, 10, 14)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def _risk(wb: Workbook, result: RiskResult) -> None:
    ws = wb.add_worksheet("Risk")
    model = result.scenario.model
    bold = wb.add_format({"bold": True})
    note = wb.add_format({"italic": True, "font_color": "#555555", "text_wrap": True})
    method = {"lhs": "Latin hypercube", "sobol": "Sobol"}[result.method]
    ws.write_string(
        0,
        0,
        f"Risk: {result.draws:,} draws ({method}, seed {result.seed})",
        wb.add_format({"bold": True, "font_size": 14}),
    )
    ws.merge_range(1, 0, 1, 9, _NOTE.format(cmd="risk"), note)
    ws.set_row(1, 45)
    head = [
        "Metric",
        "Unit",
        "Mean",
        *(f"P{q}" for q in PERCENTILES),
        "SE mean",
        "SE P50",
        "n/a share",
    ]
    ws.write_row(3, 0, head, bold)
    row = 4
    for key, s in result.stats.items():
        item = model.item(key)
        ws.write_string(row, 0, item.label)
        ws.write_string(row, 1, item.unit)
        values = [s.mean, *(s.percentiles[q] for q in PERCENTILES), s.se_mean, s.se_p50, s.na_share]
        for col, x in enumerate(values, start=2):
            value = _num(x)
            if isinstance(value, str):
                ws.write_string(row, col, value)
            else:
                ws.write_number(row, col, value)
        row += 1
    row += 1
    ws.write_row(row, 0, ["Probability", "", "p", "SE"], bold)
    for p in result.probabilities:
        row += 1
        ws.write_string(row, 0, p.label)
        ws.write_number(row, 2, p.p)
        ws.write_number(row, 3, p.se)
    row += 2
    label = model.item(result.metric).label
    ws.write_row(row, 0, [f"Drivers of {label.lower()}", "Input", "Spearman rho", "Basis"], bold)
    for d in result.drivers:
        row += 1
        ws.write_string(row, 0, d.label)
        ws.write_string(row, 1, d.key)
        value = _num(d.rho)
        if isinstance(value, str):
            ws.write_string(row, 2, value)
        else:
            ws.write_number(row, 2, value)
        ws.write_string(row, 3, "cited" if d.cited else "illustrative")
    for w in result.warnings:
        row += 2
        ws.write_string(row, 0, f"Warning: {w}")
    ws.set_column(0, 0, 44)
    ws.set_column(1, 12, 14)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def analysis_sheets(
    t: Tornado | None = None, risk: RiskResult | None = None
) -> Callable[[Workbook], None]:
    """The ``extra_sheets`` hook of :func:`econ.excel.writer.write_workbook`."""

    def add(wb: Workbook) -> None:
        if t is not None:
            _sensitivity(wb, t)
        if risk is not None:
            _risk(wb, risk)

    return add
