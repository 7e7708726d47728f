"""The line items of econ's cost models, each defined once.

A :class:`Model` is a list of :class:`InputSpec` (what a scenario must give,
with its canonical unit and allowed domain), :class:`Constant` (named fixed
numbers such as 1,000 kg per tonne) and :class:`LineItem` (a named
expression). The numpy evaluator (:mod:`econ.model.evaluate`) and the Excel
writer (:mod:`econ.excel`) both read these objects; nothing here knows about
either.

Two models exist:

* ``national``: a country's consumption bought from domestic producers that
  cost more than the benchmark (Chinese) producer: the competitiveness gap,
  the subsidy that closes it, how long a budget lasts, learning by doing.
* ``project``: the same questions for one plant, plus its cash flow (capex,
  ramp-up, opex, revenue at the benchmark price, subsidy, tax, depreciation)
  and NPV, IRR, payback, levelized cost and breakeven subsidy.

Sign convention: costs and subsidies are positive numbers; in the cash flow,
money into the project is positive and money out negative.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

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

__all__ = ["MODELS", "NATIONAL", "PROJECT", "Constant", "InputSpec", "LineItem", "Model"]

Shape = Literal["scalar", "series"]
Role = Literal["calc", "metric", "check"]


@dataclass(frozen=True)
class InputSpec:
    """An assumption a scenario must provide.

    Attributes:
        key: snake_case name: scenario-file key, workbook defined name and
            DataFrame column stem.
        label: human label.
        unit: canonical unit (pint syntax); values given in another unit of
            the same dimension are converted on load.
        minimum, maximum: allowed domain; ``min_open``/``max_open`` make the
            bound exclusive.
        per_year: whether a per-year series (one value a year) is allowed.
        year: the value is a calendar year that must lie in the timeline.
        doc: what it means.
    """

    key: str
    label: str
    unit: str
    doc: str
    minimum: float | None = None
    maximum: float | None = None
    min_open: bool = False
    max_open: bool = False
    per_year: bool = False
    year: bool = False

    def domain(self) -> str:
        """The allowed range as text, e.g. ``[0, 1)``."""
        lo = "(-inf" if self.minimum is None else ("(" if self.min_open else "[") + _g(self.minimum)
        hi = "inf)" if self.maximum is None else _g(self.maximum) + (")" if self.max_open else "]")
        return f"{lo}, {hi}"

    def problem(self, value: float, first_year: int, last_year: int) -> str | None:
        """Why ``value`` is not allowed (``None`` when it is), in the words of
        every error message: ``'discount_rate' must be in [0, 1) (got 1.5)``.

        >>> InputSpec("discount_rate", "", "1", "", 0, 1, max_open=True).problem(1.5, 2025, 2030)
        "'discount_rate' must be in [0, 1) (got 1.5)"
        """
        if not math.isfinite(value):
            return f"'{self.key}' must be a finite number (got {value})"
        if self.year:
            if value != int(value) or not first_year <= value <= last_year:
                return (
                    f"'{self.key}' must be a year in the timeline [{first_year}, {last_year}] "
                    f"(got {value:g})"
                )
            return None
        if not self.admits(value):
            unit = "" if self.unit == "1" else f"{self.unit} "
            return f"'{self.key}' must be in {self.domain()} {unit}(got {value:g})"
        return None

    def admits(self, value: float) -> bool:
        """Whether ``value`` lies in the domain."""
        if self.minimum is not None and (
            value < self.minimum or (self.min_open and value == self.minimum)
        ):
            return False
        return not (
            self.maximum is not None
            and (value > self.maximum or (self.max_open and value == self.maximum))
        )


def _g(x: float) -> str:
    return f"{x:g}"


@dataclass(frozen=True)
class Constant:
    """A fixed number with a unit, named so no formula hides it."""

    key: str
    label: str
    unit: str
    value: float
    doc: str


@dataclass(frozen=True)
class LineItem:
    """One named calculation.

    Attributes:
        key: snake_case name (with its unit in it where it has one).
        label: human label.
        unit: display unit, e.g. ``"USD/kg"``; ``"1"`` for a fraction,
            ``"flag"`` for 0/1, ``"year"`` for a calendar year.
        expr: the single definition.
        shape: ``"series"`` (a row over the timeline) or ``"scalar"``.
        role: ``"calc"`` (Model sheet), ``"metric"`` (Results), ``"check"``.
        doc: what it means.
    """

    key: str
    label: str
    unit: str
    expr: Expr
    shape: Shape
    role: Role = "calc"
    doc: str = ""


@dataclass(frozen=True)
class Model:
    """A named set of inputs, constants and line items in evaluation order."""

    name: str
    title: str
    inputs: tuple[InputSpec, ...]
    constants: tuple[Constant, ...]
    items: tuple[LineItem, ...]
    _index: dict[str, InputSpec | Constant | LineItem] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        index: dict[str, InputSpec | Constant | LineItem] = {}
        objects: tuple[InputSpec | Constant | LineItem, ...] = (
            *self.inputs,
            *self.constants,
            *self.items,
        )
        for obj in objects:
            if obj.key in index or obj.key in ("year", "period"):
                raise ValueError(f"model {self.name!r}: duplicate name {obj.key!r}")
            index[obj.key] = obj
        object.__setattr__(self, "_index", index)
        self._validate()

    def _validate(self) -> None:
        known = {"year", "period", *(c.key for c in self.constants)}
        known |= {i.key for i in self.inputs}
        for item in self.items:
            missing = set(item.expr.refs()) - known
            if missing:
                raise ValueError(
                    f"model {self.name!r}: {item.key!r} refers to {sorted(missing)} "
                    "before they are defined"
                )
            known.add(item.key)

    def __getitem__(self, key: str) -> InputSpec | Constant | LineItem:
        return self._index[key]

    def input(self, key: str) -> InputSpec:
        """The input called ``key``."""
        spec = self._index[key]
        if not isinstance(spec, InputSpec):
            raise KeyError(key)
        return spec

    @property
    def input_keys(self) -> tuple[str, ...]:
        return tuple(i.key for i in self.inputs)

    def items_with(self, role: Role) -> tuple[LineItem, ...]:
        return tuple(i for i in self.items if i.role == role)

    def series_keys(self) -> set[str]:
        """Names that are timeline rows (given per-year inputs excluded)."""
        return {"year", "period", *(i.key for i in self.items if i.shape == "series")}


def _item(
    key: str,
    label: str,
    unit: str,
    expr: Expr,
    shape: Shape = "series",
    role: Role = "calc",
    doc: str = "",
) -> LineItem:
    return LineItem(key, label, unit, expr, shape, role, doc)


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
    ),
    InputSpec(
        "check_tolerance",
        "Relative tolerance of the checks",
        "1",
        "How close two sides of an identity must be for its check to pass.",
        minimum=0,
        maximum=0.01,
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
        year=True,
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
        year=True,
    ),
    InputSpec(
        "construction_yr",
        "Construction length",
        "yr",
        "Years over which capex is spent.",
        minimum=1,
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
    ),
    InputSpec(
        "depreciation_yr",
        "Depreciation life",
        "yr",
        "Straight-line, from the first production year.",
        minimum=1,
    ),
)

_CONSTANTS = (Constant("kg_per_t", "Kilograms per tonne", "kg/t", 1000.0, "Metric tonne."),)

# ---------------------------------------------------------------------------
# Line items
# ---------------------------------------------------------------------------


def _gap_items(volume: Iterable[LineItem]) -> tuple[LineItem, ...]:
    """Items every model shares, after the model's own volume rows."""
    return (
        *volume,
        _item("volume_kg_per_yr", "Volume", "kg/yr", R("volume_t_per_yr") * R("kg_per_t")),
        _item(
            "experience_t",
            "Cumulative output at start of year",
            "t",
            R("experience_base_t") + CumSum(R("volume_t_per_yr")) - R("volume_t_per_yr"),
            doc="Experience the year's unit cost reflects.",
        ),
        _item(
            "learning_exponent",
            "Learning-curve exponent",
            "1",
            Log(1 - R("learning_rate"), 2),
            shape="scalar",
            doc="log2(1 - learning rate): cost scales with experience to this power.",
        ),
        _item(
            "unit_cost_usd_per_kg",
            "Domestic unit cost",
            "USD/kg",
            R("domestic_cost_usd_per_kg")
            * (R("experience_t") / R("experience_base_t")) ** R("learning_exponent"),
        ),
        _item(
            "gap_usd_per_kg",
            "Competitiveness gap",
            "USD/kg",
            R("unit_cost_usd_per_kg") - R("benchmark_cost_usd_per_kg"),
        ),
        _item(
            "gap_pct",
            "Gap relative to benchmark",
            "1",
            R("gap_usd_per_kg") / R("benchmark_cost_usd_per_kg"),
        ),
        _item(
            "gap_cost_usd_per_yr",
            "Annual cost of the gap",
            "USD/yr",
            R("gap_usd_per_kg") * R("volume_kg_per_yr"),
        ),
        _item(
            "subsidy_usd_per_kg",
            "Subsidy that closes the gap",
            "USD/kg",
            Max(R("gap_usd_per_kg"), 0),
        ),
        _item(
            "subsidy_usd_per_yr",
            "Annual subsidy that closes the gap",
            "USD/yr",
            R("subsidy_usd_per_kg") * R("volume_kg_per_yr"),
        ),
        _item(
            "cumulative_subsidy_usd", "Cumulative subsidy", "USD", CumSum(R("subsidy_usd_per_yr"))
        ),
        _item(
            "discount_factor",
            "Discount factor (end of year)",
            "1",
            (1 + R("discount_rate")) ** -R("period"),
        ),
        _item(
            "discounted_subsidy_usd",
            "Discounted subsidy",
            "USD",
            R("subsidy_usd_per_yr") * R("discount_factor"),
        ),
        _item("budget_usd", "Budget", "USD", R("budget_rub") / R("fx_rub_per_usd"), shape="scalar"),
        _item(
            "budget_usd_per_yr",
            "Yearly budget envelope",
            "USD/yr",
            R("budget_usd") / R("budget_period_yr"),
            shape="scalar",
        ),
        _item(
            "budget_remaining_usd",
            "Budget left after the year's subsidy",
            "USD",
            R("budget_usd") - R("cumulative_subsidy_usd"),
        ),
        _item(
            "peak_volume_t_per_yr",
            "Peak volume over the horizon",
            "t/yr",
            RowMax(R("volume_t_per_yr")),
            shape="scalar",
        ),
        _item(
            "at_peak_flag",
            "Volume at its peak",
            "flag",
            Flag(R("volume_t_per_yr") >= R("peak_volume_t_per_yr")),
        ),
        _item(
            "reference_flag",
            "Reference year (first year at peak volume)",
            "flag",
            Flag(And(Eq(R("at_peak_flag"), 1), Eq(CumSum(R("at_peak_flag")), 1))),
            doc="Headline figures are read in this year: the start year of a national "
            "scenario, the first full-output year of a project.",
        ),
        _item(
            "gap_closed_flag",
            "Gap closed (domestic cost <= benchmark)",
            "flag",
            Flag(R("gap_usd_per_kg") <= 0),
        ),
        _item(
            "budget_exhausted_flag", "Budget exhausted", "flag", Flag(R("budget_remaining_usd") < 0)
        ),
    )


