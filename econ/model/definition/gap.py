"""The competitiveness gap every model shares: learning by doing, the gap to
the benchmark, the subsidy that closes it and the budget that pays for it."""

from __future__ import annotations

import math
from collections.abc import Mapping

from econ.model.definition._common import (
    BUDGET,
    FLAGS,
    GAP,
    NEVER,
    NOT_NEEDED,
    VOLUME,
    R,
    check,
    item,
    metric,
)
from econ.model.expr import At as AtFlag
from econ.model.expr import (
    Check,
    CumSum,
    Eq,
    Expr,
    FirstYearWhere,
    Flag,
    Last,
    Log,
    Max,
    RowMax,
    SafeDiv,
    Sum,
)
from econ.model.schema import Chart, ChartSeries, EmptyNote, Event, InputSpec, LineItem

COMMON_INPUTS = (
    InputSpec(
        "domestic_cost_usd_per_kg",
        "Domestic unit production cost (start year)",
        "USD/kg",
        "Cost of one kg produced at home in the first year, before learning.",
        minimum=0,
        min_open=True,
    ),
    InputSpec(
        "benchmark_cost_usd_per_kg",
        "Benchmark (Chinese) unit cost / import price",
        "USD/kg",
        "Unit cost of the competing producer; also the price domestic output sells at.",
        minimum=0,
        min_open=True,
        per_year=True,
    ),
    InputSpec(
        "budget_rub",
        "State budget for the programme",
        "RUB",
        "Money set aside by the state, in rubles.",
        minimum=0,
    ),
    InputSpec(
        "fx_rub_per_usd",
        "Exchange rate",
        "RUB/USD",
        "Rubles per US dollar; the only way RUB becomes USD.",
        minimum=0,
        min_open=True,
    ),
    InputSpec(
        "budget_period_yr",
        "Years over which the budget is spent",
        "yr",
        "Spreads the budget evenly to give a yearly envelope.",
        minimum=1,
    ),
    InputSpec(
        "learning_rate",
        "Learning rate",
        "1",
        "Fractional fall of unit cost for each doubling of cumulative output.",
        minimum=0,
        maximum=1,
        max_open=True,
        display="percent",
    ),
    InputSpec(
        "learning_share",
        "Share of unit cost that learns",
        "1",
        "The part of the start-year unit cost that falls along the learning curve; the rest "
        "(e.g. bought-in reagents, energy) does not.",
        minimum=0,
        maximum=1,
        display="percent",
        default=1.0,
        default_reason="the whole unit cost learns, as in a one-factor learning curve "
        "(Wright's law); a share below 1 is the usual correction for bought-in inputs",
    ),
    InputSpec(
        "learning_floor_usd_per_kg",
        "Floor of the unit cost",
        "USD/kg",
        "Learning never takes the unit cost below this.",
        minimum=0,
        default=0.0,
        default_reason="no floor: the learning curve alone sets the cost",
    ),
    InputSpec(
        "experience_base_t",
        "Cumulative output before the start year",
        "t",
        "Experience the learning curve starts from.",
        minimum=0,
        min_open=True,
    ),
    InputSpec(
        "discount_rate",
        "Discount rate",
        "1",
        "Annual rate that discounts end-of-year amounts to the start of the timeline.",
        minimum=0,
        maximum=1,
        max_open=True,
        display="percent",
    ),
)


