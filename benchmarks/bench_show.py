"""`econ show` as a whole process: interpreter start, imports, one scenario
evaluated and printed (target < 250 ms).

    python benchmarks/bench_show.py [REPO]   # REPO: another checkout to compare
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 15


def main() -> None:
    repo = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent)
    cmd = [sys.executable, "-m", "econ", "show", "seeds/magnets_plant.toml"]
    subprocess.run(cmd, cwd=repo, check=True, capture_output=True)  # warm the disk cache
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=repo, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    print(
        f"econ show, whole process ({repo}): median {statistics.median(times) * 1e3:.0f} ms, "
        f"min {min(times) * 1e3:.0f} ms over {RUNS} runs (target < 250 ms)"
    )


if __name__ == "__main__":
    main()
