"""Tell an untouched econ workbook from an edited one, and keep the edited.

When econ writes a workbook it records a *seal* in the workbook's custom
document properties (``docProps/custom.xml``, property ``econ_seal``): the
SHA-256 of the name, CRC-32 and size of every other part of the file. Saving
the file in Excel or LibreOffice rewrites those parts, so the seal no longer
matches. Checking reads only the zip directory and the small properties part
(well under a millisecond), never the sheets.

Before econ replaces a workbook at an output path, :func:`keep_if_edited`
keeps a copy of it under a numbered backup name (:func:`backup_path`) when
it is not exactly what econ wrote: edited, saved again, written by an
older econ without a seal, or not an econ workbook at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import shutil
import zipfile
from pathlib import Path
from typing import Literal

from econ.outputs.files import EnvironmentFault, fault

__all__ = ["backup_path", "keep_if_edited", "seal_workbook", "workbook_state"]

_PROPS = "docProps/custom.xml"
_SEAL_RE = re.compile(rb'name="econ_seal"><vt:lpwstr>([0-9a-f]{64})</vt:lpwstr>')
_PID_RE = re.compile(rb'pid="(\d+)"')
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"

State = Literal["absent", "unchanged", "edited", "foreign"]


def _digest(infos: list[zipfile.ZipInfo]) -> str:
    h = hashlib.sha256()
    for info in sorted(infos, key=lambda i: i.filename):
        if info.filename != _PROPS:
            h.update(f"{info.filename}\0{info.CRC:08x}\0{info.file_size}\n".encode())
    return h.hexdigest()


def seal_workbook(path: str | Path) -> Path:
    """Add the ``econ_seal`` property to a workbook econ has just written
    (in its temporary file, before it is moved into place).

    The file is rewritten with the same parts, order, dates and compression,
    so the same workbook gives the same bytes.
    """
    path = Path(path)
    with zipfile.ZipFile(path) as zf:
        parts = [(info, zf.read(info)) for info in zf.infolist()]
    seal = _digest([info for info, _ in parts]).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for info, data in parts:
            if info.filename == _PROPS:
                pid = max((int(p) for p in _PID_RE.findall(data)), default=1) + 1
                prop = (
                    (
                        f'<property fmtid="{_FMTID}" pid="{pid}" name="econ_seal"><vt:lpwstr>'
                    ).encode()
                    + seal
                    + b"</vt:lpwstr></property>"
                )
                data = data.replace(b"</Properties>", prop + b"</Properties>")
            zf.writestr(info, data)
    path.write_bytes(out.getvalue())
    return path


def workbook_state(path: str | Path) -> State:
    """``"absent"`` (no file), ``"unchanged"`` (exactly as econ wrote it),
    ``"edited"`` (an econ workbook changed since, or written without a seal)
    or ``"foreign"`` (not an econ workbook)."""
    path = Path(path)
    if not os.path.lexists(path):
        return "absent"
    if path.is_dir():
        raise EnvironmentFault(path, "a folder is in the way of the file")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            props = next((i for i in infos if i.filename == _PROPS), None)
            if props is None or props.file_size > 64 * 1024:
                return "foreign"
            data = zf.read(props)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return "foreign"
    if b'name="econ_generator"' not in data:
        return "foreign"
    m = _SEAL_RE.search(data)
    return "unchanged" if m and m[1].decode() == _digest(infos) else "edited"


def backup_path(path: Path) -> Path:
    """``model.xlsx`` -> ``model.edited-backup.xlsx`` (then ``-2``, ``-3``...
    when taken)."""
    candidate = path.with_name(f"{path.stem}.edited-backup{path.suffix}")
    n = 2
    while os.path.lexists(candidate):
        candidate = path.with_name(f"{path.stem}.edited-backup-{n}{path.suffix}")
        n += 1
    return candidate


def keep_if_edited(path: str | Path) -> Path | None:
    """Before ``path`` is overwritten: keep a backup of it unless it is
    absent or exactly what econ wrote. Returns the backup's path (or None).

    The backup is a hard link where the file system allows (instant, and the
    file at ``path`` is then replaced by a new one), a copy otherwise.

    Raises:
        EnvironmentFault: the backup cannot be written.
    """
    path = Path(path)
    if workbook_state(path) in ("absent", "unchanged"):
        return None
    for _ in range(100):
        backup = backup_path(path)
        try:
            os.link(path, backup)
            return backup
        except FileExistsError:
            continue  # taken meanwhile by another process: the next number
        except OSError:
            break
    backup = backup_path(path)
    try:
        shutil.copy2(path, backup)
    except OSError as exc:
        with contextlib.suppress(OSError):
            backup.unlink()
        raise fault(backup, exc) from None
    return backup
