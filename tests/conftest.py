"""Shared fixtures: the repository's seed scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.toml"))


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS
