"""Evaluate scenarios and hand back pandas tables with units in their names.

>>> from econ import load_scenario, evaluate
>>> results = evaluate(load_scenario("seeds/national_ree_gap.toml"))  # doctest: +SKIP
>>> results.metrics()                                                   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

import econ.cache  # noqa: F401  (compiled kernels kept between processes)
from econ.errors import InputError
from econ.model.evaluate import evaluate_model
from econ.model.schema import LineItem, Model
from econ.model.validate import input_problems
from econ.scenario import Scenario, _unknown_override

if TYPE_CHECKING:  # pandas is imported where a table is made: `econ show` never needs it
    import pandas as pd

__all__ = ["Results", "column_name", "evaluate", "evaluate_many", "scenario_arrays"]

Array = NDArray[np.float64]


def column_name(item: LineItem) -> str:
    """``"Competitiveness gap [USD/kg]"``: the label with its unit."""
    unit = {"flag": "0/1", "yesno": "0/1", "percent": "fraction"}.get(item.display, item.unit)
    return f"{item.label} [{unit}]"


class Numbered(Sequence[str]):
    """The names ``"base#0"``, ``"base#1"``, ... of S variations, made when
    read (a Monte Carlo chunk of 10^6 draws does not build 10^6 strings)."""

    def __init__(self, base: str, size: int) -> None:
        self.base, self.size = base, size

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...
    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self.size))]
        if not -self.size <= i < self.size:
            raise IndexError(i)
        return f"{self.base}#{i % self.size}"

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Results:
    """Every line item of a model, evaluated for S scenarios.

    Attributes:
        model: the model evaluated.
        names: the S scenario names.
        years: the Y calendar years.
        values: every input and line item by key, shape ``(S, 1)`` or
            ``(S, Y)`` (or ``(1, ...)`` when the same for all scenarios).
    """

    model: Model
    names: Sequence[str]
    years: tuple[int, ...]
    values: Mapping[str, Array]

    def __len__(self) -> int:
        return len(self.names)

    def metric(self, key: str) -> Array:
        """One scalar line item for every scenario: shape ``(S,)``."""
        value = self.values[key]
        if value.shape[1] != 1:
            raise KeyError(f"{key!r} is a timeline row, not a scalar")
        return np.broadcast_to(value[:, 0], (len(self.names),))

    def row(self, key: str, scenario: int = 0) -> Array:
        """One timeline row of one scenario: shape ``(Y,)``."""
        value = self.values[key]
        return np.broadcast_to(value[min(scenario, value.shape[0] - 1)], (len(self.years),))

    def metrics(self, *, role: str = "metric") -> pd.DataFrame:
        """Key metrics, one row per scenario, columns ``"Label [unit]"``."""
        import pandas as pd

        items = self.model.items_with(role)  # type: ignore[arg-type]
        data = {column_name(i): self.metric(i.key) for i in items}
        return pd.DataFrame(data, index=pd.Index(self.names, name="scenario"))

    def table(self, scenario: int = 0) -> pd.DataFrame:
        """The yearly table of one scenario: index year, one column per row item."""
        import pandas as pd

        items = [i for i in self.model.items if i.shape == "series"]
        data = {column_name(i): self.row(i.key, scenario) for i in items}
        return pd.DataFrame(data, index=pd.Index(self.years, name="year"))

    def scalars(self, scenario: int = 0) -> dict[str, float]:
        """Every scalar (inputs given as one number, calculations, metrics,
        checks) of one scenario by key."""
        out: dict[str, float] = {}
        for key, value in self.values.items():
            if value.shape[1] == 1:
                out[key] = float(value[min(scenario, value.shape[0] - 1), 0])
        return out


def scenario_arrays(scenarios: Sequence[Scenario]) -> dict[str, Array]:
    """Stack the inputs of scenarios sharing a model and timeline:
    ``(S, 1)`` per input, or ``(S, Y)`` where any scenario gives a series."""
    first = scenarios[0]
    for sc in scenarios[1:]:
        if (sc.model.input_keys, sc.start_year, sc.horizon_yr) != (
            first.model.input_keys,
            first.start_year,
            first.horizon_yr,
        ):
            raise ValueError(
                "scenarios evaluated together must share model and timeline; "
                f"{sc.name!r} differs from {first.name!r}"
            )
    arrays: dict[str, Array] = {}
    for key in first.model.input_keys:
        vals = [sc.value(key) for sc in scenarios]
        if any(isinstance(v, tuple) for v in vals):
            arrays[key] = np.array(
                [np.broadcast_to(np.asarray(v, float), (first.horizon_yr,)) for v in vals]
            )
        else:
            arrays[key] = np.array(vals, dtype=np.float64).reshape(-1, 1)
    return arrays


def evaluate(
    scenario: Scenario,
    overrides: Mapping[str, ArrayLike] | None = None,
    *,
    items: Collection[str] | None = None,
    kernels: bool | None = None,
) -> Results:
    """Evaluate one scenario, or S variations of it at once.

    Args:
        scenario: the base scenario.
        overrides: input values replacing the scenario's, in canonical units;
            each a scalar, shape ``(S,)`` or ``(S, Y)``. All arrays share S.
            Values are checked against the model's domains.
        items: evaluate only these line items and what they read (default:
            all); ``Results.values`` then holds only those.
        kernels: evaluate with compiled kernels (default: from 2,048
            variations; see :func:`econ.model.evaluate.evaluate_model`).

    Returns:
        Results with one row per variation (``S`` = 1 without overrides).

    Raises:
        InputError: an unknown key or a value outside its domain.
    """
    arrays: dict[str, ArrayLike] = dict(scenario_arrays([scenario]))
    size = 1
    for key, value in (overrides or {}).items():
        if key not in arrays:
            raise InputError(scenario.path, key, _unknown_override(scenario, key))
        arr = np.asarray(value, dtype=np.float64)
        arrays[key] = arr
        size = max(size, arr.shape[0] if arr.ndim else 1)
    for key, origin in scenario.followers(overrides or {}).items():
        arrays[key] = arrays[origin]  # a default that copies an overridden input follows it
    if overrides:
        problems = input_problems(
            scenario.model, arrays, scenario.start_year, scenario.horizon_yr, keys=set(overrides)
        )
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            where = errors[0].key if size == 1 else f"{errors[0].key}[{errors[0].scenario}]"
            raise InputError(scenario.path, where, errors[0].message)
    values = evaluate_model(
        scenario.model,
        arrays,
        scenario.start_year,
        scenario.horizon_yr,
        items=items,
        kernels=kernels,
    )
    names = (scenario.name,) if size == 1 else Numbered(scenario.name, size)
    return Results(scenario.model, names, tuple(scenario.years), values)


def evaluate_many(scenarios: Sequence[Scenario]) -> Results:
    """Evaluate scenarios that share a model and timeline in one vectorized call."""
    if not scenarios:
        raise ValueError("no scenarios to evaluate")
    first = scenarios[0]
    if any(s.model != first.model for s in scenarios[1:]):
        raise ValueError("scenarios evaluated together must share their model (and currencies)")
    values = evaluate_model(
        first.model, scenario_arrays(scenarios), first.start_year, first.horizon_yr
    )
    return Results(first.model, tuple(s.name for s in scenarios), tuple(first.years), values)
