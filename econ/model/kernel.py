"""Backend 3: a run of line items as one compiled loop over the scenarios.

The numpy backend (:mod:`econ.model.numpy_backend`) evaluates one node for
every scenario at once: each node is a pass over an ``(S, Y)`` array in
memory. With hundreds of line items and tens of thousands of scenarios the
arithmetic is cheap and the passes are not. This backend writes a run of line
items (the groups of :func:`econ.model.evaluate.evaluation_steps`) as one C
function,

.. code-block:: c

    int kernel(long S, long Y, const double **a, double **o) {
        for (long s = 0; s < S; s++) {            /* one scenario at a time */
            double _x3 = a[1][s];                 /* a scalar per scenario  */
            for (long t = 0; t < Y; t++) {        /* a row, year by year    */
                double _v4 = _r2[t] * _x3;
                _w5[t] = _v4;
            }
            ...
            o[0][s] = _v80;                       /* only what is read next */
        }
    }

compiled by the system's C compiler (``$CC``, else ``cc``) and called through
:mod:`ctypes`. A scenario's rows live in scratch rows of ``Y`` values that
stay in the processor's cache; only the items the caller or later steps read
are written out. Each node is the numpy backend's operation on one value with
the same n/a rules, in IEEE double precision without fused multiply-adds or
reordering (``-ffp-contract=off``, no fast-math), so the results agree with it
to rounding: sums add year by year where numpy adds pairwise. The tests
compare the two on every seed, the instrument comparison and Monte Carlo
draws.

What it does not take (an :class:`~econ.model.expr.Irr`, an engine-solved
value, a row operation inside a balance) stays with the numpy backend: the
evaluator (:mod:`econ.model.evaluate`) runs kernels and numpy steps in turn.
Without a C compiler, with ``ECON_KERNELS=off``, below :data:`KERNEL_ROWS`
scenarios, or when a kernel fails to build, every step is evaluated with
numpy: a kernel changes the speed, never the values.

Pure, as the rest of the model core: it writes the C source and calls the
compiled function. Compiling and loading (files, a subprocess) are
:mod:`econ.native`'s, registered in :data:`COMPILER` when econ is imported.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, assert_never

import numpy as np
from numpy.typing import NDArray

from econ.model import numpy_backend as nb
from econ.model.expr import (
    CHECK_TOLERANCE,
    At,
    Binary,
    Check,
    Const,
    CumSum,
    Expr,
    FirstYearWhere,
    Func,
    Irr,
    Last,
    Prev,
    Ref,
    RowMax,
    SafeDiv,
    Sum,
    SumProduct,
    as_node,
)
from econ.model.schema import LineItem

__all__ = [
    "AVAILABLE",
    "COMPILER",
    "KERNEL_ROWS",
    "Kernel",
    "RowsView",
    "available",
    "kernel_for",
    "source",
    "supported",
]

Array = NDArray[np.float64]

#: Scenarios from which a run of items is evaluated by a kernel: below it the
#: numpy passes are short and a kernel's call costs more than it saves.
KERNEL_ROWS = 2_048

_ARITH = {"+": "+", "-": "-", "*": "*", "/": "/"}  # "^" is fpow()
_CMP = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "=": "==", "<>": "!="}


class Unsupported(Exception):
    """A node the kernel does not take (the group stays with numpy)."""


# ---------------------------------------------------------------------------
# Source generation
# ---------------------------------------------------------------------------


def _literal(value: float) -> str:
    v = float(value)
    if math.isnan(v):
        return "NAN"
    if math.isinf(v):
        return "INFINITY" if v > 0 else "(-INFINITY)"
    return f"({v!r})"


class _Gen:
    """Writes one kernel: the statements of a run of groups for scenario ``s``."""

    def __init__(
        self,
        groups: Sequence[Sequence[LineItem]],
        kinds: Mapping[str, str],
        na_names: Collection[str],
        balances: Sequence[bool],
    ) -> None:
        # env name -> "c" (1, 1), "s" (S, 1), "y" (1, Y), "sy" (S, Y); "gs", "gsy":
        # read through the row index G (see RowsView)
        self.kinds = kinds
        self.na_names = na_names
        self.counter = 0
        self.n_scratch = 0  # rows of Y values in the scratch block W
        self.pre: list[str] = []  # before the scenario loop
        self.head: list[str] = []  # first in the scenario loop
        self.lines: list[str] = []  # the scenario's statements
        self.args: dict[str, str] = {}  # env name -> argument
        self.locals: dict[str, str] = {}  # name -> local (scalar or 1-D row)
        self.rows: set[str] = set()  # names whose local is a row
        self.balance: set[str] = set()  # items of the balance being written
        self.row_memo: dict[int, bool] = {}
        for group, recurrent in zip(groups, balances, strict=True):
            self.group(group, recurrent)

    # -- names -------------------------------------------------------------
    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def scratch(self) -> str:
        name = self.fresh("_w")
        self.pre.append(f"double *{name} = W + {self.n_scratch} * Y;")
        self.n_scratch += 1
        return name

    def read(self, name: str) -> str:
        """The local holding ``name``: an item of this kernel, or an
        argument read once (shared by all scenarios) or per scenario."""
        local = self.locals.get(name)
        if local is not None:
            return local
        kind = self.kinds.get(name)
        if kind is None:
            raise Unsupported(f"{name!r} is not available to the kernel")
        arg = self.args[name] = f"a[{len(self.args)}]"
        local = self.locals[name] = self.fresh("_r" if kind in _ROW_KINDS else "_x")
        if kind in _ROW_KINDS:
            self.rows.add(name)
        target = self.pre if kind in ("c", "y") else self.head
        index = {
            "c": f"double {local} = {arg}[0];",
            "s": f"double {local} = {arg}[s];",
            "y": f"const double *{local} = {arg};",
            "sy": f"const double *{local} = {arg} + s * Y;",
            # Read through the row index G (a solver's unsolved scenarios).
            "gs": f"double {local} = {arg}[G[s]];",
            "gsy": f"const double *{local} = {arg} + G[s] * Y;",
        }
        target.append(index[kind])
        return local

    def is_row(self, e: Expr) -> bool:
        node = as_node(e)
        key = id(node)
        hit = self.row_memo.get(key)
        if hit is None:
            hit = self.row_memo[key] = self._is_row(node)
        return hit

    def _is_row(self, node: Expr) -> bool:
        match node:
            case Const():
                return False
            case Ref(name=n):
                if n in self.locals:
                    return n in self.rows
                kind = self.kinds.get(n)
                if kind is None:
                    raise Unsupported(f"{n!r} is not available to the kernel")
                return kind in _ROW_KINDS
            case CumSum() | Prev():
                return True
            case Sum() | SumProduct() | At() | Last() | RowMax() | Irr() | FirstYearWhere():
                return False
            case _:
                return any(self.is_row(c) for c in node.children())

    def na(self, node: Expr) -> bool:
        return nb.may_be_na(node, self.na_names)

    # -- items -------------------------------------------------------------
    def group(self, group: Sequence[LineItem], recurrent: bool) -> None:
        if not recurrent:
            item = group[0]
            if self.is_row(item.expr):
                if item.shape == "scalar":
                    raise ValueError(f"scalar item {item.key!r} depends on a row")
                out = self.scratch()
                body: list[str] = []
                value = self.at(item.expr, body)
                self.loop([*body, f"{out}[t] = {value};"])
                self.locals[item.key] = out
                self.rows.add(item.key)
            else:
                self.locals[item.key] = self.scalar(item.expr)
            return
        # A balance: every item a row, filled year by year; an item reads the
        # others' values this year and (through Prev) last year's.
        for item in group:
            self.locals[item.key] = self.scratch()
            self.rows.add(item.key)
        self.balance = {it.key for it in group}
        body = []
        for item in group:
            value = self.at(item.expr, body)
            body.append(f"{self.locals[item.key]}[t] = {value};")
        self.balance = set()
        self.loop(body)

    def loop(self, body: list[str], start: int = 0) -> None:
        self.lines.append(f"for (long t = {start}; t < Y; t++) {{")
        self.lines += [f"    {line}" for line in body]
        self.lines.append("}")

    def let(self, lines: list[str], code: str) -> str:
        name = self.fresh("_v")
        lines.append(f"double {name} = {code};")
        return name

    # -- values ------------------------------------------------------------
    def scalar(self, e: Expr) -> str:
        """A value that does not change over the years, as a local."""
        node = as_node(e)
        L = self.lines
        if self.balance and isinstance(
            node, (Sum, SumProduct, At, Last, RowMax, FirstYearWhere, Irr)
        ):
            # The numpy backend evaluates a balance a column at a time, where
            # a row operation sees one year: left to it.
            raise Unsupported("a row operation inside a balance")
        match node:
            case Const(value=v):
                return _literal(v)
            case Ref(name=n):
                return self.read(n)
            case Sum(series=s):
                return self.let(L, f"row_sum({self.row(s)}, Y)")  # numpy's order
            case SumProduct(a=a, b=b) | At(series=a, flag=b):
                ra, rb = self.row(a), self.row(b)
                acc = self.let(L, "0.0")
                self.loop([f"{acc} += {ra}[t] * {rb}[t];"])
                return acc
            case Last(series=s):
                return self.let(L, f"{self.row(s)}[Y - 1]")
            case RowMax(series=s):
                r = self.row(s)
                acc = self.let(L, f"{r}[0]")
                self.loop([f"{acc} = nmax({acc}, {r}[t]);"], start=1)
                return acc
            case FirstYearWhere(flag=f):
                r, years = self.row(f), self.row(Ref("year"))
                acc = self.let(L, "NAN")
                self.loop([f"if ({r}[t] == 1.0) {{ {acc} = {years}[t]; break; }}"])
                return acc
            case Irr(series=s):
                # One sign change: econ.finance.irr's steps in C. More: the
                # scenario is flagged and the numpy backend evaluates it.
                return self.let(L, f"irr1({self.row(s)}, Y, &_several)")
            case CumSum() | Prev():  # pragma: no cover - rows, never scalars
                raise AssertionError("a row where a scalar was expected")
            case Binary() | Func() | SafeDiv() | Check():
                return self.pointwise(node, L, self.scalar)
            case _:  # pragma: no cover - mypy proves this unreachable
                assert_never(node)

    def row(self, e: Expr) -> str:
        """A 1-D array of ``Y`` values holding ``e``'s row for this scenario."""
        node = as_node(e)
        if isinstance(node, Ref) and node.name in self.balance:
            raise Unsupported("a whole row of a balance inside it")
        if not self.is_row(node):
            out = self.scratch()
            value = self.scalar(node)
            self.loop([f"{out}[t] = {value};"])
            return out
        if isinstance(node, Ref):
            return self.read(node.name)
        if isinstance(node, CumSum):
            r = self.row(node.series)
            out = self.scratch()
            acc = self.let(self.lines, "0.0")
            self.loop([f"{acc} += {r}[t];", f"{out}[t] = {acc};"])
            return out
        out = self.scratch()
        body: list[str] = []
        value = self.at(node, body)
        self.loop([*body, f"{out}[t] = {value};"])
        return out

    def at(self, e: Expr, body: list[str]) -> str:
        """``e``'s value in year ``t``, written into a loop's ``body``."""
        node = as_node(e)
        if not self.is_row(node):
            return self.scalar(node)  # before the loop: the same every year
        match node:
            case Ref(name=n):
                return f"{self.read(n)}[t]"
            case Prev(series=s, initial=init):
                source = (
                    self.locals[s.name]
                    if s.name in self.balance
                    else self.row(s)  # raises for a balance row read whole
                )
                first = self.at(init, body)
                return self.let(body, f"t == 0 ? {first} : {source}[t - 1]")
            case CumSum():
                if self.balance:
                    raise Unsupported("a cumulative sum inside a balance")
                return f"{self.row(node)}[t]"
            case Binary() | Func() | SafeDiv() | Check():
                return self.pointwise(node, body, lambda x: self.at(x, body))
            case _:
                raise Unsupported(type(node).__name__)

    def pointwise(self, node: Expr, lines: list[str], value: Callable[[Expr], str]) -> str:
        """A node applied value by value (a scalar or year ``t``)."""
        match node:
            case Binary(op=op, left=left, right=right):
                a, b = value(left), value(right)
                if op == "^":
                    return self.let(lines, f"fpow({a}, {b})")
                if op in _ARITH:
                    return self.let(lines, f"{a} {_ARITH[op]} {b}")
                out = self.let(lines, f"{a} {_CMP[op]} {b} ? 1.0 : 0.0")
                if self.na(node):
                    lines.append(f"if (isnan({a}) || isnan({b})) {out} = NAN;")
                return out
            case Func(name=name, args=args):
                vals = [value(a) for a in args]
                return self.func(name, vals, self.na(node), lines)
            case SafeDiv(numerator=num, denominator=den):
                n, d = value(num), value(den)
                return self.let(lines, f"{d} == 0.0 ? NAN : {n} / {d}")
            case Check(actual=actual, expected=expected, scale=scale):
                a, b = value(actual), value(expected)
                s = "0.0" if scale is None else value(scale)
                has = "0" if scale is None else "1"
                tol = self.read(CHECK_TOLERANCE)
                if tol in self.rows:  # pragma: no cover - a constant
                    raise Unsupported("a timeline row as the check tolerance")
                return self.let(lines, f"check({a}, {b}, {s}, {has}, {tol})")
            case _:  # pragma: no cover
                raise AssertionError(type(node).__name__)

    def func(self, name: str, vals: list[str], na: bool, lines: list[str]) -> str:
        if name in ("MAX", "MIN"):
            acc = vals[0]
            for v in vals[1:]:
                acc = self.let(lines, f"{'nmax' if name == 'MAX' else 'nmin'}({acc}, {v})")
            return acc if len(vals) > 1 else self.let(lines, f"{acc} + 0.0")
        if name == "IF":
            cond, yes, no = vals
            out = self.let(lines, f"{cond} != 0.0 ? {yes} : {no}")
            if na:
                lines.append(f"if (isnan({cond})) {out} = NAN;")
            return out
        if name == "AND":
            test = " && ".join(f"{v} != 0.0" for v in vals)
            out = self.let(lines, f"({test}) ? 1.0 : 0.0")
            if na:
                any_nan = " || ".join(f"isnan({v})" for v in vals)
                lines.append(f"if ({any_nan}) {out} = NAN;")
            return out
        if name == "LOG":
            return self.let(lines, f"log({vals[0]}) / log({vals[1]})")
        if name == "ABS":
            return self.let(lines, f"fabs({vals[0]})")
        raise Unsupported(f"function {name}")


