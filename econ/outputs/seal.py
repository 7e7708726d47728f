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

Other files an analyst may edit (``summary.csv``, ``sweep.csv``, the Monte
Carlo draws, an exported scenario file) cannot carry a seal without
changing what tools read from them, so econ keeps the SHA-256 and size of
each one it writes in a small manifest beside it, :data:`MANIFEST`
(``.econ-outputs.json``, one per folder: file name -> digest). A file at an
output path is replaced as it is only when it is exactly what the manifest
says econ last wrote there; otherwise (edited, or never written by econ) it
is kept under a numbered backup name first. :func:`write_guarded` is the
writer for both kinds. HTML pages are regenerated output and are replaced
as they are.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import os
import re
import shutil
import struct
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal

from econ.outputs.files import EnvironmentFault, fault

__all__ = [
    "MANIFEST",
    "backup_path",
    "file_digest",
    "guarded",
    "keep_if_edited",
    "output_state",
    "record_digests",
    "seal_workbook",
    "workbook_state",
    "write_guarded",
]

#: The manifest of the non-workbook files econ wrote in a folder.
MANIFEST = ".econ-outputs.json"
_WORKBOOKS = (".xlsx", ".xlsm")
#: Regenerated output, replaced as it is (no analyst edits an HTML page).
_UNGUARDED = (".html",)

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


def _with_seal(data: bytes, seal: bytes) -> bytes:
    pid = max((int(p) for p in _PID_RE.findall(data)), default=1) + 1
    prop = (
        f'<property fmtid="{_FMTID}" pid="{pid}" name="econ_seal"><vt:lpwstr>'.encode()
        + seal
        + b"</vt:lpwstr></property>"
    )
    return data.replace(b"</Properties>", prop + b"</Properties>")


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile's sizeFileHeader layout


