"""The line items of econ's cost models, each defined once.

Two models exist:

* ``national``: a country's consumption bought from domestic producers that
  cost more than the benchmark (Chinese) producer: the competitiveness gap,
  the subsidy that closes it, how long a budget lasts, learning by doing.
* ``project``: the same questions for one plant, plus its cash flow (capex,
  ramp-up, opex, revenue at the benchmark price, subsidy, tax, depreciation)
  and NPV, IRR, payback, and two solved metrics (levelized cost, breakeven
  subsidy) derived from the graph by :mod:`econ.model.solve`.

Conventions, applied to every name:

* a name ends with its unit: ``_usd``, ``_usd_per_kg``, ``_t_per_yr``;
  a timeline row of yearly amounts is ``..._per_yr`` (revenue_usd_per_yr)
  and sums to the amount (``Sum`` multiplies by yr); a stock is the bare
  amount (``cumulative_cash_flow_usd``);
* a fraction (unit 1) has no unit suffix and holds a fraction, never a
  percentage: ``discount_rate``, ``gap_share``, ``utilisation``; a 0/1 row
  ends in ``_flag``; a calendar year ends in ``_year``, a duration in ``_yr``.

Sign convention: costs and subsidies are positive numbers; in the cash flow,
money into the project is positive and money out negative.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from econ.model.expr import (
    And,
    Check,
    CumSum,
    Eq,
    Expr,
    FirstYearWhere,
    Flag,
    Irr,
    Last,
    Log,
    Max,
    Min,
    Ref,
    RowMax,
    SafeDiv,
    Sum,
    SumProduct,
)
from econ.model.expr import At as AtFlag
from econ.model.schema import (
    Chart,
    ChartSeries,
    Constant,
    Display,
    Event,
    InputSpec,
    LineItem,
    Model,
    Role,
    Rule,
    Shape,
    Solve,
)

__all__ = ["MODELS", "NATIONAL", "PROJECT"]

R = Ref

# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------

_COMMON_INPUTS = (
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

_PROJECT_INPUTS = (
    InputSpec(
        "capacity_t_per_yr", "Nameplate capacity", "t/yr", "Output at full utilisation.", minimum=0
    ),
    InputSpec(
        "first_production_year",
        "First year of production",
        "year",
        "Ramp-up starts this year.",
        kind="year",
    ),
    InputSpec(
        "ramp_up_yr",
        "Ramp-up length",
        "yr",
        "Years from first production to full capacity (linear).",
        minimum=1,
    ),
    InputSpec(
        "capex_usd",
        "Capital expenditure",
        "USD",
        "Total investment, spent evenly over the construction years.",
        minimum=0,
    ),
    InputSpec(
        "construction_start_year",
        "First year of construction",
        "year",
        "Capex is spent from this year.",
        kind="year",
    ),
    InputSpec(
        "construction_yr",
        "Construction length",
        "yr",
        "Whole years over which capex is spent evenly.",
        minimum=1,
        kind="whole",
    ),
    InputSpec(
        "fixed_opex_usd_per_yr",
        "Fixed operating cost",
        "USD/yr",
        "Cost a year once production starts, whatever the volume.",
        minimum=0,
    ),
    InputSpec(
        "production_subsidy_usd_per_kg",
        "Production subsidy paid",
        "USD/kg",
        "State payment per kg produced (taxable income).",
        minimum=0,
    ),
    InputSpec(
        "tax_rate",
        "Profit tax rate",
        "1",
        "Applied to taxable income; losses earn a credit against other profits.",
        minimum=0,
        maximum=1,
        max_open=True,
        display="percent",
    ),
    InputSpec(
        "depreciation_yr",
        "Depreciation life",
        "yr",
        "Whole years of straight-line depreciation, from the first production year.",
        minimum=1,
        kind="whole",
    ),
)

_CONSTANTS = (
    Constant("kg_per_t", "Kilograms per tonne", "kg/t", 1000.0, "Metric tonne."),
    Constant(
        "year_length_yr",
        "Length of one timeline period",
        "yr",
        1.0,
        "Every column is one year: a yearly amount (X/yr) times this is the amount of the year.",
    ),
    Constant(
        "check_tolerance",
        "Relative tolerance of the checks",
        "1",
        1e-9,
        "A software setting, not an assumption: how close two sides of an identity must be "
        "(relative to their size) for its check to pass.",
        display="factor",
    ),
)

# ---------------------------------------------------------------------------
# Line items
# ---------------------------------------------------------------------------


def _item(
    key: str,
    label: str,
    unit: str,
    expr: Expr,
    doc: str,
    *,
    shape: Shape = "series",
    role: Role = "calc",
    section: str = "",
    display: Display = "auto",
    headline: bool = False,
    index: bool = False,
    na_text: str = "n/a",
) -> LineItem:
    return LineItem(
        key,
        label,
        unit,
        expr,
        doc,
        shape,
        role,
        display=display,
        headline=headline,
        index=index,
        na_text=na_text,
        section=section,
    )


def _metric(
    key: str,
    label: str,
    unit: str,
    expr: Expr,
    doc: str,
    *,
    display: Display = "auto",
    headline: bool = False,
    index: bool = False,
    na_text: str = "n/a",
) -> LineItem:
    return _item(
        key,
        label,
        unit,
        expr,
        doc,
        shape="scalar",
        role="metric",
        display=display,
        headline=headline,
        index=index,
        na_text=na_text,
    )


def _check(key: str, label: str, expr: Expr, doc: str) -> LineItem:
    return _item(key, label, "1", expr, doc, shape="scalar", role="check", display="flag")


_VOLUME, _GAP, _BUDGET, _FLAGS, _CASH = (
    "Volume",
    "Learning and competitiveness gap",
    "Subsidy and budget",
    "Timeline flags",
    "Cash flow",
)
_NEVER = "not within the horizon"
_NOT_NEEDED = "no subsidy needed"


def _gap_items() -> tuple[LineItem, ...]:
    """Items every model shares, after the model's own volume rows."""
    return (
        _item(
            "volume_kg_per_yr",
            "Volume",
            "kg/yr",
            R("volume_t_per_yr") * R("kg_per_t"),
            "The year's volume in kilograms.",
            section=_VOLUME,
        ),
        _item(
            "experience_t",
            "Cumulative output at start of year",
            "t",
            R("experience_base_t")
            + CumSum(R("volume_t_per_yr"))
            - R("volume_t_per_yr") * R("year_length_yr"),
            "Experience the year's unit cost reflects: output before the timeline plus "
            "output in earlier years.",
            section=_GAP,
        ),
        _item(
            "learning_exponent",
            "Learning-curve exponent",
            "1",
            Log(1 - R("learning_rate"), 2),
            "log2(1 - learning rate): cost scales with experience to this power.",
            section=_GAP,
            display="factor",
            shape="scalar",
        ),
        _item(
            "unit_cost_usd_per_kg",
            "Domestic unit cost",
            "USD/kg",
            R("domestic_cost_usd_per_kg")
            * (R("experience_t") / R("experience_base_t")) ** R("learning_exponent"),
            "Start-year cost moved down the learning curve by the experience gained.",
            section=_GAP,
        ),
        _item(
            "gap_usd_per_kg",
            "Competitiveness gap",
            "USD/kg",
            R("unit_cost_usd_per_kg") - R("benchmark_cost_usd_per_kg"),
            "Domestic unit cost minus the benchmark; positive means uncompetitive.",
            section=_GAP,
        ),
        _item(
            "gap_share",
            "Gap relative to benchmark",
            "1",
            R("gap_usd_per_kg") / R("benchmark_cost_usd_per_kg"),
            "The gap as a fraction of the benchmark cost.",
            section=_GAP,
            display="percent",
        ),
        _item(
            "gap_cost_usd_per_yr",
            "Annual cost of the gap",
            "USD/yr",
            R("gap_usd_per_kg") * R("volume_kg_per_yr"),
            "The gap times the year's volume (negative when domestic output is cheaper).",
            section=_GAP,
        ),
        _item(
            "subsidy_usd_per_kg",
            "Subsidy that closes the gap",
            "USD/kg",
            Max(R("gap_usd_per_kg"), 0),
            "The positive part of the gap: what the state pays per kg to match the benchmark.",
            section=_BUDGET,
        ),
        _item(
            "subsidy_usd_per_yr",
            "Annual subsidy that closes the gap",
            "USD/yr",
            R("subsidy_usd_per_kg") * R("volume_kg_per_yr"),
            "Subsidy per kg times the year's volume.",
            section=_BUDGET,
        ),
        _item(
            "cumulative_subsidy_usd",
            "Cumulative subsidy",
            "USD",
            CumSum(R("subsidy_usd_per_yr")),
            "Subsidy paid from the start year to the end of this year.",
            section=_BUDGET,
        ),
        _item(
            "discount_factor",
            "Discount factor (end of year)",
            "1",
            (1 + R("discount_rate")) ** -R("period"),
            "Present value of one unit received at the end of the year.",
            section=_BUDGET,
            display="factor",
        ),
        _item(
            "discounted_subsidy_usd_per_yr",
            "Discounted subsidy",
            "USD/yr",
            R("subsidy_usd_per_yr") * R("discount_factor"),
            "The year's subsidy in start-of-timeline money.",
            section=_BUDGET,
        ),
        _item(
            "budget_usd",
            "Budget",
            "USD",
            R("budget_rub") / R("fx_rub_per_usd"),
            "The ruble budget at the scenario's exchange rate.",
            section=_BUDGET,
            shape="scalar",
        ),
        _item(
            "budget_usd_per_yr",
            "Yearly budget envelope",
            "USD/yr",
            R("budget_usd") / R("budget_period_yr"),
            "The budget spread evenly over its period.",
            section=_BUDGET,
            shape="scalar",
        ),
        _item(
            "budget_remaining_usd",
            "Budget left after the year's subsidy",
            "USD",
            R("budget_usd") - R("cumulative_subsidy_usd"),
            "Budget minus cumulative subsidy; negative once the budget has run out.",
            section=_BUDGET,
        ),
        _item(
            "peak_volume_t_per_yr",
            "Peak volume over the horizon",
            "t/yr",
            RowMax(R("volume_t_per_yr")),
            "The largest yearly volume.",
            section=_VOLUME,
            shape="scalar",
        ),
        _item(
            "at_peak_flag",
            "Volume at its peak",
            "1",
            Flag(R("volume_t_per_yr") >= R("peak_volume_t_per_yr")),
            "1 in the years at peak volume.",
            section=_FLAGS,
            display="flag",
        ),
        _item(
            "reference_flag",
            "Reference year (first year at peak volume)",
            "1",
            Flag(Eq(R("year"), R("ref_year"))),
            "1 in the reference year only: headline figures are read in this year (the start "
            "year of a national scenario, the first full-output year of a project).",
            section=_FLAGS,
            display="flag",
        ),
        _item(
            "gap_closed_flag",
            "Gap closed (domestic cost <= benchmark)",
            "1",
            Flag(R("gap_usd_per_kg") <= 0),
            "1 in the years domestic cost is at or below the benchmark.",
            section=_FLAGS,
            display="flag",
        ),
        _item(
            "budget_exhausted_flag",
            "Budget exhausted",
            "1",
            Flag(R("budget_remaining_usd") < 0),
            "1 in the years the cumulative subsidy exceeds the budget.",
            section=_FLAGS,
            display="flag",
        ),
    )


