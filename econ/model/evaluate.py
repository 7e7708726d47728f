"""Evaluate a model over many scenarios at once: the graph in topological
order, each node by :mod:`econ.model.numpy_backend`, engine-solved values by
:func:`econ.model.solve.solve_root`. A balance (items reading their own past)
runs as generated code (:mod:`econ.model.compiled`), as does every item of a
model whose code was kept with it (:func:`warm`, :mod:`econ.cache`); the
generated code makes the interpreter's numpy calls, so the values are the same.

Pure: arrays in, arrays out, no files, no clock.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from econ.model.compiled import CODE, LIMIT, Key, bounded, code_bytes, compile_balance, stored_item
from econ.model.expr import Expr, Prev, as_node, refs
from econ.model.numpy_backend import evaluate, may_be_na
from econ.model.schema import LineItem, Model, Solve
from econ.model.solve import solve_root, solve_whole

__all__ = ["evaluate_model", "input_env", "needed_items"]

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
    items: Collection[str] | None = None,
) -> dict[str, Array]:
    """Evaluate every line item of ``model`` (or only ``items`` and what they read).

    Args:
        model: the model definition.
        inputs: every input by key, each a scalar, shape ``(S,)`` (one value
            per scenario) or ``(S, Y)`` (per scenario and year).
        start_year: first calendar year of the timeline.
        n_years: Y, the number of years.
        items: evaluate only these line items and their ancestors (default:
            every line item). A Monte Carlo run asking for metrics that need
            no solve skips the plug-back blocks this way.

    Returns:
        Every input, constant, timeline name and (evaluated) line item by key:
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
    keep = None if items is None else needed_items(model, items)
    if size <= chunk:
        return _evaluate(model, arrays, start_year, n_years, keep)
    out: dict[str, Array] = {}
    for lo in range(0, size, chunk):
        part = {
            k: a[lo : lo + chunk] if a.ndim and a.shape[0] > 1 else a for k, a in arrays.items()
        }
        env = _evaluate(model, part, start_year, n_years, keep)
        if not out:
            out = {k: np.empty((size, v.shape[1])) if v.shape[0] > 1 else v for k, v in env.items()}
        for k, v in env.items():
            if out[k].shape[0] == size:
                out[k][lo : lo + chunk] = v
    return out


def warm(model: Model) -> None:
    """Derive what every evaluation of ``model`` needs (the evaluation order,
    the n/a items, each solve's plan) now, so that a model kept on disk
    (:mod:`econ.cache`) carries them."""
    steps = model.cached("steps", lambda: evaluation_steps(model))
    assert isinstance(steps, list)
    na_names = na_items(model)
    groups = list(steps)
    for solve in model.solves:
        plan = model.cached(("solve-plan", solve.key), functools.partial(_solve_plan, model, solve))
        assert isinstance(plan, _SolvePlan)
        groups += plan.fixed_steps + plan.moving_steps
    infos = {tuple(g): _group_info(g) for g in groups}
    codes: dict[Key, bytes] = {}
    for group in groups:
        keys = tuple(it.key for it in group)
        exprs = tuple(it.expr for it in group)
        if infos[tuple(group)][0]:
            key: Key = ("balance", keys, exprs, na_names)
        elif not group[0].solved:
            key = ("item", keys, exprs, na_names)
        else:
            continue
        codes[key] = code_bytes(key)
    model.cached("group-info", lambda: infos)
    model.cached("balance-code", lambda: codes)


def _seed_caches(model: Model) -> bool:
    """Hand what :func:`warm` stored in ``model`` (a model loaded from disk)
    to this process's caches."""
    infos = model.cached("group-info", dict)
    codes = model.cached("balance-code", dict)
    assert isinstance(infos, dict) and isinstance(codes, dict)
    bounded(_GROUPS, 4 * LIMIT, len(infos)).update(infos)
    bounded(CODE, LIMIT, len(codes)).update(codes)
    return True


def needed_items(model: Model, keys: Collection[str]) -> frozenset[str]:
    """The line items ``keys`` and every line item they read, directly or not
    (an engine-solved value reads what its plug-back block reads).

    Raises:
        KeyError: a key that is not a line item of the model.
    """

    def make() -> frozenset[str]:
        pending = [model.item(k).key for k in keys]
        seen: set[str] = set()
        while pending:
            key = pending.pop()
            if key in seen:
                continue
            seen.add(key)
            item = model.item(key)
            read = set(refs(item.expr)) | (set(model.deps(key)) if item.solved else set())
            pending += [
                r for r in read if r not in seen and r in model and isinstance(model[r], LineItem)
            ]
        return frozenset(seen)

    out = model.cached(("needed", frozenset(keys)), make)
    assert isinstance(out, frozenset)
    return out


