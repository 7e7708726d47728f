"""Benchmark econ's IRR and NPV against numpy-financial called in a Python loop.

Usage::

    python benchmarks/bench_irr.py [--rows N] [--years Y] [--subset K] [--seed S]

Generates N (default 100,000) seeded random conventional cash flows of Y (default 30)
years: an investment of 50-150 in the first year, then uniform 0-15 a year. It times
``econ.finance.irr`` and the engine's NPV (``SumProduct`` of the cash flows and the
discount factors ``1.08 ** -period``, ``period = 1 .. Y``, evaluated by
``econ.model.expr.evaluate``) on all rows (best of 3), and ``numpy_financial.irr`` /
``.npv`` (given a leading 0, so that it discounts the first year too) in a Python loop
over the first K rows (default 2,000), extrapolated per row. It prints seconds,
microseconds per row, the speed-ups and the largest absolute IRR difference where both
give a finite IRR.

``run(rows)`` returns the same figures as a dict, for other scripts (e.g.
benchmarks/bench_engine.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

try:
    from econ import finance
except ModuleNotFoundError:  # run as a script from a source checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from econ import finance
from econ.model.expr import Ref, SumProduct
from econ.model.numpy_backend import evaluate


def conventional_cash_flows(rows: int, years: int = 30, seed: int = 12345) -> np.ndarray:
    """Seeded random conventional cash flows, shape (rows, years), in money units."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 15.0, size=(rows, years))
    values[:, 0] = -rng.uniform(50.0, 150.0, size=rows)
    return values


def engine_npv(rate: float, values: np.ndarray) -> np.ndarray:
    """NPV of each row as the engine computes it: every value at the end of its year."""
    env = {
        "ncf": values,
        "discount_rate": np.array([[rate]]),
        "period": np.arange(1, values.shape[1] + 1, dtype=np.float64)[np.newaxis, :],
    }
    years = values.shape[1]
    env["discount_factor"] = evaluate((1 + Ref("discount_rate")) ** -Ref("period"), env, years)
    return evaluate(SumProduct(Ref("ncf"), Ref("discount_factor")), env, years)[:, 0]


def _best_of(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Smallest wall time of ``repeat`` calls, and the last result."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def run(
    rows: int = 100_000,
    years: int = 30,
    subset: int = 2_000,
    seed: int = 12345,
    rate: float = 0.08,
) -> dict[str, float | int]:
    """Time econ.finance against numpy-financial; return the figures.

    Keys: ``rows``, ``years``, ``subset``; ``econ_irr_s`` / ``econ_npv_s`` (best of 3
    on all rows, seconds) and ``econ_irr_us_per_row`` / ``econ_npv_us_per_row``;
    ``npf_irr_us_per_row`` / ``npf_npv_us_per_row`` (loop over ``subset`` rows) and
    ``npf_irr_s_extrapolated`` / ``npf_npv_s_extrapolated`` (for all rows);
    ``irr_speedup`` / ``npv_speedup``; ``irr_max_abs_diff`` (on the subset, where both
    are finite), ``irr_finite_econ`` / ``irr_finite_npf`` (counts on the subset) and
    ``npv_max_rel_diff``.
    """
    import numpy_financial as npf  # only the benchmark needs it

    values = conventional_cash_flows(rows, years, seed)
    subset = min(subset, rows)
    part = values[:subset]
    padded = np.hstack([np.zeros((subset, 1)), part])  # npf.npv's first value is "now"

    irr_s, irr_all = _best_of(lambda: finance.irr(values))
    npv_s, npv_all = _best_of(lambda: engine_npv(rate, values))

    with np.errstate(all="ignore"):
        npf_irr_s, npf_irr = _best_of(lambda: np.array([npf.irr(v) for v in part]), repeat=1)
        npf_npv_s, npf_npv = _best_of(lambda: np.array([npf.npv(rate, v) for v in padded]), 1)

    ours = np.asarray(irr_all)[:subset]
    both = np.isfinite(ours) & np.isfinite(npf_irr)
    irr_diff = float(np.max(np.abs(ours[both] - npf_irr[both]))) if both.any() else float("nan")
    npv_ours = np.asarray(npv_all)[:subset]
    npv_diff = float(np.max(np.abs(npv_ours - npf_npv) / np.maximum(np.abs(npf_npv), 1e-300)))

    per_row = 1e6 / rows
    npf_irr_us = npf_irr_s * 1e6 / subset
    npf_npv_us = npf_npv_s * 1e6 / subset
    return {
        "rows": rows,
        "years": years,
        "subset": subset,
        "econ_irr_s": irr_s,
        "econ_irr_us_per_row": irr_s * per_row,
        "econ_npv_s": npv_s,
        "econ_npv_us_per_row": npv_s * per_row,
        "npf_irr_us_per_row": npf_irr_us,
        "npf_irr_s_extrapolated": npf_irr_us * rows / 1e6,
        "npf_npv_us_per_row": npf_npv_us,
        "npf_npv_s_extrapolated": npf_npv_us * rows / 1e6,
        "irr_speedup": npf_irr_us / (irr_s * per_row),
        "npv_speedup": npf_npv_us / (npv_s * per_row),
        "irr_max_abs_diff": irr_diff,
        "irr_finite_econ": int(np.isfinite(ours).sum()),
        "irr_finite_npf": int(np.isfinite(npf_irr).sum()),
        "npv_max_rel_diff": npv_diff,
    }


def format_report(r: dict[str, float | int]) -> str:
    """Human-readable lines for the figures of :func:`run`."""
    return "\n".join(
        [
            f"{r['rows']:,} cash flows x {r['years']} years "
            f"(numpy-financial timed on {r['subset']:,} rows, extrapolated)",
            f"  econ.finance.irr : {r['econ_irr_s']:8.3f} s  "
            f"{r['econ_irr_us_per_row']:9.2f} us/row",
            f"  npf.irr (loop)   : {r['npf_irr_s_extrapolated']:8.3f} s  "
            f"{r['npf_irr_us_per_row']:9.2f} us/row   speed-up {r['irr_speedup']:,.0f}x",
            f"  engine NPV       : {r['econ_npv_s']:8.3f} s  "
            f"{r['econ_npv_us_per_row']:9.3f} us/row",
            f"  npf.npv (loop)   : {r['npf_npv_s_extrapolated']:8.3f} s  "
            f"{r['npf_npv_us_per_row']:9.2f} us/row   speed-up {r['npv_speedup']:,.0f}x",
            f"  max |IRR econ - IRR npf| where both finite: {r['irr_max_abs_diff']:.2e} "
            f"(finite: econ {r['irr_finite_econ']}, npf {r['irr_finite_npf']} "
            f"of {r['subset']})",
            f"  max relative NPV difference: {r['npv_max_rel_diff']:.2e}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="cash flows (default 100000)")
    parser.add_argument("--years", type=int, default=30, help="periods per row (default 30)")
    parser.add_argument(
        "--subset", type=int, default=2_000, help="rows for numpy-financial (default 2000)"
    )
    parser.add_argument("--seed", type=int, default=12345, help="random seed")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.years < 2 or args.subset < 1:
        parser.error("--rows and --subset must be >= 1, --years >= 2")
    print(format_report(run(args.rows, args.years, args.subset, args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
