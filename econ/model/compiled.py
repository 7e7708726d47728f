"""A balance compiled: the numpy backend's year-by-year loop as one generated
Python function.

A balance (a debt balance, a tax-loss pool: items reading their own past
through :class:`~econ.model.expr.Prev`) is evaluated one year at a time. The
interpreter (:func:`econ.model.numpy_backend.evaluate`) walks each item's
expression tree again for every year, which for one scenario costs far more
than the arithmetic. This module turns a balance into Python source once,
one statement per node, the years as a ``for`` loop, and compiles it.

Every statement calls the same numpy operation (or the same helper of
:mod:`econ.model.numpy_backend`) the interpreter calls for that node, in the
same order, so the results are identical to the last bit; the tests compare
the two on every seed and on the instrument comparison.

Pure: arrays in, arrays out.
"""

from __future__ import annotations

import marshal
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from types import CodeType
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

__all__ = ["CODE", "Balance", "Item", "code_bytes", "compile_balance", "stored_item"]

Array = NDArray[np.float64]

#: ``fn(env, out, n_years)``: fills ``out[key]`` (``(S, Y)``, preallocated,
#: fastest in column-major order) for every item of the balance from the
#: names in ``env``.
Balance = Callable[[Mapping[str, Array], Mapping[str, Array], int], None]

_OPS = {**{op: f"_arith_{n}" for n, op in enumerate(nb._ARITHMETIC)}}
_CMPS = {op: f"_cmp_{n}" for n, op in enumerate(nb._COMPARE)}

_NAMESPACE: dict[str, Any] = {
    "_np": np,
    "_nan": math.nan,
    "_inf": math.inf,
    "_f64": np.float64,
    "_asarray": np.asarray,
    "_broadcast_to": np.broadcast_to,
    "_concatenate": np.concatenate,
    "_asfortranarray": np.asfortranarray,
    "_cumsum": np.cumsum,
    "_errstate": np.errstate,
    "_with_nan": nb._with_nan,
    "_func": nb._func,
    "_safe_div": nb.safe_div,
    "_row_irr": nb.row_irr,
    "_first_year_where": nb.first_year_where,
    "_check": nb.check,
    "_sumproduct": nb._sumproduct,
    **{name: nb._ARITHMETIC[op] for op, name in _OPS.items()},
    **{name: nb._COMPARE[op] for op, name in _CMPS.items()},
}


