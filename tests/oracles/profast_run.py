"""Run NREL's ProFAST on project descriptions read as JSON on stdin; print its results as JSON.

This script runs in the oracle's own virtual environment (``.venv-profast``, built by
``make .venv-profast/.installed``), never in econ's: econ does not depend on ProFAST, and
ProFAST is imported here only. ``tests/test_profast.py`` calls it through ``subprocess``.

Input: a JSON list of cases, each a ProFAST set-up in the layout of ProFAST's own
``tools.create_and_populate_profast`` (``params``: ``set_params`` name -> value;
``capital_items``, ``feedstocks``, ``fixed_costs``, ``incentives``: name -> the keyword
arguments of ``add_capital_item`` ...; yearly values as ``{"2027": value}``), plus
``"rows"``: the ProFAST cash-flow rows to return, and ``"npv_at_prices"``: prices to
evaluate ``cash_flow()`` at.

Output: a JSON list, per case: ``npv`` (``cash_flow()`` at the commodity's initial price),
the chosen ``rows`` of that cash flow, ``npv_at_prices`` (the NPV at each price asked),
and ``solve`` (``solve_price()``: ``price``, ``lco``,
``npv``), or ``error`` with ProFAST's message.
"""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Any

import numpy as np
import ProFAST


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as JSON numbers and lists."""
    if isinstance(value, np.ndarray | list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    pf = ProFAST.ProFAST()
    for name, value in case.get("params", {}).items():
        pf.set_params(name, value)
    for name, kw in case.get("capital_items", {}).items():
        pf.add_capital_item(name=name, **kw)
    for name, kw in case.get("feedstocks", {}).items():
        pf.add_feedstock(name=name, **kw)
    for name, kw in case.get("fixed_costs", {}).items():
        pf.add_fixed_cost(name=name, **kw)
    for name, kw in case.get("incentives", {}).items():
        pf.add_incentive(name=name, **kw)
    npv = pf.cash_flow()
    rows = {k: _plain(pf.cash_flow_out[k]) for k in ["Year", *case.get("rows", [])]}
    npv_at = []
    for price in case.get("npv_at_prices", []):
        commodity = dict(pf.vals["commodity"], **{"initial price": price})
        pf.set_params("commodity", commodity)
        npv_at.append(float(pf.cash_flow()))
    sol = pf.solve_price()
    return {
        "npv": float(npv),
        "rows": rows,
        "npv_at_prices": npv_at,
        "solve": {"price": float(sol["price"]), "lco": float(sol["lco"]), "npv": float(sol["NPV"])},
    }


def main() -> int:
    cases = json.load(sys.stdin)
    out = []
    for case in cases:
        try:
            with contextlib.redirect_stdout(sys.stderr):  # stdout carries the JSON only
                out.append(run_case(case))
        except Exception as exc:  # ProFAST's own message, for the test to show
            out.append({"error": f"{type(exc).__name__}: {exc}"})
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
