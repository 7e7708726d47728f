"""Loans: a debt schedule defined once and instantiated per loan.

A loan lends a share of the capex as it is spent (drawn at the end of each
construction year), charges interest on the balance at the start of the year,
is interest-only for ``grace_yr`` years from the first production year, then
is repaid in equal instalments of principal over ``repayment_yr`` years; what
is still owed in the project's final year is repaid then::

    draw_t      = share x capex_t
    interest_t  = rate x balance_{t-1}
    repay_t     = min(balance_{t-1} + draw_t, principal / repayment_yr)  in repayment years
                = balance_{t-1} + draw_t                                   in the final year
    balance_t   = balance_{t-1} + draw_t - repay_t                        (balance_0 = 0)

Worked example: 100 lent in one year at 3 %, no grace, two repayment years:
interest 3 then 1.5, repayments 50 and 50.
"""

from __future__ import annotations

from econ.model.definition._common import R, item
from econ.model.expr import And, Const, Expr, Flag, Min, Prev, Sum
from econ.model.schema import InputSpec, LineItem

__all__ = ["FINANCING", "loan_inputs", "loan_items"]

FINANCING = "Financing"
YL = R("year_length_yr")


def loan_inputs(
    name: str, label: str, rate_default: float, rate_reason: str, share_reason: str
) -> tuple[InputSpec, ...]:
    """The four terms of a loan named ``name`` (``soft_loan``, ``loan``)."""
    return (
        InputSpec(
            f"{name}_share",
            f"{label}: share of capex lent",
            "1",
            f"The {label.lower()} lends this share of the capex as it is spent.",
            minimum=0,
            maximum=1,
            display="percent",
            default=0.0,
            default_reason=share_reason,
        ),
        InputSpec(
            f"{name}_rate",
            f"{label}: interest rate",
            "1",
            "Yearly interest on the balance at the start of the year (real in a real model, "
            "nominal with inflation).",
            minimum=0,
            maximum=1,
            max_open=True,
            display="percent",
            default=rate_default,
            default_reason=rate_reason,
        ),
        InputSpec(
            f"{name}_grace_yr",
            f"{label}: grace period",
            "yr",
            "Interest-only years from the first production year.",
            minimum=0,
            kind="whole",
            default=2.0,
            default_reason="two interest-only years while output ramps up, a common term",
        ),
        InputSpec(
            f"{name}_repayment_yr",
            f"{label}: repayment period",
            "yr",
            "Years of equal principal instalments after the grace period.",
            minimum=1,
            kind="whole",
            default=10.0,
            default_reason="ten years of instalments, a common project-loan tenor",
        ),
    )


def loan_items(name: str, label: str, rate: Expr | None = None) -> tuple[LineItem, ...]:
    """The debt schedule of loan ``name``; ``rate`` is the rate the project
    pays (default: the loan's own rate input)."""
    paid_rate = R(f"{name}_rate") if rate is None else rate
    start = R("first_production_year") + R(f"{name}_grace_yr")
    owed = Prev(R(f"{name}_balance_usd"), Const(0.0)) / YL + R(f"{name}_draw_usd_per_yr")
    return (
        item(
            f"{name}_draw_usd_per_yr",
            f"{label}: drawn",
            "USD/yr",
            R(f"{name}_share") * R("capex_spend_usd_per_yr"),
            "The share of the year's capex lent.",
            section=FINANCING,
        ),
        item(
            f"{name}_principal_usd",
            f"{label}: principal",
            "USD",
            Sum(R(f"{name}_draw_usd_per_yr")),
            "Everything drawn.",
            section=FINANCING,
            shape="scalar",
        ),
        item(
            f"{name}_repayment_flag",
            f"{label}: repayment year",
            "1",
            Flag(And(R("year") >= start, R("year") < start + R(f"{name}_repayment_yr"))),
            "1 in the years of equal instalments.",
            section=FINANCING,
            display="flag",
        ),
        item(
            f"{name}_repayment_usd_per_yr",
            f"{label}: principal repaid",
            "USD/yr",
            R("final_flag") * owed
            + (1 - R("final_flag"))
            * R(f"{name}_repayment_flag")
            * Min(owed, R(f"{name}_principal_usd") / R(f"{name}_repayment_yr")),
            "An equal instalment in repayment years; everything still owed in the final year.",
            section=FINANCING,
        ),
        item(
            f"{name}_balance_usd",
            f"{label}: balance (end of year)",
            "USD",
            Prev(R(f"{name}_balance_usd"), Const(0.0))
            + (R(f"{name}_draw_usd_per_yr") - R(f"{name}_repayment_usd_per_yr")) * YL,
            "Last year's balance plus the year's drawing less the year's repayment.",
            section=FINANCING,
        ),
        item(
            f"{name}_interest_usd_per_yr",
            f"{label}: interest paid by the project",
            "USD/yr",
            paid_rate * Prev(R(f"{name}_balance_usd"), Const(0.0)) / YL,
            "Rate times the balance at the start of the year.",
            section=FINANCING,
        ),
    )
