"""Shared fixtures: the repository's seed scenarios."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.toml"))


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


def skip_or_fail(message: str) -> None:
    """Skip a test whose tool is missing; fail it instead under CI=true, where
    ``make test`` installs every tool."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked with an engine's name (``@pytest.mark.gnumeric``...) need it."""
    from econ.excel.engines import ENGINES, missing

    for engine in ENGINES:
        if item.get_closest_marker(engine) is not None:
            problem = missing(engine)
            if problem is not None:
                skip_or_fail(problem)
