"""The state's instruments: their terms (inputs), and what they pay.

Each instrument's terms are inputs whose documented default switches it off;
its effect on the project's cash flow is in :mod:`.project` (the rows named
here); its cost to the state is a row of outlays, and the *fiscal cost* of
the support as a whole is the present value, at the state's own discount
rate, of every outlay (grants, subsidies, CfD payments, duty forgone, net
lending) less the extra profit tax the state collects because of the support
(the tax of the same project with every instrument switched off comes from
the graph: a :class:`~econ.model.schema.Variant`)::

    fiscal cost = sum_t (outlay_t + tax without support_t - tax_t) x DF_state_t

A tariff on competing imports costs the budget nothing; its cost falls on
buyers (``tariff_cost_to_buyers_usd``), reported apart.
"""

from __future__ import annotations

from econ.model.definition.financing import loan_inputs
from econ.model.schema import InputSpec

__all__ = ["INSTRUMENT_INPUTS", "INSTRUMENT_SWITCHES", "STATE_INPUTS"]

_OFF = "no such support unless the scenario gives it"

STATE_INPUTS = (
    InputSpec(
        "state_discount_rate",
        "State's discount rate",
        "1",
        "Discounts the state's outlays and tax receipts to the start of the timeline (the "
        "fiscal cost of support).",
        minimum=0,
        maximum=1,
        max_open=True,
        display="percent",
        default=0.05,
        default_reason="a real rate of the order of long government bond yields net of "
        "inflation and of social discount rates used in appraisal (3.5-7 %)",
    ),
    InputSpec(
        "grant_element_discount_rate",
        "Discount rate of the grant element",
        "1",
        "The reference rate of a loan's grant element: (face value - PV of debt service at "
        "this rate) / face value.",
        minimum=0,
        maximum=1,
        max_open=True,
        display="percent",
        default=0.05,
        default_reason="the IMF's unified discount rate for concessionality (5 %, since 2013)",
    ),
)

INSTRUMENT_INPUTS = (
    InputSpec(
        "production_subsidy_usd_per_kg",
        "Production subsidy paid",
        "USD/kg",
        "State payment per kg produced (taxable income).",
        minimum=0,
    ),
    InputSpec(
        "production_subsidy_yr",
        "Production subsidy: years paid",
        "yr",
        "Years from the first production year in which the per-kg subsidy is paid.",
        minimum=0,
        kind="whole",
        default=50.0,
        default_reason="paid in every production year of the timeline",
    ),
    InputSpec(
        "capex_grant_share",
        "Capex grant (share of capex)",
        "1",
        "The state pays this share of the capex as it is spent; the grant is not taxed and "
        "lowers the depreciable capex.",
        minimum=0,
        maximum=1,
        display="percent",
        default=0.0,
        default_reason=_OFF,
    ),
    *loan_inputs(
        "soft_loan",
        "Soft loan",
        0.03,
        "concessional state lending of the order of 1-5 % a year (Russia's Industrial "
        "Development Fund lends in that range)",
        _OFF,
    ),
    *loan_inputs(
        "loan",
        "Commercial loan",
        0.08,
        "a real commercial lending rate of the order of ProFAST's 8 % default",
        "no commercial debt unless the scenario gives it",
    ),
    InputSpec(
        "interest_subsidy_rate",
        "Interest-rate subsidy on the commercial loan",
        "1",
        "Points of the commercial loan's rate the state pays.",
        minimum=0,
        maximum=1,
        display="percent",
        default=0.0,
        default_reason=_OFF,
    ),
    InputSpec(
        "tax_holiday_yr",
        "Tax holiday: years",
        "yr",
        "Years of reduced profit tax, from the first year with a positive tax base.",
        minimum=0,
        kind="whole",
        default=0.0,
        default_reason=_OFF,
    ),
    InputSpec(
        "tax_holiday_rate",
        "Tax holiday: profit tax rate",
        "1",
        "The profit tax rate during the holiday (0: no tax).",
        minimum=0,
        maximum=1,
        max_open=True,
        display="percent",
        default=0.0,
        default_reason="a full holiday when one is given",
    ),
    InputSpec(
        "import_duty_rate",
        "Import duty on equipment",
        "1",
        "The duty included in the capex on imported equipment.",
        minimum=0,
        maximum=1,
        display="percent",
        default=0.0,
        default_reason="no duty on equipment unless the scenario gives it",
    ),
    InputSpec(
        "imported_equipment_share",
        "Imported share of capex",
        "1",
        "Share of the capex that is imported equipment paying the duty.",
        minimum=0,
        maximum=1,
        display="percent",
        default=0.0,
        default_reason="no imported equipment unless the scenario gives it",
    ),
    InputSpec(
        "duty_relief_share",
        "Import-duty relief (share of the duty waived)",
        "1",
        "The capex falls by relief x duty rate x imported share of capex.",
        minimum=0,
        maximum=1,
        display="percent",
        default=0.0,
        default_reason=_OFF,
    ),
    InputSpec(
        "import_tariff_rate",
        "Tariff on competing imports",
        "1",
        "Raises the domestic sale price by this share; buyers pay it, not the budget.",
        minimum=0,
        maximum=10,
        display="percent",
        default=0.0,
        default_reason=_OFF,
    ),
    InputSpec(
        "strike_price_usd_per_kg",
        "Price floor / CfD strike price",
        "USD/kg",
        "The state pays the strike price minus the sale price, per kg, when positive "
        "(taxable); 0: no floor.",
        minimum=0,
        default=0.0,
        default_reason=_OFF,
    ),
    InputSpec(
        "rd_grant_usd",
        "R&D grant",
        "USD",
        "A sum the state pays in one year (taxable).",
        minimum=0,
        default=0.0,
        default_reason=_OFF,
    ),
    InputSpec(
        "rd_grant_year",
        "R&D grant: year paid",
        "year",
        "The year the R&D grant is paid.",
        kind="year",
        default_from="construction_start_year",
        default_reason="paid in the first construction year",
    ),
)

#: Every instrument's size input with the value that switches it off.
INSTRUMENT_SWITCHES: tuple[tuple[str, float], ...] = (
    ("production_subsidy_usd_per_kg", 0.0),
    ("capex_grant_share", 0.0),
    ("soft_loan_share", 0.0),
    ("interest_subsidy_rate", 0.0),
    ("tax_holiday_yr", 0.0),
    ("duty_relief_share", 0.0),
    ("import_tariff_rate", 0.0),
    ("strike_price_usd_per_kg", 0.0),
    ("rd_grant_usd", 0.0),
)
