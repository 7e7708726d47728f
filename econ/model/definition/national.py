"""The national model: a country's consumption bought from domestic
producers that cost more than the benchmark (Chinese) producer."""

from __future__ import annotations

from econ.model.definition._common import CONSTANTS, VOLUME, R, item
from econ.model.definition.gap import (
    COMMON_INPUTS,
    GAP_CHARTS,
    GAP_EVENTS,
    gap_checks,
    gap_items,
    gap_metrics,
    learning_sentence,
)
from econ.model.schema import InputSpec, Model

__all__ = ["NATIONAL"]

_NATIONAL_INPUTS = (
    InputSpec(
        "consumption_t_per_yr",
        "Consumption served by domestic output",
        "t/yr",
        "Volume a year that the subsidy must cover.",
        minimum=0,
        per_year=True,
    ),
)

_NATIONAL_VOLUME = (
    item(
        "volume_t_per_yr",
        "Volume subsidised",
        "t/yr",
        R("consumption_t_per_yr"),
        "Consumption served by domestic output, each year.",
        section=VOLUME,
    ),
)

NATIONAL = Model(
    "national",
    "National competitiveness gap and subsidy",
    (*_NATIONAL_INPUTS, *COMMON_INPUTS),
    CONSTANTS,
    (*_NATIONAL_VOLUME, *gap_items(), *gap_metrics(), *gap_checks()),
    charts=GAP_CHARTS,
    default_metric="ref_subsidy_usd_per_yr",
    narrative=learning_sentence,
    index_brief=(
        "ref_gap_usd_per_kg",
        "ref_subsidy_usd_per_yr",
        "budget_coverage_yr",
        "total_discounted_subsidy_usd",
    ),
    compare=("ref_gap_usd_per_kg", "total_discounted_subsidy_usd"),
    breakeven="ref_subsidy_usd_per_kg",
    events=GAP_EVENTS,
)
