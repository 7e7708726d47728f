"""Build the outputs of one scenario: evaluate it once, then hand the same
results to every renderer (workbook, HTML summary). Renderers never
recompute a number."""

from __future__ import annotations

import contextlib
import functools
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from econ.engine import Results, evaluate
from econ.errors import InputError
from econ.outputs import EnvironmentFault, backup_path, keep_if_edited, write_guarded
from econ.outputs.files import clean_stale, ensure_folder, fault
from econ.outputs.seal import file_digest, guarded, record_digests
from econ.scenario import _WORKBOOK_SUFFIXES, Assumption, Scenario, load_input, load_scenario

__all__ = [
    "RENDERERS",
    "Output",
    "backup_path",
    "build",
    "build_from_workbook",
    "build_scenario",
    "export_workbook",
    "load_input",
    "write_files",
    "write_outputs",
]

Renderer = Callable[[Scenario, Results, Path], Path]


def _workbook(scenario: Scenario, results: Results, path: Path) -> Path:
    from econ.excel import write_workbook

    return write_workbook(scenario, results, path)


def _page(scenario: Scenario, results: Results, path: Path) -> Path:
    from econ.report import write_summary

    return write_summary(scenario, results, path)


#: The renderers every build, run, batch and sweep hands its results to, by
#: file suffix; each writes one file atomically (econ.outputs.write_with).
RENDERERS: dict[str, Renderer] = {".xlsx": _workbook, ".html": _page}


@dataclass(frozen=True)
class Output:
    """What :func:`write_outputs` wrote.

    Attributes:
        files: the files written, in :data:`RENDERERS` order.
        notes: one line per edited workbook kept as a backup.
        backups: replaced file -> its backup.
    """

    files: tuple[Path, ...]
    notes: tuple[str, ...]
    backups: tuple[tuple[Path, Path], ...] = ()


def check_finite(scenario: Scenario, results: Results) -> None:
    """Refuse results with an infinite value: a workbook caching ``inf``
    cannot be read back (NaN is econ's "not available" and is fine).

    Raises:
        InputError: naming the scenario file and the first infinite item.
    """
    import numpy as np

    for key, value in results.values.items():
        if value.dtype.kind == "f" and np.isinf(value).any():
            # Name the input behind it: the largest in magnitude of those it reads.
            model = scenario.model
            behind, todo = set(), [key]
            while todo:
                for name in model._deps.get(todo.pop(), ()):
                    if name not in behind:
                        behind.add(name)
                        todo.append(name)
            # Name the most extreme input behind it: the largest, or the
            # smallest non-zero (a divisor), by orders of magnitude.
            given: list[tuple[float, float, Assumption]] = []
            for k, a in scenario.assumptions.items():
                x = np.abs(np.asarray(a.value, dtype=float))
                x = x[np.isfinite(x) & (x > 0)]
                if k in behind and x.size:
                    big, small = float(x.max()), float(x.min())
                    far = max(math.log10(big), -math.log10(small))
                    given.append((far, big if math.log10(big) >= -math.log10(small) else small, a))
            written = [g for g in given if not g[2].default]  # the file's own, first
            if written or given:
                far, size, culprit = max(written or given, key=lambda g: g[0])
                if far > 100:
                    what = "large" if size > 1 else "small"
                    raise InputError(
                        scenario.path,
                        f"assumptions.{culprit.file_key}",
                        f"{size:g} is too {what}: the line item '{key}' overflows to infinity",
                    )
                if far > 6:
                    raise InputError(
                        scenario.path,
                        f"assumptions.{culprit.file_key}",
                        f"the line item '{key}' overflows to infinity; this is the input behind "
                        f"it farthest from 1 ({size:g} {culprit.unit}): check its magnitude",
                    )
            raise InputError(
                scenario.path,
                None,
                f"the line item '{key}' overflows to infinity: an input is too large "
                "(check the magnitudes of the assumptions)",
            )


