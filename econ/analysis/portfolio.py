"""Portfolio files: a budget spread over project scenarios.

A portfolio file is TOML with ``kind = "portfolio"``::

    kind = "portfolio"
    name = "portfolio_60bn"
    title = "60 bn rubles over the seed projects"
    objective = "capacity"          # or "projects", or "cost" (needs [target])
    first_year = 2025               # optional: the calendar's first year

    shared_inputs = ["fx_rub_per_usd"]   # optional: drawn once per Monte Carlo
                                    # draw for all projects (this is the default)

    [[projects]]
    file = "magnets_plant.toml"     # relative to the portfolio file
    instruments = ["production_subsidy", "capex_grant"]   # optional: the
                                    # instruments allowed (default: all but the tariff)
    replaces_imports = { value = 1, unit = "1", source = { ... } }   # optional:
                                    # share of its output replacing imported inputs

    [budget]                        # what the chosen options may cost in all
    value = 60
    unit = "bn RUB"
    basis = "pv"                    # "pv" (at the state's rate) or "nominal"
    source = { publication = "...", date = "...", figure = "..." }

    [envelope]                      # optional: the most spent in any one year
    value = 10
    unit = "bn RUB"
    source = { assumption = "..." }

    [fx_rub_per_usd]                # needed for terms in rubles
    value = 80.65
    unit = "RUB/USD"
    source = { ... }

    [state_discount_rate]
    value = 0.08
    unit = "1"
    source = { ... }

    [target]                        # optional; required by objective "cost"
    value = 50000
    unit = "t/yr"
    year = 2030
    source = { ... }

    [import_share]                  # optional, all three: the import-share target,
    value = 45                      # a constraint of every objective
    unit = "%"
    year = 2030
    source = { ... }
    [import_share_now]
    value = 75
    unit = "%"
    source = { ... }
    [import_consumption]            # the inputs' consumption in the target year
    value = 2500
    unit = "t/yr"
    source = { ... }

Every term carries its unit and a source, as a scenario's assumptions do.
The import-share target asks the supported projects' output that replaces
imports (``replaces_imports`` times production in the target year) to reach
``(share now - share aimed at) * consumption``: the import share in the
target year is ``max(0, share now - replacing output / consumption)``.
:func:`run_portfolio` evaluates the projects, builds the options table
(:func:`econ.analysis.allocation.instrument_options`), solves the allocation
and re-solves it with one more billion rubles (added to the budget, and
spendable in whichever years the envelope needs it).
"""

from __future__ import annotations

import math
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from econ.analysis.allocation import (
    DEFAULT_INSTRUMENTS,
    INSTRUMENTS,
    OBJECTIVES,
    Objective,
    Options,
    Solution,
    instrument_options,
    solve_allocation,
)
from econ.errors import InputError
from econ.scenario import (
    _NAME,
    MAX_DEPTH,
    MAX_YEAR,
    MIN_YEAR,
    Scenario,
    Source,
    _check_text,
    _parse_source,
    _read_text,
    load_scenario,
)
from econ.units import UnitError, convert

__all__ = [
    "ONE_MORE_RUB",
    "SHARED_INPUTS",
    "ImportShare",
    "Portfolio",
    "PortfolioResult",
    "PortfolioRisk",
    "Term",
    "format_portfolio",
    "format_portfolio_risk",
    "instrument_phrase",
    "is_portfolio_file",
    "load_portfolio",
    "portfolio_risk",
    "run_portfolio",
    "size_text",
]

Array = NDArray[np.float64]

#: The extra budget of "what one more billion rubles would buy".
ONE_MORE_RUB = 1e9
_OBJECTIVE_TEXT = {
    "capacity": "most capacity supported",
    "projects": "most projects supported",
    "cost": "least fiscal cost to reach the target",
}
_TOP = {
    "kind",
    "name",
    "title",
    "description",
    "objective",
    "first_year",
    "projects",
    "budget",
    "envelope",
    "fx_rub_per_usd",
    "state_discount_rate",
    "target",
    "import_share",
    "import_share_now",
    "import_consumption",
    "shared_inputs",
}
#: Inputs drawn once per draw for every project unless the file says otherwise.
SHARED_INPUTS: tuple[str, ...] = ("fx_rub_per_usd",)


@dataclass(frozen=True)
class Term:
    """One number of the portfolio file: as written, in canonical units, and its source."""

    key: str
    value: float
    unit: str
    canonical: float
    canonical_unit: str
    source: Source
    note: str = ""


@dataclass(frozen=True)
class ImportShare:
    """The import-share target (see module docs): ``target`` in ``year``
    from ``now``, over a consumption of ``consumption`` (t/yr)."""

    target: Term
    year: int
    now: Term
    consumption: Term

    @property
    def needed_t_per_yr(self) -> float:
        """Output replacing imports the target needs (t/yr)."""
        return (self.now.canonical - self.target.canonical) * self.consumption.canonical

    def share(self, replacing_t_per_yr: float) -> float:
        """The import share with ``replacing_t_per_yr`` of domestic output."""
        return max(0.0, self.now.canonical - replacing_t_per_yr / self.consumption.canonical)