def _gap_metrics() -> tuple[LineItem, ...]:
    m: Role = "metric"
    return (
        _item(
            "ref_year",
            "Reference year (first year at peak volume)",
            "year",
            SumProduct(R("year"), R("reference_flag")),
            "scalar",
            m,
        ),
        _item(
            "ref_volume_t_per_yr",
            "Volume in the reference year",
            "t/yr",
            R("peak_volume_t_per_yr"),
            "scalar",
            m,
        ),
        _item(
            "ref_gap_usd_per_kg",
            "Competitiveness gap",
            "USD/kg",
            SumProduct(R("gap_usd_per_kg"), R("reference_flag")),
            "scalar",
            m,
        ),
        _item(
            "ref_gap_pct",
            "Gap relative to benchmark",
            "1",
            SumProduct(R("gap_pct"), R("reference_flag")),
            "scalar",
            m,
        ),
        _item(
            "ref_gap_cost_usd_per_yr",
            "Annual cost of the gap at that volume",
            "USD/yr",
            SumProduct(R("gap_cost_usd_per_yr"), R("reference_flag")),
            "scalar",
            m,
        ),
        _item(
            "ref_subsidy_usd_per_kg",
            "Subsidy per kg that closes the gap",
            "USD/kg",
            SumProduct(R("subsidy_usd_per_kg"), R("reference_flag")),
            "scalar",
            m,
        ),
        _item(
            "ref_subsidy_usd_per_yr",
            "Annual subsidy that closes the gap",
            "USD/yr",
            SumProduct(R("subsidy_usd_per_yr"), R("reference_flag")),
            "scalar",
            m,
        ),
        _item("budget_total_usd", "Budget", "USD", R("budget_usd"), "scalar", m),
        _item(
            "budget_coverage_yr",
            "Years the budget covers the annual subsidy",
            "yr",
            SafeDiv(R("budget_usd"), R("ref_subsidy_usd_per_yr")),
            "scalar",
            m,
        ),
        _item(
            "covered_volume_t_per_yr",
            "Volume the yearly budget envelope covers",
            "t/yr",
            SafeDiv(R("budget_usd_per_yr"), R("ref_subsidy_usd_per_kg") * R("kg_per_t")),
            "scalar",
            m,
        ),
        _item(
            "gap_close_year",
            "Year learning closes the gap",
            "year",
            FirstYearWhere(R("gap_closed_flag")),
            "scalar",
            m,
        ),
        _item(
            "budget_exhausted_year",
            "Year the budget runs out",
            "year",
            FirstYearWhere(R("budget_exhausted_flag")),
            "scalar",
            m,
        ),
        _item(
            "total_subsidy_usd",
            "Cumulative subsidy over the horizon",
            "USD",
            Sum(R("subsidy_usd_per_yr")),
            "scalar",
            m,
        ),
        _item(
            "total_discounted_subsidy_usd",
            "Discounted cumulative subsidy",
            "USD",
            Sum(R("discounted_subsidy_usd")),
            "scalar",
            m,
        ),
    )


