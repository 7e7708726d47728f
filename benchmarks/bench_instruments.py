"""Instrument comparison benchmark (issue 11).

Prints, for N random variants of the Solikamsk seed (30 years), the time of
one vectorized evaluation of the instrument-comparison model (every
instrument's breakeven size, solved by the engine, and its fiscal cost at
that size), against the issue's target of 2 s for 10,000 variants on one
core; and the time of the richer project model (every line item, the
levelized cost and breakeven subsidy solved) for 100,000 variants, against
the target of 1 s.

    python benchmarks/bench_instruments.py [--rows 10000] [--engine-rows 100000]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import econ  # noqa: E402
from econ.engine import scenario_arrays  # noqa: E402
from econ.model.definition.project import instrument_comparison  # noqa: E402
from econ.model.evaluate import evaluate_model  # noqa: E402


def variants(rows: int) -> tuple[econ.Scenario, dict[str, np.ndarray]]:
    base = econ.load_scenario(ROOT / "seeds" / "solikamsk_separation.toml")
    base = dataclasses.replace(base, horizon_yr=30)
    rng = np.random.default_rng(2025)
    return base, {
        "domestic_cost_usd_per_kg": rng.uniform(15, 25, rows),
        "capex_usd": rng.uniform(120e6, 400e6, rows),
        "discount_rate": rng.uniform(0.05, 0.2, rows),
        "learning_rate": rng.uniform(0.0, 0.2, rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--engine-rows", type=int, default=100_000)
    args = parser.parse_args()

    base, over = variants(args.rows)
    t0 = time.perf_counter()
    model = instrument_comparison()
    build = time.perf_counter() - t0
    arrays = scenario_arrays([base]) | {k: v.reshape(-1, 1) for k, v in over.items()}
    # Compile (or load) the kernels first: the figures are the evaluation's.
    t0 = time.perf_counter()
    warm = {k: v[:64] if v.shape[0] > 1 else v for k, v in arrays.items()}
    evaluate_model(model, warm, base.start_year, base.horizon_yr, kernels=True)
    compile_s = time.perf_counter() - t0
    runs = []
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        values = evaluate_model(model, arrays, base.start_year, base.horizon_yr)
        runs.append((time.perf_counter() - t0, time.process_time() - c0))
    wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
    solved = np.isfinite(values["capex_grant_fiscal_cost_usd"]).mean()
    print(f"instrument comparison model: {len(model.items)} items, built in {build:.2f} s")
    print(
        f"instrument comparison, {args.rows:,} variants x 30 years: {wall:.2f} s wall, "
        f"{cpu:.2f} s CPU (target < 2 s: {cpu / 2:.2f}x the target); "
        f"capex grant solved in {solved:.0%} of variants; kernels compiled or loaded "
        f"before, in {compile_s:.1f} s"
    )

    base, over = variants(args.engine_rows)
    metrics = [i.key for i in base.model.items_with("metric")]
    econ.evaluate(base, {k: v[:64] for k, v in over.items()}, kernels=True)
    econ.evaluate(base, {k: v[:64] for k, v in over.items()}, items=metrics, kernels=True)
    for label, items in (("its metrics", metrics), ("every line item", None)):
        runs = []
        for _ in range(2):
            t0, c0 = time.perf_counter(), time.process_time()
            results = econ.evaluate(base, over, items=items)
            runs.append((time.perf_counter() - t0, time.process_time() - c0))
            del results
        wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
        print(
            f"project model, {args.engine_rows:,} variants x 30 years ({len(base.model.items)} "
            f"items, 2 engine solves), {label} ({len(metrics) if items else len(base.model.items)} "
            f"returned): {wall:.2f} s wall, {cpu:.2f} s CPU (target < 1 s: {cpu:.2f}x)"
        )


if __name__ == "__main__":
    main()
