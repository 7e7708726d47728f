"""The source articles' figures come out of the engine as computed results.

Expected values are the articles' own numbers (see ../shared/seed-figures.md),
never values typed into the model: the model receives only the inputs.
"""

from __future__ import annotations

import pytest

import econ
from tests.conftest import SEEDS

# Trade news quoting Andrey Trenin (2025), file 003: "$20 per kilogram ...
# compared to $11.5 per kilogram in China"; "subsidies of around $21.25
# million annually". MiningNews.net repost (2025-09-03), file 001:
# "60 billion rubles ($744 million)".
ARTICLE_GAP_USD_PER_KG = 20 - 11.5
ARTICLE_SUBSIDY_USD_PER_YR = 21.25e6
ARTICLE_BUDGET_USD = 744e6


@pytest.fixture(scope="module")
def national() -> econ.Results:
    return econ.evaluate(econ.load_scenario(SEEDS / "national_ree_gap.toml"))


def test_gap_per_kg(national: econ.Results) -> None:
    assert national.metric("ref_gap_usd_per_kg")[0] == pytest.approx(ARTICLE_GAP_USD_PER_KG)


def test_annual_subsidy_is_the_articles(national: econ.Results) -> None:
    assert national.metric("ref_subsidy_usd_per_yr")[0] == pytest.approx(
        ARTICLE_SUBSIDY_USD_PER_YR, rel=1e-12
    )
    assert national.metric("ref_gap_cost_usd_per_yr")[0] == pytest.approx(
        ARTICLE_SUBSIDY_USD_PER_YR, rel=1e-12
    )


def test_budget_in_usd_at_the_articles_precision(national: econ.Results) -> None:
    # the article rounds to the million
    assert round(national.metric("budget_total_usd")[0] / 1e6) == ARTICLE_BUDGET_USD / 1e6


def test_budget_coverage_is_35_years(national: econ.Results) -> None:
    # 744 / 21.25 = 35.01: "35.0 years" at one decimal
    years = national.metric("budget_coverage_yr")[0]
    assert round(years, 1) == round(ARTICLE_BUDGET_USD / ARTICLE_SUBSIDY_USD_PER_YR, 1) == 35.0


def test_2030_target_scales_the_gap_cost() -> None:
    # CNBC (2025), file 002: "some 50,000 tons a year by 2030"
    r = econ.evaluate(econ.load_scenario(SEEDS / "national_2030_target.toml"))
    expected = ARTICLE_GAP_USD_PER_KG * 50_000 * 1_000
    assert r.metric("ref_subsidy_usd_per_yr")[0] == pytest.approx(expected)


def test_every_seed_passes_its_checks() -> None:
    for path in sorted(SEEDS.glob("*.toml")):
        r = econ.evaluate(econ.load_scenario(path))
        assert r.metric("master_check")[0] == 1, path.name
