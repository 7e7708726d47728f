"""Monte Carlo benchmark: the magnets plant over a 30-year timeline, one core.

Prints:

* 1,000,000 draws of every input with a distribution (17 triangular), every
  metric that needs no solve (NPV, IRR, gap, subsidy, budget, payback...):
  wall time (target < 5 s) and the process's peak RSS (target < 1.5 GB);
* the solved metrics (levelized cost, breakeven subsidy) for 100,000 draws
  (target < 10 s);
* the ratio against a plain Python loop calling ``numpy_financial.npv`` for
  the same NPVs (timed on a sample of draws and extrapolated; the loop is
  given the engine's cash flows, so it does far less than the engine).

    python benchmarks/bench_risk.py [--draws 1000000] [--solved-draws 100000]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the target says
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import econ  # noqa: E402
from econ.analysis.montecarlo import run_risk  # noqa: E402
from econ.model.evaluate import needed_items  # noqa: E402


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--draws", type=int, default=1_000_000)
    parser.add_argument("--solved-draws", type=int, default=100_000)
    parser.add_argument("--loop-sample", type=int, default=20_000)
    args = parser.parse_args()

    base = econ.load_scenario(ROOT / "seeds" / "magnets_plant.toml")
    base = dataclasses.replace(base, horizon_yr=30)
    model = base.model
    solved = [s.key for s in model.solves]
    # Metrics whose evaluation needs no engine solve (the full-cost gap and the
    # budget coverage read the solved levelized cost and breakeven subsidy).
    plain = [
        i.key
        for i in model.items_with("metric")
        if i.key not in solved and not needed_items(model, [i.key]) & set(solved)
    ]

    run_risk(base, 10_000, seed=1, metrics=plain)  # warm the caches (graph steps)
    rss0 = _peak_rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    result = run_risk(base, args.draws, seed=1, metrics=plain)
    plain_s, plain_cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = _peak_rss_mb()
    npv = result.stats["npv_usd"]
    print(
        f"{args.draws:,} draws x 30 years, {len(result.inputs)} inputs varied, "
        f"{len(plain)} metrics needing no solve: {plain_s:.2f} s wall, {plain_cpu:.2f} s CPU "
        f"(target < 5 s), "
        f"peak RSS {peak:,.0f} MB (target < 1,536 MB; {rss0:,.0f} MB before the run)"
    )
    print(
        f"  NPV P5 / P50 / P95: {npv.percentiles[5] / 1e6:,.1f} / "
        f"{npv.percentiles[50] / 1e6:,.1f} / {npv.percentiles[95] / 1e6:,.1f} MUSD, "
        f"SE of mean {npv.se_mean / 1e6:.3f} MUSD, SE of P50 {npv.se_p50 / 1e6:.3f} MUSD"
    )

    t0, c0 = time.perf_counter(), time.process_time()
    sol = run_risk(base, args.solved_draws, seed=1, metrics=solved, metric=solved[0])
    solved_s, solved_cpu = time.perf_counter() - t0, time.process_time() - c0
    be = sol.stats["breakeven_subsidy_usd_per_kg"]
    print(
        f"{args.solved_draws:,} draws, solved metrics ({', '.join(solved)}): "
        f"{solved_s:.2f} s wall, {solved_cpu:.2f} s CPU (target < 10 s); "
        f"breakeven subsidy P5 / P50 / P95 "
        f"{be.percentiles[5]:.1f} / {be.percentiles[50]:.1f} / {be.percentiles[95]:.1f} USD/kg"
    )

    # A plain Python loop over numpy-financial, on a sample of the same draws
    # (as bench_engine.py: NPV, and NPV + IRR since the run gives IRRs too).
    import numpy_financial as npf

    k = min(args.loop_sample, args.draws)
    sample = {key: v[:k] for key, v in result.inputs.items()}
    flows = econ.evaluate(base, sample, items=["net_cash_flow_usd_per_yr"])
    cash = np.broadcast_to(flows.values["net_cash_flow_usd_per_yr"], (k, 30))
    rate = np.broadcast_to(flows.values["discount_rate"][:, 0], (k,))
    padded = np.hstack([np.zeros((k, 1)), cash])  # npf.npv's first value is "now"
    t0 = time.perf_counter()
    loop = [npf.npv(float(rate[i]), padded[i]) for i in range(k)]
    npv_s = (time.perf_counter() - t0) * args.draws / k
    m = max(1, k // 10)
    t0 = time.perf_counter()
    for i in range(m):
        npf.irr(cash[i])
    irr_s = (time.perf_counter() - t0) * args.draws / m
    # The net cash flow is the project's (unlevered): its NPV is project_npv_usd.
    diff = np.max(np.abs(np.array(loop) - result.values["project_npv_usd"][:k]))
    print(
        f"plain Python loop of numpy-financial over the engine's cash flows, extrapolated to "
        f"{args.draws:,} draws: npv {npv_s:.1f} s ({npv_s / plain_s:.1f}x the whole run), "
        f"npv + irr {npv_s + irr_s:.0f} s ({(npv_s + irr_s) / plain_s:.0f}x); "
        f"max |NPV difference| {diff:.2g} USD"
    )


if __name__ == "__main__":
    main()
