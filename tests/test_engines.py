"""Four independent spreadsheet engines recalculate econ's workbooks and agree
with the engine at 1e-9: LibreOffice, Gnumeric, HyperFormula and ``formulas``.

Each engine runs once per module over every workbook it checks (see
:mod:`econ.excel.engines`). Tests marked with an engine's name skip when it is
missing and fail under CI=true, where ``make test`` installs it.

Spellings that some engines mis-evaluate, so econ's writer avoids them (the
``portable_spellings`` test shows what each engine does with the ones it uses):

* ``INDEX(row_range, n)`` on a one-row range: Gnumeric 1.12.55 gives #REF!,
  HyperFormula 3.5.0 gives #NUM!; ``INDEX(row_range, 1, n)`` agrees everywhere.
* ``COLUMNS($J5:J5)`` (absolute start, relative end): HyperFormula 3.5.0 counts
  from the formula's own column (-10 in cell L13); ``COLUMN()-COLUMN($I5)``
  agrees everywhere.
"""

from __future__ import annotations

import dataclasses
import random
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
import xlsxwriter
from openpyxl.utils.cell import get_column_letter, range_boundaries

import econ
from econ.analysis.instruments import with_comparison
from econ.excel import write_workbook
from econ.excel.engines import (
    ENGINES,
    EngineError,
    EngineMissing,
    ExcelError,
    Values,
    agree,
    is_not_available,
    missing,
    read_cells,
    recalculate,
)
from econ.excel.reader import read_workbook
from econ.excel.writer import FIRST_COL
from econ.scenario import Scenario
from tests.test_excel import (
    NATIONAL_SEED,
    PROJECT_SEED,
    edit_workbook,
    held_by_engine,
    one_edit,
    per_year_variant,
    random_edits,
)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").glob("*.toml"))
ENGINE_PARAMS = [pytest.param(e, marks=getattr(pytest.mark, e)) for e in ENGINES]
#: Edited copies every engine recalculates; ``formulas`` (slow) does the first two.
EDITED = [
    f"{NATIONAL_SEED}__random",
    f"{PROJECT_SEED}__random",
    f"{NATIONAL_SEED}__domestic_cost_usd_per_kg",
    f"{NATIONAL_SEED}__learning_rate",
    f"{PROJECT_SEED}__production_subsidy_usd_per_kg",
    f"{PROJECT_SEED}__discount_rate",
    # the Instruments sheet after an edit: every held breakeven size moves
    f"{PROJECT_SEED}__capex_usd",
    f"{PROJECT_SEED}__soft_loan_rate",
]
SLOW_ENGINE_EDITS = 2
SHOW = 8  # disagreements listed in a failure message


# ---------------------------------------------------------------------------
# workbooks
# ---------------------------------------------------------------------------


@dataclasses.dataclass
class Corpus:
    """The workbooks every engine recalculates."""

    seeds: dict[str, Path]  # built by `econ build`, plus the per-year variant
    edited: dict[str, Path]  # inputs changed with openpyxl
    tampered: Path  # wrong cached values on purpose
    clean: Path  # the same scenario with the right cached values
    probe: Path  # small workbook of the spellings econ uses


def _random_edits(base: Scenario, rng: random.Random) -> dict[str, Any]:
    return random_edits(base, rng)


PROBE = [
    # (formula, expected value); row_ = S!$B$1:$F$1 = 10..50
    ("INDEX(row_,1,3)", 30.0),
    ("INDEX(row_,1,MATCH(40,row_,0))", 40.0),
    ("COLUMN()-COLUMN($A9)", 1.0),
    ("SUMPRODUCT(row_,row_)", 5500.0),
    ("SUM($B$1:B1)", 10.0),
    ("LOG(1-0.2,2)", float(np.log2(0.8))),
    ("IRR(flow_ok,0)", 0.0866309480365316),
    ("IFERROR(IRR(flow_none,0),NA())", "#N/A"),
    ("IFERROR(INDEX(row_,1,MATCH(1,flags_,0)),NA())", "#N/A"),
    ("IF(B3=0,NA(),1/B3)", "#N/A"),
    ("NA()", "#N/A"),
    ('IFERROR(IRR(flow_none,0),"n/a")', "n/a"),
    ("ISNA(NA())*1", 1.0),
]