def _at_ref(key: str) -> Expr:
    return AtFlag(R(key), R("reference_flag"))


def _gap_metrics() -> tuple[LineItem, ...]:
    return (
        _metric(
            "ref_year",
            "Reference year (first year at peak volume)",
            "year",
            FirstYearWhere(R("at_peak_flag")),
            "The year headline figures are read in.",
        ),
        _metric(
            "ref_volume_t_per_yr",
            "Volume in the reference year",
            "t/yr",
            _at_ref("volume_t_per_yr"),
            "Volume in the reference year.",
        ),
        _metric(
            "ref_gap_usd_per_kg",
            "Competitiveness gap",
            "USD/kg",
            _at_ref("gap_usd_per_kg"),
            "The gap in the reference year.",
            headline=True,
            index=True,
        ),
        _metric(
            "ref_gap_share",
            "Gap relative to benchmark",
            "1",
            _at_ref("gap_share"),
            "The gap as a fraction of the benchmark, in the reference year.",
            headline=True,
            index=True,
            display="percent",
        ),
        _metric(
            "ref_gap_cost_usd_per_yr",
            "Annual cost of the gap at that volume",
            "USD/yr",
            _at_ref("gap_cost_usd_per_yr"),
            "Gap times volume in the reference year.",
        ),
        _metric(
            "ref_subsidy_usd_per_kg",
            "Subsidy per kg that closes the gap",
            "USD/kg",
            _at_ref("subsidy_usd_per_kg"),
            "Subsidy per kg in the reference year.",
        ),
        _metric(
            "ref_subsidy_usd_per_yr",
            "Annual subsidy that closes the gap",
            "USD/yr",
            _at_ref("subsidy_usd_per_yr"),
            "Subsidy a year in the reference year.",
            headline=True,
            index=True,
        ),
        _metric(
            "budget_total_usd",
            "Budget",
            "USD",
            R("budget_usd"),
            "The programme budget in USD.",
        ),
        _metric(
            "budget_coverage_yr",
            "Years the budget covers the annual subsidy",
            "yr",
            SafeDiv(R("budget_usd"), R("ref_subsidy_usd_per_yr")),
            "Budget over the reference-year annual subsidy (n/a: no subsidy is needed).",
            headline=True,
            index=True,
            na_text=_NOT_NEEDED,
        ),
        _metric(
            "covered_volume_t_per_yr",
            "Volume the yearly budget envelope covers",
            "t/yr",
            SafeDiv(R("budget_usd_per_yr"), R("ref_subsidy_usd_per_kg") * R("kg_per_t")),
            "Tonnes a year the yearly envelope can subsidise at the reference-year rate.",
            na_text=_NOT_NEEDED,
        ),
        _metric(
            "gap_close_year",
            "Year learning closes the gap",
            "year",
            FirstYearWhere(R("gap_closed_flag")),
            "First year domestic cost is at or below the benchmark.",
            headline=True,
            index=True,
            na_text=_NEVER,
        ),
        _metric(
            "budget_exhausted_year",
            "Year the budget runs out",
            "year",
            FirstYearWhere(R("budget_exhausted_flag")),
            "First year cumulative subsidy exceeds the budget.",
            headline=True,
            na_text=_NEVER,
        ),
        _metric(
            "total_subsidy_usd",
            "Cumulative subsidy over the horizon",
            "USD",
            Sum(R("subsidy_usd_per_yr")),
            "Subsidy paid over the whole timeline.",
        ),
        _metric(
            "total_discounted_subsidy_usd",
            "Discounted cumulative subsidy",
            "USD",
            Sum(R("discounted_subsidy_usd_per_yr")),
            "Present value of the subsidy over the timeline.",
            index=True,
        ),
    )


