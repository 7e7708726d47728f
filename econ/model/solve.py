"""Solved metrics derived from the graph, and the vectorized solver.

A :class:`~econ.model.schema.Solve` asks for the value of an input (the
*variable*) at which a scalar line item (the *target*, e.g. NPV) is 0, with
some other inputs held fixed (e.g. no subsidy). Nothing about the answer is
derived by hand:

1. **Plug-back block.** Every item on a path from the variable (or a fixed
   input) to the target is copied with :func:`~econ.model.expr.substitute`:
   the variable becomes the solved value, fixed inputs their values, and
   items their copies. The block is "the same cash flow at the solved value";
   a check requires its target to be 0 (within the tolerance of the solve's
   scale). The workbook carries the block as live formulas.
2. **Closed form where the graph shows it is exact.** If
   :func:`~econ.model.expr.degree` finds the target affine in the variable,
   :func:`~econ.model.expr.derivative` turns the plug-back block into slope
   rows (for a price: the after-tax volume, derived, not written by hand)
   and one Newton step from a known point is exact: ``x0 - f(x0) / f'``,
   where ``x0`` is the input's current value (``f(x0)`` is the model's own
   target) or, when other inputs are held fixed, 0 (a block at 0 gives
   ``f(0)``). n/a when the target does not move with the variable. A live
   formula of the inputs in both backends.
3. **Otherwise an engine solve.** :func:`solve_root` brackets and refines the
   root of the block's target for every scenario at once (Illinois false
   position); the workbook holds the engine's value, marked as such, and its
   live plug-back check shows whether it still holds after an edit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from econ.model.expr import (
    And,
    Binary,
    Check,
    Const,
    Eq,
    Expr,
    Flag,
    Max,
    Ref,
    SafeDiv,
    degree,
    derivative,
    simplify,
    substitute,
)
from econ.model.units import parse

if TYPE_CHECKING:
    from econ.model.schema import Constant, InputSpec, LineItem, Solve, Variant

__all__ = ["derive_solve", "derive_variant", "solve_root", "solve_whole"]

Array = NDArray[np.float64]


def _in_sentence(label: str) -> str:
    """A label inside a sentence: its first letter lower case, the rest as
    written (so "R&D" and "CfD" keep their capitals).

    >>> _in_sentence("Breakeven price floor (CfD strike)"), _in_sentence("R&D grant")
    ('breakeven price floor (CfD strike)', 'R&D grant')
    """
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def _ancestors(key: str, deps: dict[str, set[str]]) -> set[str]:
    out: set[str] = set()
    stack = [key]
    while stack:
        k = stack.pop()
        for d in deps.get(k, ()):
            if d not in out:
                out.add(d)
                stack.append(d)
    return out


def derive_solve(
    solve: Solve,
    inputs: Sequence[InputSpec],
    constants: Sequence[Constant],
    items: Iterable[LineItem],
) -> list[LineItem]:
    """The line items a solve adds to its model (see the module docs).

    Returns:
        The plug-back block, the probe blocks and closed form (affine target)
        or the engine-solved item, and the plug-back check.
    """
    from econ.model.schema import LineItem

    given = {i.key: i for i in items}
    # The variable (and a fixed name) is an input, or a line item standing in
    # for one (an input given in rubles: benchmark_cost_usd_per_kg =
    # benchmark_cost_rub_per_kg / fx_rub_per_usd); either way it is replaced.
    unit_of = {i.key: i.unit for i in inputs} | {k: i.unit for k, i in given.items()}
    row_of = {i.key: i.per_year for i in inputs}
    row_of |= {k: i.shape == "series" for k, i in given.items()}
    for name in (solve.variable, *(k for k, _ in solve.fixed)):
        if name not in unit_of:
            raise ValueError(f"solve {solve.key!r}: {name!r} is not an input or a line item")
    if solve.target not in given or given[solve.target].shape != "scalar":
        raise ValueError(f"solve {solve.key!r}: target {solve.target!r} is not a scalar line item")
    block = _block(
        solve.key, (solve.target,), {solve.variable, *(k for k, _ in solve.fixed)}, given
    )
    if solve.target not in block:
        raise ValueError(f"solve {solve.key!r}: {solve.target!r} does not depend on the variable")
    fixed: dict[str, Expr] = {k: Const(float(v)) for k, v in solve.fixed}

    def copy(variable: Expr, prefix: str, note: str) -> list[LineItem]:
        """The block with the variable replaced."""
        return _copy(
            block,
            given,
            {solve.variable: variable, **fixed},
            prefix,
            note,
            f"Solved: {solve.label} ({note})",
            f"'{solve.variable}' replaced"
            + (f" and {', '.join(f'{n} = {v:g}' for n, v in solve.fixed)}" if solve.fixed else ""),
        )

    plug_back = copy(Ref(solve.key), solve.prefix, f"at the {_in_sentence(solve.label)}")
    target_pb = f"{solve.prefix}_{solve.target}"
    if any(i.key == solve.variable and i.kind == "whole" for i in inputs):
        return _whole_solve(solve, plug_back, copy, target_pb, given[solve.target])
    known: dict[str, int | None] = {}
    for item in plug_back:
        known[item.key] = degree(item.expr, solve.key, known)
    affine = known[target_pb] is not None
    out: list[LineItem] = []
    expr: Expr
    if solve.closed_form is not None:
        expr = solve.closed_form
        doc = f"{solve.doc} A closed form declared by the model, proven by its plug-back check."
        affine = True  # a formula of the inputs, not an engine-held value
    elif affine:
        # One Newton step from a known point is exact for an affine target:
        # x* = x0 - f(x0) / f'. f' comes from the derivative rows of the
        # plug-back block (derived by the graph, not by hand); x0 is the
        # input's current value (f(x0) is the model's own target) unless other
        # inputs are fixed or the variable may be a row, then x0 = 0.
        var_unit = unit_of[solve.variable]
        per_year = row_of[solve.variable]
        rows: dict[str, Expr] = {}
        slope_key = ""
        for item in plug_back:
            dexpr = simplify(derivative(item.expr, solve.key, rows))
            d_unit = str(parse(item.unit) / parse(var_unit))
            base = item.key.removesuffix("_" + _unit_suffix(item.unit))
            d_key = f"{base}_slope_{_unit_suffix(d_unit)}".rstrip("_")
            if item.key == target_pb:
                slope_key = d_key
            zero = isinstance(dexpr, Const) and dexpr.value == 0
            same_row = (
                isinstance(dexpr, Ref)
                and dexpr.name in given
                and given[dexpr.name].shape == item.shape
            )
            if (zero or same_row) and item.key != target_pb:
                rows[item.key] = dexpr  # 0, or an existing line item of the same shape
                continue
            rows[item.key] = Ref(d_key)
            out.append(
                LineItem(
                    d_key,
                    f"d({item.label.split(' at the ')[0]}) / d({_in_sentence(solve.label)})",
                    d_unit,
                    dexpr,
                    f"Change of '{item.key}' per unit of '{solve.key}': its derivative, "
                    "derived from the graph (the target is affine in it).",
                    item.shape,
                    "calc",
                    display="factor" if item.unit == var_unit else "auto",
                    section=f"Solved: {solve.label} (derivative)",
                )
            )
        slope = Ref(slope_key)
        if solve.fixed or per_year:
            p0 = copy(Const(0.0), f"{solve.prefix}_p0", "at 0 (closed form)")
            out += p0
            expr = -SafeDiv(Ref(f"{solve.prefix}_p0_{solve.target}"), slope)
            start = "0"
        else:
            expr = Ref(solve.variable) - SafeDiv(Ref(solve.target), slope)
            start = f"its current value ({solve.variable}, where the target is {solve.target})"
        doc = (
            f"{solve.doc} The target is affine in '{solve.variable}' (shown by the graph), so "
            f"one step from {start} solves it exactly: x0 - f(x0) / f'."
        )
    else:
        expr = Ref(target_pb)
        doc = (
            f"{solve.doc} Solved by econ (the target is not affine in '{solve.variable}'); "
            "the plug-back check shows whether it still holds after an edit."
        )
    out.append(
        LineItem(
            solve.key,
            solve.label,
            solve.unit,
            expr,
            doc,
            "scalar",
            "metric",
            display=solve.display,
            headline=solve.headline,
            index=solve.index,
            na_text=solve.na_text,
            solved=not affine,
        )
    )
    out += plug_back
    target = given[solve.target]
    out.append(
        LineItem(
            f"check_plug_back_{solve.key}",
            f"{target.label} at the {_in_sentence(solve.label)} = 0 (plug-back)",
            "1",
            Check(Ref(target_pb), Ref(solve.key) * 0, scale=solve.scale),
            f"The plug-back block re-evaluates '{solve.target}' at '{solve.key}' with the "
            "model's own formulas; it must be 0 (n/a when no solution exists).",
            "scalar",
            "check",
            display="flag",
        )
    )
    return [dataclasses.replace(i, derived=True) for i in out]


def _whole_solve(
    solve: Solve,
    plug_back: list[LineItem],
    copy: Callable[[Expr, str, str], list[LineItem]],
    target_pb: str,
    target: LineItem,
) -> list[LineItem]:
    """A solve over a whole number of years (a tax holiday): the smallest
    ``n`` at which the target is at least 0, the target being non-decreasing
    in ``n``. Solved by the engine (:func:`solve_whole`); proven by two
    plug-back blocks, at ``n`` (target >= 0) and at ``n - 1`` year (target
    < 0, unless ``n`` is 0)."""
    from econ.model.schema import LineItem

    below = copy(
        Ref(solve.key) - Ref("year_length_yr"),
        f"{solve.prefix}_below",
        f"a year short of the {_in_sentence(solve.label)}",
    )
    tolerance = Ref("check_tolerance") * solve.scale
    holds = Binary(">=", Ref(target_pb), -tolerance)
    # Numbers, not logical values, inside MAX: spreadsheets differ on whether
    # MAX counts TRUE.
    smallest = Max(
        Flag(Eq(Ref(solve.key), 0.0)),
        Flag(Binary("<", Ref(f"{solve.prefix}_below_{solve.target}"), Const(0.0))),
    )
    out = [
        LineItem(
            solve.key,
            solve.label,
            solve.unit,
            Ref(target_pb),
            f"{solve.doc} Solved by econ over whole years (the smallest number at which "
            f"'{solve.target}' is at least 0); the plug-back checks show whether it still "
            "holds after an edit.",
            "scalar",
            "metric",
            display=solve.display,
            headline=solve.headline,
            index=solve.index,
            na_text=solve.na_text,
            solved=True,
        ),
        *plug_back,
        *below,
        LineItem(
            f"check_plug_back_{solve.key}",
            f"{target.label} >= 0 at the {_in_sentence(solve.label)}, < 0 a year short (plug-back)",
            "1",
            Check(Flag(And(holds, Binary(">=", smallest, Const(1.0)))), Ref(solve.key) * 0 + 1.0),
            f"The plug-back blocks re-evaluate '{solve.target}' at '{solve.key}' and a year "
            "short of it with the model's own formulas: the first must be at least 0, the "
            "second below 0 (or the size 0); n/a when no size reaches 0.",
            "scalar",
            "check",
            display="flag",
        ),
    ]
    return [dataclasses.replace(i, derived=True) for i in out]


def solve_whole(f: Callable[[Array, NDArray[np.intp]], Array], upper: Array) -> Array:
    """The smallest whole ``n`` in ``[0, upper]`` with ``f(n) >= 0``, for S
    scenarios at once (``f`` non-decreasing in ``n``), by bisection over the
    integers: about log2(upper) evaluations, each of the unsettled scenarios
    only.

    Args:
        f: maps ``n``, shape ``(k, 1)``, for the scenarios ``rows`` to the
            target, ``(k, 1)``.
        upper: the largest ``n`` tried, ``(S, 1)``.

    Returns:
        ``n``, ``(S, 1)``; NaN where ``f(upper) < 0`` or is n/a.

    >>> import numpy as np
    >>> npv = lambda n, rows: np.array([[-3.0], [5.0], [-9.0]])[rows] + 2.0 * n
    >>> solve_whole(npv, np.full((3, 1), 4.0))
    array([[ 2.],
           [ 0.],
           [nan]])
    """
    n = upper.shape[0]
    rows = np.arange(n)
    hi = np.floor(np.where(np.isfinite(upper), upper, 0.0))
    lo = np.full((n, 1), -1.0)  # f(lo) < 0 by convention (no size)
    ok_hi = (f(hi, rows) >= 0).ravel()
    root = np.where(ok_hi[:, None], hi, np.nan)
    rows = rows[ok_hi]
    lo, hi = lo[ok_hi], hi[ok_hi]
    while rows.size:
        gap = (hi - lo > 1).ravel()
        rows, lo, hi = rows[gap], lo[gap], hi[gap]
        if not rows.size:
            break
        mid = np.floor(0.5 * (lo + hi))
        ok = f(mid, rows) >= 0
        hi, lo = np.where(ok, mid, hi), np.where(ok, lo, mid)
        root[rows] = np.where(ok, mid, root[rows])
    return root


def _block(
    owner: str, targets: Sequence[str], moved: set[str], given: dict[str, LineItem]
) -> list[str]:
    """Keys of the items on a path from the ``moved`` names to the
    ``targets``, in evaluation order (rows read a year back included)."""
    from econ.model.schema import _item_refs, _ref_set, _stable_topological_order

    items_list = list(given.values())
    deps = {k: _item_refs(i, items_list) for k, i in given.items()}
    # Ancestry also follows rows read one year back (a balance carried forward).
    reach = {k: deps[k] | _ref_set(i.expr) if not i.solved else deps[k] for k, i in given.items()}
    upstream = set(targets)
    for t in targets:
        upstream |= _ancestors(t, reach)
    order = _stable_topological_order(
        owner, list(given), {k: frozenset(v & set(given)) for k, v in deps.items()}
    )
    return [
        k
        for k in order
        if k in upstream and k not in moved and (moved & _ancestors(k, reach) or moved & reach[k])
    ]


def _copy(
    block: Sequence[str],
    given: dict[str, LineItem],
    replaced: dict[str, Expr],
    prefix: str,
    note: str,
    section: str,
    how: str,
) -> list[LineItem]:
    """The block's items copied under ``prefix``, names in ``replaced``
    substituted (constants folded; every item stays a row or cell of its own,
    so timeline operators keep reading named rows)."""
    from econ.model.schema import LineItem

    mapping = dict(replaced) | {k: Ref(f"{prefix}_{k}") for k in block}
    out: list[LineItem] = []
    for k in block:
        out.append(
            LineItem(
                f"{prefix}_{k}",
                f"{given[k].label} {note}",
                given[k].unit,
                simplify(substitute(given[k].expr, mapping)),
                f"'{k}' {note}: the same definition with {how}.",
                given[k].shape,
                "calc",
                display=given[k].display,
                section=section,
            )
        )
    return out


def derive_variant(variant: Variant, items: Iterable[LineItem]) -> list[LineItem]:
    """The items of ``variant``: its targets and every item between them and
    the inputs it holds fixed, copied with those inputs replaced by values."""
    given = {i.key: i for i in items}
    for name, _ in variant.fixed:
        if name in given and given[name].role != "calc":
            raise ValueError(f"variant {variant.prefix!r}: {name!r} is not an input")
    missing = [t for t in variant.targets if t not in given]
    if missing:
        raise ValueError(f"variant {variant.prefix!r}: unknown targets {missing}")
    block = _block(variant.prefix, variant.targets, {k for k, _ in variant.fixed}, given)
    out = _copy(
        block,
        given,
        {k: Const(float(v)) for k, v in variant.fixed},
        variant.prefix,
        variant.note,
        f"Variant: {variant.label}",
        ", ".join(f"{n} = {v:g}" for n, v in variant.fixed),
    )
    return [dataclasses.replace(i, derived=True) for i in out]


def _unit_suffix(unit: str) -> str:
    """The name suffix of a unit: ``USD/yr`` -> ``usd_per_yr``; ``1`` -> ``""``."""
    if unit == "1":
        return ""
    return unit.lower().replace("/", "_per_").replace("*", "_")


def solve_root(
    f: Callable[..., Array],
    probe: Array,
    *,
    xtol: float = 1e-12,
    max_expand: int = 60,
    max_iter: int = 200,
    subset: bool = False,
    secant_steps: int = 10,
) -> Array:
    """Roots of ``f`` for S scenarios at once.

    Two phases, both vectorized over the scenarios still unsolved:

    1. **Secant** from ``0`` and ``probe``: ``x2 = x1 - f(x1) (x1 - x0) /
       (f(x1) - f(x0))``. The models' targets are affine or piecewise affine
       in the variable (loss carry-forward, caps, a debt schedule), and a
       secant through two points of the root's piece lands on the root, so
       most scenarios converge in 3 to 6 evaluations.
    2. **Bracketed fallback** for the rest (a flat secant, no convergence in
       ``secant_steps``): the bracket ``[0, probe]`` is doubled outwards in
       both directions until ``f`` changes sign, then refined by Illinois
       false position, which cannot leave the bracket.

    A scenario is solved when ``f`` is 0 there, or within ``1e-13`` of the
    magnitude of ``f`` at the two starting points (rounding of a sum), or
    when the step is below ``xtol`` relative.

    Args:
        f: maps candidate values, shape ``(S, 1)``, to the target, ``(S, 1)``;
            with ``subset=True`` it is called as ``f(x, rows)`` with ``x`` of
            shape ``(k, 1)`` for the scenarios ``rows`` (an index array), so
            that only the unsolved ones are evaluated.
        probe: a non-zero magnitude of the root per scenario, ``(S, 1)``.
        xtol: relative tolerance on the root.
        max_expand: bracket doublings before giving up (NaN).
        max_iter: refinement steps of the fallback.
        subset: call ``f`` on the unsolved scenarios only (see ``f``).
        secant_steps: secant steps before a scenario falls back to brackets.

    Returns:
        The roots, ``(S, 1)``; NaN where no sign change was found.

    >>> import numpy as np
    >>> solve_root(lambda x: np.maximum(x, 2.0) * x - 12.0, np.array([[1.0]])).round(12)
    array([[3.46410162]])
    >>> kinked = lambda x: np.where(x < 5.0, x - 10.0, 3.0 * x - 20.0)  # root 20/3
    >>> solve_root(kinked, np.array([[1.0], [100.0]])).round(12)
    array([[6.66666667],
           [6.66666667]])
    """
    probe = np.where(np.isfinite(probe) & (probe != 0), np.abs(probe), 1.0)
    n = probe.shape[0]

    def call(x: Array, rows: NDArray[np.intp]) -> Array:
        if subset:
            return np.asarray(f(x, rows), dtype=np.float64).reshape(-1, 1)
        if rows.size == n:
            return np.asarray(f(x), dtype=np.float64).reshape(-1, 1)
        full = np.zeros((n, 1))
        full[rows] = x
        return np.asarray(f(full), dtype=np.float64).reshape(-1, 1)[rows]

    rows = np.arange(n)
    root = np.full((n, 1), np.nan)
    p, c = np.zeros_like(probe), probe.copy()
    fp, fc = call(p, rows), call(c, rows)
    root[fp == 0] = 0.0
    ftol = 1e-13 * np.maximum(np.abs(fp), np.abs(fc))
    left = (fp != 0).ravel()
    fallback = [rows[~left & np.isnan(root.ravel())]]
    rows, p, fp, c, fc, ftol = (v[left] for v in (rows, p, fp, c, fc, ftol))
    for _ in range(secant_steps):
        if rows.size == 0:
            break
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            s = c - fc * (c - p) / (fc - fp)
        flat = ~np.isfinite(s).ravel()
        s = np.where(np.isfinite(s), s, c)
        fs = call(s, rows)
        done = (
            ((np.abs(fs) <= ftol) | (np.abs(s - c) <= xtol * np.maximum(1.0, np.abs(s)))).ravel()
            & np.isfinite(fs).ravel()
            & ~flat
        )
        root[rows[done]] = s[done]
        lost = flat | ~np.isfinite(fs).ravel()
        fallback.append(rows[lost])
        keep = ~done & ~lost
        rows, p, fp, c, fc, ftol = (v[keep] for v in (rows, c, fc, s, fs, ftol))
    fallback.append(rows)
    rest = np.concatenate(fallback)
    if rest.size:
        root[rest] = _bracketed(
            lambda x: call(x, rest), probe[rest], xtol=xtol, max_expand=max_expand,
            max_iter=max_iter
        )  # fmt: skip
    return root


def _bracketed(
    f: Callable[[Array], Array], probe: Array, *, xtol: float, max_expand: int, max_iter: int
) -> Array:
    """Roots by bracket expansion from ``[0, probe]`` and Illinois false position."""
    a, b = np.zeros_like(probe), probe.copy()
    fa, fb = f(a), f(b)
    f0, moved = fa.copy(), fa != fb
    for step in range(max_expand):
        need = np.isfinite(fa) & np.isfinite(fb) & (np.sign(fa) == np.sign(fb)) & (fa != 0)
        # A target that has not moved at all over 16 times the probe does
        # not depend on the variable there: no root (NaN), no more doublings.
        need &= moved | (step < 4)
        if not need.any():
            break
        width = b - a
        a, b = np.where(need, a - width, a), np.where(need, b + width, b)
        fa, fb = np.where(need, f(a), fa), np.where(need, f(b), fb)
        moved |= (fa != f0) | (fb != f0)
    exact = np.where(fa == 0, a, np.where(fb == 0, b, np.nan))
    active = np.isfinite(fa) & np.isfinite(fb) & (np.sign(fa) != np.sign(fb)) & np.isnan(exact)
    side = np.zeros(a.shape, dtype=np.int8)
    c = np.full(a.shape, np.nan)
    for _ in range(max_iter):
        if not active.any():
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            c_new = (a * fb - b * fa) / (fb - fa)
        c_new = np.where(np.isfinite(c_new), c_new, 0.5 * (a + b))
        fc = f(c_new)
        on_b = np.sign(fc) == np.sign(fb)
        # Illinois: when the same end is kept twice, halve its function value.
        fa = np.where(on_b & (side == 1), 0.5 * fa, fa)
        fb = np.where(~on_b & (side == -1), 0.5 * fb, fb)
        b, fb = np.where(active & on_b, c_new, b), np.where(active & on_b, fc, fb)
        a, fa = np.where(active & ~on_b, c_new, a), np.where(active & ~on_b, fc, fa)
        side = np.where(on_b, 1, -1).astype(np.int8)
        converged = (np.abs(c_new - c) <= xtol * np.maximum(1.0, np.abs(c_new))) | (fc == 0)
        c = np.where(active, c_new, c)
        active &= ~converged
    return np.where(np.isfinite(exact), exact, c)
