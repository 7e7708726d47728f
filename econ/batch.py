"""Build many scenarios at once, in parallel, and index them.

:func:`run_batch` builds scenario files (workbook and HTML summary each) on
all local cores with :class:`concurrent.futures.ProcessPoolExecutor`, or on a
Dask distributed cluster (``scheduler=`` or the ``ECON_SCHEDULER``
environment variable); :func:`run_sweep` builds a grid of variations of one
scenario through the same machinery. Each task returns only a small dict of
metrics, so memory stays flat however many scenarios run. A failing scenario
is recorded with its message and the others still build; the
:class:`BatchReport` then has a non-zero :attr:`BatchReport.exit_code`.

Outputs in ``out_dir``: ``<name>.xlsx`` and ``<name>.html`` per scenario,
``index.html`` (sortable, with links and failures), ``summary.csv`` and
``summary.xlsx`` (the same table).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import multiprocessing
import os
import signal
import stat
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, TextIO

from econ.build import load_input
from econ.engine import evaluate
from econ.errors import InputError
from econ.model.definition import MODELS
from econ.outputs.files import clean_stale, deferred_fsync, ensure_folder, make_durable
from econ.report.html import (
    Column,
    IndexRow,
    SweepTable,
    compare_keys,
    index_columns,
    write_index,
)
from econ.report.summary_table import write_summary_table
from econ.scenario import Scenario, load_scenario

__all__ = [
    "FILES_MAX_POINTS",
    "BatchReport",
    "Task",
    "expand_paths",
    "run_batch",
    "run_sweep",
]

SCHEDULER_ENV = "ECON_SCHEDULER"
#: Variants ``econ sweep --files`` builds unless the cap is raised (two files each).
FILES_MAX_POINTS = 1_000
#: Default time limit of one scenario of a batch (seconds): generous, since a
#: seed builds in well under a second; a scenario still running then is a
#: failure row, and the others go on.
DEFAULT_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Task:
    """One scenario to build: a file, optionally with input overrides.

    Attributes:
        path: the scenario file.
        overrides: input key -> value (canonical units) for sweep variants.
        name: output name for a variant (default: the scenario's own name).
        title_suffix: appended to the scenario title for a variant.
        stem: output file stem when it differs from the scenario's name
            (a renamed collision, an edited workbook's file name).
    """

    path: str
    overrides: tuple[tuple[str, float], ...] = ()
    name: str | None = None
    title_suffix: str = ""
    stem: str | None = None  # output file stem (econ.outputs.names), if not the name


@dataclass
class BatchReport:
    """What a batch built.

    Attributes:
        rows: one per task, in task order (failed ones have ``error``).
        out_dir: the output folder.
        index, csv, xlsx: the index files written.
        elapsed_s: wall time.
        workers: worker processes used (0 for a Dask cluster).
    """

    rows: list[IndexRow]
    out_dir: Path
    index: Path
    csv: Path
    xlsx: Path | None
    elapsed_s: float
    workers: int
    sweep: SweepTable | None = None
    notes: list[str] = field(default_factory=list)
    environment_faults: int = 0

    @property
    def failures(self) -> list[IndexRow]:
        """The rows that failed."""
        return [r for r in self.rows if r.error is not None]

    @property
    def exit_code(self) -> int:
        """0 when everything built, 3 when a scenario failed for the
        environment (disk full, permission), 1 when some scenario failed."""
        return 3 if self.environment_faults else 1 if self.failures else 0


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------


def expand_paths(paths_or_dirs: Iterable[str | Path]) -> list[Path]:
    """Scenario files from files and folders (a folder gives its ``*.toml``,
    portfolio files left out).

    Raises:
        InputError: a path that does not exist, a folder without scenarios,
            or no paths at all.
    """
    out: list[Path] = []
    for item in paths_or_dirs:
        path = Path(item)
        if path.is_dir():
            from econ.analysis.portfolio import is_portfolio_file  # `econ portfolio` builds them

            found = [p for p in sorted(path.glob("*.toml")) if not is_portfolio_file(p)]
            if not found:
                raise InputError(path, None, "no *.toml scenario files in this folder")
            out.extend(found)
        elif path.exists():
            out.append(path)
        else:
            raise InputError(path, None, "no such file or folder")
    if not out:
        raise InputError(None, None, "no scenario files given")
    return out


def vary(scenario: Scenario, overrides: Iterable[tuple[str, float]]) -> Scenario:
    """A copy of ``scenario`` with overridden values.

    The assumption's own ``low``/``high`` bounds (its sensitivity range) are
    widened to include a swept value, since a sweep deliberately explores
    beyond them; the model's domain is still enforced.

    Raises:
        InputError: an unknown key or a value outside the model's domain.
    """
    values = dict(overrides)
    assumptions = dict(scenario.assumptions)
    for key, value in values.items():
        if key not in assumptions:
            raise InputError(scenario.path, key, f"unknown assumption {key!r}")
        a = assumptions[key]
        low = None if a.low is None else min(a.low, value)
        high = None if a.high is None else max(a.high, value)
        assumptions[key] = replace(a, low=low, high=high)
    widened = replace(scenario, assumptions=MappingProxyType(assumptions))
    return widened.with_values(**values)


# ---------------------------------------------------------------------------
# The work of one scenario (runs in a worker process)
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _load_cached(path: str) -> Scenario:
    return load_scenario(path)


def _base_row(task: Task) -> dict[str, Any]:
    """An index row before the task has produced anything."""
    return {
        "name": task.name or Path(task.path).stem,
        "title": "",
        "model": "",
        "source": task.path,
        "metrics": {},
        "html": None,
        "xlsx": None,
        "error": None,
    }


class _TaskTimeout(BaseException):
    """The per-task time limit (a BaseException: no library swallows it)."""


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`_TaskTimeout` in this thread after ``seconds`` (where
    signals can be used: the main thread of a process; elsewhere the batch's
    own watchdog still stops a stuck run)."""
    if (
        not seconds
        or threading.current_thread() is not threading.main_thread()
        or not hasattr(signal, "setitimer")
    ):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise _TaskTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _stem(task: Task) -> str | None:
    return task.stem or (task.name if task.overrides else None)


def build_task(
    task: Task, out_dir: str, timeout_s: float | None = None, durable: bool = True
) -> dict[str, Any]:
    """Build one task; never raises (except on Ctrl-C). Returns a small,
    picklable dict.

    ``durable=False`` leaves flushing the files to disk to the caller, who
    calls :func:`econ.outputs.files.make_durable` on ``out_dir`` once for
    the whole batch (the local batch does; a Dask worker flushes its own).

    Returns:
        ``name``, ``title``, ``model``, ``source``, ``metrics`` (key -> float),
        ``html``/``xlsx`` (file names or None), ``error`` (message naming the
        file, or None), ``notes`` (backups kept) and ``seconds``.
    """
    from econ.build import write_outputs
    from econ.outputs import EnvironmentFault

    start = time.perf_counter()
    out = _base_row(task)
    out["notes"] = []
    try:
        with _time_limit(timeout_s):
            if task.overrides:
                scenario = vary(_load_cached(task.path), task.overrides)
                scenario = replace(
                    scenario,
                    name=task.name or scenario.name,
                    title=scenario.title + task.title_suffix,
                )
            else:
                scenario = load_input(Path(task.path))
            out.update(name=scenario.name, title=scenario.title, model=scenario.model.name)
            results = evaluate(scenario)
            values = results.scalars()
            out["metrics"] = {i.key: values[i.key] for i in scenario.model.items_with("metric")}
            out["metrics"] |= scenario.model.shared_metrics(values)
            with contextlib.nullcontext() if durable else deferred_fsync():
                written = write_outputs(scenario, results, Path(out_dir), _stem(task))
            for f in written.files:
                out[f.suffix.lstrip(".")] = f.name
            out["notes"] = list(written.notes)
    except _TaskTimeout:
        out["error"] = (
            f"{task.path}: stopped after {timeout_s:g} s, the time limit of one scenario "
            "(--timeout)"
        )
    except InputError as exc:
        out["error"] = str(exc)
    except EnvironmentFault as exc:
        out["error"] = f"{task.path}: {exc}"
        out["fault"] = True
    except RecursionError:
        out["error"] = f"{task.path}: nested too deeply"
    except Exception as exc:  # isolate any failure to its own scenario
        out["error"] = f"{task.path}: {type(exc).__name__}: {exc}"
    if out["error"] is not None:
        out["metrics"] = {} if out["xlsx"] is None else out["metrics"]
    out["seconds"] = time.perf_counter() - start
    return out


# ---------------------------------------------------------------------------
# Progress
# ---------------------------------------------------------------------------


class _Progress:
    """A minimal progress bar on a terminal, plain log lines otherwise."""

    def __init__(self, total: int, enabled: bool, stream: TextIO | None = None) -> None:
        self.total, self.done, self.failed = total, 0, 0
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.tty = enabled and self.stream.isatty()
        self.start = time.perf_counter()

    def update(self, row: dict[str, Any]) -> None:
        self.done += 1
        if row["error"] is not None:
            self.failed += 1
            self._clear()
            print(f"econ: FAILED {row['name']}: {row['error']}", file=self.stream)
        if not self.enabled:
            return
        if self.tty:
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            elapsed = time.perf_counter() - self.start
            rate = self.done / elapsed if elapsed > 0 else 0.0
            eta = (self.total - self.done) / rate if rate else 0.0
            self.stream.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/"
                f"{self.total} {rate:.1f}/s eta {eta:.0f}s"
                f"{f' ({self.failed} failed)' if self.failed else ''}"
            )
            self.stream.flush()
        elif row["error"] is None:
            print(
                f"econ: [{self.done}/{self.total}] built {row['name']} ({row['seconds']:.2f} s)",
                file=self.stream,
            )

    def _clear(self) -> None:
        if self.tty:
            self.stream.write("\r\033[K")

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------


_BLAS_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """Set the BLAS thread variables to 1 (unless the user set them) meanwhile."""
    added = [v for v in _BLAS_VARS if v not in os.environ]
    os.environ.update(dict.fromkeys(added, "1"))
    try:
        yield
    finally:
        for v in added:
            os.environ.pop(v, None)


def _worker_init() -> None:
    """In each local worker: Ctrl-C is the parent's to handle (it stops the
    workers), and a worker dies with its parent even if the parent is killed
    with SIGKILL (Linux ``PR_SET_PDEATHSIG``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
            if os.getppid() == 1:  # the parent died before the line above
                os._exit(1)


@contextlib.contextmanager
def _sigint_held() -> Iterator[None]:
    """Hold Ctrl-C back while the workers are started (they are spawned by
    ``submit``), and deliver it afterwards.

    A terminal sends Ctrl-C to every process of the foreground group: a
    worker still starting up (importing, before :func:`_worker_init` ignores
    it) would die with a traceback. A signal mask is inherited across fork
    and exec, so the workers start with Ctrl-C blocked and never see it.
    Another thread of the parent (a BLAS thread) may still take the signal,
    so meanwhile the parent only notes it (an interrupt inside
    ``Process.start`` would leave a worker without its start-up data) and
    raises :class:`KeyboardInterrupt` when the workers are started.
    """
    if not hasattr(signal, "pthread_sigmask") or (
        threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    came: list[int] = []
    handler = signal.signal(signal.SIGINT, lambda signum, frame: came.append(signum))
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a held Ctrl-C lands in `came`
        signal.signal(signal.SIGINT, handler)
    if came and callable(handler):
        handler(signal.SIGINT, None)  # the usual reaction (KeyboardInterrupt)
    elif came and handler == signal.SIG_DFL:
        raise KeyboardInterrupt


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end every worker now (SIGTERM, then
    SIGKILL after 2 s)."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        with contextlib.suppress(Exception):
            p.terminate()
    deadline = time.monotonic() + 2.0
    for p in processes:
        with contextlib.suppress(Exception):
            p.join(max(0.0, deadline - time.monotonic()))
            if p.is_alive():
                p.kill()
                p.join(1.0)


def _run_local(
    tasks: Sequence[Task],
    out_dir: Path,
    workers: int,
    progress: _Progress,
    timeout_s: float,
) -> Iterator[tuple[int, dict[str, Any]]]:
    # One BLAS thread per worker: numpy's threaded OpenBLAS in every worker
    # oversubscribes the cores (measured: 1.25x instead of 1.6x from 1 to 2
    # workers). The variables only act before numpy loads, hence "spawn".
    # Each worker enforces the time limit itself (SIGALRM); the watchdog
    # below stops the workers if none answers for longer than that (a task
    # stuck where a signal cannot reach it).
    watchdog = timeout_s + 30.0
    with _single_threaded_blas():
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_init,
        )
    stopped = False
    try:
        with _sigint_held():
            futures = {
                # the workers leave the flush to disk to make_durable, below, once
                pool.submit(build_task, t, str(out_dir), timeout_s, False): i
                for i, t in enumerate(tasks)
            }
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=watchdog, return_when=FIRST_COMPLETED)
            if not done:  # nothing finished for too long: a worker is stuck
                _stop_pool(pool)
                stopped = True
                for future in sorted(pending, key=futures.__getitem__):
                    i = futures[future]
                    row = {
                        **_base_row(tasks[i]),
                        "error": f"{tasks[i].path}: not finished: no scenario finished "
                        f"for {watchdog:g} s, so the batch stopped its workers",
                        "seconds": 0.0,
                        "notes": [],
                    }
                    progress.update(row)
                    yield i, row
                return
            for future in sorted(done, key=futures.__getitem__):
                i = futures[future]
                try:
                    row = future.result()
                except Exception as exc:  # a worker died (e.g. killed): still isolate it
                    row = _failed_row(tasks[i], exc)
                progress.update(row)
                yield i, row
    finally:
        if not stopped:
            _stop_pool(pool)  # at once on Ctrl-C / SIGTERM; idle workers otherwise
        clean_stale(out_dir)  # temporary files of workers that were stopped mid-write
        make_durable(out_dir)  # every file the workers wrote, on disk in one pass


def _failed_row(task: Task, exc: BaseException) -> dict[str, Any]:
    """The index row of a task whose worker raised or died."""
    return {
        **_base_row(task),
        "error": f"{task.path}: {type(exc).__name__}: {exc}",
        "seconds": 0.0,
        "notes": [],
    }


def _probe(address: str, timeout_s: float) -> None:
    """Check that something listens at a ``tcp://host:port`` address."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or not port:
        raise InputError(
            None, "--scheduler", f"expected an address such as tcp://host:8786, found {address!r}"
        )
    if parts.scheme not in ("tcp", "tls"):
        return  # other Dask transports: let Dask try
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except OSError as exc:
        raise InputError(
            None, "--scheduler", f"cannot connect to {address!r}: {exc.strerror or exc}"
        ) from None


def connect_dask(address: str, timeout_s: float = 15.0) -> Any:
    """A client of the Dask scheduler at ``address`` (batches, sweeps and
    Monte Carlo runs all connect here).

    The address is probed first (a TCP connection within ``timeout_s``), and
    the Dask handshake runs under the same time limit, so a service that is
    not a Dask scheduler is a message, not a hang.

    Raises:
        InputError: Dask is not installed, the address does not answer, or
            what answers is not a Dask scheduler.
    """
    try:
        from dask.distributed import Client
    except ImportError:
        raise InputError(
            None, "--scheduler", "Dask is not installed: pip install econ[dask]"
        ) from None
    _probe(address, timeout_s)
    outcome: dict[str, Any] = {}

    def connect() -> None:
        try:
            outcome["client"] = Client(address, timeout=timeout_s)  # type: ignore[no-untyped-call]
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=connect, daemon=True)
    thread.start()
    thread.join(timeout_s + 5)
    if "client" in outcome:
        return outcome["client"]
    found = outcome.get("error")
    detail = (
        f" ({type(found).__name__})" if found is not None else f" (no answer in {timeout_s:g} s)"
    )
    raise InputError(
        None,
        "--scheduler",
        f"{address!r} does not answer as a Dask scheduler{detail}; start one with "
        "`dask scheduler` or drop --scheduler",
    )