class _Writer:
    """Emits the statements of one column (year ``t``) of a balance."""

    def __init__(
        self, group_keys: Sequence[str], na_names: Collection[str], *, whole: bool = False
    ) -> None:
        # whole: one item over the whole timeline (``_env`` and ``_n_years``);
        # otherwise one column of a balance (year ``_t``).
        self.whole = whole
        self.years = "_n_years" if whole else "1"
        # Each item's identifier, numbered: two keys that differ only in
        # characters an identifier cannot hold ("a-b", "a.b") stay apart.
        self.group = {key: _ident(key, n) for n, key in enumerate(group_keys)}
        self.na_names = na_names
        self.lines: list[str] = []
        self.counter = 0
        self.consts: dict[str, float] = {}
        self.reads: dict[str, str] = {}  # env name -> its column's local

    def temp(self, code: str) -> str:
        self.counter += 1
        name = f"_v{self.counter}"
        self.lines.append(f"{name} = {code}")
        return name

    def local(self, name: str) -> str:
        """The local holding ``name``'s value in this year's column."""
        if name in self.group and not self.whole:
            return f"_item_{self.group[name]}"
        if name not in self.reads:
            self.reads[name] = f"_col_{len(self.reads)}"
        return self.reads[name]

    def na(self, node: Expr) -> bool:
        return nb.may_be_na(node, self.na_names)

    def row(self, e: Expr) -> str:
        value = self.ev(e)
        return self.temp(f"_broadcast_to({value}, ({value}.shape[0], {self.years}))")

    def ev(self, e: Expr) -> str:
        # Mirrors numpy_backend.evaluate's ``ev`` node by node, with n_years = 1
        # (one column) and Prev read through the balance's previous column.
        node = as_node(e)
        match node:
            case Const(value=v):
                return self.temp(f"_np.array([[{_literal(v)}]])")
            case Ref(name=n):
                return self.local(n)
            case Binary(op=op, left=left, right=right):
                a, b = self.ev(left), self.ev(right)
                if op in _OPS:
                    return self.temp(f"_asarray({_OPS[op]}({a}, {b}), dtype=_f64)")
                out = self.temp(f"_asarray({_CMPS[op]}({a}, {b}), dtype=_f64)")
                return self.temp(f"_with_nan({out}, {a}, {b})") if self.na(node) else out
            case Func(name="IF", args=(cond, Const(value=1.0), Const(value=0.0))) if (
                isinstance(cond, Binary) and cond.op in nb._COMPARE
            ) or (isinstance(cond, Func) and cond.name == "AND"):
                return self.ev(cond)
            case Func(name=name, args=args):
                values = ", ".join(self.ev(a) for a in args)
                return self.temp(f"_func({name!r}, [{values}], {self.na(node)})")
            case SafeDiv(numerator=num, denominator=den):
                return self.temp(f"_safe_div({self.ev(num)}, {self.ev(den)})")
            case CumSum(series=s):
                return self.temp(f"_asarray(_cumsum({self.row(s)}, axis=1), dtype=_f64)")
            case Prev(series=s, initial=init) if self.whole:
                rows = self.row(s)
                first = self.temp(f"_broadcast_to({self.ev(init)}, ({rows}.shape[0], 1))")
                return self.temp(f"_concatenate([{first}, {rows}[:, :-1]], axis=1)")
            case Prev(series=s, initial=init):
                # Year 0 reads the initial value; later years the previous column.
                source = (
                    f"_out_{self.group[s.name]}" if s.name in self.group else self.env_row(s.name)
                )
                saved, self.lines = self.lines, []
                init_value = self.ev(init)
                init_lines, self.lines = self.lines, saved
                self.counter += 1
                name = f"_v{self.counter}"
                self.lines.append("if _t == 0:")
                self.lines += [f"    {line}" for line in init_lines]
                self.lines.append(f"    {name} = {init_value}")
                self.lines.append("else:")
                self.lines.append(f"    {name} = {source}[:, _t - 1 : _t]")
                return name
            case Sum(series=s):
                return self.temp(f"_asarray({self.row(s)}.sum(axis=1, keepdims=True), dtype=_f64)")
            case SumProduct(a=a, b=b):
                return self.temp(f"_sumproduct({self.ev(a)}, {self.ev(b)}, {self.years})")
            case At(series=s, flag=f):
                return self.temp(f"_sumproduct({self.ev(s)}, {self.ev(f)}, {self.years})")
            case Last(series=s):
                return self.temp(f"{self.row(s)}[:, -1:]")
            case RowMax(series=s):
                return self.temp(f"_asarray({self.row(s)}.max(axis=1, keepdims=True), dtype=_f64)")
            case Irr(series=s):
                return self.temp(f"_row_irr({self.row(s)})")
            case FirstYearWhere(flag=f):
                return self.temp(f"_first_year_where({self.row(f)}, {self.row(Ref('year'))})")
            case Check(actual=actual, expected=expected, scale=scale):
                scale_value = "None" if scale is None else self.ev(scale)
                tol = self.local(CHECK_TOLERANCE)
                return self.temp(
                    f"_check({self.ev(actual)}, {self.ev(expected)}, {scale_value}, {tol})"
                )
            case _:  # pragma: no cover - mypy proves this unreachable
                assert_never(node)

    def env_row(self, name: str) -> str:
        """The local holding ``name``'s whole row (for a Prev of a row outside
        the balance)."""
        self.local(name)
        return f"_full{self.reads[name]}"


def _ident(name: str, n: int) -> str:
    """Identifier text for the ``n``-th item of a balance, called ``name``
    (unique by its number; the name kept, in ASCII, to read the code)."""
    return f"{n}_" + "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in name)


def _literal(value: float) -> str:
    """Source text for a :class:`Const`'s value giving the array the
    interpreter's ``np.array([[value]])`` gives: the same type (an ``int``
    stays an integer array) and value (n/a and infinities included)."""
    if type(value) in (bool, int):
        return repr(value)
    v = float(value)
    if math.isnan(v):
        return "_nan"
    if math.isinf(v):
        return "_inf" if v > 0 else "-_inf"
    return repr(v)


def _source(keys: Sequence[str], exprs: Sequence[Expr], na_names: Collection[str]) -> str:
    writer = _Writer(keys, na_names)
    for key, expr in zip(keys, exprs, strict=True):
        value = writer.ev(expr)
        ident = writer.group[key]
        writer.lines.append(f"_out_{ident}[:, _t : _t + 1] = {value}")
        writer.lines.append(f"_item_{ident} = _out_{ident}[:, _t : _t + 1]")
    head = ["def _balance(_env, _out, _n_years):"]
    for key, ident in writer.group.items():
        head.append(f"    _out_{ident} = _out[{key!r}]")
    for name, local in writer.reads.items():
        # A name the balance reads: its column for year t when it is a row,
        # the value itself when it is a scalar (as the interpreter's ``col``).
        head.append(f"    _full{local} = _env.get({name!r})")
        head.append(
            f"    _is_row{local} = _full{local} is not None and _full{local}.shape[1] == _n_years"
        )
        # Year by year, a row is read a column at a time: in column-major
        # order each column is contiguous (8x faster at 100,000 scenarios
        # than striding through rows); the values are the same.
        head.append(
            f"    if _is_row{local} and _full{local}.shape[0] > 1: "
            f"_full{local} = _asfortranarray(_full{local})"
        )
    head.append("    with _errstate(divide='ignore', invalid='ignore', over='ignore'):")
    head.append("        for _t in range(_n_years):")
    for local in writer.reads.values():
        head.append(
            f"            {local} = _full{local}[:, _t : _t + 1] "
            f"if _is_row{local} else _full{local}"
        )
    body = [f"            {line}" for line in writer.lines]
    return "\n".join(head + body) + "\n"