def supported(group: Sequence[LineItem]) -> bool:
    """Whether a group can be part of a kernel: no engine-solved value, no
    unknown function (a row operation inside a balance is found when the
    source is written)."""
    if any(it.solved for it in group):
        return False
    for it in group:
        stack = [as_node(it.expr)]
        while stack:
            node = stack.pop()
            if isinstance(node, Func) and node.name not in (
                "MAX",
                "MIN",
                "IF",
                "AND",
                "LOG",
                "ABS",
            ):
                return False
            stack.extend(as_node(c) for c in node.children())
    return True


def source(
    groups: Sequence[Sequence[LineItem]],
    balances: Sequence[bool],
    kinds: Mapping[str, str],
    outputs: Sequence[str],
    na_names: Collection[str],
) -> tuple[str, list[str], list[bool]]:
    """The kernel's C source, the env names it reads (``a[0]``, ``a[1]``, ...
    in order) and, for each output ``o[n]``, whether it is a row.

    Raises:
        Unsupported: a node the kernel does not take.
    """
    gen = _Gen(groups, kinds, na_names, balances)
    out_rows = []
    writes = []
    for n, key in enumerate(outputs):
        local = gen.locals[key]
        if key in gen.rows:
            out_rows.append(True)
            writes.append(f"memcpy(o[{n}] + s * Y, {local}, Y * sizeof(double));")
        else:
            out_rows.append(False)
            writes.append(f"o[{n}][s] = {local};")
    text = [
        _PRELUDE,
        "int kernel(long S, long Y, const double **a, double **o, unsigned char *flag,",
        "           const long *G) {",
        f"    double *W = (double *)malloc(({gen.n_scratch} + 1) * Y * sizeof(double));",
        "    if (W == NULL) return 1;",
    ]
    text += [f"    {line}" for line in gen.pre]
    text.append("    for (long s = 0; s < S; s++) {")
    text.append("        int _several = 0;")
    text += [f"        {line}" for line in gen.head + gen.lines + writes]
    text.append("        flag[s] = (unsigned char)_several;")
    text += ["    }", "    free(W);", "    return 0;", "}"]
    return "\n".join(text) + "\n", list(gen.args), out_rows


