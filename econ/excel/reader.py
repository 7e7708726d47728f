"""Read an edited econ workbook back: the Assumptions sheet becomes a scenario.

The workbook's hidden ``_econ`` sheet records the generator, the scenario
file it was built from (as TOML, sources included) and the cell of every
input. Reading checks, before openpyxl parses anything, that the file is a
plain zip of sane declared size (no password-protected CFB container, no
zip bomb); XML entity bombs are refused by defusedxml, which openpyxl uses
when it is installed (it is a dependency of econ). Then every input cell is
validated: the key still in column A of its row, the unit unchanged, a
finite number within the model's domain and the row's bounds. Any problem is
one :class:`~econ.errors.InputError` naming the file, the cell (e.g.
``Assumptions!C7``), the assumption, what was expected and what was found.

Edits econ cannot carry into a rebuilt workbook (an added sheet, a comment,
a changed formula) are returned as warnings, never silently dropped.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from econ.display import entry_unit, format_value
from econ.errors import InputError
from econ.scenario import Scenario, Source, parse_scenario

__all__ = [
    "MAX_MEMBER_BYTES",
    "MAX_TOTAL_BYTES",
    "EditedWorkbook",
    "check_container",
    "read_workbook",
]

#: Refuse workbooks whose members would inflate beyond these sizes (declared
#: in the zip directory, checked before anything is decompressed).
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_MEMBER_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, per member above 1 MB
MAX_ROWS = 10_000  # the Assumptions sheet of an econ workbook has a few dozen
#: Refuse a sheet declaring more cells than this (an econ sheet has a few
#: thousand), read from its <dimension> before any full parse.
MAX_CELLS = 500_000
_DIMENSION = re.compile(
    rb'<dimension ref="\$?([A-Z]{1,3})\$?(\d{1,7})(?::\$?([A-Z]{1,3})\$?(\d{1,7}))?"'
)
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CELL = re.compile(r"^(?:(?P<sheet>\w+)!)?\$?(?P<col>[A-Z]+)\$?(?P<row>\d+)(?::.*)?$")
_ERROR_VALUES = {"#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#N/A", "#NUM!", "#NULL!"}
META_SHEET = "_econ"


@dataclass(frozen=True)
class EditedWorkbook:
    """What an edited workbook holds.

    Attributes:
        original: the scenario the workbook was generated from.
        scenario: the same scenario with the workbook's input values.
        warnings: edits that a rebuild cannot carry over, each naming its place.
    """

    original: Scenario
    scenario: Scenario
    warnings: tuple[str, ...]


def check_container(path: Path) -> None:
    """Refuse files that are not a sane xlsx zip, before parsing any XML.

    Raises:
        InputError: not a file, password-protected, not a zip, truncated or
            corrupt, or declaring sizes above the limits (zip bomb).
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise InputError(path, None, "no such file") from None
    except OSError as exc:
        raise InputError(path, None, f"cannot read: {exc.strerror}") from None
    if head == _CFB_MAGIC:
        raise InputError(
            path,
            None,
            "the workbook is password-protected (encrypted) or in the old .xls format; "
            "save it without a password as .xlsx",
        )
    if not zipfile.is_zipfile(path):
        raise InputError(path, None, "not an xlsx workbook (expected a zip container)")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = 0
            for info in infos:
                total += info.file_size
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > MAX_MEMBER_BYTES or (
                    info.file_size > 1024 * 1024 and ratio > MAX_RATIO
                ):
                    raise InputError(
                        path,
                        info.filename,
                        f"refused: declares {info.file_size:,} bytes uncompressed "
                        f"(ratio {ratio:.0f}:1; limits {MAX_MEMBER_BYTES:,} bytes and "
                        f"{MAX_RATIO}:1): possible zip bomb",
                    )
            if total > MAX_TOTAL_BYTES:
                raise InputError(
                    path,
                    None,
                    f"refused: declares {total:,} bytes uncompressed "
                    f"(limit {MAX_TOTAL_BYTES:,}): possible zip bomb",
                )
            bad = zf.testzip()
            if bad is not None:
                raise InputError(path, bad, "corrupt zip member (CRC mismatch)")
            names = {i.filename for i in infos}
            if "xl/workbook.xml" not in names:
                raise InputError(path, None, "not an xlsx workbook (no xl/workbook.xml)")
            sheets = _sheet_names(zf)
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    _check_dimension(path, zf, info, sheets.get(info.filename, info.filename))
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise InputError(path, None, f"truncated or corrupt xlsx file ({exc})") from None