def _gap_checks() -> tuple[LineItem, ...]:
    c: Role = "check"
    return (
        _item(
            "check_annual_subsidy",
            "Annual subsidy = subsidy per kg x volume",
            "flag",
            Check(
                R("ref_subsidy_usd_per_yr"),
                R("ref_subsidy_usd_per_kg") * R("ref_volume_t_per_yr") * R("kg_per_t"),
            ),
            "scalar",
            c,
        ),
        _item(
            "check_budget_fx",
            "Budget in USD x exchange rate = budget in RUB",
            "flag",
            Check(R("budget_total_usd") * R("fx_rub_per_usd"), R("budget_rub")),
            "scalar",
            c,
        ),
        _item(
            "check_budget_left",
            "Budget left at the end = budget - total subsidy",
            "flag",
            Check(Last(R("budget_remaining_usd")), R("budget_total_usd") - R("total_subsidy_usd")),
            "scalar",
            c,
        ),
    )


_NATIONAL_VOLUME = (
    _item("volume_t_per_yr", "Volume subsidised", "t/yr", R("consumption_t_per_yr")),
)

_PROJECT_VOLUME = (
    _item(
        "utilisation",
        "Utilisation (ramp-up)",
        "1",
        Max(0, Min(1, (R("year") - R("first_production_year") + 1) / R("ramp_up_yr"))),
    ),
    _item("volume_t_per_yr", "Production", "t/yr", R("capacity_t_per_yr") * R("utilisation")),
)

