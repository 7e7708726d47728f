"""The outputs of ``econ portfolio``: an HTML summary with the cost curve, and
a workbook.

The workbook's **Portfolio** sheet holds the options table as figures
computed by econ from the named project scenarios (breakeven sizes, fiscal
cost by year, capacity), a *Supported* column of 1/0 (econ's choice; an
analyst may edit it) and live formulas over them: totals by year, the
envelope check, the budget check and the capacity sum. **Cost curve** holds
the chart and its data. Every formula cell caches econ's value.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import xlsxwriter
from markupsafe import Markup
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from econ import __version__
from econ.analysis.allocation import INSTRUMENTS
from econ.analysis.portfolio import (
    _OBJECTIVE_TEXT,
    PortfolioResult,
    Term,
    instrument_phrase,
    size_text,
)
from econ.display import format_value
from econ.excel.writer import CREATED
from econ.report.charts_extra import cost_curve_svg
from econ.report.html import _environment, write_text_atomic
from econ.report.svg import NARROW, WIDE, Series, bar_line_chart

if TYPE_CHECKING:
    from econ.build import Output

__all__ = ["render_portfolio", "write_portfolio_outputs", "write_portfolio_workbook"]


def _f(x: float, unit: str) -> str:
    return format_value(float(x), unit)


def _status(result: PortfolioResult, i: int) -> str:
    if not result.solution.chosen[i]:
        return ""
    return "viable without support" if result.options.size[i] <= 0 else "supported"


def findings(result: PortfolioResult) -> list[str]:
    """The sentences of the allocation: capacity vs target, the marginal
    project, one more billion rubles."""
    pf, o, sol, more = result.portfolio, result.options, result.solution, result.more
    out = []
    if pf.target is not None and pf.target_year is not None:
        share = result.target_volume / pf.target.canonical if pf.target.canonical else math.nan
        out.append(
            f"Production of the supported projects in {pf.target_year}: "
            f"{_f(result.target_volume, 't/yr')}, {share:.0%} of the target of "
            f"{_f(pf.target.canonical, 't/yr')}."
        )
    imp = pf.import_share
    if imp is not None:
        reached = result.replacing_t_per_yr
        out.append(
            f"Import share of the inputs in {imp.year}: {imp.share(reached):.0%} against the "
            f"target of {imp.target.canonical:.0%} (now {imp.now.canonical:.0%}); "
            f"{_f(reached, 't/yr')} of the supported projects' output replaces imports, "
            f"{_f(imp.needed_t_per_yr, 't/yr')} needed."
        )
    for i in np.flatnonzero(sol.chosen):
        out.append(
            f"{o.titles[o.project[i]]}: {instrument_phrase(o.instrument[i])} "
            f"{size_text(float(o.size[i]), o.instrument[i])}, because {result.reason(int(i))}."
        )
    last, nxt = result.marginal()
    if last is not None:
        out.append(
            f"Marginal project (dearest capacity supported): {o.titles[o.project[last]]}, "
            f"{_f(o.cost_pv_usd[last] / o.capacity_t_per_yr[last], 'USD')} of fiscal cost PV "
            "per t/yr."
        )
    if nxt is not None:
        short, over = result.shortfall(nxt)
        why = [f"the budget would be {_f(short, 'USD')} short"] if short else []
        why += [f"the envelope exceeded by up to {_f(over, 'USD')} a year"] if over else []
        out.append(
            f"Next in line (cheapest capacity not supported): {o.titles[o.project[nxt]]}, "
            f"{_f(o.cost_pv_usd[nxt] / o.capacity_t_per_yr[nxt], 'USD')} of fiscal cost PV "
            "per t/yr" + (f"; added, {' and '.join(why)}." if why else ".")
        )
    added = [o.titles[o.project[i]] for i in np.flatnonzero(more.chosen & ~sol.chosen)]
    dropped = [o.titles[o.project[i]] for i in np.flatnonzero(sol.chosen & ~more.chosen)]
    if added or dropped:
        change = "; ".join([*(f"adds {a}" for a in added), *(f"drops {d}" for d in dropped)])
        out.append(
            f"One more billion rubles {change}: capacity "
            f"{_f(more.capacity - sol.capacity, 't/yr')} more, fiscal cost PV "
            f"{_f(more.cost_pv - sol.cost_pv, 'USD')} more."
        )
    else:
        out.append("One more billion rubles buys nothing more: no further option fits it.")
    exceeded = result.cost_by_year > result.envelope_usd_per_yr * (1 + 1e-9)
    if exceeded.any():  # pragma: no cover - the optimizer keeps to the envelope
        out.append(f"Envelope exceeded in {int(exceeded.sum())} years.")
    return out


def _term_text(t: Term) -> str:
    return f"{t.value:,.6g} {t.unit}"


def render_portfolio(result: PortfolioResult) -> str:
    """The HTML summary of an allocation: headline, cost curve, options,
    fiscal cost by year against the envelope, the terms and their sources."""
    pf, o, sol = result.portfolio, result.options, result.solution
    order = np.argsort(o.levelized_cost_usd_per_kg, kind="stable")
    marks = [instrument_phrase(o.instrument[i]) for i in order]
    args: dict[str, Any] = {
        "labels": [o.titles[o.project[i]] for i in order],
        "capacity": o.capacity_t_per_yr[order].tolist(),
        "cost": o.levelized_cost_usd_per_kg[order].tolist(),
        "benchmark": o.benchmark_usd_per_kg[order].tolist(),
        "supported": sol.chosen[order].tolist(),
        "marks": marks,
        "title": "Cost curve: levelized cost by capacity",
    }
    curve = [cost_curve_svg(**args, size=s) for s in (WIDE, NARROW)]
    cost = result.cost_by_year
    nz = np.flatnonzero(o.cost_usd_per_yr.sum(axis=0) > 0)
    lo, hi = (int(nz[0]), int(nz[-1]) + 1) if len(nz) else (0, len(o.years))
    years = list(o.years[lo:hi])
    env = result.envelope_usd_per_yr[lo:hi]
    line = Series("Envelope", env.tolist(), dashed=True) if np.isfinite(env).all() else None
    by_year = [
        bar_line_chart(
            years,
            Series("Fiscal cost of the supported projects", cost[lo:hi].tolist()),
            line,
            title="Fiscal cost by year",
            unit="USD",
            chart_id="chart-fiscal",
            size=s,
        )
        for s in (WIDE, NARROW)
    ]
    fx = pf.fx.canonical if pf.fx else math.nan
    cards = [
        ("supported", "Projects supported", sol.projects, f"{sol.projects} of {len(pf.projects)}"),
        ("capacity", "Capacity supported", sol.capacity, _f(sol.capacity, "t/yr")),
        ("cost_pv", "Fiscal cost PV", sol.cost_pv, _f(sol.cost_pv, "USD")),
        (
            "budget",
            f"Budget ({'PV' if pf.budget_basis == 'pv' else 'nominal'})",
            result.budget_usd,
            f"{_f(result.budget_usd, 'USD')} ({result.budget_usd * fx / 1e9:,.1f} bn RUB)",
        ),
        (
            "drawn",
            "Budget drawn",
            float(result.spend[sol.chosen].sum()),
            _f(float(result.spend[sol.chosen].sum()), "USD"),
        ),
    ]
    rows = [
        {
            "project": o.names[o.project[i]],
            "title": o.titles[o.project[i]],
            "instrument": INSTRUMENTS[o.instrument[i]][0],
            "size": size_text(float(o.size[i]), o.instrument[i]),
            "pv": float(o.cost_pv_usd[i]),
            "pv_text": _f(o.cost_pv_usd[i], "USD"),
            "nominal": _f(o.total_cost_usd[i], "USD"),
            "capacity": _f(o.capacity_t_per_yr[i], "t/yr"),
            "lcop": _f(o.levelized_cost_usd_per_kg[i], "USD/kg"),
            "bench": _f(o.benchmark_usd_per_kg[i], "USD/kg"),
            "supported": bool(sol.chosen[i]),
            "status": _status(result, int(i)),
        }
        for i in order
    ]
    terms = [
        {
            "key": t.key
            + (f" ({pf.budget_basis})" if t.key == "budget" else "")
            + (f" in {pf.target_year}" if t.key == "target" else ""),
            "value": _term_text(t),
            "cited": t.source.cited,
            "source": t.source.text(),
            "note": t.note,
        }
        for t in pf.terms
    ]
    return (
        _environment()
        .get_template("portfolio.html.j2")
        .render(
            title=pf.title,
            name=pf.name,
            description=pf.description,
            projects=len(pf.projects),
            objective=_OBJECTIVE_TEXT[pf.objective],
            feasible=sol.feasible,
            cards=[{"key": k, "label": lab, "value": v, "text": t} for k, lab, v, t in cards],
            findings=findings(result),
            curve_wide=Markup(curve[0]),
            curve_narrow=Markup(curve[1]),
            years_wide=Markup(by_year[0]),
            years_narrow=Markup(by_year[1]),
            rows=rows,
            terms=terms,
            version=__version__,
        )
    )


def write_portfolio_workbook(result: PortfolioResult, path: str | Path) -> Path:
    """Write the Portfolio and Cost curve sheets (see module docs), atomically
    (:func:`econ.outputs.write_with`) and sealed as econ's own
    (:func:`econ.outputs.seal_workbook`: a later edit is told apart and kept)."""
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
        # A fixed creation date, as the scenario workbooks: the same inputs give
        # the same bytes (a rebuild leaves the committed workbook unchanged).
        wb.set_properties({"title": result.portfolio.title, "author": "econ", "created": CREATED})
        wb.set_custom_property("econ_generator", "econ")
        wb.set_custom_property("econ_version", __version__)
        wb.set_custom_property("econ_portfolio", result.portfolio.name)
        _portfolio_sheets(wb, result)
        wb.close()
        seal_workbook(tmp)

    return write_with(Path(path), write)


def _portfolio_sheets(wb: xlsxwriter.Workbook, result: PortfolioResult) -> None:
    pf, o, sol = result.portfolio, result.options, result.solution
    bold = wb.add_format({"bold": True})
    title = wb.add_format({"bold": True, "font_size": 14})
    note = wb.add_format({"italic": True, "font_color": "#555555"})
    usd = wb.add_format({"num_format": "#,##0"})
    num = wb.add_format({"num_format": "#,##0.00"})
    inp = wb.add_format({"font_color": "#0000FF", "bg_color": "#FFF2CC", "num_format": "0"})
    calc = wb.add_format({"num_format": "#,##0", "bold": True})
    flag = wb.add_format({"num_format": "0", "bold": True})
    ws = wb.add_worksheet("Portfolio")
    ws.write_string(0, 0, pf.title, title)
    ws.write_string(
        1,
        0,
        "Figures computed by econ from the named project scenarios (breakeven instrument "
        "sizes, fiscal cost per year, capacity); Supported = econ's choice (1/0, edit to test "
        "another); totals and checks are live formulas.",
        note,
    )
    r = 3
    ws.write_row(r, 0, ["Term", "Value", "Unit", "Source"], bold)
    names: dict[str, str] = {}
    terms = [
        ("budget_usd", f"Budget ({pf.budget_basis})", result.budget_usd, "USD", pf.budget),
        (
            "target_t_per_yr",
            "Target",
            pf.target.canonical if pf.target else None,
            "t/yr",
            pf.target,
        ),
        (
            "envelope_usd_per_yr",
            "Yearly envelope",
            pf.envelope.canonical if pf.envelope else None,
            "USD/yr",
            pf.envelope,
        ),
        (
            "state_discount_rate",
            "State's discount rate",
            pf.state_discount_rate.canonical,
            "1",
            pf.state_discount_rate,
        ),
    ]
    for key, label, value, unit, term in terms:
        if value is None or term is None:
            continue
        r += 1
        ws.write_string(r, 0, label)
        ws.write_number(r, 1, float(value), inp if False else usd if unit != "1" else num)
        ws.write_string(r, 2, unit)
        ws.write_string(r, 3, ("Cited: " if term.source.cited else "") + term.source.text())
        names[key] = f"Portfolio!$B${r + 1}"
        wb.define_name(key, f"={names[key]}")
    order = np.argsort(o.levelized_cost_usd_per_kg, kind="stable")
    nz = np.flatnonzero(o.cost_usd_per_yr.sum(axis=0) > 0)
    lo, hi = (int(nz[0]), int(nz[-1]) + 1) if len(nz) else (0, 0)
    years = list(range(lo, hi))
    head = [
        "Project",
        "Instrument",
        "Breakeven size",
        "Size unit",
        "Supported (1/0)",
        "Capacity [t/yr]",
        f"Production in {pf.target_year or '-'} [t/yr]",
        "Fiscal cost PV [USD]",
        "Budget draw [USD]",
        "Levelized cost [USD/kg]",
        "Benchmark [USD/kg]",
    ]
    first_year_col = len(head)
    r += 2
    ws.write_row(r, 0, head, bold)
    for k, y in enumerate(years):
        ws.write_number(r, first_year_col + k, o.years[y], bold)
    top = r + 1
    volume = o.volume_in(pf.target_year) if pf.target_year is not None else np.zeros(len(o))
    for j, i in enumerate(order):
        row = top + j
        ws.write_string(row, 0, o.titles[o.project[i]])
        ws.write_string(row, 1, o.instrument[i])
        ws.write_number(row, 2, float(o.size[i]), num)
        ws.write_string(row, 3, INSTRUMENTS[o.instrument[i]][1])
        ws.write_number(row, 4, int(sol.chosen[i]), inp)
        ws.write_number(row, 5, float(o.capacity_t_per_yr[i]), usd)
        ws.write_number(row, 6, float(volume[i]), usd)
        ws.write_number(row, 7, float(o.cost_pv_usd[i]), usd)
        ws.write_number(row, 8, float(result.spend[i]), usd)
        ws.write_number(row, 9, float(o.levelized_cost_usd_per_kg[i]), num)
        ws.write_number(row, 10, float(o.benchmark_usd_per_kg[i]), num)
        for k, y in enumerate(years):
            ws.write_number(row, first_year_col + k, float(o.cost_usd_per_yr[i, y]), usd)
    bottom = top + len(order) - 1
    sup = f"$E${top + 1}:$E${bottom + 1}"
    chosen = sol.chosen[order].astype(float)
    total_row = bottom + 1
    ws.write_string(total_row, 0, "Total of supported", bold)

    def total(col: int, values: np.ndarray) -> float:
        letter = xl_col_to_name(col)
        value = float(chosen @ values)
        ws.write_formula(
            total_row,
            col,
            f"=SUMPRODUCT({sup},{letter}{top + 1}:{letter}{bottom + 1})",
            calc,
            value,
        )
        return value

    caps = total(5, o.capacity_t_per_yr[order])
    vol_total = total(6, volume[order])
    total(7, o.cost_pv_usd[order])
    draw = total(8, result.spend[order])
    del caps
    by_year = [total(first_year_col + k, o.cost_usd_per_yr[order, y]) for k, y in enumerate(years)]
    checks_row = total_row + 1
    if pf.envelope is not None and years:
        env = float(pf.envelope.canonical)
        ws.write_string(total_row + 1, 0, "Envelope", bold)
        ws.write_string(total_row + 2, 0, "Within the envelope (1/0)", bold)
        for k, value in enumerate(by_year):
            col = first_year_col + k
            ws.write_formula(total_row + 1, col, "=envelope_usd_per_yr", usd, env)
            t_cell = xl_rowcol_to_cell(total_row, col)
            e_cell = xl_rowcol_to_cell(total_row + 1, col)
            ws.write_formula(
                total_row + 2, col, f"=IF({t_cell}<={e_cell},1,0)", flag, int(value <= env)
            )
        first = xl_rowcol_to_cell(total_row + 2, first_year_col)
        last = xl_rowcol_to_cell(total_row + 2, first_year_col + len(years) - 1)
        checks_row = total_row + 4
        ws.write_string(checks_row, 0, "Every year within the envelope (1/0)", bold)
        ok = int(all(v <= env for v in by_year))
        ws.write_formula(checks_row, 4, f"=MIN({first}:{last})", flag, ok)
        checks_row += 1
    ws.write_string(checks_row, 0, "Within the budget (1/0)", bold)
    draw_cell = xl_rowcol_to_cell(total_row, 8)
    ws.write_formula(
        checks_row, 4, f"=IF({draw_cell}<=budget_usd,1,0)", flag, int(draw <= result.budget_usd)
    )
    if pf.target is not None:
        ws.write_string(checks_row + 1, 0, "Target reached (1/0)", bold)
        vol_cell = xl_rowcol_to_cell(total_row, 6)
        ws.write_formula(
            checks_row + 1,
            4,
            f"=IF({vol_cell}>=target_t_per_yr,1,0)",
            flag,
            int(vol_total >= pf.target.canonical),
        )
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 18)
    ws.set_column(2, first_year_col + len(years), 14)
    ws.freeze_panes(top, 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    _cost_curve_sheet(wb, result, order)


def _cost_curve_sheet(wb: xlsxwriter.Workbook, result: PortfolioResult, order: np.ndarray) -> None:
    o, sol = result.options, result.solution
    bold = wb.add_format({"bold": True})
    note = wb.add_format({"italic": True, "font_color": "#555555"})
    ws = wb.add_worksheet("Cost curve")
    ws.write_string(0, 0, "Cost curve", wb.add_format({"bold": True, "font_size": 14}))
    ws.write_string(
        1,
        0,
        "Computed by econ from the named project scenarios: projects ordered by levelized "
        "cost, each bar as wide as its capacity, the benchmark price dashed.",
        note,
    )
    head = [
        "Project",
        "Capacity [t/yr]",
        "From [t/yr]",
        "To [t/yr]",
        "Levelized cost [USD/kg]",
        "Benchmark [USD/kg]",
        "Supported",
        "Instrument",
    ]
    ws.write_row(3, 0, head, bold)
    x0 = 0.0
    pts = ["x [t/yr]", "Supported [USD/kg]", "Not supported [USD/kg]", "Benchmark [USD/kg]"]
    ws.write_row(3, 9, pts, bold)
    pr = 4
    for j, i in enumerate(order):
        cap, c, b = (
            float(o.capacity_t_per_yr[i]),
            float(o.levelized_cost_usd_per_kg[i]),
            float(o.benchmark_usd_per_kg[i]),
        )
        ws.write_row(4 + j, 0, [o.titles[o.project[i]], cap, x0, x0 + cap, c, b])
        ws.write_string(4 + j, 6, "yes" if sol.chosen[i] else "no")
        ws.write_string(4 + j, 7, o.instrument[i] if sol.chosen[i] else "")
        col = 10 if sol.chosen[i] else 11
        for x, y in ((x0, 0.0), (x0, c), (x0 + cap, c), (x0 + cap, 0.0)):
            ws.write_number(pr, 9, x)
            ws.write_number(pr, col, y)
            pr += 1
        ws.write_number(pr, 9, x0)
        ws.write_number(pr, 12, b)
        ws.write_number(pr + 1, 9, x0 + cap)
        ws.write_number(pr + 1, 12, b)
        pr += 3  # a blank row between shapes: a gap in the lines
        x0 += cap
    chart = wb.add_chart({"type": "scatter", "subtype": "straight"})
    colors = {10: "#1F5FA8", 11: "#B8BEC7", 12: "#C2452D"}
    for col in (10, 11, 12):
        chart.add_series(
            {
                "name": ["Cost curve", 3, col],
                "categories": ["Cost curve", 4, 9, pr, 9],
                "values": ["Cost curve", 4, col, pr, col],
                "line": {
                    "color": colors[col],
                    "width": 2.25,
                    **({"dash_type": "dash"} if col == 12 else {}),
                },
                "marker": {"type": "none"},
            }
        )
    chart.show_blanks_as("gap")
    chart.set_title({"name": "Cost curve: levelized cost by capacity"})
    chart.set_x_axis({"name": "Capacity, cumulative [t/yr]", "min": 0})
    chart.set_y_axis({"name": "USD/kg", "min": 0})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 820, "height": 420})
    ws.insert_chart(4 + len(order) + 2, 0, chart)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 12, 14)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def write_portfolio_outputs(
    result: PortfolioResult, out_dir: Path, stem: str | None = None
) -> Output:
    """Write ``<stem>.html`` and ``<stem>.xlsx`` (``stem``: the portfolio's
    name) into ``out_dir`` through the one output pipeline
    (:func:`econ.build.write_files`): both or neither, an edited workbook
    kept as a backup first."""
    from econ.build import write_files

    return write_files(
        Path(out_dir),
        stem or result.portfolio.name,
        {
            ".html": lambda p: write_text_atomic(render_portfolio(result), p),
            ".xlsx": lambda p: write_portfolio_workbook(result, p),
        },
    )
