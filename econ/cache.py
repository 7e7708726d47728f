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
cache off. Only files econ wrote there are read; a file that cannot be read
back is rebuilt and replaced.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from econ.model.schema import Model

__all__ = ["cache_dir", "cached_model", "comparison_model"]

#: Versions of one model kept in the folder.
_KEEP = 4

_PACKAGE = Path(__file__).resolve().parent


def cache_dir() -> Path | None:
    """The folder models are kept in, or ``None`` when caching is off."""
    where = os.environ.get("ECON_CACHE_DIR")
    if where is not None:
        return None if where.strip().lower() in ("", "off", "0", "none") else Path(where)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "econ"


@functools.cache
def source_digest() -> str:
    """A digest of every Python file of the econ package and the versions of
    Python and numpy (the pickle's validity)."""
    h = hashlib.sha256(f"{sys.version_info[:3]} numpy {np.__version__}".encode())
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
    path = folder / f"{name}-{source_digest()}.pickle"
    with contextlib.suppress(Exception):
        with path.open("rb") as f:
            model = pickle.load(f)
        if isinstance(model, Model):
            return model
    model = build()
    warm(model)
    with contextlib.suppress(Exception):
        from econ.outputs.files import write_atomic

        # Not fsynced: a cache lost in a crash is rebuilt.
        write_atomic(path, pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL), fsync=False)
        # Keep the few newest versions (two checkouts may share the folder).
        kept = sorted(folder.glob(f"{name}-*.pickle"), key=lambda p: p.stat().st_mtime)
        for old in kept[:-_KEEP]:
            with contextlib.suppress(OSError):
                old.unlink()
    return model


@functools.cache
def comparison_model() -> Model:
    """The instrument comparison
    (:func:`econ.model.definition.project.instrument_comparison`), from the
    disk cache when this econ built it before."""
    from econ.model.definition.project import instrument_comparison
    from econ.model.evaluate import warm

    return cached_model("instrument-comparison", instrument_comparison, warm)
