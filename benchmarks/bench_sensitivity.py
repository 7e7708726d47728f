"""Sensitivity benchmark: a tornado over every bounded input of a project
seed (one vectorized evaluation), against the same swings from two plain
``econ.evaluate`` calls per input.

    python benchmarks/bench_sensitivity.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import econ  # noqa: E402
from econ.analysis.sensitivity import tornado  # noqa: E402


def main() -> None:
    sc = econ.load_scenario(ROOT / "seeds" / "magnets_plant.toml")
    tornado(sc)  # warm up
    best = float("inf")
    for _ in range(10):
        t0 = time.perf_counter()
        t = tornado(sc)
        best = min(best, time.perf_counter() - t0)
    t0 = time.perf_counter()
    for row in t.rows:
        for x in (row.low, row.high):
            econ.evaluate(sc.with_values(**{row.key: x}))
    loop = time.perf_counter() - t0
    print(
        f"tornado over {len(t.rows)} inputs ({2 * len(t.rows) + 1} variants, one evaluation): "
        f"{best * 1e3:.1f} ms (target < 100 ms); two plain evaluations per input: "
        f"{loop * 1e3:.0f} ms ({loop / best:.0f}x)"
    )


if __name__ == "__main__":
    main()
