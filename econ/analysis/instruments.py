"""Which instrument closes the gap at least cost to the state.

For one project scenario: every instrument's breakeven size (the smallest
support at which the NPV to equity at the hurdle rate is 0, with no other
support), its fiscal cost at that size (present value at the state's rate of
the outlays, less the extra profit tax the state collects), the cost per
tonne produced and the share of the programme budget, cheapest first.

All of it comes from one evaluation of
:func:`econ.model.definition.project.instrument_comparison`: the project
model with a solve per instrument, each proven by its plug-back block.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from econ.cache import comparison_model
from econ.engine import scenario_arrays
from econ.model.definition.project import COMPARISON, INSTRUMENTS, OFF_BUDGET
from econ.model.evaluate import evaluate_model
from econ.model.schema import Model
from econ.scenario import Scenario, denominated

__all__ = [
    "InstrumentRow",
    "cheapest_instrument",
    "compare_instruments",
    "instrument_keys",
    "not_applicable",
    "with_comparison",
]


def instrument_keys(model: Model) -> set[str]:
    """The comparison's own metrics (each instrument's breakeven size, fiscal
    cost, rank...): details of the Instruments table, not of a headline."""
    out = {i.key for i in model.items_with("metric") if i.section == COMPARISON}
    return out | {spec[4] for spec in INSTRUMENTS if spec[4] in model}


def cheapest_instrument(values: dict[str, float]) -> str | None:
    """The label of the cheapest budget instrument whose breakeven size is
    within its terms, from one evaluation of the comparison (its ranks), or
    None (not a comparison, or no such instrument)."""
    best: tuple[float, str] | None = None
    for name, label, *_ in INSTRUMENTS:
        rank, within = values.get(f"{name}_rank"), values.get(f"{name}_within_terms")
        if rank is None or within != 1.0 or name in OFF_BUDGET:
            continue
        if best is None or rank < best[0]:
            best = (rank, label)
    return None if best is None else best[1]


def with_comparison(scenario: Scenario) -> Scenario:
    """``scenario`` with the instrument comparison in its model, for a
    project (every instrument's breakeven size, fiscal cost and ranking, the
    cheapest budget instrument): what a workbook, an HTML summary and
    ``econ show`` present. Other scenarios are returned as they are.

    The comparison solves one breakeven size per instrument, so it is
    evaluated for the outputs of one scenario, not in bulk (sweeps, Monte
    Carlo evaluate the project model alone)."""
    if scenario.model.name != "project" or "cheapest_fiscal_cost_usd" in scenario.model:
        return scenario
    in_rubles = tuple(sorted(a.given_as for a in scenario.assumptions.values() if a.given_as))
    return dataclasses.replace(scenario, model=denominated(comparison_model(), in_rubles))


@dataclass(frozen=True)
class InstrumentRow:
    """One instrument of the comparison (NaN: no size breaks the project even).

    Attributes:
        name: the instrument's key (``capex_grant``).
        label: its label.
        size_key: the input it sizes; ``size``/``size_unit``: the breakeven size.
        fiscal_cost_usd: PV at the state's rate of outlays less extra tax.
        fiscal_cost_usd_per_t: over the tonnes produced in the timeline.
        budget_share: fiscal cost over the programme budget.
        within_terms: the size lies within the input's domain (a grant of
            more than the capex, a relief of more than the duty is not one).
        not_applicable: why the instrument cannot act on this project as
            given ("" when it can): an interest-rate subsidy needs a
            commercial loan, a duty relief a duty on imported equipment.
    """

    name: str
    label: str
    size_key: str
    size: float
    size_unit: str
    fiscal_cost_usd: float
    fiscal_cost_usd_per_t: float
    budget_share: float
    within_terms: bool
    not_applicable: str = ""

    @property
    def feasible(self) -> bool:
        """A size the instrument can give breaks the project even."""
        return self.solved and self.within_terms

    @property
    def solved(self) -> bool:
        """Some size, possibly beyond what the instrument can give, breaks it even."""
        return math.isfinite(self.size) and math.isfinite(self.fiscal_cost_usd)


#: What an instrument acts on: the inputs whose product must be positive, and
#: the reason shown when it is not (the terms are the scenario's, not econ's).
NEEDS: dict[str, tuple[tuple[str, ...], str]] = {
    "interest_subsidy": (("loan_share",), "needs a commercial loan (loan_share is 0)"),
    "duty_relief": (
        ("import_duty_rate", "imported_equipment_share"),
        "no duty paid on imported equipment (import_duty_rate x imported_equipment_share is 0)",
    ),
}


def not_applicable(arrays: Mapping[str, ArrayLike], name: str) -> str:
    """Why instrument ``name`` has nothing to act on in a scenario's inputs
    (``arrays``: input values by key), or "" when it has."""
    keys, why = NEEDS.get(name, ((), ""))
    acts = np.prod([np.asarray(arrays[k], dtype=np.float64) for k in keys], axis=0) > 0
    return why if keys and not acts.any() else ""


def compare_instruments(scenario: Scenario) -> list[InstrumentRow]:
    """Every instrument for ``scenario`` (a project), cheapest first; those
    no size can break even last.

    Raises:
        ValueError: the scenario is not a project.
    """
    if scenario.model.name != "project":
        raise ValueError(
            f"{scenario.name}: instruments compare projects, not {scenario.model.name!r}"
        )
    model = with_comparison(scenario).model
    arrays = scenario_arrays([scenario])
    values = evaluate_model(model, arrays, scenario.start_year, scenario.horizon_yr)
    rows = []
    for name, label, variable, unit, key, _, _ in INSTRUMENTS:
        size = values[key][:1, :1]
        spec = model.input(variable)
        within = bool(
            spec.ok(size, scenario.start_year, scenario.start_year + scenario.horizon_yr - 1)[0, 0]
        )
        rows.append(
            InstrumentRow(
                name,
                label,
                variable,
                float(values[key][0, 0]),
                unit,
                float(values[f"{name}_fiscal_cost_usd"][0, 0]),
                float(values[f"{name}_fiscal_cost_usd_per_t"][0, 0]),
                float(values[f"{name}_budget_share"][0, 0]),
                within,
                not_applicable(arrays, name),
            )
        )
    return sorted(
        rows,
        key=lambda r: (not r.feasible, not r.solved, r.fiscal_cost_usd if r.solved else 0.0),
    )
