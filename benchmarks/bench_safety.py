"""What the safety checks of issue 10 cost: building the seeds and a batch,
with the checks and with them switched off (monkeypatched here only).

The checks measured: the workbook seal (zip rewrite) and the edited-workbook
check before overwriting, fsync of every file, the infinite-value check of
the results, the unit grammar, the text/nesting walk of every scenario, the
regular-file/size checks, and for a batch the output-name pass over every
file. Target: under 10 % of a normal build of each seed and of a batch.

    .venv/bin/python benchmarks/bench_safety.py [--repeat 5] [--n 200] [--cli 1000 -j 2]

The batch is measured as its per-scenario work run serially in this process
(``build_task`` for N variants of a seed plus the name pass), which is what
the workers run; worker start-up is the same with or without the checks.

``--cli N`` also times the real command, ``econ batch`` of N scenario files
with ``-j`` workers, with the checks and without (switched off in the parent
and in every spawned worker by a ``sitecustomize`` on ``PYTHONPATH`` that only
this benchmark writes), into a fresh folder and then again over the files of
the first run (the re-run checks every workbook's seal before replacing it),
in pairs of runs with and without the checks back to back (order alternating),
each pair's ratio reported (the machine's load changes between pairs), wall
and CPU (the command and its workers), with the load average.

Performance (2 cores shared with other engineers; 2026-11-25, this branch):

=============================================  ============  ===========  ==========
what                                           with checks   without      overhead
=============================================  ============  ===========  ==========
econ batch, 1,000 copies of national_ree_gap,  35.0 s wall   32.9 s       +4.0 % median of pairs
-j 2, fresh folder (load avg 2.4-3.4)          45.1 s CPU    43.8 s       -1.5 % median of pairs
same, again over its own files                 35.4 s wall   36.6 s       -2.5 %; CPU -1.9 %
same, earlier under load avg 5-8 (3 pairs)     69.9 s wall   38.8 s min   wall +12.7 %, CPU +7.5 %
                                                                          median of pairs (noise:
                                                                          -25 to +80 % pair by pair)
build of a seed (each seed; load avg 0.3-1.2)  309-780 ms    303-784 ms   worst +7.6 % wall
                                               (national 32-34 ms)        (CPU worst +6.4 %)
build of a seed, load avg 5-8                  worst +20.8 % wall, CPU within +-5 % but one
                                               seed (+18 %): noise at 3 runs each
=============================================  ============  ===========  ==========

Today's figure before this change: the same batch measured +41 % (per-file
``fsync``: 5.1 ms a file under load against 0.26 ms without; measured again
here under load average 8: 4.0-8.2 ms a file with ``fsync``, 0.9-1.5 ms
deferred, including the one final ``syncfs`` of 4-6 ms for 200 files). A
batch's workers now write without the flush and the batch makes its folder
durable once at the end (:func:`econ.outputs.files.make_durable`). The
cheapest seed is used for the batch: there the checks' fixed cost per file
weighs most (a project seed's build is 10-20x longer).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import econ  # noqa: E402
import econ.batch  # noqa: E402
import econ.build  # noqa: E402
import econ.excel.writer  # noqa: E402
import econ.outputs  # noqa: E402
import econ.outputs.files  # noqa: E402
import econ.outputs.seal  # noqa: E402
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
    patch(econ.outputs.seal, "keep_if_edited", lambda path: None)
    patch(econ.build, "record_digests", lambda folder, written: None)
    patch(econ.outputs.seal, "record_digests", lambda folder, written: None)
    patch(econ.batch, "make_durable", lambda folder: None)
    patch(econ.build, "check_finite", lambda scenario, results: None)
    patch(econ.units, "check_unit_syntax", lambda unit: None)
    patch(econ.scenario, "_check_text", lambda *a, **k: None)
    try:
        yield
    finally:
        for obj, name, value in reversed(saved):
            setattr(obj, name, value)


_SITECUSTOMIZE = f"""
import os, sys
if os.environ.get("ECON_BENCH_CHECKS_OFF") == "1":
    sys.path.insert(0, {str(ROOT / "benchmarks")!r})
    import bench_safety
    OFF = bench_safety.checks_off()  # held: a collected generator would undo it
    OFF.__enter__()  # for the life of this process