def _gap_checks() -> tuple[LineItem, ...]:
    return (
        _check(
            "check_annual_subsidy",
            "Annual subsidy = subsidy per kg x volume",
            Check(
                R("ref_subsidy_usd_per_yr"),
                R("ref_subsidy_usd_per_kg") * R("ref_volume_t_per_yr") * R("kg_per_t"),
            ),
            "The reference-year subsidy a year equals its per-kg rate times the volume.",
        ),
        _check(
            "check_budget_fx",
            "Budget in USD x exchange rate = budget in RUB",
            Check(R("budget_total_usd") * R("fx_rub_per_usd"), R("budget_rub")),
            "The USD budget converts back to the ruble budget.",
        ),
        _check(
            "check_budget_left",
            "Budget left at the end = budget - total subsidy",
            Check(Last(R("budget_remaining_usd")), R("budget_total_usd") - R("total_subsidy_usd")),
            "The running budget balance agrees with the horizon total.",
        ),
    )


_NATIONAL_VOLUME = (
    _item(
        "volume_t_per_yr",
        "Volume subsidised",
        "t/yr",
        R("consumption_t_per_yr"),
        "Consumption served by domestic output, each year.",
        section=_VOLUME,
    ),
)

_PROJECT_VOLUME = (
    _item(
        "utilisation",
        "Utilisation (ramp-up)",
        "1",
        Max(
            0,
            Min(
                1,
                (R("year") - R("first_production_year") + R("year_length_yr")) / R("ramp_up_yr"),
            ),
        ),
        "Share of capacity used: rises linearly from the first production year to 1.",
        section=_VOLUME,
        display="percent",
    ),
    _item(
        "volume_t_per_yr",
        "Production",
        "t/yr",
        R("capacity_t_per_yr") * R("utilisation"),
        "Capacity times utilisation.",
        section=_VOLUME,
    ),
)

