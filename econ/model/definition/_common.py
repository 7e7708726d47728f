"""Building blocks every model file uses: item constructors, section names,
named constants."""

from __future__ import annotations

from econ.model.expr import Expr, Ref
from econ.model.schema import Constant, Display, LineItem, Role, Shape

R = Ref

CONSTANTS = (
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
        display="scientific",
    ),
)

# ---------------------------------------------------------------------------


def item(
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


def metric(
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
    return item(
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


def check(key: str, label: str, expr: Expr, doc: str) -> LineItem:
    return item(key, label, "1", expr, doc, shape="scalar", role="check", display="flag")


VOLUME, GAP, BUDGET, FLAGS, CASH = (
    "Volume",
    "Learning and competitiveness gap",
    "Subsidy and budget",
    "Timeline flags",
    "Cash flow",
)
NEVER = "not within the horizon"
NOT_NEEDED = "no subsidy needed"
