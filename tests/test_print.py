"""Workbooks an analyst prints and hands on: page setup, a readable Model
sheet, the master check on every sheet, and files Excel opens without repair.

The print tests export every seed workbook to PDF with LibreOffice headless,
count the pages of each sheet (the footer names the sheet: ``Model · page 2
of 9``), look for cells printed as ``###``, and render every page to PNG
under pytest's temporary folder (kept as artefacts: the path is printed).

Page targets: Cover 1; Assumptions 2 for a project and 1 for a national
model (landscape, one page wide and at most two tall, the header row
repeated: a project has 63 inputs since issue 11); Results 1 and Checks at most
2 (fit to the page width; a project's nine plug-back checks and 63 range
warnings); Instruments at most 2; Solves at most 6 (its blocks print
folded); Charts one page per chart; Model exactly the pages its manual
breaks make (year blocks across x section-aware row blocks down, at most 12:
the derived blocks moved to Solves), so LibreOffice added no break of its
own: the row labels and the year header repeat on every page.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string
from openpyxl.worksheet.worksheet import Worksheet

import econ
from econ.analysis.instruments import with_comparison
from econ.display import header_unit
from econ.excel import write_workbook
from econ.excel.layout import (
    CHART_COLS,
    CHART_PAGE_ROWS,
    FORMULA_MAX,
    SCREEN_GRID_PX,
    TITLE_MAX,
    VALIDATION_TEXT_MAX,
    check_name,
    col_px,
    fit_text,
)
from econ.excel.recalc import find_soffice, recalculate_many
from econ.excel.writer import FIRST_COL, PERIOD_ROW, SHEET_NAMES, YEAR_ROW

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").glob("*.toml"))
CI = os.environ.get("CI", "").lower() == "true"


#: Pages of the Assumptions sheet per seed, measured (LibreOffice PDF export).
ASSUMPTION_PAGES = {
    "acron_murmansk": 2,
    "afrikanda": 2,
    "cam_plant": 2,
    "magnets_plant": 2,
    "national_2030_target": 1,
    "national_ree_gap": 1,
    "polar_lithium": 2,
    "solikamsk_separation": 2,
    "tomtor_rare_earths": 2,
}


def _need(tool: str | None, message: str) -> str:
    if tool is None:
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    return tool


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("print")
    out = {}
    for seed in SEEDS:
        sc = with_comparison(econ.load_scenario(seed))  # as `econ build` writes it
        out[sc.name] = write_workbook(sc, econ.evaluate(sc), folder / f"{sc.name}.xlsx")
    return out


def _visible(wb: openpyxl.Workbook) -> list[str]:
    """The sheets a workbook prints, in order (Instruments and Solves where
    the model has them)."""
    names = [n for n in wb.sheetnames if wb[n].sheet_state == "visible"]
    assert set(names) <= set(SHEET_NAMES), names
    return names


@pytest.fixture(scope="module")
def printed(
    built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[str]]:
    """Every seed workbook exported to PDF by LibreOffice: the text of each
    page (``pdftotext -layout``); the pages rendered to PNG beside the PDFs."""
    _need(find_soffice(), "LibreOffice is missing: apt-get install libreoffice-calc-nogui")
    pdftotext = _need(
        shutil.which("pdftotext"), "pdftotext is missing: apt-get install poppler-utils"
    )
    pdftoppm = _need(shutil.which("pdftoppm"), "pdftoppm is missing: apt-get install poppler-utils")
    out = tmp_path_factory.mktemp("pdf")
    recalculate_many(list(built.values()), out, timeout=300, to="pdf")
    pages = {}
    for name in built:
        pdf = out / f"{name}.pdf"
        assert pdf.exists(), f"LibreOffice wrote no PDF for {name}"
        text = subprocess.run(
            [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        pages[name] = text.split("\f")[:-1]
        subprocess.run([pdftoppm, "-r", "40", "-png", str(pdf), str(out / name)], check=True)
        assert len(list(out.glob(f"{name}-*.png"))) == len(pages[name])
    print(f"PDFs and page images: {out}")
    return pages


def _sheet_of(page: str) -> str:
    m = re.search(r"(\w+) \u00b7 page \d+ of \d+", page)
    assert m, f"a page without the sheet footer: {page[-300:]!r}"
    return m.group(1)


def _breaks(ws: Worksheet) -> tuple[list[int], list[int]]:
    return [b.id for b in ws.row_breaks.brk], [b.id for b in ws.col_breaks.brk]


# ---------------------------------------------------------------------------
# item 1: print-ready
# ---------------------------------------------------------------------------


@pytest.mark.libreoffice
@pytest.mark.slow
def test_pages_per_sheet(built: dict[str, Path], printed: dict[str, list[str]]) -> None:
    for name, path in built.items():
        counts = Counter(_sheet_of(p) for p in printed[name])
        wb = openpyxl.load_workbook(path)
        visible = _visible(wb)
        rows, cols = _breaks(wb["Model"])
        expected_model = (len(rows) + 1) * (len(cols) + 1)
        n_charts = len(wb["Charts"]._charts)
        wb.close()
        assert counts["Cover"] == 1, (name, counts)
        # Assumptions, one landscape page wide and at most two tall (issue 12;
        # it printed on 3 before): a project's 63 inputs (since issue 11),
        # their conversions and the constants are ~90 rows, more than one
        # page holds at a readable scale, so 2; a national model's 11 inputs
        # fit one page at the width's scale.
        assert counts["Assumptions"] == ASSUMPTION_PAGES[name], (name, counts)
        assert counts["Results"] == 1 and 1 <= counts["Checks"] <= 2, (name, counts)
        assert counts["Charts"] == n_charts, (name, counts)
        # back to <= 12 pages: the plug-back blocks, the no-support variant and the
        # instruments' yearly rows are on the Solves sheet (issue 12), folded
        assert counts["Model"] == expected_model <= 12, (name, counts)
        if "Solves" in visible:  # its blocks print folded: section headers and scalars
            assert 1 <= counts["Solves"] <= 6, (name, counts)
        if "Instruments" in visible:
            assert 1 <= counts["Instruments"] <= 2, (name, counts)
        assert set(counts) == set(visible), (name, counts)
        # the sheets print in order, and the hidden metadata sheet does not print
        order = [_sheet_of(p) for p in printed[name]]
        assert list(dict.fromkeys(order)) == visible


@pytest.mark.libreoffice
@pytest.mark.slow
def test_no_cell_prints_as_hashes(printed: dict[str, list[str]]) -> None:
    for name, pages in printed.items():
        bad = [i + 1 for i, page in enumerate(pages) if "###" in page]
        assert not bad, f"{name}: '###' on pages {bad}"


@pytest.mark.libreoffice
@pytest.mark.slow
def test_row_labels_and_years_repeat_on_every_model_page(
    built: dict[str, Path], printed: dict[str, list[str]]
) -> None:
    for name, path in built.items():
        wb = openpyxl.load_workbook(path, read_only=False)
        ws = wb["Model"]
        first_label = next(
            str(ws.cell(r, 1).value)
            for r in range(PERIOD_ROW + 3, ws.max_row)
            if ws.cell(r, FIRST_COL + 1).data_type == "f"
        )
        wb.close()
        model_pages = [p for p in printed[name] if _sheet_of(p) == "Model"]
        for i, page in enumerate(model_pages):
            assert "Line item" in page and "Unit" in page, (name, i)
            assert re.search(r"\b20\d\d\b", page), (name, i)
        # the first page across of the first block of rows carries the labels
        assert all(first_label.split()[0] in p for p in model_pages[:1]), name


def test_every_sheet_has_a_page_setup(built: dict[str, Path]) -> None:
    for path in built.values():
        wb = openpyxl.load_workbook(path)
        for name in _visible(wb):
            ws = wb[name]
            assert ws.page_setup.paperSize in (9, "9"), name
            assert ws.page_setup.orientation in ("portrait", "landscape"), name
            header, footer = ws.oddHeader, ws.oddFooter
            assert header.left.text and header.right.text, name  # title, scenario
            assert "&A" in (footer.center.text or ""), name  # sheet
            assert "&P" in (footer.center.text or ""), name  # page
            assert "&D" in (footer.right.text or ""), name  # date printed
            fits = ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage
            assert fits or ws.page_setup.scale or name == "Charts", name  # Charts: 100 %
        ws = wb["Assumptions"]  # one page wide, at most two tall, the header repeated
        assert ws.page_setup.fitToWidth in (1, "1", None) and ws.page_setup.fitToHeight in (2, "2")
        assert ws.print_title_rows == "$6:$6"
        for name in ("Model", "Solves"):
            if name in wb.sheetnames:
                ws = wb[name]
                assert ws.page_setup.orientation == "landscape"
                assert ws.print_title_cols == "$A:$I" and ws.print_title_rows == "$4:$5"
        wb.close()


def test_charts_sit_one_to_a_page(built: dict[str, Path]) -> None:
    """Every chart lies between two page breaks and within the printed
    columns of the Charts sheet (LibreOffice draws a chart over the cells of
    its anchor), so no chart is split across pages."""
    for name, path in built.items():
        wb = openpyxl.load_workbook(path)
        ws = wb["Charts"]
        rows, _ = _breaks(ws)
        bounds = [0, *rows, 10**6]
        area = str(ws.print_area).split("!")[-1].replace("$", "")
        last_col = column_index_from_string(re.sub(r"\d", "", area.split(":")[1]))
        assert last_col == CHART_COLS
        wb.close()
        with zipfile.ZipFile(path) as z:
            drawing = next(
                z.read(n).decode()
                for n in z.namelist()
                if n.startswith("xl/drawings/drawing") and n.endswith(".xml")
            )
        anchors = re.findall(
            r"<xdr:from><xdr:col>(\d+)</xdr:col>.*?<xdr:row>(\d+)</xdr:row>.*?</xdr:from>"
            r"<xdr:to><xdr:col>(\d+)</xdr:col>.*?<xdr:row>(\d+)</xdr:row>",
            drawing,
        )
        assert anchors, name
        for c0, r0, c1, r1 in (tuple(map(int, a)) for a in anchors):
            page = max(i for i, b in enumerate(bounds) if b <= r0)
            assert r1 < bounds[page + 1], (name, r0, r1, rows)
            assert r1 - r0 < CHART_PAGE_ROWS and c0 == 0 and c1 < CHART_COLS, (name, c1)


# ---------------------------------------------------------------------------
# item 4: a readable Model sheet
# ---------------------------------------------------------------------------


def _width(ws: Worksheet, col: int) -> tuple[float, bool]:
    """Width and hidden flag of a column (openpyxl groups ranges by first letter)."""
    for dim in ws.column_dimensions.values():
        if dim.min and dim.max and dim.min <= col <= dim.max:
            return float(dim.width or 8.43), bool(dim.hidden)
    return 8.43, False


def test_ten_years_visible_on_a_1366_px_screen(built: dict[str, Path]) -> None:
    for name, path in built.items():
        wb = openpyxl.load_workbook(path)
        ws = wb["Model"]
        frozen = 0
        for c in range(1, FIRST_COL + 1):
            w, hidden = _width(ws, c)
            frozen += 0 if hidden else col_px(w)
        year, hidden = _width(ws, FIRST_COL + 1)
        assert not hidden
        visible = (SCREEN_GRID_PX - frozen) // col_px(year)
        assert visible >= 10, (name, frozen, year, visible)
        assert ws.freeze_panes == "J6"
        wb.close()


def test_model_sections_outline_totals_and_units(built: dict[str, Path]) -> None:
    for name, path in built.items():
        sc = econ.load_scenario(ROOT / "seeds" / f"{name}.toml")
        model = sc.model
        wb = openpyxl.load_workbook(path)
        ws = wb["Model"]
        assert ws.sheet_properties.outlinePr.summaryBelow is False
        assert ws.cell(YEAR_ROW + 1, 4).value == "Total"
        rows = {
            str(ws.cell(r, 3).value): r
            for r in range(PERIOD_ROW + 2, ws.max_row + 1)
            if ws.cell(r, 3).value
        }
        headers = {
            str(ws.cell(r, 1).value)
            for r in range(PERIOD_ROW + 2, ws.max_row + 1)
            if ws.cell(r, 1).value and not ws.cell(r, 3).value
        }
        section_of_row: dict[int, str] = {}
        current = ""
        for r in range(PERIOD_ROW + 2, ws.max_row + 1):
            if ws.cell(r, 1).value and not ws.cell(r, 3).value:
                current = str(ws.cell(r, 1).value)
            section_of_row[r] = current
        derived = [i.key for i in model.items if i.shape == "series" and i.derived]
        if derived:  # plug-back blocks and variants: on the Solves sheet, folded
            solves = wb["Solves"]
            on_solves = {
                str(solves.cell(r, 3).value): r for r in range(PERIOD_ROW + 2, solves.max_row + 1)
            }
            for key in derived:
                assert key not in rows and key in on_solves, (name, key)
                assert solves.row_dimensions[on_solves[key]].hidden, (name, key)
        for item in model.items:
            if item.shape != "series" or item.derived:
                continue
            r = rows[item.key]
            # under its section's header, folded by the outline
            assert section_of_row[r] == (item.section or "Workings"), (name, item.key)
            assert ws.row_dimensions[r].outlineLevel == 1, (name, item.key)
            # the unit once: in column B, not again in the cells' number format
            shown = header_unit(item.unit, item.display)  # the display policy's unit
            assert ws.cell(r, 2).value == shown
            code = ws.cell(r, FIRST_COL + 1).number_format
            literals = "".join(re.findall(r'"([^"]*)"', code))
            assert item.unit not in literals and f" {item.unit}" not in literals, code
            # a total beside the timeline exactly for yearly amounts
            total = ws.cell(r, 4).value
            if item.unit.endswith("/yr"):
                assert total == f"=SUM({item.key})", (name, item.key, total)
            else:
                assert total is None, (name, item.key, total)
        sections = {i.section for i in model.items if i.shape == "series" and not i.derived}
        assert sections - {""} <= headers
        # rows of one section are contiguous: each header appears once
        names = [
            str(ws.cell(r, 1).value)
            for r in range(PERIOD_ROW + 2, ws.max_row + 1)
            if ws.cell(r, 1).value and not ws.cell(r, 3).value
        ]
        assert len(names) == len(set(names)), names
        wb.close()


# ---------------------------------------------------------------------------
# item 5 (layout): the master check as a word, contents, caveats in full
# ---------------------------------------------------------------------------


def test_master_check_word_on_every_sheet(built: dict[str, Path]) -> None:
    for name, path in built.items():
        wb = openpyxl.load_workbook(path)
        values = openpyxl.load_workbook(path, data_only=True)
        for sheet in _visible(wb):
            cells = [
                c
                for row in wb[sheet].iter_rows(max_row=12)
                for c in row
                if c.data_type == "f" and "master_check" in str(c.value)
            ]
            assert len(cells) == 1, (name, sheet)
            cell = cells[0]
            assert cell.value == '=IF(master_check=1,"OK","ERRORS")'
            assert values[sheet][cell.coordinate].value == "OK", (name, sheet)
            rules = [
                r
                for rng in wb[sheet].conditional_formatting
                for r in rng.rules
                if cell.coordinate in str(rng.sqref)
            ]
            assert rules and rules[0].formula == ['"OK"'], (name, sheet)
            assert cell.fill.fgColor.rgb.endswith("FFC7CE")  # red unless OK
        wb.close()
        values.close()


def test_cover_contents_links_and_caveats_in_full(built: dict[str, Path]) -> None:
    for name, path in built.items():
        sc = econ.load_scenario(ROOT / "seeds" / f"{name}.toml")
        wb = openpyxl.load_workbook(path)
        ws = wb["Cover"]
        links = {
            c.value: c.hyperlink.location for row in ws.iter_rows() for c in row if c.hyperlink
        }
        assert links == {s: f"'{s}'!A1" for s in _visible(wb)[1:]}, links
        found = [c for row in ws.iter_rows() for c in row if c.value == sc.description]
        assert found, name
        cell = found[0]
        assert cell.alignment.wrap_text
        height = ws.row_dimensions[cell.row].height or 15
        width, _ = _width(ws, cell.column)
        chars_per_line = width * 1.1
        assert height >= 15 * len(sc.description) / chars_per_line / 1.2, (name, height)
        for warning in sc.warnings:
            assert any(c.value == warning for row in ws.iter_rows() for c in row)
        wb.close()


# ---------------------------------------------------------------------------
# item 11: opens without repair
# ---------------------------------------------------------------------------


def test_excel_limits_where_the_writer_emits_them(built: dict[str, Path]) -> None:
    for name, path in built.items():
        sc = econ.load_scenario(ROOT / "seeds" / f"{name}.toml")
        labels = {spec.label for spec in sc.model.inputs}
        wb = openpyxl.load_workbook(path)
        for dv in wb["Assumptions"].data_validations.dataValidation:
            title = dv.promptTitle or ""
            assert len(title) <= TITLE_MAX
            # the label whole, or cut at a word boundary with an ellipsis
            assert title in labels or (
                title.endswith("…")
                and any(
                    lab.startswith(title[:-1]) and lab[len(title) - 1] in " ,;:-(" for lab in labels
                )
            ), title
            for text in (dv.prompt, dv.error, dv.formula1, dv.formula2):
                assert text is None or len(text) <= VALIDATION_TEXT_MAX, (name, text)
        for dn in wb.defined_names:
            check_name(dn)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if c.data_type == "f":
                        assert len(str(c.value)) < FORMULA_MAX
            for hf in (ws.oddHeader, ws.oddFooter):
                text = "".join(
                    f"&{k[0].upper()}{part.text}"
                    for k, part in (("left", hf.left), ("center", hf.center), ("right", hf.right))
                    if part.text
                )
                assert len(text) <= 255
        wb.close()


def test_titles_are_cut_at_a_word_boundary() -> None:
    assert fit_text("Breakeven subsidy at the discount rate", 32) == "Breakeven subsidy at the…"
    assert len(fit_text("x" * 40, 32)) == 32
    with pytest.raises(ValueError, match="cell reference"):
        check_name("CO2")
    with pytest.raises(ValueError, match="cell reference"):
        check_name("R1C1")


def test_workbooks_pass_ooxml_validation(built: dict[str, Path], tmp_path: Path) -> None:
    audit = pytest.importorskip("openxml_audit") if not CI else __import__("openxml_audit")
    validator = audit.OpenXmlValidator(max_errors=100)
    for name, path in built.items():
        result = validator.validate(str(path))
        errors = [f"{e.part_uri} {e.path}: {e.description}" for e in result.errors]
        assert result.is_valid and not errors, (name, errors[:10])
    # the validator does look: a sheet with an element out of schema order fails
    src = next(iter(built.values()))
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData><bogus/>", 1)
            zout.writestr(item, data)
    assert not validator.validate(str(bad)).is_valid