@dataclass(frozen=True)
class Portfolio:
    """A parsed portfolio file (see module docs)."""

    path: Path | None
    name: str
    title: str
    description: str
    objective: Objective
    projects: tuple[Scenario, ...]
    instruments: tuple[tuple[str, ...], ...]
    budget: Term
    budget_basis: str
    envelope: Term | None
    fx: Term | None
    state_discount_rate: Term
    target: Term | None
    target_year: int | None
    first_year: int | None
    import_share: ImportShare | None = None
    replaces_imports: tuple[Term | None, ...] = ()
    shared_inputs: tuple[str, ...] = SHARED_INPUTS

    @property
    def terms(self) -> tuple[Term, ...]:
        """Every number of the file with its source."""
        share = self.import_share
        found = (
            self.budget,
            self.envelope,
            self.fx,
            self.state_discount_rate,
            self.target,
            *((share.target, share.now, share.consumption) if share else ()),
            *self.replaces_imports,
        )
        return tuple(t for t in found if t is not None)

    def replacing_share(self, project: int) -> float:
        """The share of a project's output that replaces imports (0 unless given)."""
        terms = self.replaces_imports
        term = terms[project] if project < len(terms) else None
        return 0.0 if term is None else term.canonical


def is_portfolio_file(path: str | Path) -> bool:
    """True for a TOML file whose top level says ``kind = "portfolio"``
    (False for anything else, unreadable files included)."""
    try:
        data = tomllib.loads(_read_text(Path(path)))  # regular files of sane size only
    except (InputError, tomllib.TOMLDecodeError, RecursionError):
        return False
    return data.get("kind") == "portfolio"


def _need(data: Mapping[str, Any], key: str, kind: type, file: Path, what: str) -> Any:
    if key not in data:
        raise InputError(file, key, f"missing (expected {what})")
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, kind):
        raise InputError(file, key, f"expected {what}, found {value!r}")
    return value


def _term(
    data: Mapping[str, Any],
    key: str,
    to: str,
    file: Path,
    fx: float | None,
    extra: frozenset[str] = frozenset(),
) -> Term:
    raw = data[key]
    if not isinstance(raw, dict):
        raise InputError(file, key, f"expected a table with value, unit and source, found {raw!r}")
    allowed = {"value", "unit", "source", "note", *extra}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise InputError(
            file, f"{key}.{unknown[0]}", f"unknown key (allowed: {', '.join(sorted(allowed))})"
        )
    value = raw.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(file, f"{key}.value", f"expected a finite number, found {value!r}")
    unit = raw.get("unit")
    if not isinstance(unit, str):
        raise InputError(file, f"{key}.unit", f"expected a unit such as {to!r}, found {unit!r}")
    try:
        canonical = convert(float(value), unit, to, rub_per_usd=fx)
    except UnitError as exc:
        hint = "" if fx is not None or "RUB" not in unit else " (give [fx_rub_per_usd])"
        raise InputError(file, f"{key}.unit", f"{exc}{hint}") from None
    source = _parse_source(raw.get("source"), file, f"{key}.source")
    note = raw.get("note", "")
    if not isinstance(note, str):
        raise InputError(file, f"{key}.note", f"expected text, found {note!r}")
    return Term(key, float(value), unit, canonical, to, source, note)


#: Money amounts and volumes in a portfolio file stay below this (canonical
#: units): larger ones overflow the optimizer's arithmetic and the workbook.
_LARGE = 1e15


def _positive(term: Term, file: Path, key: str) -> None:
    """Refuse a term that is not a positive amount below :data:`_LARGE`."""
    if not 0 < term.canonical < _LARGE:
        unit = term.canonical_unit
        got = f"{term.value:g} {term.unit}"
        if term.unit != unit:
            got += f" = {term.canonical:g} {unit}"
        raise InputError(
            file, f"{key}.value", f"'{key}' must be in (0, {_LARGE:g}) {unit} (got {got})"
        )


