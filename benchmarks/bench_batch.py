"""Wall time and peak memory of ``econ sweep --files`` over N scenarios (workbook and
HTML each) with 1 and 2 workers, and the speed-up between them.

Usage::

    .venv/bin/python benchmarks/bench_batch.py            # N = 1000
    .venv/bin/python benchmarks/bench_batch.py --n 200 --workers 1 2

Each run happens in a fresh child process so that its peak memory
(``ru_maxrss`` of the run's process plus its worker processes) is measured on
its own. Targets (issue 6): under 60 s for 1,000 with 2 workers, >= 1.8x
speed-up from 1 to 2 workers, peak memory flat in N (compare ``--n 250``
with ``--n 1000``).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "national_ree_gap.toml"


def _grid(n: int) -> list[str]:
    """Two --vary options giving exactly ``n`` scenarios (a near-square grid)."""
    a = max(d for d in range(1, math.isqrt(n) + 1) if n % d == 0)
    b = n // a
    step_a = 5.0 / max(a - 1, 1)
    return [
        f"benchmark_cost_usd_per_kg=9:{9 + step_a * (a - 1):.10g}:{step_a:.10g}",
        f"consumption_t_per_yr=1000:{1000 + 50 * (b - 1)}:50",
    ]


def _child(n: int, workers: int, out: str, queue: mp.Queue) -> None:  # type: ignore[type-arg]
    from econ.batch import run_sweep

    load = os.getloadavg()[0]
    start = time.perf_counter()
    report = run_sweep(SEED, _grid(n), out, workers=workers, progress=False)
    wall = time.perf_counter() - start
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    child_kb = children.ru_maxrss
    cpu_s = children.ru_utime + children.ru_stime
    xlsx = sum(1 for r in report.rows if r.xlsx)
    queue.put(
        {
            "n": len(report.rows),
            "workers": workers,
            "wall_s": wall,
            "failed": len(report.failures),
            "worker_cpu_s": cpu_s,
            "load_before": load,
            "xlsx": xlsx,
            "peak_rss_main_mb": self_kb / 1024,
            "peak_rss_worker_mb": child_kb / 1024,
        }
    )


def run(n: int, workers: int) -> dict[str, float]:
    """One sweep in a fresh process; returns its figures."""
    out = tempfile.mkdtemp(prefix="econ-bench-")
    try:
        ctx = mp.get_context("spawn")
        queue: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
        proc = ctx.Process(target=_child, args=(n, workers, out, queue))
        proc.start()
        result: dict[str, float] = queue.get()
        proc.join()
        return result
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="scenarios in the sweep")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args(argv)
    results = [run(args.n, w) for w in args.workers]
    if args.json:
        print(json.dumps(results))
        return 0
    for r in results:
        print(
            f"{r['n']:>6} scenarios  {r['workers']} worker(s)  {r['wall_s']:7.2f} s  "
            f"{r['n'] / r['wall_s']:6.1f}/s  peak RSS main {r['peak_rss_main_mb']:.0f} MB, "
            f"largest worker {r['peak_rss_worker_mb']:.0f} MB  "
            f"({r['xlsx']} workbooks, {r['failed']} failed); worker CPU {r['worker_cpu_s']:.1f} s "
            f"= {r['worker_cpu_s'] / (r['wall_s'] * r['workers']):.0%} of the workers' wall time; "
            f"load average before {r['load_before']:.2f} on {os.cpu_count()} CPUs"
        )
    if len(results) >= 2:
        print(
            f"speed-up {results[0]['workers']} -> {results[-1]['workers']} workers: "
            f"{results[0]['wall_s'] / results[-1]['wall_s']:.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