"""


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages (as ``uptime`` prints them)."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def cli_batch(n: int, workers: int, tmp: Path, only: str = "", repeat: int = 3) -> None:
    """``econ batch`` of ``n`` files, with and without the checks, fresh and re-run
    (copies of every seed in turn, or of the seed ``only``), ``repeat`` times,
    with and without interleaved; wall and CPU (the command and its workers)."""
    import resource
    import shutil
    import statistics

    seeds = sorted((ROOT / "seeds").glob(f"{only or '*'}.toml"))
    src = tmp / "cli-in"
    src.mkdir()
    for i in range(n):
        seed = seeds[i % len(seeds)]
        text = seed.read_text(encoding="utf-8").replace(
            f'name = "{seed.stem}"', f'name = "{seed.stem}_{i}"', 1
        )
        (src / f"{seed.stem}_{i}.toml").write_text(text, encoding="utf-8")
    site = tmp / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_SITECUSTOMIZE, encoding="utf-8")
    command = [sys.executable, "-m", "econ", "batch", str(src), "-j", str(workers), "-q", "-o"]
    walls: dict[tuple[bool, int], list[float]] = {}
    cpus: dict[tuple[bool, int], list[float]] = {}
    print(f"econ batch runs ({load_average()} at the start):", flush=True)
    for r in range(repeat):
        for off in (r % 2 == 1, r % 2 == 0):  # on first, then off first: alike
            out = tmp / f"cli-out-{'off' if off else 'on'}"
            shutil.rmtree(out, ignore_errors=True)
            for run in (0, 1):  # 0: a fresh folder; 1: over the files of run 0
                env = dict(os.environ, PYTHONPATH=f"{site}{os.pathsep}{ROOT}")
                env["ECON_BENCH_CHECKS_OFF"] = "1" if off else "0"
                usage = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.perf_counter()
                done = subprocess.run(
                    [*command, str(out)],
                    env=env,
                    capture_output=True,
                    check=False,
                )
                wall = time.perf_counter() - t0
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
                walls.setdefault((off, run), []).append(wall)
                cpus.setdefault((off, run), []).append(cpu)
                print(
                    f"  (repeat {r + 1}, run {run}, checks {'off' if off else 'on '}: "
                    f"wall {wall:.1f} s, CPU {cpu:.1f} s)",
                    flush=True,
                )
                assert done.returncode == 0, done.stderr.decode()[-2000:]
                books = sorted(out.glob("*_0.xlsx"))
                built = [p for p in out.glob("*.xlsx") if ".edited-backup" not in p.name]
                assert len(built) == n + 1, "one workbook each, and summary.xlsx"
                assert not list(out.glob("*.edited-backup*")), "econ's own files: no backup"
                # the switch reached the workers: without the checks, no seal
                state = econ.outputs.workbook_state(books[0])
                assert state == ("edited" if off else "unchanged"), (off, state)
    kind = f"copies of {only}" if only else "copies of the seeds in turn"
    print(
        f"econ batch of {n} scenario files ({kind}), -j {workers}, the real command, "
        f"{repeat} pairs of runs, with and without the checks back to back in alternating "
        f"order ({load_average()} at the end):"
    )
    for run, what in ((0, "into a fresh folder"), (1, "again over its own files")):
        for label, table in (("wall", walls), ("CPU", cpus)):
            on, off = table[False, run], table[True, run]
            # a shared machine's load changes between pairs: each pair's own ratio
            paired = sorted(a / b - 1 for a, b in zip(on, off, strict=True))
            print(
                f"  {what:<25} {label:<4} with checks / without, pair by pair: "
                f"median {statistics.median(paired) * 100:+5.1f} % "
                f"({', '.join(f'{r * 100:+.1f}' for r in paired)} %); min {min(on):6.1f} s "
                f"vs {min(off):6.1f} s: {(min(on) / min(off) - 1) * 100:+5.1f} % "
                f"({min(on) / n * 1e3:.1f} vs {min(off) / n * 1e3:.1f} ms per scenario; "
                "target < 10 %)"
            )


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
    parser.add_argument(
        "--cli-repeat", type=int, default=3, metavar="R", help="runs of each econ batch"
    )
    parser.add_argument("--n", type=int, default=200, help="scenarios in the batch")
    parser.add_argument(
        "--cli", type=int, default=1000, metavar="N", help="econ batch of N files (0: skip)"
    )
    parser.add_argument("-j", type=int, default=2, help="workers of the econ batch run")
    parser.add_argument("--cli-only", action="store_true", help="only the econ batch figure")
    parser.add_argument(
        "--cli-seed", default="", metavar="NAME", help="econ batch of copies of this seed only"
    )
    args = parser.parse_args()
    if args.cli_only:
        with tempfile.TemporaryDirectory() as tmp:
            cli_batch(args.cli, args.j, Path(tmp), args.cli_seed, args.cli_repeat)
        return
    print(load_average(), flush=True)
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
                row = build_task(Task(str(p), stem=stem), str(folder), 600.0, durable=False)
                assert row["error"] is None, row["error"]
            econ.batch.make_durable(folder)  # the batch's one flush (off: none)

        batch()
        on, off, on_cpu, off_cpu = compare(batch, max(1, args.repeat // 3))
        print(
            f"Batch of {args.n} scenarios (per-scenario work, serial): wall {on:.2f} s with "
            f"checks, {off:.2f} s without: {(on / off - 1) * 100:+.1f} %; CPU {on_cpu:.2f} vs "
            f"{off_cpu:.2f} s: {(on_cpu / off_cpu - 1) * 100:+.1f} % (target < 10 %)"
        )
        if args.cli:
            cli_batch(args.cli, args.j, Path(tmp), args.cli_seed, args.cli_repeat)


if __name__ == "__main__":
    main()