def load_portfolio(path: str | Path) -> Portfolio:
    """Read and validate a portfolio file and the project scenarios it lists.

    Raises:
        InputError: naming the file, the key, what was expected and found.
    """
    file = Path(path)
    text = _read_text(file)  # a regular UTF-8 file of at most 1 MB (a BOM is allowed)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(file, None, f"not valid TOML: {exc}") from None
    except RecursionError:
        raise InputError(file, None, f"nested too deeply (at most {MAX_DEPTH} levels)") from None
    _check_text(data, file, "")  # nesting depth, NUL and non-characters
    if data.get("kind") != "portfolio":
        raise InputError(file, "kind", 'expected kind = "portfolio" (a portfolio file)')
    unknown = sorted(set(data) - _TOP)
    if unknown:
        raise InputError(file, unknown[0], f"unknown key (allowed: {', '.join(sorted(_TOP))})")
    name = _need(data, "name", str, file, "a slug of a-z, 0-9, '_' or '-'")
    if not _NAME.match(name):  # it names the output files: no path, no surprise
        raise InputError(file, "name", f"expected a slug of a-z, 0-9, '_' or '-' (got {name!r})")
    title = data.get("title", name)
    description = data.get("description", "")
    for key, val in (("title", title), ("description", description)):
        if not isinstance(val, str):
            raise InputError(file, key, f"expected text, found {val!r}")
    objective = data.get("objective", "capacity")
    if not isinstance(objective, str) or objective not in OBJECTIVES:
        raise InputError(
            file, "objective", f"expected one of {list(OBJECTIVES)} (got {objective!r})"
        )
    first_year = data.get("first_year")
    if first_year is not None and (isinstance(first_year, bool) or not isinstance(first_year, int)):
        raise InputError(file, "first_year", f"expected a whole year, found {first_year!r}")
    if first_year is not None and not MIN_YEAR <= first_year <= MAX_YEAR:
        raise InputError(
            file,
            "first_year",
            f"'first_year' must be in [{MIN_YEAR}, {MAX_YEAR}] (got {first_year})",
        )

    fx = _term(data, "fx_rub_per_usd", "RUB/USD", file, None) if "fx_rub_per_usd" in data else None
    if fx is not None:
        _positive(fx, file, "fx_rub_per_usd")
    rate = fx.canonical if fx else None
    if "budget" not in data:
        raise InputError(file, "budget", "missing (expected a table: value, unit, basis, source)")
    budget = _term(data, "budget", "USD", file, rate, frozenset({"basis"}))
    _positive(budget, file, "budget")
    basis = data["budget"].get("basis", "pv")
    if not isinstance(basis, str) or basis not in ("pv", "nominal"):
        raise InputError(file, "budget.basis", f"expected 'pv' or 'nominal' (got {basis!r})")
    envelope = _term(data, "envelope", "USD", file, rate) if "envelope" in data else None
    if envelope is not None:
        _positive(envelope, file, "envelope")
    if "state_discount_rate" not in data:
        raise InputError(
            file, "state_discount_rate", "missing (expected a table: value, unit, source)"
        )
    state = _term(data, "state_discount_rate", "1", file, rate)
    if not 0 <= state.canonical < 1:
        raise InputError(
            file,
            "state_discount_rate.value",
            f"'state_discount_rate' must be in [0, 1) (got {state.canonical:g})",
        )
    target = target_year = None
    if "target" in data:
        target = _term(data, "target", "t/yr", file, rate, frozenset({"year"}))
        target_year = data["target"].get("year")
        if isinstance(target_year, bool) or not isinstance(target_year, int):
            raise InputError(file, "target.year", f"expected a whole year, found {target_year!r}")
        if not MIN_YEAR <= target_year <= MAX_YEAR:
            raise InputError(
                file,
                "target.year",
                f"'target.year' must be in [{MIN_YEAR}, {MAX_YEAR}] (got {target_year})",
            )
        if not 0 <= target.canonical < _LARGE:
            raise InputError(
                file,
                "target.value",
                f"'target' must be in [0, {_LARGE:g}) t/yr (got {target.canonical:g})",
            )
    elif objective == "cost":
        raise InputError(file, "target", 'objective "cost" needs a [target] (value, unit, year)')
    import_share = _import_share(data, file, rate)
    shared = data.get("shared_inputs", list(SHARED_INPUTS))
    if not isinstance(shared, list) or not all(isinstance(k, str) for k in shared):
        raise InputError(file, "shared_inputs", f"expected a list of input keys, found {shared!r}")

    entries = data.get("projects")
    if not isinstance(entries, list) or not entries:
        raise InputError(file, "projects", "expected [[projects]] tables, each with a file")
    projects, instruments = [], []
    replacing_terms: list[Term | None] = []
    for i, entry in enumerate(entries):
        where = f"projects[{i}]"
        if isinstance(entry, str):
            entry = {"file": entry}
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            raise InputError(file, where, f'expected a table with file = "...", found {entry!r}')
        extra = sorted(set(entry) - {"file", "instruments", "replaces_imports"})
        if extra:
            raise InputError(
                file,
                f"{where}.{extra[0]}",
                "unknown key (allowed: file, instruments, replaces_imports)",
            )
        replacing = None
        if "replaces_imports" in entry:
            try:
                replacing = _term(entry, "replaces_imports", "1", file, rate)
            except InputError as exc:
                raise InputError(file, f"{where}.{exc.where}", exc.message) from None
            if not 0 <= replacing.canonical <= 1:
                raise InputError(
                    file,
                    f"{where}.replaces_imports.value",
                    f"'replaces_imports' must be in [0, 1] (got {replacing.canonical:g})",
                )
        replacing_terms.append(replacing)
        project_file = file.parent / entry["file"]
        if not project_file.exists():
            raise InputError(file, f"{where}.file", f"no such file {str(project_file)!r}")
        if project_file.resolve() == file.resolve():
            raise InputError(
                file, f"{where}.file", "expected a project scenario file, found this portfolio"
            )
        scenario = load_scenario(project_file)
        if scenario.model.name != "project":
            raise InputError(
                file,
                f"{where}.file",
                f"{entry['file']!r} is a {scenario.model.name!r} scenario: a portfolio "
                'lists project scenarios (model = "project")',
            )
        allowed = entry.get("instruments", list(DEFAULT_INSTRUMENTS))
        if not isinstance(allowed, list) or not allowed:
            raise InputError(
                file, f"{where}.instruments", f"expected a list of instruments, found {allowed!r}"
            )
        for inst in allowed:
            if not isinstance(inst, str) or inst not in INSTRUMENTS:
                raise InputError(
                    file,
                    f"{where}.instruments",
                    f"unknown instrument {inst!r} (expected one of: {', '.join(INSTRUMENTS)})",
                )
        projects.append(scenario)
        instruments.append(tuple(dict.fromkeys(allowed)))  # each once
    names = [p.name for p in projects]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup is not None:
        raise InputError(file, "projects", f"project {dup!r} is listed twice")
    for key in shared:
        if key not in projects[0].model.input_keys:
            raise InputError(file, "shared_inputs", f"{key!r} is not an input of the project model")
    if import_share is not None and not any(replacing_terms):
        raise InputError(
            file,
            "import_share",
            "no project says what share of its output replaces imports "
            "(give replaces_imports in [[projects]])",
        )
    return Portfolio(
        file,
        name,
        title if isinstance(title, str) else name,
        description if isinstance(description, str) else "",
        objective,
        tuple(projects),
        tuple(instruments),
        budget,
        basis,
        envelope,
        fx,
        state,
        target,
        target_year,
        first_year,
        import_share,
        tuple(replacing_terms),
        tuple(shared),
    )