def _sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Zip member -> sheet name, from the workbook part and its relations
    (read with regular expressions: no XML parser, no entities)."""
    try:
        book = zf.read("xl/workbook.xml")[: 1 << 20].decode("utf-8", "replace")
        rels = zf.read("xl/_rels/workbook.xml.rels")[: 1 << 20].decode("utf-8", "replace")
    except (KeyError, OSError, zipfile.BadZipFile):
        return {}
    target = {}
    for rel in re.findall(r"<Relationship\b[^>]*>", rels):
        rid, tgt = re.search(r'Id="([^"]+)"', rel), re.search(r'Target="([^"]+)"', rel)
        if rid and tgt:
            t = tgt[1].lstrip("/")
            target[rid[1]] = t if t.startswith("xl/") else f"xl/{t}"
    out = {}
    for sheet in re.findall(r"<sheet\b[^>]*>", book):
        name, rid = re.search(r'name="([^"]*)"', sheet), re.search(r'r:id="([^"]+)"', sheet)
        if name and rid and rid[1] in target:
            out[target[rid[1]]] = name[1]
    return out


def _check_dimension(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, sheet: str) -> None:
    """Refuse a sheet of more than :data:`MAX_CELLS` cells or :data:`MAX_ROWS`
    rows, from its ``<dimension>`` element (or, without one, by counting its
    cells while streaming), before openpyxl parses it."""
    from openpyxl.utils import column_index_from_string

    with zf.open(info) as fh:
        head = fh.read(4096)
        m = _DIMENSION.search(head)
        if m:
            first_row = int(m[2])
            last_col, last_row = (m[3], int(m[4])) if m[3] else (m[1], first_row)
            rows = last_row - first_row + 1
            cells = rows * max(column_index_from_string(last_col.decode()), 1)
        else:
            cells = head.count(b"<c ")
            tail = head[-3:]
            while cells <= MAX_CELLS and (chunk := fh.read(1 << 20)):
                cells += (tail + chunk).count(b"<c ")
                tail = chunk[-3:]
            rows = 0
    if cells > MAX_CELLS or rows > MAX_ROWS:
        raise InputError(
            path,
            sheet,
            f"refused: {f'{rows:,} rows, ' if rows else ''}{cells:,} cells (limits "
            f"{MAX_ROWS:,} rows, {MAX_CELLS:,} cells): not an econ sheet",
        )


def _load(path: Path, *, data_only: bool) -> Any:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(path, data_only=data_only, rich_text=False)
    except InputError:
        raise
    except Exception as exc:  # defusedxml, openpyxl and zipfile raise many types
        name = type(exc).__name__
        if "Entities" in name or "DTD" in name or "entit" in str(exc).lower():
            raise InputError(
                path, None, "refused: the XML declares entities (possible entity bomb)"
            ) from None
        raise InputError(path, None, f"cannot read the workbook ({name}: {exc})") from None


def _meta(path: Path, wb: Any) -> dict[str, Any]:
    if META_SHEET not in wb.sheetnames:
        raise InputError(
            path,
            None,
            "not a workbook generated by econ (no hidden '_econ' sheet); "
            "econ only reads back workbooks it wrote",
        )
    ws = wb[META_SHEET]
    meta: dict[str, Any] = {}
    for key, value in ws.iter_rows(min_row=2, max_col=2, values_only=True):
        if key == "scenario_toml":
            if not isinstance(value, str):
                raise InputError(
                    path,
                    META_SHEET,
                    "the hidden econ metadata sheet was changed (the scenario text is "
                    f"{_describe(value)}); rebuild the workbook from its scenario file",
                )
            meta[key] = meta.get(key, "") + value
        elif isinstance(key, str):
            meta[key] = value
    if meta.get("generator") != "econ":
        raise InputError(path, f"{META_SHEET}!B2", "not a workbook generated by econ")
    if "scenario_toml" not in meta:
        raise InputError(path, META_SHEET, "the econ metadata lacks the scenario; rebuild it")
    return meta


def _describe(value: object) -> str:
    if value is None:
        return "an empty cell"
    if isinstance(value, bool):
        return f"a true/false value ({value})"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return f"a date ({value})"
    if isinstance(value, str):
        return f"an error value {value}" if value in _ERROR_VALUES else f"text {value!r}"
    return f"{type(value).__name__} {value!r}"


def _number(path: Path, where: str, key: str, unit: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(
            path,
            where,
            f"assumption '{key}': expected a number in {unit}, found {_describe(value)}",
        )
    x = float(value)
    if not math.isfinite(x):
        raise InputError(path, where, f"assumption '{key}': expected a finite number, found {x}")
    return x


def _cells(ref: str) -> tuple[str, int, int]:
    """``"Assumptions!$C$7"`` or ``"Assumptions!$F$12:$AI$12"`` -> sheet, row, first col."""
    m = _CELL.match(ref)
    if not m:
        raise ValueError(ref)
    from openpyxl.utils import column_index_from_string

    return m["sheet"] or "Assumptions", int(m["row"]), column_index_from_string(m["col"])


def _iter_inputs(
    path: Path, wb: Any, meta: dict[str, Any], original: Scenario
) -> Iterator[tuple[str, Any, float | None, float | None]]:
    """Yield (key, value or tuple, low, high) read from the Assumptions sheet,
    in the model's unit: a cell typed in a scaled unit (60 in ``bn RUB``) is
    multiplied by its factor; an unedited cell gives the original value."""
    for spec in original.model.inputs:
        ref = meta.get(f"input.{spec.key}")
        if not isinstance(ref, str):
            if spec.default is not None or spec.default_from:
                continue  # built before the input existed: its documented default holds
            raise InputError(path, META_SHEET, f"no cell recorded for assumption '{spec.key}'")
        sheet, row, col = _cells(ref)
        if sheet not in wb.sheetnames:
            raise InputError(path, sheet, f"the sheet '{sheet}' was deleted or renamed")
        ws = wb[sheet]
        if ws.max_row > MAX_ROWS:
            raise InputError(
                path, sheet, f"refused: {ws.max_row:,} rows (limit {MAX_ROWS:,}): not an econ sheet"
            )
        key_cell = f"{sheet}!A{row}"
        found = ws.cell(row, 1).value
        if found != spec.key:
            raise InputError(
                path,
                key_cell,
                f"assumption '{spec.key}': expected its key in this cell, found "
                f"{_describe(found)} (a row was deleted, moved or renamed; "
                "undo that, or rebuild the workbook from the scenario file)",
            )
        typed, factor = entry_unit(spec.unit, spec.display)
        unit = ws.cell(row, 4).value
        if unit == spec.unit:  # a workbook written before inputs were typed scaled
            typed, factor = spec.unit, 1.0
        elif unit != typed:
            raise InputError(
                path,
                f"{sheet}!D{row}",
                f"assumption '{spec.key}': the unit must stay {typed!r}, found "
                f"{_describe(unit)} (convert the value instead)",
            )
        a = original.assumptions[spec.key]

        def number(
            r: int,
            c: int,
            was: float | None,
            ws: Any = ws,
            key: str = spec.key,
            typed: str = typed,
            factor: float = factor,
        ) -> float:
            where = f"{ws.title}!{ws.cell(r, c).coordinate}"
            x = _number(path, where, key, typed, ws.cell(r, c).value)
            return _canonical(x, was, factor)

        bounds = [
            None if ws.cell(row, c).value is None else number(row, c, was)
            for c, was in ((5, a.low), (6, a.high))
        ]
        if ":" in ref:  # per-year row
            old = a.value if isinstance(a.value, tuple) else ()
            values = tuple(
                number(row, col + i, old[i] if i < len(old) else None)
                for i in range(original.horizon_yr)
            )
            yield spec.key, values, bounds[0], bounds[1]
        else:
            was = a.value if isinstance(a.value, float) else None
            yield spec.key, number(row, col, was), bounds[0], bounds[1]


def read_workbook(path: str | Path) -> EditedWorkbook:
    """Read the Assumptions of an econ workbook (edited or not).

    An edited value loses its citation: its source becomes "edited in the
    workbook (was 20 USD/kg; cited: ...)"; an unedited one keeps its source.

    Args:
        path: the ``.xlsx`` file.

    Returns:
        The original and edited scenarios and warnings about edits that a
        rebuild would not carry over.

    Raises:
        InputError: naming the file, the cell and the assumption.
    """
    path = Path(path)
    check_container(path)
    wb = _load(path, data_only=True)
    meta = _meta(path, wb)
    try:
        return _read(path, wb, meta)
    except InputError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, RecursionError) as exc:
        raise InputError(
            path,
            META_SHEET,
            f"the hidden econ metadata sheet was changed or damaged ({type(exc).__name__}); "
            "rebuild the workbook from its scenario file (econ build SCENARIO.toml)",
        ) from None


def _input_formulas(path: Path, cells: dict[str, str]) -> dict[str, str]:
    """Formulas typed into input cells: ``"Assumptions!C7"`` -> ``"=C9*2"``."""
    import openpyxl

    wanted: dict[str, set[str]] = {}
    for ref in cells.values():
        sheet, row, col = _cells(ref)
        from openpyxl.utils import get_column_letter

        wanted.setdefault(sheet, set()).add(f"{get_column_letter(col)}{row}")
        if ":" in ref:  # a per-year row: every cell of it
            last = ref.split(":")[1]
            last_col = _cells(f"{sheet}!{last}")[2]
            for c in range(col, last_col + 1):
                wanted[sheet].add(f"{get_column_letter(c)}{row}")
    found: dict[str, str] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        for sheet, coords in wanted.items():
            if sheet not in wb.sheetnames:
                continue
            max_row = max(int(re.sub(r"[A-Z]", "", c)) for c in coords)
            for sheet_row in wb[sheet].iter_rows(max_row=max_row):
                for cell in sheet_row:
                    coord = getattr(cell, "coordinate", None)
                    value = getattr(cell, "value", None)
                    if coord in coords and isinstance(value, str) and value.startswith("="):
                        found[f"{sheet}!{coord}"] = value
    finally:
        wb.close()
    return found


def _read(path: Path, wb: Any, meta: dict[str, Any]) -> EditedWorkbook:
    try:
        original = parse_scenario(tomllib.loads(meta["scenario_toml"]), path)
    except (tomllib.TOMLDecodeError, InputError, RecursionError) as exc:
        raise InputError(path, META_SHEET, f"the embedded scenario is damaged ({exc})") from None
    data = tomllib.loads(meta["scenario_toml"])
    notes: list[str] = []
    cells = {k: meta[f"input.{k}"] for k in original.model.input_keys if f"input.{k}" in meta}
    formulas = _input_formulas(path, cells)
    for where, formula in formulas.items():
        sheet, row, col = _cells(where)
        value = wb[sheet].cell(row, col).value
        if value is None:
            raise InputError(
                path,
                where,
                f"a formula {formula!r} without a computed value: recalculate and save the "
                "workbook in Excel or LibreOffice, or type a number",
            )
        notes.append(
            f"{where}: the formula {formula!r} in an input cell was read as its value "
            f"{value!r}; the rebuilt workbook holds that number"
        )
    _timeline(path, wb, original, data, notes)
    for key, value, low, high in _iter_inputs(path, wb, meta, original):
        a = original.assumptions[key]
        if a.file_key not in data["assumptions"]:  # a documented default, not in the file
            if value == a.value and low is None and high is None:
                continue
            data["assumptions"][a.file_key] = {"source": a.source.to_toml_table()}
        entry = data["assumptions"][a.file_key]
        entry["value"] = list(value) if isinstance(value, tuple) else value
        entry["unit"] = original.model.input(key).unit
        if value != a.value:
            entry["source"] = Source(reason=_was(original, key), edited=True).to_toml_table()
        for name, bound in (("low", low), ("high", high)):
            if bound is None:
                entry.pop(name, None)
            else:
                entry[name] = bound
    cells |= {a.file_key: cells[k] for k, a in original.assumptions.items() if a.given_as}
    try:
        edited = parse_scenario(data, path)
    except InputError as exc:
        # Point at the cell rather than the TOML key.
        key = (exc.where or "").removeprefix("assumptions.").split(".")[0]
        at = cells.get(key, exc.where)
        message = exc.message
        if key in cells and not message.startswith("assumption"):
            message = f"assumption '{key}': {message}"
        raise InputError(path, at and at.replace("$", ""), message) from None
    return EditedWorkbook(original, edited, (*notes, *_unsupported_edits(path, wb)))


#: The timeline cells of the Assumptions sheet (written by econ.excel.writer).
START_YEAR_CELL, HORIZON_CELL = (3, 3), (4, 3)


def _timeline(
    path: Path, wb: Any, original: Scenario, data: dict[str, Any], notes: list[str]
) -> None:
    """Read the start-year and horizon cells back: a new start year is
    applied (and reported); the horizon fixes the per-year columns, so an
    edit of it is refused with the way to change it."""
    if "Assumptions" not in wb.sheetnames:
        return
    ws = wb["Assumptions"]
    start = ws.cell(*START_YEAR_CELL).value
    horizon = ws.cell(*HORIZON_CELL).value
    if horizon != original.horizon_yr:
        raise InputError(
            path,
            "Assumptions!C4",
            f"the horizon must stay {original.horizon_yr} years in the workbook (found "
            f"{_describe(horizon)}): it fixes the per-year columns; export the scenario "
            "(econ export), change timeline.horizon_yr there and build it",
        )
    if start != original.start_year:
        if isinstance(start, bool) or not isinstance(start, int | float) or start != int(start):
            raise InputError(
                path,
                "Assumptions!C3",
                f"the start year must be a whole year, found {_describe(start)}",
            )
        data["timeline"]["start_year"] = int(start)
        notes.append(
            f"Assumptions!C3: start year edited {original.start_year} -> {int(start)}: "
            "the timeline moves (check year inputs such as the start of production)"
        )


def _was(original: Scenario, key: str) -> str:
    """What an edited value was and where it came from: ``was 20 USD/kg;
    cited: <publication, date, figure>``."""
    a = original.assumptions[key]
    spec = original.model.input(key)
    if isinstance(a.value, tuple):
        first, last = (format_value(v, a.unit, spec.display) for v in (a.value[0], a.value[-1]))
        value = f"{first} … {last} by year"
    else:
        value = format_value(a.value, a.unit, spec.display)
    src = a.source
    if src.edited:
        origin = f"edited before: {src.reason}"
    elif src.cited:  # the publication, not the figure it no longer matches
        origin = "cited: " + ", ".join(p for p in (src.publication, src.date) if p)
    else:
        origin = f"assumption: {src.reason}"
    return f"was {value}; {origin}"


def _canonical(typed: float, was: float | None, factor: float) -> float:
    """A number read in its typed unit, in the model's unit: the original
    full-precision value where the cell still holds what econ wrote (an
    unedited cell is not an edit), otherwise ``typed x factor``."""
    if was is not None and typed == _stored(was / factor):
        return was
    return typed * factor


def _stored(x: float) -> float:
    """The number a workbook stores for ``x``: XlsxWriter writes 16 significant
    digits (``%.16G``), so a 17-digit float reads back 1 ulp away."""
    return float(f"{x:.16G}")


def _unsupported_edits(path: Path, wb: Any) -> Iterator[str]:
    """Added sheets and comments (formula changes need the formulas: see
    :func:`formula_changes`)."""
    from econ.excel.sheets_risk import ANALYSIS_SHEETS
    from econ.excel.writer import SHEET_NAMES

    for name in wb.sheetnames:
        if name in ANALYSIS_SHEETS:
            yield (
                f"sheet '{name}' holds econ's analysis of the inputs as built: the rebuilt "
                "workbook leaves it out (run `econ risk -o` or `econ sensitivity -o` again)"
            )
        elif name not in SHEET_NAMES and name != META_SHEET:
            yield f"sheet '{name}' was added: it is not carried into the rebuilt workbook"
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None:
                    yield f"{ws.title}!{cell.coordinate}: a comment is not carried over"


def formula_changes(edited: Path, rebuilt: Path) -> list[str]:
    """Formula cells of ``edited`` that differ from the rebuilt workbook's."""
    a, b = _load(edited, data_only=False), _load(rebuilt, data_only=False)
    missing = [n for n in b.sheetnames if n not in a.sheetnames]
    if missing:
        # An earlier layout (before the Instruments and Solves sheets), or a
        # deleted sheet: rows moved, so a cell-by-cell comparison says nothing.
        return [
            f"the rebuilt workbook adds the sheet{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(n) for n in missing)} (an earlier econ layout, or deleted): "
            "formulas were not compared; the rebuild has the model's formulas"
        ]
    out = []
    for name in b.sheetnames:
        if name not in a.sheetnames or name in ("Assumptions", META_SHEET):
            continue
        wa, wb_ = a[name], b[name]
        for row in wb_.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    mine = wa[cell.coordinate].value
                    if mine != cell.value:
                        out.append(
                            f"{name}!{cell.coordinate}: formula changed from {cell.value!r} to "
                            f"{mine!r}: a rebuild restores the model's formula"
                        )
    return out
