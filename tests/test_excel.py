"""Excel workbooks: formulas from the definition, cached values from the engine,
proven live by LibreOffice.

The LibreOffice tests batch every workbook into one headless conversion (the
``recalculated`` fixture) to keep the suite fast.
"""

from __future__ import annotations

import dataclasses
import math
import os
import random
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from xlsxwriter.utility import xl_col_to_name

import econ
from econ.analysis.instruments import with_comparison
from econ.engine import Results
from econ.errors import InputError
from econ.excel import write_workbook
from econ.excel.recalc import find_soffice, read_values, recalculate_many
from econ.excel.writer import FIRST_COL
from econ.model.excel_backend import NOT_AVAILABLE_VALUE, FormulaContext, to_formula
from econ.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").glob("*.toml"))
WORKBOOKS = ROOT / "workbooks"
NATIONAL_SEED, PROJECT_SEED = "national_ree_gap", "magnets_plant"


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


#: Absolute tolerance of money cells (USD, RUB): a thousandth of a cent. Sums
#: of 30 yearly amounts of up to ~1e9 carry ~1e-7 of rounding, so a result that
#: is mathematically 0 (a plug-back NPV) differs between engines by that much.
MONEY_ABS_TOL = 1e-5


def tol_for(key: str) -> float:
    """Absolute tolerance near 0 for a value, from the unit its name carries."""
    return MONEY_ABS_TOL if ("_usd" in key or "_rub" in key) else 1e-9


def row_keys(path: Path) -> dict[tuple[str, int], str]:
    """The line-item key (column C) of every row of Model, Results and Checks."""
    wb = openpyxl.load_workbook(path, read_only=True)
    out = {}
    for name in ("Model", "Results", "Checks", "Solves", "Instruments"):
        if name not in wb.sheetnames:
            continue
        for r, row in enumerate(wb[name].iter_rows(max_col=3, values_only=True), 1):
            if len(row) >= 3 and isinstance(row[2], str):
                # the Instruments table's rows hold amounts of money (an NPV at
                # the breakeven size is 0 up to the rounding of 30 sums)
                out[(name, r)] = row[2] + ("_usd" if name == "Instruments" else "")
    wb.close()
    return out


def cell_tol(keys: dict[tuple[str, int], str], sheet: str, coord: str) -> float:
    _, number = coordinate_from_string(coord)
    return tol_for(keys.get((sheet, number), ""))


def close(expected: object, actual: object, abs_tol: float = 1e-9) -> bool:
    """Equal within 1e-9 relative (1e-9 absolute near 0); the engine's NaN
    equals the spreadsheet's #N/A (and nothing else)."""
    if isinstance(expected, float) and math.isnan(expected):
        expected = NOT_AVAILABLE_VALUE
    if isinstance(expected, str) or isinstance(actual, str):
        return expected == actual
    if isinstance(expected, bool) or isinstance(actual, bool):
        return float(expected) == float(actual)  # type: ignore[arg-type]
    if not isinstance(expected, int | float) or not isinstance(actual, int | float):
        return False
    return math.isclose(float(expected), float(actual), rel_tol=1e-9, abs_tol=abs_tol)


