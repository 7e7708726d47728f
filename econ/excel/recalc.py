"""Recalculate workbooks with LibreOffice headless and read their values back.

Used by the tests and benchmarks to prove that the formulas econ writes are
live and agree with the engine. LibreOffice trusts the cached values of a file
that says Excel wrote it, so a full recalculation is forced with a private
profile whose settings say "always recalculate on load" (OOXMLRecalcMode = 0).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl

__all__ = ["RecalcError", "find_soffice", "read_values", "recalculate", "recalculate_many"]

_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""

_PROFILE: Path | None = None


class RecalcError(RuntimeError):
    """LibreOffice is missing, failed, timed out or wrote no output."""


def find_soffice() -> str | None:
    """Path of the LibreOffice ``soffice`` binary, or None when not installed.

    The environment variable ``SOFFICE`` overrides the search.
    """
    env = os.environ.get("SOFFICE")
    if env:
        return env if Path(env).exists() else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in (
        "/usr/bin/soffice",
        "/usr/lib/libreoffice/program/soffice",
        "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    ):
        if Path(candidate).exists():
            return candidate
    return None


def _profile() -> Path:
    """A private LibreOffice profile (one per process) forcing recalculation."""
    global _PROFILE
    if _PROFILE is None or not _PROFILE.exists():
        root = Path(tempfile.mkdtemp(prefix="econ-lo-profile-"))
        (root / "user").mkdir()
        (root / "user" / "registrymodifications.xcu").write_text(_XCU, encoding="utf-8")
        _PROFILE = root
    return _PROFILE


def recalculate_many(
    paths: Sequence[str | Path], outdir: str | Path, *, timeout: float = 180.0, to: str = "xlsx"
) -> list[Path]:
    """Recalculate several workbooks in one LibreOffice run.

    Args:
        paths: ``.xlsx`` files; their names must differ (outputs share ``outdir``).
        outdir: folder for the recalculated copies (same file names).
        timeout: seconds before LibreOffice is stopped.
        to: the output format (``xlsx``; ``pdf`` prints each workbook).

    Returns:
        The recalculated files, in the order of ``paths``.

    Raises:
        RecalcError: LibreOffice missing, failing, timing out, or not writing a file.
    """
    soffice = find_soffice()
    if soffice is None:
        raise RecalcError(
            "LibreOffice not found: apt-get install libreoffice-calc-nogui "
            "(or set SOFFICE to the soffice binary)"
        )
    srcs = [Path(p).resolve() for p in paths]
    if len({p.name for p in srcs}) != len(srcs):
        raise RecalcError("workbooks recalculated together need distinct file names")
    out = Path(outdir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    targets = [out / f"{p.stem}.{to}" for p in srcs]
    if any(t == s for t, s in zip(targets, srcs, strict=True)):
        raise RecalcError("outdir must differ from the folder of the input workbooks")
    for t in targets:
        t.unlink(missing_ok=True)
    cmd = [
        soffice,
        f"-env:UserInstallation={_profile().as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        to,
        "--outdir",
        str(out),
        *map(str, srcs),
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise RecalcError(f"LibreOffice took longer than {timeout:g} s") from None
    missing = [t for t in targets if not t.exists()]
    if proc.returncode != 0 or missing:
        raise RecalcError(
            f"LibreOffice failed (exit {proc.returncode}); missing "
            f"{[m.name for m in missing]}: {proc.stderr.strip()[-500:]}"
        )
    return targets


def recalculate(path: str | Path, outdir: str | Path, *, timeout: float = 120.0) -> Path:
    """Recalculate one workbook in LibreOffice (full recalculation forced).

    Args:
        path: the ``.xlsx`` file.
        outdir: folder for the recalculated copy (same file name).
        timeout: seconds before LibreOffice is stopped.

    Returns:
        The recalculated file.

    Raises:
        RecalcError: see :func:`recalculate_many`.
    """
    return recalculate_many([path], outdir, timeout=timeout)[0]


def read_values(path: str | Path) -> dict[tuple[str, str], object]:
    """Every non-empty cell's value (cached result for formulas) by
    ``(sheet, cell)``, e.g. ``("Results", "D5")``."""
    wb = openpyxl.load_workbook(path, data_only=True)
    try:
        out: dict[tuple[str, str], object] = {}
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if c.value is not None:
                        out[(ws.title, c.coordinate)] = c.value
        return out
    finally:
        wb.close()
