"""The one display policy (econ.display): text, Excel formats, and who uses it.

Expected values come from the rules stated in econ/display.py's docstring
(money scaled to k/M/bn, three significant digits, half away from zero,
negatives in brackets, percent with one decimal, years bare, n/a in the
item's words), applied by hand to the numbers written here.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from econ.display import NumberStyle, axis_format, format_item, format_value, header_unit
from econ.excel.styles import number_format as styles_number_format
from econ.model.definition import MODELS
from tests.conftest import ROOT

NAN = math.nan

CASES = [
    # value, unit, display, na_text, expected text: the rule that gives it
    (-47_362_518.4, "USD", "auto", "n/a", "(47.4) M USD"),  # M, 3 sig. digits, brackets
    (743_955_362.7, "USD", "auto", "n/a", "744 M USD"),  # 743.96 M -> 0 decimals
    (60e9, "RUB", "auto", "n/a", "60.0 bn RUB"),  # bn, 2 digits before the point -> 1
    (21_250_000.0, "USD/yr", "auto", "n/a", "21.3 M USD/yr"),  # 21.25 half up, as Excel
    (1_600.0, "USD", "auto", "n/a", "1.60 k USD"),  # k
    (0.0, "USD", "auto", "n/a", "0 USD"),  # zero: nothing to scale, no decimals
    (8.5, "USD/kg", "auto", "n/a", "8.50 USD/kg"),  # prices: 2 decimals, unscaled
    (-1.9, "USD/kg", "auto", "n/a", "(1.90) USD/kg"),
    (80.65, "RUB/USD", "auto", "n/a", "80.65 RUB/USD"),
    (0.7391, "1", "percent", "n/a", "73.9%"),
    (-0.19, "1", "percent", "n/a", "(19.0%)"),
    (2041.0, "year", "auto", "n/a", "2041"),  # a year has no thousands separator
    (35.0097, "yr", "auto", "n/a", "35.0 yr"),
    (16_974.6, "t/yr", "auto", "n/a", "16,975 t/yr"),  # separators, no decimals >= 100
    (0.25, "1", "auto", "n/a", "0.250"),  # a plain factor: 3 significant digits
    (1.0, "1", "flag", "n/a", "pass"),
    (0.0, "1", "flag", "n/a", "FAIL"),
    (NAN, "year", "auto", "not within the horizon", "not within the horizon"),
    (NAN, "yr", "auto", "no subsidy needed", "no subsidy needed"),
]


@pytest.mark.parametrize(("value", "unit", "display", "na", "expected"), CASES)
def test_format_value_follows_the_rules(
    value: float, unit: str, display: str, na: str, expected: str
) -> None:
    assert format_value(value, unit, display, na) == expected


def test_a_column_reads_in_one_scale() -> None:
    """The largest magnitude picks the scale and the decimals of every cell."""
    style = NumberStyle.for_values("USD", "auto", [4.13e6, 94.2e6, 431.4e6, NAN])
    assert style.header_unit == "M USD"
    assert [style.number(v) for v in (4.13e6, 94.2e6, 431.4e6)] == ["4", "94", "431"]
    assert style.number(NAN) == "n/a"
    assert style.excel == "#,##0,,;(#,##0,,)"  # the same scale and decimals in Excel


def test_excel_formats_of_the_policy() -> None:
    assert styles_number_format("USD") == "#,##0.0,,;(#,##0.0,,)"  # M USD, one decimal
    assert header_unit("USD") == "M USD" and header_unit("RUB/yr") == "bn RUB/yr"
    assert styles_number_format("1", "percent") == "0.0%;(0.0%)"
    assert styles_number_format("year") == "0"
    assert axis_format("USD") == '#,##0,,"M";(#,##0,,"M")'


def test_workbook_styles_delegate_to_the_policy() -> None:
    """Every unit and display of every model: econ.excel.styles gives what
    econ.display gives."""
    from econ.display import number_format

    seen = {
        (x.unit, x.display)
        for model in MODELS.values()
        for x in (*model.inputs, *model.constants, *model.items)
    }
    assert len(seen) > 8
    for unit, display in seen:
        assert styles_number_format(unit, display) == number_format(unit, display)


def test_format_item_uses_the_items_metadata() -> None:
    model = MODELS["project"]
    irr = model.item("project_irr")
    assert irr.display == "percent" and irr.na_text == "none (no sign change)"
    assert format_item(NAN, irr) == "none (no sign change)"
    assert format_item(0.016, irr) == "1.6%"


@pytest.mark.libreoffice
def test_excel_shows_what_the_text_says(tmp_path: Path) -> None:
    """LibreOffice renders each Excel format of the policy to the same text
    as NumberStyle.number (the CSV export writes cells as shown)."""
    import csv

    import xlsxwriter

    from econ.excel.recalc import find_soffice

    cases = [
        (NumberStyle.for_values("USD", "auto", [v]), v)
        for v in (-47_362_518.4, 743_955_362.7, 21_250_000.0, 1_600.0, 4.13e6, -12.0)
    ]
    cases += [(NumberStyle.for_values("1", "percent", [v]), v) for v in (0.7391, -0.19, 0.0165)]
    cases += [(NumberStyle.for_values("USD/kg", "auto", [v]), v) for v in (8.5, -1.905, 104.94)]
    cases += [(NumberStyle.for_values("t/yr", "auto", [v]), v) for v in (16_974.6, 2.345)]
    cases += [(NumberStyle.for_unit("RUB"), 6e10), (NumberStyle.for_unit("year"), 2041.0)]
    path = tmp_path / "formats.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    for r, (style, value) in enumerate(cases):
        ws.write_number(r, 0, value, wb.add_format({"num_format": style.excel}))
    wb.close()
    soffice = find_soffice()
    assert soffice is not None
    subprocess.run(
        [
            str(soffice),
            "--headless",
            "--convert-to",
            # UTF-8, comma separated, the 9th token: cell contents as shown
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with (tmp_path / "formats.csv").open(encoding="utf-8") as fh:
        shown = [row[0] for row in csv.reader(fh)]
    assert shown == [style.number(value) for style, value in cases]


def test_show_loads_neither_pandas_nor_pint() -> None:
    """`econ show` answers fast because it imports no heavy module it does
    not use (pandas for tables, pint for units a scenario does not need,
    jinja2 and xlsxwriter for files)."""
    code = (
        "import sys, econ.cli\n"
        f"econ.cli.main(['show', {str(ROOT / 'seeds' / 'magnets_plant.toml')!r}])\n"
        "heavy = ('pandas', 'pint', 'jinja2', 'xlsxwriter', 'openpyxl', 'scipy')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"
    # The magnets plant's NPV as the engine computes it, in the display policy.
    import econ

    scenario = econ.load_scenario(ROOT / "seeds" / "magnets_plant.toml")
    npv = float(econ.evaluate(scenario).metric("npv_usd")[0])
    expected = format_item(npv, scenario.model.item("npv_usd"))
    assert expected.startswith("(") and expected in out


@pytest.mark.parametrize(
    ("unit", "to"),
    [("bn RUB", "RUB"), ("MUSD", "USD"), ("MUSD/yr", "USD/yr"), ("kt/yr", "t/yr"), ("%", "1")],
)
def test_scaled_units_convert_as_pint_does(unit: str, to: str) -> None:
    """The pint-free path for scale words gives pint's own numbers."""
    from econ.units import _registry, _scaled, convert

    assert _scaled(unit, to) is not None
    ureg = _registry()
    for value in (60.0, 743.96, 0.1, 12.5, 19.9, 0.07, 3.3):
        expected = float(ureg.Quantity(value, unit).to(ureg.parse_units(to)).magnitude)
        assert convert(value, unit, to) == expected
