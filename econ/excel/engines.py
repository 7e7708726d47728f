"""Recalculate workbooks with independent spreadsheet engines and read every value.

Four engines that share no code recompute econ's workbooks from their formulas
alone, ignoring the cached results the writer stores:

``libreoffice``
    LibreOffice Calc headless with a profile forcing a full recalculation on load
    (:mod:`econ.excel.recalc`); Debian package ``libreoffice-calc-nogui``.
``gnumeric``
    ``ssconvert --recalc`` (Debian package ``gnumeric``), one process per
    workbook, as many at a time as there are cores.
``hyperformula``
    HyperFormula (npm) under Node.js, driven by ``scripts/hyperformula/recalc.js``:
    exceljs reads the cells and defined names, HyperFormula computes them with
    display rounding switched off (``smartRounding: false``,
    ``precisionEpsilon: 0``). Installed by ``npm ci --prefix scripts/hyperformula``.
``formulas``
    The Python package ``formulas`` (PyPI), in worker processes so that a slow
    workbook can be timed out.

:func:`recalculate` runs one engine over many workbooks (batched: one
LibreOffice or Node.js run for all of them) and returns every non-empty cell's
value by ``(sheet, cell)``: a float, int, str or bool, or an :class:`ExcelError`
for an error value such as ``#N/A``. :func:`agree` compares a cached value with a
recalculated one the way the tests do; "n/a", ``#N/A`` and NaN all mean "not
available" and equal one another.

>>> agree(0.1 + 0.2, 0.3), agree("n/a", ExcelError("#N/A")), agree(1.0, ExcelError("#NUM!"))
(True, True, False)
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

from econ.excel import recalc

__all__ = [
    "ENGINES",
    "EngineError",
    "EngineMissing",
    "ExcelError",
    "Values",
    "agree",
    "engine_version",
    "is_not_available",
    "missing",
    "read_cells",
    "recalculate",
    "recalculate_one",
]

ENGINES = ("libreoffice", "gnumeric", "hyperformula", "formulas")

#: Every non-empty cell's value by (sheet, cell), e.g. ``("Results", "D5")``.
Values = dict[tuple[str, str], object]

#: The text econ caches where the engine has no number (NaN).
NOT_AVAILABLE_TEXT = "n/a"

#: Where the HyperFormula driver lives (override with ECON_HYPERFORMULA_DIR).
HYPERFORMULA_DIR = Path(__file__).resolve().parents[2] / "scripts" / "hyperformula"

_TIMEOUT = 300.0
_CELL_KEY = re.compile(r"^'?\[(?P<book>[^\]]+)\](?P<sheet>.+?)'?!(?P<cell>\$?[A-Z]+\$?\d+)$")


@dataclass(frozen=True)
class ExcelError:
    """A spreadsheet error value, e.g. ``ExcelError("#N/A")``."""

    code: str

    def __str__(self) -> str:
        return self.code


class EngineError(RuntimeError):
    """An engine failed, timed out or gave no values for a workbook."""

    def __init__(self, engine: str, message: str) -> None:
        super().__init__(f"{engine}: {message}")
        self.engine = engine


class EngineMissing(EngineError):
    """The engine is not installed here; the message says how to install it."""


# ---------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------


def is_not_available(value: object) -> bool:
    """True for econ's "no value": the text "n/a", the error #N/A (as an
    :class:`ExcelError` or as text) and NaN."""
    if isinstance(value, ExcelError):
        return value.code == "#N/A"
    if isinstance(value, str):
        return value in (NOT_AVAILABLE_TEXT, "#N/A")
    return isinstance(value, float) and math.isnan(value)


def agree(expected: object, actual: object, *, rel: float = 1e-9, abs_: float = 1e-9) -> bool:
    """Whether a recalculated value equals the expected (cached or engine) one.

    Numbers within ``rel`` relative (``abs_`` absolute near 0), booleans as 1/0,
    text exactly; any "not available" value (:func:`is_not_available`) equals
    any other; every other error value disagrees with everything.
    """
    if is_not_available(expected) or is_not_available(actual):
        return is_not_available(expected) and is_not_available(actual)
    if isinstance(expected, ExcelError) or isinstance(actual, ExcelError):
        return False
    if isinstance(expected, str) or isinstance(actual, str):
        return expected == actual
    if expected is None or actual is None:
        return expected is None and actual is None
    if not isinstance(expected, int | float) or not isinstance(actual, int | float):
        return False
    return math.isclose(float(expected), float(actual), rel_tol=rel, abs_tol=abs_)


def read_cells(path: str | Path, *, formulas: bool = False) -> Values:
    """Every non-empty cell of a workbook by ``(sheet, cell)``.

    Args:
        path: the ``.xlsx`` file.
        formulas: False for values (the cached result of a formula cell, error
            values as :class:`ExcelError`); True for what the cells hold (a
            formula as its text, "=...").
    """
    with warnings.catch_warnings():
        # "Workbook contains no default style": Gnumeric's files; values unaffected
        warnings.simplefilter("ignore", UserWarning)
        wb = openpyxl.load_workbook(path, data_only=not formulas)
    try:
        out: Values = {}
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if c.value is None:
                        continue
                    if c.data_type == "e" and not formulas:
                        out[(ws.title, c.coordinate)] = ExcelError(str(c.value))
                    elif c.data_type == "f":
                        out[(ws.title, c.coordinate)] = str(c.value)
                    else:
                        out[(ws.title, c.coordinate)] = c.value
        return out
    finally:
        wb.close()


def _from_json(value: object) -> object:
    if isinstance(value, dict):
        return ExcelError(str(value.get("error", "#VALUE!")))
    return value


# ---------------------------------------------------------------------------
# finding the engines
# ---------------------------------------------------------------------------


def _ssconvert() -> str | None:
    env = os.environ.get("SSCONVERT")
    if env:
        return env if Path(env).exists() else None
    return shutil.which("ssconvert")


def _node() -> str | None:
    env = os.environ.get("NODE")
    if env:
        return env if Path(env).exists() else None
    return shutil.which("node") or shutil.which("nodejs")


def _hyperformula_dir() -> Path:
    return Path(os.environ.get("ECON_HYPERFORMULA_DIR") or HYPERFORMULA_DIR)


def missing(engine: str) -> str | None:
    """None when ``engine`` can run here, else what is missing and how to install it.

    >>> missing("excel")
    "unknown engine 'excel': one of ('libreoffice', 'gnumeric', 'hyperformula', 'formulas')"
    """
    if engine == "libreoffice":
        if recalc.find_soffice() is None:
            return (
                "LibreOffice not found: apt-get install libreoffice-calc-nogui "
                "(or set SOFFICE to the soffice binary)"
            )
        return None
    if engine == "gnumeric":
        if _ssconvert() is None:
            return "Gnumeric's ssconvert not found: apt-get install gnumeric (or set SSCONVERT)"
        return None
    if engine == "hyperformula":
        if _node() is None:
            return "Node.js not found: apt-get install nodejs npm (or set NODE)"
        folder = _hyperformula_dir()
        if not (folder / "recalc.js").exists():
            return f"{folder / 'recalc.js'} not found (set ECON_HYPERFORMULA_DIR)"
        for package in ("hyperformula", "exceljs"):
            if not (folder / "node_modules" / package / "package.json").exists():
                return f"npm package {package} not installed: npm ci --prefix {folder}"
        return None
    if engine == "formulas":
        try:
            import formulas  # noqa: F401
        except ImportError:
            return "Python package formulas not installed: pip install -e '.[test]'"
        return None
    return f"unknown engine {engine!r}: one of {ENGINES}"


def engine_version(engine: str) -> str:
    """The installed version of ``engine`` (raises :class:`EngineMissing`)."""
    _require(engine)
    if engine == "libreoffice":
        cmd = [str(recalc.find_soffice()), "--version"]
    elif engine == "gnumeric":
        cmd = [str(_ssconvert()), "--version"]
    elif engine == "hyperformula":
        pkg = _hyperformula_dir() / "node_modules" / "hyperformula" / "package.json"
        return "hyperformula " + str(json.loads(pkg.read_text(encoding="utf-8"))["version"])
    else:
        from importlib.metadata import version

        return "formulas " + version("formulas")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    return (proc.stdout or proc.stderr).strip().splitlines()[0] if proc.returncode == 0 else "?"


def _require(engine: str) -> None:
    problem = missing(engine)
    if problem is not None:
        if engine not in ENGINES:
            raise ValueError(problem)
        raise EngineMissing(engine, problem)


# ---------------------------------------------------------------------------
# recalculation
# ---------------------------------------------------------------------------


def recalculate(
    engine: str,
    paths: Iterable[str | Path],
    *,
    timeout: float = _TIMEOUT,
    workers: int | None = None,
) -> dict[Path, Values]:
    """Recalculate workbooks with one engine and read every cell's value.

    Args:
        engine: one of :data:`ENGINES`.
        paths: ``.xlsx`` files (left unchanged).
        timeout: seconds for one engine run (LibreOffice and HyperFormula do all
            the files in one run; Gnumeric runs once per file; ``formulas`` once
            per group of files).
        workers: engine processes at a time for Gnumeric and ``formulas``
            (default: the number of cores).

    Returns:
        For each input path (as given, in order), every non-empty cell's value
        by ``(sheet, cell)``; formula cells hold the engine's result.

    Raises:
        EngineMissing: the engine is not installed.
        EngineError: it failed, timed out or gave no values for a workbook.
        ValueError: an unknown engine.
    """
    files = [Path(p) for p in paths]
    _require(engine)
    if not files:
        return {}
    for f in files:
        if not f.is_file():
            raise EngineError(engine, f"{f}: no such file")
    n = max(1, min(workers or os.cpu_count() or 1, len(files)))
    if engine == "libreoffice":
        values = _libreoffice(files, timeout)
    elif engine == "gnumeric":
        values = _gnumeric(files, timeout, n)
    elif engine == "hyperformula":
        values = _hyperformula(files, timeout)
    else:
        values = _formulas(files, timeout, n)
    return dict(zip(files, values, strict=True))


def recalculate_one(engine: str, path: str | Path, *, timeout: float = _TIMEOUT) -> Values:
    """:func:`recalculate` for a single workbook."""
    return recalculate(engine, [path], timeout=timeout)[Path(path)]


def _libreoffice(files: Sequence[Path], timeout: float) -> list[Values]:
    # Outputs share one folder per run, so files of the same name go to separate runs.
    groups: list[list[int]] = []
    for i, f in enumerate(files):
        for g in groups:
            if all(files[j].name != f.name for j in g):
                g.append(i)
                break
        else:
            groups.append([i])
    out: list[Values] = [{} for _ in files]
    with tempfile.TemporaryDirectory(prefix="econ-lo-") as tmp:
        for k, group in enumerate(groups):
            try:
                done = recalc.recalculate_many(
                    [files[i] for i in group], Path(tmp) / str(k), timeout=timeout
                )
            except recalc.RecalcError as exc:
                raise EngineError("libreoffice", str(exc)) from None
            for i, result in zip(group, done, strict=True):
                out[i] = read_cells(result)
    return out


def _gnumeric(files: Sequence[Path], timeout: float, workers: int) -> list[Values]:
    ssconvert = str(_ssconvert())
    env = dict(os.environ, GSETTINGS_BACKEND="memory", NO_AT_BRIDGE="1")

    def one(job: tuple[int, Path], tmp: Path) -> Values:
        i, src = job
        dst = tmp / f"{i}.xlsx"
        cmd = [ssconvert, "--recalc", "-T", "Gnumeric_Excel:xlsx2", str(src), str(dst)]
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout, check=False, env=env
            )
        except subprocess.TimeoutExpired:
            raise EngineError("gnumeric", f"{src.name}: took longer than {timeout:g} s") from None
        if proc.returncode != 0 or not dst.exists():
            raise EngineError(
                "gnumeric",
                f"{src.name}: ssconvert failed (exit {proc.returncode}): "
                f"{proc.stderr.strip()[-500:]}",
            )
        return read_cells(dst)

    with (
        tempfile.TemporaryDirectory(prefix="econ-gnumeric-") as tmp,
        ThreadPoolExecutor(max_workers=workers) as pool,
    ):
        return list(pool.map(lambda job: one(job, Path(tmp)), enumerate(files)))


def _run_json(
    engine: str, cmd: list[str], timeout: float, cwd: Path | None = None
) -> dict[str, Any]:
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, check=False, cwd=cwd
        )
    except subprocess.TimeoutExpired:
        raise EngineError(engine, f"took longer than {timeout:g} s") from None
    if proc.returncode != 0:
        raise EngineError(engine, f"exit {proc.returncode}: {proc.stderr.strip()[-800:]}")
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise EngineError(engine, f"unreadable output ({exc}): {proc.stdout[:200]!r}") from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise EngineError(engine, f"unexpected output: {proc.stdout[:200]!r}")
    return data


def _parse_files(engine: str, files: Sequence[str], data: dict[str, Any]) -> list[Values]:
    out = []
    for name in files:
        cells = data["files"].get(name)
        if not isinstance(cells, dict):
            raise EngineError(engine, f"{name}: no values")
        if "failed" in cells:
            raise EngineError(engine, f"{Path(name).name}: {str(cells['failed'])[-800:]}")
        values: Values = {}
        for key, value in cells.items():
            sheet, _, cell = key.rpartition("!")
            values[(sheet, cell)] = _from_json(value)
        out.append(values)
    return out


def _hyperformula(files: Sequence[Path], timeout: float) -> list[Values]:
    folder = _hyperformula_dir()
    names = [str(f.resolve()) for f in files]
    data = _run_json(
        "hyperformula", [str(_node()), str(folder / "recalc.js"), *names], timeout, cwd=folder
    )
    return _parse_files("hyperformula", names, data)


def _formulas(files: Sequence[Path], timeout: float, workers: int) -> list[Values]:
    names = [str(f.resolve()) for f in files]
    chunks = [names[k::workers] for k in range(workers)]
    cmd = [sys.executable, "-m", "econ.excel.engines", "--formulas-worker"]

    def run(chunk: list[str]) -> dict[str, Any]:
        return _run_json("formulas", [*cmd, *chunk], timeout)

    merged: dict[str, Any] = {"files": {}}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for data in pool.map(run, [c for c in chunks if c]):
            merged["files"].update(data["files"])
    return _parse_files("formulas", names, merged)


def _json_value(value: object) -> object:
    """A value of the ``formulas`` package as JSON (errors as {"error": code})."""
    from formulas.functions import XlError

    if isinstance(value, XlError):
        return {"error": str(value)}
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalar
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"error": "#NUM!"}
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return str(value)
    return None  # formulas' "empty"


def _formulas_values(path: str) -> dict[str, object]:
    """Every cell of one workbook computed by the ``formulas`` package, plus the
    file's literal cells (the package only reports the cells formulas use)."""
    import formulas

    wb = openpyxl.load_workbook(path)
    try:
        sheets = {ws.title.upper(): ws.title for ws in wb.worksheets}
        out: dict[str, object] = {
            f"{ws.title}!{c.coordinate}": _json_value(c.value)
            for ws in wb.worksheets
            for row in ws.iter_rows()
            for c in row
            if c.value is not None and c.data_type not in ("f", "e")
        }
    finally:
        wb.close()
    model = formulas.ExcelModel().loads(path).finish()
    solution = model.calculate()
    for key, ranges in solution.items():
        m = _CELL_KEY.match(str(key))
        if m is None or m["sheet"].upper() not in sheets:
            continue  # a range or a defined name
        value = getattr(ranges, "value", ranges)
        if hasattr(value, "shape"):
            if value.shape != (1, 1):
                continue
            value = value[0, 0]
        converted = _json_value(value)
        if converted is not None:
            out[f"{sheets[m['sheet'].upper()]}!{m['cell'].replace('$', '')}"] = converted
    return out


def _formulas_worker(paths: Sequence[str]) -> int:
    warnings.simplefilter("ignore")
    files: dict[str, object] = {}
    for path in paths:
        try:
            files[path] = _formulas_values(path)
        except Exception as exc:  # reported per file to the parent
            files[path] = {"failed": f"{type(exc).__name__}: {exc}"}
    json.dump({"engine": "formulas", "files": files}, sys.stdout)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--formulas-worker":
        sys.exit(_formulas_worker(sys.argv[2:]))
    print("usage: python -m econ.excel.engines --formulas-worker A.xlsx ...", file=sys.stderr)
    sys.exit(2)
