"""Batch and sweep: isolation of failures, outputs, grid expansion, Dask."""

from __future__ import annotations

import csv
import math
import os
import re
import shutil
from pathlib import Path

import pytest

from econ.batch import expand_paths, run_batch, run_sweep, vary
from econ.engine import evaluate
from econ.errors import InputError
from econ.model.schema import BREAKEVEN_KEY
from econ.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.toml"))
NATIONAL = ROOT / "seeds" / "national_ree_gap.toml"


@pytest.fixture
def scenario_dir(tmp_path: Path) -> Path:
    """Two valid seeds and one malformed scenario."""
    folder = tmp_path / "in"
    folder.mkdir()
    for path in SEEDS[:2]:
        shutil.copy(path, folder / path.name)
    text = NATIONAL.read_text(encoding="utf-8")
    bad = folder / "broken.toml"
    bad.write_text(
        text.replace('name = "national_ree_gap"', 'name = "broken"').replace(
            "[timeline]", "[timeline]\nbogus = 1"
        ),
        encoding="utf-8",
    )
    return folder


def test_one_bad_scenario_is_isolated(
    scenario_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    report = run_batch([scenario_dir], out, workers=2, progress=False)
    assert report.exit_code == 1
    assert [r.name for r in report.failures] == ["broken"]
    message = report.failures[0].error or ""
    assert "broken.toml" in message and "timeline.bogus" in message
    assert "FAILED broken" in capsys.readouterr().err
    for seed in SEEDS[:2]:
        scenario = load_scenario(seed)
        row = next(r for r in report.rows if r.name == scenario.name)
        assert row.error is None and (out / f"{scenario.name}.html").is_file()
        expected = evaluate(scenario).scalars()
        # the shared "Breakeven subsidy" column reads the model's own breakeven
        expected[BREAKEVEN_KEY] = expected[scenario.model.breakeven]
        for key, value in row.metrics.items():
            assert value == expected[key] or (math.isnan(value) and math.isnan(expected[key]))
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "timeline.bogus" in index and 'id="failures"' in index
    with (out / "summary.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["status"] for r in rows) == ["failed", "ok", "ok"]
    assert (out / "summary.xlsx").stat().st_size > 0
    for link in re.findall(r'href="([^"]+)"', index):
        assert (out / link).is_file(), link


def test_all_good_exit_code_zero(tmp_path: Path) -> None:
    report = run_batch(SEEDS, tmp_path, workers=1, progress=False)
    assert report.exit_code == 0 and len(report.rows) == len(SEEDS)


def test_progress_log_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_batch(SEEDS[:2], tmp_path, workers=1, progress=True)
    err = capsys.readouterr().err
    assert "[1/2] built" in err and "[2/2] built" in err and "\r" not in err


def test_expand_paths_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        expand_paths([tmp_path / "missing.toml"])
    with pytest.raises(InputError, match=r"no \*.toml"):
        expand_paths([tmp_path])


def test_vary_widens_own_bounds_but_keeps_domain() -> None:
    base = load_scenario(NATIONAL)
    varied = vary(base, [("consumption_t_per_yr", 50_000.0)])
    assert varied.value("consumption_t_per_yr") == 50_000.0
    with pytest.raises(InputError):
        vary(base, [("consumption_t_per_yr", -1.0)])


def test_sweep_files_builds_each_variant_named_after_its_values(tmp_path: Path) -> None:
    """``econ sweep --files``: a workbook and a summary per variant, each named
    KEY=VALUE, holding the variant's own evaluation."""
    report = run_sweep(
        NATIONAL,
        ["benchmark_cost_usd_per_kg=9:14:1", "consumption_t_per_yr=1000,3000,2000"],
        tmp_path,
        sets=["learning_rate=0"],
        workers=2,
        progress=False,
    )
    assert report.exit_code == 0 and len(report.rows) == 18
    base = load_scenario(NATIONAL)
    names = {r.name for r in report.rows}
    assert "national_ree_gap--benchmark_cost_usd_per_kg=9--consumption_t_per_yr=1000" in names
    assert "national_ree_gap--benchmark_cost_usd_per_kg=14--consumption_t_per_yr=3000" in names
    for row in report.rows:
        values = dict(part.split("=") for part in row.name.split("--")[1:])
        bench, volume = (
            float(values["benchmark_cost_usd_per_kg"]),
            float(values["consumption_t_per_yr"]),
        )
        # independent computation of the subsidy: max(domestic - benchmark, 0) x volume
        expected = max(base.value("domestic_cost_usd_per_kg") - bench, 0) * volume * 1000
        assert row.metrics["ref_subsidy_usd_per_yr"] == pytest.approx(expected, rel=1e-9)
        assert (tmp_path / f"{row.name}.html").exists() and (tmp_path / f"{row.name}.xlsx").exists()


def test_a_sweep_variant_workbook_reads_back(tmp_path: Path) -> None:
    """A variant's workbook is an econ workbook like any other: ``econ show``
    reads it (its name carries '=' and '.') and ``econ build`` rebuilds it to
    the variant's own values."""
    from econ.cli import main
    from econ.excel.reader import read_workbook

    report = run_sweep(NATIONAL, ["benchmark_cost_usd_per_kg=9.5"], tmp_path, progress=False)
    (row,) = report.rows
    workbook = tmp_path / f"{row.name}.xlsx"
    assert main(["show", str(workbook)]) == 0
    assert main(["build", str(workbook), "-o", str(tmp_path / "again")]) == 0
    scenario = read_workbook(workbook).scenario
    assert scenario.name == row.name
    assert scenario.value("benchmark_cost_usd_per_kg") == 9.5


def test_sweep_files_is_capped_before_expansion(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="1,001 values"):
        run_sweep(NATIONAL, ["learning_rate=0:1000:1"], tmp_path, progress=False)
    assert not any(tmp_path.iterdir())


def test_scheduler_without_dask_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    real_import = builtins.__import__

    def fake_import(name: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name.startswith("dask"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(InputError, match=r"pip install econ\[dask\]"):
        run_batch(SEEDS[:1], tmp_path, scheduler="tcp://127.0.0.1:1", progress=False)


@pytest.mark.slow
def test_dask_local_cluster(
    scenario_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if os.environ.get("CI") != "true":
        pytest.importorskip("dask.distributed", reason="pip install econ[dask]")
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        monkeypatch.setenv("ECON_SCHEDULER", cluster.scheduler_address)
        report = run_batch([scenario_dir], tmp_path / "out", progress=False)
    assert report.workers == 0 and report.exit_code == 1
    assert [r.name for r in report.failures] == ["broken"]
    assert sum(r.error is None for r in report.rows) == 2
    assert (tmp_path / "out" / "index.html").is_file()
