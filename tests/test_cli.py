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
    assert "21.25 MUSD/yr" in out
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