def write_outputs(
    scenario: Scenario,
    results: Results,
    out_dir: Path,
    stem: str | None = None,
    renderers: Mapping[str, Callable[[Path], object]] | None = None,
) -> Output:
    """The one output pipeline: hand ``results`` to every renderer.

    Writes ``out_dir/<stem>.xlsx`` and ``out_dir/<stem>.html`` (``stem``
    defaults to the scenario's name), each atomically, through
    :func:`write_files`. ``renderers`` replaces the :data:`RENDERERS` of a
    plain build (an analysis adds its sheets and sections): suffix ->
    function writing that file at the path it is given.

    Raises:
        InputError: results with an infinite value (nothing is written).
        EnvironmentFault: the folder or a file cannot be written.
    """
    from econ.analysis.instruments import with_comparison

    full = with_comparison(scenario)
    if full is not scenario and results.model is not full.model:
        # A project's outputs show the instrument comparison: evaluate it once
        # here when the caller evaluated the project model alone.
        scenario, results = full, evaluate(full)
    check_finite(scenario, results)
    if renderers is None:
        renderers = {
            suffix: functools.partial(render, scenario, results)
            for suffix, render in RENDERERS.items()
        }
    return write_files(out_dir, stem or scenario.name, renderers)


def write_files(
    out_dir: Path, stem: str, renderers: Mapping[str, Callable[[Path], object]]
) -> Output:
    """Write ``out_dir/<stem><suffix>`` for each renderer, all or none.

    Every file is written in full under a temporary name first (each
    renderer writes atomically, :func:`econ.outputs.write_with`); only then
    are they moved into place. A file already at an output path that is
    not exactly what econ wrote (edited by hand, or not econ's) is first
    kept as ``<stem>.edited-backup.xlsx`` (numbered; a workbook is told by
    its seal, another file but an HTML page by the digest the folder's
    manifest recorded, :func:`econ.outputs.output_state`). Used by build, run,
    batch, sweep, the analyses (``risk``/``sensitivity -o``) and portfolios.

    Raises:
        EnvironmentFault: the folder or a file cannot be written.
    """
    ensure_folder(out_dir)
    for suffix in renderers:  # before any work: a folder in the way of an output
        if (out_dir / f"{stem}{suffix}").is_dir():
            raise EnvironmentFault(
                out_dir / f"{stem}{suffix}", "a folder is in the way of the file"
            )
    files: list[Path] = []
    notes: list[str] = []
    backups: list[tuple[Path, Path]] = []
    staged: list[tuple[Path, Path]] = []
    try:
        # Every output is written in full (under a temporary name) before any
        # is moved into place: a failure leaves no partial set of outputs.
        for suffix, render in renderers.items():
            final = out_dir / f"{stem}{suffix}"
            stage = out_dir / f".{final.name}.econ-tmp-{os.getpid()}-stage"
            staged.append((stage, final))
            try:
                render(stage)
            except EnvironmentFault as exc:  # name the output, not its temporary name
                raise EnvironmentFault(final, exc.reason, exc.verb) from None
        for _, final in staged:  # every backup before any file is replaced
            backup = keep_if_edited(final)
            if backup is not None:
                backups.append((final, backup))
                notes.append(f"kept {final} as {backup} (it differs from what econ wrote)")
        digests = [  # what a later run checks a non-workbook output against
            (final.name, file_digest(stage), stage.stat().st_size)
            for stage, final in staged
            if guarded(final) and final.suffix.lower() not in (".xlsx", ".xlsm")
        ]
        for stage, final in staged:
            try:
                os.replace(stage, final)
            except OSError as exc:
                raise fault(final, exc) from None
            files.append(final)
        if digests:
            record_digests(out_dir, digests)
    finally:
        for stage, _ in staged:
            with contextlib.suppress(OSError):
                stage.unlink()
    return Output(tuple(files), tuple(notes), tuple(backups))


def build_scenario(
    scenario: Scenario, out_dir: Path, results: Results | None = None
) -> tuple[Results, list[Path]]:
    """Evaluate ``scenario`` (unless its ``results`` are given) and write its
    outputs into ``out_dir`` (see :func:`write_outputs`).

    Returns:
        The results and the files written.
    """
    results = evaluate(scenario) if results is None else results
    return results, list(write_outputs(scenario, results, Path(out_dir)).files)


def build(path: Path, out_dir: Path | None, scenario: Scenario | None = None) -> list[str]:
    """Build one scenario file, or rebuild an edited econ workbook (``.xlsx``);
    returns lines to print. ``scenario``: the file's scenario if already loaded."""
    from econ.cli import format_metrics

    if path.suffix.lower() in _WORKBOOK_SUFFIXES:
        return build_from_workbook(path, out_dir)
    out_dir = out_dir if out_dir is not None else Path("workbooks")
    from econ.analysis.instruments import with_comparison

    scenario = with_comparison(load_scenario(path) if scenario is None else scenario)
    results = evaluate(scenario)
    clean_stale(out_dir)
    out = write_outputs(scenario, results, out_dir)
    return [
        format_metrics(scenario, results),
        *(f"  {n}" for n in out.notes),
        *(f"  wrote {p}" for p in out.files),
        "",
    ]