_CASH_FLOW = (
    _item(
        "construction_flag",
        "Construction year",
        "1",
        Flag(
            And(
                R("year") >= R("construction_start_year"),
                R("year") < R("construction_start_year") + R("construction_yr"),
            )
        ),
        "1 in the years capex is spent.",
        section=_FLAGS,
        display="flag",
    ),
    _item(
        "operating_flag",
        "Operating year",
        "1",
        Flag(R("year") >= R("first_production_year")),
        "1 from the first production year.",
        section=_FLAGS,
        display="flag",
    ),
    _item(
        "depreciation_flag",
        "Depreciation year",
        "1",
        Flag(
            And(
                R("year") >= R("first_production_year"),
                R("year") < R("first_production_year") + R("depreciation_yr"),
            )
        ),
        "1 in the years the capex is depreciated.",
        section=_FLAGS,
        display="flag",
    ),
    _item(
        "capex_spend_usd_per_yr",
        "Capital expenditure",
        "USD/yr",
        R("capex_usd") / R("construction_yr") * R("construction_flag"),
        "Capex spread evenly over the construction years.",
        section=_CASH,
    ),
    _item(
        "revenue_usd_per_yr",
        "Revenue at the benchmark price",
        "USD/yr",
        R("benchmark_cost_usd_per_kg") * R("volume_kg_per_yr"),
        "Output sold at the benchmark (import) price.",
        section=_CASH,
    ),
    _item(
        "subsidy_income_usd_per_yr",
        "Production subsidy received",
        "USD/yr",
        R("production_subsidy_usd_per_kg") * R("volume_kg_per_yr"),
        "The per-kg production subsidy times output.",
        section=_CASH,
    ),
    _item(
        "opex_usd_per_yr",
        "Operating cost",
        "USD/yr",
        R("unit_cost_usd_per_kg") * R("volume_kg_per_yr")
        + R("fixed_opex_usd_per_yr") * R("operating_flag"),
        "Variable cost (after learning) times output, plus fixed cost once operating.",
        section=_CASH,
    ),
    _item(
        "depreciation_usd_per_yr",
        "Depreciation",
        "USD/yr",
        R("capex_usd") / R("depreciation_yr") * R("depreciation_flag"),
        "Straight-line depreciation of the capex.",
        section=_CASH,
    ),
    _item(
        "taxable_income_usd_per_yr",
        "Taxable income",
        "USD/yr",
        R("revenue_usd_per_yr")
        + R("subsidy_income_usd_per_yr")
        - R("opex_usd_per_yr")
        - R("depreciation_usd_per_yr"),
        "Revenue and subsidy less operating cost and depreciation.",
        section=_CASH,
    ),
    _item(
        "tax_usd_per_yr",
        "Profit tax (negative: credit)",
        "USD/yr",
        R("tax_rate") * R("taxable_income_usd_per_yr"),
        "Tax rate times taxable income; a loss earns a credit against the owner's other profits.",
        section=_CASH,
    ),
    _item(
        "net_cash_flow_usd_per_yr",
        "Net cash flow",
        "USD/yr",
        R("revenue_usd_per_yr")
        + R("subsidy_income_usd_per_yr")
        - R("opex_usd_per_yr")
        - R("capex_spend_usd_per_yr")
        - R("tax_usd_per_yr"),
        "Money into the project minus money out, each year.",
        section=_CASH,
    ),
    _item(
        "cumulative_cash_flow_usd",
        "Cumulative net cash flow",
        "USD",
        CumSum(R("net_cash_flow_usd_per_yr")),
        "Net cash flow from the start year to the end of this year.",
        section=_CASH,
    ),
    _item(
        "discounted_cash_flow_usd_per_yr",
        "Discounted net cash flow",
        "USD/yr",
        R("net_cash_flow_usd_per_yr") * R("discount_factor"),
        "The year's net cash flow in start-of-timeline money.",
        section=_CASH,
    ),
    _item(
        "payback_flag",
        "Cumulative cash flow positive",
        "1",
        Flag(R("cumulative_cash_flow_usd") > 0),
        "1 in the years cumulative net cash flow is above zero.",
        section=_FLAGS,
        display="flag",
    ),
)


