"""`econ show` as a whole process: interpreter start, imports, one scenario
evaluated and printed (target < 250 ms).

A project's `show` evaluates the instrument comparison (nine breakeven sizes
solved). The built models are kept on disk (econ.model.cache), so the figure
that matters is a call after the first; the first call after econ's code
changed (models built and stored) is printed too. Python's bytecode cache is
allowed, as it is for an installed econ (PYTHONDONTWRITEBYTECODE would make
every run compile econ's modules again).

    python benchmarks/bench_show.py [REPO]   # REPO: another checkout to compare
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 15


def _times(cmd: list[str], repo: Path, env: dict[str, str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=repo, env=env, check=True, capture_output=True)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    repo = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    load = os.getloadavg()[0]
    for seed in ("magnets_plant", "national_ree_gap"):
        cmd = [sys.executable, "-m", "econ", "show", f"seeds/{seed}.toml"]
        with tempfile.TemporaryDirectory() as cache:
            cold = _times(cmd, repo, {**env, "ECON_CACHE_DIR": cache}, 1)[0]
            times = _times(cmd, repo, {**env, "ECON_CACHE_DIR": cache}, RUNS)
        print(
            f"econ show {seed}, whole process: median {statistics.median(times) * 1e3:.0f} ms, "
            f"min {min(times) * 1e3:.0f} ms over {RUNS} runs (target < 250 ms); "
            f"first run after a code change (models built and stored) {cold * 1e3:.0f} ms; "
            f"load average {load:.2f}"
        )


if __name__ == "__main__":
    main()
