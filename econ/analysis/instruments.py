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

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from econ.engine import scenario_arrays
from econ.model.definition.project import INSTRUMENTS, instrument_comparison
from econ.model.evaluate import evaluate_model
from econ.scenario import Scenario, denominated

__all__ = ["InstrumentRow", "compare_instruments"]


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


def _not_applicable(arrays: Mapping[str, ArrayLike], name: str) -> str:
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
    in_rubles = tuple(sorted(a.given_as for a in scenario.assumptions.values() if a.given_as))
    model = denominated(instrument_comparison(), in_rubles)
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
                _not_applicable(arrays, name),
            )
        )
    return sorted(
        rows,
        key=lambda r: (not r.feasible, not r.solved, r.fiscal_cost_usd if r.solved else 0.0),
    )
