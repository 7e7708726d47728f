"""Time to build one seed workbook, per formula cell, against an openpyxl baseline.

The baseline writes the same cells (every formula and every text/number cell
of the econ workbook) with openpyxl: no cached values, styles, validation,
defined names or charts. Run::

    .venv/bin/python benchmarks/bench_workbook.py [seeds/magnets_plant.toml]
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import openpyxl

import econ
from econ.analysis.instruments import with_comparison
from econ.excel import write_workbook

ROOT = Path(__file__).resolve().parents[1]
REPEAT = 5


def best_of(fn: Callable[[], object], repeat: int = REPEAT) -> float:
    """Best wall time of ``repeat`` calls, in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def cells_of(path: Path) -> tuple[dict[str, list[tuple[str, object]]], int]:
    """Every non-empty cell by sheet, and the number of formula cells."""
    wb = openpyxl.load_workbook(path)
    out: dict[str, list[tuple[str, object]]] = {}
    n_formulas = 0
    for ws in wb.worksheets:
        cells = out.setdefault(ws.title, [])
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    cells.append((c.coordinate, c.value))
                    n_formulas += c.data_type == "f"
    wb.close()
    return out, n_formulas


def baseline(cells: dict[str, list[tuple[str, object]]], path: Path) -> None:
    """Write the same cells with openpyxl, nothing else."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for sheet, values in cells.items():
        ws = wb.create_sheet(sheet)
        for coord, value in values:
            ws[coord] = value
    wb.save(path)


def main(argv: list[str]) -> None:
    """Run the benchmark and print the figures and a profile."""
    seed = Path(argv[1]) if len(argv) > 1 else ROOT / "seeds" / "magnets_plant.toml"
    # the workbook `econ build` writes: a project with its instrument comparison
    scenario = with_comparison(econ.load_scenario(seed))
    results = econ.evaluate(scenario)
    eval_s = best_of(lambda: econ.evaluate(scenario), 3)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{scenario.name}.xlsx"
        base_out = Path(tmp) / "baseline.xlsx"
        write_workbook(scenario, results, out)
        cells, n_formulas = cells_of(out)
        n_cells = sum(len(v) for v in cells.values())
        econ_s = best_of(lambda: write_workbook(scenario, results, out))
        base_s = best_of(lambda: baseline(cells, base_out))
        print(f"seed: {seed.name} ({scenario.horizon_yr} years)")
        print(f"cells: {n_cells} ({n_formulas} formulas)")
        print(
            f"econ write_workbook: {econ_s * 1e3:.1f} ms "
            f"({econ_s / n_formulas * 1e6:.1f} us per formula cell; "
            f"{out.stat().st_size / 1024:.0f} KiB)"
        )
        print(
            f"openpyxl baseline:   {base_s * 1e3:.1f} ms "
            f"({base_s / n_formulas * 1e6:.1f} us per formula cell; "
            f"{base_out.stat().st_size / 1024:.0f} KiB)"
        )
        print(f"ratio econ / baseline: {econ_s / base_s:.2f}x (target <= 2x)")
        print(
            f"evaluate ({scenario.model.name} model, {len(scenario.model.solves)} solves): "
            f"{eval_s * 1e3:.1f} ms; build = evaluate + write: {(eval_s + econ_s) * 1e3:.1f} ms"
        )
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(REPEAT):
            write_workbook(scenario, results, out)
        profile.disable()
        stream = io.StringIO()
        stats = pstats.Stats(profile, stream=stream)
        stats.sort_stats("tottime").print_stats(12)
        print("\nwhat dominates (cProfile, 5 builds, by own time):")
        lines = stream.getvalue().splitlines()
        start = next(i for i, line in enumerate(lines) if "ncalls" in line)
        print("\n".join(lines[start:]))


if __name__ == "__main__":
    main(sys.argv)