def _import_share(data: Mapping[str, Any], file: Path, fx: float | None) -> ImportShare | None:
    keys = ("import_share", "import_share_now", "import_consumption")
    given = [k for k in keys if k in data]
    if not given:
        return None
    missing = [k for k in keys if k not in data]
    if missing:
        raise InputError(
            file, missing[0], f"missing (an import-share target needs all of {', '.join(keys)})"
        )
    target = _term(data, "import_share", "1", file, fx, frozenset({"year"}))
    now = _term(data, "import_share_now", "1", file, fx)
    consumption = _term(data, "import_consumption", "t/yr", file, fx)
    year = data["import_share"].get("year")
    if isinstance(year, bool) or not isinstance(year, int):
        raise InputError(file, "import_share.year", f"expected a whole year, found {year!r}")
    for term in (target, now):
        if not 0 <= term.canonical <= 1:
            raise InputError(
                file, f"{term.key}.value", f"a share must be in [0, 1] (got {term.canonical:g})"
            )
    if consumption.canonical <= 0:
        raise InputError(
            file,
            "import_consumption.value",
            f"the consumption must be positive (got {consumption.canonical:g})",
        )
    return ImportShare(target, year, now, consumption)


@dataclass(frozen=True)
class PortfolioResult:
    """The outcome of :func:`run_portfolio`.

    Attributes:
        portfolio: the file.
        priced: every allowed (project, instrument), those beyond the
            instrument's terms or with no breakeven size included.
        options: the options the optimizer chooses from: ``priced`` within
            terms with a breakeven size.
        solution: the allocation.
        more: the allocation with one more billion rubles.
        budget_usd, envelope_usd_per_yr: the constraints in USD
            (``envelope_usd_per_yr`` shape ``(Y,)``, ``inf`` without one).
        spend: each option's draw on the budget (PV or nominal, per the basis).
        elapsed_s: wall time.
    """

    portfolio: Portfolio
    priced: Options
    options: Options
    solution: Solution
    more: Solution
    budget_usd: float
    one_more_usd: float
    envelope_usd_per_yr: Array
    spend: Array
    elapsed_s: float

    @property
    def cost_by_year(self) -> Array:
        """Fiscal cost of the chosen options each year (USD/yr), shape ``(Y,)``."""
        return np.asarray(self.options.cost_usd_per_yr[self.solution.chosen].sum(axis=0))

    @property
    def replacing_t_per_yr(self) -> float:
        """Output of the supported projects replacing imports in the import
        share's year (t/yr); NaN without an import-share target."""
        share = self.portfolio.import_share
        if share is None:
            return math.nan
        o, chosen = self.options, self.solution.chosen
        replacing = np.array([self.portfolio.replacing_share(int(p)) for p in o.project])
        return float((replacing * o.volume_in(share.year))[chosen].sum())

    def reason(self, i: int) -> str:
        """Why the supported option ``i`` is its project's instrument: the
        project's cheaper options and what keeps each out (the budget, the
        envelope), and the instruments beyond their terms."""
        o, chosen = self.options, self.solution.chosen
        p = int(o.project[i])
        parts: list[str] = []
        if o.size[i] <= 0:
            return "viable without support"
        others = [j for j in np.flatnonzero(o.project == p) if j != i]
        cheaper = [j for j in others if o.cost_pv_usd[j] < o.cost_pv_usd[i]]
        if not cheaper:
            parts.append(f"the least fiscal cost of its {len(others) + 1} options")
        base = chosen.copy()
        base[i] = False
        for j in sorted(cheaper, key=lambda j: float(o.cost_pv_usd[j])):
            spent = float(self.spend[base].sum() + self.spend[j])
            over = o.cost_usd_per_yr[base].sum(axis=0) + o.cost_usd_per_yr[j]
            excess = over - self.envelope_usd_per_yr
            label = instrument_phrase(o.instrument[j])
            why = []
            if spent > self.budget_usd * (1 + 1e-9):
                why.append(f"the budget by {_usd(spent - self.budget_usd)}")
            if np.any(excess > 1e-6 * np.maximum(1.0, self.envelope_usd_per_yr)):
                y = int(np.argmax(excess))
                why.append(f"the {o.years[y]} envelope by {_usd(float(excess[y]))}")
            text = f"{label} ({_usd(o.cost_pv_usd[j])} PV) would exceed " + " and ".join(why)
            parts.append(text if why else f"{label} ({_usd(o.cost_pv_usd[j])} PV) is dearer")
        out_of_terms = [
            j
            for j in np.flatnonzero(self.priced.project == p)
            if not self.priced.within_terms[j] and np.isfinite(self.priced.size[j])
        ]
        if out_of_terms:
            parts.append(
                "beyond their terms: "
                + ", ".join(
                    f"{instrument_phrase(self.priced.instrument[j])} "
                    f"{size_text(self.priced.size[j], self.priced.instrument[j])}"
                    for j in out_of_terms
                )
            )
        unsolved = [
            instrument_phrase(self.priced.instrument[j])
            for j in np.flatnonzero(self.priced.project == p)
            if not np.isfinite(self.priced.size[j])
        ]
        if unsolved:
            parts.append("no size breaks it even: " + ", ".join(unsolved))
        return "; ".join(parts)

    @property
    def target_volume(self) -> float:
        """Production of the supported projects in the target year (t/yr)."""
        year = self.portfolio.target_year
        if year is None:
            return math.nan
        return float(self.options.volume_in(year)[self.solution.chosen].sum())

    def marginal(self) -> tuple[int | None, int | None]:
        """(the supported option with the dearest capacity, the unsupported
        project's option with the cheapest), each by fiscal cost PV per t/yr;
        ``None`` when there is none."""
        o, chosen = self.options, self.solution.chosen
        with np.errstate(divide="ignore", invalid="ignore"):
            per = np.where(o.capacity_t_per_yr > 0, o.cost_pv_usd / o.capacity_t_per_yr, np.inf)
        paid = np.flatnonzero(chosen & (o.cost_pv_usd > 0))
        last = int(paid[np.argmax(per[paid])]) if len(paid) else None
        taken = set(o.project[chosen].tolist())
        rest = np.flatnonzero([p not in taken for p in o.project.tolist()])
        nxt = int(rest[np.argmin(per[rest])]) if len(rest) else None
        return last, nxt

    def shortfall(self, i: int) -> tuple[float, float]:
        """What keeps option ``i`` out if added to the chosen set: (budget
        short, USD; the largest excess over the envelope in a year, USD/yr);
        0 where it fits."""
        chosen = self.solution.chosen
        short = float(self.spend[chosen].sum() + self.spend[i] - self.budget_usd)
        over = self.cost_by_year + self.options.cost_usd_per_yr[i] - self.envelope_usd_per_yr
        return max(short, 0.0), max(float(np.max(over)), 0.0)