def gap_items(
    discount_factor: Expr | None = None, gap_counts: Expr | None = None
) -> tuple[LineItem, ...]:
    """Items every model shares, after the model's own volume rows.

    Args:
        discount_factor: the discount factor's formula (default: the
            end-of-year factor at ``discount_rate``).
        gap_counts: a 0/1 row of the years in which a closed gap counts
            (default: every year; a project: its production years).
    """
    if discount_factor is None:
        discount_factor = (1 + R("discount_rate")) ** -R("period")
    closed = Flag(R("gap_usd_per_kg") <= 0)
    if gap_counts is not None:
        closed = closed * gap_counts
    return (
        item(
            "volume_kg_per_yr",
            "Volume",
            "kg/yr",
            R("volume_t_per_yr") * R("kg_per_t"),
            "The year's volume in kilograms.",
            section=VOLUME,
        ),
        item(
            "experience_t",
            "Cumulative output at start of year",
            "t",
            R("experience_base_t")
            + CumSum(R("volume_t_per_yr"))
            - R("volume_t_per_yr") * R("year_length_yr"),
            "Experience the year's unit cost reflects: output before the timeline plus "
            "output in earlier years.",
            section=GAP,
        ),
        item(
            "learning_exponent",
            "Learning-curve exponent",
            "1",
            Log(1 - R("learning_rate"), 2),
            "log2(1 - learning rate): cost scales with experience to this power.",
            section=GAP,
            display="factor",
            shape="scalar",
        ),
        item(
            "learning_factor",
            "Unit cost relative to the start year",
            "1",
            1
            - R("learning_share")
            + R("learning_share")
            * (R("experience_t") / R("experience_base_t")) ** R("learning_exponent"),
            "The part that does not learn plus the learning part moved down the curve: "
            "(1 - share) + share x (experience / base)^exponent.",
            section=GAP,
            display="factor",
        ),
        item(
            "unit_cost_usd_per_kg",
            "Domestic unit cost",
            "USD/kg",
            Max(
                R("domestic_cost_usd_per_kg") * R("learning_factor"), R("learning_floor_usd_per_kg")
            ),
            "Start-year cost times the learning factor, never below the floor.",
            section=GAP,
        ),
        item(
            "gap_usd_per_kg",
            "Competitiveness gap",
            "USD/kg",
            R("unit_cost_usd_per_kg") - R("benchmark_cost_usd_per_kg"),
            "Domestic unit cost minus the benchmark; positive means uncompetitive.",
            section=GAP,
        ),
        item(
            "gap_share",
            "Gap relative to benchmark",
            "1",
            R("gap_usd_per_kg") / R("benchmark_cost_usd_per_kg"),
            "The gap as a fraction of the benchmark cost.",
            section=GAP,
            display="percent",
        ),
        item(
            "gap_cost_usd_per_yr",
            "Annual cost of the gap",
            "USD/yr",
            R("gap_usd_per_kg") * R("volume_kg_per_yr"),
            "The gap times the year's volume (negative when domestic output is cheaper).",
            section=GAP,
        ),
        item(
            "subsidy_usd_per_kg",
            "Subsidy that closes the gap",
            "USD/kg",
            Max(R("gap_usd_per_kg"), 0),
            "The positive part of the gap: what the state pays per kg to match the benchmark.",
            section=BUDGET,
        ),
        item(
            "subsidy_usd_per_yr",
            "Annual subsidy that closes the gap",
            "USD/yr",
            R("subsidy_usd_per_kg") * R("volume_kg_per_yr"),
            "Subsidy per kg times the year's volume.",
            section=BUDGET,
        ),
        item(
            "cumulative_subsidy_usd",
            "Cumulative subsidy",
            "USD",
            CumSum(R("subsidy_usd_per_yr")),
            "Subsidy paid from the start year to the end of this year.",
            section=BUDGET,
        ),
        item(
            "discount_factor",
            "Discount factor (end of year)",
            "1",
            discount_factor,
            "Present value of one unit received at the end of the year.",
            section=BUDGET,
            display="factor",
        ),
        item(
            "discounted_subsidy_usd_per_yr",
            "Discounted subsidy",
            "USD/yr",
            R("subsidy_usd_per_yr") * R("discount_factor"),
            "The year's subsidy in start-of-timeline money.",
            section=BUDGET,
        ),
        item(
            "budget_usd",
            "Budget",
            "USD",
            R("budget_rub") / R("fx_rub_per_usd"),
            "The ruble budget at the scenario's exchange rate.",
            section=BUDGET,
            shape="scalar",
        ),
        item(
            "budget_usd_per_yr",
            "Yearly budget envelope",
            "USD/yr",
            R("budget_usd") / R("budget_period_yr"),
            "The budget spread evenly over its period.",
            section=BUDGET,
            shape="scalar",
        ),
        item(
            "budget_remaining_usd",
            "Budget left after the year's subsidy",
            "USD",
            R("budget_usd") - R("cumulative_subsidy_usd"),
            "Budget minus cumulative subsidy; negative once the budget has run out.",
            section=BUDGET,
        ),
        item(
            "peak_volume_t_per_yr",
            "Peak volume over the horizon",
            "t/yr",
            RowMax(R("volume_t_per_yr")),
            "The largest yearly volume.",
            section=VOLUME,
            shape="scalar",
        ),
        item(
            "at_peak_flag",
            "Volume at its peak",
            "1",
            Flag(R("volume_t_per_yr") >= R("peak_volume_t_per_yr")),
            "1 in the years at peak volume.",
            section=FLAGS,
            display="flag",
        ),
        item(
            "reference_flag",
            "Reference year (first year at peak volume)",
            "1",
            Flag(Eq(R("year"), R("ref_year"))),
            "1 in the reference year only: headline figures are read in this year (the start "
            "year of a national scenario, the first full-output year of a project).",
            section=FLAGS,
            display="flag",
        ),
        item(
            "gap_closed_flag",
            "Gap closed (domestic cost <= benchmark)",
            "1",
            closed,
            "1 in the years domestic cost is at or below the benchmark"
            + (" (production years only)." if gap_counts is not None else "."),
            section=FLAGS,
            display="flag",
        ),
        item(
            "budget_exhausted_flag",
            "Budget exhausted",
            "1",
            Flag(R("budget_remaining_usd") < 0),
            "1 in the years the cumulative subsidy exceeds the budget.",
            section=FLAGS,
            display="flag",
        ),
    )


