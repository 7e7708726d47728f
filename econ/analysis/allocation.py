"""Spread a budget over projects: which to support, with which instrument.

Two layers, kept apart:

* :func:`instrument_options` turns evaluated projects into the **options
  table** (:class:`Options`): one row per (project, instrument) with the
  instrument's breakeven size, the fiscal cost it puts on the state each
  year (USD/yr over a common calendar), that cost's present value at the
  state's discount rate, the capacity it supports and the project's
  levelized cost. Today the one instrument is the per-kg production subsidy
  at its breakeven rate (``breakeven_subsidy_usd_per_kg``): the fiscal cost
  of a year is that rate times the year's production. Further instruments
  (capex grant, soft loan, tax holiday, price floor, ...) add rows in the
  same shape; nothing downstream changes.
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

A project whose breakeven subsidy is negative needs no support: its option
costs nothing (the rate is clipped at 0), and it is reported as viable
without support.

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from econ.engine import Results

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "INSTRUMENTS",
    "OBJECTIVES",
    "Options",
    "Solution",
    "instrument_options",
    "solve_allocation",
]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
Objective = Literal["capacity", "projects", "cost"]

#: The instruments econ can price today, and what their size is measured in.
INSTRUMENTS: Mapping[str, tuple[str, str]] = {
    "production_subsidy": ("Production subsidy at its breakeven rate", "USD/kg"),
}
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
            :data:`INSTRUMENTS`), before clipping at 0.
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
                "cost_total_usd": self.total_cost_usd,
                "cost_pv_usd": self.cost_pv_usd,
                "capacity_t_per_yr": self.capacity_t_per_yr,
                "levelized_cost_usd_per_kg": self.levelized_cost_usd_per_kg,
                "benchmark_usd_per_kg": self.benchmark_usd_per_kg,
            }
        )


def _first_value(results: Results, key: str, at: int) -> float:
    row = results.row(key)
    return float(row[min(max(at, 0), len(row) - 1)])


def instrument_options(
    results_for_projects: Sequence[Results],
    state_discount_rate: float,
    *,
    titles: Sequence[str] | None = None,
    base_year: int | None = None,
) -> Options:
    """The options table of evaluated project scenarios (see module docs).

    Args:
        results_for_projects: ``econ.evaluate(scenario)`` of each project
            (project model; the first scenario of each is used).
        state_discount_rate: the state's discount rate for the fiscal cost PV
            (a fraction, e.g. 0.08).
        titles: display titles (default: the scenario names).
        base_year: the first year of the calendar (default: the earliest
            project start); PVs are to the start of it.

    Returns:
        One production-subsidy option per project today.

    Raises:
        ValueError: a result that is not of the project model, one that
            produces before ``base_year``, or a rate outside ``(-1, 1)``.

    The fiscal cost of the production subsidy in year ``y`` is
    ``max(breakeven, 0) [USD/kg] * volume_y [t/yr] * 1000 [kg/t]``:

    >>> import econ
    >>> r = econ.evaluate(econ.load_scenario("seeds/magnets_plant.toml"))
    >>> o = instrument_options([r], 0.08)
    >>> rate = r.metric("breakeven_subsidy_usd_per_kg")[0]
    >>> bool(np.isclose(o.cost_usd_per_yr[0, -1], rate * 1000 * 1000))
    True
    """
    if not -1 < state_discount_rate < 1:
        raise ValueError(f"'state_discount_rate' must be in (-1, 1) (got {state_discount_rate})")
    for r in results_for_projects:
        if "breakeven_subsidy_usd_per_kg" not in r.values or "volume_t_per_yr" not in r.values:
            raise ValueError(
                f"{r.names[0]!r} is a {r.model.name!r} scenario: only project scenarios "
                '(model = "project") have instruments to allocate'
            )
    first = min(r.years[0] for r in results_for_projects) if base_year is None else base_year
    for r in results_for_projects:
        early = np.asarray(r.years) < first
        if early.any() and np.any(r.row("volume_t_per_yr")[early] != 0):
            raise ValueError(
                f"{r.names[0]!r} produces before the portfolio's first year ({first}): "
                "its fiscal cost there would be left out"
            )
    last = max(r.years[-1] for r in results_for_projects)
    years = tuple(range(first, last + 1))
    n, y_count = len(results_for_projects), len(years)
    cost = np.zeros((n, y_count))
    volume = np.zeros((n, y_count))
    size = np.empty(n)
    capacity = np.empty(n)
    lcop = np.empty(n)
    bench = np.empty(n)
    for i, r in enumerate(results_for_projects):
        rate = float(r.metric("breakeven_subsidy_usd_per_kg")[0])
        size[i] = rate
        ys = np.asarray(r.years)
        inside = (ys >= first) & (ys <= last)
        cols = ys[inside] - first
        vol = r.row("volume_t_per_yr")[inside]
        volume[i, cols] = vol
        cost[i, cols] = max(rate, 0.0) * vol * 1000.0 if math.isfinite(rate) else math.nan
        capacity[i] = r.scalars()["capacity_t_per_yr"]
        lcop[i] = float(r.metric("levelized_cost_usd_per_kg")[0])
        start = int(r.scalars()["first_production_year"]) - r.years[0]
        bench[i] = _first_value(r, "benchmark_cost_usd_per_kg", start)
    factor = (1.0 + state_discount_rate) ** -(np.arange(y_count, dtype=np.float64) + 1.0)
    return Options(
        names=tuple(r.names[0] for r in results_for_projects),
        titles=tuple(titles)
        if titles is not None
        else tuple(r.names[0] for r in results_for_projects),
        project=np.arange(n, dtype=np.int64),
        instrument=("production_subsidy",) * n,
        size=size,
        years=years,
        cost_usd_per_yr=cost,
        cost_pv_usd=cost @ factor,
        capacity_t_per_yr=capacity,
        volume_t_per_yr=volume,
        levelized_cost_usd_per_kg=lcop,
        benchmark_usd_per_kg=bench,
        state_discount_rate=state_discount_rate,
    )


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
    if not all(np.isfinite(a).all() for a in (capacity, cost_pv, spend, vol, by_year)):
        raise ValueError("options must have finite costs, capacities and volumes")
    empty = Solution(np.zeros(n, dtype=bool), False, 0.0, 0, 0.0, 0.0, np.zeros(len(env)))
    if n == 0:
        return replace(empty, feasible=objective != "cost" or target <= 0)

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
    a_matrix = vstack(rows, format="csr")
    integrality = np.concatenate([np.ones(n), np.zeros(n_flex)])
    bounds = Bounds(np.zeros(width), np.concatenate([np.ones(n), np.full(n_flex, np.inf)]))
    opts = {"mip_rel_gap": 0.0}

    def run(c: Array, extra: tuple[Array, float] | None) -> Array | None:
        cons = [LinearConstraint(a_matrix, np.concatenate(lo), np.concatenate(hi))]
        if extra is not None:
            cons.append(LinearConstraint(extra[0].reshape(1, -1), extra[1], np.inf))
        res = milp(c, constraints=cons, integrality=integrality, bounds=bounds, options=opts)
        return None if res.x is None else np.asarray(res.x, dtype=np.float64)

    cost_c = np.concatenate([cost_pv, pad])
    if objective == "cost":
        x = run(cost_c, None)
    else:
        gain = capacity if objective == "capacity" else np.ones(n)
        gain_c = np.concatenate([gain, pad])
        first = run(-gain_c, None)
        if first is None:  # pragma: no cover - x = 0 is always feasible
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