def run_portfolio(portfolio: Portfolio) -> PortfolioResult:
    """Price every allowed instrument of every project (issue 11's
    comparison), solve the allocation and the one-more-billion variant."""
    t0 = time.perf_counter()
    wanted = [k for k in INSTRUMENTS if any(k in allowed for allowed in portfolio.instruments)]
    try:
        priced = instrument_options(
            portfolio.projects,
            portfolio.state_discount_rate.canonical,
            titles=[p.title for p in portfolio.projects],
            base_year=portfolio.first_year,
            instruments=wanted,
        )
    except ValueError as exc:
        raise InputError(portfolio.path, "projects", str(exc)) from None
    allowed = np.array(
        [
            inst in portfolio.instruments[p]
            for p, inst in zip(priced.project, priced.instrument, strict=True)
        ],
        dtype=bool,
    )
    priced = priced.select(allowed)
    usable = priced.within_terms & np.isfinite(priced.cost_pv_usd)
    options = priced.select(usable)
    spend = options.cost_pv_usd if portfolio.budget_basis == "pv" else options.total_cost_usd
    y_count = len(options.years)
    envelope = np.full(y_count, portfolio.envelope.canonical if portfolio.envelope else np.inf)
    target = portfolio.target.canonical if portfolio.target else 0.0
    volume = options.volume_in(portfolio.target_year) if portfolio.target_year else None
    fx = portfolio.fx.canonical if portfolio.fx else None
    if fx is None:
        raise InputError(
            portfolio.path, "fx_rub_per_usd", "missing (needed for one more billion rubles)"
        )
    one_more = ONE_MORE_RUB / fx
    at_least: list[tuple[Array, float]] = []
    share = portfolio.import_share
    if share is not None:
        replacing = np.array([portfolio.replacing_share(int(p)) for p in options.project])
        at_least.append((replacing * options.volume_in(share.year), share.needed_t_per_yr))

    def solve(budget: float, flex: float) -> Solution:
        return solve_allocation(
            options.project,
            options.capacity_t_per_yr,
            options.cost_pv_usd,
            spend,
            budget,
            objective=portfolio.objective,
            cost_by_year=options.cost_usd_per_yr,
            envelope=envelope,
            volume=volume,
            target=target,
            flex=flex,
            at_least=at_least,
        )

    budget = portfolio.budget.canonical
    solution = solve(budget, 0.0)
    more = solve(budget + one_more, one_more)
    return PortfolioResult(
        portfolio,
        priced,
        options,
        solution,
        more,
        budget,
        one_more,
        envelope,
        spend,
        time.perf_counter() - t0,
    )