def _run_dask(
    tasks: Sequence[Task], out_dir: Path, client: Any, progress: _Progress, timeout_s: float
) -> Iterator[tuple[int, dict[str, Any]]]:
    from dask.distributed import as_completed as dask_completed

    futures = client.map(
        build_task, list(tasks), out_dir=str(out_dir), timeout_s=timeout_s, pure=False
    )
    try:
        index = {f.key: i for i, f in enumerate(futures)}
        for future in dask_completed(futures):  # type: ignore[no-untyped-call]
            i = index[future.key]
            try:
                row = future.result()
            except Exception as exc:
                row = _failed_row(tasks[i], exc)
            progress.update(row)
            future.release()
            yield i, row
    finally:
        with contextlib.suppress(Exception):
            client.cancel(futures)
        client.close()


def _columns(rows: Sequence[IndexRow]) -> list[Column]:
    present = {k for r in rows for k in r.metrics}
    return [c for c in index_columns(list(MODELS.values())) if c.key in present]


def _peek_name(path: Path) -> str:
    """The ``name`` a scenario file declares (read cheaply, for output names),
    or the file's stem: an edited workbook's outputs take its file name."""
    if path.suffix.lower() in (".toml",):
        with contextlib.suppress(Exception):
            st = path.stat()
            if stat.S_ISREG(st.st_mode) and st.st_size <= 1024 * 1024:
                name = tomllib.loads(path.read_text(encoding="utf-8-sig")).get("name")
                if (
                    isinstance(name, str)
                    and name
                    and all(c.isascii() and (c.isalnum() or c in "_-") for c in name)
                ):
                    return name.lower() if name.lower() == name else name
    return path.stem


