"""The command line as a user meets it."""

from __future__ import annotations

import subprocess
import sys

import pytest

import econ
from econ.cli import main
from tests.conftest import ROOT, SEEDS


def test_show_prints_the_articles_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", str(SEEDS / "national_ree_gap.toml")]) == 0
    out = capsys.readouterr().out
    assert "8.50 USD/kg" in out
    # 21,250,000 USD/yr: money scaled to M, three significant digits, half up
    assert "21.3 M USD/yr" in out
    assert "35.0 yr" in out
    assert "all pass" in out


@pytest.mark.parametrize(
    "args", [["--help"], ["show", "--help"], ["build", "--help"], ["run", "--help"]]
)
def test_help_explains_itself(args: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "econ", *args], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert proc.returncode == 0
    assert "usage: econ" in proc.stdout


def test_missing_file_exits_2_without_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "econ", "show", "nope.toml"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "econ: error: nope.toml: no such file"


def test_public_api_is_reexported() -> None:
    for name in econ.__all__:
        assert hasattr(econ, name), name
    assert set(econ.__all__) >= {"load_scenario", "evaluate", "evaluate_many", "InputError"}


def test_batch_isolates_a_bad_scenario_and_exits_1(
    tmp_path: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path)) / "in"
    folder.mkdir()
    for name in ("national_ree_gap", "acron_murmansk"):
        (folder / f"{name}.toml").write_text((SEEDS / f"{name}.toml").read_text())
    (folder / "broken.toml").write_text('name = "broken"\nmodel = "national"\n')
    out = Path(str(tmp_path)) / "out"
    assert main(["batch", str(folder), "-o", str(out), "-j", "1", "-q"]) == 1
    captured = capsys.readouterr()
    assert "built 2 of 3 scenarios" in captured.out
    assert "broken.toml: timeline: missing" in captured.err
    assert (out / "national_ree_gap.html").exists() and (out / "acron_murmansk.xlsx").exists()
    assert (out / "index.html").exists() and (out / "summary.csv").exists()


def test_sweep_rejects_a_bad_vary_option(
    capsys: pytest.CaptureFixture[str], tmp_path: pytest.TempPathFactory
) -> None:
    code = main(
        [
            "sweep",
            str(SEEDS / "national_ree_gap.toml"),
            "--vary",
            "nonsense=1:2:1",
            "-o",
            str(tmp_path),
            "-q",
        ]
    )
    assert code == 2
    assert "nonsense" in capsys.readouterr().err