def evaluation_steps(model: Model, items: Sequence[LineItem] | None = None) -> list[list[LineItem]]:
    """The items in evaluation order, grouped: a group of several items (or
    one reading its own past through ``Prev``) is a balance evaluated year by
    year; every other group is one item, evaluated over all years at once.

    Groups are the strongly connected components of the graph whose edges
    include the rows read one year back; they are ordered topologically,
    otherwise in definition order.
    """
    items = list(model.items if items is None else items)
    pos = {it.key: n for n, it in enumerate(items)}
    edges = {it.key: [r for r in set(refs(it.expr)) if r in pos] for it in items}
    if any(it.solved for it in items):  # an engine-solved value reads its block's inputs
        for it in items:
            if it.solved:
                edges[it.key] = [d for d in model.deps(it.key) if d in pos]
    # Tarjan's strongly connected components, iteratively.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    comps: list[list[str]] = []
    counter = 0
    for root in pos:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            recurse = False
            for j in range(i, len(edges[node])):
                nxt = edges[node][j]
                if nxt not in index:
                    work.append((node, j + 1))
                    work.append((nxt, 0))
                    recurse = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if recurse:
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                comps.append(sorted(comp, key=pos.__getitem__))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    comp_of = {k: n for n, comp in enumerate(comps) for k in comp}
    needs = {n: {comp_of[d] for k in comp for d in edges[k]} - {n} for n, comp in enumerate(comps)}
    done: set[int] = set()
    order: list[list[LineItem]] = []
    pending = sorted(range(len(comps)), key=lambda n: pos[comps[n][0]])
    while pending:
        for n in pending:
            if needs[n] <= done:
                order.append([items[pos[k]] for k in comps[n]])
                done.add(n)
                pending.remove(n)
                break
        else:  # pragma: no cover - components form a DAG
            raise ValueError("cycle between components")
    return order


#: Keyed by the items themselves (which keeps them alive): an ``id`` could be
#: reused by another model's items once a model is freed.
_GROUPS: dict[tuple[LineItem, ...], tuple[bool, frozenset[str]]] = {}


def _group_info(group: list[LineItem]) -> tuple[bool, frozenset[str]]:
    """Whether a group is a balance evaluated year by year, and the names its
    items read (cached: the groups of a model are built once)."""
    key = tuple(group)
    info = _GROUPS.get(key)
    if info is None:
        item = group[0]
        recurrent = len(group) > 1 or any(
            isinstance(n, Prev) and n.series.name == item.key for n in _walk(item.expr)
        )
        names = frozenset(n for it in group for n in refs(it.expr))
        info = bounded(_GROUPS, 4 * LIMIT)[key] = (recurrent, names)
    return info


def _walk(e: Expr) -> Iterator[Expr]:
    node = as_node(e)
    yield node
    for child in node.children():
        yield from _walk(child)


#: Balances run as generated code (:mod:`econ.model.compiled`); ``False``
#: interprets them node by node (the tests compare the two).
COMPILE_BALANCES = True


def _run(
    steps: Sequence[list[LineItem]],
    env: dict[str, Array],
    n_years: int,
    na_names: frozenset[str],
    solve_item: Callable[[LineItem, dict[str, Array]], Array],
    size: int,
) -> None:
    """Evaluate ``steps`` into ``env`` (``size``: the number of scenarios,
    under the caller's ``np.errstate``)."""
    for group in steps:
        recurrent, names = _group_info(group)
        if not recurrent:
            item = group[0]
            if item.solved:
                env[item.key] = solve_item(item, env)
                continue
            fn = stored_item(item.key, item.expr, na_names) if COMPILE_BALANCES else None
            if fn is not None:
                value = fn(env, n_years)
            else:
                value = evaluate(item.expr, env, n_years, na_names, quiet=False)
            if item.shape == "scalar" and value.shape[1] != 1:
                raise ValueError(f"scalar item {item.key!r} depends on a row")
            env[item.key] = value
            continue
        # A balance: year by year, each item reading last year's values.
        if COMPILE_BALANCES:
            keys = [it.key for it in group]
            out = {k: np.empty((size, n_years), order="F") for k in keys}
            compile_balance(keys, [it.expr for it in group], na_names)(env, out, n_years)
            env.update((k, np.ascontiguousarray(v)) for k, v in out.items())
            continue
        out = {it.key: np.empty((size, n_years)) for it in group}
        for t in range(n_years):
            col = {
                k: (v[:, t : t + 1] if v.shape[1] == n_years else v)
                for k in names
                if (v := env.get(k)) is not None
            }

            def lag(name: str, initial: Array, t: int = t, out: dict[str, Array] = out) -> Array:
                if t == 0:
                    return initial
                source = out[name] if name in out else env[name]
                return source[:, t - 1 : t]

            for it in group:
                value = evaluate(it.expr, col, 1, na_names, lag, quiet=False)
                out[it.key][:, t : t + 1] = value
                col[it.key] = out[it.key][:, t : t + 1]
        env.update(out)