# ---------------------------------------------------------------------------
# Compiling and calling
# ---------------------------------------------------------------------------

#: The node operations on one value, with the numpy backend's n/a rules:
#: ``np.maximum`` and ``np.minimum`` propagate n/a; a check counts two n/a
#: values as agreeing (:func:`econ.model.numpy_backend.check`).
_PRELUDE = """\
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
static inline double nmax(double a, double b) {
    if (isnan(a) || isnan(b)) return NAN;
    return a >= b ? a : b;
}
static inline double nmin(double a, double b) {
    if (isnan(a) || isnan(b)) return NAN;
    return a <= b ? a : b;
}
/* numpy's sum of a contiguous row: pairwise, 8 accumulators per block of
   up to 128 values (the same additions in the same order). */
static double pairwise(const double *a, long n) {
    if (n < 8) {
        double res = 0.;
        for (long i = 0; i < n; i++) res += a[i];
        return res;
    }
    if (n <= 128) {
        double r[8], res;
        long i;
        for (int j = 0; j < 8; j++) r[j] = a[j];
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++) r[j] += a[i + j];
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) res += a[i];
        return res;
    }
    long n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise(a, n2) + pairwise(a + n2, n - n2);
}
static double row_sum(const double *a, long n) { return pairwise(a, n); }
/* econ.finance._solve_unit for one polynomial (ascending coefficients c):
   safeguarded Newton in (lo, hi), tol 1e-12, 100 iterations, bisection
   after 30. */
static double solve_unit(const double *c, long n, double lo, double hi, double s_lo, double z) {
    const double tol = 1e-12;
    double dx_old = INFINITY, dx = INFINITY;
    for (int it = 0; it < 100; it++) {
        double f = c[n - 1], df = 0.0;
        for (long k = n - 2; k >= 0; k--) {
            df = df * z;
            df = df + f;
            f = f * z;
            f = f + c[k];
        }
        double step = f / df;
        double z_new = z - step;
        int done = fabs(step) <= tol * z;
        if (f * s_lo > 0.0) lo = z; else hi = z;
        int newton_ok = (z_new > lo) && (z_new < hi) && (fabs(2.0 * f) <= fabs(dx_old * df));
        dx_old = dx;
        dx = step;
        if (it >= 30 || !(newton_ok || done)) {
            int force = it >= 30;
            int bisect = (!newton_ok || force) && !done;
            if (bisect) {
                double lo_pos = nmax(lo, DBL_MIN);
                int wide = (hi > 1e3 * lo_pos) || force;
                double mid = wide ? sqrt(lo_pos * hi) : 0.5 * (lo + hi);
                dx = nmax(hi - mid, mid - lo);
                z_new = mid;
                done = hi - lo <= 1e-12 * z_new;
            }
        }
        if (f == 0.0) {
            z_new = z;
            done = 1;
        }
        z = z_new;
        if (done) return z;
    }
    return NAN;
}
/* econ.finance.irr of one row whose values change sign once (the same
   steps, so the same root); NAN without a sign change or with a value
   that is not finite; *several set (and NAN) with more than one change,
   which the numpy backend settles. */
static double irr1(const double *v, long n, int *several) {
    long first_pos = -1, first_neg = -1, last_pos = -1, last_neg = -1;
    for (long t = 0; t < n; t++) {
        if (!isfinite(v[t])) return NAN;
        if (v[t] > 0.0) { if (first_pos < 0) first_pos = t; last_pos = t; }
        else if (v[t] < 0.0) { if (first_neg < 0) first_neg = t; last_neg = t; }
    }
    if (first_pos < 0 || first_neg < 0) return NAN;
    int neg_then_pos = last_neg < first_pos;
    if (!neg_then_pos && !(last_pos < first_neg)) {
        *several = 1;
        return NAN;
    }
    double s_first = neg_then_pos ? -1.0 : 1.0, s_last = -s_first;
    double total = row_sum(v, n);
    double sign = total > 0.0 ? 1.0 : (total < 0.0 ? -1.0 : 0.0);
    int pos = sign == s_last || total == 0.0;
    double *c = (double *)malloc(n * sizeof(double));
    if (c == NULL) { *several = 1; return NAN; }
    for (long k = 0; k < n; k++) c[k] = pos ? v[k] : v[n - 1 - k];
    long k0 = 0;
    while (k0 < n && c[k0] == 0.0) k0++;
    if (k0 == n) k0 = 0;
    if (k0 > 0)
        for (long k = 0; k < n; k++) c[k] = k + k0 < n ? c[k + k0] : 0.0;
    double z = pos ? 1.0 / (1.0 + 0.1) : 1.0 + 0.1;
    if (!(z >= 0.0 && z <= 1.0)) z = 1.0;
    if (total == 0.0) z = 1.0;
    double root = solve_unit(c, n, 0.0, 1.0, pos ? s_first : s_last, z);
    free(c);
    double r = pos ? 1.0 / root - 1.0 : root - 1.0;
    return isinf(r) ? NAN : r;
}
/* x ** y; an integral y up to 1,024 in size (the years of a discount or
   escalation factor) by repeated squaring: several times faster than libm's
   pow, within a few units in the last place of it. */
static inline double fpow(double x, double y) {
    if (y == floor(y) && fabs(y) <= 1024.0) {
        long n = (long)fabs(y);
        double base = y < 0.0 ? 1.0 / x : x, result = 1.0;
        while (n > 0) {
            if (n & 1) result *= base;
            base *= base;
            n >>= 1;
        }
        return result;
    }
    return pow(x, y);
}
static inline double check(double a, double b, double scale, int has_scale, double tol) {
    double s = nmax(1.0, nmax(fabs(a), fabs(b)));
    if (has_scale) s = nmax(s, fabs(scale));
    if (fabs(a - b) <= tol * s || (isnan(a) && isnan(b))) return 1.0;
    return 0.0;
}
"""