def _cash_flow_metrics() -> tuple[LineItem, ...]:
    return (
        _metric(
            "npv_usd",
            "Net present value",
            "USD",
            SumProduct(R("net_cash_flow_usd_per_yr"), R("discount_factor")),
            "Sum of the discounted net cash flows (end-of-year convention).",
            headline=True,
            index=True,
        ),
        _metric(
            "project_irr",
            "Internal rate of return",
            "1",
            Irr(R("net_cash_flow_usd_per_yr")),
            "The discount rate at which NPV is 0 (the root nearest 0).",
            headline=True,
            index=True,
            display="percent",
            na_text="none (no sign change)",
        ),
        _metric(
            "payback_year",
            "Payback year (cumulative cash flow turns positive)",
            "year",
            FirstYearWhere(R("payback_flag")),
            "First year cumulative net cash flow is above zero.",
            headline=True,
            index=True,
            na_text=_NEVER,
        ),
    )


def _cash_flow_checks() -> tuple[LineItem, ...]:
    return (
        _check(
            "check_discounted_cash_flow",
            "Sum of discounted cash flow = NPV",
            Check(Sum(R("discounted_cash_flow_usd_per_yr")), R("npv_usd")),
            "The discounted row adds up to the NPV.",
        ),
    )


_NPV_SCALE = R("capex_usd") + Sum(R("opex_usd_per_yr"))

