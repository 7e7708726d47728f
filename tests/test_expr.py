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
from econ.model.definition import NATIONAL, PROJECT, Model
from econ.model.expr import FormulaContext, RowMax, to_formula
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
}


def _plain_items(model: Model) -> list[str]:
    skip = ("SUM(", "INDEX(", "SUMPRODUCT(", "IRR(", "MATCH(", "COLUMNS(", "running")
    out = []
    for item in model.items:
        text = to_formula(item.expr, PLAIN)
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
    from econ.model.expr import Ref

    assert to_formula(-(Ref("a") ** Ref("b")), PLAIN) == "-(a^b)"
    assert to_formula(Ref("a") - (Ref("b") - Ref("c")), PLAIN) == "a-(b-c)"
    assert to_formula((Ref("a") / Ref("b")) / Ref("c"), PLAIN) == "a/b/c"
    assert to_formula(Ref("a") / (Ref("b") * Ref("c")), PLAIN) == "a/(b*c)"