#: ``COMPILER[0](source)``: the compiled ``kernel`` function of a kernel's C
#: source, or ``None`` (no kernels). Compiling writes files, so the pure model
#: core does not do it: :mod:`econ.native` sets it when econ is imported.
COMPILER: list[Callable[[str], Callable[..., int]] | None] = [None]

#: ``AVAILABLE[0]()``: whether kernels can be built here (set with COMPILER).
AVAILABLE: list[Callable[[], bool]] = [lambda: False]


def available() -> bool:
    """Whether kernels can be built here: a compiler registered (see
    :data:`COMPILER`), present and not switched off (``ECON_KERNELS=off``)."""
    return COMPILER[0] is not None and AVAILABLE[0]()


class Kernel:
    """A compiled run of groups: ``kernel(env, size, n_years)`` returns the
    outputs by name, each ``(S, 1)`` or ``(S, Y)``."""

    def __init__(
        self,
        fn: Callable[..., int],
        reads: list[str],
        outputs: Sequence[str],
        rows: list[bool],
        kinds: Sequence[str] | None = None,
    ) -> None:
        self.fn = fn  # kernel(S, Y, a, o, flag, G) -> 0, or 1 without memory
        self.reads, self.outputs, self.out_rows = reads, list(outputs), rows
        self.kinds = list(kinds) if kinds is not None else ["s"] * len(reads)

    def __call__(
        self,
        env: Mapping[str, Array],
        size: int,
        n_years: int,
        fallback: Callable[[NDArray[np.intp]], Mapping[str, Array]] | None = None,
    ) -> dict[str, Array]:
        """The outputs for ``size`` scenarios; the scenarios the kernel flags
        (an IRR of a cash flow changing sign more than once) are given
        ``fallback(rows)``'s values (the numpy backend's)."""
        gather = np.zeros(1, dtype=np.int64)
        args = []
        for n, kind_ in zip(self.reads, self.kinds, strict=True):
            if kind_.startswith("g"):
                assert isinstance(env, RowsView)
                value, gather = env.whole(n), env.index
            else:
                value = env[n]
            args.append(np.ascontiguousarray(value, dtype=np.float64))
        outs = [np.empty((size, n_years if row else 1)) for row in self.out_rows]
        flags = np.zeros(size, dtype=np.uint8)
        a = np.array([x.ctypes.data for x in args] or [0], dtype=np.uintp)
        o = np.array([x.ctypes.data for x in outs] or [0], dtype=np.uintp)
        fn_args = (a.ctypes.data, o.ctypes.data, flags.ctypes.data, gather.ctypes.data)
        if self.fn(size, n_years, *fn_args) != 0:
            raise MemoryError("no memory for a kernel's scratch rows")
        result = dict(zip(self.outputs, outs, strict=True))
        rows = np.flatnonzero(flags)
        if rows.size:
            if fallback is None:  # pragma: no cover - the evaluator always passes one
                raise RuntimeError("a kernel flagged scenarios and no fallback was given")
            redo = fallback(rows)
            for key, value in result.items():
                value[rows] = np.broadcast_to(redo[key], (rows.size, value.shape[1]))
        return result