def _usd(x: float) -> str:
    from econ.display import format_value

    return format_value(float(x), "USD")


def instrument_phrase(instrument: str) -> str:
    """An instrument's label inside a sentence: "capex grant", "R&D grant" kept."""
    label = INSTRUMENTS[instrument][0]
    return label if label[:2].isupper() else label[0].lower() + label[1:]


def size_text(size: float, instrument: str) -> str:
    """An instrument's size in its unit: ``89.1%``, ``453 M USD``, ``4.82 USD/kg``."""
    unit = INSTRUMENTS[instrument][1]
    if unit == "1":
        return f"{size:.1%}"
    if unit == "USD":
        return _usd(size)
    return f"{size:,.2f} {unit}"


def _rub(x: float, fx: float | None) -> str:
    return "" if fx is None else f" ({x * fx / 1e9:,.1f} bn RUB)"


def _names(result: PortfolioResult, chosen: NDArray[np.bool_]) -> list[str]:
    o = result.options
    return [f"{o.names[o.project[i]]} ({o.instrument[i]})" for i in np.flatnonzero(chosen)]


def format_portfolio(result: PortfolioResult) -> str:
    """The allocation as text: supported projects, cost by year against the
    envelope, capacity against the target, the marginal project and what one
    more billion rubles buys."""
    from econ.display import format_value, printable

    pf, o, sol = result.portfolio, result.options, result.solution
    fx = pf.fx.canonical if pf.fx else None
    basis = (
        f"PV at {pf.state_discount_rate.canonical:.1%}" if pf.budget_basis == "pv" else "nominal"
    )
    lines = [
        f"{printable(pf.title)}  ({pf.name}): {len(pf.projects)} projects, "
        f"objective: {_OBJECTIVE_TEXT[pf.objective]}",
        f"  Budget {_usd(result.budget_usd)}{_rub(result.budget_usd, fx)}, counted as fiscal cost "
        f"{basis}"
        + (
            f"; envelope {_usd(result.envelope_usd_per_yr[0])}/yr"
            f"{_rub(result.envelope_usd_per_yr[0], fx)}"
            if pf.envelope
            else ""
        ),
    ]
    target = pf.target.canonical if pf.target else 0.0
    if not sol.feasible:
        what = [f"the target of {format_value(target, 't/yr')} in {pf.target_year}"]
        what = what if pf.objective == "cost" else []
        if pf.import_share is not None:
            what.append(
                f"the import share of {pf.import_share.target.canonical:.0%} "
                f"in {pf.import_share.year}"
            )
        lines.append(f"  No choice reaches {' and '.join(what)} within the budget and envelope.")
    head = [
        "project",
        "instrument",
        "size",
        "cost PV",
        "cost nominal",
        "capacity",
        "levelized cost",
        "",
    ]
    rows = []
    order = np.argsort(o.levelized_cost_usd_per_kg, kind="stable")
    for i in order:
        status = "SUPPORTED" if sol.chosen[i] else ""
        if sol.chosen[i] and o.size[i] <= 0:
            status = "viable without support"
        rows.append(
            [
                o.names[o.project[i]],
                o.instrument[i],
                size_text(float(o.size[i]), o.instrument[i]),
                _usd(o.cost_pv_usd[i]),
                _usd(o.total_cost_usd[i]),
                format_value(float(o.capacity_t_per_yr[i]), "t/yr"),
                format_value(float(o.levelized_cost_usd_per_kg[i]), "USD/kg"),
                status,
            ]
        )
    widths = [max(len(r[k]) for r in [head, *rows]) for k in range(len(head))]
    for r in [head, *rows]:
        lines.append(
            "  "
            + "  ".join(
                c.ljust(w) if k < 2 else c.rjust(w)
                for k, (c, w) in enumerate(zip(r, widths, strict=True))
            ).rstrip()
        )
    lines.append(
        f"  Supported: {sol.projects} of {len(pf.projects)} projects, capacity "
        f"{format_value(sol.capacity, 't/yr')}, fiscal cost PV {_usd(sol.cost_pv)}"
        f"{_rub(sol.cost_pv, fx)}, drawing {_usd(float(result.spend[sol.chosen].sum()))} "
        f"of the {_usd(result.budget_usd)} budget"
    )
    for i in np.flatnonzero(sol.chosen):
        lines.append(
            f"  {o.names[o.project[i]]}: {instrument_phrase(o.instrument[i])} "
            f"{size_text(float(o.size[i]), o.instrument[i])}, because {result.reason(int(i))}"
        )
    imp = pf.import_share
    if imp is not None:
        reached = result.replacing_t_per_yr
        lines.append(
            f"  Import share of the inputs in {imp.year}: {imp.share(reached):.0%} against the "
            f"target of {imp.target.canonical:.0%} (now {imp.now.canonical:.0%}): "
            f"{format_value(reached, 't/yr')} of domestic output replaces imports, "
            f"{format_value(imp.needed_t_per_yr, 't/yr')} needed"
        )
    if pf.target is not None and pf.target_year is not None:
        share = result.target_volume / pf.target.canonical if pf.target.canonical else math.nan
        lines.append(
            f"  Production in {pf.target_year}: {format_value(result.target_volume, 't/yr')} "
            f"against the target of {format_value(pf.target.canonical, 't/yr')} ({share:.0%})"
        )
    cost = result.cost_by_year
    paid = np.flatnonzero(cost > 0)
    if len(paid):
        lines.append("  Fiscal cost by year against the envelope:")
        env = result.envelope_usd_per_yr
        k = int(paid[0])
        end = int(paid[-1])
        while k <= end:  # runs of equal cost and envelope on one line
            j = k
            while j + 1 <= end and cost[j + 1] == cost[k] and env[j + 1] == env[k]:
                j += 1
            years = f"{o.years[k]}" if j == k else f"{o.years[k]}-{o.years[j]}"
            room = env[k] - cost[k]
            mark = "" if room >= -1e-6 * max(1.0, env[k]) else "  OVER"
            cap = _usd(env[k]) if math.isfinite(env[k]) else "no cap"
            each = " a year" if j > k else ""
            lines.append(f"    {years:<9}  {_usd(cost[k]):>14}{each:<7}  envelope {cap}{mark}")
            k = j + 1
    last, nxt = result.marginal()
    if last is not None:
        lines.append(
            f"  Marginal project (dearest capacity supported): {o.names[o.project[last]]}, "
            f"{_usd(o.cost_pv_usd[last] / o.capacity_t_per_yr[last])} PV per t/yr"
        )
    if nxt is not None:
        short, over = result.shortfall(nxt)
        why = [f"the budget is {_usd(short)} short"] if short else []
        why += [f"the envelope is exceeded by up to {_usd(over)}/yr"] if over else []
        lines.append(
            f"  Next in line (cheapest capacity not supported): {o.names[o.project[nxt]]}, "
            f"{_usd(o.cost_pv_usd[nxt] / o.capacity_t_per_yr[nxt])} PV per t/yr"
            + (f"; added, {' and '.join(why)}" if why else "")
        )
    more = result.more
    added = _names(result, more.chosen & ~sol.chosen)
    dropped = _names(result, sol.chosen & ~more.chosen)
    if not added and not dropped:
        lines.append("  One more billion rubles: buys nothing more (no further option fits it).")
    else:
        lines.append(
            "  One more billion rubles: "
            + "; ".join([*(f"adds {n}" for n in added), *(f"drops {n}" for n in dropped)])
            + f"; capacity {format_value(more.capacity - sol.capacity, 't/yr')} more, "
            f"fiscal cost PV {_usd(more.cost_pv - sol.cost_pv)} more"
        )
    lines.append(
        f"  ({len(o)} options, solved in {result.elapsed_s:.2f} s, "
        "the projects' evaluation included)"
    )
    return "\n".join(lines)


