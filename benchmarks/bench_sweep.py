"""Sweep benchmark: a 10,000-point grid of a project seed (two keys), every
metric in one vectorized evaluation, with its crossings solved, the page
(heat map and crossing table) and the CSV written; against the per-variant
path of ``econ sweep --files`` (a process task, a workbook and a page per
variant: 27.3 s for 1,000 variants with 1 worker, ``bench_batch.py``), and
against plain ``econ.evaluate`` calls in a loop.

    .venv/bin/python benchmarks/bench_sweep.py

Target (issue 12): 10,000 variants, table and heat map, under 1 s.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import econ  # noqa: E402
from econ.analysis.sweep import sweep  # noqa: E402
from econ.report.sweep import write_sweep  # noqa: E402

#: ``econ sweep`` of 1,000 variants before this change, one worker (README).
BASELINE_S_PER_1000 = 27.3
GRID = ["capex_usd=100:199:1", "benchmark_cost_usd_per_kg=60:159:1"]  # 100 x 100


def main() -> None:
    sc = econ.load_scenario(ROOT / "seeds" / "magnets_plant.toml")
    sweep(sc, GRID)  # warm up (graph caches)
    runs = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(5):
            t0 = time.perf_counter()
            result = sweep(sc, GRID)
            t1 = time.perf_counter()
            write_sweep(result, out)
            t2 = time.perf_counter()
            runs.append((t2 - t0, t1 - t0, t2 - t1))
    total, evaluate, write = min(runs)
    n = result.size
    t0 = time.perf_counter()
    for price in (60.0, 80.0, 100.0, 120.0, 140.0):
        for capex in (100e6, 150e6):
            econ.evaluate(sc.with_values(capex_usd=capex, benchmark_cost_usd_per_kg=price))
    loop_per_variant = (time.perf_counter() - t0) / 10
    baseline = BASELINE_S_PER_1000 / 1000 * n
    print(
        f"sweep of {n:,} variants ({len(result.crossings)} crossings solved): "
        f"{total * 1e3:.0f} ms in all (target < 1,000 ms): evaluation and solves "
        f"{evaluate * 1e3:.0f} ms, page and CSV {write * 1e3:.0f} ms"
    )
    print(
        f"  per-variant files path at {BASELINE_S_PER_1000} s per 1,000: {baseline:.0f} s "
        f"({baseline / total:,.0f}x); econ.evaluate per variant in a loop: "
        f"{loop_per_variant * n:.1f} s ({loop_per_variant * n / total:,.0f}x)"
    )


if __name__ == "__main__":
    main()
