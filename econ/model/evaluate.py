"""Backend 1: evaluate a model over many scenarios at once with numpy.

Pure: arrays in, arrays out, no files, no clock. Scalars per scenario have
shape ``(S, 1)``, timeline rows ``(S, Y)``; numpy broadcasting does the rest,
so 100,000 scenarios cost one pass over each line item.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from econ.model.definition import Model
from econ.model.expr import evaluate

__all__ = ["evaluate_model"]

Array = NDArray[np.float64]


def evaluate_model(
    model: Model, inputs: Mapping[str, ArrayLike], start_year: int, n_years: int
) -> dict[str, Array]:
    """Evaluate every line item of ``model``.

    Args:
        model: the model definition.
        inputs: every input by key, each a scalar, shape ``(S,)`` (one value
            per scenario) or ``(S, Y)`` (per scenario and year).
        start_year: first calendar year of the timeline.
        n_years: Y, the number of years.

    Returns:
        Every input, constant, ``year``, ``period`` and line item by key:
        ``(S, 1)`` or ``(1, 1)`` for scalars, ``(S, Y)`` or ``(1, Y)`` for rows.

    >>> from econ.model.definition import NATIONAL
    >>> v = {k: 0.0 for k in NATIONAL.input_keys}
    >>> v.update(domestic_cost_usd_per_kg=20.0, benchmark_cost_usd_per_kg=11.5,
    ...          consumption_t_per_yr=2500.0, experience_base_t=1.0, fx_rub_per_usd=80.0,
    ...          budget_period_yr=1.0)
    >>> out = evaluate_model(NATIONAL, v, 2025, 3)
    >>> float(out["ref_gap_cost_usd_per_yr"][0, 0])
    21250000.0
    """
    env: dict[str, Array] = {}
    sizes = set()
    for key in model.input_keys:
        arr = np.asarray(inputs[key], dtype=np.float64)
        if arr.ndim == 0:
            arr = arr.reshape(1, 1)
        elif arr.ndim == 1:
            arr = arr.reshape(-1, 1)
        elif arr.ndim != 2 or arr.shape[1] not in (1, n_years):
            raise ValueError(
                f"input {key!r} must have shape (S,) or (S, {n_years}) (got {arr.shape})"
            )
        sizes.add(arr.shape[0])
        env[key] = arr
    if len(sizes - {1}) > 1:
        raise ValueError(f"inputs disagree on the number of scenarios: {sorted(sizes)}")
    for const in model.constants:
        env[const.key] = np.array([[const.value]])
    env["period"] = np.arange(1, n_years + 1, dtype=np.float64)[None, :]
    env["year"] = env["period"] + (start_year - 1)
    for item in model.items:
        value = evaluate(item.expr, env, n_years)
        if item.shape == "scalar" and value.shape[1] != 1:
            raise ValueError(f"model {model.name!r}: scalar item {item.key!r} depends on a row")
        env[item.key] = value
    return env