@dataclass(frozen=True)
class PortfolioRisk:
    """Monte Carlo of the chosen set's fiscal cost (:func:`portfolio_risk`).

    Attributes:
        draws, seed: as asked.
        spend: shape ``(draws,)``, the chosen set's draw on the budget (PV or
            nominal, per the budget's basis), USD; NaN where a project's
            breakeven has no value in that draw.
        peak_usd_per_yr: shape ``(draws,)``, the largest yearly fiscal cost.
        p_budget: share of draws where the spend fits the budget;
            p_envelope where every year fits the envelope; p_both both.
        se: the standard error of ``p_both``, ``sqrt(p (1 - p) / n)``.
        shared: the inputs drawn once per draw for every project.
        inputs: each supported project's drawn inputs by name, every value
            shape ``(draws,)`` or ``(draws, Y)`` (canonical units).
    """

    draws: int
    seed: int
    spend: Array
    peak_usd_per_yr: Array
    p_budget: float
    p_envelope: float
    p_both: float
    se: float
    shared: tuple[str, ...] = ()
    inputs: Mapping[str, Mapping[str, Array]] = field(default_factory=dict)


def _stacked_error(
    scenarios: list[Scenario], exc_key: str, row: int, draws: int, message: str
) -> InputError:
    sc = scenarios[row // draws]
    a = sc.assumptions.get(exc_key)
    where = f"assumptions.{a.file_key if a else exc_key}"
    if a is not None and a.distribution is not None:
        where += ".distribution"
    return InputError(sc.path, where, f"draw {row % draws}: {message}")


def portfolio_risk(result: PortfolioResult, draws: int = 10_000, seed: int = 0) -> PortfolioRisk:
    """The probability that the budget (and the envelope) suffices for the
    chosen set when each supported project's assumptions are drawn from their
    distributions (:func:`econ.analysis.montecarlo.sample_inputs`) and its
    instrument is re-priced at the drawn breakeven size (issue 11's
    comparison model: the size solved per draw, the fiscal cost by year read
    from its plug-back block).

    The portfolio's ``shared_inputs`` (the exchange rate by default) are
    drawn once per draw for every project: one stream of uniform numbers,
    taken by each project through its own distribution of the input, so they
    move together across projects (rank correlation 1). Everything else is
    drawn per project, from independent streams. Streams: ``SeedSequence(seed)``
    spawns the shared stream first, then one per project in the file's order;
    same seed, same draws.

    Projects sharing a timeline, currencies and instrument are evaluated
    together, their draws stacked, in chunks of
    :data:`econ.analysis.montecarlo.CHUNK` rows.

    Raises:
        InputError: fewer than 2 draws, or a draw a project's model refuses.
    """
    from econ.analysis.allocation import (
        comparison_inputs,
        comparison_items,
        comparison_model,
        fiscal_flows,
        in_rubles,
    )
    from econ.analysis.montecarlo import (
        CHUNK,
        _uniforms,
        sample_inputs,
        varied_inputs,
    )
    from econ.model.evaluate import evaluate_model
    from econ.model.validate import input_problems

    if draws < 2:
        raise InputError(None, "--draws", f"expected at least 2 draws (got {draws})")
    pf = result.portfolio
    o, chosen = result.options, result.solution.chosen
    first = o.years[0]
    y_count = len(o.years)
    factor = (1.0 + o.state_discount_rate) ** -(np.arange(y_count, dtype=np.float64) + 1.0)
    cost = np.zeros((draws, y_count))
    shared_stream, *streams = np.random.SeedSequence(seed).spawn(1 + len(pf.projects))
    picked = [(int(o.project[i]), o.instrument[i]) for i in np.flatnonzero(chosen)]
    varied = {p: varied_inputs(pf.projects[p]) for p, _ in picked}
    shared = tuple(k for k in pf.shared_inputs if any(k in v for v in varied.values()))
    uniforms = _uniforms(draws, len(shared), "lhs", shared_stream) if shared else np.empty((0, 0))
    common = {k: uniforms[j] for j, k in enumerate(shared)}
    drawn: dict[str, dict[str, Array]] = {}
    for p, _ in picked:
        sc = pf.projects[p]
        drawn[sc.name] = (
            sample_inputs(sc, draws, int(streams[p].generate_state(1)[0]), shared=common)
            if varied[p]
            else {}
        )
    groups: dict[tuple[object, ...], list[int]] = {}
    for p, name in picked:
        sc = pf.projects[p]
        key = (sc.model.input_keys, sc.start_year, sc.horizon_yr, in_rubles(sc), name)
        groups.setdefault(key, []).append(p)
    for members in groups.values():
        name = o.instrument[int(np.flatnonzero(chosen & (o.project == members[0]))[0])]
        scenarios = [pf.projects[p] for p in members]
        sc0 = scenarios[0]
        model = comparison_model(sc0)
        arrays = comparison_inputs(scenarios, [drawn[sc.name] for sc in scenarios], draws)
        changed = set().union(*(drawn[sc.name] for sc in scenarios))
        items = comparison_items([name], describe=False)
        cols = np.asarray(sc0.years) - first
        inside = cols >= 0
        total = len(scenarios) * draws
        for lo in range(0, total, CHUNK):
            part = {k: v[lo : lo + CHUNK] for k, v in arrays.items()}
            errors = [
                e
                for e in input_problems(model, part, sc0.start_year, sc0.horizon_yr, keys=changed)
                if e.severity == "error"
            ]
            if errors:
                raise _stacked_error(
                    scenarios, errors[0].key, lo + errors[0].scenario, draws, errors[0].message
                )
            values = evaluate_model(model, part, sc0.start_year, sc0.horizon_yr, items=items)
            _, flows = fiscal_flows(values, name)
            del values  # memory flat over the chunks: the evaluation holds no cycles
            rows = np.arange(lo, lo + len(flows)) % draws
            np.add.at(cost, (rows[:, None], cols[inside][None, :]), flows[:, inside])
    spend = cost @ factor if pf.budget_basis == "pv" else cost.sum(axis=1)
    with np.errstate(invalid="ignore"):
        fits_budget = spend <= result.budget_usd
        fits_env = np.all(cost <= result.envelope_usd_per_yr, axis=1)
    both = float(np.mean(fits_budget & fits_env))
    return PortfolioRisk(
        draws,
        seed,
        spend,
        cost.max(axis=1),
        float(np.mean(fits_budget)),
        float(np.mean(fits_env)),
        both,
        math.sqrt(both * (1 - both) / draws),
        shared,
        drawn,
    )


def format_portfolio_risk(risk: PortfolioRisk, result: PortfolioResult) -> str:
    """The Monte Carlo of the chosen set as text."""
    ok = risk.spend[np.isfinite(risk.spend)]
    pct = np.percentile(ok, [5, 50, 95]) if len(ok) else [math.nan] * 3
    return "\n".join(
        [
            f"Monte Carlo of the supported set: {risk.draws:,} draws, seed {risk.seed}",
            f"  Budget draw P5 / P50 / P95: {_usd(pct[0])} / {_usd(pct[1])} / {_usd(pct[2])} "
            f"against {_usd(result.budget_usd)}",
            f"  P(budget suffices) {risk.p_budget:.1%}; P(every year within the envelope) "
            f"{risk.p_envelope:.1%}; both {risk.p_both:.1%} (SE {risk.se:.1%})",
        ]
    )
