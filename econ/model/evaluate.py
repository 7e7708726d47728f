"""Evaluate a model over many scenarios at once: the graph in topological
order, each node by :mod:`econ.model.numpy_backend`, engine-solved values by
:func:`econ.model.solve.solve_root`.

Pure: arrays in, arrays out, no files, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from econ.model.numpy_backend import evaluate, may_be_na
from econ.model.schema import LineItem, Model
from econ.model.solve import solve_root

__all__ = ["evaluate_model", "input_env"]

Array = NDArray[np.float64]


def input_env(
    model: Model, inputs: Mapping[str, ArrayLike], start_year: int, n_years: int
) -> dict[str, Array]:
    """Inputs, constants and timeline names as arrays ``(S|1, 1|Y)``.

    Raises:
        ValueError: an input of the wrong shape, or inputs disagreeing on S.
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
    env["start_year"] = np.array([[float(start_year)]])
    env["end_year"] = np.array([[float(start_year + n_years - 1)]])
    return env


#: Scenarios evaluated together. Larger runs are split into blocks of this
#: many rows, which bounds the temporaries; below it one pass is fastest
#: (measured on 100,000 x 30: one block 0.32 s, blocks of 8,192 0.39 s,
#: of 2,048 0.58 s: copying blocks into the outputs costs more than the
#: cache gains).
CHUNK = 131_072


def na_items(model: Model) -> frozenset[str]:
    """The line items whose value can be n/a (computed once per model)."""

    def make() -> frozenset[str]:
        names: set[str] = set()
        for item in model.items:
            if item.solved or may_be_na(item.expr, names):
                names.add(item.key)
        return frozenset(names)

    out = model.cached("na_items", make)
    assert isinstance(out, frozenset)
    return out


def evaluate_model(
    model: Model,
    inputs: Mapping[str, ArrayLike],
    start_year: int,
    n_years: int,
    *,
    chunk: int = CHUNK,
) -> dict[str, Array]:
    """Evaluate every line item of ``model``.

    Args:
        model: the model definition.
        inputs: every input by key, each a scalar, shape ``(S,)`` (one value
            per scenario) or ``(S, Y)`` (per scenario and year).
        start_year: first calendar year of the timeline.
        n_years: Y, the number of years.

    Returns:
        Every input, constant, timeline name and line item by key:
        ``(S, 1)`` or ``(1, 1)`` for scalars, ``(S, Y)`` or ``(1, Y)`` for rows.

    >>> from econ.model.definition import NATIONAL
    >>> v = {k: 1.0 for k in NATIONAL.input_keys}
    >>> v.update(domestic_cost_usd_per_kg=20.0, benchmark_cost_usd_per_kg=11.5,
    ...          consumption_t_per_yr=2500.0, learning_rate=0.0, fx_rub_per_usd=80.0)
    >>> out = evaluate_model(NATIONAL, v, 2025, 3)
    >>> float(out["ref_gap_cost_usd_per_yr"][0, 0])
    21250000.0
    """
    arrays = {k: np.asarray(inputs[k], dtype=np.float64) for k in model.input_keys}
    size = max((a.shape[0] for a in arrays.values() if a.ndim), default=1)
    if size <= chunk:
        return _evaluate(model, arrays, start_year, n_years)
    out: dict[str, Array] = {}
    for lo in range(0, size, chunk):
        part = {
            k: a[lo : lo + chunk] if a.ndim and a.shape[0] > 1 else a for k, a in arrays.items()
        }
        env = _evaluate(model, part, start_year, n_years)
        if not out:
            out = {k: np.empty((size, v.shape[1])) if v.shape[0] > 1 else v for k, v in env.items()}
        for k, v in env.items():
            if out[k].shape[0] == size:
                out[k][lo : lo + chunk] = v
    return out


def _evaluate(
    model: Model, inputs: Mapping[str, ArrayLike], start_year: int, n_years: int
) -> dict[str, Array]:
    env = input_env(model, inputs, start_year, n_years)
    size = max(a.shape[0] for a in env.values())
    na_names = na_items(model)
    solves = {s.key: s for s in model.solves}
    for item in model.items:
        if item.solved:
            solve = solves[item.key]
            block = [i for i in model.items if i.key.startswith(f"{solve.prefix}_")]
            target = f"{solve.prefix}_{solve.target}"

            def target_at(
                x: Array,
                key: str = item.key,
                block: list[LineItem] = block,
                target: str = target,
            ) -> Array:
                trial = dict(env)
                trial[key] = x
                for b in block:
                    trial[b.key] = evaluate(b.expr, trial, n_years, na_names)
                return np.broadcast_to(trial[target], x.shape)

            probe = np.broadcast_to(evaluate(solve.probe, env, n_years), (size, 1))
            env[item.key] = solve_root(target_at, np.array(probe))
            continue
        value = evaluate(item.expr, env, n_years, na_names)
        if item.shape == "scalar" and value.shape[1] != 1:
            raise ValueError(f"model {model.name!r}: scalar item {item.key!r} depends on a row")
        env[item.key] = value
    return env