_CASH_FLOW = (
    _item(
        "construction_flag",
        "Construction year",
        "flag",
        Flag(
            And(
                R("year") >= R("construction_start_year"),
                R("year") < R("construction_start_year") + R("construction_yr"),
            )
        ),
    ),
    _item(
        "operating_flag", "Operating year", "flag", Flag(R("year") >= R("first_production_year"))
    ),
    _item(
        "depreciation_flag",
        "Depreciation year",
        "flag",
        Flag(
            And(
                R("year") >= R("first_production_year"),
                R("year") < R("first_production_year") + R("depreciation_yr"),
            )
        ),
    ),
    _item(
        "capex_spend_usd",
        "Capital expenditure",
        "USD",
        R("capex_usd") / R("construction_yr") * R("construction_flag"),
    ),
    _item(
        "revenue_usd",
        "Revenue at the benchmark price",
        "USD",
        R("benchmark_cost_usd_per_kg") * R("volume_kg_per_yr"),
    ),
    _item(
        "subsidy_income_usd",
        "Production subsidy received",
        "USD",
        R("production_subsidy_usd_per_kg") * R("volume_kg_per_yr"),
    ),
    _item(
        "opex_usd",
        "Operating cost",
        "USD",
        R("unit_cost_usd_per_kg") * R("volume_kg_per_yr")
        + R("fixed_opex_usd_per_yr") * R("operating_flag"),
    ),
    _item(
        "depreciation_usd",
        "Depreciation",
        "USD",
        R("capex_usd") / R("depreciation_yr") * R("depreciation_flag"),
    ),
    _item(
        "taxable_income_usd",
        "Taxable income",
        "USD",
        R("revenue_usd") + R("subsidy_income_usd") - R("opex_usd") - R("depreciation_usd"),
    ),
    _item(
        "tax_usd", "Profit tax (negative: credit)", "USD", R("tax_rate") * R("taxable_income_usd")
    ),
    _item(
        "net_cash_flow_usd",
        "Net cash flow",
        "USD",
        R("revenue_usd")
        + R("subsidy_income_usd")
        - R("opex_usd")
        - R("capex_spend_usd")
        - R("tax_usd"),
    ),
    _item(
        "cumulative_cash_flow_usd",
        "Cumulative net cash flow",
        "USD",
        CumSum(R("net_cash_flow_usd")),
    ),
    _item(
        "discounted_cash_flow_usd",
        "Discounted net cash flow",
        "USD",
        R("net_cash_flow_usd") * R("discount_factor"),
    ),
    _item(
        "payback_flag",
        "Cumulative cash flow positive",
        "flag",
        Flag(R("cumulative_cash_flow_usd") > 0),
    ),
    _item(
        "after_tax_cost_usd",
        "After-tax cost (capex + opex net of tax shields)",
        "USD",
        R("capex_spend_usd")
        + (1 - R("tax_rate")) * R("opex_usd")
        - R("tax_rate") * R("depreciation_usd"),
        doc="What revenue must cover after tax; its PV over the PV of after-tax volume is "
        "the levelized cost.",
    ),
    _item(
        "after_tax_volume_kg",
        "After-tax volume",
        "kg",
        (1 - R("tax_rate")) * R("volume_kg_per_yr"),
        doc="Each USD/kg of price or subsidy adds this much after-tax cash.",
    ),
    _item(
        "pv_after_tax_volume_kg",
        "Present value of after-tax volume",
        "kg",
        SumProduct(R("after_tax_volume_kg"), R("discount_factor")),
        shape="scalar",
    ),
)


