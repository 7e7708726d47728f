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


def _built(tmp_path: Path, seed: str = "national_ree_gap") -> Path:
    sc = econ.load_scenario(SEEDS / f"{seed}.toml")
    build_scenario(sc, tmp_path)
    return tmp_path / f"{seed}.xlsx"


def _cell_of(path: Path, key: str) -> str:
    wb = openpyxl.load_workbook(path)
    meta = {r[0]: r[1] for r in wb["_econ"].iter_rows(min_row=2, values_only=True)}
    return str(meta[f"input.{key}"]).split("!")[1].replace("$", "")


def _edit(path: Path, **values: object) -> None:
    wb = openpyxl.load_workbook(path)
    for key, value in values.items():
        wb["Assumptions"][_cell_of(path, key)] = value
    wb.save(path)


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
    assert read_workbook(path).scenario == sc
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
    stored = {key: float(ws[_cell_of(path, key)].value) for key in edits}
    assert stored == pytest.approx(edits, rel=1e-15)
    edited = read_workbook(path).scenario
    assert edited == sc.with_values(**stored)
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
        "out_of_bounds": (30.0, r"lies outside its own bounds \[15, 25\]"),
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
    assert read_workbook(saved).scenario == expected
    again = recalculate(saved, tmp_path / "again")
    assert compare_to_engine(again, econ.evaluate(expected)) == []
