"""Compiling the model core's kernels (:mod:`econ.model.kernel`): the C source
a kernel is written as becomes a shared library built by the system's C
compiler and loaded with :mod:`ctypes`. Outside the pure model core: this
module writes files and runs the compiler; importing it registers
:func:`compile_kernel` with the core (``econ.engine`` imports it through
:mod:`econ.cache`, which keeps the libraries in the user's cache folder).

A library is named by a digest of its source, the compiler and its flags,
so a changed model or flag builds a new one; only a regular file of this
user's is loaded (a library runs code). ``ECON_KERNELS=off`` or no compiler
on the path: no kernels, every evaluation with numpy.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

from econ.model import kernel

__all__ = [
    "CFLAGS",
    "FOLDER",
    "CompileError",
    "available",
    "build",
    "compile_kernel",
    "compiler",
    "load",
    "process_folder",
]

#: The compiler and its flags: IEEE arithmetic as numpy does it (no
#: fused multiply-add, no fast-math reordering).
CFLAGS = ["-O2", "-shared", "-fPIC", "-ffp-contract=off", "-fno-fast-math", "-std=c99"]


def compiler() -> str | None:
    """The C compiler kernels are built with (``$CC``, else ``cc``), or None."""
    import shutil

    return shutil.which(os.environ.get("CC", "cc"))


def available() -> bool:
    """Whether kernels can be built here (a C compiler, not switched off by
    ``ECON_KERNELS=off``)."""
    if os.environ.get("ECON_KERNELS", "").strip().lower() in ("off", "0", "no", "false"):
        return False
    return compiler() is not None


class CompileError(RuntimeError):
    """The C compiler failed on a kernel (a bug: the evaluator falls back to numpy)."""


def build(text: str, folder: Path) -> Path:
    """Compile ``text`` into a shared library in ``folder``, named by a digest
    of the source, the compiler and its flags (reused when present)."""
    import subprocess
    import tempfile

    cc = compiler()
    if cc is None:
        raise CompileError("no C compiler")
    digest = hashlib.sha256("\0".join([text, cc, *CFLAGS]).encode()).hexdigest()[:24]
    lib = folder / f"k_{digest}.so"
    with contextlib.suppress(OSError):
        st = os.lstat(lib)
        # Only a regular file of this user's is loaded (it runs code).
        if stat.S_ISREG(st.st_mode) and (not hasattr(os, "geteuid") or st.st_uid == os.geteuid()):
            return lib
    if NOTICE and not _NOTICED:
        _NOTICED.append(True)
        NOTICE[0]()
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        c_file = Path(tmp) / "kernel.c"
        c_file.write_text(text)
        tmp_lib = Path(tmp) / "kernel.so"
        run = subprocess.run(
            [cc, *CFLAGS, "-o", str(tmp_lib), str(c_file), "-lm"],
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode != 0:
            raise CompileError(run.stderr[-2000:])
        os.replace(tmp_lib, lib)
    return lib


#: Called once per process before the first compilation (the command line
#: says what the pause is on a terminal); empty: nothing said.
NOTICE: list[Callable[[], None]] = []
_NOTICED: list[bool] = []

_SCRATCH: list[Path] = []


def process_folder() -> Path:
    """A private folder for this process's kernels (removed at exit)."""
    import atexit
    import shutil
    import tempfile

    if not _SCRATCH:
        folder = Path(tempfile.mkdtemp(prefix="econ-kernels-"))
        atexit.register(shutil.rmtree, folder, True)
        _SCRATCH.append(folder)
    return _SCRATCH[0]


#: ``FOLDER()``: where compiled kernels are kept. :mod:`econ.cache` replaces
#: it with a folder that lasts between processes.
FOLDER: list[Callable[[], Path]] = [process_folder]


def load(lib: Path) -> Callable[..., int]:
    """The ``kernel`` function of a built library."""
    import ctypes

    fn = ctypes.CDLL(str(lib)).kernel
    fn.restype = ctypes.c_int
    fn.argtypes = [ctypes.c_long, ctypes.c_long, *[ctypes.c_void_p] * 4]
    return fn


def compile_kernel(text: str) -> Callable[..., int]:
    """A kernel's C source, built (or found) in ``FOLDER[0]()`` and loaded."""
    return load(build(text, FOLDER[0]()))


kernel.COMPILER[0] = compile_kernel
kernel.AVAILABLE[0] = available
