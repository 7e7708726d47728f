"""What a model is made of: inputs, constants, line items, solved metrics,
cross-field rules and presentation metadata; and :class:`Model`, the
dependency graph they form.

A :class:`Model` is built once (at import) and checked then:

* every name is defined once and every reference resolves (the items may be
  listed in any order: they are sorted topologically, cycles are refused);
* every line item's unit is inferred from its expression
  (:mod:`econ.model.units`) and must equal its declared unit;
* timeline operators take rows, scalar items do not read rows;
* each :class:`Solve` is derived from the graph (:mod:`econ.model.solve`):
  a plug-back block (the target's ancestors re-evaluated at the solved
  value, by substitution), a check that the target is 0 there, and, where
  the graph shows the target is affine in the variable, a live closed form;
* the master check is the minimum of every check.

Renderers read the presentation metadata (``headline``, ``index``,
``display``, ``na_text``, ``section``, :class:`Chart`, ``narrative``) and
never name a line item.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from econ.model.expr import (
    REDUCTIONS,
    At,
    CumSum,
    Expr,
    FirstYearWhere,
    Last,
    Min,
    Prev,
    Ref,
    RowMax,
    Sum,
    SumProduct,
    as_node,
    refs,
)
from econ.model.units import ONE, YEAR, Unit, UnitMismatch, infer, parse

__all__ = [
    "BREAKEVEN_KEY",
    "TIMELINE_NAMES",
    "Chart",
    "ChartSeries",
    "Constant",
    "Display",
    "EmptyNote",
    "Event",
    "InputSpec",
    "LineItem",
    "Model",
    "Rule",
    "Solve",
    "Variant",
]

Shape = Literal["scalar", "series"]
Role = Literal["calc", "metric", "check"]
#: How a value reads: ``auto`` (from its unit), ``percent`` (a fraction shown
#: as %), ``factor`` (a plain number), ``flag`` (a check's 0/1 as pass/FAIL),
#: ``yesno`` (a condition's 0/1 as yes/no), ``scientific`` (a small setting).
Display = Literal["auto", "percent", "factor", "flag", "yesno", "scientific"]
Kind = Literal["number", "whole", "year"]

#: Names every model has: the timeline rows and its first and last year.
TIMELINE_NAMES = {"year": "year", "period": "1", "start_year": "year", "end_year": "year"}
TIMELINE_ROWS = ("year", "period")

Array = NDArray[np.float64]


def _g(x: float) -> str:
    return f"{x:g}"


@dataclass(frozen=True)
class InputSpec:
    """An assumption a scenario provides (or takes from its documented default).

    Attributes:
        key: snake_case name with its unit: scenario-file key, workbook
            defined name, JSON key.
        label: human label.
        unit: canonical unit (see :mod:`econ.model.units`); a scenario file
            may give another unit of the same dimension.
        doc: what it means.
        minimum, maximum: allowed domain; ``min_open``/``max_open`` make the
            bound exclusive.
        per_year: whether a series (one value a year) is allowed.
        kind: ``number``, ``whole`` (a whole number, e.g. years counted by
            the model) or ``year`` (a calendar year within the timeline).
        default: the value used when a scenario omits it (``None``: required).
        default_reason: why the default is defensible (shown as its source).
        default_from: the key of another input whose value is the default
            (e.g. an exchange-rate path that stays at today's rate).
        display: how the value reads.
    """

    key: str
    label: str
    unit: str
    doc: str
    minimum: float | None = None
    maximum: float | None = None
    min_open: bool = False
    max_open: bool = False
    per_year: bool = False
    kind: Kind = "number"
    default: float | None = None
    default_reason: str = ""
    display: Display = "auto"
    default_from: str = ""

    @property
    def year(self) -> bool:
        """A calendar year within the timeline."""
        return self.kind == "year"

    @property
    def currency(self) -> bool:
        """A money amount in USD that a scenario may give in rubles instead."""
        return "USD" in self.unit.split("/")[0] and not self.key.startswith("fx_")

    def domain(self) -> str:
        """The allowed range as text, e.g. ``[0, 1)``."""
        lo = "(-inf" if self.minimum is None else ("(" if self.min_open else "[") + _g(self.minimum)
        hi = "inf)" if self.maximum is None else _g(self.maximum) + (")" if self.max_open else "]")
        return f"{lo}, {hi}"

    def ok(self, values: Array, first_year: int, last_year: int) -> NDArray[np.bool_]:
        """Element-wise: which values are allowed (vectorized; the single
        domain check behind files, overrides, sweeps and edited workbooks)."""
        with np.errstate(invalid="ignore"):
            good = np.isfinite(values)
            if self.kind in ("year", "whole"):
                good &= values == np.round(values)
            if self.kind == "year":
                return good & (values >= first_year) & (values <= last_year)
            if self.minimum is not None:
                good &= values > self.minimum if self.min_open else values >= self.minimum
            if self.maximum is not None:
                good &= values < self.maximum if self.max_open else values <= self.maximum
        return np.asarray(good)

    def admits(self, value: float) -> bool:
        """Whether ``value`` lies in the domain (timeline aside)."""
        return bool(self.ok(np.array([value]), -(10**9), 10**9)[0])

    def problem(self, value: float, first_year: int, last_year: int) -> str | None:
        """Why ``value`` is not allowed (``None`` when it is), in the words of
        every error message: ``'discount_rate' must be in [0, 1) (got 1.5)``.

        >>> InputSpec("discount_rate", "", "1", "", 0, 1, max_open=True).problem(1.5, 2025, 2030)
        "'discount_rate' must be in [0, 1) (got 1.5)"
        >>> InputSpec("construction_yr", "", "yr", "", 1, kind="whole").problem(1.5, 2025, 2030)
        "'construction_yr' must be a whole number in [1, inf) yr (got 1.5)"
        """
        if self.ok(np.array([value], dtype=np.float64), first_year, last_year)[0]:
            return None
        if not math.isfinite(value):
            return f"'{self.key}' must be a finite number (got {value})"
        if self.kind == "year":
            return (
                f"'{self.key}' must be a year in the timeline [{first_year}, {last_year}] "
                f"(got {value:g})"
            )
        unit = "" if self.unit == "1" else f" {self.unit}"
        whole = "a whole number in " if self.kind == "whole" else "in "
        return f"'{self.key}' must be {whole}{self.domain()}{unit} (got {value:g})"


@dataclass(frozen=True)
class Constant:
    """A fixed number with a unit, named so no formula hides it (a software
    setting such as a check tolerance is a constant, not an assumption)."""

    key: str
    label: str
    unit: str
    value: float
    doc: str
    display: Display = "auto"


@dataclass(frozen=True)
class LineItem:
    """One named calculation.

    Attributes:
        key: snake_case name carrying its unit (``revenue_usd_per_yr``).
        label: human label.
        unit: declared unit; must equal the unit inferred from ``expr``.
        expr: the single definition.
        doc: what it means (required: every line item is documented).
        shape: ``series`` (a row over the timeline) or ``scalar``.
        role: ``calc`` (Model sheet), ``metric`` (Results) or ``check`` (Checks).
        display: how the value reads.
        headline: shown as a headline (HTML cards, workbook cover, CLI).
        index: a column of batch indexes.
        na_text: what "not available" means for this item.
        section: heading it is grouped under on the Model sheet.
        solved: an engine-held solved value (no formula of the inputs); the
            workbook stores the engine's value and its plug-back proves it.
        derived: generated by the model (solve blocks, master check), not
            given by its definition.
    """

    key: str
    label: str
    unit: str
    expr: Expr
    doc: str
    shape: Shape = "series"
    role: Role = "calc"
    display: Display = "auto"
    headline: bool = False
    index: bool = False
    na_text: str = "n/a"
    section: str = ""
    solved: bool = False
    derived: bool = False


@dataclass(frozen=True)
class Solve:
    """A value solved so that a scalar item is 0: "the price at which NPV = 0".

    Attributes:
        key, label, unit, doc: of the solved metric.
        target: the scalar line item to bring to 0.
        variable: the input replaced by the solved value.
        fixed: other inputs held at given values while solving (e.g. no subsidy).
        probe: a non-zero magnitude of the variable (an expression in its
            unit): the engine solver's first bracket is ``[0, probe]``.
        scale: a magnitude of the target (same unit), the scale of its plug-back
            check's tolerance.
        prefix: prefix of the plug-back block's item keys.
        closed_form: a formula for the solved value written by the modeller
            (used instead of the derived one); the plug-back block still comes
            from the graph, so a closed form that leaves something out fails
            its check.
        na_text, headline, index, display: presentation of the solved metric.
    """

    key: str
    label: str
    unit: str
    doc: str
    target: str
    variable: str
    probe: Expr
    scale: Expr
    prefix: str
    fixed: tuple[tuple[str, float], ...] = ()
    closed_form: Expr | None = None
    na_text: str = "n/a"
    headline: bool = False
    index: bool = False
    display: Display = "auto"


@dataclass(frozen=True)
class Rule:
    """A cross-field rule on inputs, checked with every domain check.

    Attributes:
        key: the input the message points at.
        ok: a 0/1 expression over inputs and ``start_year``/``end_year``.
        message: what must hold; ``{name}`` fields are filled with values.
        severity: ``error`` refuses the input; ``warning`` is reported.
    """

    key: str
    ok: Expr
    message: str
    severity: Literal["error", "warning"] = "error"


@dataclass(frozen=True)
class ChartSeries:
    """One series of a chart: a row (line item or input) drawn as a line or bars."""

    key: str
    label: str
    kind: Literal["line", "bar"] = "line"
    dashed: bool = False


@dataclass(frozen=True)
class EmptyNote:
    """Why a chart has nothing to show, when a row says so: the sentence
    that replaces the chart.

    Attributes:
        row: a timeline row (line item or input) that explains the emptiness.
        test: ``at_most_zero`` (the row is at most 0, or n/a, in every year)
            or ``zero`` (0 or n/a in every year).
        text: the sentence; ``{key}`` is a scalar of the model, shown in the
            display policy with its unit.
    """

    row: str
    test: Literal["at_most_zero", "zero"]
    text: str


@dataclass(frozen=True)
class Chart:
    """A chart over the timeline, drawn alike in the workbook and the HTML.

    ``empty`` says why the chart may have nothing to show (first match wins);
    without a match, :meth:`empty_note` names what is empty.
    """

    chart_id: str
    title: str
    unit: str
    series: tuple[ChartSeries, ...]
    right_axis: bool = False
    empty: tuple[EmptyNote, ...] = ()

    def empty_note(
        self,
        row: Callable[[str], NDArray[np.float64]],
        scalar_text: Callable[[str], str],
        years: tuple[int, int],
    ) -> str:
        """The sentence replacing this chart when its bars (or, without bars,
        all its lines) are 0 or n/a in every year; ``""`` when it has
        something to show.

        Args:
            row: a timeline row's values by key.
            scalar_text: a scalar's value as shown, with its unit, by key.
            years: first and last year of the timeline.
        """
        bars = [s for s in self.series if s.kind == "bar"]
        drawn = bars or list(self.series)
        values = [np.asarray(row(s.key), dtype=float) for s in drawn]
        if any((np.isfinite(v) & (v != 0)).any() for v in values):
            return ""
        for note in self.empty:
            v = np.asarray(row(note.row), dtype=float)
            ok = ~np.isfinite(v) | ((v <= 0) if note.test == "at_most_zero" else (v == 0))
            if ok.all():
                return _fill(note.text, scalar_text)
        names = " and ".join(s.label for s in drawn)
        verb = "are" if len(drawn) > 1 else "is"
        return (
            f"Not drawn: {names[:1].lower()}{names[1:]} {verb} zero or n/a in every year "
            f"from {years[0]} to {years[1]}, so there is nothing to plot."
        )


def _fill(text: str, scalar_text: Callable[[str], str]) -> str:
    """``text`` with each ``{key}`` replaced by ``scalar_text(key)``."""
    return re.sub(r"\{([a-z0-9_]+)\}", lambda m: scalar_text(m.group(1)), text)


@dataclass(frozen=True)
class Event:
    """A yes/no outcome of one scalar metric, whose probability a Monte Carlo
    run reports ("NPV > 0", "the gap closed by 2030").

    Attributes:
        key: name of the event (``npv_positive``).
        label: how it reads; ``{year}`` is the year asked about.
        metric: the metric it reads.
        test: ``positive`` (the metric is above 0), ``by_year`` (a year
            metric is at most the year asked about; n/a, "never", is not),
            ``na`` (the metric is n/a, e.g. the budget never runs out).
    """

    key: str
    label: str
    metric: str
    test: Literal["positive", "by_year", "na"]


Narrative = Callable[[Mapping[str, float], int], list[str]]


@dataclass(frozen=True)
class Variant:
    """The same items with some inputs held at given values: "the tax the
    project would pay with no support". Derived from the graph like a solve's
    plug-back block (by substitution), so it can never drift from the model.

    Attributes:
        prefix: prefix of the copied items' keys (``nosupport_tax_usd_per_yr``).
        label: what the variant is, for section headings.
        note: appended to the copied labels ("without support").
        fixed: the inputs held and their values.
        targets: the items wanted; every item between them and the held
            inputs is copied too.
    """

    prefix: str
    label: str
    note: str
    fixed: tuple[tuple[str, float], ...]
    targets: tuple[str, ...]


#: The batch index column every model with a breakeven fills (:attr:`Model.breakeven`).
BREAKEVEN_KEY = "breakeven_usd_per_kg"


@dataclass(frozen=True)
class Model:
    """A named graph of inputs, constants and line items.

    ``items`` is every line item (given and derived from ``solves``) in
    topological order; ``checks`` gets a generated ``master_check``.
    """

    name: str
    title: str
    inputs: tuple[InputSpec, ...]
    constants: tuple[Constant, ...]
    items: tuple[LineItem, ...]
    solves: tuple[Solve, ...] = ()
    rules: tuple[Rule, ...] = ()
    charts: tuple[Chart, ...] = ()
    default_metric: str = ""
    narrative: Narrative | None = field(default=None, compare=False)
    #: The short headline of a summary page (at most six metrics, in order);
    #: the other headline metrics are details below it. Empty: the first six.
    tiles: tuple[str, ...] = ()
    #: Index columns a batch index shows without asking (the others are
    #: details on demand). Empty: every index column.
    index_brief: tuple[str, ...] = ()
    #: Metrics a batch index charts across its scenarios.
    compare: tuple[str, ...] = ()
    events: tuple[Event, ...] = ()
    #: The metric (USD/kg) that is this model's breakeven support: the per-kg
    #: subsidy at which a scenario of it breaks even. A batch index and its
    #: summary show it in one column across models (:meth:`breakeven_item`).
    breakeven: str = ""
    #: Copies of items with some inputs held (see :class:`Variant`).
    variants: tuple[Variant, ...] = ()
    _index: dict[str, InputSpec | Constant | LineItem] = field(
        init=False, repr=False, compare=False
    )
    _deps: dict[str, frozenset[str]] = field(init=False, repr=False, compare=False)
    _units: dict[str, Unit] = field(init=False, repr=False, compare=False)
    _given: tuple[LineItem, ...] = field(init=False, repr=False, compare=False)
    _cache: dict[object, object] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        from econ.model.solve import derive_solve, derive_variant

        object.__setattr__(self, "_given", tuple(i for i in self.items if not i.derived))
        object.__setattr__(self, "_cache", {})
        given: list[LineItem] = list(self._given)
        for variant in self.variants:
            given += derive_variant(variant, given)
        for solve in self.solves:
            given += derive_solve(solve, self.inputs, self.constants, given)
        checks = [i for i in given if i.role == "check"]
        if checks:
            given.append(
                LineItem(
                    "master_check",
                    "All checks pass",
                    "1",
                    Min(*(Ref(c.key) for c in checks)),
                    "1 when every check on the Checks sheet passes.",
                    "scalar",
                    "check",
                    display="flag",
                    derived=True,
                )
            )
        index: dict[str, InputSpec | Constant | LineItem] = {}
        everything: tuple[InputSpec | Constant | LineItem, ...] = (
            *self.inputs,
            *self.constants,
            *given,
        )
        for obj in everything:
            if obj.key in index or obj.key in TIMELINE_NAMES:
                raise ValueError(f"model {self.name!r}: duplicate name {obj.key!r}")
            index[obj.key] = obj
        object.__setattr__(self, "_index", index)
        deps = {i.key: frozenset(_item_refs(i, given)) for i in given}
        known = {*TIMELINE_NAMES, *(c.key for c in self.constants)}
        known |= {i.key for i in self.inputs} | {i.key for i in given}
        for key, names in deps.items():
            missing = names - known
            if missing:
                raise ValueError(
                    f"model {self.name!r}: {key!r} refers to unknown {sorted(missing)}"
                )
        items = {i.key: i for i in given}
        order = _stable_topological_order(self.name, list(items), deps)
        object.__setattr__(self, "items", tuple(items[k] for k in order))
        object.__setattr__(self, "_deps", deps)
        object.__setattr__(self, "_units", self._check_units())
        self._check_shapes()
        metrics = {i.key for i in given if i.role == "metric"}
        for what, keys in (("tiles", self.tiles), ("index_brief", self.index_brief)):
            if set(keys) - metrics:
                raise ValueError(f"model {self.name!r}: {what} names {sorted(set(keys) - metrics)}")
        if set(self.compare) - metrics:
            raise ValueError(
                f"model {self.name!r}: compare names {sorted(set(self.compare) - metrics)}"
            )
        if self.breakeven and (
            self.breakeven not in metrics or items[self.breakeven].unit != "USD/kg"
        ):
            raise ValueError(
                f"model {self.name!r}: breakeven names {self.breakeven!r}, not a USD/kg metric"
            )
        if len(self.tiles) > 6:
            raise ValueError(f"model {self.name!r}: at most six tiles, not {len(self.tiles)}")
        for event in self.events:
            target = index.get(event.metric)
            if not isinstance(target, LineItem) or target.shape != "scalar":
                raise ValueError(
                    f"model {self.name!r}: event {event.key!r} needs the scalar {event.metric!r}"
                )
        for chart in self.charts:
            for s in chart.series:
                if s.key not in index:
                    raise ValueError(
                        f"model {self.name!r}: chart {chart.chart_id!r} needs {s.key!r}"
                    )
            for note in chart.empty:
                named = re.findall(r"\{([a-z0-9_]+)\}", note.text)
                for key in (note.row, *named):
                    if key not in index:
                        raise ValueError(
                            f"model {self.name!r}: chart {chart.chart_id!r} note needs {key!r}"
                        )

    # -- checks at construction -------------------------------------------------
    def _check_units(self) -> dict[str, Unit]:
        units: dict[str, Unit] = {k: parse(v) for k, v in TIMELINE_NAMES.items()}
        declared_inputs: tuple[InputSpec | Constant, ...] = (*self.inputs, *self.constants)
        for obj in declared_inputs:
            units[obj.key] = parse(obj.unit)
        # Every item's declared unit first: a balance reads its own past value.
        units |= {item.key: parse(item.unit) for item in self.items}
        for item in self.items:
            declared = parse(item.unit)
            if item.solved:
                units[item.key] = declared
                continue
            try:
                inferred = infer(item.expr, units.__getitem__, f"{self.name}.{item.key}")
            except UnitMismatch as exc:
                raise UnitMismatch(f"model {exc}") from None
            if not inferred.same(declared):
                raise UnitMismatch(
                    f"model {self.name}.{item.key}: declared unit {item.unit!r} but its "
                    f"expression has unit {str(inferred)!r} ({item.expr})"
                )
            units[item.key] = declared
        for rule in self.rules:
            infer(rule.ok, units.__getitem__, f"{self.name} rule on {rule.key}")
        for solve in self.solves:
            where = f"model {self.name}.{solve.key}"
            for what, expr, like in (
                ("probe", solve.probe, solve.variable),
                ("scale", solve.scale, solve.target),
            ):
                missing = set(refs(expr)) - set(units)
                if missing:
                    raise ValueError(f"{where}: {what} refers to unknown {sorted(missing)}")
                got = infer(expr, units.__getitem__, f"{where} {what}")
                if not got.same(units[like]):
                    raise UnitMismatch(
                        f"{where}: {what} has unit {got} but {like!r} has {units[like]}"
                    )
        return units

    def _check_shapes(self) -> None:
        series = self.series_keys() | {i.key for i in self.inputs if i.per_year}
        for item in self.items:
            for node in _walk(item.expr):
                if isinstance(node, (*REDUCTIONS, CumSum, Prev)):
                    for child in node.children():
                        if isinstance(child, Ref) and child.name not in series:
                            raise ValueError(
                                f"model {self.name!r}: {item.key!r} applies "
                                f"{type(node).__name__} to {child.name!r}, which is not a row"
                            )
            if item.shape == "scalar" and not item.solved:
                rows = _row_refs(item.expr) & series
                if rows:
                    raise ValueError(
                        f"model {self.name!r}: scalar item {item.key!r} reads the rows "
                        f"{sorted(rows)} outside a reduction"
                    )

    # -- access ------------------------------------------------------------------
    def __getitem__(self, key: str) -> InputSpec | Constant | LineItem:
        return self._index[key]

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def input(self, key: str) -> InputSpec:
        """The input called ``key``."""
        spec = self._index.get(key)
        if not isinstance(spec, InputSpec):
            raise KeyError(key)
        return spec

    def item(self, key: str) -> LineItem:
        """The line item called ``key``."""
        item = self._index.get(key)
        if not isinstance(item, LineItem):
            raise KeyError(key)
        return item

    @property
    def master_check_key(self) -> str | None:
        """The key of the master check (the minimum of every check), if any."""
        return "master_check" if "master_check" in self._index else None

    def cached(self, key: object, make: Callable[[], object]) -> object:
        """A value derived from this (immutable) model, computed once."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def unit(self, key: str) -> Unit:
        """The (checked) unit of any name."""
        return self._units[key]

    def deps(self, key: str) -> frozenset[str]:
        """Names a line item reads directly."""
        return self._deps[key]

    @property
    def input_keys(self) -> tuple[str, ...]:
        return tuple(i.key for i in self.inputs)

    def items_with(self, role: Role) -> tuple[LineItem, ...]:
        """Line items of one role, in definition order."""
        return tuple(i for i in self.items if i.role == role)

    def series_keys(self) -> set[str]:
        """Names that are timeline rows (given per-year inputs excluded)."""
        return {*TIMELINE_ROWS, *(i.key for i in self.items if i.shape == "series")}

    @property
    def headline_keys(self) -> tuple[str, ...]:
        """Metrics shown as headlines, in order."""
        return tuple(i.key for i in self.items_with("metric") if i.headline)

    @property
    def index_keys(self) -> tuple[str, ...]:
        """Metrics that are columns of a batch index, in order."""
        return tuple(i.key for i in self.items_with("metric") if i.index)

    @property
    def tile_keys(self) -> tuple[str, ...]:
        """The short headline of a summary page (at most six metrics)."""
        return self.tiles or self.headline_keys[:6]

    @property
    def index_brief_keys(self) -> tuple[str, ...]:
        """Index columns shown without asking, in index order."""
        brief = set(self.index_brief or self.index_keys)
        return tuple(k for k in self.index_keys if k in brief)

    def breakeven_item(self) -> LineItem | None:
        """The shared column :data:`BREAKEVEN_KEY` ("Breakeven subsidy"),
        reading this model's own breakeven metric; ``None`` without one."""
        if not self.breakeven:
            return None
        own = self.item(self.breakeven)
        return LineItem(
            BREAKEVEN_KEY,
            "Breakeven subsidy",
            own.unit,
            Ref(own.key),
            f"The per-kg subsidy at which the scenario breaks even ({self.title}: {own.label}).",
            shape="scalar",
            role="metric",
            index=True,
            na_text=own.na_text,
        )

    def shared_metrics(self, values: Mapping[str, float]) -> dict[str, float]:
        """The shared index columns of one scenario from its scalar ``values``."""
        return {BREAKEVEN_KEY: float(values[self.breakeven])} if self.breakeven else {}

    def with_inputs(self, replaced: Mapping[str, tuple[InputSpec, LineItem]]) -> Model:
        """A copy where each input ``key`` is replaced by another input plus a
        line item of the old name (e.g. a capex given in rubles: input
        ``capex_rub`` and item ``capex_usd = capex_rub / fx_rub_per_usd``)."""
        inputs = tuple(replaced[i.key][0] if i.key in replaced else i for i in self.inputs)
        extra = tuple(item for _, item in replaced.values())
        return dataclasses.replace(self, inputs=inputs, items=extra + self._given)


def _stable_topological_order(
    name: str, keys: list[str], deps: Mapping[str, frozenset[str]]
) -> list[str]:
    """Keys ordered so each comes after what it reads, otherwise in the given
    (definition) order. Raises ValueError naming a cycle."""
    pending = list(keys)
    placed: set[str] = set()
    order: list[str] = []
    while pending:
        for i, key in enumerate(pending):
            if all(d in placed or d not in deps for d in deps[key]):
                order.append(key)
                placed.add(key)
                del pending[i]
                break
        else:
            raise ValueError(f"model {name!r}: circular definition among {sorted(pending)}")
    return order


def _walk(e: Expr) -> Iterable[Expr]:
    yield e
    for child in as_node(e).children():
        yield from _walk(child)


def _row_refs(e: Expr) -> set[str]:
    """Names read outside reductions (as a cell of the current column)."""
    node = as_node(e)
    if isinstance(node, Ref):
        return {node.name}
    if isinstance(node, REDUCTIONS):
        return set()
    out: set[str] = set()
    for child in node.children():
        out |= _row_refs(child)
    return out


@functools.lru_cache(maxsize=1 << 16)
def _ref_set(expr: Expr, lagged: bool = True) -> frozenset[str]:
    """``refs`` of an expression as a set, memoized by the expression (nodes
    are immutable and hash by identity): building a model with many solves
    asks for the same items' names again and again."""
    return frozenset(refs(expr, lagged=lagged))


def _item_refs(item: LineItem, items: list[LineItem]) -> set[str]:
    if not item.solved:
        return set(_ref_set(item.expr, False))
    # An engine-solved value depends on what its plug-back block reads; the
    # block is the items that read the solved value, directly or not.
    readers: dict[str, list[str]] = {}
    for i in items:
        if i.role == "calc":
            for name in _ref_set(i.expr):
                readers.setdefault(name, []).append(i.key)
    block: set[str] = set()
    stack = [item.key]
    while stack:
        for reader in readers.get(stack.pop(), ()):
            if reader not in block:
                block.add(reader)
                stack.append(reader)
    out: set[str] = set()
    for i in items:
        if i.key in block:
            out |= _ref_set(i.expr)
    return out - block - {item.key}


# Keep names used by other modules importable from here.
_ = (At, FirstYearWhere, Last, RowMax, Sum, SumProduct, ONE, YEAR)
