"""Built models kept on disk (econ.cache): a model loaded back
evaluates exactly as the one built; a damaged, foreign or disabled cache
never changes an answer or stops econ."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import econ
from econ import cache
from econ.model.definition import NATIONAL
from econ.model.definition import project as project_def
from econ.model.evaluate import warm
from econ.model.schema import Model

ROOT = Path(__file__).resolve().parent.parent
MAGNETS = ROOT / "seeds" / "magnets_plant.toml"


def _count_builds(model: Model) -> tuple[list[int], object]:
    calls: list[int] = []

    def build() -> Model:
        calls.append(1)
        return model

    return calls, build


def test_second_call_loads_instead_of_building(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECON_CACHE_DIR", str(tmp_path))
    calls, build = _count_builds(NATIONAL)
    first = cache.cached_model("national-test", build, warm)  # type: ignore[arg-type]
    files = list(tmp_path.glob("national-test-*.pickle"))
    assert len(files) == 1 and calls == [1]
    second = cache.cached_model("national-test", build, warm)  # type: ignore[arg-type]
    assert calls == [1], "the second call built the model again"
    assert second is not first and second.input_keys == first.input_keys
    assert [i.key for i in second.items] == [i.key for i in first.items]


@pytest.mark.parametrize("content", [b"", b"not a pickle", pickle.dumps({"a": 1})])
def test_damaged_or_foreign_file_is_rebuilt(
    content: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECON_CACHE_DIR", str(tmp_path))
    path = tmp_path / f"national-test-{cache.source_digest()}.pickle"
    path.write_bytes(content)
    calls, build = _count_builds(NATIONAL)
    model = cache.cached_model("national-test", build, warm)  # type: ignore[arg-type]
    assert model is NATIONAL and calls == [1]
    assert isinstance(pickle.loads(path.read_bytes()), Model)  # replaced by a good one


def test_off_and_unwritable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECON_CACHE_DIR", "off")
    assert cache.cache_dir() is None
    calls, build = _count_builds(NATIONAL)
    cache.cached_model("national-test", build, warm)  # type: ignore[arg-type]
    cache.cached_model("national-test", build, warm)  # type: ignore[arg-type]
    assert calls == [1, 1]
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("ECON_CACHE_DIR", str(blocker / "under-a-file"))
    assert cache.cached_model("national-test", build, warm) is NATIONAL  # type: ignore[arg-type]


def test_digest_follows_the_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "m.py").write_text("X = 1\n")
    monkeypatch.setattr(cache, "_PACKAGE", tmp_path)
    cache.source_digest.cache_clear()
    try:
        before = cache.source_digest()
        (tmp_path / "m.py").write_text("X = 2\n")
        cache.source_digest.cache_clear()
        assert cache.source_digest() != before
    finally:
        cache.source_digest.cache_clear()


def test_loaded_comparison_evaluates_as_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The instrument comparison loaded from disk (with its compiled items)
    against the same model built in this process: every value identical."""
    monkeypatch.setenv("ECON_CACHE_DIR", str(tmp_path))
    scenario = econ.load_scenario(MAGNETS)
    build = project_def.instrument_comparison.__wrapped__
    fresh = cache.cached_model("instrument-comparison", build, warm)  # nothing on disk yet
    loaded = cache.cached_model("instrument-comparison", build, warm)  # from tmp_path
    assert list(tmp_path.glob("instrument-comparison-*.pickle"))
    assert loaded is not fresh
    values = {
        name: econ.evaluate(dataclasses.replace(scenario, model=model)).values
        for name, model in (("fresh", fresh), ("loaded", loaded))
    }
    assert values["fresh"].keys() == values["loaded"].keys()
    differ = [
        k
        for k in values["fresh"]
        if not np.array_equal(values["fresh"][k], values["loaded"][k], equal_nan=True)
    ]
    assert not differ


def test_show_uses_the_cache(tmp_path: Path) -> None:
    """Two ``econ show`` processes: the first writes the models, the second
    reads them and prints the same text."""
    env = {**os.environ, "ECON_CACHE_DIR": str(tmp_path)}
    cmd = [sys.executable, "-m", "econ", "show", str(MAGNETS)]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    names = sorted(p.name.rsplit("-", 1)[0] for p in tmp_path.glob("*.pickle"))
    assert names == ["instrument-comparison"]
    second = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    assert second.stdout == first.stdout and "Cheapest budget instrument" in first.stdout
    off = subprocess.run(
        cmd, env={**env, "ECON_CACHE_DIR": "off"}, capture_output=True, text=True, check=True
    )
    assert off.stdout == first.stdout


