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
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from econ.model import kernel
from econ.model.compiled import CODE, LIMIT, Key, bounded, code_bytes, compile_balance, stored_item
from econ.model.expr import CHECK_TOLERANCE, Expr, Prev, as_node, refs
from econ.model.kernel import RowsView
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
    kernels: bool | None = None,
) -> dict[str, Array]:
    """Evaluate every line item of ``model`` (or only ``items`` and what they read).

    Args:
        model: the model definition.
        inputs: every input by key, each a scalar, shape ``(S,)`` (one value
            per scenario) or ``(S, Y)`` (per scenario and year).
        start_year: first calendar year of the timeline.
        n_years: Y, the number of years.
        items: evaluate only these line items and their ancestors (default:
            every line item), and return only these. A Monte Carlo run asking
            for metrics that need no solve skips the plug-back blocks this
            way, and its kernels write nothing else.
        kernels: evaluate with compiled kernels (:mod:`econ.model.kernel`)
            where a C compiler is available; ``None``: when there are at
            least :data:`~econ.model.kernel.KERNEL_ROWS` scenarios. The
            choice holds for every chunk and every solver step of the call,
            so a scenario's values do not depend on how the call is split;
            a caller splitting one run into several calls (Monte Carlo
            chunks) passes the run's choice to each.

    Returns:
        Every input, constant, timeline name and (evaluated, or asked for)
        line item by key:
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
    want = None if items is None else frozenset(model.item(k).key for k in items)
    # One backend for the whole call, whatever its chunks or a solve's subsets.
    use = size >= kernel.KERNEL_ROWS if kernels is None else kernels
    use = use and KERNELS and _kernels_available()
    if size <= chunk:
        return _evaluate(model, arrays, start_year, n_years, keep, want, use)
    out: dict[str, Array] = {}
    for lo in range(0, size, chunk):
        part = {
            k: a[lo : lo + chunk] if a.ndim and a.shape[0] > 1 else a for k, a in arrays.items()
        }
        env = _evaluate(model, part, start_year, n_years, keep, want, use)
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


#: Runs of items evaluated by compiled kernels (:mod:`econ.model.kernel`)
#: when numba is installed; ``False`` keeps every step with numpy (the tests
#: compare the two).
KERNELS = True


def _kernels_available() -> bool:
    return kernel.available()


@dataclass
class _KernelStep:
    """Groups evaluated together by one kernel."""

    groups: list[list[LineItem]]
    balances: list[bool]
    reads: frozenset[str]
    outputs: tuple[str, ...]
    na_names: frozenset[str]

    def run(self, env: dict[str, Array], size: int, n_years: int) -> dict[str, Array]:
        k = kernel.kernel_for(
            self.groups, self.balances, self.reads, env, n_years, self.outputs, self.na_names
        )
        if k is None:  # not built (see kernel.FAILURES): numpy evaluates the groups
            return self.with_numpy(env, size, n_years)

        def fallback(rows: NDArray[np.intp]) -> dict[str, Array]:
            part = {
                key: (v[rows] if v.shape[0] == size and size > 1 else v)
                for key in self.reads
                if (v := env.get(key)) is not None
            }
            return self.with_numpy(part, int(rows.size), n_years)

        return k(env, size, n_years, fallback)

    def with_numpy(self, env: Mapping[str, Array], size: int, n_years: int) -> dict[str, Array]:
        """The outputs as the numpy backend gives them."""
        local = env.copy() if isinstance(env, RowsView) else dict(env)
        _run(self.groups, local, n_years, self.na_names, _no_solve, size, kernels=False)
        return {key: local[key] for key in self.outputs}


def _no_solve(item: LineItem, env: dict[str, Array], size: int) -> Array:  # pragma: no cover
    raise AssertionError(f"{item.key!r}: a solve inside a kernel's run")


def _with_kernels(
    steps: Sequence[list[LineItem]],
    n_years: int,
    na_names: frozenset[str],
    want: Collection[str] | None,
) -> list[Any]:
    """``steps`` as kernel steps and numpy steps (cached).

    Between two engine solves the groups are reordered, as their reads allow,
    so that as few kernels as possible are interrupted by groups the kernels
    do not take (an IRR): every supported group whose inputs are ready joins
    the current kernel, then every unsupported one that is ready runs, and so
    on. A kernel writes the items later steps or the caller (``want``; None:
    all) read.
    """
    key = (tuple(tuple(g) for g in steps), None if want is None else frozenset(want), na_names)
    plan = _PLANS.get(key)
    if plan is not None:
        return plan
    order: list[tuple[bool, list[list[LineItem]]]] = []  # (kernel?, groups)
    section: list[list[LineItem]] = []
    for group in [*steps, None]:
        if group is not None and not group[0].solved:
            section.append(group)
            continue
        order += _phases(section)
        section = []
        if group is not None:
            order.append((False, [group]))
    # What is read after each phase (a solve: what its plug-back block reads,
    # when known, else anything).
    after: list[frozenset[str] | None] = []
    acc: set[str] | None = None if want is None else set(want)
    for _, groups in reversed(order):
        after.append(None if acc is None else frozenset(acc))
        for g in groups:
            if acc is None:
                break
            if g[0].solved:
                block = _SOLVE_READS.get(g[0])
                acc = None if block is None else acc | block
            else:
                acc |= _group_info(g)[1]
    after.reverse()
    out: list[Any] = []
    for (is_kernel, groups), later in zip(order, after, strict=True):
        if not is_kernel:
            out += groups
            continue
        produced = [it.key for g in groups for it in g]
        outputs = tuple(k for k in produced if later is None or k in later)
        if not outputs:
            continue
        reads = frozenset().union(*(_group_info(g)[1] for g in groups)) - set(produced)
        reads |= {"year", CHECK_TOLERANCE}
        balances = [_group_info(g)[0] for g in groups]
        out.append(_KernelStep(groups, balances, reads, outputs, na_names))
    bounded(_PLANS, LIMIT)[key] = out
    return out


def _phases(section: list[list[LineItem]]) -> list[tuple[bool, list[list[LineItem]]]]:
    """Groups without a solve, split into alternating kernel and numpy phases
    (each group after every group it reads)."""
    ok = {id(g): kernel.supported(g) for g in section}
    phases: list[tuple[bool, list[list[LineItem]]]] = []
    remaining = list(section)
    want_kernel = True
    while remaining:
        taken: list[list[LineItem]] = []
        rest: list[list[LineItem]] = []
        pending: set[str] = set()  # produced by groups not taken yet
        for g in remaining:
            if ok[id(g)] == want_kernel and not (_group_info(g)[1] & pending):
                taken.append(g)
            else:
                rest.append(g)
                pending |= {it.key for it in g}
        if taken:
            phases.append((want_kernel, taken))
        remaining = rest
        want_kernel = not want_kernel
    return phases


_PLANS: dict[Any, list[Any]] = {}

#: The names an engine-solved item's solve reads (its plug-back block's
#: inputs and its probe), by item; filled by each evaluation of a model.
_SOLVE_READS: dict[LineItem, frozenset[str] | None] = {}


def _solve_reads(model: Model, solve: Solve) -> frozenset[str] | None:
    """What solving ``solve`` reads from the evaluation (``None``: not known,
    a solve inside its block)."""
    plan = model.cached(("solve-plan", solve.key), functools.partial(_solve_plan, model, solve))
    assert isinstance(plan, _SolvePlan)
    groups = plan.fixed_steps + plan.moving_steps
    if any(g[0].solved for g in groups):
        return None
    produced = {it.key for g in groups for it in g}
    names = set(refs(solve.probe)).union(*(_group_info(g)[1] for g in groups))
    return frozenset(names - produced)


#: Balances run as generated code (:mod:`econ.model.compiled`); ``False``
#: interprets them node by node (the tests compare the two).
COMPILE_BALANCES = True


def _run(
    steps: Sequence[list[LineItem]],
    env: dict[str, Array],
    n_years: int,
    na_names: frozenset[str],
    solve_item: Callable[[LineItem, dict[str, Array], int], Array],
    size: int,
    want: Collection[str] | None = None,
    *,
    kernels: bool = False,
) -> None:
    """Evaluate ``steps`` into ``env`` (``size``: the number of scenarios,
    under the caller's ``np.errstate``).

    ``want``: the items the caller reads afterwards (``None``: all). With
    ``kernels``, runs of supported groups are evaluated by compiled kernels
    (:mod:`econ.model.kernel`), which write only the items later steps or the
    caller read.
    """
    if kernels:
        steps = _with_kernels(steps, n_years, na_names, want)
    for group in steps:
        if isinstance(group, _KernelStep):
            env.update(group.run(env, size, n_years))
            continue
        recurrent, names = _group_info(group)
        if not recurrent:
            item = group[0]
            if item.solved:
                env[item.key] = solve_item(item, env, size)
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
    want: frozenset[str] | None = None,
    kernels: bool = False,
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

    def solve_item(item: LineItem, env: dict[str, Array], size: int) -> Array:
        # ``size``: the scenarios of this evaluation (a nested solve sees fewer).
        solve = solves[item.key]
        plan = model.cached(("solve-plan", solve.key), lambda: _solve_plan(model, solve))
        assert isinstance(plan, _SolvePlan)
        target = f"{solve.prefix}_{solve.target}"
        # Rows of the block that do not move with the variable (capex, the
        # debt schedule, anything upstream of it) are evaluated once, not at
        # every step of the solver.
        env = env.copy()
        _run(plan.fixed_steps, env, n_years, na_names, solve_item, size, kernels=kernels)
        block_steps = plan.moving_steps

        def target_at(x: Array, rows: NDArray[np.intp]) -> Array:
            # Only the scenarios still unsolved are evaluated: the names the
            # block reads are cut down to those rows when read (a kernel
            # reads them whole through the rows' index; a name shared by
            # every scenario, shape (1, .), is kept whole).
            trial: dict[str, Array] = env.copy() if rows.size == size else RowsView(env, rows, size)
            trial[item.key] = x
            _run(
                block_steps,
                trial,
                n_years,
                na_names,
                solve_item,
                int(rows.size),
                {target},
                kernels=kernels,
            )
            return np.broadcast_to(trial[target], x.shape)

        probe = np.broadcast_to(evaluate(solve.probe, env, n_years), (size, 1))
        if solve.variable in model.input_keys and model.input(solve.variable).kind == "whole":
            return solve_whole(target_at, np.array(probe))
        return solve_root(target_at, np.array(probe), subset=True)

    size = max(a.shape[0] for a in env.values())
    if kernels and model.solves:
        for solve in model.solves:
            item = model.item(solve.key)
            if item not in _SOLVE_READS:
                make = functools.partial(_solve_reads, model, solve)
                reads = model.cached(("solve-reads", solve.key), make)
                assert reads is None or isinstance(reads, frozenset)
                bounded(_SOLVE_READS, LIMIT)[item] = reads
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        _run(steps, env, n_years, na_names, solve_item, size, want, kernels=kernels)
    if want is not None:  # the same names whichever backend ran
        items = model.cached("item-keys", lambda: frozenset(i.key for i in model.items))
        assert isinstance(items, frozenset)
        for key in [k for k in env if k in items and k not in want]:
            del env[key]
    return env
