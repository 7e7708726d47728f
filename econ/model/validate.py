"""One validation of input values, vectorized: the domain of every input and
the model's cross-field rules.

Scenario files, ``evaluate`` overrides, sweeps and edited workbooks all call
:func:`input_problems`; the workbook's data validation is rendered from the
same :class:`~econ.model.schema.InputSpec` domains, and its error rules
become live checks.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from econ.model.evaluate import input_env
from econ.model.expr import refs
from econ.model.numpy_backend import evaluate
from econ.model.schema import Model

__all__ = ["Problem", "input_problems"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Problem:
    """One input value that is not allowed (or, for a warning, is suspect).

    Attributes:
        key: the input the message is about.
        message: ``'discount_rate' must be in [0, 1) (got 1.5)``.
        severity: ``error`` or ``warning``.
        scenario: index of the first scenario (row) concerned.
        year: index of the first year concerned, for a per-year value.
    """

    key: str
    message: str
    severity: Literal["error", "warning"]
    scenario: int = 0
    year: int | None = None


def _as_2d(value: ArrayLike) -> Array:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return arr.reshape(1, 1)
    if arr.ndim == 1:
        return arr.reshape(-1, 1)
    return arr


def input_problems(
    model: Model,
    values: Mapping[str, ArrayLike],
    start_year: int,
    n_years: int,
    *,
    keys: Collection[str] | None = None,
) -> list[Problem]:
    """Every problem with input values, first the domains, then the rules.

    Args:
        model: the model.
        values: every input by key: scalar, ``(S,)`` or ``(S, Y)``.
        start_year, n_years: the timeline.
        keys: report domain problems of these inputs only (default: all);
            rules are checked whenever their inputs are all valid.

    Returns:
        The first problem of each input and of each rule (errors, then
        warnings); empty when all is well.

    >>> from econ.model.definition import PROJECT
    >>> v = {s.key: 1.0 if s.default is None else s.default for s in PROJECT.inputs}
    >>> v.update(first_production_year=2030, construction_start_year=2031, rd_grant_year=2031,
    ...          construction_yr=1.5, tax_rate=0.25, discount_rate=0.1, learning_rate=0.1)
    >>> [p.message for p in input_problems(PROJECT, v, 2025, 10)]
    ["'construction_yr' must be a whole number in [1, inf) yr (got 1.5)"]
    >>> v["construction_yr"] = 2
    >>> print(input_problems(PROJECT, v, 2025, 10)[0].message[:73])
    'first_production_year' (2030) is before 'construction_start_year' (2031)
    """
    end_year = start_year + n_years - 1
    out: list[Problem] = []
    for spec in model.inputs:
        if keys is not None and spec.key not in keys:
            continue
        arr = _as_2d(values[spec.key])
        if (
            arr.ndim != 2
            or arr.shape[1] not in (1, n_years)
            or (arr.shape[1] > 1 and not spec.per_year)
        ):
            found = "a table" if arr.ndim > 2 else f"{arr.shape[-1]} values a scenario"
            expected = (
                f"one number or {n_years} (one per timeline year)"
                if spec.per_year
                else "one number (this input has no per-year series)"
            )
            out.append(
                Problem(spec.key, f"'{spec.key}': expected {expected}, found {found}", "error")
            )
            continue
        ok = spec.ok(arr, start_year, end_year)
        if not ok.all():
            s, y = np.argwhere(~ok)[0]
            message = spec.problem(float(arr[s, y]), start_year, end_year) or ""
            out.append(
                Problem(spec.key, message, "error", int(s), int(y) if arr.shape[1] > 1 else None)
            )
    bad_inputs = {p.key for p in out}
    invalid = bad_inputs or any(
        _as_2d(values[spec.key]).shape[-1] not in (1, n_years)
        or not spec.ok(_as_2d(values[spec.key]), start_year, end_year).all()
        for spec in model.inputs
        if keys is not None and spec.key not in keys
    )
    if invalid or not model.rules:
        return out
    env = input_env(model, values, start_year, n_years)
    warnings: list[Problem] = []
    for rule in model.rules:
        ok_rule = evaluate(rule.ok, env, n_years)
        bad = ok_rule != 1.0
        if not bad.any():
            continue
        s = int(np.argwhere(bad)[0][0])
        fields = {
            name: float(env[name][min(s, env[name].shape[0] - 1), 0])
            for name in set(refs(rule.ok))
            if env[name].shape[1] == 1
        }
        problem = Problem(rule.key, rule.message.format_map(fields), rule.severity, s)
        (out if rule.severity == "error" else warnings).append(problem)
    return out + warnings
