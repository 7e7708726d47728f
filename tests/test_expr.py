"""One definition, two backends: the Excel rendering means what numpy computes.

The rendered formula text of each plain arithmetic line item is evaluated by
a tiny independent interpreter (Excel operators mapped to Python) with the
engine's values of the names it refers to; the result must equal the
engine's own value for that item, year by year.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import econ
from econ.model.definition import NATIONAL, PROJECT
from econ.model.excel_backend import FormulaContext, to_formula
from econ.model.expr import (
    ALL_NODE_TYPES,
    Const,
    Expr,
    Max,
    Node,
    Ref,
    RowMax,
    SafeDiv,
    Sum,
    degree,
    substitute,
)
from econ.model.schema import Constant, InputSpec, LineItem, Model
from econ.model.units import UnitMismatch, parse
from tests.conftest import SEEDS

PLAIN = FormulaContext.plain()


def test_gap_and_subsidy_lines_render_from_their_definition() -> None:
    assert to_formula(NATIONAL["gap_usd_per_kg"].expr, PLAIN) == (  # type: ignore[union-attr]
        "unit_cost_usd_per_kg-benchmark_cost_usd_per_kg"
    )
    assert to_formula(NATIONAL["subsidy_usd_per_kg"].expr, PLAIN) == "MAX(gap_usd_per_kg,0)"  # type: ignore[union-attr]
    assert to_formula(NATIONAL["subsidy_usd_per_yr"].expr, PLAIN) == (  # type: ignore[union-attr]
        "subsidy_usd_per_kg*volume_kg_per_yr"
    )


def _excel_to_python(formula: str) -> str:
    text = formula.replace("^", "**").replace("<>", "!=")
    text = re.sub(r"(?<![<>!=])=(?!=)", "==", text)
    return text


_FUNCS = {
    "MAX": max,
    "MIN": min,
    "IF": lambda c, a, b: a if c else b,
    "AND": lambda *a: all(a),
    "LOG": lambda x, b: math.log(x) / math.log(b),
    "ABS": abs,
    "ISNUMBER": lambda x: isinstance(x, float) and not math.isnan(x),
    "ISNA": lambda x: isinstance(x, float) and math.isnan(x),
}


def _plain_items(model: Model) -> list[str]:
    skip = ("SUM(", "INDEX(", "SUMPRODUCT(", "IRR(", "MATCH(", "COLUMNS(", "running", "NA()")
    out = []
    for item in model.items:
        if item.solved:
            continue  # an engine-held value: its plug-back block is what renders
        try:
            text = to_formula(item.expr, PLAIN)
        except ValueError:
            continue  # reads a previous year: rendered only along a timeline row
        if not any(s in text for s in skip) and not isinstance(item.expr, RowMax):
            out.append(item.key)
    return out


@pytest.mark.parametrize(
    ("model", "seed"),
    [(NATIONAL, "national_ree_gap.toml"), (PROJECT, "solikamsk_separation.toml")],
)
def test_rendered_formulas_recompute_the_engine(model: Model, seed: str) -> None:
    sc = econ.load_scenario(SEEDS / seed)
    r = econ.evaluate(sc)
    keys = _plain_items(model)
    assert {"gap_usd_per_kg", "subsidy_usd_per_kg", "subsidy_usd_per_yr"} <= set(keys)
    if model is PROJECT:  # the substituted plug-back rows render and recompute too
        assert {"lcop_revenue_usd_per_yr", "bes_net_cash_flow_usd_per_yr"} <= set(keys)
    for key in keys:
        item = model[key]
        code = _excel_to_python(to_formula(item.expr, PLAIN))  # type: ignore[union-attr]
        for col in range(sc.horizon_yr):
            env: dict[str, object] = dict(_FUNCS)
            for name, value in r.values.items():
                arr = (
                    np.broadcast_to(value[0], (sc.horizon_yr,)) if value.shape[1] > 1 else value[0]
                )
                env[name] = float(arr[col] if value.shape[1] > 1 else arr[0])
            got = eval(code, {"__builtins__": {}}, env)
            want = float(
                np.broadcast_to(r.values[key][0], (r.values[key].shape[1],))[
                    col if r.values[key].shape[1] > 1 else 0
                ]
            )
            assert float(got) == pytest.approx(want, rel=1e-12, abs=1e-12), (key, col)


def test_unary_minus_is_bracketed_for_excel_precedence() -> None:
    assert to_formula(-(Ref("a") ** Ref("b")), PLAIN) == "-(a^b)"
    assert to_formula(Ref("a") - (Ref("b") - Ref("c")), PLAIN) == "a-(b-c)"
    assert to_formula((Ref("a") / Ref("b")) / Ref("c"), PLAIN) == "a/b/c"
    assert to_formula(Ref("a") / (Ref("b") * Ref("c")), PLAIN) == "a/(b*c)"


# ---------------------------------------------------------------------------
# The graph
# ---------------------------------------------------------------------------


def test_every_node_type_is_in_the_union_the_backends_match() -> None:
    """mypy proves each backend's match exhaustive over Node; this proves Node
    lists every node class, so a new node cannot slip past the backends."""
    import typing

    def subclasses(cls: type) -> set[type]:
        out = set()
        for sub in cls.__subclasses__():
            out |= {sub, *subclasses(sub)}
        return out

    assert subclasses(Expr) == set(typing.get_args(Node)) == set(ALL_NODE_TYPES)


def _toy(items: tuple[LineItem, ...]) -> Model:
    inputs = (
        InputSpec("price_usd_per_kg", "Price", "USD/kg", "doc", minimum=0),
        InputSpec("volume_kg_per_yr", "Volume", "kg/yr", "doc", minimum=0),
    )
    const = (Constant("check_tolerance", "tol", "1", 1e-9, "doc"),)
    return Model("toy", "Toy", inputs, const, items)


def test_items_are_ordered_by_their_dependencies_not_their_listing() -> None:
    revenue = LineItem(
        "revenue_usd_per_yr",
        "Revenue",
        "USD/yr",
        Ref("price_usd_per_kg") * Ref("volume_kg_per_yr"),
        "d",
    )
    total = LineItem("total_usd", "Total", "USD", Sum(Ref("revenue_usd_per_yr")), "d", "scalar")
    model = _toy((total, revenue))  # listed backwards
    keys = [i.key for i in model.items]
    assert keys.index("revenue_usd_per_yr") < keys.index("total_usd")


def test_a_cycle_is_refused_with_its_names() -> None:
    a = LineItem("a_usd_per_yr", "A", "USD/yr", Ref("b_usd_per_yr") + 0, "d")
    b = LineItem("b_usd_per_yr", "B", "USD/yr", Ref("a_usd_per_yr") + 0, "d")
    with pytest.raises(ValueError, match=r"circular definition among .*a_usd_per_yr"):
        _toy((a, b))


@pytest.mark.parametrize(
    ("expr", "declared", "message"),
    [
        # revenue_usd was USD/kg x kg/yr: a yearly amount, not an amount
        (Ref("price_usd_per_kg") * Ref("volume_kg_per_yr"), "USD", "declared unit 'USD' but"),
        # adding a stock to a flow
        (Ref("price_usd_per_kg") + Ref("volume_kg_per_yr"), "USD/kg", r"'\+' of USD/kg and kg/yr"),
    ],
)
def test_a_unit_that_the_expression_does_not_have_is_an_error(
    expr: Expr, declared: str, message: str
) -> None:
    with pytest.raises(UnitMismatch, match=message) as info:
        _toy((LineItem("x_usd", "X", declared, expr, "d"),))
    assert "toy.x_usd" in str(info.value)


def test_every_declared_unit_is_read_alike_by_pint() -> None:
    """Our unit algebra keeps t and kg apart (so a missing kg_per_t is caught);
    pint, which converts scenario files, must agree on each unit's dimension."""
    from econ.units import _registry

    ureg = _registry()
    dims = {"USD": "[currency_usd]", "RUB": "[currency_rub]", "kg": "[mass]", "t": "[mass]"}
    dims["yr"] = "[time]"
    for model in (NATIONAL, PROJECT):
        for obj in (*model.inputs, *model.constants, *model.items):
            if obj.unit in ("year", "1"):
                continue
            ours = parse(obj.unit)
            expected: dict[str, float] = {}
            for sym, power in ours.powers:
                expected[dims[sym]] = expected.get(dims[sym], 0) + power
            expected = {k: v for k, v in expected.items() if v}
            theirs = dict(ureg.parse_units(obj.unit).dimensionality)
            assert theirs == expected, (obj.key, obj.unit)


def test_substitute_and_degree() -> None:
    e = Max(Ref("a") - Ref("b"), 0) * Ref("v")
    assert str(substitute(e, {"b": Const(2.0)})) == "MAX(a-2,0)*v"
    assert degree(e, "v") == 1
    assert degree(e, "a") is None  # MAX of a dependent term: not affine
    assert degree(SafeDiv(Ref("x"), Ref("y")), "y") is None
    assert degree(Ref("x") * Ref("x"), "x") is None