def kind(value: Array, n_years: int) -> str:
    """How a kernel reads an env value of this shape."""
    per_scenario = value.shape[0] > 1
    row = value.shape[1] == n_years and n_years > 1
    return ("s" if per_scenario else "c") if not row else ("sy" if per_scenario else "y")


_ROW_KINDS = ("y", "sy", "gsy")


class RowsView(dict[str, Array]):
    """An evaluation's names for some of its scenarios (``index``, the rows a
    solver has not settled yet) without copying them: an array of the whole
    evaluation (``size`` rows) is cut down to those rows when read, once; a
    kernel reads it whole through the index instead. Names set here are the
    subset's own."""

    def __init__(self, whole: Mapping[str, Array], index: NDArray[np.intp], size: int) -> None:
        super().__init__()
        self._whole, self.size = whole, size
        self.index = np.ascontiguousarray(index, dtype=np.int64)

    def gathered(self, name: str) -> bool:
        """Whether a kernel would read ``name`` through the index."""
        if dict.__contains__(self, name):
            return False
        v = self._whole.get(name)
        return v is not None and v.shape[0] == self.size and self.size > 1

    def whole(self, name: str) -> Array:
        return self._whole[name]

    def __missing__(self, name: str) -> Array:
        v = self._whole[name]
        out = v[self.index] if v.shape[0] == self.size and self.size > 1 else v
        self[name] = out
        return out

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return self[name]
        except KeyError:
            return default

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or name in self._whole

    def copy(self) -> RowsView:
        out = RowsView(self._whole, self.index, self.size)
        out.update(self)
        return out