def _at_ref(key: str) -> Expr:
    return AtFlag(R(key), R("reference_flag"))


def gap_metrics(project: bool = False) -> tuple[LineItem, ...]:
    """The gap's metrics. For a project (``project=True``) the gap is the
    variable-cost gap, labelled as such and not a headline: the project's
    headline gap is the full-cost gap (levelized cost minus the price), and
    its budget coverage uses the cost of the support that breaks it even."""
    var = "Variable-cost " if project else ""
    lead = not project
    coverage = () if project else _coverage()
    return (
        metric(
            "ref_year",
            "Reference year (first year at peak volume)",
            "year",
            FirstYearWhere(R("at_peak_flag")),
            "The year headline figures are read in.",
        ),
        metric(
            "ref_volume_t_per_yr",
            "Volume in the reference year",
            "t/yr",
            _at_ref("volume_t_per_yr"),
            "Volume in the reference year.",
        ),
        metric(
            "ref_gap_usd_per_kg",
            f"{var}competitiveness gap".capitalize(),
            "USD/kg",
            _at_ref("gap_usd_per_kg"),
            "The gap in the reference year"
            + (
                ": unit (variable) cost minus the benchmark, before capex and fixed cost."
                if project
                else "."
            ),
            headline=lead,
            index=lead,
        ),
        metric(
            "ref_gap_share",
            f"{var}gap relative to benchmark".capitalize(),
            "1",
            _at_ref("gap_share"),
            "The gap as a fraction of the benchmark, in the reference year.",
            headline=lead,
            index=lead,
            display="percent",
        ),
        metric(
            "ref_gap_cost_usd_per_yr",
            "Annual cost of the gap at that volume",
            "USD/yr",
            _at_ref("gap_cost_usd_per_yr"),
            "Gap times volume in the reference year.",
        ),
        metric(
            "ref_subsidy_usd_per_kg",
            "Subsidy per kg that closes the gap",
            "USD/kg",
            _at_ref("subsidy_usd_per_kg"),
            "Subsidy per kg in the reference year.",
        ),
        metric(
            "ref_subsidy_usd_per_yr",
            f"Annual subsidy that closes the {var.lower()}gap",
            "USD/yr",
            _at_ref("subsidy_usd_per_yr"),
            "Subsidy a year in the reference year.",
            headline=lead,
            index=lead,
        ),
        metric(
            "budget_total_usd",
            "Budget",
            "USD",
            R("budget_usd"),
            "The programme budget in USD.",
        ),
        *coverage,
        metric(
            "gap_close_year",
            "Year learning closes the gap",
            "year",
            FirstYearWhere(R("gap_closed_flag")),
            "First year domestic cost is at or below the benchmark"
            + (" (production years only)." if project else "."),
            headline=True,
            index=True,
            na_text=NEVER,
        ),
        metric(
            "budget_exhausted_year",
            "Year the budget runs out",
            "year",
            FirstYearWhere(R("budget_exhausted_flag")),
            "First year cumulative subsidy exceeds the budget.",
            headline=True,
            na_text=NEVER,
        ),
        metric(
            "total_subsidy_usd",
            "Cumulative subsidy over the horizon",
            "USD",
            Sum(R("subsidy_usd_per_yr")),
            "Subsidy paid over the whole timeline.",
        ),
        metric(
            "total_discounted_subsidy_usd",
            "Discounted cumulative subsidy",
            "USD",
            Sum(R("discounted_subsidy_usd_per_yr")),
            "Present value of the subsidy over the timeline.",
            index=True,
        ),
    )


