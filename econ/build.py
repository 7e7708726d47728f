"""Build the outputs of one scenario: evaluate it once, then hand the same
results to every renderer (workbook, HTML summary). Renderers never
recompute a number."""

from __future__ import annotations

from pathlib import Path

from econ.engine import Results, evaluate
from econ.errors import InputError
from econ.scenario import Scenario, load_scenario

__all__ = ["build", "build_from_workbook", "build_scenario", "export_workbook", "load_input"]


def build_scenario(
    scenario: Scenario, out_dir: Path, results: Results | None = None
) -> tuple[Results, list[Path]]:
    """Evaluate ``scenario`` (unless its ``results`` are given) and write its
    outputs into ``out_dir``.

    Returns:
        The results and the files written.
    """
    results = evaluate(scenario) if results is None else results
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        from econ.excel import write_workbook
    except ImportError:  # pragma: no cover - during development only
        pass
    else:
        written.append(write_workbook(scenario, results, out_dir / f"{scenario.name}.xlsx"))
    try:
        from econ.report import write_summary
    except ImportError:  # pragma: no cover
        pass
    else:
        written.append(write_summary(scenario, results, out_dir / f"{scenario.name}.html"))
    return results, written


def load_input(path: Path) -> Scenario:
    """The scenario of a scenario file, or of an econ workbook (``.xlsx``,
    ``.xlsm``) with the values on its Assumptions sheet (edited or not)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from econ.excel.reader import read_workbook

        return read_workbook(path).scenario
    return load_scenario(path)


def build(path: Path, out_dir: Path | None) -> list[str]:
    """Build one scenario file, or rebuild an edited econ workbook (``.xlsx``);
    returns lines to print."""
    from econ.cli import format_metrics

    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return build_from_workbook(path, out_dir)
    out_dir = out_dir if out_dir is not None else Path("workbooks")
    scenario = load_scenario(path)
    results, written = build_scenario(scenario, out_dir)
    return [format_metrics(scenario, results), *(f"  wrote {p}" for p in written), ""]


def _fmt_value(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(f"{v:g}" for v in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


def describe_changes(old: Scenario, new: Scenario, old_r: Results, new_r: Results) -> list[str]:
    """Lines naming each edited assumption and the change of each key metric."""
    from econ.display import format_item

    lines = []
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
        return ["  no assumption was edited"]
    old_s, new_s = old_r.scalars(), new_r.scalars()
    for item in new.model.items_with("metric"):
        x, y = old_s[item.key], new_s[item.key]
        if not (x == y or (x != x and y != y)):  # NaN-aware inequality
            old_text, new_text = (format_item(v, item) for v in (x, y))
            lines.append(f"  {item.label}: {old_text} -> {new_text}")
    return lines


def backup_path(path: Path) -> Path:
    """``model.xlsx`` -> ``model.edited-backup.xlsx`` (numbered if taken)."""
    candidate = path.with_name(f"{path.stem}.edited-backup{path.suffix}")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}.edited-backup-{n}{path.suffix}")
        n += 1
    return candidate


def build_from_workbook(path: Path, out_dir: Path | None) -> list[str]:
    """Rebuild an edited econ workbook from its Assumptions sheet.

    Without ``out_dir`` the rebuilt workbook replaces ``path`` atomically and
    the edited original is first copied beside it under a backup name; with
    ``out_dir`` the outputs go there and ``path`` is left untouched.
    """
    import shutil
    import tempfile

    from econ.excel.reader import formula_changes, read_workbook

    edited = read_workbook(path)
    old_r, new_r = evaluate(edited.original), evaluate(edited.scenario)  # for the diff
    lines = [f"{path}: scenario {edited.scenario.name!r} read back"]
    lines += describe_changes(edited.original, edited.scenario, old_r, new_r)
    target_dir = out_dir if out_dir is not None else path.parent
    target_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target_dir, prefix=".econ-build-") as tmp:
        _, written = build_scenario(edited.scenario, Path(tmp), new_r)
        rebuilt = Path(tmp) / f"{edited.scenario.name}.xlsx"
        problems = [
            *edited.scenario.warnings,
            *edited.warnings,
            *formula_changes(path, rebuilt),
        ]
        if out_dir is None:
            backup = backup_path(path)
            shutil.copy2(path, backup)
            lines.append(f"  kept the edited original as {backup}")
        for file in written:
            dest = path if (out_dir is None and file.suffix == ".xlsx") else target_dir / file.name
            file.replace(dest)  # same folder: an atomic rename
            lines.append(f"  wrote {dest}")
    lines += [f"  warning: {p}" for p in problems]
    return lines


def export_workbook(path: Path, output: Path) -> list[str]:
    """Write the (edited) assumptions of an econ workbook as a scenario file."""
    import os
    import tempfile

    from econ.excel.reader import read_workbook
    from econ.scenario import to_toml

    if output.exists() and output.resolve() == path.resolve():
        raise InputError(
            output,
            None,
            "refused: the output is the workbook being exported; give a .toml path (-o x.toml)",
        )
    if output.suffix.lower() in (".xlsx", ".xlsm"):
        raise InputError(
            output, None, "expected a .toml scenario file as the output, not a workbook"
        )
    edited = read_workbook(path)
    text = to_toml(edited.scenario)
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, output)
    warnings = [*edited.scenario.warnings, *edited.warnings]
    return [f"wrote {output}", *(f"  warning: {w}" for w in warnings)]