def _in_thread(fn: Callable[[], Model], timeout: float = 60.0) -> Model | None:
    """``fn()`` in a daemon thread; ``None`` if it is still blocked after ``timeout``."""
    result: list[Model] = []
    thread = threading.Thread(target=lambda: result.append(fn()), daemon=True)
    thread.start()
    thread.join(timeout)
    return result[0] if result else None


def test_fifo_or_symlink_in_place_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A FIFO at the cache file's name once blocked econ for ever (opened
    for reading, it waits for a writer); a symlink was followed."""
    monkeypatch.setenv("ECON_CACHE_DIR", str(tmp_path))
    path = tmp_path / f"national-test-{cache.source_digest()}.pickle"
    os.mkfifo(path)
    calls, build = _count_builds(NATIONAL)
    model = _in_thread(lambda: cache.cached_model("national-test", build, warm))  # type: ignore[arg-type]
    assert model is NATIONAL and calls == [1], "blocked on a FIFO"
    assert path.is_file() and not path.is_symlink()  # replaced by a good file
    elsewhere = tmp_path / "elsewhere.pickle"
    path.rename(elsewhere)
    path.symlink_to(elsewhere)
    assert cache.cached_model("national-test", build, warm) is NATIONAL  # type: ignore[arg-type]
    assert calls == [1, 1] and not path.is_symlink()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs chown")
def test_another_users_file_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECON_CACHE_DIR", str(tmp_path))
    calls, build = _count_builds(NATIONAL)
    cache.cached_model("national-test", build, warm)  # type: ignore[arg-type]
    [path] = tmp_path.glob("national-test-*.pickle")
    os.chown(path, 54321, 54321)
    assert cache.cached_model("national-test", build, warm) is NATIONAL  # type: ignore[arg-type]
    assert calls == [1, 1]


def test_no_home_folder_turns_the_cache_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No $HOME and no passwd entry (a container's arbitrary user): Path.home()
    raises; econ once stopped with that RuntimeError."""

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("ECON_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert cache.cache_dir() is None
    calls, build = _count_builds(NATIONAL)
    assert cache.cached_model("national-test", build, warm) is NATIONAL  # type: ignore[arg-type]
    assert calls == [1]


def test_digest_follows_the_bytecode_format(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pickle holds marshalled code: another bytecode magic number (a
    Python pre-release, another implementation) is another name."""
    cache.source_digest.cache_clear()
    try:
        before = cache.source_digest()
        monkeypatch.setattr(importlib.util, "MAGIC_NUMBER", b"\x00\x00\r\n")
        cache.source_digest.cache_clear()
        assert cache.source_digest() != before
    finally:
        cache.source_digest.cache_clear()


def test_killed_writers_leave_no_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A temporary file of a writer killed mid-write (a model is about a
    megabyte) is removed by the next write instead of staying for ever."""
    monkeypatch.setenv("ECON_CACHE_DIR", str(tmp_path))
    stale = tmp_path / ".national-test-x.pickle.econ-tmp-999999999-abc.tmp"
    stale.write_bytes(b"half a pickle")
    calls, build = _count_builds(NATIONAL)
    cache.cached_model("national-test", build, warm)  # type: ignore[arg-type]
    assert calls == [1] and not stale.exists()


def test_process_caches_stay_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long-lived process given a fresh copy of the comparison model again
    and again (a Dask worker, one copy per task) keeps its compiled code and
    graph caches bounded, and every copy still gives the same values."""
    from econ.model import compiled
    from econ.model import evaluate as evaluate_mod

    monkeypatch.setenv("ECON_CACHE_DIR", str(tmp_path))
    build = project_def.instrument_comparison.__wrapped__
    data = pickle.dumps(cache.cached_model("instrument-comparison", build, warm))
    scenario = econ.load_scenario(MAGNETS)
    first = None
    sizes = []
    for _ in range(12):
        model = pickle.loads(data)
        npv = econ.evaluate(dataclasses.replace(scenario, model=model)).metric("npv_usd")
        first = npv if first is None else first
        assert np.array_equal(npv, first)
        sizes.append((len(compiled.CODE), len(compiled._COMPILED), len(evaluate_mod._GROUPS)))
    assert max(s[0] for s in sizes) <= compiled.LIMIT
    assert max(s[1] for s in sizes) <= compiled.LIMIT
    assert max(s[2] for s in sizes) <= 4 * compiled.LIMIT
    assert sizes[-1][0] < 12 * 600, "the caches were never emptied"