_PROJECT_SOLVES = (
    Solve(
        "levelized_cost_usd_per_kg",
        "Levelized cost of production",
        "USD/kg",
        "Constant price at which NPV is 0 with no subsidy.",
        target="npv_usd",
        variable="benchmark_cost_usd_per_kg",
        fixed=(("production_subsidy_usd_per_kg", 0.0),),
        probe=R("domestic_cost_usd_per_kg"),
        scale=_NPV_SCALE,
        prefix="lcop",
        headline=True,
        index=True,
    ),
    Solve(
        "breakeven_subsidy_usd_per_kg",
        "Breakeven subsidy at the discount rate",
        "USD/kg",
        "Per-kg production subsidy at which NPV is 0 (negative: the project could pay).",
        target="npv_usd",
        variable="production_subsidy_usd_per_kg",
        probe=R("domestic_cost_usd_per_kg"),
        scale=_NPV_SCALE,
        prefix="bes",
        headline=True,
        index=True,
    ),
)

_PROJECT_RULES = (
    Rule(
        "first_production_year",
        R("construction_start_year") <= R("first_production_year"),
        "'first_production_year' ({first_production_year:g}) is before "
        "'construction_start_year' ({construction_start_year:g}): production cannot start "
        "before construction",
    ),
    Rule(
        "construction_yr",
        R("construction_start_year") + R("construction_yr") - R("year_length_yr") <= R("end_year"),
        "construction from {construction_start_year:g} for {construction_yr:g} years runs past "
        "the timeline's last year ({end_year:g}): part of the capex would never be spent",
    ),
    Rule(
        "depreciation_yr",
        R("first_production_year") + R("depreciation_yr") - R("year_length_yr") <= R("end_year"),
        "depreciation from {first_production_year:g} for {depreciation_yr:g} years runs past the "
        "timeline's last year ({end_year:g}): it is truncated there, and the basis left is "
        "never deducted",
        severity="warning",
    ),
)

