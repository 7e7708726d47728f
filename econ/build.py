"""Build the outputs of one scenario: evaluate it once, then hand the same
results to every renderer (workbook, HTML summary). Renderers never
recompute a number."""

from __future__ import annotations

from pathlib import Path

from econ.engine import Results, evaluate
from econ.scenario import Scenario, load_scenario

__all__ = ["build", "build_scenario"]


def build_scenario(scenario: Scenario, out_dir: Path) -> tuple[Results, list[Path]]:
    """Evaluate ``scenario`` and write its outputs into ``out_dir``.

    Returns:
        The results and the files written.
    """
    results = evaluate(scenario)
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


def build(path: Path, out_dir: Path) -> list[str]:
    """Build one scenario file; returns lines to print."""
    from econ.cli import format_metrics

    scenario = load_scenario(path)
    results, written = build_scenario(scenario, out_dir)
    return [format_metrics(scenario, results), *(f"  wrote {p}" for p in written), ""]
