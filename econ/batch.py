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
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, TextIO

from econ.build import load_input
from econ.engine import evaluate
from econ.errors import InputError
from econ.model.definition import MODELS
from econ.report.html import (
    Column,
    IndexRow,
    SweepTable,
    compare_keys,
    index_columns,
    write_index,
    write_summary,
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


@dataclass(frozen=True)
class Task:
    """One scenario to build: a file, optionally with input overrides.

    Attributes:
        path: the scenario file.
        overrides: input key -> value (canonical units) for sweep variants.
        name: output name for a variant (default: the scenario's own name).
        title_suffix: appended to the scenario title for a variant.
    """

    path: str
    overrides: tuple[tuple[str, float], ...] = ()
    name: str | None = None
    title_suffix: str = ""


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

    @property
    def failures(self) -> list[IndexRow]:
        """The rows that failed."""
        return [r for r in self.rows if r.error is not None]

    @property
    def exit_code(self) -> int:
        """0 when everything built, 1 when some scenario failed."""
        return 1 if self.failures else 0


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


def _write_workbook() -> Callable[..., Path] | None:
    """``econ.excel.write_workbook`` if that module is present."""
    try:
        from econ.excel import write_workbook
    except ImportError:  # TODO(lead): drop once econ.excel lands
        return None
    return write_workbook


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


def build_task(task: Task, out_dir: str) -> dict[str, Any]:
    """Build one task; never raises. Returns a small, picklable dict.

    Returns:
        ``name``, ``title``, ``model``, ``source``, ``metrics`` (key -> float),
        ``html``/``xlsx`` (file names or None), ``error`` (message or None)
        and ``seconds``.
    """
    start = time.perf_counter()
    out = _base_row(task)
    try:
        if task.overrides:
            scenario = vary(_load_cached(task.path), task.overrides)
            scenario = replace(
                scenario, name=task.name or scenario.name, title=scenario.title + task.title_suffix
            )
        else:
            scenario = load_input(Path(task.path))
        out.update(name=scenario.name, title=scenario.title, model=scenario.model.name)
        results = evaluate(scenario)
        values = results.scalars()
        out["metrics"] = {i.key: values[i.key] for i in scenario.model.items_with("metric")}
        folder = Path(out_dir)
        writer = _write_workbook()
        if writer is not None:
            out["xlsx"] = writer(scenario, results, folder / f"{scenario.name}.xlsx").name
        out["html"] = write_summary(scenario, results, folder / f"{scenario.name}.html").name
    except InputError as exc:
        out["error"] = str(exc)
    except Exception as exc:  # isolate any failure to its own scenario
        out["error"] = f"{type(exc).__name__}: {exc}"
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


def _run_local(
    tasks: Sequence[Task], out_dir: Path, workers: int, progress: _Progress
) -> Iterator[tuple[int, dict[str, Any]]]:
    # One BLAS thread per worker: numpy's threaded OpenBLAS in every worker
    # oversubscribes the cores (measured: 1.25x instead of 1.6x from 1 to 2
    # workers). The variables only act before numpy loads, hence "spawn".
    with (
        _single_threaded_blas(),
        ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn")
        ) as pool,
    ):
        futures = {pool.submit(build_task, t, str(out_dir)): i for i, t in enumerate(tasks)}
        for future in as_completed(futures):
            i = futures[future]
            try:
                row = future.result()
            except Exception as exc:  # a worker died (e.g. killed): still isolate it
                row = _failed_row(tasks[i], exc)
            progress.update(row)
            yield i, row


def _failed_row(task: Task, exc: BaseException) -> dict[str, Any]:
    """The index row of a task whose worker raised or died."""
    return {**_base_row(task), "error": f"{type(exc).__name__}: {exc}", "seconds": 0.0}


def connect_dask(address: str) -> Any:
    """A client of the Dask scheduler at ``address`` (batches, sweeps and
    Monte Carlo runs all connect here).

    Raises:
        InputError: Dask is not installed, or the scheduler does not answer.
    """
    try:
        from dask.distributed import Client
    except ImportError:
        raise InputError(
            None, "--scheduler", "Dask is not installed: pip install econ[dask]"
        ) from None
    try:
        return Client(address, timeout=30)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(None, "--scheduler", f"cannot connect to {address!r}: {exc}") from None


def _run_dask(
    tasks: Sequence[Task], out_dir: Path, address: str, progress: _Progress
) -> Iterator[tuple[int, dict[str, Any]]]:
    client = connect_dask(address)  # first: a clear message when Dask is missing
    from dask.distributed import as_completed as dask_completed

    try:
        futures = client.map(build_task, list(tasks), out_dir=str(out_dir), pure=False)
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
        client.close()


def _columns(rows: Sequence[IndexRow]) -> list[Column]:
    present = {k for r in rows for k in r.metrics}
    return [c for c in index_columns(list(MODELS.values())) if c.key in present]


def _execute(
    tasks: Sequence[Task],
    out_dir: str | Path,
    *,
    workers: int | None,
    scheduler: str | None,
    progress: bool,
    title: str,
    sweep_builder: Callable[[list[IndexRow]], SweepTable | None] | None = None,
) -> BatchReport:
    start = time.perf_counter()
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
    n_workers = 0 if scheduler else max(1, workers or os.cpu_count() or 1)
    bar = _Progress(len(tasks), progress)
    rows: list[IndexRow | None] = [None] * len(tasks)
    stream = (
        _run_dask(tasks, folder, scheduler, bar)
        if scheduler
        else _run_local(tasks, folder, n_workers, bar)
    )
    try:
        for i, row in stream:
            rows[i] = IndexRow(**row)
    finally:
        bar.close()
    done = [r for r in rows if r is not None]
    notes = []
    if _write_workbook() is None:
        notes.append("econ.excel is not available: workbooks were not written")
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
    report = BatchReport(done, folder, index, csv, xlsx, elapsed, n_workers, sweep, notes)
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
) -> BatchReport:
    """Build every scenario of files and folders into ``out_dir``, in parallel.

    Args:
        paths_or_dirs: scenario files and folders (a folder gives its ``*.toml``).
        out_dir: output folder (created).
        workers: local worker processes (default: every core).
        scheduler: a Dask scheduler address (default: ``$ECON_SCHEDULER``);
            the cluster's workers must see ``out_dir`` and the scenario files.
        progress: show a progress bar (terminal) or log lines (otherwise) on
            stderr. Failures are always reported on stderr.

    Returns:
        The :class:`BatchReport`; its ``exit_code`` is 1 if any scenario failed.

    Raises:
        InputError: no scenarios, a missing path, or ``scheduler`` given
            without Dask installed.
    """
    paths = expand_paths(paths_or_dirs)
    tasks = [Task(str(p)) for p in paths]
    return _execute(
        tasks,
        out_dir,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        title=f"econ batch: {len(tasks)} scenarios",
    )


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
