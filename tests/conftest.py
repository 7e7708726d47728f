"""Shared fixtures: the repository's seed scenarios."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Built models are kept in a folder of this test session (econ.cache), not in
# the user's ~/.cache/econ; the commands the tests run inherit it.
_CACHE = None if "ECON_CACHE_DIR" in os.environ else tempfile.mkdtemp(prefix="econ-test-cache-")
if _CACHE is not None:
    os.environ["ECON_CACHE_DIR"] = _CACHE


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _CACHE is not None:
        shutil.rmtree(_CACHE, ignore_errors=True)


ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.toml"))

# Scripts run by the oracles' own interpreters (ProFAST in .venv-profast), not by pytest.
collect_ignore_glob = ["oracles/*"]


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


def skip_or_fail(message: str) -> None:
    """Skip a test whose tool is missing; fail it instead under CI=true, where
    ``make test`` installs every tool."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


PROFAST_PYTHON = ROOT / ".venv-profast" / "bin" / "python"


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked with an engine's name (``@pytest.mark.gnumeric``...) need it; tests
    marked ``profast`` need the ProFAST oracle's own virtual environment."""
    from econ.excel.engines import ENGINES, missing

    if item.get_closest_marker("profast") is not None and not PROFAST_PYTHON.is_file():
        skip_or_fail(
            f"the ProFAST oracle is not installed ({PROFAST_PYTHON.relative_to(ROOT)} is "
            "missing): run `make .venv-profast/.installed`"
        )

    for engine in ENGINES:
        if item.get_closest_marker(engine) is not None:
            problem = missing(engine)
            if problem is not None:
                skip_or_fail(problem)
