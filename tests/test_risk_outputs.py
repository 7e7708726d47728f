"""The analysis outputs: the tornado in every HTML summary, and the
Sensitivity and Risk sheets and sections of ``econ risk -o``.

Expected values: :func:`econ.analysis.sensitivity.tornado` and
:func:`econ.analysis.montecarlo.run_risk` with the same seed, compared with
what the files show (the renderers never recompute).
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

import econ
from econ.analysis.montecarlo import run_risk
from econ.analysis.sensitivity import tornado
from econ.cli import main
from econ.report.html import render_summary
from tests.conftest import SEEDS


def test_every_summary_draws_the_tornado_of_its_default_metric() -> None:
    sc = econ.load_scenario(SEEDS / "national_ree_gap.toml")
    html = render_summary(sc, econ.evaluate(sc))
    t = tornado(sc)
    assert 'id="chart-tornado"' in html and 'id="chart-tornado-narrow"' in html
    shown = re.findall(r'<tr class="\w+" data-key="(\w+)">.*?data-value="([^"]+)"', html)
    swings = {k: float(v) for k, v in shown if k in {r.key for r in t.rows}}
    assert swings
    for r in t.rows[: len(swings)]:
        assert swings[r.key] == r.swing


def test_risk_output_writes_sensitivity_and_risk_sheets_and_sections(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = SEEDS / "magnets_plant.toml"
    assert main(["risk", str(path), "-n", "500", "--seed", "3", "-q", "-o", str(tmp_path)]) == 0
    capsys.readouterr()
    result = run_risk(econ.load_scenario(path), 500, 3)
    wb = openpyxl.load_workbook(tmp_path / "magnets_plant.xlsx")
    assert {"Sensitivity", "Risk"} <= set(wb.sheetnames)
    risk = wb["Risk"]
    rows = {risk.cell(r, 1).value: r for r in range(1, risk.max_row + 1)}
    npv = result.stats["npv_usd"]
    label = result.scenario.model.item("npv_usd").label
    r = rows[label]
    assert risk.cell(r, 3).value == pytest.approx(npv.mean, rel=1e-14)  # 15 digits in xlsx
    assert risk.cell(r, 6).value == pytest.approx(npv.percentiles[50], rel=1e-14)
    assert "computed by econ from the named inputs" in str(wb["Sensitivity"]["A2"].value).lower()
    t = tornado(result.scenario)
    sens = wb["Sensitivity"]
    assert [sens.cell(7 + j, 1).value for j in range(len(t.rows))] == [x.key for x in t.rows]
    assert sens.cell(7, 9).value == pytest.approx(t.rows[0].swing, rel=1e-14)
    assert len(sens._charts) == 1
    html = (tmp_path / "magnets_plant.html").read_text()
    assert 'id="chart-risk"' in html and 'class="cdf"' in html
    assert html.count('class="mark"') == 2 * 3  # P5, P50, P95 on both sizes