def _cash_flow_metrics() -> tuple[LineItem, ...]:
    m: Role = "metric"
    return (
        _item(
            "npv_usd",
            "Net present value",
            "USD",
            SumProduct(R("net_cash_flow_usd"), R("discount_factor")),
            "scalar",
            m,
        ),
        _item(
            "project_irr", "Internal rate of return", "1", Irr(R("net_cash_flow_usd")), "scalar", m
        ),
        _item(
            "payback_year",
            "Payback year (cumulative cash flow turns positive)",
            "year",
            FirstYearWhere(R("payback_flag")),
            "scalar",
            m,
        ),
        _item(
            "levelized_cost_usd_per_kg",
            "Levelized cost of production",
            "USD/kg",
            SafeDiv(
                SumProduct(R("after_tax_cost_usd"), R("discount_factor")),
                R("pv_after_tax_volume_kg"),
            ),
            "scalar",
            m,
            doc="Constant price at which NPV is 0 with no subsidy.",
        ),
        _item(
            "breakeven_subsidy_usd_per_kg",
            "Breakeven subsidy at the discount rate",
            "USD/kg",
            SafeDiv(
                R("production_subsidy_usd_per_kg") * R("pv_after_tax_volume_kg") - R("npv_usd"),
                R("pv_after_tax_volume_kg"),
            ),
            "scalar",
            m,
            doc="Per-kg subsidy that makes NPV 0 (NPV is linear in it).",
        ),
    )


