"""Edit the Assumptions sheet, rebuild, lose nothing (issue 5).

Expected values come from the engine evaluating the edited scenario
independently of the workbook; bad files are generated here, not committed.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import econ
from econ.build import build_scenario
from econ.cli import main
from econ.excel.reader import read_workbook
from tests.conftest import SEEDS
from tests.test_excel import typed_factor


def _built(tmp_path: Path, seed: str = "national_ree_gap") -> Path:
    sc = econ.load_scenario(SEEDS / f"{seed}.toml")
    build_scenario(sc, tmp_path)
    return tmp_path / f"{seed}.xlsx"


def _cell_of(path: Path, key: str) -> str:
    wb = openpyxl.load_workbook(path)
    meta = {r[0]: r[1] for r in wb["_econ"].iter_rows(min_row=2, values_only=True)}
    return str(meta[f"input.{key}"]).split("!")[1].replace("$", "")


def _edit(path: Path, **values: object) -> None:
    """Type values (in the model's unit) into their cells, in the unit each
    row states (300e6 USD is typed 300 in a row in M USD)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Assumptions"]
    for key, value in values.items():
        cell = ws[_cell_of(path, key)]
        factor = typed_factor(ws[f"D{cell.row}"].value)
        cell.value = value / factor if isinstance(value, float | int) else value
    wb.save(path)


def _same_as_edited(read: econ.Scenario, original: econ.Scenario, **values: object) -> None:
    """``read`` holds ``values`` (and the original values elsewhere); every
    edited value lost its citation for "edited in the workbook (was ...)",
    every other assumption kept its source."""
    expected = original.with_values(**values)  # type: ignore[arg-type]
    assert {k: a.value for k, a in read.assumptions.items()} == {
        k: a.value for k, a in expected.assumptions.items()
    }
    for key, a in read.assumptions.items():
        before = original.assumptions[key]
        if a.value == before.value or (a.default and before.default):
            # unchanged, or a documented default that follows the input it copies
            assert a.source == before.source, key
        else:
            assert a.source.edited and not a.source.cited, key
            assert a.source.text().startswith("Edited in the workbook (was "), key
            if before.source.cited:  # the publication, never its figure as the new source
                cited = f"cited: {before.source.publication}, {before.source.date})"
                assert a.source.text().endswith(cited), key
                assert before.source.figure not in a.source.text(), key


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_reading_an_unedited_workbook_gives_the_scenario(tmp_path: Path) -> None:
    path = _built(tmp_path)
    got = read_workbook(path)
    assert got.scenario == got.original == econ.load_scenario(SEEDS / "national_ree_gap.toml")
    assert got.warnings == ()


def test_edit_rebuild_in_place_keeps_a_backup_and_reports_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _built(tmp_path)
    _edit(path, benchmark_cost_usd_per_kg=12.5, consumption_t_per_yr=2000)
    edited_bytes = path.read_bytes()
    assert main(["build", str(path)]) == 0
    out = capsys.readouterr().out
    assert "edited benchmark_cost_usd_per_kg: 11.5 -> 12.5 USD/kg" in out
    assert "edited consumption_t_per_yr: 2500 -> 2000 t/yr" in out
    # engine on the edited scenario, computed independently of the workbook
    sc = econ.load_scenario(SEEDS / "national_ree_gap.toml").with_values(
        benchmark_cost_usd_per_kg=12.5, consumption_t_per_yr=2000.0
    )
    expected = econ.evaluate(sc).metric("ref_subsidy_usd_per_yr")[0]
    assert expected == pytest.approx((20 - 12.5) * 2000 * 1000)
    # the display policy: money in M, three significant digits
    assert "Annual subsidy that closes the gap: 21.3 M USD/yr -> 15.0 M USD/yr" in out
    backup = tmp_path / "national_ree_gap.edited-backup.xlsx"
    assert backup.read_bytes() == edited_bytes
    rebuilt = openpyxl.load_workbook(path, data_only=True)
    assert rebuilt["Assumptions"][_cell_of(path, "benchmark_cost_usd_per_kg")].value == 12.5
    _same_as_edited(
        read_workbook(path).scenario,
        econ.load_scenario(SEEDS / "national_ree_gap.toml"),
        benchmark_cost_usd_per_kg=12.5,
        consumption_t_per_yr=2000.0,
    )
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left


def test_output_folder_leaves_the_edited_file_alone(tmp_path: Path) -> None:
    path = _built(tmp_path)
    _edit(path, discount_rate=0.12)
    before = path.read_bytes()
    out = tmp_path / "out"
    assert main(["build", str(path), "-o", str(out)]) == 0
    assert path.read_bytes() == before
    assert (out / "national_ree_gap.xlsx").exists()
    assert not (tmp_path / "national_ree_gap.edited-backup.xlsx").exists()


def test_workbook_of_the_earlier_layout_reads_and_rebuilds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A project workbook from before the Instruments and Solves sheets (its
    derived blocks were on the Model sheet): the Assumptions sheet reads back
    the same, the rebuild adds the two sheets and says so once, instead of
    a warning for every cell that moved."""
    path = _built(tmp_path, "magnets_plant")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[5:7] == ["Instruments", "Solves"]
    del wb["Instruments"], wb["Solves"]
    old = tmp_path / "old" / "magnets_plant.xlsx"
    old.parent.mkdir()
    wb.save(old)
    read = read_workbook(old)
    assert read.scenario == read_workbook(path).scenario
    capsys.readouterr()
    assert main(["build", str(old), "-o", str(tmp_path / "out")]) == 0
    text = capsys.readouterr().out
    warnings = [line for line in text.splitlines() if "warning:" in line]
    assert len(warnings) == 1 and "'Instruments', 'Solves'" in warnings[0], warnings
    rebuilt = openpyxl.load_workbook(tmp_path / "out" / "magnets_plant.xlsx")
    assert {"Instruments", "Solves"} <= set(rebuilt.sheetnames)


def test_export_then_rebuild_is_a_fixed_point(tmp_path: Path) -> None:
    path = _built(tmp_path, "solikamsk_separation")
    _edit(path, capex_usd=300e6, tax_rate=0.2)
    toml = tmp_path / "edited.toml"
    assert main(["export", str(path), "-o", str(toml)]) == 0
    exported = econ.load_scenario(toml)
    assert exported.value("capex_usd") == 300e6
    assert exported.assumptions["capex_usd"].source.reason  # provenance kept
    a, b = tmp_path / "a", tmp_path / "b"
    build_scenario(exported, a)
    build_scenario(read_workbook(path).scenario, b)
    assert (a / "solikamsk_separation.xlsx").read_bytes() == (
        b / "solikamsk_separation.xlsx"
    ).read_bytes()


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_edits_within_bounds_round_trip(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    folder = tmp_path_factory.mktemp("prop")
    sc = econ.load_scenario(SEEDS / "solikamsk_separation.toml")
    path = _built(folder, "solikamsk_separation")
    keys = [k for k, a in sc.assumptions.items() if a.low is not None and a.high is not None]
    chosen = data.draw(st.lists(st.sampled_from(keys), min_size=1, max_size=4, unique=True))
    edits = {}
    for key in chosen:
        a = sc.assumptions[key]
        if sc.model.input(key).kind == "whole":  # whole years: the model counts them
            edits[key] = float(data.draw(st.integers(int(a.low), int(a.high))))  # type: ignore[arg-type]
        else:
            edits[key] = data.draw(st.floats(a.low, a.high, allow_nan=False))  # type: ignore[arg-type]
    _edit(path, **edits)
    # the value as the spreadsheet stored it (openpyxl keeps 16 significant digits)
    ws = openpyxl.load_workbook(path)["Assumptions"]
    factor = {key: typed_factor(ws[f"D{ws[_cell_of(path, key)].row}"].value) for key in edits}
    stored = {key: float(ws[_cell_of(path, key)].value) * factor[key] for key in edits}
    assert stored == pytest.approx(edits, rel=1e-15)
    edited = read_workbook(path).scenario
    _same_as_edited(edited, sc, **stored)
    toml = folder / "x.toml"
    assert main(["export", str(path), "-o", str(toml)]) == 0
    build_scenario(econ.load_scenario(toml), folder / "from_toml")
    build_scenario(edited, folder / "from_xlsx")
    name = "solikamsk_separation.xlsx"
    assert (folder / "from_toml" / name).read_bytes() == (folder / "from_xlsx" / name).read_bytes()


def _bad_value_cases() -> dict[str, tuple[object, str]]:
    return {
        "text": ("twenty", r"expected a number in USD/kg, found text 'twenty'"),
        "error": ("#REF!", r"found an error value #REF!"),
        "date": (dt.datetime(2025, 1, 1), r"found a date"),
        "empty": (None, r"found an empty cell"),
    }


@pytest.mark.parametrize("case", sorted(_bad_value_cases()))
def test_bad_values_name_file_cell_and_assumption(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    value, pattern = _bad_value_cases()[case]
    path = _built(tmp_path)
    _edit(path, domestic_cost_usd_per_kg=value)
    _assert_refused(
        path, tmp_path, capsys, f"Assumptions!{_cell_of(path, 'domestic_cost_usd_per_kg')}", pattern
    )


def test_value_outside_its_stated_range_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12: bounds are warnings; the data validation lets the analyst
    type past them, and the rebuild says so rather than refusing."""
    path = _built(tmp_path)
    _edit(path, domestic_cost_usd_per_kg=30.0)
    assert main(["build", str(path)]) == 0
    out = capsys.readouterr().out
    assert "warning: 'domestic_cost_usd_per_kg' value 30 lies outside its stated range " in out
    checks = openpyxl.load_workbook(path, data_only=True)["Checks"]
    words = {r[2]: r[3] for r in checks.iter_rows(values_only=True) if r[2]}
    assert words["bounds.domestic_cost_usd_per_kg"] == "outside range"
    assert words["bounds.benchmark_cost_usd_per_kg"] == "ok"


def _assert_refused(
    path: Path, folder: Path, capsys: pytest.CaptureFixture[str], where: str, pattern: str
) -> None:
    import re

    before = _files(folder)
    assert main(["build", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"econ: error: {path}: "), err
    assert where in err, err
    assert re.search(pattern, err), err
    assert "Traceback" not in err
    assert _files(folder) == before  # nothing written, nothing lost


def test_changed_unit_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _built(tmp_path)
    row = _cell_of(path, "consumption_t_per_yr")[1:]
    wb = openpyxl.load_workbook(path)
    wb["Assumptions"][f"D{row}"] = "kt/yr"
    wb.save(path)
    _assert_refused(
        path,
        tmp_path,
        capsys,
        f"Assumptions!D{row}",
        r"the unit must stay 't/yr', found text 'kt/yr'",
    )


def test_deleted_row_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _built(tmp_path)
    row = int(_cell_of(path, "learning_rate")[1:])
    wb = openpyxl.load_workbook(path)
    wb["Assumptions"].delete_rows(row - 1)
    wb.save(path)
    _assert_refused(
        path,
        tmp_path,
        capsys,
        "Assumptions!A",
        r"expected its key in this cell.*a row was deleted, moved or renamed",
    )


def test_renamed_sheet_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _built(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["Assumptions"].title = "Inputs"
    wb.save(path)
    _assert_refused(path, tmp_path, capsys, "Assumptions", r"deleted or renamed")


def test_foreign_workbook_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1  # type: ignore[index]
    wb.save(path)
    _assert_refused(path, tmp_path, capsys, "", r"not a workbook generated by econ")


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        (b"name = 'x'\n", r"not an xlsx workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, r"password-protected"),
    ],
    ids=["text", "encrypted"],
)
def test_non_xlsx_is_refused(
    content: bytes, pattern: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_bytes(content)
    _assert_refused(path, tmp_path, capsys, "", pattern)


def test_truncated_zip_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _built(tmp_path)
    data = path.read_bytes()
    for p in list(tmp_path.iterdir()):
        p.unlink()
    path.write_bytes(data[: len(data) // 2])
    _assert_refused(path, tmp_path, capsys, "", r"not an xlsx workbook|truncated or corrupt")


def _rezip(src: Path, dst: Path, replace: dict[str, bytes]) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.pop(info.filename, zin.read(info.filename)))
        for name, data in replace.items():
            zout.writestr(name, data)


def test_xml_entity_bomb_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _built(tmp_path / "src")
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{"&lol;" * 10 if i == 1 else f"&lol{i - 1};" * 10}">'.encode()
            for i in range(1, 10)
        )
        + b"]>"
    )
    with zipfile.ZipFile(good) as z:
        xml = z.read("xl/workbook.xml")
    xml = bomb + xml.split(b"?>", 1)[1].replace(b"<sheets>", b"<sheets>&lol9;", 1)
    path = tmp_path / "bomb.xlsx"
    _rezip(good, path, {"xl/workbook.xml": xml})
    shutil.rmtree(tmp_path / "src")
    _assert_refused(path, tmp_path, capsys, "", r"entities \(possible entity bomb\)")


def test_zip_bomb_is_refused_before_decompressing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _built(tmp_path / "src")
    path = tmp_path / "zipbomb.xlsx"
    _rezip(good, path, {"xl/media/padding.bin": b"\0" * (8 * 1024 * 1024)})
    shutil.rmtree(tmp_path / "src")
    _assert_refused(path, tmp_path, capsys, "xl/media/padding.bin", r"possible zip bomb")


def test_huge_sheet_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _built(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["Assumptions"].cell(20_001, 1, "x")
    wb.save(path)
    _assert_refused(path, tmp_path, capsys, "Assumptions", r"refused: 20,001 rows")


def test_unsupported_edits_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _built(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("My notes")
    model = wb["Model"]
    formula_cell = next(
        c.coordinate
        for row in model.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=")
    )
    model[formula_cell] = "=1+1"
    wb["Assumptions"]["B7"].comment = openpyxl.comments.Comment("check this", "analyst")
    wb.save(path)
    assert main(["build", str(path)]) == 0
    out = capsys.readouterr().out
    assert "warning: sheet 'My notes' was added" in out
    assert "warning: Assumptions!B7: a comment is not carried over" in out
    assert f"warning: Model!{formula_cell}: formula changed" in out
    assert (tmp_path / "national_ree_gap.edited-backup.xlsx").exists()


@pytest.mark.libreoffice
def test_edit_saved_by_libreoffice_rebuilds_and_recalculates_to_the_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The analyst's loop through a real spreadsheet application: the edited
    workbook is saved by LibreOffice (headless), econ reads it back and
    rebuilds it, and LibreOffice's full recalculation of the rebuilt file
    equals the engine on the edited scenario."""
    from econ.excel.recalc import find_soffice, recalculate
    from tests.test_excel import compare_to_engine

    if find_soffice() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice is required under CI=true")
        pytest.skip("LibreOffice missing: apt-get install libreoffice-calc-nogui")
    path = _built(tmp_path / "edit", "solikamsk_separation")
    _edit(path, benchmark_cost_usd_per_kg=13.0, capex_usd=200e6)
    saved = recalculate(path, tmp_path / "lo")  # LibreOffice opens, recalculates, saves xlsx
    assert main(["build", str(saved)]) == 0
    assert "edited capex_usd: 2.3e+08 -> 2e+08 USD" in capsys.readouterr().out
    expected = econ.load_scenario(SEEDS / "solikamsk_separation.toml").with_values(
        benchmark_cost_usd_per_kg=13.0, capex_usd=200e6
    )
    _same_as_edited(
        read_workbook(saved).scenario,
        econ.load_scenario(SEEDS / "solikamsk_separation.toml"),
        benchmark_cost_usd_per_kg=13.0,
        capex_usd=200e6,
    )
    again = recalculate(saved, tmp_path / "again")
    assert compare_to_engine(again, econ.evaluate(expected)) == []


def test_inputs_are_typed_in_the_unit_shown(tmp_path: Path) -> None:
    """Issue 12 item 3: the budget cell holds 60 beside "bn RUB" (the
    article's "60 billion rubles"), its bounds and validation prompt are in
    bn RUB, and the conversion to rubles is a live formula row whose factor
    sits in a visible cell; typing 70 means 70 bn RUB."""
    path = _built(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Assumptions"]
    cell = ws[_cell_of(path, "budget_rub")]
    row = cell.row
    assert (cell.value, ws[f"D{row}"].value) == (60, "bn RUB")
    assert (ws[f"E{row}"].value, ws[f"F{row}"].value) == (30, 120)
    prompt = next(v for v in ws.data_validations.dataValidation if cell.coordinate in v.sqref)
    assert "between 30 and 120 bn RUB" in (prompt.prompt or "")
    assert (float(prompt.formula1), float(prompt.formula2)) == (30, 120)
    # the named input is the conversion row: typed value x factor
    dest = next(iter(wb.defined_names["budget_rub"].destinations))
    conv = ws[dest[1].replace("$", "")]
    factor_cell = conv.value.split("*")[1].replace("$", "")
    assert conv.value == f"=C{row}*${factor_cell[0]}${factor_cell[1:]}"
    assert ws[factor_cell].value == 1e9 and conv.row > row
    assert ws[f"D{conv.row}"].value == "RUB" and ws[f"A{conv.row}"].value == "budget_rub"
    # percentages are typed as percentages (the spreadsheet stores 10% as 0.1)
    rate = ws[_cell_of(path, "discount_rate")]
    assert (rate.value, ws[f"D{rate.row}"].value, rate.number_format) == (
        0.1,
        "%",
        "0.0%;(0.0%)",
    )
    wb.close()
    _edit(path, budget_rub=70e9)
    assert openpyxl.load_workbook(path)["Assumptions"][cell.coordinate].value == 70
    edited = read_workbook(path).scenario
    assert edited.value("budget_rub") == 70e9
    expected = econ.evaluate(
        econ.load_scenario(SEEDS / "national_ree_gap.toml").with_values(budget_rub=70e9)
    )
    assert econ.evaluate(edited).scalars()["budget_total_usd"] == pytest.approx(70e9 / 80.65)
    assert econ.evaluate(edited).scalars() == pytest.approx(expected.scalars(), nan_ok=True)


def test_an_edited_value_never_keeps_its_citation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12 item 7: domestic cost 20 -> 16 in the workbook; the rebuilt
    workbook, the HTML and the exported TOML call it edited, name what it
    was and the publication, and no longer quote the article's "$20 per
    kilogram" as its source."""
    path = _built(tmp_path)
    _edit(path, domestic_cost_usd_per_kg=16.0)
    toml = tmp_path / "edited.toml"
    assert main(["export", str(path), "-o", str(toml)]) == 0
    assert main(["build", str(path)]) == 0
    capsys.readouterr()
    was = (
        "Edited in the workbook (was 20.00 USD/kg; cited: Trade news quoting Andrey Trenin, "
        "head of the Afrikand developer, 2025)"
    )
    figure = "Russian REM costing $20 per kilogram to produce"
    ws = openpyxl.load_workbook(path)["Assumptions"]
    row = ws[_cell_of(path, "domestic_cost_usd_per_kg")].row
    assert (ws[f"C{row}"].value, ws[f"G{row}"].value, ws[f"H{row}"].value) == (16, "edited", was)
    html = (tmp_path / "national_ree_gap.html").read_text(encoding="utf-8")
    tr = html[html.index('class="edited" data-key="domestic_cost_usd_per_kg"') :]
    tr = tr[: tr.index("</tr>")]
    assert was in tr and figure not in tr and "Cited:" not in tr
    assert 'class="edited" data-key="domestic_cost_usd_per_kg"' in html
    assert "1 edited in the workbook" in html
    text = toml.read_text(encoding="utf-8")
    block = text[text.index("[assumptions.domestic_cost_usd_per_kg]") :].split("\n\n")[0]
    assert "value = 16\n" in block and figure not in block
    assert 'source = { edited = "was 20.00 USD/kg; cited: Trade news quoting' in block
    again = econ.load_scenario(toml)
    assert again.assumptions["domestic_cost_usd_per_kg"].source.text() == was
    # an unedited input keeps its citation
    assert again.assumptions["benchmark_cost_usd_per_kg"].source.cited