def formula_cells(path: Path) -> dict[tuple[str, str], str]:
    """Every formula by (sheet, cell)."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    out[(ws.title, c.coordinate)] = str(c.value)
    wb.close()
    return out


def meta(path: Path) -> dict[str, Any]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = {str(k): v for k, v in wb["_econ"].iter_rows(min_row=2, values_only=True)}
    wb.close()
    return rows


def sheet_values(path: Path) -> dict[str, Any]:
    """Results/Checks value by key, Model rows by key (list over years)."""
    wb = openpyxl.load_workbook(path, data_only=True)
    out: dict[str, Any] = {}
    for name in ("Results", "Checks"):
        for row in wb[name].iter_rows(min_row=5, max_col=4, values_only=True):
            if row[2]:
                out[str(row[2])] = row[3]
    for name in ("Model", "Solves"):
        if name not in wb.sheetnames:
            continue
        for row in wb[name].iter_rows(min_row=7, values_only=True):
            key = row[2]
            if key and " " not in str(key):
                values = row[FIRST_COL:]
                out[str(key)] = list(values) if values and values[0] is not None else row[3]
    # the Instruments sheet's table and rows: by their defined names
    if "Instruments" in wb.sheetnames:
        ws = wb["Instruments"]
        for name, dn in wb.defined_names.items():
            for sheet, ref in dn.destinations:
                if sheet != "Instruments":
                    continue
                cells = (
                    [c.value for row in ws[ref.replace("$", "")] for c in row]
                    if ":" in ref
                    else None
                )
                out[name] = cells if cells is not None else ws[ref.replace("$", "")].value
    wb.close()
    return out


def held_by_engine(model: econ.Model) -> set[str]:
    """Items an edit leaves stale in a spreadsheet: engine-solved values (the
    workbook holds the engine's number) and everything computed from them,
    their plug-back checks and the master check included."""
    from econ.model.expr import refs

    held: set[str] = {i.key for i in model.items if i.solved}
    grew = True
    while grew:  # rows read a year back (a loan balance) count too: to a fixed point
        grew = False
        for item in model.items:
            if item.key not in held and set(refs(item.expr)) & held:
                held.add(item.key)
                grew = True
    return held


def compare_to_engine(path: Path, results: Results, *, edited: bool = False) -> list[str]:
    """Differences between a recalculated workbook and the engine's results
    (after an edit, engine-held values and what reads them are left out: the
    plug-back checks answer for them, see test_edited_inputs_recalculate...)."""
    got = sheet_values(path)
    errors = []
    held = held_by_engine(results.model) if edited else set()
    for item in results.model.items:
        if item.key in held:
            continue
        if (
            edited
            and item.key.endswith("irr")
            and results.values[item.key][0, 0] < 0
            and got.get(item.key) == "#N/A"
        ):
            # A negative root of a losing project (a final-year inflow from working
            # capital or salvage): Newton from the guesses of the workbook built
            # before the edit may miss it; known gap, see the issue 11 note.
            continue
        if item.key not in got:
            errors.append(f"{item.key}: not in the workbook")
            continue
        if item.shape == "series":
            expected = list(results.row(item.key))
            actual = got[item.key]
            for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
                if not close(float(e), a, tol_for(item.key)):
                    errors.append(f"{item.key}[{results.years[i]}]: engine {e!r}, LO {a!r}")
        elif not close(float(results.values[item.key][0, 0]), got[item.key], tol_for(item.key)):
            errors.append(
                f"{item.key}: engine {results.values[item.key][0, 0]!r}, LO {got[item.key]!r}"
            )
    return errors


def build(scenario: Scenario, folder: Path, name: str | None = None) -> Path:
    """The workbook `econ build` writes: a project with its instrument comparison."""
    scenario = with_comparison(scenario)
    return write_workbook(
        scenario, econ.evaluate(scenario), folder / f"{name or scenario.name}.xlsx"
    )


def per_year_variant(scenario: Scenario) -> Scenario:
    """national_ree_gap with consumption and benchmark given per year."""
    y = scenario.horizon_yr
    cons = tuple(2000.0 + 20.0 * i for i in range(y))
    bench = tuple(11.5 - 0.05 * i for i in range(y))
    base = scenario.assumptions
    assumptions = dict(base)
    assumptions["consumption_t_per_yr"] = dataclasses.replace(
        base["consumption_t_per_yr"], low=None, high=None
    )
    assumptions["benchmark_cost_usd_per_kg"] = dataclasses.replace(
        base["benchmark_cost_usd_per_kg"], low=None, high=None
    )
    sc = dataclasses.replace(scenario, name="per_year_variant", assumptions=assumptions)
    return sc.with_values(consumption_t_per_yr=cons, benchmark_cost_usd_per_kg=bench)


def one_edit(scenario: Scenario, key: str, rng: random.Random | None = None) -> Any:
    """A new value for an input: its high (or low) bound, else +-10%; random
    within the bounds when ``rng`` is given."""
    a = scenario.assumptions[key]
    spec = scenario.model.input(key)
    value = a.value
    if isinstance(value, tuple):
        return tuple(v * 1.1 for v in value)
    if spec.year:
        last = scenario.years[-1]
        shift = rng.choice((-1, 1)) if rng else 1
        new = value + shift
        return new if scenario.start_year <= new <= last else value - shift
    if rng is not None:
        lo = a.low if a.low is not None else value * 0.9
        hi = a.high if a.high is not None else value * 1.1
        return rng.uniform(min(lo, hi), max(lo, hi))
    if a.high is not None and a.high != value:
        return a.high
    if a.low is not None and a.low != value:
        return a.low
    new = value * 1.1 if value != 0 else 0.5
    inside = (
        spec.maximum is None or new < spec.maximum or (new == spec.maximum and not spec.max_open)
    )
    new = new if inside else value * 0.9
    return float(round(new)) if spec.kind == "whole" else new


def random_edits(base: Scenario, rng: random.Random) -> dict[str, Any]:
    """About 70 % of the inputs moved at random within their bounds, each kept
    only if the scenario stays valid (domains and cross-field rules)."""
    edits: dict[str, Any] = {}
    scenario = base
    for key in base.model.input_keys:
        if rng.random() < 0.3:
            continue
        value = one_edit(base, key, rng)
        try:
            scenario = scenario.with_values(**{key: value})
        except InputError:
            continue
        edits[key] = value
    return edits


def typed_factor(unit: object) -> float:
    """What one typed unit is in the model's unit, read from the Unit cell's
    text: ``bn RUB`` is 1e9 RUB, ``M USD/yr`` 1e6 USD/yr; a percentage is
    stored by the spreadsheet as its fraction (factor 1)."""
    word, _, rest = str(unit).partition(" ")
    return {"k": 1e3, "M": 1e6, "bn": 1e9}.get(word, 1.0) if rest else 1.0


def edit_workbook(src: Path, dst: Path, edits: dict[str, Any]) -> None:
    """Set inputs with openpyxl (load, set, save), addressed by the _econ
    sheet; values in the model's unit, typed in the unit the row states."""
    where = meta(src)
    wb = openpyxl.load_workbook(src)
    for key, value in edits.items():
        ref = str(where[f"input.{key}"])
        sheet, cells = ref.split("!")
        ws = wb[sheet]
        first = cells.replace("$", "").split(":")[0]
        factor = typed_factor(ws[f"D{ws[first].row}"].value)
        if isinstance(value, tuple):
            for cell, v in zip(ws[cells.replace("$", "")][0], value, strict=True):
                cell.value = float(v) / factor
        else:
            ws[cells.replace("$", "")].value = float(value) / factor
    wb.save(dst)


# ---------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def soffice() -> str:
    """The soffice binary; skips (fails under CI=true) when LibreOffice is missing."""
    path = find_soffice()
    if path is None:
        message = (
            "LibreOffice is not installed: apt-get install libreoffice-calc-nogui (or set SOFFICE)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def seeds() -> dict[str, Scenario]:
    """Every seed as its outputs show it: a project with the instrument comparison."""
    return {p.stem: with_comparison(econ.load_scenario(p)) for p in SEEDS}


@pytest.fixture(scope="module")
def built(seeds: dict[str, Scenario], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("built")
    out = {name: build(sc, folder) for name, sc in seeds.items()}
    variant = per_year_variant(seeds[NATIONAL_SEED])
    out[variant.name] = build(variant, folder)
    return out


@dataclasses.dataclass
class Recalculated:
    """Workbooks before/after LibreOffice, and the scenario each should match."""

    before: dict[str, Path]
    after: dict[str, Path]
    expected: dict[str, Scenario]


@pytest.fixture(scope="module")
def recalculated(
    soffice: str,
    seeds: dict[str, Scenario],
    built: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Recalculated:
    """Every seed, the per-year variant, a tampered file and many edited copies,
    recalculated in a single LibreOffice run."""
    folder = tmp_path_factory.mktemp("edited")
    before = dict(built)
    expected = dict(seeds)
    expected["per_year_variant"] = per_year_variant(seeds[NATIONAL_SEED])

    # Cached values that are wrong on purpose: LibreOffice must recompute them.
    sc = seeds[NATIONAL_SEED]
    res = econ.evaluate(sc)
    bad = dict(res.values)
    bad["ref_subsidy_usd_per_yr"] = bad["ref_subsidy_usd_per_yr"] * 0 + 12345.0
    bad["gap_usd_per_kg"] = bad["gap_usd_per_kg"] * 0 + 1.0
    before["tampered"] = write_workbook(
        sc, dataclasses.replace(res, values=bad), folder / "tampered.xlsx"
    )
    expected["tampered"] = sc

    rng = random.Random(20251124)
    for seed_name in (NATIONAL_SEED, PROJECT_SEED, "per_year_variant"):
        base = expected[seed_name]
        src = built[seed_name]
        # One edit of each input the scenario gives (documented defaults are
        # edited by the random edits below, which cover every input).
        keys = (
            [k for k in base.model.input_keys if not base.assumptions[k].default]
            if seed_name != "per_year_variant"
            else ["consumption_t_per_yr", "benchmark_cost_usd_per_kg", "discount_rate"]
        )
        for key in keys:
            value = one_edit(base, key)
            try:
                edited = base.with_values(**{key: value})
            except econ.InputError:
                continue  # one value alone breaks a cross-field rule (a product share)
            name = f"{seed_name}__{key}"
            edit_workbook(src, folder / f"{name}.xlsx", {key: value})
            before[name] = folder / f"{name}.xlsx"
            expected[name] = edited
        for k in range(3):
            edits = random_edits(base, rng)
            scenario = base.with_values(**edits)
            name = f"{seed_name}__random{k}"
            edit_workbook(src, folder / f"{name}.xlsx", edits)
            before[name] = folder / f"{name}.xlsx"
            expected[name] = scenario
    names = list(before)
    outs = recalculate_many([before[n] for n in names], folder / "recalculated", timeout=300)
    return Recalculated(before, dict(zip(names, outs, strict=True)), expected)


# ---------------------------------------------------------------------------
# tests that need no LibreOffice
# ---------------------------------------------------------------------------


def _model_context(path: Path) -> tuple[dict[str, int], dict[str, str]]:
    """Rows of Model series keys and where every input lives, read from the file."""
    wb = openpyxl.load_workbook(path)
    rows = {}
    ws = wb["Model"]
    for r, row in enumerate(ws.iter_rows(min_row=1, max_col=FIRST_COL + 1, values_only=True), 1):
        if row[2] and " " not in str(row[2]) and r > 6 and row[FIRST_COL] is not None:
            rows[str(row[2])] = r
    wb.close()
    return rows, {k[6:]: str(v) for k, v in meta(path).items() if k.startswith("input.")}


@pytest.mark.parametrize("seed", [NATIONAL_SEED, PROJECT_SEED, "per_year_variant"])
def test_gap_and_subsidy_formulas_render_the_definition(seed: str, built: dict[str, Path]) -> None:
    path = built[seed]
    rows, inputs = _model_context(path)
    model = econ.MODELS["project" if seed == PROJECT_SEED else "national"]

    first = xl_col_to_name(FIRST_COL)

    def ctx(col: str) -> FormulaContext:
        def cell(name: str) -> str:
            if name == "year":
                return f"{col}$4"
            if name == "period":
                return f"{col}$5"
            if name in rows:
                return f"{col}{rows[name]}"
            if ":" in inputs.get(name, ""):
                return f"INDEX({name},1,{col}$5)"
            return name

        return FormulaContext(
            cell=cell, row=lambda n: n, running=lambda n: f"${first}{rows[n]}:{col}{rows[n]}"
        )

    formulas = formula_cells(path)
    keys = [
        "gap_usd_per_kg",
        "gap_share",
        "gap_cost_usd_per_yr",
        "subsidy_usd_per_kg",
        "subsidy_usd_per_yr",
        "cumulative_subsidy_usd",
        "unit_cost_usd_per_kg",
    ]
    period_row = [
        c for (s, c) in formulas if s == "Model" and c.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "5"
    ]
    n_years = len(period_row)
    assert n_years >= 7
    for key in keys:
        item = model[key]
        for i in range(n_years):
            col = xl_col_to_name(FIRST_COL + i)
            expected = "=" + to_formula(item.expr, ctx(col))  # type: ignore[union-attr]
            assert formulas[("Model", f"{col}{rows[key]}")] == expected
    # a reduction on Results: a SUMPRODUCT over the two named rows
    assert "=SUMPRODUCT(subsidy_usd_per_yr,reference_flag)" in formulas.values()


def test_workbook_structure_and_metadata(built: dict[str, Path]) -> None:
    path = built[PROJECT_SEED]
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [
        "Cover",
        "Assumptions",
        "Model",
        "Results",
        "Checks",
        "Instruments",
        "Solves",
        "Charts",
        "_econ",
    ]
    assert wb["_econ"].sheet_state == "hidden"
    assert wb.properties.creator == "econ"
    assert "magnets_plant" in (wb.properties.subject or "")
    names = set(wb.defined_names)
    model = econ.MODELS["project"]
    assert {*model.input_keys, "kg_per_t", "timeline_year", "npv_usd", "master_check"} <= names
    ws = wb["Assumptions"]
    cell = ws["C7"]
    assert cell.font.color.rgb.endswith("0000FF")
    assert cell.fill.fgColor.rgb.endswith("FFFFCC")
    validations = ws.data_validations.dataValidation
    assert len(validations) == len(model.input_keys)
    assert all(v.promptTitle for v in validations)
    text = " ".join(str(v) for v in formula_cells(path).values()).upper()
    for banned in ("OFFSET(", "INDIRECT(", "NOW(", "TODAY(", "RAND"):
        assert banned not in text
    m = meta(path)
    assert m["generator"] == "econ" and m["scenario"] == "magnets_plant"
    assert m["econ_version"] == econ.__version__ and m["horizon_yr"] == 25
    with zipfile.ZipFile(path) as z:
        assert sum(n.startswith("xl/charts/chart") for n in z.namelist()) == 3
        assert "econ_scenario" in z.read("docProps/custom.xml").decode()


def test_pandas_reads_a_value_wherever_a_formula_stands(built: dict[str, Path]) -> None:
    for path in built.values():
        formulas = formula_cells(path)
        # A cached #N/A (the engine's NaN) reads as NaN: the same "no value"
        # pandas uses; any other missing value is a formula without a cache.
        frames = pd.read_excel(path, sheet_name=None, header=None, keep_default_na=False)
        cached = read_values(path)
        for (sheet, coord), text in formulas.items():
            letters, number = coordinate_from_string(coord)
            r, c = number - 1, column_index_from_string(letters) - 1
            df = frames[sheet]
            assert r < df.shape[0] and c < df.shape[1], (path.name, sheet, coord)
            value: Any = df.iat[r, c]
            if cached.get((sheet, coord)) == NOT_AVAILABLE_VALUE:
                assert pd.isna(value), (path.name, sheet, coord, text)
                continue
            assert not pd.isna(value) and value != "", (path.name, sheet, coord, text)


def test_scenario_text_is_never_a_formula(seeds: dict[str, Scenario], tmp_path: Path) -> None:
    sc = seeds[NATIONAL_SEED]
    key = "learning_rate"
    assumptions = dict(sc.assumptions)
    assumptions[key] = dataclasses.replace(assumptions[key], note="+cmd|' /C calc'!A0")
    evil = dataclasses.replace(sc, title="=1+1", description="@SUM(A1)", assumptions=assumptions)
    path = build(evil, tmp_path)
    wb = openpyxl.load_workbook(path)
    assert wb["Cover"]["A1"].value == "=1+1"
    assert wb["Cover"]["A1"].data_type == "s"
    found = [
        c
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value in ("@SUM(A1)", "+cmd|' /C calc'!A0")
    ]
    assert len(found) == 2 and all(c.data_type == "s" for c in found)
    formulas = formula_cells(path).values()
    assert not any("1+1" in f or "SUM(A1)" in f or "cmd" in f for f in formulas)


def test_same_scenario_builds_identical_bytes(seeds: dict[str, Scenario], tmp_path: Path) -> None:
    sc = seeds[PROJECT_SEED]
    a = build(sc, tmp_path / "a")
    b = build(sc, tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()
    assert [p.name for p in (tmp_path / "a").iterdir()] == [a.name]  # no temp file left


def test_failed_write_leaves_the_old_file(seeds: dict[str, Scenario], tmp_path: Path) -> None:
    sc = seeds[NATIONAL_SEED]
    path = build(sc, tmp_path)
    old = path.read_bytes()
    broken = dataclasses.replace(econ.evaluate(sc), values={})
    with pytest.raises(KeyError):
        write_workbook(sc, broken, path)
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


@pytest.mark.parametrize("seed", SEEDS, ids=[p.stem for p in SEEDS])
def test_committed_workbook_is_fresh(seed: Path, tmp_path: Path) -> None:
    committed = WORKBOOKS / f"{seed.stem}.xlsx"
    assert committed.exists(), f"{committed} missing: run `econ build {seed}`"
    fresh = build(econ.load_scenario(seed), tmp_path)
    assert fresh.read_bytes() == committed.read_bytes(), (
        f"{committed} is stale: rebuild it with `econ build {seed}` (or make run)"
    )


# ---------------------------------------------------------------------------
# LibreOffice: the formulas are live and mean what the engine means
# ---------------------------------------------------------------------------


@pytest.mark.libreoffice
def test_libreoffice_recalculation_equals_cached_values(
    recalculated: Recalculated, built: dict[str, Path]
) -> None:
    for name in built:
        before, after = recalculated.before[name], recalculated.after[name]
        cached, fresh = read_values(before), read_values(after)
        formulas = formula_cells(before)
        keys = row_keys(before)
        assert len(formulas) > 100
        bad = [
            (k, f, cached.get(k), fresh.get(k))
            for k, f in formulas.items()
            if not close(cached.get(k), fresh.get(k), cell_tol(keys, *k))
        ]
        assert not bad, f"{name}: {len(bad)} cells differ, e.g. {bad[:5]}"
        assert not compare_to_engine(after, econ.evaluate(recalculated.expected[name]))


@pytest.mark.libreoffice
def test_libreoffice_really_recalculates(recalculated: Recalculated) -> None:
    before = sheet_values(recalculated.before["tampered"])
    assert before["ref_subsidy_usd_per_yr"] == 12345.0  # the wrong cached value was written
    after = sheet_values(recalculated.after["tampered"])
    res = econ.evaluate(recalculated.expected["tampered"])
    assert after["ref_subsidy_usd_per_yr"] != 12345.0
    assert close(float(res.values["ref_subsidy_usd_per_yr"][0, 0]), after["ref_subsidy_usd_per_yr"])
    assert not compare_to_engine(recalculated.after["tampered"], res)


@pytest.mark.libreoffice
def test_edited_inputs_recalculate_to_the_engine(recalculated: Recalculated) -> None:
    edited = [n for n in recalculated.after if "__" in n]
    assert len(edited) >= 10 + 19 + 9
    failures = {}
    for name in edited:
        results = econ.evaluate(recalculated.expected[name])
        errors = compare_to_engine(recalculated.after[name], results, edited=True)
        # An engine-held solve the edit moved is flagged by its live plug-back check.
        got = sheet_values(recalculated.after[name])
        original = econ.evaluate(recalculated.expected[name.split("__")[0]])
        for item in results.model.items:
            if not item.solved:
                continue
            new, old = results.values[item.key][0, 0], original.values[item.key][0, 0]
            moved = not np.isclose(new, old, rtol=1e-6, equal_nan=True)
            if moved and got.get(f"check_plug_back_{item.key}") != 0:
                errors.append(f"{item.key} moved but its plug-back check reads ok")
        if errors:
            failures[name] = errors[:3]
    assert not failures, "\n".join(f"{k}: {v}" for k, v in failures.items())
    # the edits changed something: not pasted values
    base = sheet_values(recalculated.after[NATIONAL_SEED])
    moved = sheet_values(recalculated.after[f"{NATIONAL_SEED}__domestic_cost_usd_per_kg"])
    assert not np.isclose(base["ref_gap_usd_per_kg"], moved["ref_gap_usd_per_kg"])


def test_charts_read_without_the_model(built: dict[str, Path]) -> None:
    """Issue 12 item 6: axis titles with units, the budget line on a right
    axis (subsidy ~21 M against a 744 M budget: the model declares the
    magnitudes apart), year labels at the bottom (not over negative bars),
    legend names from the model's chart labels; a chart with nothing to show
    (no subsidy at Polar Lithium) is replaced by a sentence."""
    path = built[PROJECT_SEED]
    with zipfile.ZipFile(path) as z:
        xml = {n: z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")}
    texts = {n: re.findall(r"<a:t>([^<]*)</a:t>", x) for n, x in xml.items()}
    names = {n: re.findall(r"<c:tx><c:v>([^<]*)</c:v>", x) for n, x in xml.items()}
    subsidy = next(n for n, t in texts.items() if "Annual subsidy vs budget remaining" in t)
    assert names[subsidy] == ["Annual subsidy", "Budget remaining (right axis)"]
    assert {"Year", "M USD", "M USD (right)"} <= set(texts[subsidy])
    assert xml[subsidy].count("<c:valAx>") == 2  # a secondary value axis
    cash = next(n for n, t in texts.items() if "Project net cash flow" in t)
    assert names[cash] == ["Net cash flow", "Cumulative"]
    assert '<c:tickLblPos val="low"/>' in xml[cash]
    for n in xml:
        assert "input" not in " ".join(names[n]).lower(), names[n]
    # the empty subsidy chart of a project that needs no subsidy
    sc = econ.load_scenario(Path(__file__).resolve().parents[1] / "seeds" / "polar_lithium.toml")
    res = econ.evaluate(sc)
    assert not res.row("subsidy_usd_per_yr").any()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        wb = openpyxl.load_workbook(write_workbook(sc, res, Path(tmp) / "p.xlsx"))
        assert len(wb["Charts"]._charts) == len(sc.model.charts) - 1
        note = wb["Charts"]["A2"].value
        from econ.display import format_item

        breakeven = format_item(
            res.scalars()["breakeven_subsidy_usd_per_kg"],
            sc.model.item("breakeven_subsidy_usd_per_kg"),
        )
        assert "No subsidy needed on the variable cost" in note
        assert f"a subsidy of {breakeven} (" in note


def test_cover_headline_is_live(built: dict[str, Path]) -> None:
    """Issue 12 item 5: the model's tiles on the cover, each a formula over
    the metric's defined name, caching the engine's value (or the metric's
    own n/a text), in the display policy's format with the unit."""
    path = built[PROJECT_SEED]
    sc = with_comparison(
        econ.load_scenario(Path(__file__).resolve().parents[1] / "seeds" / f"{PROJECT_SEED}.toml")
    )
    values = econ.evaluate(sc).scalars()
    ws = openpyxl.load_workbook(path)["Cover"]
    cached = openpyxl.load_workbook(path, data_only=True)["Cover"]
    found = {}
    for row in ws.iter_rows(max_col=2):
        f = row[1].value
        if isinstance(f, str) and f.startswith("=IF(ISNA("):
            key = f[len("=IF(ISNA(") :].split(")")[0]
            found[key] = (cached[row[1].coordinate].value, row[1].number_format)
    assert list(found) == list(sc.model.tile_keys)
    for key, (value, _code) in found.items():
        item = sc.model.item(key)
        if np.isnan(values[key]):
            assert value == item.na_text
        else:
            assert value == pytest.approx(values[key], rel=1e-12)
    assert found["npv_usd"][1] == '#,##0.0,," M USD";(#,##0.0,,)" M USD"'
    # budget coverage from the cheapest budget instrument (issue 11 item 4), named
    # live; expected: the budget instrument of least plug-back fiscal cost within
    # its terms, from the project model alone at each breakeven size
    assert "cheapest_fiscal_cost_usd" in found and "projects_funded" in found
    from econ.model.definition.instruments import INSTRUMENT_SWITCHES
    from econ.model.definition.project import INSTRUMENTS, OFF_BUDGET

    base = econ.load_scenario(
        Path(__file__).resolve().parents[1] / "seeds" / f"{PROJECT_SEED}.toml"
    )
    costs = {}
    for name, label, variable, _, key, _, _ in INSTRUMENTS:
        size = values[key]
        spec = base.model.input(variable)
        if name in OFF_BUDGET or not spec.ok(np.array([[size]]), 2000, 2100)[0, 0]:
            continue
        alone = econ.evaluate(base, {**dict(INSTRUMENT_SWITCHES), variable: size})
        costs[label] = float(alone.values["fiscal_cost_usd"][0, 0])
    cheapest = min(costs, key=costs.__getitem__)
    assert values["cheapest_fiscal_cost_usd"] == pytest.approx(costs[cheapest], rel=1e-9)
    row = next(r for r in ws.iter_rows(max_col=2) if r[0].value == "Cheapest budget instrument")
    assert str(row[1].value).startswith("=IF(ISNUMBER(cheapest_fiscal_cost_usd),INDEX(")
    assert cached[row[1].coordinate].value == cheapest
    words = [c.value for row in ws.iter_rows(max_col=2) for c in row]
    assert "Input ranges" in words and "Headline" in words


def test_constants_show_their_digits(built: dict[str, Path], seeds: dict[str, Scenario]) -> None:
    """Issue 12: a small constant (the 1e-9 check tolerance) reads as what it
    is on the Assumptions sheet, not "0.000": its number format is the one the
    display policy gives its declared ``display``, and the text that format
    shows reads back within 5 % of the value."""
    from econ.display import NumberStyle

    for name in (NATIONAL_SEED, PROJECT_SEED):
        ws = openpyxl.load_workbook(built[name])["Assumptions"]
        keys = {c.value: c.row for c in ws["A"] if isinstance(c.value, str)}
        for const in seeds[name].model.constants:
            cell = ws.cell(keys[const.key], 3)
            assert cell.value == const.value
            style = NumberStyle.for_unit(const.unit, const.display)
            assert cell.number_format == style.excel, const.key
            shown = style.number(const.value).replace(",", "")
            read = float(shown[:-1]) / 100 if shown.endswith("%") else float(shown)
            assert read == pytest.approx(const.value, rel=0.05), (const.key, shown)
    tolerance = next(c for c in seeds[NATIONAL_SEED].model.constants if c.key == "check_tolerance")
    assert NumberStyle.for_unit(tolerance.unit, tolerance.display).number(1e-9) == "1.0E-09"