def _cash_flow_checks() -> tuple[LineItem, ...]:
    c: Role = "check"
    return (
        _item(
            "check_npv_at_levelized_cost",
            "NPV at the levelized cost with no subsidy = 0",
            "flag",
            Check(
                R("levelized_cost_usd_per_kg") * R("pv_after_tax_volume_kg"),
                SumProduct(R("after_tax_cost_usd"), R("discount_factor")),
            ),
            "scalar",
            c,
        ),
        _item(
            "check_npv_at_breakeven_subsidy",
            "NPV at the breakeven subsidy = 0",
            "flag",
            Check(
                R("npv_usd"),
                (R("production_subsidy_usd_per_kg") - R("breakeven_subsidy_usd_per_kg"))
                * R("pv_after_tax_volume_kg"),
            ),
            "scalar",
            c,
        ),
        _item(
            "check_discounted_cash_flow",
            "Sum of discounted cash flow = NPV",
            "flag",
            Check(Sum(R("discounted_cash_flow_usd")), R("npv_usd")),
            "scalar",
            c,
        ),
    )


def _master_check(checks: tuple[LineItem, ...]) -> LineItem:
    expr = Min(*(R(chk.key) for chk in checks))
    return _item("master_check", "All checks pass", "flag", expr, "scalar", "check")


def _build(
    name: str,
    title: str,
    inputs: tuple[InputSpec, ...],
    volume: tuple[LineItem, ...],
    extra: tuple[LineItem, ...] = (),
    extra_metrics: tuple[LineItem, ...] = (),
    extra_checks: tuple[LineItem, ...] = (),
) -> Model:
    checks = (*_gap_checks(), *extra_checks)
    items = (
        *_gap_items(volume),
        *extra,
        *_gap_metrics(),
        *extra_metrics,
        *checks,
        _master_check(checks),
    )
    return Model(name, title, (*inputs, *_COMMON_INPUTS), _CONSTANTS, items)


NATIONAL = _build(
    "national", "National competitiveness gap and subsidy", _NATIONAL_INPUTS, _NATIONAL_VOLUME
)
PROJECT = _build(
    "project",
    "Project cash flow, competitiveness gap and subsidy",
    _PROJECT_INPUTS,
    _PROJECT_VOLUME,
    _CASH_FLOW,
    _cash_flow_metrics(),
    _cash_flow_checks(),
)

#: Every model, by the name a scenario file gives in ``model = "..."``.
MODELS: dict[str, Model] = {m.name: m for m in (NATIONAL, PROJECT)}
