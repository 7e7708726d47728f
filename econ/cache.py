"""Built models kept on disk between processes (outside the pure model core).

Building the instrument comparison (every instrument's solve copied with its
plug-back blocks, units and shapes checked) takes about 0.3 s, more than
evaluating it; ``econ show`` would pay it on every call. The built model,
with the evaluation order and solve plans it derives on first use, is kept
as a pickle named by a digest of econ's own source, numpy's and Python's
versions: any change to the code that defines a model makes a new name, so
a stale model is never loaded.

The folder is ``$ECON_CACHE_DIR``, else ``$XDG_CACHE_HOME/econ``, else
``~/.cache/econ``; ``ECON_CACHE_DIR=off`` (or an unwritable folder) turns the
cache off (so does a missing home folder). Only regular files of the user
running econ are read (not a symlink, a FIFO or another user's file: a pickle
runs code when loaded); a file that cannot be read back is rebuilt and
replaced.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import os
import pickle
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from econ import native
from econ.model.schema import Model

__all__ = ["cache_dir", "cached_model", "comparison_model", "kernel_folder"]

#: Versions of one model kept in the folder.
_KEEP = 4

_PACKAGE = Path(__file__).resolve().parent


def cache_dir() -> Path | None:
    """The folder models are kept in, or ``None`` when caching is off."""
    where = os.environ.get("ECON_CACHE_DIR")
    if where is not None:
        return None if where.strip().lower() in ("", "off", "0", "none") else Path(where)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "econ"
    try:
        home = Path.home()
    except (RuntimeError, KeyError, OSError):  # no $HOME and no passwd entry (a container)
        return None
    return home / ".cache" / "econ"


@functools.cache
def source_digest() -> str:
    """A digest of every Python file of the econ package and the versions of
    Python and numpy (the pickle's validity)."""
    # The pickle holds marshalled code: the bytecode's magic number and the
    # implementation name it (a pre-release changes the magic, not [:3]).
    h = hashlib.sha256(
        f"{sys.version_info} {sys.implementation.cache_tag} numpy {np.__version__}".encode()
    )
    h.update(importlib.util.MAGIC_NUMBER)
    for path in sorted(_PACKAGE.rglob("*.py")):
        h.update(str(path.relative_to(_PACKAGE)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:24]


def cached_model(name: str, build: Callable[[], Model], warm: Callable[[Model], None]) -> Model:
    """The model ``build()`` makes, from the disk cache when an identical
    econ built it before (``warm(model)`` fills its derived caches before it
    is stored). Never fails because of the cache: any error reading or
    writing it falls back to building."""
    folder = cache_dir()
    if folder is None:
        return build()
    try:
        path = folder / f"{name}-{source_digest()}.pickle"
    except Exception:  # an unreadable source file: no digest, no cache
        return build()
    with contextlib.suppress(Exception):
        model = _load(path)
        if isinstance(model, Model):
            return model
    model = build()
    warm(model)
    with contextlib.suppress(Exception):
        from econ.outputs.files import clean_stale, write_atomic

        clean_stale(folder)  # the temporary files of writers killed mid-write
        # Not fsynced: a cache lost in a crash is rebuilt.
        write_atomic(path, pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL), fsync=False)
        # Keep the few newest versions (two checkouts may share the folder).
        kept = sorted(folder.glob(f"{name}-*.pickle"), key=lambda p: p.stat().st_mtime)
        for old in kept[:-_KEEP]:
            with contextlib.suppress(OSError):
                old.unlink()
    return model


def _load(path: Path) -> object:
    """The object pickled in ``path`` if it is a regular file of this user
    (never blocking: a FIFO or a device in its place is not read), else ``None``."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    with open(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None
        if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
            return None  # unpickling runs code: only a file this user wrote
        return pickle.load(f)


@functools.cache
def comparison_model() -> Model:
    """The instrument comparison
    (:func:`econ.model.definition.project.instrument_comparison`), from the
    disk cache when this econ built it before."""
    from econ.model.definition.project import instrument_comparison
    from econ.model.evaluate import warm

    return cached_model("instrument-comparison", instrument_comparison, warm)


#: Compiled kernels kept in the folder (about 20-60 kB each); the oldest
#: beyond this are removed.
_KEEP_KERNELS = 400


@functools.cache
def kernel_folder() -> Path:
    """Where compiled kernels (:mod:`econ.model.kernel`, :mod:`econ.native`) are kept between
    processes: ``kernels`` in the cache folder, a folder of this user's that
    no one else can write to (a shared library runs code when loaded); else
    a temporary folder of this process."""
    folder = cache_dir()
    if folder is not None:
        with contextlib.suppress(OSError):
            path = folder / "kernels"
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            st = os.lstat(path)
            mine = not hasattr(os, "geteuid") or st.st_uid == os.geteuid()
            if (
                stat.S_ISDIR(st.st_mode)
                and mine
                and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
                and os.access(path, os.W_OK | os.X_OK)
            ):
                libs = sorted(path.glob("k_*.so"), key=lambda p: p.stat().st_mtime)
                for old in libs[:-_KEEP_KERNELS]:
                    with contextlib.suppress(OSError):
                        old.unlink()
                return path
    return native.process_folder()


native.FOLDER[0] = kernel_folder
