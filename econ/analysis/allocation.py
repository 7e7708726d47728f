"""Spread a budget over projects: which to support, with which instrument.

Two layers, kept apart:

* :func:`instrument_options` turns project scenarios into the **options
  table** (:class:`Options`): one row per (project, instrument) with the
  instrument's breakeven size, the fiscal cost it puts on the state each
  year (USD/yr over a common calendar), that cost's present value at the
  state's discount rate, the capacity it supports and the project's
  levelized cost. The figures are issue 11's instrument comparison
  (:func:`econ.model.definition.project.instrument_comparison`, as
  :func:`econ.analysis.instruments.compare_instruments` reports it): each
  instrument's breakeven size is a solve with every other instrument off,
  and its fiscal cost of a year is read from that solve's plug-back block:
  the state's outlays at that size (``{prefix}_outlay_usd_per_yr``: subsidy,
  grants, CfD payments, soft lending net of repayments, ...) less the extra
  profit tax it brings (``{prefix}_tax_gain_usd_per_yr``). Its present value
  at the project's own state rate from the project's start is the
  comparison's ``{name}_fiscal_cost_usd``. Projects sharing a timeline and
  currencies are evaluated in one vectorized call (scenarios stacked).
* :func:`solve_allocation` is the optimizer: arrays in, arrays out, no
  scenario objects. Each option is a binary decision ``x_i``; a project takes
  at most one of its options; the chosen options' spend must fit the budget
  (``sum_i x_i spend_i <= budget``) and, year by year, the envelope
  (``sum_i x_i cost_iy <= envelope_y``). Objectives:

  - ``capacity``: most capacity supported (t/yr), then least fiscal cost PV;
  - ``projects``: most projects supported, then least fiscal cost PV;
  - ``cost``: least fiscal cost PV that reaches a production ``target`` in
    the target year (``sum_i x_i volume_i >= target``).

  Solved exactly by ``scipy.optimize.milp`` (HiGHS branch and bound with a
  zero optimality gap); the tie-break is a second solve with the first
  objective held at its optimum (lexicographic optimum).

A project whose breakeven size is negative needs no support: its option
costs nothing (the size is clipped at 0), and it is reported as viable
without support. A size beyond the instrument's terms (a grant above the
capex, a relief above the duty) is not an option: ``within_terms`` is False
and the portfolio leaves it out.

An import-share target is a further ``at_least`` row: the supported
projects' output that replaces imports in the target year must reach
``(share now - share aimed at) * consumption``
(:mod:`econ.analysis.portfolio`).

Fiscal cost PV: ``sum_y cost_y (1 + r)^-(y - base + 1)`` with ``r`` the
state's discount rate and ``base`` the portfolio's first year (end-of-year
convention, as the project model's discount factor).

>>> import numpy as np
>>> sol = solve_allocation(
...     project=np.array([0, 0, 1]), capacity=np.array([10.0, 10.0, 5.0]),
...     cost_pv=np.array([8.0, 6.0, 3.0]), spend=np.array([8.0, 6.0, 3.0]),
...     budget=9.0, objective="capacity")
>>> sol.chosen.tolist(), sol.capacity, sol.cost_pv
([False, True, True], 15.0, 9.0)
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from econ.engine import scenario_arrays
from econ.model.definition.project import INSTRUMENTS as _SPECS
from econ.model.evaluate import evaluate_model
from econ.scenario import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from econ.model.schema import Model

__all__ = [
    "DEFAULT_INSTRUMENTS",
    "INSTRUMENTS",
    "OBJECTIVES",
    "Options",
    "Solution",
    "comparison_inputs",
    "comparison_items",
    "comparison_model",
    "fiscal_flows",
    "in_rubles",
    "instrument_options",
    "solve_allocation",
]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
Objective = Literal["capacity", "projects", "cost"]

#: The instruments econ prices (issue 11's comparison), each with its label
#: and the unit its size is measured in.
INSTRUMENTS: Mapping[str, tuple[str, str]] = {
    name: (label, unit) for name, label, _, unit, _, _, _ in _SPECS
}
#: What a portfolio offers a project unless its file says otherwise: every
#: instrument but the tariff, which buyers pay, not the budget (its fiscal
#: cost is negative: the state collects more tax), and which protects a
#: whole market rather than one project.
DEFAULT_INSTRUMENTS: tuple[str, ...] = tuple(k for k in INSTRUMENTS if k != "tariff")
_SIZE_KEY = {name: key for name, _, _, _, key, _, _ in _SPECS}
_VARIABLE = {name: variable for name, _, variable, _, _, _, _ in _SPECS}
_PREFIX = {name: prefix for name, _, _, _, _, prefix, _ in _SPECS}
#: The allocation objectives (see module docs).
OBJECTIVES: tuple[Objective, ...] = ("capacity", "projects", "cost")
#: Relative slack when the first objective is held at its optimum.
_HOLD = 1e-9


@dataclass(frozen=True)
class Options:
    """The options table: one row per (project, instrument).

    Attributes:
        names: project names; ``project`` indexes them.
        titles: project titles, same order.
        project: shape ``(n,)``, the project of each option.
        instrument: shape ``(n,)``, the instrument's key (:data:`INSTRUMENTS`).
        size: shape ``(n,)``, the instrument's breakeven size (its unit in
            :data:`INSTRUMENTS`), before clipping at 0; NaN: no size breaks
            the project even.
        within_terms: shape ``(n,)``, the size is one the instrument can
            give (or 0 or less: no support needed).
        years: the common calendar, ``Y`` years.
        cost_usd_per_yr: shape ``(n, Y)``, the fiscal cost each year (0
            outside the project's timeline).
        cost_pv_usd: shape ``(n,)``, its present value at ``state_discount_rate``
            to the start of ``years[0]``.
        capacity_t_per_yr: shape ``(n,)``, nameplate capacity supported.
        volume_t_per_yr: shape ``(n, Y)``, production each year.
        levelized_cost_usd_per_kg: shape ``(n,)``, the project's levelized cost.
        benchmark_usd_per_kg: shape ``(n,)``, its benchmark price (first
            production year's, for a per-year benchmark).
        state_discount_rate: the rate of ``cost_pv_usd``.
    """

    names: tuple[str, ...]
    titles: tuple[str, ...]
    project: IntArray
    instrument: tuple[str, ...]
    size: Array
    within_terms: BoolArray
    years: tuple[int, ...]
    cost_usd_per_yr: Array
    cost_pv_usd: Array
    capacity_t_per_yr: Array
    volume_t_per_yr: Array
    levelized_cost_usd_per_kg: Array
    benchmark_usd_per_kg: Array
    state_discount_rate: float

    def __len__(self) -> int:
        return len(self.project)

    @property
    def total_cost_usd(self) -> Array:
        """Nominal fiscal cost over the calendar, shape ``(n,)``."""
        return np.asarray(self.cost_usd_per_yr.sum(axis=1), dtype=np.float64)

    def volume_in(self, year: int) -> Array:
        """Production in ``year`` (0 outside the calendar), shape ``(n,)``."""
        if year not in self.years:
            return np.zeros(len(self))
        return np.asarray(self.volume_t_per_yr[:, self.years.index(year)], dtype=np.float64)

    def select(self, keep: BoolArray) -> Options:
        """The options where ``keep`` is true (projects kept as they are)."""
        idx = np.flatnonzero(keep)
        return replace(
            self,
            project=self.project[idx],
            instrument=tuple(self.instrument[i] for i in idx),
            size=self.size[idx],
            within_terms=self.within_terms[idx],
            cost_usd_per_yr=self.cost_usd_per_yr[idx],
            cost_pv_usd=self.cost_pv_usd[idx],
            capacity_t_per_yr=self.capacity_t_per_yr[idx],
            volume_t_per_yr=self.volume_t_per_yr[idx],
            levelized_cost_usd_per_kg=self.levelized_cost_usd_per_kg[idx],
            benchmark_usd_per_kg=self.benchmark_usd_per_kg[idx],
        )

    def frame(self) -> pd.DataFrame:
        """The table as a DataFrame, one row per option (costs per year not
        included: see ``cost_usd_per_yr``)."""
        import pandas as pd

        return pd.DataFrame(
            {
                "project": [self.names[p] for p in self.project],
                "instrument": list(self.instrument),
                "size": self.size,
                "size_unit": [INSTRUMENTS[i][1] for i in self.instrument],
                "within_terms": self.within_terms,
                "cost_total_usd": self.total_cost_usd,
                "cost_pv_usd": self.cost_pv_usd,
                "capacity_t_per_yr": self.capacity_t_per_yr,
                "levelized_cost_usd_per_kg": self.levelized_cost_usd_per_kg,
                "benchmark_usd_per_kg": self.benchmark_usd_per_kg,
            }
        )


def in_rubles(scenario: Scenario) -> tuple[str, ...]:
    """The money inputs a scenario gives in rubles (its model's currencies)."""
    return tuple(sorted(a.given_as for a in scenario.assumptions.values() if a.given_as))


def comparison_model(scenario: Scenario) -> Model:
    """The instrument-comparison model in the scenario's currencies (the
    model :func:`econ.analysis.instruments.compare_instruments` evaluates)."""
    from econ.cache import comparison_model as cached_comparison
    from econ.scenario import denominated

    return denominated(cached_comparison(), in_rubles(scenario))


def comparison_items(instruments: Sequence[str], *, describe: bool = True) -> list[str]:
    """The line items the options need (and what they read)."""
    out = ["volume_t_per_yr"]
    if describe:
        out += ["levelized_cost_usd_per_kg"]
    for name in instruments:
        prefix = _PREFIX[name]
        out += [_SIZE_KEY[name], f"{prefix}_outlay_usd_per_yr", f"{prefix}_tax_gain_usd_per_yr"]
    return out


def fiscal_flows(values: Mapping[str, Array], name: str) -> tuple[Array, Array]:
    """An instrument's breakeven size and the fiscal cost it puts on the
    state each year, from an evaluation of the comparison model.

    Args:
        values: ``evaluate_model(comparison_model(...), ...)`` output with the
            instrument's items (S scenarios).
        name: the instrument's key (:data:`INSTRUMENTS`).

    Returns:
        ``(size, cost)``: size shape ``(S,)`` in the instrument's unit; cost
        shape ``(S, Y)`` in USD/yr: the outlays at the breakeven size less the
        extra tax, 0 where the size is 0 or less (no support needed), NaN
        where no size breaks the project even.
    """
    prefix = _PREFIX[name]
    size = np.asarray(values[_SIZE_KEY[name]][:, 0], dtype=np.float64)
    flow = values[f"{prefix}_outlay_usd_per_yr"] - values[f"{prefix}_tax_gain_usd_per_yr"]
    flow = np.broadcast_to(flow, (len(size), flow.shape[1]))
    with np.errstate(invalid="ignore"):
        cost = np.where((size > 0)[:, None], flow, 0.0)
    cost[~np.isfinite(size)] = math.nan
    return size, np.asarray(cost, dtype=np.float64)


def comparison_inputs(
    scenarios: Sequence[Scenario], overrides: Sequence[Mapping[str, Array]], n_each: int
) -> dict[str, Array]:
    """The inputs of scenarios sharing a model and timeline stacked ``n_each``
    rows per scenario, the rows of scenario ``j`` taking ``overrides[j]``
    (each value shape ``(n_each,)`` or ``(n_each, Y)``) over its own values;
    an input at a default copied from an overridden one follows it.

    Returns:
        Every input, shape ``(len(scenarios) * n_each, 1)`` or ``(..., Y)``.
    """
    first = scenarios[0]
    y_count = first.horizon_yr
    base = scenario_arrays(scenarios)  # (S, 1) or (S, Y), checks the shared timeline
    follow = [sc.followers(ov) for sc, ov in zip(scenarios, overrides, strict=True)]
    out: dict[str, Array] = {}
    for key in first.model.input_keys:
        blocks = []
        for j, ov in enumerate(overrides):
            src = follow[j].get(key, key)
            if src in ov:
                v = np.asarray(ov[src], dtype=np.float64)
                blocks.append(v.reshape(n_each, -1))
            else:
                blocks.append(np.broadcast_to(base[key][j], (n_each, base[key].shape[1])))
        width = max(b.shape[1] for b in blocks)
        if width > 1:
            blocks = [np.broadcast_to(b, (n_each, y_count)) for b in blocks]
        out[key] = np.concatenate(blocks, axis=0)
    return out


def instrument_options(
    scenarios: Sequence[Scenario],
    state_discount_rate: float,
    *,
    titles: Sequence[str] | None = None,
    base_year: int | None = None,
    instruments: Sequence[str] | None = None,
) -> Options:
    """The options table of project scenarios (see module docs): one row per
    project and instrument, projects in order, instruments in
    :data:`INSTRUMENTS` order.

    Args:
        scenarios: project scenarios (``model = "project"``).
        state_discount_rate: the state's discount rate for the fiscal cost PV
            (a fraction, e.g. 0.08).
        titles: display titles (default: the scenario names).
        base_year: the first year of the calendar (default: the earliest
            project start); PVs are to the start of it.
        instruments: the instruments to price (default: all).

    Returns:
        The table; options whose size breaks nothing even have NaN costs,
        those beyond the instrument's terms ``within_terms`` False.

    Raises:
        ValueError: a scenario that is not a project, one that produces
            before ``base_year``, or a rate outside ``(-1, 1)``.

    Projects sharing a timeline and currencies are evaluated in one call of
    the comparison model. The per-kg subsidy's fiscal cost in year ``y`` is
    ``rate [USD/kg] * volume_y [t/yr] * 1000 [kg/t]`` less the extra profit
    tax the subsidy brings:

    >>> import econ
    >>> sc = econ.load_scenario("seeds/magnets_plant.toml")
    >>> o = instrument_options([sc], 0.08, instruments=["production_subsidy"])
    >>> rate = econ.evaluate(sc).metric("breakeven_subsidy_usd_per_kg")[0]
    >>> bool(np.isclose(o.size[0], rate))
    True
    """
    names = list(INSTRUMENTS) if instruments is None else list(instruments)
    unknown = [k for k in names if k not in INSTRUMENTS]
    if unknown:
        raise ValueError(f"unknown instrument {unknown[0]!r} (expected one of {list(INSTRUMENTS)})")
    if not -1 < state_discount_rate < 1:
        raise ValueError(f"'state_discount_rate' must be in (-1, 1) (got {state_discount_rate})")
    for sc in scenarios:
        if sc.model.name != "project":
            raise ValueError(
                f"{sc.name!r} is a {sc.model.name!r} scenario: only project scenarios "
                '(model = "project") have instruments to allocate'
            )
    first = min(sc.start_year for sc in scenarios) if base_year is None else base_year
    last = max(sc.years[-1] for sc in scenarios)
    years = tuple(range(first, last + 1))
    n_proj, k, y_count = len(scenarios), len(names), len(years)
    n = n_proj * k
    cost = np.zeros((n, y_count))
    volume = np.zeros((n, y_count))
    size = np.empty(n)
    within = np.zeros(n, dtype=bool)
    capacity = np.empty(n)
    lcop = np.empty(n)
    bench = np.empty(n)
    groups: dict[tuple[object, ...], list[int]] = {}
    for j, sc in enumerate(scenarios):
        key = (sc.model.input_keys, sc.start_year, sc.horizon_yr, in_rubles(sc))
        groups.setdefault(key, []).append(j)
    for members in groups.values():
        group = [scenarios[j] for j in members]
        sc0 = group[0]
        model = comparison_model(sc0)
        values = evaluate_model(
            model,
            scenario_arrays(group),
            sc0.start_year,
            sc0.horizon_yr,
            items=comparison_items(names, describe=True),
        )
        ys = np.asarray(sc0.years)
        vol_all = np.broadcast_to(values["volume_t_per_yr"], (len(group), len(ys)))
        early = ys < first
        if early.any() and np.any(vol_all[:, early] != 0):
            bad = group[int(np.flatnonzero(np.any(vol_all[:, early] != 0, axis=1))[0])]
            raise ValueError(
                f"{bad.name!r} produces before the portfolio's first year ({first}): "
                "its fiscal cost there would be left out"
            )
        inside = ys >= first
        cols = ys[inside] - first
        first_prod = np.broadcast_to(values["first_production_year"][:, 0], (len(group),))
        bench_row = np.broadcast_to(values["benchmark_cost_usd_per_kg"], vol_all.shape)
        for m, name in enumerate(names):
            sz, flows = fiscal_flows(values, name)
            spec = model.input(_VARIABLE[name])
            ok = spec.ok(sz.reshape(-1, 1), sc0.start_year, int(ys[-1]))[:, 0]
            for g, j in enumerate(members):
                i = j * k + m
                size[i] = sz[g]
                within[i] = bool(ok[g]) or sz[g] <= 0
                cost[i, cols] = flows[g, inside]
                volume[i, cols] = vol_all[g, inside]
                capacity[i] = float(np.broadcast_to(values["capacity_t_per_yr"][:, 0], sz.shape)[g])
                lcop[i] = float(
                    np.broadcast_to(values["levelized_cost_usd_per_kg"][:, 0], sz.shape)[g]
                )
                at = int(min(max(first_prod[g] - sc0.start_year, 0), len(ys) - 1))
                bench[i] = float(bench_row[g, at])
    factor = (1.0 + state_discount_rate) ** -(np.arange(y_count, dtype=np.float64) + 1.0)
    return Options(
        names=tuple(sc.name for sc in scenarios),
        titles=tuple(titles) if titles is not None else tuple(sc.name for sc in scenarios),
        project=np.repeat(np.arange(n_proj, dtype=np.int64), k),
        instrument=tuple(names) * n_proj,
        size=size,
        within_terms=within,
        years=years,
        cost_usd_per_yr=cost,
        cost_pv_usd=cost @ factor,
        capacity_t_per_yr=capacity,
        volume_t_per_yr=volume,
        levelized_cost_usd_per_kg=lcop,
        benchmark_usd_per_kg=bench,
        state_discount_rate=state_discount_rate,
    )


@contextmanager
def quiet_stdout() -> Iterator[None]:
    """Standard output silenced at the file-descriptor level: HiGHS, a C++
    library, writes some lines on large instances to fd 1 whatever
    ``disp`` says, past Python's ``sys.stdout``."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no fd 1 (a detached process): nothing to silence
        yield
        return
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
        finally:
            os.close(null)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


@dataclass(frozen=True)
class Solution:
    """The optimizer's answer.

    Attributes:
        chosen: shape ``(n,)``, the options taken.
        feasible: False when no choice meets the constraints (a volume
            target out of reach); ``chosen`` is then all False.
        capacity: capacity of the chosen options; projects their number;
            cost_pv their fiscal cost PV; volume their ``volume`` sum.
        flex_used: shape ``(Y,)``, extra envelope taken from ``flex`` per year.
    """

    chosen: BoolArray
    feasible: bool
    capacity: float
    projects: int
    cost_pv: float
    volume: float
    flex_used: Array


def _as_1d(x: Array | None, n: int, fill: float = 0.0) -> Array:
    return np.full(n, fill) if x is None else np.asarray(x, dtype=np.float64).reshape(n)


def solve_allocation(
    project: IntArray,
    capacity: Array,
    cost_pv: Array,
    spend: Array,
    budget: float,
    *,
    objective: Objective = "capacity",
    cost_by_year: Array | None = None,
    envelope: Array | None = None,
    volume: Array | None = None,
    target: float = 0.0,
    flex: float = 0.0,
    at_least: Sequence[tuple[Array, float]] = (),
) -> Solution:
    """The exact best choice of options (see module docs).

    Args:
        project: shape ``(n,)``, each option's project (any integers); a
            project takes at most one option.
        capacity: shape ``(n,)``, capacity each option supports (t/yr).
        cost_pv: shape ``(n,)``, each option's fiscal cost PV (USD): the
            tie-break, and the objective of ``cost``.
        spend: shape ``(n,)``, what each option draws from ``budget`` (USD).
        budget: the total (USD); ``inf`` for none.
        objective: ``capacity``, ``projects`` or ``cost``.
        cost_by_year: shape ``(n, Y)``, fiscal cost per year (USD/yr).
        envelope: shape ``(Y,)``, the most that may be spent each year
            (``inf``: no cap that year).
        volume: shape ``(n,)``, each option's production in the target year
            (t/yr), for ``cost``.
        target: the production to reach, for ``cost``.
        flex: an extra amount (USD) that may be added to the envelope, split
            over the years as needed (how "one more billion" is asked).
        at_least: further constraints ``sum_i x_i a_i >= b``, each
            ``(a, b)`` with ``a`` shape ``(n,)`` (an import-share target:
            output replacing imports at least the tonnes it needs), for
            every objective.

    Returns:
        The lexicographic optimum; ``feasible`` False if there is none.

    Raises:
        ValueError: inconsistent shapes, NaN costs, or an unknown objective.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array, hstack, vstack

    project = np.asarray(project)
    n = len(project)
    capacity, cost_pv, spend = (_as_1d(a, n) for a in (capacity, cost_pv, spend))
    vol = _as_1d(volume, n)
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES} (got {objective!r})")
    by_year = np.zeros((n, 0)) if cost_by_year is None else np.asarray(cost_by_year, np.float64)
    env = np.zeros(0) if envelope is None else np.asarray(envelope, np.float64).reshape(-1)
    if by_year.shape[0] != n or (envelope is not None and by_year.shape[1] != len(env)):
        raise ValueError("cost_by_year must be (n, Y) with envelope (Y,)")
    rows_at_least = [(_as_1d(a, n), float(b)) for a, b in at_least]
    if not all(
        np.isfinite(a).all()
        for a in (capacity, cost_pv, spend, vol, by_year, *(r for r, _ in rows_at_least))
    ):
        raise ValueError("options must have finite costs, capacities and volumes")
    empty = Solution(np.zeros(n, dtype=bool), False, 0.0, 0, 0.0, 0.0, np.zeros(len(env)))
    if n == 0:
        reachable = all(b <= 0 for _, b in rows_at_least)
        return replace(empty, feasible=(objective != "cost" or target <= 0) and reachable)

    capped = np.flatnonzero(np.isfinite(env)) if envelope is not None else np.zeros(0, int)
    n_flex = len(capped) if flex > 0 else 0
    width = n + n_flex
    # One row per project: at most one option.
    _, group = np.unique(project, return_inverse=True)
    rows: list[csr_array] = [
        csr_array(
            (np.ones(n), (group.reshape(-1), np.arange(n))), shape=(int(group.max()) + 1, width)
        )
    ]
    lo: list[Array] = [np.full(int(group.max()) + 1, -np.inf)]
    hi: list[Array] = [np.ones(int(group.max()) + 1)]
    if math.isfinite(budget):
        rows.append(csr_array(np.concatenate([spend, np.zeros(n_flex)]).reshape(1, -1)))
        lo.append(np.array([-np.inf]))
        hi.append(np.array([budget]))
    if len(capped):
        block = csr_array(by_year[:, capped].T)
        if n_flex:
            block = hstack([block, csr_array(-np.eye(n_flex))], format="csr")
            rows.append(block)
            rows.append(csr_array(np.concatenate([np.zeros(n), np.ones(n_flex)]).reshape(1, -1)))
            lo += [np.full(len(capped), -np.inf), np.array([-np.inf])]
            hi += [env[capped], np.array([flex])]
        else:
            rows.append(block)
            lo.append(np.full(len(capped), -np.inf))
            hi.append(env[capped])
    pad = np.zeros(n_flex)
    if objective == "cost":
        rows.append(csr_array(np.concatenate([vol, pad]).reshape(1, -1)))
        lo.append(np.array([target]))
        hi.append(np.array([np.inf]))
    for a, b in rows_at_least:
        rows.append(csr_array(np.concatenate([a, pad]).reshape(1, -1)))
        lo.append(np.array([b]))
        hi.append(np.array([np.inf]))
    a_matrix = vstack(rows, format="csr")
    integrality = np.concatenate([np.ones(n), np.zeros(n_flex)])
    bounds = Bounds(np.zeros(width), np.concatenate([np.ones(n), np.full(n_flex, np.inf)]))
    opts = {"mip_rel_gap": 0.0, "disp": False}

    def run(c: Array, extra: tuple[Array, float] | None) -> Array | None:
        cons = [LinearConstraint(a_matrix, np.concatenate(lo), np.concatenate(hi))]
        if extra is not None:
            cons.append(LinearConstraint(extra[0].reshape(1, -1), extra[1], np.inf))
        with quiet_stdout():
            res = milp(c, constraints=cons, integrality=integrality, bounds=bounds, options=opts)
        return None if res.x is None else np.asarray(res.x, dtype=np.float64)

    cost_c = np.concatenate([cost_pv, pad])
    if objective == "cost":
        x = run(cost_c, None)
    else:
        gain = capacity if objective == "capacity" else np.ones(n)
        gain_c = np.concatenate([gain, pad])
        first = run(-gain_c, None)
        if first is None:  # x = 0 is feasible unless an at_least row asks for more
            return empty
        best = float(gain_c @ first)
        hold = best - _HOLD * max(1.0, abs(best)) if objective == "capacity" else best - 0.5
        x = run(cost_c, (gain_c, hold))
        x = first if x is None else x
    if x is None:
        return empty
    chosen = x[:n] > 0.5
    used = np.zeros(len(env))
    if n_flex:
        used[capped] = np.maximum(by_year[chosen][:, capped].sum(axis=0) - env[capped], 0.0)
    return Solution(
        chosen,
        True,
        float(capacity[chosen].sum()),
        len(np.unique(project[chosen])),
        float(cost_pv[chosen].sum()),
        float(vol[chosen].sum()),
        used,
    )