def _execute(
    tasks: Sequence[Task],
    out_dir: str | Path,
    *,
    workers: int | None,
    scheduler: str | None,
    progress: bool,
    title: str,
    sweep_builder: Callable[[list[IndexRow]], SweepTable | None] | None = None,
    timeout_s: float | None = None,
) -> BatchReport:
    start = time.perf_counter()
    folder = Path(out_dir)
    timeout_s = DEFAULT_TIMEOUT_S if timeout_s is None else timeout_s
    if not timeout_s > 0:
        raise InputError(None, "--timeout", f"must be positive (got {timeout_s:g})")
    scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
    limit = 4 * (os.cpu_count() or 1)
    if workers is not None and not 1 <= workers <= limit:
        raise InputError(None, "-j", f"workers must be in [1, {limit}] (got {workers})")
    n_workers = 0 if scheduler else min(workers or os.cpu_count() or 1, max(len(tasks), 1))
    client = connect_dask(scheduler) if scheduler else None  # before any folder is made
    ensure_folder(folder)
    clean_stale(folder)
    bar = _Progress(len(tasks), progress)
    rows: list[IndexRow | None] = [None] * len(tasks)
    stream = (
        _run_dask(tasks, folder, client, bar, timeout_s)
        if client is not None
        else _run_local(tasks, folder, n_workers, bar, timeout_s)
    )
    notes: list[str] = []
    faults = 0
    try:
        for i, row in stream:
            faults += bool(row.pop("fault", False))
            for note in row.pop("notes", []):
                notes.append(note)
                print(f"econ: {note}", file=sys.stderr)
            rows[i] = IndexRow(**row)
    finally:
        bar.close()
    done = [r for r in rows if r is not None]
    sweep = sweep_builder(done) if sweep_builder else None
    elapsed = time.perf_counter() - start
    csv, xlsx = write_summary_table(folder, done, list(MODELS.values()))
    index = write_index(
        folder / "index.html",
        done,
        title=title,
        columns=_columns(done),
        compare=compare_keys(list(MODELS.values())),
        sweep=sweep,
        elapsed_s=elapsed,
    )
    report = BatchReport(
        done, folder, index, csv, xlsx, elapsed, n_workers, sweep, notes, environment_faults=faults
    )
    if report.failures:
        print(
            f"econ: {len(report.failures)} of {len(done)} scenarios failed (see {index})",
            file=sys.stderr,
        )
    return report


