"""Shared fixtures: the repository's seed scenarios."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
