"""Engine benchmark: 100,000 project scenarios x 30 years in one call.

Prints the time to evaluate every line item (volumes, learning, gap,
subsidy, budget, cash flow, NPV, IRR, levelized cost, checks) for N random
variations of the Solikamsk seed over a 30-year timeline, on one core, and
the ratios against a Python loop of numpy-financial calls doing the same
NPVs and IRRs (from bench_irr.py).

    python benchmarks/bench_engine.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the target says
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402

import econ  # noqa: E402


def run(rows: int) -> dict[str, float]:
    base = econ.load_scenario(ROOT / "seeds" / "solikamsk_separation.toml")
    base = dataclasses.replace(base, horizon_yr=30)
    rng = np.random.default_rng(2025)
    overrides = {
        "benchmark_cost_usd_per_kg": rng.uniform(9, 14, rows),
        "domestic_cost_usd_per_kg": rng.uniform(15, 25, rows),
        "capex_usd": rng.uniform(120e6, 400e6, rows),
        "discount_rate": rng.uniform(0.05, 0.2, rows),
        "learning_rate": rng.uniform(0.0, 0.2, rows),
        "production_subsidy_usd_per_kg": rng.uniform(0, 30, rows),
    }
    best = cpu = float("inf")
    for _ in range(5):
        t0, c0 = time.perf_counter(), time.process_time()
        results = econ.evaluate(base, overrides)
        best = min(best, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    assert results.values["net_cash_flow_usd_per_yr"].shape == (rows, 30)
    return {
        "rows": rows,
        "years": 30,
        "evaluate_s": best,
        "evaluate_cpu_s": cpu,
        "series_items": sum(i.shape == "series" for i in base.model.items),
        "finite_irr": float(np.isfinite(results.metric("project_irr")).mean()),
    }


def build_graph() -> dict[str, float]:
    """Time to build each model: graph, topological order, derived solves
    (plug-back, derivative rows), unit inference and checks (best of 20)."""
    from econ.model.definition import MODELS

    out = {}
    for name, model in MODELS.items():
        best = float("inf")
        for _ in range(20):
            t0 = time.perf_counter()
            dataclasses.replace(model)  # re-runs Model.__post_init__
            best = min(best, time.perf_counter() - t0)
        out[name] = best
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    from bench_irr import run as run_irr

    engine = run(args.rows)
    irr = run_irr(args.rows)
    loop_s = (irr["npf_irr_us_per_row"] + irr.get("npf_npv_us_per_row", 0.0)) * args.rows / 1e6
    print(
        f"econ.evaluate, {args.rows:,} scenarios x 30 years, every line item "
        f"({engine['series_items']} timeline rows): {engine['evaluate_s']:.3f} s wall, "
        f"{engine['evaluate_cpu_s']:.3f} s CPU  (target < 0.4 s on one core)  "
        f"[{engine['evaluate_s'] / args.rows * 1e6:.2f} us/scenario; "
        f"{engine['finite_irr']:.0%} with an IRR]"
    )
    for name, seconds in build_graph().items():
        print(
            f"build the {name!r} graph and check its units: {seconds * 1e3:.1f} ms (target < 50 ms)"
        )
    print(f"numpy-financial loop, NPV + IRR only, extrapolated:       {loop_s:.1f} s")
    print(f"  ratio (loop / whole engine):                    {loop_s / engine['evaluate_s']:.0f}x")
    print(
        f"  IRR alone: econ {irr['econ_irr_s']:.3f} s vs npf loop "
        f"{irr['npf_irr_us_per_row'] * args.rows / 1e6:.1f} s -> {irr['irr_speedup']:.0f}x "
        f"(target >= 100x); max |diff| where both converge {irr['irr_max_abs_diff']:.1e} "
        f"(target <= 1e-9)"
    )


if __name__ == "__main__":
    main()