@dataclass(frozen=True)
class _SolvePlan:
    """How an engine solve re-evaluates its plug-back block.

    Attributes:
        fixed_steps: groups of the block the variable does not reach
            (evaluated once per solve).
        moving_steps: groups between the variable and the target, in order
            (evaluated at every step); other rows of the block (a second
            plug-back block, say) are left to the model's own pass.
        reads: the names the moving groups read.
    """

    fixed_steps: list[list[LineItem]]
    moving_steps: list[list[LineItem]]
    reads: frozenset[str]


def _solve_plan(model: Model, solve: Solve) -> _SolvePlan:
    prefix = f"{solve.prefix}_"
    steps = evaluation_steps(model, [i for i in model.items if i.key.startswith(prefix)])
    # Only the target's ancestors inside the block are needed.
    needed = {f"{prefix}{solve.target}"}
    for group in reversed(steps):
        if any(it.key in needed for it in group):
            needed |= {it.key for it in group} | _group_info(group)[1]
    steps = [g for g in steps if any(it.key in needed for it in g)]
    moved = {solve.key}
    fixed, moving = [], []
    for group in steps:
        if _group_info(group)[1] & moved:
            moving.append(group)
            moved |= {it.key for it in group}
        else:
            fixed.append(group)
    reads = frozenset().union(*(_group_info(g)[1] for g in moving))
    return _SolvePlan(fixed, moving, reads)


def _evaluate(
    model: Model,
    inputs: Mapping[str, ArrayLike],
    start_year: int,
    n_years: int,
    keep: frozenset[str] | None = None,
) -> dict[str, Array]:
    model.cached("seeded", lambda: _seed_caches(model))
    env = input_env(model, inputs, start_year, n_years)
    na_names = na_items(model)
    solves = {s.key: s for s in model.solves}
    if keep is None:
        steps = model.cached("steps", lambda: evaluation_steps(model))
    else:
        steps = model.cached(
            ("steps", keep),
            lambda: evaluation_steps(model, [i for i in model.items if i.key in keep]),
        )
    assert isinstance(steps, list)

    def solve_item(item: LineItem, env: dict[str, Array]) -> Array:
        solve = solves[item.key]
        size = max(a.shape[0] for a in env.values())  # a nested solve sees fewer rows
        plan = model.cached(("solve-plan", solve.key), lambda: _solve_plan(model, solve))
        assert isinstance(plan, _SolvePlan)
        target = f"{solve.prefix}_{solve.target}"
        # Rows of the block that do not move with the variable (capex, the
        # debt schedule, anything upstream of it) are evaluated once, not at
        # every step of the solver.
        env = dict(env)
        _run(plan.fixed_steps, env, n_years, na_names, solve_item, size)
        block_steps, reads = plan.moving_steps, plan.reads

        def target_at(x: Array, rows: NDArray[np.intp]) -> Array:
            # Only the scenarios still unsolved are evaluated: the names the
            # block reads are cut down to those rows (a name shared by every
            # scenario, shape (1, .), is kept whole).
            if rows.size == size:
                trial = dict(env)
            else:
                trial = {
                    k: (v[rows] if v.shape[0] == size else v)
                    for k in reads
                    if (v := env.get(k)) is not None
                }
            trial[item.key] = x
            _run(block_steps, trial, n_years, na_names, solve_item, int(rows.size))
            return np.broadcast_to(trial[target], x.shape)

        probe = np.broadcast_to(evaluate(solve.probe, env, n_years), (size, 1))
        if solve.variable in model.input_keys and model.input(solve.variable).kind == "whole":
            return solve_whole(target_at, np.array(probe))
        return solve_root(target_at, np.array(probe), subset=True)

    size = max(a.shape[0] for a in env.values())
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        _run(steps, env, n_years, na_names, solve_item, size)
    return env
