"""The figures of the portfolio seeds come out of the files as the articles
give them (see ../shared/seed-figures.md): expected values are the articles'
own numbers, combined here, never the seeds' values typed again."""

from __future__ import annotations

import pytest

import econ
from econ.analysis.portfolio import load_portfolio
from tests.conftest import SEEDS

# MiningNews.net repost (2025-09-03), file 001: "60 billion rubles ($744
# million)"; "Large-tonnage rare metals (LARM) to 50,000 tons by 2030".
ARTICLE_BUDGET_USD = 744e6
ARTICLE_TARGET_T_PER_YR = 50_000
# CNBC (2025), file 002: "up to 12 % of global rare earths output by 2030".
# Trade news quoting Trenin (2025), file 003: "about 2,500 tons ... less than
# 1% of global production".
TOMTOR_SHARE, RUSSIA_T_PER_YR, RUSSIA_SHARE_BOUND = 0.12, 2_500, 0.01
# S&P Global Platts (2025-11-06), file 000: two gigafactories needing
# "approximately 10,000 metric tons of cathode active materials each".
CAM_T_PER_YR_EACH, GIGAFACTORIES = 10_000, 2


def test_portfolio_budget_and_target_are_the_articles() -> None:
    pf = load_portfolio(SEEDS / "portfolios" / "portfolio_60bn.toml")
    assert round(pf.budget.canonical / 1e6) == ARTICLE_BUDGET_USD / 1e6
    assert pf.target is not None and pf.target.canonical == ARTICLE_TARGET_T_PER_YR
    assert pf.target_year == 2030
    assert pf.budget.source.cited and pf.target.source.cited


def test_tomtor_capacity_is_12_percent_of_world_output_at_its_lower_bound() -> None:
    sc = econ.load_scenario(SEEDS / "tomtor_rare_earths.toml")
    world_lower_bound = RUSSIA_T_PER_YR / RUSSIA_SHARE_BOUND
    assert sc.value("capacity_t_per_yr") == pytest.approx(TOMTOR_SHARE * world_lower_bound)
    assert sc.value("first_production_year") == 2030


def test_cam_plant_serves_both_gigafactories() -> None:
    sc = econ.load_scenario(SEEDS / "cam_plant.toml")
    assert sc.value("capacity_t_per_yr") == CAM_T_PER_YR_EACH * GIGAFACTORIES


@pytest.mark.parametrize("seed", ["tomtor_rare_earths", "afrikanda", "cam_plant"])
def test_new_seeds_pass_their_checks_and_cite_what_the_articles_give(seed: str) -> None:
    sc = econ.load_scenario(SEEDS / f"{seed}.toml")
    values = econ.evaluate(sc).scalars()
    assert values[sc.model.master_check_key or ""] == 1
    assert sc.assumptions["budget_rub"].source.cited
    assert not sc.warnings