def _item_source(expr: Expr, na_names: Collection[str]) -> str:
    writer = _Writer([], na_names, whole=True)
    value = writer.ev(expr)
    head = ["def _item(_env, _n_years):"]
    head += [f"    {local} = _env[{name!r}]" for name, local in writer.reads.items()]
    body = [f"    {line}" for line in writer.lines]
    return "\n".join([*head, *body, f"    return {value}"]) + "\n"


#: What is compiled: a balance or one item, its items' keys (the code writes
#: each by name: the same expressions under other names are another balance),
#: its expressions (themselves, which keeps them alive: an ``id`` could be
#: reused once a model is freed) and the model's n/a names.
Key = tuple[str, tuple[str, ...], tuple[Expr, ...], frozenset[str]]

#: Compiled code (``marshal``) by key: filled from a model kept on disk
#: (:mod:`econ.cache`), so a new process skips compiling.
CODE: dict[Key, bytes] = {}

#: Entries kept in the process-wide caches before they are emptied: a
#: long-lived process (a Dask worker given a new copy of a model with every
#: task) would otherwise grow without end. A model's code is about 630
#: entries (0.7 MB); after a reset its items are interpreted or compiled again,
#: with the same values.
LIMIT = 5_000


def bounded(cache: dict[Any, Any], limit: int = LIMIT, adding: int = 1) -> dict[Any, Any]:
    """``cache``, emptied first if ``adding`` more entries would take it
    past ``limit`` (call before adding them)."""
    if len(cache) + adding > limit:
        cache.clear()
    return cache


_COMPILED: dict[Key, Any] = {}


def _code(key: Key) -> CodeType:
    kind, keys, exprs, na_names = key
    if kind == "balance":
        return compile(_source(keys, exprs, na_names), f"<econ balance {keys[0]}>", "exec")
    return compile(_item_source(exprs[0], na_names), f"<econ item {keys[0]}>", "exec")


def code_bytes(key: Key) -> bytes:
    """The compiled code of a balance or an item, marshalled (to keep with
    its model)."""
    return marshal.dumps(_code(key))


def _function(key: Key, name: str) -> Any:
    stored = CODE.get(key)
    code = _code(key) if stored is None else marshal.loads(stored)
    namespace = dict(_NAMESPACE)
    exec(code, namespace)
    return namespace[name]


#: ``fn(env, n_years)``: one item's value, as the interpreter gives it.
Item = Callable[[Mapping[str, Array], int], Array]


def stored_item(key: str, expr: Expr, na_names: frozenset[str]) -> Item | None:
    """Item ``key`` as a compiled function when its code was kept with its
    model (:data:`CODE`), else ``None`` (compiling one item costs more than
    interpreting it once)."""
    k: Key = ("item", (key,), (expr,), na_names)
    fn = _COMPILED.get(k)
    if fn is None and k in CODE:
        fn = bounded(_COMPILED)[k] = _function(k, "_item")
    return fn


def compile_balance(
    keys: Sequence[str], exprs: Sequence[Expr], na_names: frozenset[str]
) -> Balance:
    """The balance of items ``keys`` (in evaluation order) with expressions
    ``exprs`` as one function ``fn(env, out, n_years)`` (cached).

    >>> from econ.model.expr import Prev, Ref
    >>> fn = compile_balance(["pool"], [Prev(Ref("pool"), 0.0) + Ref("add")], frozenset())
    >>> out = {"pool": np.empty((1, 3))}
    >>> fn({"add": np.array([[1.0, 2.0, 3.0]])}, out, 3)
    >>> out["pool"]
    array([[1., 3., 6.]])
    """
    key: Key = ("balance", tuple(keys), tuple(exprs), na_names)
    fn = _COMPILED.get(key)
    if fn is None:
        fn = bounded(_COMPILED)[key] = _function(key, "_balance")
    return fn  # type: ignore[no-any-return]
