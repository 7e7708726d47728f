"""Profit tax with losses carried forward (the stand-alone default) or
credited at once (a project inside a profitable group).

Rule, in yearly amounts (``t`` a year, ``c`` the credit switch, ``k`` the
cap on the share of a year's profit that old losses may offset)::

    income_t  = taxable income before losses (negative: a loss)
    profit_t  = max(income_t, 0);  loss_t = max(-income_t, 0)
    used_t    = (1 - c) * min(pool_{t-1}, k * profit_t)
    pool_t    = pool_{t-1} + (1 - c) * loss_t - used_t          (pool_0 = 0)
    base_t    = c * income_t + (1 - c) * (profit_t - used_t)
    tax_t     = rate * base_t        (negative only with the credit: c = 1)

Worked example (rate 20 %, no cap): income -100, then +60, then +60. Year 1
pays 0 and carries 100; year 2 offsets 60 (pays 0, carries 40); year 3
offsets 40 and pays 20 % x 20 = 4. With the credit instead: -20, 12, 12.
"""

from __future__ import annotations

from econ.model.definition._common import R, check, item
from econ.model.expr import Check, Const, CumSum, Expr, Flag, Last, Max, Min, Prev, Sum
from econ.model.schema import InputSpec, LineItem

__all__ = ["TAX", "TAX_INPUTS", "tax_checks", "tax_items"]

TAX = "Profit tax"

TAX_INPUTS = (
    InputSpec(
        "tax_rate",
        "Profit tax rate",
        "1",
        "Applied to taxable income after losses brought forward.",
        minimum=0,
        maximum=1,
        max_open=True,
        display="percent",
    ),
    InputSpec(
        "loss_credit_flag",
        "Losses credited at once (1) or carried forward (0)",
        "1",
        "1: a loss earns an immediate tax credit against the owner's other profits (a project "
        "inside a profitable group); 0: losses are carried forward and offset later profits.",
        minimum=0,
        maximum=1,
        kind="whole",
        display="flag",
        default=0.0,
        default_reason="a stand-alone project has no other profits: its losses are carried "
        "forward (set 1 for a project inside a profitable group)",
    ),
    InputSpec(
        "loss_offset_cap_share",
        "Cap on the share of a year's profit old losses may offset",
        "1",
        "Losses brought forward reduce a year's taxable profit by at most this share of it.",
        minimum=0,
        maximum=1,
        display="percent",
        default=1.0,
        default_reason="no cap; Russia's profit tax caps the offset at 50 % of the year's tax "
        "base (Tax Code art. 283 p. 2.1): give 0.5 for a Russian project",
    ),
)


def tax_items(taxable_income: Expr) -> tuple[LineItem, ...]:
    """The tax rows, given the formula of taxable income before losses."""
    carry = 1 - R("loss_credit_flag")
    return (
        item(
            "taxable_income_usd_per_yr",
            "Taxable income before losses",
            "USD/yr",
            taxable_income,
            "Revenue and support less operating cost, royalty, sustaining capex, depreciation "
            "and decommissioning, plus salvage (negative: a loss).",
            section=TAX,
        ),
        item(
            "profit_usd_per_yr",
            "Taxable profit before losses",
            "USD/yr",
            Max(R("taxable_income_usd_per_yr"), 0),
            "The positive part of taxable income.",
            section=TAX,
        ),
        item(
            "loss_usd_per_yr",
            "Tax loss",
            "USD/yr",
            Max(-R("taxable_income_usd_per_yr"), 0),
            "The negative part of taxable income, as a positive amount.",
            section=TAX,
        ),
        item(
            "loss_carried_usd_per_yr",
            "Loss carried forward",
            "USD/yr",
            carry * R("loss_usd_per_yr"),
            "The year's loss added to the pool (0 when losses are credited at once).",
            section=TAX,
        ),
        item(
            "loss_used_usd_per_yr",
            "Losses brought forward, offset",
            "USD/yr",
            carry
            * Min(
                Prev(R("loss_pool_usd"), Const(0.0)) / R("year_length_yr"),
                R("loss_offset_cap_share") * R("profit_usd_per_yr"),
            ),
            "Losses from earlier years that reduce this year's profit, up to the cap.",
            section=TAX,
        ),
        item(
            "loss_pool_usd",
            "Losses carried forward (end of year)",
            "USD",
            Prev(R("loss_pool_usd"), Const(0.0))
            + (R("loss_carried_usd_per_yr") - R("loss_used_usd_per_yr")) * R("year_length_yr"),
            "Unused losses at the end of the year: last year's pool plus the year's loss "
            "less the losses offset.",
            section=TAX,
        ),
        item(
            "tax_base_usd_per_yr",
            "Tax base",
            "USD/yr",
            R("loss_credit_flag") * R("taxable_income_usd_per_yr")
            + carry * (R("profit_usd_per_yr") - R("loss_used_usd_per_yr")),
            "Taxable profit after losses brought forward (with the credit: taxable income, "
            "negative in a loss year).",
            section=TAX,
        ),
        item(
            "taxpaying_flag",
            "Positive tax base",
            "1",
            Flag(R("tax_base_usd_per_yr") > 0),
            "1 in the years with a positive tax base.",
            section=TAX,
            display="flag",
        ),
        item(
            "tax_holiday_started_flag",
            "Taxpaying years have begun",
            "1",
            Flag(CumSum(R("taxpaying_flag")) > 0),
            "1 from the first year with a positive tax base: the tax holiday counts from it.",
            section=TAX,
            display="flag",
        ),
        item(
            "tax_holiday_flag",
            "Tax holiday year",
            "1",
            R("tax_holiday_started_flag")
            * Flag(CumSum(R("tax_holiday_started_flag")) <= R("tax_holiday_yr")),
            "1 in the first 'tax_holiday_yr' years from the first positive tax base.",
            section=TAX,
            display="flag",
        ),
        item(
            "tax_rate_applied",
            "Profit tax rate applied",
            "1",
            R("tax_rate") - R("tax_holiday_flag") * Max(R("tax_rate") - R("tax_holiday_rate"), 0),
            "The tax rate, or the holiday's rate in holiday years.",
            section=TAX,
            display="percent",
        ),
        item(
            "tax_usd_per_yr",
            "Profit tax (negative: credit)",
            "USD/yr",
            R("tax_rate_applied") * R("tax_base_usd_per_yr"),
            "Tax rate applied times the tax base.",
            section=TAX,
        ),
    )


def tax_checks() -> tuple[LineItem, ...]:
    """Identities of the loss pool."""
    return (
        check(
            "check_loss_pool",
            "Losses carried = losses offset + losses left at the end",
            Check(
                Sum(R("loss_carried_usd_per_yr")),
                Sum(R("loss_used_usd_per_yr")) + Last(R("loss_pool_usd")),
            ),
            "Every loss carried forward is either offset against a later profit or still in "
            "the pool at the end of the timeline.",
        ),
    )