def _fmt_value(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(f"{v:g}" for v in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


def describe_changes(old: Scenario, new: Scenario, old_r: Results, new_r: Results) -> list[str]:
    """Lines naming each edited assumption and the change of each key metric."""
    from econ.display import format_item

    lines = []
    if new.start_year != old.start_year:
        lines.append(f"  edited start year: {old.start_year} -> {new.start_year}")
    for key, a in new.assumptions.items():
        before = old.assumptions[key]
        if (a.value, a.low, a.high) != (before.value, before.low, before.high):
            bounds = (
                ""
                if (a.low, a.high) == (before.low, before.high)
                else (f" (bounds {before.low}..{before.high} -> {a.low}..{a.high})")
            )
            lines.append(
                f"  edited {key}: {_fmt_value(before.value)} -> {_fmt_value(a.value)} "
                f"{a.unit}{bounds}"
            )
    if not lines:
        return ["  no assumption or timeline cell was edited"]
    old_s, new_s = old_r.scalars(), new_r.scalars()
    for item in new.model.items_with("metric"):
        x, y = old_s[item.key], new_s[item.key]
        if not (x == y or (x != x and y != y)):  # NaN-aware inequality
            old_text, new_text = (format_item(v, item) for v in (x, y))
            lines.append(f"  {item.label}: {old_text} -> {new_text}")
    return lines


def build_from_workbook(path: Path, out_dir: Path | None) -> list[str]:
    """Rebuild an edited econ workbook from its Assumptions sheet.

    The outputs are named after the workbook's file (``what_if.xlsx`` gives
    ``what_if.xlsx`` and ``what_if.html``). Without ``out_dir`` they go
    beside it and the rebuilt workbook replaces ``path``, the edited
    original first kept under a backup name; with ``out_dir`` they go there
    (an edited workbook already there is kept as a backup too). A
    macro-enabled ``.xlsm`` is never rewritten: its rebuild is ``NAME.xlsx``
    (macros are not carried over, and the line says so).
    """
    from econ.analysis.instruments import with_comparison
    from econ.excel.reader import formula_changes, read_workbook

    edited = read_workbook(path)
    original, scenario = with_comparison(edited.original), with_comparison(edited.scenario)
    old_r, new_r = evaluate(original), evaluate(scenario)  # for the diff
    lines = [f"{path}: scenario {edited.scenario.name!r} read back"]
    lines += describe_changes(original, scenario, old_r, new_r)
    target_dir = out_dir if out_dir is not None else path.parent
    macro = path.suffix.lower() == ".xlsm"
    clean_stale(target_dir)
    out = write_outputs(scenario, new_r, target_dir, stem=path.stem)
    lines += [f"  {n}" for n in out.notes]
    if macro:
        lines.append(f"  {path} keeps its macros and is left as it was (econ writes .xlsx only)")
    before = dict(out.backups).get(path, path)  # in place: the original is now the backup
    rebuilt = next(f for f in out.files if f.suffix == ".xlsx")
    problems = [
        *edited.scenario.warnings,
        *edited.warnings,
        *formula_changes(before, rebuilt),
    ]
    lines += [f"  wrote {f}" for f in out.files]
    lines += [f"  warning: {p}" for p in problems]
    return lines


def export_workbook(path: Path, output: Path) -> list[str]:
    """Write the (edited) assumptions of an econ workbook as a scenario file."""
    from econ.excel.reader import read_workbook
    from econ.scenario import to_toml

    if output.exists() and output.resolve() == path.resolve():
        raise InputError(
            output,
            None,
            "refused: the output is the workbook being exported; give a .toml path (-o x.toml)",
        )
    if output.is_dir():
        raise InputError(output, None, "expected a .toml file path as the output, found a folder")
    if output.suffix.lower() in (".xlsx", ".xlsm"):
        raise InputError(
            output, None, "expected a .toml scenario file as the output, not a workbook"
        )
    edited = read_workbook(path)
    text = to_toml(edited.scenario)
    write_guarded(output, text)  # an edited scenario file there is kept first
    warnings = [*edited.scenario.warnings, *edited.warnings]
    return [f"wrote {output}", *(f"  warning: {w}" for w in warnings)]