_GAP_CHARTS = (
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
    ),
)

_CASH_CHART = Chart(
    "chart-cashflow",
    "Project net cash flow",
    "USD",
    (
        ChartSeries("net_cash_flow_usd_per_yr", "Net cash flow", kind="bar"),
        ChartSeries("cumulative_cash_flow_usd", "Cumulative", dashed=True),
    ),
)


_GAP_EVENTS = (
    Event("gap_closed", "Gap closed by {year}", "gap_close_year", "by_year"),
    Event("budget_sufficient", "Budget lasts the horizon", "budget_exhausted_year", "na"),
)


def _learning_sentence(values: Mapping[str, float], last_year: int) -> list[str]:
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


NATIONAL = Model(
    "national",
    "National competitiveness gap and subsidy",
    (*_NATIONAL_INPUTS, *_COMMON_INPUTS),
    _CONSTANTS,
    (*_NATIONAL_VOLUME, *_gap_items(), *_gap_metrics(), *_gap_checks()),
    charts=_GAP_CHARTS,
    default_metric="ref_subsidy_usd_per_yr",
    narrative=_learning_sentence,
    index_brief=(
        "ref_gap_usd_per_kg",
        "ref_subsidy_usd_per_yr",
        "budget_coverage_yr",
        "total_discounted_subsidy_usd",
    ),
    compare=("ref_gap_usd_per_kg", "total_discounted_subsidy_usd"),
    events=_GAP_EVENTS,
)
PROJECT = Model(
    "project",
    "Project cash flow, competitiveness gap and subsidy",
    (*_PROJECT_INPUTS, *_COMMON_INPUTS),
    _CONSTANTS,
    (
        *_PROJECT_VOLUME,
        *_gap_items(),
        *_CASH_FLOW,
        *_gap_metrics(),
        *_cash_flow_metrics(),
        *_gap_checks(),
        *_cash_flow_checks(),
    ),
    solves=_PROJECT_SOLVES,
    rules=_PROJECT_RULES,
    charts=(*_GAP_CHARTS, _CASH_CHART),
    default_metric="npv_usd",
    narrative=_learning_sentence,
    tiles=(
        "npv_usd",
        "project_irr",
        "breakeven_subsidy_usd_per_kg",
        "levelized_cost_usd_per_kg",
        "ref_gap_usd_per_kg",
        "ref_subsidy_usd_per_yr",
    ),
    index_brief=(
        "ref_gap_usd_per_kg",
        "ref_subsidy_usd_per_yr",
        "total_discounted_subsidy_usd",
        "npv_usd",
        "project_irr",
        "breakeven_subsidy_usd_per_kg",
    ),
    compare=("ref_gap_usd_per_kg", "breakeven_subsidy_usd_per_kg", "total_discounted_subsidy_usd"),
    events=(Event("npv_positive", "NPV > 0", "npv_usd", "positive"), *_GAP_EVENTS),
)

#: Every model, by the name a scenario file gives in ``model = "..."``.
MODELS: dict[str, Model] = {m.name: m for m in (NATIONAL, PROJECT)}
