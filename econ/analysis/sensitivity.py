"""How much a metric depends on each assumption: tornado, spider, two-way table.

Every assumption with ``low``/``high`` bounds in its scenario file is moved,
one at a time, to its bounds (tornado) or over a grid across them (spider);
a chosen pair is moved together (two-way table). All variants of one analysis
are one vectorized :func:`econ.model.evaluate.evaluate_model` call. A variant
the model refuses (a cross-field rule, e.g. construction after production)
gets NaN and the reason, never an exception.

A per-year assumption is moved as a whole: its series is scaled so its mean
equals the bound (the shape of the path is kept).

>>> import econ
>>> t = tornado(econ.load_scenario("seeds/national_ree_gap.toml"), "ref_subsidy_usd_per_yr")
>>> t.rows[0].key, round(t.rows[0].swing / 1e6, 2)
('domestic_cost_usd_per_kg', 25.0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from econ.errors import InputError
from econ.model.evaluate import evaluate_model
from econ.model.validate import input_problems
from econ.scenario import Scenario

__all__ = ["Spider", "Tornado", "TornadoRow", "TwoWay", "spider", "tornado", "two_way"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class TornadoRow:
    """One input's effect: the metric at the input's low and high bound.

    Attributes:
        key: the input; label its label; unit its unit; cited whether its
            value is a cited figure (False: an illustrative assumption).
        low, high: the bounds (for a per-year input: the mean of the path).
        at_low, at_high: the metric there (NaN when the variant is refused).
        swing: ``|at_high - at_low|`` (NaN-safe: the finite side's distance
            to the base when one side is refused).
        note: why a side is missing, if one is.
    """

    key: str
    label: str
    unit: str
    cited: bool
    low: float
    high: float
    at_low: float
    at_high: float
    swing: float
    note: str = ""


@dataclass(frozen=True)
class Tornado:
    """Inputs sorted by swing, largest first, around the base value."""

    metric: str
    label: str
    unit: str
    base: float
    rows: tuple[TornadoRow, ...]


@dataclass(frozen=True)
class Spider:
    """Each input stepped over its range: ``values[k][j]`` is the metric at
    ``points[k][j]`` (``fractions[j]`` of the way from low to high)."""

    metric: str
    keys: tuple[str, ...]
    fractions: tuple[float, ...]
    points: tuple[tuple[float, ...], ...]
    values: tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class TwoWay:
    """The metric over a grid of two inputs: ``values[i][j]`` at
    ``(axis_a[i], axis_b[j])``."""

    metric: str
    keys: tuple[str, str]
    axis_a: tuple[float, ...]
    axis_b: tuple[float, ...]
    values: tuple[tuple[float, ...], ...]


def _bounded(scenario: Scenario) -> list[str]:
    return [
        k
        for k, a in scenario.assumptions.items()
        if a.low is not None and a.high is not None and a.low < a.high
    ]


def _metric_item(scenario: Scenario, metric: str | None) -> tuple[str, str, str]:
    metrics = {i.key: i for i in scenario.model.items_with("metric")}
    key = metric or scenario.model.default_metric or next(iter(metrics))
    if key not in metrics:
        raise InputError(
            None,
            "--metric",
            f"{key!r} is not a metric of the {scenario.model.name!r} model "
            f"(expected one of: {', '.join(metrics)})",
        )
    return key, metrics[key].label, metrics[key].unit


def _base_arrays(scenario: Scenario, size: int) -> dict[str, Array]:
    out = {}
    for key, a in scenario.assumptions.items():
        value = np.asarray(a.value, dtype=np.float64)
        shape = (size, scenario.horizon_yr) if value.ndim else (size, 1)
        out[key] = np.array(np.broadcast_to(value, shape))
    return out


def _set(arrays: dict[str, Array], scenario: Scenario, key: str, row: int, x: float) -> None:
    """Put ``x`` into one variant: a scalar as is, a series scaled to mean ``x``."""
    value = scenario.assumptions[key].value
    if isinstance(value, tuple):
        series = np.asarray(value)
        mean = float(series.mean())
        arrays[key][row] = series * (x / mean) if mean else x
    else:
        arrays[key][row, 0] = x


def _evaluate(scenario: Scenario, arrays: dict[str, Array], metric: str) -> tuple[Array, list[str]]:
    """The metric for every variant; refused variants NaN, with the reason."""
    size = next(iter(arrays.values())).shape[0]
    model, start, years = scenario.model, scenario.start_year, scenario.horizon_yr
    reasons = [""] * size
    ok = np.ones(size, dtype=bool)
    # Find refused variants one problem at a time (a handful at most).
    probe = dict(arrays)
    for _ in range(size):
        errors = [p for p in input_problems(model, probe, start, years) if p.severity == "error"]
        if not errors:
            break
        bad = errors[0].scenario
        rows = np.flatnonzero(ok)
        row = int(rows[bad]) if bad < len(rows) else int(rows[0])
        ok[row] = False
        reasons[row] = errors[0].message
        probe = {k: v[ok] for k, v in arrays.items()}
        if not ok.any():
            break
    out = np.full(size, np.nan)
    if ok.any():
        values = evaluate_model(model, {k: v[ok] for k, v in arrays.items()}, start, years)
        got = values[metric]
        out[ok] = np.broadcast_to(got[:, 0], (int(ok.sum()),))
    return out, reasons


def tornado(scenario: Scenario, metric: str | None = None) -> Tornado:
    """Each bounded input at its low and at its high bound, the others at
    their values; rows sorted by swing of ``metric`` (default: the model's).

    Raises:
        InputError: an unknown metric, or no assumption with low/high bounds.
    """
    key, label, unit = _metric_item(scenario, metric)
    keys = _bounded(scenario)
    if not keys:
        raise InputError(scenario.path, None, "no assumption has low/high bounds to vary")
    arrays = _base_arrays(scenario, 1 + 2 * len(keys))
    for k, name in enumerate(keys):
        a = scenario.assumptions[name]
        assert a.low is not None and a.high is not None
        _set(arrays, scenario, name, 1 + 2 * k, a.low)
        _set(arrays, scenario, name, 2 + 2 * k, a.high)
    values, reasons = _evaluate(scenario, arrays, key)
    base = float(values[0])
    rows = []
    for k, name in enumerate(keys):
        a = scenario.assumptions[name]
        assert a.low is not None and a.high is not None
        lo, hi = float(values[1 + 2 * k]), float(values[2 + 2 * k])
        finite = [x for x in (lo, hi) if np.isfinite(x)]
        if len(finite) == 2:
            swing = abs(hi - lo)
        elif finite and np.isfinite(base):
            swing = abs(finite[0] - base)
        else:
            swing = float("nan")
        note = "; ".join(r for r in (reasons[1 + 2 * k], reasons[2 + 2 * k]) if r)
        rows.append(
            TornadoRow(
                name,
                scenario.model.input(name).label,
                a.unit,
                a.source.cited,
                a.low,
                a.high,
                lo,
                hi,
                swing,
                note,
            )
        )
    rows.sort(key=lambda r: -r.swing if np.isfinite(r.swing) else 1.0)
    return Tornado(key, label, unit, base, tuple(rows))


def spider(scenario: Scenario, metric: str | None = None, steps: int = 5) -> Spider:
    """Each bounded input stepped over ``steps`` points from low to high."""
    if steps < 2:
        raise InputError(None, "--steps", f"must be at least 2 (got {steps})")
    key, _, _ = _metric_item(scenario, metric)
    keys = _bounded(scenario)
    fractions = tuple(float(x) for x in np.linspace(0.0, 1.0, steps))
    arrays = _base_arrays(scenario, len(keys) * steps)
    points = []
    for k, name in enumerate(keys):
        a = scenario.assumptions[name]
        assert a.low is not None and a.high is not None
        xs = tuple(a.low + f * (a.high - a.low) for f in fractions)
        if scenario.model.input(name).kind != "number":  # whole years stay whole
            xs = tuple(float(round(x)) for x in xs)
        points.append(xs)
        for j, x in enumerate(xs):
            _set(arrays, scenario, name, k * steps + j, x)
    values, _ = _evaluate(scenario, arrays, key)
    grid = values.reshape(len(keys), steps)
    return Spider(
        key, tuple(keys), fractions, tuple(points), tuple(tuple(map(float, r)) for r in grid)
    )


def two_way(
    scenario: Scenario,
    pair: Sequence[str],
    metric: str | None = None,
    steps: int = 5,
    axes: Mapping[str, Sequence[float]] | None = None,
) -> TwoWay:
    """The metric over a grid of two inputs (their low..high in ``steps``
    points, or the given ``axes``)."""
    key, _, _ = _metric_item(scenario, metric)
    if len(pair) != 2 or pair[0] == pair[1]:
        raise InputError(None, "--pair", "give two different input keys")
    grids = []
    for name in pair:
        if name not in scenario.assumptions:
            raise InputError(
                None, "--pair", f"{name!r} is not an input of the {scenario.model.name!r} model"
            )
        a = scenario.assumptions[name]
        if axes and name in axes:
            grids.append(tuple(float(x) for x in axes[name]))
        elif a.low is None or a.high is None:
            raise InputError(None, "--pair", f"{name!r} has no low/high bounds to vary")
        else:
            grids.append(tuple(float(x) for x in np.linspace(a.low, a.high, steps)))
    arrays = _base_arrays(scenario, len(grids[0]) * len(grids[1]))
    for i, x in enumerate(grids[0]):
        for j, y in enumerate(grids[1]):
            row = i * len(grids[1]) + j
            _set(arrays, scenario, pair[0], row, x)
            _set(arrays, scenario, pair[1], row, y)
    values, _ = _evaluate(scenario, arrays, key)
    table = values.reshape(len(grids[0]), len(grids[1]))
    return TwoWay(
        key,
        (pair[0], pair[1]),
        grids[0],
        grids[1],
        tuple(tuple(map(float, r)) for r in table),
    )