def _coverage() -> tuple[LineItem, ...]:
    return (
        metric(
            "budget_coverage_yr",
            "Years the budget covers the annual subsidy",
            "yr",
            SafeDiv(R("budget_usd"), R("ref_subsidy_usd_per_yr")),
            "Budget over the reference-year annual subsidy (n/a: no subsidy is needed).",
            headline=True,
            index=True,
            na_text=NOT_NEEDED,
        ),
        metric(
            "covered_volume_t_per_yr",
            "Volume the yearly budget envelope covers",
            "t/yr",
            SafeDiv(R("budget_usd_per_yr"), R("ref_subsidy_usd_per_kg") * R("kg_per_t")),
            "Tonnes a year the yearly envelope can subsidise at the reference-year rate.",
            na_text=NOT_NEEDED,
        ),
    )


def gap_checks() -> tuple[LineItem, ...]:
    return (
        check(
            "check_annual_subsidy",
            "Annual subsidy = subsidy per kg x volume",
            Check(
                R("ref_subsidy_usd_per_yr"),
                R("ref_subsidy_usd_per_kg") * R("ref_volume_t_per_yr") * R("kg_per_t"),
            ),
            "The reference-year subsidy a year equals its per-kg rate times the volume.",
        ),
        check(
            "check_budget_fx",
            "Budget in USD x exchange rate = budget in RUB",
            Check(R("budget_total_usd") * R("fx_rub_per_usd"), R("budget_rub")),
            "The USD budget converts back to the ruble budget.",
        ),
        check(
            "check_budget_left",
            "Budget left at the end = budget - total subsidy",
            Check(Last(R("budget_remaining_usd")), R("budget_total_usd") - R("total_subsidy_usd")),
            "The running budget balance agrees with the horizon total.",
        ),
    )


#: The subsidy chart is empty because nothing is produced.
NO_VOLUME = EmptyNote(
    "volume_kg_per_yr",
    "zero",
    "Not drawn: the volume is zero in every year, so no subsidy is paid and there are no bars "
    "to draw.",
)

GAP_CHARTS = (
    Chart(
        "chart-cost",
        "Domestic unit cost vs benchmark",
        "USD/kg",
        (
            ChartSeries("unit_cost_usd_per_kg", "Domestic unit cost"),
            ChartSeries("benchmark_cost_usd_per_kg", "Benchmark", dashed=True),
        ),
    ),
    Chart(
        "chart-subsidy",
        "Annual subsidy vs budget remaining",
        "USD",
        (
            ChartSeries("subsidy_usd_per_yr", "Annual subsidy", kind="bar"),
            ChartSeries("budget_remaining_usd", "Budget remaining"),
        ),
        right_axis=True,
        empty=(
            EmptyNote(
                "gap_usd_per_kg",
                "at_most_zero",
                "No subsidy needed: the domestic unit cost is at or below the benchmark in "
                "every year, so the annual subsidy is zero and there are no bars to draw.",
            ),
            NO_VOLUME,
        ),
    ),
)

GAP_EVENTS = (
    Event("gap_closed", "Gap closed by {year}", "gap_close_year", "by_year"),
    Event("budget_sufficient", "Budget lasts the horizon", "budget_exhausted_year", "na"),
)


def learning_sentence(values: Mapping[str, float], last_year: int) -> list[str]:
    """The one-line reading of the learning curve."""
    gap = values.get("ref_gap_usd_per_kg", math.nan)
    close = values.get("gap_close_year", math.nan)
    if gap <= 0:
        return ["The domestic cost is already at or below the benchmark in the reference year."]
    out = [
        f"Learning by doing closes the gap in {close:.0f}."
        if math.isfinite(close)
        else f"Learning by doing does not close the gap by {last_year}."
    ]
    # Why a budget of few years' subsidy may still never run out.
    coverage = values.get("budget_coverage_yr", math.nan)
    start = values.get("start_year", math.nan)
    spent = values.get("total_subsidy_usd", math.nan)
    budget = values.get("budget_total_usd", math.nan)
    never = not math.isfinite(values.get("budget_exhausted_year", 0.0))
    if never and coverage < last_year - start + 1 and budget > 0:
        why = "the subsidy shrinks as the cost falls" + (
            f" and stops in {close:.0f}" if math.isfinite(close) else ""
        )
        out.append(
            f"The budget equals {coverage:.1f} years of the reference-year subsidy, yet it "
            f"does not run out by {last_year}: {why}, so the subsidy over the whole horizon "
            f"is {spent / budget:.0%} of the budget."
        )
    return out