def run_batch(
    paths_or_dirs: Iterable[str | Path],
    out_dir: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    timeout_s: float | None = None,
) -> BatchReport:
    """Build every scenario of files and folders into ``out_dir``, in parallel.

    Output names are decided before anything is written
    (:func:`econ.outputs.names.output_stems`): two scenarios with the same
    name, or one named ``index`` or ``summary``, get distinct file names
    (``name-2``), said on stderr and linked from the index.

    Args:
        paths_or_dirs: scenario files and folders (a folder gives its ``*.toml``).
        out_dir: output folder (created).
        workers: local worker processes (default: every core).
        scheduler: a Dask scheduler address (default: ``$ECON_SCHEDULER``);
            the cluster's workers must see ``out_dir`` and the scenario files.
        progress: show a progress bar (terminal) or log lines (otherwise) on
            stderr. Failures are always reported on stderr.
        timeout_s: time limit of one scenario (default
            :data:`DEFAULT_TIMEOUT_S`); a scenario still running then is a
            failure row and the batch goes on.

    Returns:
        The :class:`BatchReport`; its ``exit_code`` is 1 if any scenario failed.

    Raises:
        InputError: no scenarios, a missing path, a bad option, or
            ``scheduler`` not answering as a Dask scheduler.
    """
    from econ.outputs.names import output_stems

    paths = expand_paths(paths_or_dirs)
    names = [_peek_name(p) for p in paths]
    stems, renamed = output_stems([(str(p), n) for p, n in zip(paths, names, strict=True)])
    for note in renamed:
        print(f"econ: note: {note}", file=sys.stderr)
    tasks = [Task(str(p), stem=stem) for p, stem in zip(paths, stems, strict=True)]
    report = _execute(
        tasks,
        out_dir,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        title=f"econ batch: {len(tasks)} scenarios",
        timeout_s=timeout_s,
    )
    report.notes[:0] = renamed
    return report


