"""The project model: one plant's cash flow, its competitiveness gap and the
support that breaks it even.

A real model by default: every amount is in start-of-timeline money. With an
``inflation_rate`` the model is nominal: each year's amounts are the real
amounts times ``(1 + inflation_rate) ** period`` (the same end-of-year
convention as the discount factor), the discount rate becomes
``(1 + discount_rate) * (1 + inflation_rate) - 1`` and depreciation stays at
the nominal (historical) cost of the capex, so inflation raises the real tax.
The levelized cost is then still a constant real price.

Worked example of the conventions (see README, "Project conventions"):
a plant of 1,000 t/yr, 5 % royalty on revenue, 2 %/yr sustaining capex on a
150 MUSD capex, working capital 15 % of operating cost recovered in the final
year, losses carried forward: each is one input with a documented default
that leaves it out (0), except loss carry-forward, the default.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import replace

from econ.model.definition._common import (
    CASH,
    CONSTANTS,
    FLAGS,
    NOT_NEEDED,
    VOLUME,
    R,
    check,
    item,
    metric,
)
from econ.model.definition.financing import FINANCING, loan_items
from econ.model.definition.gap import (
    COMMON_INPUTS,
    GAP_CHARTS,
    GAP_EVENTS,
    NO_VOLUME,
    gap_checks,
    gap_items,
    gap_metrics,
    learning_sentence,
)
from econ.model.definition.instruments import (
    INSTRUMENT_INPUTS,
    INSTRUMENT_SWITCHES,
    STATE_INPUTS,
)
from econ.model.definition.tax import TAX_INPUTS, tax_checks, tax_items
from econ.model.expr import (
    And,
    At,
    Check,
    Const,
    CumSum,
    Eq,
    Expr,
    FirstYearWhere,
    Flag,
    Func,
    Irr,
    Max,
    Min,
    Prev,
    Ref,
    RowMax,
    SafeDiv,
    Sum,
    SumProduct,
    map_refs,
)
from econ.model.schema import (
    Chart,
    ChartSeries,
    Constant,
    EmptyNote,
    Event,
    InputSpec,
    LineItem,
    Model,
    Rule,
    Solve,
    Variant,
)

__all__ = [
    "COMPARISON",
    "INSTRUMENTS",
    "INSTRUMENT_TERMS",
    "OFF_BUDGET",
    "PROJECT",
    "instrument_comparison",
]

PRICES, COSTS = "Prices", "Operating and capital cost"
_NO_SHARE = "left out unless the scenario gives it"

_PLANT_INPUTS = (
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
        "plant_life_yr",
        "Plant life",
        "yr",
        "Years of production from the first production year. The project ends at the end of "
        "its life or of the timeline, whichever comes first: in that final year working "
        "capital comes back, salvage is received, decommissioning is paid and the capex not "
        "yet depreciated is written off.",
        minimum=1,
        kind="whole",
        default=50.0,
        default_reason="longer than every seed's timeline, so the plant runs to the end of the "
        "timeline (ProFAST's default life is 40 years)",
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
        "sustaining_capex_share_per_yr",
        "Sustaining capex (share of capex a year)",
        "1/yr",
        "Capital spent each production year to keep the plant running, as a share of the "
        "initial capex; deducted for tax in the year it is spent.",
        minimum=0,
        maximum=1,
        display="percent",
        default=0.0,
        default_reason=_NO_SHARE + " (screening studies often use 1-3 % of capex a year)",
    ),
    InputSpec(
        "working_capital_share",
        "Working capital (share of a year's operating cost)",
        "1",
        "Inventories and receivables less payables, held as a share of the year's operating "
        "cost; building it up costs cash, and it all comes back in the final year.",
        minimum=0,
        maximum=1,
        display="percent",
        default=0.0,
        default_reason=_NO_SHARE + " (H2A uses 15 % of the change in operating cost)",
    ),
    InputSpec(
        "salvage_share",
        "Salvage value (share of capex)",
        "1",
        "Received in the final year (taxable).",
        minimum=0,
        display="percent",
        default=0.0,
        default_reason=_NO_SHARE + " (H2A uses 10 %)",
    ),
    InputSpec(
        "decommissioning_share",
        "Decommissioning cost (share of capex)",
        "1",
        "Paid in the final year (deductible).",
        minimum=0,
        display="percent",
        default=0.0,
        default_reason=_NO_SHARE + " (H2A uses 10 %)",
    ),
    InputSpec(
        "depreciation_yr",
        "Depreciation life",
        "yr",
        "Whole years of straight-line depreciation, from the first production year; what "
        "is left at the project's end is written off then.",
        minimum=1,
        kind="whole",
    ),
)

_PRICE_INPUTS = (
    InputSpec(
        "price_escalation_rate",
        "Real escalation of prices",
        "1",
        "Yearly real change of every product price (the benchmark's too): year t's price is "
        "the given price times (1 + rate)^(t - start year). A per-year benchmark is the "
        "other way to give a price path.",
        minimum=-0.5,
        maximum=1,
        display="percent",
        default=0.0,
        default_reason="real prices stay at their start-year level",
    ),
    *(
        spec
        for k in (1, 2, 3)
        for spec in (
            InputSpec(
                f"product_{k}_share",
                f"Product {k}: share of output",
                "1",
                "A basket of up to three products: the share of output (by mass) sold as this "
                "product. Shares of 0 (the default) sell all output at the benchmark price; "
                "given shares must add up to 1.",
                minimum=0,
                maximum=1,
                display="percent",
                default=0.0,
                default_reason="all output sells at the benchmark price",
            ),
            InputSpec(
                f"product_{k}_price_usd_per_kg",
                f"Product {k}: price",
                "USD/kg",
                "Start-year price of this product of the basket.",
                minimum=0,
                default=0.0,
                default_reason="not used unless the product's share is given",
            ),
        )
    ),
    InputSpec(
        "royalty_share",
        "Royalty or mineral extraction tax (share of revenue)",
        "1",
        "Paid on revenue; deductible for profit tax.",
        minimum=0,
        maximum=1,
        max_open=True,
        display="percent",
        default=0.0,
        default_reason=_NO_SHARE,
    ),
    InputSpec(
        "royalty_usd_per_kg",
        "Royalty per kg",
        "USD/kg",
        "A specific royalty per kg produced; deductible for profit tax.",
        minimum=0,
        default=0.0,
        default_reason=_NO_SHARE,
    ),
    InputSpec(
        "inflation_rate",
        "Inflation (0: a real model)",
        "1",
        "General inflation: with a rate above 0 every amount is nominal and the discount rate "
        "becomes (1 + discount rate) x (1 + inflation) - 1; depreciation stays at historical "
        "cost.",
        minimum=0,
        maximum=1,
        max_open=True,
        display="percent",
        default=0.0,
        default_reason="a real model: amounts in start-of-timeline money",
    ),
)

_FX_INPUTS = (
    InputSpec(
        "fx_path_rub_per_usd",
        "Exchange rate path",
        "RUB/USD",
        "Rubles per US dollar in each year, for the ruble share of costs (the cost inputs are "
        "in USD at 'fx_rub_per_usd').",
        minimum=0,
        min_open=True,
        per_year=True,
        default_from="fx_rub_per_usd",
        default_reason="the exchange rate stays at 'fx_rub_per_usd'",
    ),
    *(
        InputSpec(
            f"{name}_rub_share",
            f"Share of {label} paid in rubles",
            "1",
            f"The ruble part of {label} is fixed in rubles at 'fx_rub_per_usd'; in USD it "
            "moves with the exchange-rate path.",
            minimum=0,
            maximum=1,
            display="percent",
            default=0.0,
            default_reason="costs fixed in USD: no exposure to the ruble",
        )
        for name, label in (
            ("variable_cost", "the unit (variable) cost"),
            ("fixed_cost", "the fixed operating cost"),
            ("capex", "the capex"),
        )
    ),
)

_INPUTS = (
    *_PLANT_INPUTS,
    *_PRICE_INPUTS,
    *_FX_INPUTS,
    *TAX_INPUTS,
    *INSTRUMENT_INPUTS,
    *STATE_INPUTS,
)

YL = R("year_length_yr")


def _fx_factor(name: str) -> Expr:
    share = R(f"{name}_rub_share")
    return 1 - share + share * R("fx_rub_per_usd") / R("fx_path_rub_per_usd")


_FLAG_ITEMS = (
    item(
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
        section=FLAGS,
        display="flag",
    ),
    item(
        "final_year",
        "Final year of the project",
        "year",
        Min(R("first_production_year") + R("plant_life_yr") - YL, R("end_year")),
        "The last production year: the end of the plant's life or of the timeline.",
        section=FLAGS,
        shape="scalar",
    ),
    item(
        "operating_flag",
        "Production year",
        "1",
        Flag(And(R("year") >= R("first_production_year"), R("year") <= R("final_year"))),
        "1 from the first production year to the final year.",
        section=FLAGS,
        display="flag",
    ),
    item(
        "final_flag",
        "Final year",
        "1",
        Flag(Eq(R("year"), R("final_year"))),
        "1 in the project's final year.",
        section=FLAGS,
        display="flag",
    ),
    item(
        "depreciation_flag",
        "Depreciation year",
        "1",
        Flag(
            And(
                R("year") >= R("first_production_year"),
                R("year") < R("first_production_year") + R("depreciation_yr"),
                R("year") <= R("final_year"),
            )
        ),
        "1 in the years the capex is depreciated.",
        section=FLAGS,
        display="flag",
    ),
)

_VOLUME_ITEMS = (
    item(
        "utilisation",
        "Utilisation (ramp-up)",
        "1",
        Max(0, Min(1, (R("year") - R("first_production_year") + YL) / R("ramp_up_yr")))
        * R("operating_flag"),
        "Share of capacity used: rises linearly from the first production year to 1; 0 "
        "after the final year.",
        section=VOLUME,
        display="percent",
    ),
    item(
        "volume_t_per_yr",
        "Production",
        "t/yr",
        R("capacity_t_per_yr") * R("utilisation"),
        "Capacity times utilisation.",
        section=VOLUME,
    ),
)

_SHARES = R("product_1_share") + R("product_2_share") + R("product_3_share")
_basket = sum(
    (R(f"product_{k}_share") * R(f"product_{k}_price_usd_per_kg") for k in (2, 3)),
    R("product_1_share") * R("product_1_price_usd_per_kg"),
)

_PRICE_ITEMS = (
    item(
        "price_index",
        "Real price index",
        "1",
        (1 + R("price_escalation_rate")) ** (R("period") - 1),
        "(1 + escalation)^(years since the start year).",
        section=PRICES,
        display="factor",
    ),
    item(
        "basket_share",
        "Share of output in the product basket",
        "1",
        _SHARES,
        "0: all output sells at the benchmark price; else 1.",
        section=PRICES,
        shape="scalar",
        display="percent",
    ),
    item(
        "market_price_usd_per_kg",
        "Market price (real)",
        "USD/kg",
        Func("IF", (R("basket_share") > 0, _basket, R("benchmark_cost_usd_per_kg")))
        * R("price_index"),
        "The benchmark price, or the basket's average price (shares times prices), times "
        "the price index.",
        section=PRICES,
    ),
    item(
        "price_usd_per_kg",
        "Sale price (real)",
        "USD/kg",
        R("market_price_usd_per_kg") * (1 + R("import_tariff_rate")),
        "The market price raised by the tariff on competing imports.",
        section=PRICES,
    ),
    item(
        "inflation_index",
        "Inflation index (real to nominal)",
        "1",
        (1 + R("inflation_rate")) ** R("period"),
        "(1 + inflation)^period: 1 in a real model.",
        section=PRICES,
        display="factor",
    ),
    *(
        item(
            f"{name}_fx_factor",
            f"Exchange-rate factor of {label}",
            "1",
            _fx_factor(name),
            "USD cost relative to the estimate: 1 - ruble share + ruble share x "
            "fx_rub_per_usd / fx path.",
            section=PRICES,
            display="factor",
        )
        for name, label in (
            ("variable_cost", "the unit cost"),
            ("fixed_cost", "the fixed cost"),
            ("capex", "the capex"),
        )
    ),
)

_NOM = R("inflation_index")

_CASH_ITEMS = (
    item(
        "gross_capex_usd_per_yr",
        "Capital expenditure before duty relief",
        "USD/yr",
        R("capex_usd")
        / R("construction_yr")
        * R("construction_flag")
        * R("capex_fx_factor")
        * _NOM,
        "Capex spread evenly over the construction years.",
        section=CASH,
    ),
    item(
        "duty_relief_usd_per_yr",
        "Import duty waived",
        "USD/yr",
        R("duty_relief_share")
        * R("import_duty_rate")
        * R("imported_equipment_share")
        * R("gross_capex_usd_per_yr"),
        "Relief x duty rate x imported share of the capex: duty the state forgoes.",
        section=CASH,
    ),
    item(
        "capex_spend_usd_per_yr",
        "Capital expenditure",
        "USD/yr",
        R("gross_capex_usd_per_yr") - R("duty_relief_usd_per_yr"),
        "Capex after import-duty relief.",
        section=CASH,
    ),
    item(
        "capex_grant_usd_per_yr",
        "Capex grant received",
        "USD/yr",
        R("capex_grant_share") * R("capex_spend_usd_per_yr"),
        "The grant's share of the year's capex (not taxed; it lowers the depreciable capex).",
        section=CASH,
    ),
    item(
        "revenue_usd_per_yr",
        "Revenue",
        "USD/yr",
        R("price_usd_per_kg") * R("volume_kg_per_yr") * _NOM,
        "Output sold at the sale price.",
        section=CASH,
    ),
    item(
        "subsidy_income_usd_per_yr",
        "Production subsidy received",
        "USD/yr",
        R("production_subsidy_usd_per_kg")
        * R("volume_kg_per_yr")
        * _NOM
        * Flag(R("year") < R("first_production_year") + R("production_subsidy_yr")),
        "The per-kg production subsidy times output, in the years it is paid.",
        section=CASH,
    ),
    item(
        "variable_cost_usd_per_yr",
        "Variable cost",
        "USD/yr",
        R("unit_cost_usd_per_kg") * R("volume_kg_per_yr") * R("variable_cost_fx_factor") * _NOM,
        "Unit cost (after learning) times output.",
        section=CASH,
    ),
    item(
        "fixed_cost_usd_per_yr",
        "Fixed operating cost",
        "USD/yr",
        R("fixed_opex_usd_per_yr") * R("operating_flag") * R("fixed_cost_fx_factor") * _NOM,
        "Fixed cost in production years.",
        section=CASH,
    ),
    item(
        "opex_usd_per_yr",
        "Operating cost",
        "USD/yr",
        R("variable_cost_usd_per_yr") + R("fixed_cost_usd_per_yr"),
        "Variable plus fixed operating cost.",
        section=CASH,
    ),
    item(
        "royalty_usd_per_yr",
        "Royalty",
        "USD/yr",
        R("royalty_share") * R("revenue_usd_per_yr")
        + R("royalty_usd_per_kg") * R("volume_kg_per_yr") * _NOM,
        "Share of revenue plus the per-kg royalty times output.",
        section=CASH,
    ),
    item(
        "cfd_payment_usd_per_yr",
        "Price-floor (CfD) payment received",
        "USD/yr",
        Max(R("strike_price_usd_per_kg") - R("price_usd_per_kg"), 0) * R("volume_kg_per_yr") * _NOM,
        "Strike price minus sale price, when positive, times output.",
        section=CASH,
    ),
    item(
        "rd_grant_usd_per_yr",
        "R&D grant received",
        "USD/yr",
        R("rd_grant_usd") * Flag(Eq(R("year"), R("rd_grant_year"))) * _NOM / YL,
        "The grant in the year it is paid.",
        section=CASH,
    ),
    item(
        "tariff_cost_to_buyers_usd_per_yr",
        "Cost of the tariff to buyers",
        "USD/yr",
        (R("price_usd_per_kg") - R("market_price_usd_per_kg")) * R("volume_kg_per_yr") * _NOM,
        "What buyers of the output pay above the market price because of the tariff.",
        section=CASH,
    ),
    item(
        "sustaining_capex_usd_per_yr",
        "Sustaining capex",
        "USD/yr",
        R("sustaining_capex_share_per_yr")
        * R("capex_usd")
        * R("operating_flag")
        * R("capex_fx_factor")
        * _NOM,
        "Share of the initial capex spent each production year.",
        section=CASH,
    ),
    item(
        "working_capital_usd",
        "Working capital held (end of year)",
        "USD",
        R("working_capital_share") * R("opex_usd_per_yr") * YL * (1 - R("final_flag")),
        "Share of the year's operating cost; 0 from the final year (recovered).",
        section=CASH,
    ),
    item(
        "working_capital_change_usd_per_yr",
        "Increase in working capital",
        "USD/yr",
        (R("working_capital_usd") - Prev(R("working_capital_usd"), Const(0.0))) / YL,
        "Cash tied up in the year (negative: released).",
        section=CASH,
    ),
    item(
        "salvage_usd_per_yr",
        "Salvage value",
        "USD/yr",
        R("salvage_share") * R("capex_usd") * R("final_flag") * _NOM / YL,
        "Share of capex received in the final year.",
        section=CASH,
    ),
    item(
        "decommissioning_usd_per_yr",
        "Decommissioning",
        "USD/yr",
        R("decommissioning_share") * R("capex_usd") * R("final_flag") * _NOM / YL,
        "Share of capex paid in the final year.",
        section=CASH,
    ),
    item(
        "depreciable_base_usd",
        "Depreciable capex",
        "USD",
        Sum(R("capex_spend_usd_per_yr")) - Sum(R("capex_grant_usd_per_yr")),
        "The capex as spent (historical cost), less the capex grant.",
        section=CASH,
        shape="scalar",
    ),
    item(
        "straight_line_usd_per_yr",
        "Straight-line depreciation",
        "USD/yr",
        R("depreciable_base_usd") / R("depreciation_yr") * R("depreciation_flag"),
        "The depreciable capex over its depreciation life.",
        section=CASH,
    ),
    item(
        "write_off_usd_per_yr",
        "Write-off in the final year",
        "USD/yr",
        R("final_flag") * (R("depreciable_base_usd") - CumSum(R("straight_line_usd_per_yr"))) / YL,
        "Capex not yet depreciated when the project ends.",
        section=CASH,
    ),
    item(
        "depreciation_usd_per_yr",
        "Depreciation",
        "USD/yr",
        R("straight_line_usd_per_yr") + R("write_off_usd_per_yr"),
        "Straight-line depreciation plus the final write-off.",
        section=CASH,
    ),
)

_LOANS = (
    *loan_items("soft_loan", "Soft loan"),
    *loan_items(
        "loan",
        "Commercial loan",
        Max(R("loan_rate") - R("interest_subsidy_rate"), 0),
    ),
    item(
        "interest_subsidy_usd_per_yr",
        "Interest-rate subsidy paid by the state",
        "USD/yr",
        Min(R("interest_subsidy_rate"), R("loan_rate"))
        * Prev(R("loan_balance_usd"), Const(0.0))
        / YL,
        "The subsidised points of the commercial loan's rate times its opening balance.",
        section=FINANCING,
    ),
    item(
        "interest_usd_per_yr",
        "Interest paid",
        "USD/yr",
        R("soft_loan_interest_usd_per_yr") + R("loan_interest_usd_per_yr"),
        "Interest on both loans (deductible for profit tax).",
        section=FINANCING,
    ),
)

_TAXABLE = (
    R("revenue_usd_per_yr")
    + R("subsidy_income_usd_per_yr")
    + R("cfd_payment_usd_per_yr")
    + R("rd_grant_usd_per_yr")
    - R("opex_usd_per_yr")
    - R("royalty_usd_per_yr")
    - R("sustaining_capex_usd_per_yr")
    - R("depreciation_usd_per_yr")
    - R("interest_usd_per_yr")
    + R("salvage_usd_per_yr")
    - R("decommissioning_usd_per_yr")
)

_NET_ITEMS = (
    item(
        "net_cash_flow_usd_per_yr",
        "Net cash flow",
        "USD/yr",
        R("revenue_usd_per_yr")
        + R("subsidy_income_usd_per_yr")
        + R("cfd_payment_usd_per_yr")
        + R("rd_grant_usd_per_yr")
        + R("capex_grant_usd_per_yr")
        - R("opex_usd_per_yr")
        - R("royalty_usd_per_yr")
        - R("capex_spend_usd_per_yr")
        - R("sustaining_capex_usd_per_yr")
        - R("working_capital_change_usd_per_yr")
        + R("salvage_usd_per_yr")
        - R("decommissioning_usd_per_yr")
        - R("tax_usd_per_yr"),
        "Money into the project minus money out before financing (after the tax actually "
        "paid), each year: the project's (unlevered) cash flow.",
        section=CASH,
    ),
    item(
        "equity_cash_flow_usd_per_yr",
        "Equity cash flow",
        "USD/yr",
        R("net_cash_flow_usd_per_yr")
        + R("soft_loan_draw_usd_per_yr")
        + R("loan_draw_usd_per_yr")
        - R("soft_loan_repayment_usd_per_yr")
        - R("loan_repayment_usd_per_yr")
        - R("interest_usd_per_yr"),
        "The project's cash flow plus loans drawn, less repayments and interest: what the "
        "owners put in and take out (levered).",
        section=FINANCING,
    ),
    item(
        "debt_service_usd_per_yr",
        "Debt service",
        "USD/yr",
        R("soft_loan_repayment_usd_per_yr")
        + R("loan_repayment_usd_per_yr")
        + R("interest_usd_per_yr"),
        "Repayments and interest on both loans.",
        section=FINANCING,
    ),
    item(
        "cash_for_debt_service_usd_per_yr",
        "Cash flow available for debt service",
        "USD/yr",
        R("net_cash_flow_usd_per_yr") + R("capex_spend_usd_per_yr") - R("capex_grant_usd_per_yr"),
        "The project's cash flow before its initial capex (net of grant).",
        section=FINANCING,
    ),
    item(
        "dscr_masked",
        "Debt service coverage (years with debt service)",
        "1",
        Func(
            "IF",
            (
                R("debt_service_usd_per_yr") > 0,
                SafeDiv(R("cash_for_debt_service_usd_per_yr"), R("debt_service_usd_per_yr")),
                R("no_debt_dscr"),
            ),
        ),
        "Cash available over debt service; the ceiling in years without debt service.",
        section=FINANCING,
        display="factor",
    ),
    item(
        "dscr_negated",
        "Debt service coverage, negated (for its minimum)",
        "1",
        -R("dscr_masked"),
        "Minus the coverage: the minimum coverage is minus the row's maximum.",
        section=FINANCING,
        display="factor",
    ),
    item(
        "cumulative_cash_flow_usd",
        "Cumulative net cash flow",
        "USD",
        CumSum(R("net_cash_flow_usd_per_yr")),
        "Net cash flow from the start year to the end of this year.",
        section=CASH,
    ),
    item(
        "discounted_cash_flow_usd_per_yr",
        "Discounted net cash flow",
        "USD/yr",
        R("net_cash_flow_usd_per_yr") * R("discount_factor"),
        "The year's net cash flow in start-of-timeline money.",
        section=CASH,
    ),
    item(
        "payback_flag",
        "Cumulative cash flow positive",
        "1",
        Flag(R("cumulative_cash_flow_usd") > 0),
        "1 in the years cumulative net cash flow is above zero.",
        section=FLAGS,
        display="flag",
    ),
)


FISCAL = "Cost to the state"

_OUTLAYS = (
    R("subsidy_income_usd_per_yr")
    + R("capex_grant_usd_per_yr")
    + R("soft_loan_draw_usd_per_yr")
    - R("soft_loan_repayment_usd_per_yr")
    - R("soft_loan_interest_usd_per_yr")
    + R("interest_subsidy_usd_per_yr")
    + R("duty_relief_usd_per_yr")
    + R("cfd_payment_usd_per_yr")
    + R("rd_grant_usd_per_yr")
)

_NO_SUPPORT = Variant(
    "nosupport",
    "the project with every instrument switched off",
    "without support",
    INSTRUMENT_SWITCHES,
    ("tax_usd_per_yr", "npv_usd"),
)

_FISCAL_ITEMS = (
    item(
        "state_discount_factor",
        "State's discount factor",
        "1",
        ((1 + R("state_discount_rate")) * (1 + R("inflation_rate"))) ** -R("period"),
        "End-of-year discount factor at the state's rate (nominal with inflation).",
        section=FISCAL,
        display="factor",
    ),
    item(
        "state_outlay_usd_per_yr",
        "State outlays",
        "USD/yr",
        _OUTLAYS,
        "Subsidy, grants, CfD payments, duty forgone, interest subsidy and soft lending net "
        "of the soft loan's repayments and interest.",
        section=FISCAL,
    ),
    item(
        "tax_gain_usd_per_yr",
        "Extra profit tax because of the support",
        "USD/yr",
        R("tax_usd_per_yr") - R("nosupport_tax_usd_per_yr"),
        "Tax paid minus the tax the same project would pay without support (negative: a tax "
        "holiday's forgone tax).",
        section=FISCAL,
    ),
)

_FISCAL_METRICS = (
    metric(
        "fiscal_cost_usd",
        "Fiscal cost of the support (PV)",
        "USD",
        SumProduct(R("state_outlay_usd_per_yr"), R("state_discount_factor"))
        - SumProduct(R("tax_gain_usd_per_yr"), R("state_discount_factor")),
        "Present value at the state's rate of the outlays less the extra tax collected.",
        index=True,
    ),
    metric(
        "npv_without_support_usd",
        "NPV to equity without support",
        "USD",
        R("nosupport_npv_usd"),
        "The NPV with every instrument switched off.",
    ),
    metric(
        "tariff_cost_to_buyers_usd",
        "Cost of the tariff to buyers (PV)",
        "USD",
        SumProduct(R("tariff_cost_to_buyers_usd_per_yr"), R("state_discount_factor")),
        "Present value at the state's rate of what buyers pay above the market price.",
    ),
    metric(
        "soft_loan_grant_element",
        "Soft loan's grant element",
        "1",
        1
        - SafeDiv(
            SumProduct(R("soft_loan_service_usd_per_yr"), R("grant_element_factor")),
            SumProduct(R("soft_loan_draw_usd_per_yr"), R("grant_element_factor")),
        ),
        "1 - PV(debt service) / PV(drawings) at the grant element's rate (OECD/IMF).",
        display="percent",
        na_text="no soft loan",
    ),
)

_GRANT_ELEMENT_ROWS = (
    item(
        "soft_loan_service_usd_per_yr",
        "Soft loan: debt service",
        "USD/yr",
        R("soft_loan_repayment_usd_per_yr") + R("soft_loan_interest_usd_per_yr"),
        "Repayments plus interest on the soft loan.",
        section=FINANCING,
    ),
    item(
        "grant_element_factor",
        "Discount factor of the grant element",
        "1",
        (1 + R("grant_element_discount_rate")) ** -R("period"),
        "End-of-year discount factor at the grant element's rate.",
        section=FINANCING,
        display="factor",
    ),
)

_NEVER = "not within the horizon"

_METRICS = (
    metric(
        "npv_usd",
        "Net present value to equity",
        "USD",
        SumProduct(R("equity_cash_flow_usd_per_yr"), R("discount_factor")),
        "Sum of the discounted equity cash flows at the discount (hurdle) rate, end-of-year "
        "convention; the project NPV when there is no debt.",
        headline=True,
        index=True,
    ),
    metric(
        "project_npv_usd",
        "Project NPV (unlevered)",
        "USD",
        SumProduct(R("net_cash_flow_usd_per_yr"), R("discount_factor")),
        "Sum of the discounted project cash flows, before financing.",
    ),
    metric(
        "project_irr",
        "Internal rate of return",
        "1",
        Irr(R("net_cash_flow_usd_per_yr")),
        "The discount rate at which NPV is 0 (the root nearest 0); nominal when inflation is "
        "given.",
        headline=True,
        index=True,
        display="percent",
        na_text="none (no sign change)",
    ),
    metric(
        "equity_irr",
        "Equity IRR (levered)",
        "1",
        Irr(R("equity_cash_flow_usd_per_yr")),
        "The IRR of the equity cash flow.",
        display="percent",
        na_text="none (no sign change)",
    ),
    metric(
        "min_dscr",
        "Minimum debt service coverage",
        "1",
        SafeDiv(
            -RowMax(R("dscr_negated")),
            Flag(RowMax(R("dscr_negated")) > -R("no_debt_dscr")),
        ),
        "The smallest yearly cash available / debt service (n/a: no debt).",
        display="factor",
        na_text="no debt",
    ),
    metric(
        "payback_year",
        "Payback year (cumulative cash flow turns positive)",
        "year",
        FirstYearWhere(R("payback_flag")),
        "First year cumulative net cash flow is above zero.",
        headline=True,
        index=True,
        na_text=_NEVER,
    ),
    metric(
        "ref_price_usd_per_kg",
        "Sale price in the reference year",
        "USD/kg",
        At(R("price_usd_per_kg"), R("reference_flag")),
        "The real sale price (benchmark or basket) in the reference year.",
    ),
    metric(
        "full_cost_gap_usd_per_kg",
        "Full-cost gap (levelized cost - price)",
        "USD/kg",
        R("levelized_cost_usd_per_kg") - R("ref_price_usd_per_kg"),
        "Levelized cost minus the sale price in the reference year: what a constant price "
        "would have to rise by for the project to break even; positive means uncompetitive.",
        headline=True,
        index=True,
    ),
    metric(
        "full_cost_gap_share",
        "Full-cost gap relative to the price",
        "1",
        SafeDiv(R("full_cost_gap_usd_per_kg"), R("ref_price_usd_per_kg")),
        "The full-cost gap as a fraction of the reference-year price.",
        headline=True,
        display="percent",
    ),
    metric(
        "breakeven_subsidy_usd_per_yr",
        "Annual cost of the breakeven subsidy",
        "USD/yr",
        Max(R("breakeven_subsidy_usd_per_kg"), 0) * R("ref_volume_t_per_yr") * R("kg_per_t"),
        "The breakeven per-kg subsidy (0 if none is needed) times the reference-year volume.",
    ),
    metric(
        "budget_coverage_yr",
        "Years the budget pays the breakeven per-kg subsidy",
        "yr",
        SafeDiv(R("budget_usd"), R("breakeven_subsidy_usd_per_yr")),
        "Budget over the annual cost of the subsidy that breaks the project even (n/a: no "
        "support is needed).",
        headline=True,
        index=True,
        na_text=NOT_NEEDED,
    ),
)

_CHECKS = (
    check(
        "check_discounted_cash_flow",
        "Sum of discounted cash flow = project NPV",
        Check(Sum(R("discounted_cash_flow_usd_per_yr")), R("project_npv_usd")),
        "The discounted row adds up to the project (unlevered) NPV.",
    ),
    check(
        "check_depreciation",
        "Depreciation over the project = depreciable capex",
        Check(Sum(R("depreciation_usd_per_yr")), R("depreciable_base_usd")),
        "Straight-line depreciation and the final write-off deduct the capex exactly once.",
    ),
    check(
        "check_working_capital",
        "Working capital released = working capital built",
        Check(
            Sum(R("working_capital_change_usd_per_yr")), Const(0.0), scale=Sum(R("opex_usd_per_yr"))
        ),
        "Over the project the changes in working capital add up to 0 (all of it comes back).",
    ),
)

_NPV_SCALE = R("capex_usd") + Sum(R("opex_usd_per_yr"))

#: The instruments compared: name, label of the size, the input sized, its
#: unit, the solve's key and prefix, and a magnitude for the solver's bracket.
INSTRUMENTS: tuple[tuple[str, str, str, str, str, str, Expr], ...] = (
    (
        "production_subsidy",
        "Per-kg production subsidy",
        "production_subsidy_usd_per_kg",
        "USD/kg",
        "breakeven_subsidy_usd_per_kg",
        "bes",
        R("domestic_cost_usd_per_kg"),
    ),
    (
        "capex_grant",
        "Capex grant",
        "capex_grant_share",
        "1",
        "breakeven_capex_grant_share",
        "begr",
        Const(1.0),
    ),
    (
        "soft_loan",
        "Soft loan",
        "soft_loan_share",
        "1",
        "breakeven_soft_loan_share",
        "besl",
        Const(1.0),
    ),
    (
        "interest_subsidy",
        "Interest-rate subsidy",
        "interest_subsidy_rate",
        "1",
        "breakeven_interest_subsidy_rate",
        "beis",
        R("loan_rate"),
    ),
    (
        "tax_holiday",
        "Tax holiday",
        "tax_holiday_yr",
        "yr",
        "breakeven_tax_holiday_yr",
        "beth",
        R("end_year") - R("start_year") + R("year_length_yr"),
    ),
    (
        "duty_relief",
        "Import-duty relief",
        "duty_relief_share",
        "1",
        "breakeven_duty_relief_share",
        "bedr",
        Const(1.0),
    ),
    (
        "tariff",
        "Tariff on competing imports",
        "import_tariff_rate",
        "1",
        "breakeven_tariff_rate",
        "betr",
        Const(1.0),
    ),
    (
        "price_floor",
        "Price floor (CfD strike)",
        "strike_price_usd_per_kg",
        "USD/kg",
        "breakeven_strike_price_usd_per_kg",
        "bepf",
        R("domestic_cost_usd_per_kg"),
    ),
    (
        "rd_grant",
        "R&D grant",
        "rd_grant_usd",
        "USD",
        "breakeven_rd_grant_usd",
        "berd",
        R("capex_usd"),
    ),
)


def _phrase(label: str) -> str:
    """A label inside a sentence: "Capex grant" -> "capex grant", "R&D grant" kept."""
    return label if label[:2].isupper() else label[0].lower() + label[1:]


def _breakeven(name: str, label: str, variable: str, unit: str, key: str, prefix: str,
               probe: Expr) -> Solve:  # fmt: skip
    others = tuple((k, v) for k, v in INSTRUMENT_SWITCHES if k != variable)
    return Solve(
        key,
        f"Breakeven {_phrase(label)}"
        if name != "production_subsidy"
        else "Breakeven subsidy at the discount rate",
        unit,
        f"The smallest {_phrase(label)} ('{variable}') at which the NPV to equity at the "
        "discount rate is 0, with no other support (negative: the project could pay).",
        target="npv_usd",
        variable=variable,
        fixed=others,
        probe=probe,
        scale=_NPV_SCALE,
        prefix=prefix,
        headline=name == "production_subsidy",
        index=name == "production_subsidy",
        display="percent" if unit == "1" else "auto",
        na_text="no size breaks it even",
    )


_SOLVES: tuple[Solve, ...] = (
    Solve(
        "levelized_cost_usd_per_kg",
        "Levelized cost of production",
        "USD/kg",
        "Constant real sale price at which the NPV to equity is 0 with no per-kg subsidy or "
        "price floor (other support as given).",
        target="npv_usd",
        variable="price_usd_per_kg",
        fixed=(("production_subsidy_usd_per_kg", 0.0), ("strike_price_usd_per_kg", 0.0)),
        probe=R("domestic_cost_usd_per_kg"),
        scale=_NPV_SCALE,
        prefix="lcop",
        headline=True,
        index=True,
    ),
)
_ALL_SOLVES: tuple[Solve, ...] = (*_SOLVES[:1], *(_breakeven(*spec) for spec in INSTRUMENTS))
_SOLVES = _ALL_SOLVES[:2]

_RULES = (
    Rule(
        "first_production_year",
        R("construction_start_year") <= R("first_production_year"),
        "'first_production_year' ({first_production_year:g}) is before "
        "'construction_start_year' ({construction_start_year:g}): production cannot start "
        "before construction",
    ),
    Rule(
        "construction_yr",
        R("construction_start_year") + R("construction_yr") - YL <= R("end_year"),
        "construction from {construction_start_year:g} for {construction_yr:g} years runs past "
        "the timeline's last year ({end_year:g}): part of the capex would never be spent",
    ),
    Rule(
        "depreciation_yr",
        R("first_production_year") + R("depreciation_yr") - YL
        <= Min(R("first_production_year") + R("plant_life_yr") - YL, R("end_year")),
        "depreciation from {first_production_year:g} for {depreciation_yr:g} years runs past "
        "the project's final year (the end of its {plant_life_yr:g}-year life or of the "
        "timeline in {end_year:g}): what is not yet depreciated is written off then",
        severity="warning",
    ),
    Rule(
        "product_1_share",
        Eq(_SHARES, 0) + (Func("ABS", (_SHARES - 1,)) <= R("check_tolerance")) > 0,
        "the product shares add up to {product_1_share:g} + {product_2_share:g} + "
        "{product_3_share:g}: give shares that add up to 1, or none (all output sells at the "
        "benchmark price)",
    ),
)

#: A project's subsidy chart shows the subsidy that closes the variable-cost
#: gap; when none is needed, the sentence says what the full cost still needs.
_SUBSIDY_CHART = tuple(
    replace(
        c,
        empty=(
            EmptyNote(
                "gap_usd_per_kg",
                "at_most_zero",
                "No subsidy needed on the variable cost: the unit cost is at or below the "
                "benchmark in every year, so there are no bars to draw. On its full cost the "
                "project breaks even with a subsidy of {breakeven_subsidy_usd_per_kg} "
                "(levelized cost {levelized_cost_usd_per_kg} against a price of "
                "{ref_price_usd_per_kg}).",
            ),
            NO_VOLUME,
        ),
    )
    if c.chart_id == "chart-subsidy"
    else c
    for c in GAP_CHARTS
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

_NO_DEBT_DSCR = Constant(
    "no_debt_dscr",
    "Debt service coverage read in years without debt service",
    "1",
    1000.0,
    "A software setting, not an assumption: years without debt service read as this "
    "coverage so the minimum skips them; a minimum at or above it reads as no debt.",
    display="factor",
)

_ITEMS: tuple[LineItem, ...] = (
    *_FLAG_ITEMS,
    *_VOLUME_ITEMS,
    *gap_items(
        discount_factor=((1 + R("discount_rate")) * (1 + R("inflation_rate"))) ** -R("period"),
        gap_counts=R("operating_flag"),
    ),
    *_PRICE_ITEMS,
    *_CASH_ITEMS,
    *_LOANS,
    *tax_items(_TAXABLE),
    *_NET_ITEMS,
    *_GRANT_ELEMENT_ROWS,
    *_FISCAL_ITEMS,
    *gap_metrics(project=True),
    *_METRICS,
    *_FISCAL_METRICS,
    *gap_checks(),
    *tax_checks(),
    *_CHECKS,
)


#: Section of the comparison's items: the workbook's Instruments sheet.
COMPARISON = "Instrument comparison"

#: Each instrument's terms besides its size (inputs on Assumptions).
INSTRUMENT_TERMS: dict[str, tuple[str, ...]] = {
    "production_subsidy": ("production_subsidy_yr",),
    "capex_grant": (),
    "soft_loan": ("soft_loan_rate", "soft_loan_grace_yr", "soft_loan_repayment_yr"),
    "interest_subsidy": ("loan_share", "loan_rate", "loan_grace_yr", "loan_repayment_yr"),
    "tax_holiday": ("tax_holiday_rate",),
    "duty_relief": ("import_duty_rate", "imported_equipment_share"),
    "tariff": (),
    "price_floor": (),
    "rd_grant": ("rd_grant_year",),
}

#: Instruments that cost the budget nothing: a tariff's cost falls on buyers
#: (``tariff_cost_to_buyers_usd``), so it never stands for the budget's cost.
OFF_BUDGET = ("tariff",)

_NO_INSTRUMENT = Constant(
    "no_instrument_cost_usd",
    "Sort key of an instrument that cannot break the project even",
    "USD",
    1e18,
    "A software setting, not an assumption: an instrument no size of which within its terms "
    "breaks the project even sorts as costing this much, after every one that can; a "
    "cheapest cost at or above it reads as none.",
    display="scientific",
)


def _size_limits(base: Model) -> tuple[Constant, ...]:
    """The largest size of each instrument (its input's domain), named."""
    out = []
    for _, label, variable, unit, _, _, _ in INSTRUMENTS:
        spec = base.input(variable)
        if spec.maximum is not None:
            out.append(
                Constant(
                    f"{variable}_max",
                    f"Largest size of the {_phrase(label)}",
                    unit,
                    spec.maximum,
                    f"The domain of '{variable}': a larger size is beyond what the instrument "
                    "can give (a grant of more than the capex is not a grant).",
                    display="percent" if unit == "1" else "auto",
                )
            )
    return tuple(out)


def _within_terms(base: Model, variable: str, key: str) -> Expr:
    """1 when the solved size exists and lies within its input's domain."""
    spec = base.input(variable)
    if spec.minimum != 0 or spec.min_open or spec.max_open:  # pragma: no cover - model guard
        raise ValueError(f"{variable!r}: an instrument's size is a closed range from 0")
    size = Ref(key)
    inside: Expr = Flag(size >= 0)
    if spec.maximum is not None:
        inside = inside * Flag(size <= Ref(f"{variable}_max"))
    # Check(x * 0, 0) is 1 for a number and 0 for n/a: no size breaks it even.
    return Func("IF", (Check(size * 0, Const(0.0)), inside, Const(0.0)))


_TILES = (
    "npv_usd",
    "project_irr",
    "levelized_cost_usd_per_kg",
    "full_cost_gap_usd_per_kg",
    "breakeven_subsidy_usd_per_kg",
    "budget_coverage_yr",
)
#: The headline of the comparison: budget coverage from the cheapest instrument.
_COMPARISON_TILES = (
    "npv_usd",
    "project_irr",
    "levelized_cost_usd_per_kg",
    "full_cost_gap_usd_per_kg",
    "cheapest_fiscal_cost_usd",
    "projects_funded",
)


def _comparison(base: Model) -> tuple[LineItem, ...]:
    """Each instrument's fiscal cost at its breakeven size: its outlays and
    the extra tax, read from its own plug-back block (the graph's copy of the
    project at that size), so nothing is re-derived by hand. Then whether the
    size lies within the instrument's terms, the ranking (cheapest first)
    and the cheapest budget instrument with the budget coverage it implies
    (scalar metrics, not workings: a working that reads a solved value would
    join that solve's plug-back block). The sort keys are workings (role
    ``calc``): they read metrics only, and their placeholder for an
    instrument that cannot act is no figure to show."""
    out: list[LineItem] = []
    for name, label, variable, _, key, prefix, _ in INSTRUMENTS:

        def at(e: Expr, prefix: str = prefix) -> Expr:
            return map_refs(
                e, lambda r: Ref(f"{prefix}_{r.name}") if f"{prefix}_{r.name}" in base else r
            )

        out += [
            item(
                f"{prefix}_outlay_usd_per_yr",
                f"State outlays at the breakeven {_phrase(label)}",
                "USD/yr",
                at(_OUTLAYS),
                f"The state's outlays with the {_phrase(label)} at its breakeven size alone.",
                section=COMPARISON,
            ),
            item(
                f"{prefix}_tax_gain_usd_per_yr",
                f"Extra tax at the breakeven {_phrase(label)}",
                "USD/yr",
                Ref(f"{prefix}_tax_usd_per_yr") - R("nosupport_tax_usd_per_yr"),
                "Tax paid at the breakeven size minus tax without support.",
                section=COMPARISON,
            ),
            metric(
                f"{name}_fiscal_cost_usd",
                f"{label}: fiscal cost at breakeven (PV)",
                "USD",
                SumProduct(Ref(f"{prefix}_outlay_usd_per_yr"), R("state_discount_factor"))
                - SumProduct(Ref(f"{prefix}_tax_gain_usd_per_yr"), R("state_discount_factor")),
                f"Present value at the state's rate of the outlays of the {_phrase(label)} at "
                "its breakeven size, less the extra tax collected (n/a: no size breaks even).",
                na_text="no size breaks it even",
            ),
            metric(
                f"{name}_fiscal_cost_usd_per_t",
                f"{label}: fiscal cost per tonne produced",
                "USD/t",
                SafeDiv(Ref(f"{name}_fiscal_cost_usd"), Sum(R("volume_t_per_yr"))),
                "Fiscal cost at breakeven over the tonnes produced in the timeline.",
                na_text="no size breaks it even",
            ),
            metric(
                f"{name}_budget_share",
                f"{label}: share of the budget",
                "1",
                SafeDiv(Ref(f"{name}_fiscal_cost_usd"), R("budget_usd")),
                "Fiscal cost at breakeven as a share of the programme budget.",
                display="percent",
                na_text="no size breaks it even",
            ),
            item(
                f"{name}_within_terms",
                f"{label}: breakeven size within its terms",
                "1",
                _within_terms(base, variable, key),
                f"Yes (1) when a size of the {_phrase(label)} breaks the project even and lies "
                "within what the instrument can give (from 0 to its largest size); no (0) "
                "otherwise.",
                shape="scalar",
                role="metric",
                display="yesno",
            ),
            item(
                f"{name}_sort_key_usd",
                f"{label}: fiscal cost as ranked",
                "USD",
                Func(
                    "IF",
                    (
                        Ref(f"{name}_within_terms"),
                        Ref(f"{name}_fiscal_cost_usd"),
                        R("no_instrument_cost_usd"),
                    ),
                ),
                "The fiscal cost at breakeven where the size is within the terms, else the "
                "sort key of an instrument that cannot break the project even (a working of "
                "the ranking, not an output: its placeholder is no cost).",
                shape="scalar",
            ),
        ]
    keys = [Ref(f"{spec[0]}_sort_key_usd") for spec in INSTRUMENTS]
    # Costs within the checks' tolerance of the budget are a tie, broken by
    # table order: a per-kg subsidy and a price floor at the same price cost
    # the same, and rounding must not rank them apart in one engine only.
    tie = R("check_tolerance") * R("budget_usd")
    for i, (name, label, *_) in enumerate(INSTRUMENTS):
        rank: Expr = Const(1.0)
        for j, other in enumerate(keys):
            if j != i:
                rank = rank + Flag(other < keys[i] - tie if j > i else other <= keys[i] + tie)
        out.append(
            metric(
                f"{name}_rank",
                f"{label}: rank (cheapest first)",
                "1",
                rank,
                "1 + the instruments ranked before it: those within their terms with a lower "
                "fiscal cost (costs within the checks' tolerance of the budget tie; ties in "
                "table order), then those that cannot break it even.",
                display="factor",
            )
        )
    budget = [k for k, spec in zip(keys, INSTRUMENTS, strict=True) if spec[0] not in OFF_BUDGET]
    out += [
        item(
            "cheapest_sort_key_usd",
            "Lowest fiscal cost among budget instruments, as ranked",
            "USD",
            Min(*budget),
            "The smallest ranked fiscal cost of the instruments paid from the budget (the "
            "tariff is paid by buyers); a working of the ranking, not an output.",
            shape="scalar",
        ),
        metric(
            "cheapest_fiscal_cost_usd",
            "Fiscal cost of the cheapest budget instrument (PV)",
            "USD",
            SafeDiv(
                R("cheapest_sort_key_usd"),
                Flag(R("cheapest_sort_key_usd") < R("no_instrument_cost_usd")),
            ),
            "The lowest fiscal cost at breakeven of an instrument paid from the budget whose "
            "breakeven size lies within its terms (n/a: none does).",
            headline=True,
            na_text="no budget instrument within its terms breaks it even",
        ),
        metric(
            "cheapest_budget_share",
            "Share of the budget the cheapest instrument uses",
            "1",
            SafeDiv(R("cheapest_fiscal_cost_usd"), R("budget_usd")),
            "Fiscal cost of the cheapest budget instrument over the programme budget.",
            headline=True,
            display="percent",
            na_text="no budget instrument within its terms breaks it even",
        ),
        metric(
            "projects_funded",
            "Projects like this one the budget funds (cheapest instrument)",
            "1",
            SafeDiv(R("budget_usd"), Max(R("cheapest_fiscal_cost_usd"), 0)),
            "Budget over the fiscal cost of the cheapest budget instrument: how many such "
            "projects it could break even (n/a: none can, or it costs the state nothing).",
            headline=True,
            display="factor",
            na_text="n/a (no instrument within its terms, or no net cost)",
        ),
    ]
    return tuple(
        dataclasses.replace(i, section=COMPARISON) if i.section != COMPARISON else i for i in out
    )


def _project(
    items: tuple[LineItem, ...],
    solves: tuple[Solve, ...] = _SOLVES,
    constants: tuple[Constant, ...] = (),
    tiles: tuple[str, ...] = _TILES,
) -> Model:
    return Model(
        "project",
        "Project cash flow, competitiveness gap and the state's instruments",
        (*_INPUTS, *COMMON_INPUTS),
        (*CONSTANTS, _NO_DEBT_DSCR, *constants),
        items,
        solves=solves,
        rules=_RULES,
        variants=(_NO_SUPPORT,),
        charts=(*_SUBSIDY_CHART, _CASH_CHART),
        default_metric="npv_usd",
        narrative=learning_sentence,
        tiles=tiles,
        index_brief=(
            "full_cost_gap_usd_per_kg",
            "breakeven_subsidy_usd_per_kg",
            "npv_usd",
            "budget_coverage_yr",
        ),
        compare=("full_cost_gap_usd_per_kg", "breakeven_subsidy_usd_per_kg", "npv_usd"),
        breakeven="breakeven_subsidy_usd_per_kg",
        events=(Event("npv_positive", "NPV > 0", "npv_usd", "positive"), *GAP_EVENTS),
    )


#: The project model: cash flow, levelized cost, breakeven subsidy, the
#: fiscal cost of the support as given.
PROJECT = _project(_ITEMS)


@functools.cache
def instrument_comparison() -> Model:
    """The project model with every instrument's breakeven size solved and
    its fiscal cost at that size: the instrument comparison
    (:mod:`econ.analysis.instruments`). Same inputs as :data:`PROJECT`; built
    on first use (it is large; :func:`econ.cache.comparison_model` keeps it
    on disk between processes)."""
    base = _project(_ITEMS, _ALL_SOLVES)
    return _project(
        (*_ITEMS, *_comparison(base)), _ALL_SOLVES, (*_size_limits(base), _NO_INSTRUMENT),
        _COMPARISON_TILES,
    )  # fmt: skip