_KERNELS: dict[Any, Kernel | None] = {}


def kernel_for(
    groups: Sequence[Sequence[LineItem]],
    balances: Sequence[bool],
    reads: Collection[str],
    env: Mapping[str, Array],
    n_years: int,
    outputs: Sequence[str],
    na_names: frozenset[str],
) -> Kernel | None:
    """The kernel of a run of groups for the shapes in ``env`` (cached), or
    ``None`` when a node is not supported."""
    kinds = {
        n: "g" + kind(env.whole(n), n_years)
        if isinstance(env, RowsView) and env.gathered(n)
        else kind(env[n], n_years)
        for n in reads
        if n in env
    }
    key = (tuple(tuple(g) for g in groups), tuple(sorted(kinds.items())), tuple(outputs), na_names)
    if key in _KERNELS:
        return _KERNELS[key]
    compile_ = COMPILER[0]
    try:
        if compile_ is None:
            raise Unsupported("no compiler registered (econ.native)")
        text, args, rows = source(groups, balances, kinds, outputs, na_names)
        k = Kernel(compile_(text), args, outputs, rows, [kinds[n] for n in args])
    except (Unsupported, RuntimeError, OSError) as exc:
        # Never a wrong value: the numpy backend evaluates these groups.
        FAILURES.append(f"{type(exc).__name__}: {exc}")
        del FAILURES[:-20]
        k = None
    if len(_KERNELS) >= 1_000:  # bounded in a long-lived process
        _KERNELS.clear()
    _KERNELS[key] = k
    return k


#: Why recent kernels were not built (newest last; the tests read it).
FAILURES: list[str] = []
