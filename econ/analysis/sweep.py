"""Sweeps: a metric over a grid of input values, every variant in one
vectorized evaluation.

A sweep varies one or more inputs of a scenario over a grid and evaluates
the model for every combination at once, as ``(variants, years)`` arrays
(blocks of :data:`BLOCK` variants bound the memory; no Python loop runs per
variant). Options, as the command line gives them:

* ``--vary KEY=START:STOP:STEP`` (``STOP`` included), ``--vary KEY=V1,V2,...``
  (a list of values) or ``--vary KEY=VALUE``;
* ``--set KEY=VALUE``: hold another input at a value for the whole sweep.

Values are read in the unit the scenario file gives the key in (a capex given
in ``MUSD`` takes ``--vary capex_usd=100:200:25`` in MUSD; a budget in
``bn RUB`` takes bn RUB); a key the file does not give is in the model's unit.
The number of points is checked before any grid is expanded
(:data:`DEFAULT_MAX_POINTS`, raised with ``max_points``).

For the last varied key, every place where the metric crosses a target
(default 0) between two grid points is found and then solved on the model:
the engine's root finder (:func:`econ.model.solve.solve_root`, Illinois false
position) runs on the vectorized model inside the bracket of the two grid
points, all crossings at once; linear interpolation of the grid is kept
beside it. A whole-number or calendar-year key is not solved between its
grid points (the model takes no value between them).

>>> import econ
>>> sc = econ.load_scenario("seeds/magnets_plant.toml")
>>> result = sweep(sc, ["benchmark_cost_usd_per_kg=80:130:5"])
>>> result.shape, round(result.crossings[0].value, 2)
((11,), 110.44)
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from econ.engine import scenario_arrays
from econ.errors import InputError
from econ.model.evaluate import evaluate_model, input_env
from econ.model.expr import refs
from econ.model.numpy_backend import evaluate as evaluate_expr
from econ.model.schema import LineItem
from econ.model.solve import solve_root
from econ.scenario import Scenario
from econ.units import UnitError, convert

__all__ = [
    "BLOCK",
    "DEFAULT_MAX_POINTS",
    "Axis",
    "Crossing",
    "GridSpec",
    "SweepResult",
    "check_points",
    "expand",
    "parse_grid",
    "parse_set",
    "parse_target",
    "sweep",
    "variant_name",
]

Array = NDArray[np.float64]

#: Points a sweep may have unless the caller raises the cap.
DEFAULT_MAX_POINTS = 100_000
#: Variants evaluated together (measured on 100,000 project variants, every
#: metric: blocks of 8,192 take 0.18 s, one block of 100,000 0.71 s).
BLOCK = 8_192
_EXAMPLE = "e.g. benchmark_cost_usd_per_kg=80:130:5 or benchmark_cost_usd_per_kg=80,90,104.94"


@dataclass(frozen=True)
class GridSpec:
    """One ``--vary`` option, parsed and counted but not expanded.

    Attributes:
        key: the model input varied.
        typed_key: the key as typed (a file key such as ``capex_usd`` for an
            input given in rubles, ``capex_rub``).
        unit: the unit the values are typed in (the scenario file's).
        factor: multiplies a typed value into the model's unit.
        count: the number of values.
        start, stop, step: a range (``listed`` empty), in ``unit``.
        listed: the values of a list, in ``unit``.
        where: the option, for messages.
    """

    key: str
    typed_key: str
    unit: str
    factor: float
    count: int
    start: float = 0.0
    stop: float = 0.0
    step: float = 0.0
    listed: tuple[float, ...] = ()
    where: str = ""

    def typed_values(self) -> Array:
        """The grid values in the typed unit (expands the range)."""
        if self.listed:
            return np.array(self.listed, dtype=np.float64)
        raw = self.start + np.arange(self.count, dtype=np.float64) * self.step
        cleaned = np.array([_clean(x) for x in raw])  # 9.1, not 9.099999999
        if self.count > 1 and not (np.diff(cleaned) > 0).all():
            raise InputError(
                None,
                self.where,
                f"STEP {self.step:g} is too small next to START {self.start:g}: "
                "the values cannot be told apart",
            )
        return cleaned


@dataclass(frozen=True)
class Axis:
    """One varied input, expanded and checked against the model's domain.

    Attributes:
        key: the model input; label its label; unit its unit (the model's).
        display, kind: how its values read, and ``number``/``whole``/``year``.
        typed_key, typed_unit: the key and unit the values were typed in.
        typed: the values as typed, shape ``(n,)``.
        values: the same values in the model's unit, shape ``(n,)``.
    """

    key: str
    label: str
    unit: str
    display: str
    kind: str
    typed_key: str
    typed_unit: str
    typed: Array
    values: Array

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class Crossing:
    """Where the metric crosses the target along the last varied key.

    Attributes:
        index: the grid indices of the other keys (empty for one key).
        lo, hi: the grid values (model unit) the crossing lies between
            (equal when the metric is exactly on target at a grid point).
        interpolated: linear interpolation between them.
        solved: the engine's root of ``metric - target`` between them (NaN
            when not solved: a whole-number or year key, or a jump).
        method: ``solved``, ``grid point``, ``between grid points`` (whole
            numbers or years) or ``jump`` (the metric jumps across the target,
            it has no root between the points).
    """

    index: tuple[int, ...]
    lo: float
    hi: float
    interpolated: float
    solved: float
    method: str

    @property
    def value(self) -> float:
        """The solved value where there is one, else the interpolated one."""
        return self.solved if math.isfinite(self.solved) else self.interpolated


@dataclass(frozen=True)
class SweepResult:
    """Every metric over the grid of a sweep.

    Attributes:
        scenario: the base scenario, with the ``--set`` values applied.
        axes: the varied inputs, first key slowest.
        sets: ``(key, value in the model's unit, text as typed)`` held fixed.
        metric: the metric charted and searched for crossings.
        target: the value crossings are searched for (metric's unit).
        values: every metric (and the master check) by key, shape
            :attr:`shape`; NaN for n/a and refused variants.
        refused: variants the model's cross-field rules refuse, shape
            :attr:`shape`; ``reasons`` their distinct messages and
            ``reason_index`` which one each variant has (-1: none).
        crossings: along the last key, in grid order.
        seconds: wall time of the evaluation and the crossing solves.
        notes: remarks for the reader (a per-year series set to one value).
    """

    scenario: Scenario
    axes: tuple[Axis, ...]
    sets: tuple[tuple[str, float, str], ...]
    metric: LineItem
    target: float
    values: Mapping[str, Array]
    refused: NDArray[np.bool_]
    reasons: tuple[str, ...]
    reason_index: NDArray[np.intp]
    crossings: tuple[Crossing, ...]
    seconds: float
    notes: tuple[str, ...] = field(default=())

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(a) for a in self.axes)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def grid(self) -> Array:
        """The chosen metric over the grid, shape :attr:`shape`."""
        return self.values[self.metric.key]

    def items(self) -> list[LineItem]:
        """The line items in :attr:`values`, in model order."""
        return [i for i in self.scenario.model.items if i.key in self.values]


# ---------------------------------------------------------------------------
# Parsing (nothing is expanded here)
# ---------------------------------------------------------------------------


def _clean(x: float) -> float:
    """Remove float noise from ``start + i * step`` (9.1 not 9.099999999)."""
    return float(f"{x:.12g}")


def _resolve(typed: str, scenario: Scenario, where: str) -> tuple[str, str, float]:
    """The model input of a typed key, the unit its values are typed in and
    the factor from that unit to the model's."""
    by_file_key = {a.file_key: a for a in scenario.assumptions.values()}
    assumption = scenario.assumptions.get(typed) or by_file_key.get(typed)
    if assumption is None:
        raise InputError(
            None,
            where,
            f"{typed!r} is not an input of the {scenario.model.name!r} model "
            f"(expected one of: {', '.join(scenario.model.input_keys)})",
        )
    spec = scenario.model.input(assumption.key)
    unit = assumption.file_unit or spec.unit
    if spec.year or unit == spec.unit:
        return spec.key, spec.unit, 1.0
    try:
        factor = convert(1.0, unit, spec.unit)
    except UnitError as exc:  # pragma: no cover - the file's unit was converted on load
        raise InputError(None, where, str(exc)) from None
    return spec.key, unit, factor


def _number(text: str, where: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(None, where, f"expected {what}, found {text.strip()!r}") from None
    if not math.isfinite(value):
        raise InputError(None, where, f"expected a finite number, found {text.strip()!r}")
    return value


def parse_grid(text: str, scenario: Scenario, *, max_points: int = DEFAULT_MAX_POINTS) -> GridSpec:
    """Parse one ``--vary`` option without expanding it.

    ``KEY=START:STOP:STEP`` (``STOP`` included within a millionth of a step),
    ``KEY=V1,V2,...`` (sorted; each value once) or ``KEY=VALUE``; values in
    the unit the scenario file gives ``KEY`` in.

    >>> import econ
    >>> sc = econ.load_scenario("seeds/magnets_plant.toml")
    >>> g = parse_grid("capex_usd=100:200:25", sc)
    >>> g.key, g.unit, g.factor, g.count
    ('capex_usd', 'MUSD', 1000000.0, 5)

    Raises:
        InputError: a malformed option, an unknown key, or more values than
            ``max_points`` (counted, not expanded).
    """
    where = f"--vary {text}"
    typed, sep, spec = text.partition("=")
    typed = typed.strip()
    if not sep or not typed or not spec.strip():
        raise InputError(None, where, f"expected KEY=START:STOP:STEP or KEY=V1,V2,... ({_EXAMPLE})")
    key, unit, factor = _resolve(typed, scenario, where)
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) != 3:
            raise InputError(
                None, where, f"expected START:STOP:STEP (3 numbers), found {spec.strip()!r}"
            )
        start, stop, step = (_number(p, where, "numbers START:STOP:STEP") for p in parts)
        if step <= 0:
            raise InputError(None, where, f"STEP must be positive (got {step:g})")
        if stop < start:
            raise InputError(None, where, f"STOP ({stop:g}) is below START ({start:g})")
        steps = (stop - start) / step  # inf when it overflows: never floor()ed then
        if not steps + 1 <= max_points:
            many = f"{steps + 1:,.0f}" if math.isfinite(steps) else "too many"
            raise InputError(
                None,
                where,
                f"{many} values: more than the sweep's cap of {max_points:,} points "
                "(use a larger STEP, or raise the cap with --max-points)",
            )
        count = math.floor(steps + 1e-6) + 1
        return GridSpec(key, typed, unit, factor, count, start, stop, step, where=where)
    values = [_number(p, where, "numbers V1,V2,...") for p in spec.split(",")]
    if len(values) > max_points:
        raise InputError(
            None, where, f"{len(values):,} values: more than the sweep's cap of {max_points:,}"
        )
    seen: set[float] = set()
    for v in values:
        if v in seen:
            raise InputError(None, where, f"the value {v:g} is listed twice")
        seen.add(v)
    return GridSpec(
        key, typed, unit, factor, len(values), listed=tuple(sorted(values)), where=where
    )


def check_points(specs: Sequence[GridSpec], max_points: int = DEFAULT_MAX_POINTS) -> int:
    """The number of grid points, refused before any expansion above the cap.

    Raises:
        InputError: more than ``max_points`` combinations, or a key varied twice.
    """
    keys = [s.key for s in specs]
    for i, key in enumerate(keys):
        if key in keys[:i]:
            raise InputError(None, specs[i].where, f"{key!r} is already varied")
    total = math.prod(s.count for s in specs)
    if total > max_points:
        sizes = " x ".join(f"{s.count:,}" for s in specs)
        raise InputError(
            None,
            "--vary",
            f"{total:,} points ({sizes}): more than the sweep's cap of {max_points:,} "
            "(narrow the grid, or raise the cap with --max-points)",
        )
    return total


def parse_set(text: str, scenario: Scenario) -> tuple[str, float, str]:
    """Parse ``--set KEY=VALUE`` (in the unit the file gives ``KEY`` in).

    Returns:
        ``(model input, value in the model's unit, the option as typed)``.

    Raises:
        InputError: a malformed option, an unknown key, a value outside the
            input's domain.
    """
    where = f"--set {text}"
    typed, sep, spec = text.partition("=")
    typed = typed.strip()
    if not sep or not typed or not spec.strip():
        raise InputError(None, where, "expected KEY=VALUE, e.g. capex_usd=200")
    key, unit, factor = _resolve(typed, scenario, where)
    value = _number(spec, where, "one number") * factor
    last = scenario.start_year + scenario.horizon_yr - 1
    problem = scenario.model.input(key).problem(value, scenario.start_year, last)
    if problem:
        raise InputError(
            None, where, problem + (f" ({spec.strip()} {unit} as typed)" if factor != 1 else "")
        )
    shown = f"{typed} = {spec.strip()} {unit}" if unit not in ("1", "year") else f"{typed} = {spec}"
    return key, value, shown.strip()


def parse_target(text: str | float | None, metric: LineItem) -> float:
    """The value crossings are searched for: a number in the metric's unit,
    or ``"NUMBER UNIT"`` (``"50 MUSD"``) converted to it; 0 by default.

    >>> from econ.model.definition import PROJECT
    >>> npv = PROJECT.item("npv_usd")
    >>> parse_target("50 MUSD", npv), parse_target(None, npv)
    (50000000.0, 0.0)

    Raises:
        InputError: not a number, or a unit of another dimension.
    """
    if text is None:
        return 0.0
    if isinstance(text, float | int):
        value = float(text)
    else:
        number, _, unit = text.strip().partition(" ")
        value = _number(number, "--target", f"a number in {metric.unit}")
        if unit.strip():
            try:
                value = convert(value, unit.strip(), metric.unit)
            except UnitError as exc:
                raise InputError(None, "--target", str(exc)) from None
    if not math.isfinite(value):
        raise InputError(None, "--target", f"expected a finite number (got {text!r})")
    return value


def expand(spec: GridSpec, scenario: Scenario) -> Axis:
    """Expand a grid (after :func:`check_points`) and check every value
    against the input's domain.

    Raises:
        InputError: a value outside the domain, naming the option.
    """
    input_spec = scenario.model.input(spec.key)
    typed = spec.typed_values()
    values = typed * spec.factor
    last = scenario.start_year + scenario.horizon_yr - 1
    ok = input_spec.ok(values.reshape(-1, 1), scenario.start_year, last)[:, 0]
    if not ok.all():
        first = int(np.argmin(ok))
        message = input_spec.problem(float(values[first]), scenario.start_year, last) or ""
        if spec.factor != 1:
            message += f" ({float(typed[first]):g} {spec.unit} as typed)"
        raise InputError(None, spec.where, message)
    return Axis(
        spec.key,
        input_spec.label,
        input_spec.unit,
        input_spec.display,
        input_spec.kind,
        spec.typed_key,
        spec.unit,
        typed,
        values,
    )


def variant_name(base: str, values: Sequence[tuple[str, float]]) -> str:
    """The output name of one variant: its values as typed.

    >>> variant_name("magnets_plant", [("capex_usd", 150.0), ("discount_rate", 0.08)])
    'magnets_plant--capex_usd=150--discount_rate=0.08'
    """
    return base + "".join(f"--{key}={value:.12g}" for key, value in values)


def _metric(scenario: Scenario, metric: str | None) -> LineItem:
    items = {i.key: i for i in scenario.model.items_with("metric")}
    key = metric or scenario.model.default_metric or next(iter(items))
    if key not in items:
        raise InputError(
            None,
            "--metric",
            f"{key!r} is not a metric of the {scenario.model.name!r} model "
            f"(expected one of: {', '.join(items)})",
        )
    return items[key]


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------


def _block_arrays(
    base: Mapping[str, Array], axes: Sequence[Axis], index: Sequence[NDArray[np.intp]]
) -> dict[str, Array]:
    arrays = dict(base)
    for axis, i in zip(axes, index, strict=True):
        arrays[axis.key] = axis.values[i].reshape(-1, 1)
    return arrays


def _refusals(
    scenario: Scenario, arrays: Mapping[str, Array], size: int
) -> list[tuple[NDArray[np.bool_], str]]:
    """Which variants each error rule of the model refuses, with its message
    (filled in with the first refused variant's values)."""
    model = scenario.model
    rules = [r for r in model.rules if r.severity == "error"]
    if not rules:
        return []
    env = input_env(model, arrays, scenario.start_year, scenario.horizon_yr)
    out: list[tuple[NDArray[np.bool_], str]] = []
    for rule in rules:
        ok = evaluate_expr(rule.ok, env, scenario.horizon_yr)
        bad: NDArray[np.bool_] = np.broadcast_to(ok[:, 0] != 1.0, (size,))
        if bad.any():
            s = int(np.argmax(bad))
            fields = {
                name: float(env[name][min(s, env[name].shape[0] - 1), 0])
                for name in set(refs(rule.ok))
                if env[name].shape[1] == 1
            }
            out.append((np.array(bad), rule.message.format_map(fields)))
    return out


def _evaluate(
    scenario: Scenario,
    axes: Sequence[Axis],
    keys: Sequence[str],
) -> tuple[dict[str, Array], NDArray[np.intp], tuple[str, ...]]:
    shape = tuple(len(a) for a in axes)
    n = math.prod(shape)
    base = scenario_arrays([scenario])
    out = {k: np.empty(n) for k in keys}
    reason = np.full(n, -1, dtype=np.intp)
    reasons: dict[str, int] = {}
    for lo in range(0, n, BLOCK):
        hi = min(n, lo + BLOCK)
        arrays = _block_arrays(base, axes, np.unravel_index(np.arange(lo, hi), shape))
        with np.errstate(all="ignore"):
            for bad, message in _refusals(scenario, arrays, hi - lo):
                code = reasons.setdefault(message, len(reasons))
                part = reason[lo:hi]
                part[bad & (part < 0)] = code
            values = evaluate_model(
                scenario.model, arrays, scenario.start_year, scenario.horizon_yr, items=keys
            )
        for k in keys:
            out[k][lo:hi] = np.broadcast_to(values[k][:, 0], (hi - lo,))
    for k in keys:
        out[k][reason >= 0] = np.nan
        out[k] = out[k].reshape(shape)
    return out, reason.reshape(shape), tuple(reasons)


def _crossings(
    scenario: Scenario, axes: Sequence[Axis], grid: Array, metric: str, target: float
) -> tuple[Crossing, ...]:
    """Every crossing of ``target`` along the last axis, solved on the model."""
    last = axes[-1]
    x = last.values
    rows = grid.reshape(-1, len(x)) - target
    outer = tuple(len(a) for a in axes[:-1])
    found: list[tuple[int, int, bool]] = []  # (row, j, exact at grid point j)
    with np.errstate(invalid="ignore"):
        for r, j in np.argwhere(rows == 0):
            found.append((int(r), int(j), True))
        left, right = rows[:, :-1], rows[:, 1:]
        for r, j in np.argwhere(np.isfinite(left) & np.isfinite(right) & (left * right < 0)):
            found.append((int(r), int(j), False))
    found.sort()
    if not found:
        return ()
    between = [(r, j) for r, j, exact in found if not exact]
    solved: dict[tuple[int, int], tuple[float, bool]] = {}
    if between and last.kind == "number":
        r_idx = np.array([r for r, _ in between])
        j_idx = np.array([j for _, j in between])
        lo, hi = x[j_idx].reshape(-1, 1), x[j_idx + 1].reshape(-1, 1)
        d_lo = rows[r_idx, j_idx].reshape(-1, 1)
        d_hi = rows[r_idx, j_idx + 1].reshape(-1, 1)
        base = scenario_arrays([scenario])
        outer_idx = list(np.unravel_index(r_idx, outer)) if outer else []
        arrays = _block_arrays(base, axes[:-1], outer_idx)

        def f(u: Array) -> Array:
            trial = dict(arrays)
            trial[last.key] = lo + u
            with np.errstate(all="ignore"):
                got = evaluate_model(
                    scenario.model,
                    trial,
                    scenario.start_year,
                    scenario.horizon_yr,
                    items=[metric],
                )[metric]
            return np.broadcast_to(got, u.shape) - target

        u = solve_root(f, hi - lo)
        residual = np.abs(f(u))
        # A root, not a jump: the residual is tiny next to the values at the two ends.
        real = residual <= 1e-9 * np.maximum(np.abs(d_lo), np.abs(d_hi))
        for n, key in enumerate(between):
            solved[key] = (float((lo + u)[n, 0]), bool(real[n, 0]))
    out = []
    for r, j, exact in found:
        index: tuple[int, ...] = tuple(int(i) for i in np.unravel_index(r, outer)) if outer else ()
        if exact:
            out.append(
                Crossing(index, float(x[j]), float(x[j]), float(x[j]), float(x[j]), "grid point")
            )
            continue
        a, b = float(x[j]), float(x[j + 1])
        da, db = float(rows[r, j]), float(rows[r, j + 1])
        interpolated = a + (b - a) * da / (da - db)
        value, real = solved.get((r, j), (math.nan, False))
        if last.kind != "number":
            method = "between grid points"
            value = math.nan
        elif real:
            method = "solved"
        else:
            method, value = "jump", math.nan
        out.append(Crossing(index, a, b, interpolated, value, method))
    return tuple(out)


def sweep(
    scenario: Scenario,
    varies: Sequence[str],
    sets: Sequence[str] = (),
    *,
    metric: str | None = None,
    target: str | float | None = None,
    max_points: int = DEFAULT_MAX_POINTS,
) -> SweepResult:
    """Evaluate ``scenario`` over the grid of ``varies``, in one vectorized pass.

    Args:
        scenario: the base scenario.
        varies: ``KEY=START:STOP:STEP``, ``KEY=V1,V2,...`` or ``KEY=VALUE``
            options, first key slowest (see :func:`parse_grid`).
        sets: ``KEY=VALUE`` options holding other inputs fixed.
        metric: the metric searched for crossings (default: the model's
            default metric, NPV for projects).
        target: the crossing value (default 0; see :func:`parse_target`).
        max_points: the cap on grid points, checked before expansion.

    Returns:
        Every metric over the grid (:class:`SweepResult`).

    Raises:
        InputError: a bad option, key, value, metric or target, or a grid
            above the cap.
    """
    start = time.perf_counter()
    if not varies:
        raise InputError(None, "--vary", f"give at least one KEY=START:STOP:STEP ({_EXAMPLE})")
    if max_points < 1:
        raise InputError(None, "--max-points", f"must be at least 1 (got {max_points})")
    item = _metric(scenario, metric)
    goal = parse_target(target, item)
    specs = [parse_grid(v, scenario, max_points=max_points) for v in varies]
    check_points(specs, max_points)
    fixed = [parse_set(s, scenario) for s in sets]
    varied = {s.key for s in specs}
    notes = []
    for i, (key, _, _) in enumerate(fixed):
        if key in varied or key in {k for k, _, _ in fixed[:i]}:
            raise InputError(None, f"--set {sets[i]}", f"{key!r} is already varied or set")
    if fixed:
        assumptions = dict(scenario.assumptions)
        for key, value, _ in fixed:
            assumptions[key] = replace(assumptions[key], value=value)
        scenario = replace(scenario, assumptions=MappingProxyType(assumptions))
    axes = tuple(expand(s, scenario) for s in specs)
    for key in [a.key for a in axes] + [k for k, _, _ in fixed]:
        if scenario.assumptions[key].per_year:
            notes.append(
                f"{key!r} is a per-year series in the scenario: the sweep gives it one "
                "value in every year"
            )
    keys = [i.key for i in scenario.model.items_with("metric")]
    master = scenario.model.master_check_key
    if master is not None:
        keys.append(master)
    values, reason_index, reasons = _evaluate(scenario, axes, keys)
    crossings = _crossings(scenario, axes, values[item.key], item.key, goal)
    return SweepResult(
        scenario,
        axes,
        tuple(fixed),
        item,
        goal,
        MappingProxyType(values),
        reason_index >= 0,
        reasons,
        reason_index,
        crossings,
        time.perf_counter() - start,
        tuple(notes),
    )