def run_sweep(
    scenario_path: str | Path,
    varies: Sequence[str],
    out_dir: str | Path,
    *,
    sets: Sequence[str] = (),
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    max_points: int = FILES_MAX_POINTS,
) -> BatchReport:
    """Build a workbook and an HTML summary for every variant of a grid
    (``econ sweep --files``), named after its values
    (``magnets_plant--capex_usd=150``), with the batch index of them.

    The sweep's own result (chart, table, crossings) comes from one
    vectorized evaluation: :func:`econ.analysis.sweep.sweep`.

    Args:
        scenario_path: the base scenario file.
        varies: ``--vary`` options (see :func:`econ.analysis.sweep.parse_grid`).
        out_dir: output folder.
        sets: ``--set KEY=VALUE`` options.
        workers, scheduler, progress: as for :func:`run_batch`.
        max_points: the cap on variants, checked before the grid is expanded.

    Returns:
        The :class:`BatchReport`.

    Raises:
        InputError: a bad base scenario or option, or more variants than the cap.
    """
    from econ.analysis.sweep import check_points, expand, parse_grid, parse_set, variant_name

    base = load_scenario(scenario_path)
    if not varies:
        raise InputError(None, "--vary", "give at least one KEY=START:STOP:STEP")
    specs = [parse_grid(v, base, max_points=max_points) for v in varies]
    check_points(specs, max_points)
    fixed = [parse_set(s, base) for s in sets]
    axes = [expand(spec, base) for spec in specs]
    tasks = []
    for combo in itertools.product(*(range(len(a)) for a in axes)):
        typed = [(a.typed_key, float(a.typed[i])) for a, i in zip(axes, combo, strict=True)]
        overrides = [(k, v) for k, v, _ in fixed]
        overrides += [(a.key, float(a.values[i])) for a, i in zip(axes, combo, strict=True)]
        shown = ", ".join(f"{k} = {v:.12g}" for k, v in typed)
        tasks.append(
            Task(
                str(scenario_path), tuple(overrides), variant_name(base.name, typed), f" ({shown})"
            )
        )
    keys = ", ".join(a.typed_key for a in axes)
    return _execute(
        tasks,
        out_dir,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        title=f"econ sweep of {base.name}: {keys} ({len(tasks)} variants)",
    )