def seal_workbook(path: str | Path) -> Path:
    """Add the ``econ_seal`` property to a workbook econ has just written
    (in its temporary file, before it is moved into place).

    Every other part is copied as it is, compressed bytes and all (no
    recompression: about 0.3 ms for a seed workbook), so the same workbook
    gives the same bytes.
    """
    path = Path(path)
    raw = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        infos = zf.infolist()
        props = zf.read(_PROPS) if any(i.filename == _PROPS for i in infos) else None
    if props is None:
        raise ValueError(f"{path}: no {_PROPS} to seal")
    sealed = _with_seal(props, _digest(infos).encode())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in infos:
            if info.filename == _PROPS:
                dst.writestr(info, sealed)
                continue
            if info.flag_bits & 0x08:  # a data descriptor follows: not econ's writer
                raise ValueError(f"{path}: unexpected zip layout")
            header = _LOCAL_HEADER.unpack_from(raw, info.header_offset)
            start = info.header_offset + _LOCAL_HEADER.size + header[10] + header[11]
            copied = copy.copy(info)
            copied.header_offset = out.tell()
            out.write(raw[info.header_offset : start + info.compress_size])
            dst.filelist.append(copied)
            dst.NameToInfo[copied.filename] = copied
            dst.start_dir = out.tell()  # where the central directory goes
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
    absent or exactly what econ wrote (:func:`output_state`), or an HTML
    page. Returns the backup's path (or None).

    The backup is a hard link where the file system allows (instant, and the
    file at ``path`` is then replaced by a new one), a copy otherwise.

    Raises:
        EnvironmentFault: the backup cannot be written.
    """
    path = Path(path)
    if not guarded(path) or output_state(path) in ("absent", "unchanged"):
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


def guarded(path: str | Path) -> bool:
    """Whether ``path`` is an output an analyst may edit (everything but
    an HTML page): kept as a backup before it is replaced if it is not
    what econ wrote."""
    return Path(path).suffix.lower() not in _UNGUARDED


def file_digest(path: str | Path) -> str:
    """The SHA-256 of a file's bytes (hex), read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _manifest(folder: Path) -> dict[str, object]:
    """The manifest's entries (file name -> ``{"sha256", "size"}``); empty
    when there is none or it is not readable JSON (every file then counts
    as not econ's: kept as a backup, never lost)."""
    try:
        data = json.loads((folder / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    return files if isinstance(files, dict) else {}


def output_state(path: str | Path) -> State:
    """:func:`workbook_state` for a workbook; for another file
    ``"absent"``, ``"unchanged"`` (its size and SHA-256 are those the
    folder's :data:`MANIFEST` recorded when econ wrote it) or ``"edited"``
    (changed since, or never written there by econ)."""
    path = Path(path)
    if path.suffix.lower() in _WORKBOOKS:
        return workbook_state(path)
    if not os.path.lexists(path):
        return "absent"
    if path.is_dir():
        raise EnvironmentFault(path, "a folder is in the way of the file")
    entry = _manifest(path.parent).get(path.name)
    if not isinstance(entry, dict) or not path.is_file():
        return "edited"
    try:
        if path.stat().st_size != entry.get("size"):
            return "edited"
        return "unchanged" if file_digest(path) == entry.get("sha256") else "edited"
    except OSError:
        return "edited"


def record_digests(folder: str | Path, written: Iterable[tuple[str, str, int]]) -> None:
    """Record ``(file name, SHA-256, size)`` of files econ has just moved
    into ``folder`` in its :data:`MANIFEST` (entries of files no longer
    there are dropped).

    The manifest is read, updated and replaced atomically while the folder
    is locked (``flock``), so two econ processes writing tables into one
    folder do not lose each other's entries. Should an entry be lost all
    the same (a ``kill -9`` between a file's move and this call), the file
    only counts as edited: the next run keeps a needless backup, never
    loses one.
    """
    from econ.outputs.files import write_atomic

    folder = Path(folder)
    lock = -1
    with contextlib.suppress(OSError):
        import fcntl

        lock = os.open(folder, os.O_RDONLY)
        fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        files = _manifest(folder)
        for name, digest, size in written:
            files[name] = {"sha256": digest, "size": size}
        files = {n: e for n, e in sorted(files.items()) if os.path.lexists(folder / n)}
        text = json.dumps({"econ_outputs": 1, "files": files}, indent=1) + "\n"
        write_atomic(folder / MANIFEST, text)
    finally:
        if lock >= 0:
            os.close(lock)  # releases the lock


def write_guarded(path: str | Path, content: bytes | str | Callable[[Path], object]) -> Path:
    """Write an output an analyst may edit, atomically, after keeping an
    edited one at ``path`` (said on stderr, as a batch's other notes are).

    A workbook (``summary.xlsx``, ``sweep.xlsx``) is marked as econ's and
    sealed (:func:`seal_workbook`); another file (``summary.csv``,
    ``sweep.csv``, the draws, an exported scenario) gets its digest
    recorded in the folder's :data:`MANIFEST`.

    Args:
        path: the final file.
        content: its bytes or text (UTF-8), or a function writing the whole
            file at the path it is given (an xlsxwriter workbook, a CSV).

    Raises:
        EnvironmentFault: the backup, the file or the manifest cannot be
            written.
    """
    import sys

    from econ.outputs.files import write_with

    path = Path(path)
    write: Callable[[Path], object]
    if callable(content):
        write = content
    else:
        raw = content.encode("utf-8") if isinstance(content, str) else content

        def write(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                fh.write(raw)

    backup = keep_if_edited(path)
    if backup is not None:
        print(f"econ: kept {path} as {backup} (it differs from what econ wrote)", file=sys.stderr)
    if path.suffix.lower() in _WORKBOOKS:

        def sealed(tmp: Path) -> None:
            write(tmp)
            _mark(tmp)
            seal_workbook(tmp)

        return write_with(path, sealed)
    digest: list[tuple[str, str, int]] = []

    def digested(tmp: Path) -> None:
        write(tmp)
        digest.append((path.name, file_digest(tmp), tmp.stat().st_size))

    write_with(path, digested)
    if guarded(path):
        record_digests(path.parent, digest)
    return path


def _mark(path: Path) -> None:
    """Add ``docProps/custom.xml`` with ``econ_generator`` to a workbook that
    has none (xlsxwriter writes it only for custom properties)."""
    raw = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        if _PROPS in zf.namelist():
            return
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    parts[_PROPS] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties '
        b'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        + f'<property fmtid="{_FMTID}" pid="2" name="econ_generator">'.encode()
        + b"<vt:lpwstr>econ</vt:lpwstr></property></Properties>"
    )
    types = parts["[Content_Types].xml"]
    parts["[Content_Types].xml"] = types.replace(
        b"</Types>",
        b'<Override PartName="/docProps/custom.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>',
    )
    rels = parts["_rels/.rels"]
    parts["_rels/.rels"] = rels.replace(
        b"</Relationships>",
        b'<Relationship Id="rIdEcon" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/custom-properties" Target="docProps/custom.xml"/></Relationships>',
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)
    path.write_bytes(out.getvalue())