def _probe_workbook(path: Path) -> Path:
    """The functions and spellings econ's formulas use, with their Excel values,
    in one small workbook written with XlsxWriter (cached values are wrong: 0)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_row(0, 1, [10, 20, 30, 40, 50])  # B1:F1
    ws.write_row(1, 1, [-100, -10, -10, -10])  # B2:E2: no IRR
    ws.write_row(2, 1, [0, 0, 0, 0, 0])  # B3:F3: no flag set
    ws.write_row(3, 1, [-70000, 12000, 15000, 18000, 21000, 26000])  # B4:G4 (Microsoft's)
    wb.define_name("row_", "=S!$B$1:$F$1")
    wb.define_name("flow_none", "=S!$B$2:$E$2")
    wb.define_name("flags_", "=S!$B$3:$F$3")
    wb.define_name("flow_ok", "=S!$B$4:$G$4")
    for r, (formula, _) in enumerate(PROBE, start=6):
        ws.write_string(r, 0, formula)
        ws.write_formula(r, 1, "=" + formula, None, 0)
    wb.close()
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    folder = tmp_path_factory.mktemp("engines")
    subprocess.run(
        [sys.executable, "-m", "econ", "build", *map(str, SEEDS), "-o", str(folder / "seeds")],
        check=True,
        capture_output=True,
    )
    seeds = {p.stem: folder / "seeds" / f"{p.stem}.xlsx" for p in SEEDS}
    national = econ.load_scenario(ROOT / "seeds" / f"{NATIONAL_SEED}.toml")
    project = with_comparison(econ.load_scenario(ROOT / "seeds" / f"{PROJECT_SEED}.toml"))
    variant = per_year_variant(national)
    seeds[variant.name] = write_workbook(
        variant, econ.evaluate(variant), folder / "seeds" / f"{variant.name}.xlsx"
    )

    edited_dir = folder / "edited"
    edited_dir.mkdir()
    rng = random.Random(20251125)
    edited = {}
    for name in EDITED:
        seed, _, key = name.partition("__")
        base = national if seed == NATIONAL_SEED else project
        edits = _random_edits(base, rng) if key == "random" else {key: one_edit(base, key)}
        assert edits
        edited[name] = edited_dir / f"{name}.xlsx"
        edit_workbook(seeds[seed], edited[name], edits)

    res = econ.evaluate(project)
    # Every cached formula value wrong; engine-held solved values and the IRR's
    # starting guess (written from the IRR's value) are inputs to the formulas,
    # not caches, so they keep the engine's values.
    keep = {i.key for i in project.model.items if i.solved or i.key.endswith("irr")}
    bad = {k: v if k in keep else v * 0 + 12345.0 for k, v in res.values.items()}
    tampered = write_workbook(
        project, dataclasses.replace(res, values=bad), folder / "tampered.xlsx"
    )
    return Corpus(seeds, edited, tampered, seeds[PROJECT_SEED], _probe_workbook(folder / "p.xlsx"))


@dataclasses.dataclass
class Run:
    values: dict[Path, Values]
    seconds: float


_RUNS: dict[str, Run] = {}


def files_for(engine: str, corpus: Corpus) -> list[Path]:
    edited = list(corpus.edited.values())
    if engine == "formulas":
        edited = edited[:SLOW_ENGINE_EDITS]
    return [*corpus.seeds.values(), *edited, corpus.tampered, corpus.probe]


def run(engine: str, corpus: Corpus) -> dict[Path, Values]:
    """Every workbook of ``engine``, recalculated once per module (one batch)."""
    if engine not in _RUNS:
        start = time.perf_counter()
        values = recalculate(engine, files_for(engine, corpus), timeout=600)
        _RUNS[engine] = Run(values, time.perf_counter() - start)
    return _RUNS[engine].values


# ---------------------------------------------------------------------------
# comparing
# ---------------------------------------------------------------------------


def show(value: object) -> str:
    return str(value) if isinstance(value, ExcelError) else repr(value)


#: Absolute tolerance near 0 of money cells (USD, RUB): a thousandth of a cent.
#: A plug-back NPV is mathematically 0, computed from 30 yearly amounts of up
#: to ~1e9, so engines that add in another order differ from it by ~1e-7.
MONEY_ABS_TOL = 1e-5


def abs_tol(key: str) -> float:
    """Absolute tolerance near 0 of a line item, from the unit its name carries."""
    return MONEY_ABS_TOL if ("_usd" in key or "_rub" in key) else 1e-9


def disagreements(path: Path, recalculated: Values) -> list[str]:
    """Formula cells whose recalculated value differs from the cached one."""
    formulas = {k: v for k, v in read_cells(path, formulas=True).items() if _is_formula(path, k)}
    cached = read_cells(path)
    keys = {cell: name for name, cells in named_cells(path).items() for cell in cells}
    # a row's total (column D of Model and Solves) carries the row's unit: a sum of
    # yearly amounts that is mathematically 0 (the extra tax at a breakeven size
    # in years without tax) differs between engines by ~1e-8 USD
    first = get_column_letter(FIRST_COL + 1)
    for s, c in list(formulas):
        if c.startswith("D") and c[1:].isdigit() and (s, f"{first}{c[1:]}") in keys:
            keys.setdefault((s, c), keys[(s, f"{first}{c[1:]}")])
    assert len(formulas) > 100, path
    return [
        f"{s}!{c} {formulas[(s, c)]}: cached {show(cached.get((s, c)))}, "
        f"recalculated {show(recalculated.get((s, c)))}"
        for (s, c) in formulas
        if not agree(
            cached.get((s, c)),
            recalculated.get((s, c)),
            # the Instruments table's unnamed cells: money (an NPV at a breakeven size)
            abs_=abs_tol(keys.get((s, c), "_usd" if s == "Instruments" else "")),
        )
    ]


_FORMULA_CELLS: dict[Path, set[tuple[str, str]]] = {}


def _is_formula(path: Path, key: tuple[str, str]) -> bool:
    if path not in _FORMULA_CELLS:
        wb = openpyxl.load_workbook(path)
        _FORMULA_CELLS[path] = {
            (ws.title, c.coordinate)
            for ws in wb.worksheets
            for row in ws.iter_rows()
            for c in row
            if c.data_type == "f"
        }
        wb.close()
    return key in _FORMULA_CELLS[path]


def named_cells(path: Path) -> dict[str, list[tuple[str, str]]]:
    """The cells of every defined name, e.g. ``npv_usd -> [("Results", "D19")]``."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for name, dn in wb.defined_names.items():
        cells = []
        for sheet, ref in dn.destinations:
            c1, r1, c2, r2 = range_boundaries(ref.replace("$", ""))
            assert None not in (c1, r1, c2, r2), ref
            cells += [
                (sheet, f"{get_column_letter(c)}{r}")
                for r in range(r1, r2 + 1)  # type: ignore[operator]
                for c in range(c1, c2 + 1)  # type: ignore[operator]
            ]
        out[name] = cells
    wb.close()
    return out


