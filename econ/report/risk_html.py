"""The analysis sections of an HTML summary: the tornado (every summary) and,
when a Monte Carlo run is given (``econ risk SCENARIO -o DIR``), the
histogram and cumulative curve of the chosen metric with its percentiles
marked, the percentile table, the probabilities and the drivers.

Figures come from :mod:`econ.analysis.sensitivity` and
:mod:`econ.analysis.montecarlo`; nothing is recomputed here.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

from econ.analysis.montecarlo import PERCENTILES, RiskResult
from econ.analysis.sensitivity import Tornado, tornado
from econ.display import format_item, format_value
from econ.errors import InputError
from econ.report.charts_extra import histogram_svg, tornado_svg
from econ.report.svg import NARROW, WIDE
from econ.scenario import Scenario

__all__ = ["analysis_sections", "summary_tornado"]

#: Inputs shown in the tornado of a summary (the largest swings).
TOP = 12


def summary_tornado(scenario: Scenario) -> Tornado | None:
    """The tornado of the model's default metric, or None when no input has bounds."""
    try:
        return tornado(scenario)
    except InputError:
        return None


def _bound(x: float, unit: str) -> str:
    """A bound with its unit, scaled (``80.0 M USD``); a fraction as a number."""
    return f"{x:,.4g}" if unit in ("1", "") else format_value(x, unit)


def _tornado_section(scenario: Scenario, t: Tornado) -> str:
    item = scenario.model.item(t.metric)
    rows = [r for r in t.rows if r.swing == r.swing][:TOP]  # NaN swings left out
    labels = [r.label for r in rows]
    svgs = [
        tornado_svg(
            labels,
            [r.at_low for r in rows],
            [r.at_high for r in rows],
            t.base,
            title=f"Tornado: {t.label}",
            unit=t.unit,
            chart_id="chart-tornado",
            width=w,
        )
        for w in (640, 360)
    ]
    body = "".join(
        f'<tr class="{"cited" if r.cited else "illustrative"}" data-key="{escape(r.key)}">'
        f"<td>{escape(r.label)}<br><code>{escape(r.key)}</code></td>"
        f'<td class="num" data-label="Low">{escape(_bound(r.low, r.unit))}</td>'
        f'<td class="num" data-label="High">{escape(_bound(r.high, r.unit))}</td>'
        f'<td class="num" data-label="At low">{escape(format_item(r.at_low, item))}</td>'
        f'<td class="num" data-label="At high">{escape(format_item(r.at_high, item))}</td>'
        f'<td class="num" data-label="Swing" data-value="{r.swing!r}">'
        f"{escape(format_item(r.swing, item))}</td></tr>"
        for r in rows
    )
    return (
        '<section id="sensitivity" aria-label="Sensitivity">'
        "<h2>Sensitivity</h2>"
        f"<p>{escape(t.label)} with each assumption at its low and high bound, the others "
        f"at their values (base {escape(format_item(t.base, item))}); the {len(rows)} "
        "largest swings. Computed by econ from the named inputs.</p>"
        f'<figure id="figure-tornado">{svgs[0]}\n{svgs[1]}'
        f"<figcaption>Tornado: {escape(t.label)} ({escape(t.unit)})</figcaption></figure>"
        '<div class="table-wrap"><table id="tornado-table" class="reflow"><thead><tr>'
        '<th>Assumption</th><th class="num">Low</th><th class="num">High</th>'
        f'<th class="num">At low</th><th class="num">At high</th><th class="num">Swing</th>'
        f"</tr></thead><tbody>{body}</tbody></table></div></section>"
    )


def _risk_section(result: RiskResult) -> str:
    model = result.scenario.model
    item = model.item(result.metric)
    st = result.stats[result.metric]
    marks = [(f"P{q}", st.percentiles[q]) for q in (5, 50, 95)]
    svgs = [
        histogram_svg(
            list(result.values[result.metric]),
            marks,
            title=f"Distribution of {item.label}",
            unit=item.unit,
            chart_id="chart-risk",
            size=s,
        )
        for s in (WIDE, NARROW)
    ]
    head = "".join(f'<th class="num">P{q}</th>' for q in PERCENTILES)
    rows = []
    for key, s in result.stats.items():
        it = model.item(key)
        cells = "".join(
            f'<td class="num" data-label="P{q}">{escape(format_item(s.percentiles[q], it))}</td>'
            for q in PERCENTILES
        )
        rows.append(
            f'<tr data-key="{escape(key)}"><td>{escape(it.label)}</td>'
            f'<td class="num" data-label="Mean">{escape(format_item(s.mean, it))}</td>{cells}'
            f'<td class="num" data-label="n/a">{s.na_share:.1%}</td></tr>'
        )
    probs = "".join(
        f"<li>{escape(p.label)}: <strong>{p.p:.1%}</strong> (SE {p.se:.1%})</li>"
        for p in result.probabilities
    )
    drivers = "".join(
        f'<tr class="{"cited" if d.cited else "illustrative"}"><td>{escape(d.label)}<br>'
        f'<code>{escape(d.key)}</code></td><td class="num">{d.rho:+.3f}</td>'
        f"<td>{'cited' if d.cited else 'illustrative'}</td></tr>"
        for d in result.drivers[:10]
    )
    warnings = "".join(f'<p class="warning">{escape(w)}</p>' for w in result.warnings)
    method = {"lhs": "Latin hypercube", "sobol": "Sobol"}[result.method]
    return (
        '<section id="risk" aria-label="Risk">'
        "<h2>Risk (Monte Carlo)</h2>"
        f"<p>{result.draws:,} draws ({method}, seed {result.seed}) of the "
        f"{len(result.inputs)} assumptions with a distribution.</p>{warnings}"
        f'<figure id="figure-risk">{svgs[0]}\n{svgs[1]}'
        f"<figcaption>{escape(item.label)}: share of draws per bin and cumulative share, "
        "P5, P50 and P95 marked</figcaption></figure>"
        '<div class="table-wrap"><table id="risk-table" class="reflow"><thead><tr>'
        f'<th>Metric</th><th class="num">Mean</th>{head}<th class="num">n/a</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
        f'<h3>Probabilities</h3><ul id="risk-probabilities">{probs}</ul>'
        f"<h3>Drivers of {escape(item.label.lower())}</h3>"
        '<table id="risk-drivers"><thead><tr><th>Assumption</th><th class="num">'
        "Rank correlation</th><th>Basis</th></tr></thead>"
        f"<tbody>{drivers}</tbody></table></section>"
    )


def analysis_sections(
    scenario: Scenario, t: Tornado | None = None, risk: RiskResult | None = None
) -> Markup:
    """The sensitivity section (``t``, default: the tornado of the model's
    default metric) and the risk section when ``risk`` is given."""
    t = summary_tornado(scenario) if t is None else t
    parts = [] if t is None else [_tornado_section(scenario, t)]
    if risk is not None:
        parts.append(_risk_section(risk))
    return Markup("\n".join(parts))
