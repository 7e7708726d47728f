"""What the safety checks of issue 10 cost: building the seeds and a batch,
with the checks and with them switched off (monkeypatched here only).

The checks measured: the workbook seal (zip rewrite) and the edited-workbook
check before overwriting, fsync of every file, the infinite-value check of
the results, the unit grammar, the text/nesting walk of every scenario, the
regular-file/size checks, and for a batch the output-name pass over every
file. Target: under 10 % of a normal build of each seed and of a batch.

    .venv/bin/python benchmarks/bench_safety.py [--repeat 5] [--n 200]

The batch is measured as its per-scenario work run serially in this process
(``build_task`` for N variants of a seed plus the name pass), which is what
the workers run; worker start-up is the same with or without the checks.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import econ  # noqa: E402
import econ.build  # noqa: E402
import econ.excel.writer  # noqa: E402
import econ.outputs  # noqa: E402
import econ.outputs.files  # noqa: E402
import econ.scenario  # noqa: E402
import econ.units  # noqa: E402
from econ.batch import Task, _peek_name, build_task  # noqa: E402
from econ.build import write_outputs  # noqa: E402
from econ.outputs.names import output_stems  # noqa: E402


@contextlib.contextmanager
def checks_off() -> Iterator[None]:
    """Switch the safety checks off (this process only)."""
    saved: list[tuple[object, str, object]] = []

    def patch(obj: object, name: str, value: object) -> None:
        saved.append((obj, name, getattr(obj, name)))
        setattr(obj, name, value)

    original_write_with = econ.outputs.files.write_with

    def no_fsync(path: object, fn: Callable[[Path], object], *, fsync: bool = True) -> Path:
        return original_write_with(path, fn, fsync=False)  # type: ignore[arg-type]

    patch(econ.outputs, "seal_workbook", lambda path: path)
    patch(econ.outputs, "write_with", no_fsync)
    patch(econ.outputs.files, "write_with", no_fsync)
    patch(econ.build, "keep_if_edited", lambda path: None)
    patch(econ.build, "check_finite", lambda scenario, results: None)
    patch(econ.units, "check_unit_syntax", lambda unit: None)
    patch(econ.scenario, "_check_text", lambda *a, **k: None)
    try:
        yield
    finally:
        for obj, name, value in reversed(saved):
            setattr(obj, name, value)


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def compare(fn: Callable[[], object], repeat: int) -> tuple[float, float, float, float]:
    """Best wall and CPU times with and without the checks, runs interleaved
    (on, off, on, off...) so that a shared machine's load hits both alike."""
    on_wall, off_wall, on_cpu, off_cpu = [], [], [], []
    for _ in range(repeat):
        for walls, cpus, off in ((on_wall, on_cpu, False), (off_wall, off_cpu, True)):
            with checks_off() if off else contextlib.nullcontext():
                w0, c0 = time.perf_counter(), time.process_time()
                fn()
                walls.append(time.perf_counter() - w0)
                cpus.append(time.process_time() - c0)
    return min(on_wall), min(off_wall), min(on_cpu), min(off_cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--n", type=int, default=200, help="scenarios in the batch")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        print("Build of each seed (load, evaluate, workbook + HTML over the previous build):")
        ratios = []
        for seed in sorted((ROOT / "seeds").glob("*.toml")):

            def build(seed: Path = seed) -> None:
                sc = econ.load_scenario(seed)
                write_outputs(sc, econ.evaluate(sc), out)

            build()  # warm up, and the files to overwrite exist
            on, off, on_cpu, off_cpu = compare(build, args.repeat)
            ratios.append(on / off - 1)
            print(
                f"  {seed.stem:<24} wall {on * 1e3:6.1f} ms with checks, {off * 1e3:6.1f} ms "
                f"without: {(on / off - 1) * 100:+.1f} %; CPU {on_cpu * 1e3:6.1f} vs "
                f"{off_cpu * 1e3:6.1f} ms: {(on_cpu / off_cpu - 1) * 100:+.1f} %"
            )
        print(f"  worst wall: {max(ratios) * 100:+.1f} % (target < 10 %)")

        seeds = sorted((ROOT / "seeds").glob("*.toml"))
        src = Path(tmp) / "in"
        src.mkdir()
        files = []
        for i in range(args.n):
            seed = seeds[i % len(seeds)]
            text = seed.read_text(encoding="utf-8").replace(
                f'name = "{seed.stem}"', f'name = "{seed.stem}_{i}"', 1
            )
            path = src / f"{seed.stem}_{i}.toml"
            path.write_text(text, encoding="utf-8")
            files.append(path)
        folder = Path(tmp) / "batch"

        def batch() -> None:
            names = [_peek_name(p) for p in files]
            stems, _ = output_stems([(str(p), n) for p, n in zip(files, names, strict=True)])
            for p, stem in zip(files, stems, strict=True):
                row = build_task(Task(str(p), stem=stem), str(folder), 600.0)
                assert row["error"] is None, row["error"]

        batch()
        on, off, on_cpu, off_cpu = compare(batch, max(1, args.repeat // 3))
        print(
            f"Batch of {args.n} scenarios (per-scenario work, serial): wall {on:.2f} s with "
            f"checks, {off:.2f} s without: {(on / off - 1) * 100:+.1f} %; CPU {on_cpu:.2f} vs "
            f"{off_cpu:.2f} s: {(on_cpu / off_cpu - 1) * 100:+.1f} % (target < 10 %)"
        )


if __name__ == "__main__":
    main()