def engine_disagreements(
    path: Path, recalculated: Values, *, edited: bool = False
) -> tuple[list[str], int]:
    """Where the recalculated workbook differs from econ.evaluate of the
    scenario read back from it: every line item (its defined name: a Results
    or Checks cell, a Model row or Model scalar). Also the number compared.

    After an edit, engine-held solved values (and what reads them) stay as
    econ wrote them: they are left out, and instead each plug-back check must
    read 0 (red) where the edit moved its solve."""
    read = read_workbook(path)
    results = econ.evaluate(with_comparison(read.scenario))
    names = named_cells(path)
    errors: list[str] = []
    compared: set[tuple[str, str]] = set()
    held = held_by_engine(results.model) if edited else set()
    if edited:
        before = econ.evaluate(with_comparison(read.original))
        for item in results.model.items:
            if not item.solved:
                continue
            new, old = results.values[item.key][0, 0], before.values[item.key][0, 0]
            (cell,) = names[f"check_plug_back_{item.key}"]
            if not np.isclose(new, old, rtol=1e-6, equal_nan=True) and recalculated.get(cell) != 0:
                errors.append(f"{item.key} moved but its plug-back check does not read 0")
    for item in results.model.items:
        if item.key in held:  # accounted for by the plug-back checks above
            compared.update(names.get(item.key, ()))
            continue
        cells = names.get(item.key)
        if not cells:
            errors.append(f"{item.key}: no defined name")
            continue
        if item.shape == "series":
            expected = [float(v) for v in results.row(item.key)]
        else:
            expected = [float(results.values[item.key][0, 0])]
        if len(cells) != len(expected):
            errors.append(f"{item.key}: {len(cells)} cells for {len(expected)} values")
            continue
        for (sheet, cell), e in zip(cells, expected, strict=True):
            compared.add((sheet, cell))
            a = recalculated.get((sheet, cell))
            if edited and item.key.endswith("irr") and e < 0 and is_not_available(a):
                continue  # a losing project's negative root, missed from stale guesses
            if not agree(e, a, abs_=abs_tol(item.key)):
                errors.append(f"{item.key} {sheet}!{cell}: engine {e!r}, recalculated {show(a)}")
    # the input-range warnings of the Checks sheet: each input's status word
    # against its stated low/high and its domain, from the scenario read back
    scenario = read_workbook(path).scenario
    checks = openpyxl.load_workbook(path)["Checks"]
    for row in checks.iter_rows(min_row=5, max_col=3):
        key = str(row[2].value or "")
        if not key.startswith("bounds."):
            continue
        a = scenario.assumptions[key.removeprefix("bounds.")]
        spec = scenario.model.input(a.key)
        values = np.atleast_1d(np.asarray(a.value, dtype=np.float64))
        status = "ok"
        if not spec.ok(values, scenario.start_year, scenario.years[-1]).all():
            status = "outside domain"
        elif (a.low is not None and (values < a.low).any()) or (
            a.high is not None and (values > a.high).any()
        ):
            status = "outside range"
        cell = ("Checks", f"D{row[0].row}")
        if recalculated.get(cell) != status:
            errors.append(
                f"{key} Checks!D{row[0].row}: expected {status!r}, recalculated "
                f"{show(recalculated.get(cell))}"
            )
        # the row's other formulas echo the Assumptions cells (value, low, high)
        compared |= {
            (s, c) for s, c in _formula_keys(path) if s == "Checks" and c[1:] == cell[1][1:]
        }
    # every formula of Results and Checks is a line item or an input-range
    # warning that was compared (the rows above the table hold the master
    # check as a word: not a line item)
    skipped = {
        k
        for k in _formula_keys(path)
        if k[0] in ("Results", "Checks")
        and k not in compared
        and int(k[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) > 4
    }
    errors += [f"{s}!{c}: formula not compared with the engine" for s, c in sorted(skipped)]
    return errors, len(compared)


def _formula_keys(path: Path) -> set[tuple[str, str]]:
    _is_formula(path, ("", ""))
    return _FORMULA_CELLS[path]


def report(engine: str, failures: dict[str, list[str]], total: int) -> str:
    counts = ", ".join(f"{k}: {len(v)}" for k, v in failures.items())
    first = [f"  {k}: {line}" for k, v in failures.items() for line in v][:SHOW]
    return f"{engine}: {total} disagreements ({counts}); first:\n" + "\n".join(first)


# ---------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_seed_workbooks_recalculate_to_their_cached_values(engine: str, corpus: Corpus) -> None:
    """Every formula cell of every seed workbook (and the per-year variant)."""
    values = run(engine, corpus)
    failures = {}
    for name, path in corpus.seeds.items():
        bad = disagreements(path, values[path])
        if bad:
            failures[name] = bad
    total = sum(map(len, failures.values()))
    assert not failures, report(engine, failures, total)


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_edited_copies_recalculate_to_the_engine(engine: str, corpus: Corpus) -> None:
    """Inputs changed with openpyxl: the workbook recalculated by the engine
    equals econ.evaluate of the edited scenario on every line item."""
    values = run(engine, corpus)
    edited = [(n, p) for n, p in corpus.edited.items() if p in values]
    assert len(edited) == (SLOW_ENGINE_EDITS if engine == "formulas" else len(EDITED))
    failures = {}
    for name, path in edited:
        errors, compared = engine_disagreements(path, values[path], edited=True)
        assert compared > 100
        if errors:
            failures[name] = errors
    total = sum(map(len, failures.values()))
    assert not failures, report(engine, failures, total)
    # the edits moved the results: the engine did not return the seed's values
    for name, path in edited:
        seed = values[corpus.seeds[name.partition("__")[0]]]
        results = [k for k in _formula_keys(path) if k[0] == "Results"]
        assert any(not agree(seed.get(k), values[path].get(k)) for k in results), name


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_engine_ignores_wrong_cached_values(engine: str, corpus: Corpus) -> None:
    values = run(engine, corpus)
    tampered = values[corpus.tampered]
    (npv,) = named_cells(corpus.tampered)["npv_usd"]
    assert read_cells(corpus.tampered)[npv] == 12345.0  # cached wrong on purpose
    errors, _ = engine_disagreements(corpus.tampered, tampered)
    assert not errors, report(engine, {"tampered": errors}, len(errors))
    assert not disagreements(corpus.clean, tampered)


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_portable_spellings(engine: str, corpus: Corpus) -> None:
    """The functions econ's formulas use, not-available values (NA() and the
    text "n/a") included, in a small workbook: every engine gives Excel's values."""
    values = run(engine, corpus)[corpus.probe]
    wrong = []
    for r, (formula, expected) in enumerate(PROBE, start=7):
        got = values.get(("S", f"B{r}"))
        if expected == "#N/A":
            ok = got == ExcelError("#N/A")
        elif isinstance(expected, str):
            ok = got == expected
        else:
            ok = agree(expected, got)
        if not ok:
            wrong.append(f"={formula}: expected {expected!r}, got {show(got)}")
    assert not wrong, f"{engine}: " + "; ".join(wrong)


def _index_args(formula: str) -> list[int]:
    """The number of top-level arguments of every INDEX( call in a formula."""
    out = []
    for m in re.finditer(r"\bINDEX\(", formula):
        depth, args, i = 1, 1, m.end()
        while depth and i < len(formula):
            ch = formula[i]
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            elif ch == "," and depth == 1:
                args += 1
            elif ch == '"':
                i = formula.index('"', i + 1)
            i += 1
        out.append(args)
    return out


_COUNT_RANGE = re.compile(r"\b(?:COLUMNS|ROWS)\(\s*([$A-Z]+[$0-9]+):([$A-Z]+[$0-9]+)\s*\)")


def _mixed_count_ranges(formula: str) -> list[str]:
    """COLUMNS/ROWS of a range whose two ends are anchored differently ($J5:J5)."""

    def anchors(ref: str) -> tuple[bool, bool]:
        col, row = re.fullmatch(r"(\$?[A-Z]+)(\$?\d+)", ref).groups()  # type: ignore[union-attr]
        return col.startswith("$"), row.startswith("$")

    return [m[0] for m in _COUNT_RANGE.finditer(formula) if anchors(m[1]) != anchors(m[2])]


def test_seed_formulas_avoid_the_spellings_some_engines_misread(corpus: Corpus) -> None:
    """No two-argument INDEX (Gnumeric, HyperFormula) and no COLUMNS/ROWS of a
    range with a relative end (HyperFormula): see the module docstring."""
    found = []
    for name, path in corpus.seeds.items():
        for (sheet, cell), text in read_cells(path, formulas=True).items():
            if not (isinstance(text, str) and _is_formula(path, (sheet, cell))):
                continue
            if any(n == 2 for n in _index_args(text)) or _mixed_count_ranges(text):
                found.append(f"{name} {sheet}!{cell} {text}")
    assert not found, found[:SHOW]
    assert _index_args('=INDEX(a,MATCH(1,b,0))+INDEX(c,1,"x,y")') == [2, 3]
    assert _mixed_count_ranges("=COLUMNS($J5:J5)+ROWS(A$1:A3)") == [
        "COLUMNS($J5:J5)",
        "ROWS(A$1:A3)",
    ]
    assert _mixed_count_ranges("=COLUMNS(a)+COLUMNS($J$5:$K$5)+COLUMNS(J5:K5)") == []


# ---------------------------------------------------------------------------
# the interface's errors
# ---------------------------------------------------------------------------


def test_engine_errors_say_what_went_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, corpus: Corpus
) -> None:
    with pytest.raises(ValueError, match="unknown engine 'excel'"):
        recalculate("excel", [corpus.probe])
    monkeypatch.setenv("SSCONVERT", str(tmp_path / "no-ssconvert"))
    with pytest.raises(EngineMissing, match="apt-get install gnumeric"):
        recalculate("gnumeric", [corpus.probe])
    monkeypatch.setenv("ECON_HYPERFORMULA_DIR", str(tmp_path))
    assert "recalc.js" in str(missing("hyperformula"))
    if missing("formulas") is None:
        with pytest.raises(EngineError, match="no such file"):
            recalculate("formulas", [tmp_path / "absent.xlsx"])


@pytest.mark.formulas
def test_engine_timeout_is_an_engine_error(corpus: Corpus) -> None:
    with pytest.raises(EngineError, match="took longer than"):
        recalculate("formulas", [corpus.probe], timeout=0.05)


@pytest.mark.hyperformula
def test_unreadable_workbook_is_an_engine_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(EngineError, match=r"bad\.xlsx"):
        recalculate("hyperformula", [bad])
