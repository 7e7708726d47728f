"""Scenario files: cited assumptions in TOML, validated on load.

A scenario file names a model, a timeline and one entry per model input::

    name = "national_ree_gap"            # file-safe slug, used for output names
    title = "Russia's rare-earth metal cost gap"
    description = "..."
    model = "national"                   # or "project"

    [timeline]
    start_year = 2025
    horizon_yr = 30

    [assumptions.domestic_cost_usd_per_kg]
    value = 20
    unit = "USD/kg"
    low = 15                             # optional bounds, used by sensitivities
    high = 25
    source = { publication = "...", date = "2025", figure = "...", file = "003_....txt" }

    [assumptions.learning_rate]
    value = 0.1
    unit = "1"
    source = { assumption = "why this value is defensible" }

A value edited in a workbook comes back with ``source = { edited = "was 20.00
USD/kg; cited: <publication, date>" }``: what it was and where that came
from, never the old citation as the source of the new value.

``value`` is a number or a list with one number per timeline year (where the
model allows a series). ``unit`` may be any unit of the right dimension
(``"kt/yr"``, ``"%"``); values are stored in the model's canonical unit. A
money input may be given in rubles (``"bn RUB"``, ``"RUB/kg"``): it then stays
in rubles (``capex_usd`` given in RUB becomes the input ``capex_rub``) and
its USD value is a line item over ``fx_rub_per_usd``, so editing or sweeping
the exchange rate re-converts it. An input the model documents a default for
may be left out. Every value is checked by the model's one validation
(:func:`econ.model.validate.input_problems`: domains and cross-field rules);
anything wrong is an error that names the file and key.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from econ.distributions import (
    Distribution,
    parse_distribution,
    support_problem,
    truncation_warning,
)
from econ.errors import InputError
from econ.model.definition import MODELS
from econ.model.expr import refs
from econ.model.schema import InputSpec, LineItem, Model
from econ.model.validate import input_problems
from econ.units import UnitError, convert

__all__ = [
    "Assumption",
    "Scenario",
    "Source",
    "bounds_warnings",
    "load_input",
    "load_scenario",
    "parse_scenario",
    "to_toml",
]

#: A scenario's name, used as its output files' stem: starts with a-z or 0-9
#: (never a formula's "="), then a-z, 0-9, "_", "-", and the "=", "." and "+"
#: of a sweep variant's values (``magnets_plant--capex_usd=1.5e+08``); no
#: separator, space or control character. At most 200 characters, which
#: leaves room for the longest suffix econ adds within a 255-byte file name.
_NAME_RULE = (
    "a slug of a-z, 0-9, '_' or '-' (after the first character also '=', '.', '+'), "
    "at most 200 characters"
)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-=.+]{0,199}$")
_TOP_KEYS = {"name", "title", "description", "model", "timeline", "assumptions", "correlations"}
_ASSUMPTION_KEYS = {"value", "unit", "low", "high", "source", "note", "label", "distribution"}
_CITATION_KEYS = {"publication", "date", "figure", "file", "url"}
MIN_YEAR, MAX_YEAR, MAX_HORIZON = 1900, 2200, 100

Value = float | tuple[float, ...]


@dataclass(frozen=True)
class Source:
    """Where a value comes from: a citation, or an illustrative assumption.

    A citation has a ``publication`` and a ``date`` (and ideally the
    ``figure`` quoted and the article ``file``); an assumption has the
    one-line ``reason`` it is defensible; a value ``edited`` in a workbook
    has, as its reason, what it was and where that came from ("was 20
    USD/kg; cited: ..."), never the old citation as its own.
    """

    publication: str | None = None
    date: str | None = None
    figure: str | None = None
    file: str | None = None
    url: str | None = None
    reason: str | None = None
    edited: bool = False

    @property
    def cited(self) -> bool:
        """True for a citation, False for an illustrative assumption or an edit."""
        return self.reason is None

    @property
    def basis(self) -> str:
        """``cited``, ``assumption`` or ``edited``."""
        return "edited" if self.edited else "cited" if self.cited else "assumption"

    def text(self) -> str:
        """One line for a table cell: publication, date and the quoted
        figure (the article file is a footnote, see :attr:`file`)."""
        if self.edited:
            return f"Edited in the workbook ({self.reason})"
        if not self.cited:
            return f"Assumption: {self.reason}"
        parts = [self.publication, self.date, self.figure and f"“{self.figure}”"]
        return ", ".join(p for p in parts if p)

    def to_toml_table(self) -> dict[str, str]:
        if self.edited:
            return {"edited": self.reason or ""}
        if not self.cited:
            return {"assumption": self.reason or ""}
        return {
            k: v
            for k in ("publication", "date", "figure", "file", "url")
            if (v := getattr(self, k))
        }


@dataclass(frozen=True)
class Assumption:
    """One input of a scenario, in the model's canonical unit.

    Attributes:
        key: the model input it sets (``capex_rub`` for a capex given in rubles).
        value: one number, or one per timeline year.
        unit: canonical unit of ``key``.
        source: citation or illustrative assumption.
        low, high: the range used by sensitivities (optional).
        note: free text.
        given_as: the key in the scenario file (``capex_usd``), when it differs.
        default: the value is the model's documented default (not in the file).
        distribution: the ``distribution`` table of the file (canonical unit),
            if any; see :attr:`risk_distribution` for the one Monte Carlo uses.
        file_unit: the unit the scenario file gives the value in (``"MUSD"``,
            ``"bn RUB"``), "" when not known (a default, an edited workbook);
            a sweep takes its values in that unit.
    """

    key: str
    value: Value
    unit: str
    source: Source
    low: float | None = None
    high: float | None = None
    note: str = ""
    given_as: str = ""
    default: bool = False
    distribution: Distribution | None = None
    file_unit: str = field(default="", compare=False)

    @property
    def risk_distribution(self) -> Distribution | None:
        """The distribution Monte Carlo draws from: the file's, else
        triangular over low / value / high when both bounds are given and
        differ (a per-year series has none)."""
        if self.distribution is not None:
            return self.distribution
        if self.low is None or self.high is None or self.per_year or not self.low < self.high:
            return None
        assert isinstance(self.value, float)
        # A value outside its stated range (a warning) widens the triangle to it.
        low, high = min(self.low, self.value), max(self.high, self.value)
        params = (("low", low), ("mode", self.value), ("high", high))
        return Distribution("triangular", params, default=True)

    @property
    def file_key(self) -> str:
        """The key of this assumption in a scenario file."""
        return self.given_as or self.key

    @property
    def per_year(self) -> bool:
        return isinstance(self.value, tuple)


@dataclass(frozen=True)
class Scenario:
    """A named, validated set of assumptions for one model and timeline."""

    name: str
    title: str
    description: str
    model: Model
    start_year: int
    horizon_yr: int
    assumptions: Mapping[str, Assumption]
    path: Path | None = field(default=None, compare=False)
    warnings: tuple[str, ...] = field(default=(), compare=False)
    #: Rank correlations between assumptions with distributions: ``(key, key, r)``
    #: with model input keys (``capex_rub`` for a capex given in rubles).
    correlations: tuple[tuple[str, str, float], ...] = ()

    @property
    def years(self) -> range:
        return range(self.start_year, self.start_year + self.horizon_yr)

    def value(self, key: str) -> Value:
        return self.assumptions[key].value

    def followers(self, changed: Collection[str]) -> dict[str, str]:
        """Inputs still at a default copied from a changed input
        (``default_from``) and not changed themselves, with the input each
        copies: they follow it (an exchange-rate path that stays at today's
        rate moves with the rate)."""
        return {
            spec.key: spec.default_from
            for spec in self.model.inputs
            if spec.default_from in changed
            and spec.key not in changed
            and self.assumptions[spec.key].default
        }

    def with_values(self, **values: Value) -> Scenario:
        """A copy with some assumption values replaced (canonical units), checked
        against the model's domains.

        Raises:
            InputError: a key the model does not have or a value outside its domain.
        """
        new = dict(self.assumptions)
        for key, value in values.items():
            if key not in new:
                raise InputError(self.path, key, _unknown_override(self, key))
            new[key] = replace(new[key], value=value)
        for key, origin in self.followers(values).items():
            new[key] = replace(new[key], value=values[origin])
        scenario = replace(self, assumptions=MappingProxyType(new))
        warnings = _validate(scenario, self.path, own_bounds=False, keys=set(values))
        return replace(scenario, warnings=warnings)


def _unknown_override(scenario: Scenario, key: str) -> str:
    given = {a.given_as: a.key for a in scenario.assumptions.values() if a.given_as}
    if key in given:
        return (
            f"{key!r} is given in rubles in this scenario: use {given[key]!r} (its value in rubles)"
        )
    return f"unknown assumption {key!r} for the {scenario.model.name!r} model"


#: Largest scenario file read (a scenario is a few kB).
MAX_SCENARIO_BYTES = 1024 * 1024
#: Deepest nesting of tables and lists accepted (a scenario needs 4).
MAX_DEPTH = 16
_NOT_TOML = {".csv", ".ods", ".xls", ".xlsb", ".json", ".yaml", ".yml", ".numbers", ".txt"}


def _read_text(path: Path) -> str:
    """The text of a scenario file: a regular file of sane size, UTF-8 (a
    byte-order mark is allowed)."""
    import stat as stat_

    suffix = path.suffix.lower()
    if suffix in _NOT_TOML:
        raise InputError(
            path,
            None,
            f"expected a .toml scenario file or an econ .xlsx workbook, found a {suffix} file",
        )
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(path, None, "no such file") from None
    except OSError as exc:
        raise InputError(path, None, f"cannot read: {exc.strerror}") from None
    if stat_.S_ISDIR(st.st_mode):
        raise InputError(path, None, "expected a scenario file, found a folder")
    if not stat_.S_ISREG(st.st_mode):
        raise InputError(
            path, None, "expected a regular file, found a device, pipe or socket (not read)"
        )
    if st.st_size > MAX_SCENARIO_BYTES:
        raise InputError(
            path,
            None,
            f"refused: {st.st_size:,} bytes (a scenario file is at most "
            f"{MAX_SCENARIO_BYTES:,} bytes)",
        )
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_SCENARIO_BYTES + 1)
    except OSError as exc:
        raise InputError(path, None, f"cannot read: {exc.strerror}") from None
    if len(raw) > MAX_SCENARIO_BYTES:
        raise InputError(path, None, f"refused: more than {MAX_SCENARIO_BYTES:,} bytes")
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            path,
            None,
            "this is a spreadsheet, not a scenario file: give an econ workbook the "
            ".xlsx suffix, or a .toml scenario file",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


#: Workbooks econ reads its scenario back from.
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def load_input(path: Path) -> Scenario:
    """The scenario of a scenario file, or of an econ workbook (``.xlsx``,
    ``.xlsm``) with the values on its Assumptions sheet (edited or not)."""
    if path.suffix.lower() in _WORKBOOK_SUFFIXES:
        from econ.excel.reader import read_workbook

        return read_workbook(path).scenario
    return load_scenario(path)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Raises:
        InputError: naming the file, the key, what was expected and found.
    """
    path = Path(path)
    text = _read_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, None, f"not valid TOML: {exc}") from None
    except RecursionError:
        raise InputError(path, None, f"nested too deeply (at most {MAX_DEPTH} levels)") from None
    return parse_scenario(data, path)


def _check_text(value: Any, file: Path | None, where: str, depth: int = 0) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` and text holding NUL or
    the non-characters U+FFFE/U+FFFF, which no workbook can hold. (Other
    control characters are kept: outputs escape them, terminals get them
    stripped: :func:`econ.display.printable`.)"""
    if depth > MAX_DEPTH:
        raise InputError(file, where or None, f"nested too deeply (at most {MAX_DEPTH} levels)")
    if isinstance(value, str):
        for ch in value:
            code = ord(ch)
            if code == 0 or code in (0xFFFE, 0xFFFF):
                raise InputError(file, where or None, f"character U+{code:04X} not allowed in text")
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_text(k, file, where)
            _check_text(v, file, f"{where}.{k}" if where else str(k), depth + 1)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_text(v, file, f"{where}[{i}]", depth + 1)


def _type_name(value: object) -> str:
    return {
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _require(
    data: Mapping[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    file: Path | None,
    where: str,
    what: str,
) -> Any:
    if key not in data:
        raise InputError(file, where, f"missing (expected {what})")
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, kind):
        raise InputError(file, where, f"expected {what}, found {_type_name(value)} {value!r}")
    return value


def _unknown(data: Mapping[str, Any], allowed: set[str], file: Path | None, prefix: str) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        where = f"{prefix}{extra[0]}"
        raise InputError(file, where, f"unknown key (allowed: {', '.join(sorted(allowed))})")


def parse_scenario(data: Mapping[str, Any], path: str | Path | None = None) -> Scenario:
    """Validate the parsed content of a scenario file (see module docs)."""
    file = Path(path) if path is not None else None
    _check_text(data, file, "")
    _unknown(data, _TOP_KEYS, file, "")
    name = _require(data, "name", str, file, "name", _NAME_RULE)
    if not _NAME.match(name):
        raise InputError(file, "name", f"expected {_NAME_RULE} (got {name!r})")
    title = data.get("title", name)
    description = data.get("description", "")
    for key, val in (("title", title), ("description", description)):
        if not isinstance(val, str):
            raise InputError(file, key, f"expected text, found {_type_name(val)}")
    model_name = _require(data, "model", str, file, "model", f"one of {sorted(MODELS)}")
    if model_name not in MODELS:
        raise InputError(file, "model", f"expected one of {sorted(MODELS)} (got {model_name!r})")
    model = MODELS[model_name]

    timeline = _require(data, "timeline", dict, file, "timeline", "a table")
    _unknown(timeline, {"start_year", "horizon_yr"}, file, "timeline.")
    start = _require(timeline, "start_year", int, file, "timeline.start_year", "a whole year")
    horizon = _require(
        timeline, "horizon_yr", int, file, "timeline.horizon_yr", "a whole number of years"
    )
    if not MIN_YEAR <= start <= MAX_YEAR:
        raise InputError(
            file, "timeline.start_year", f"must be in [{MIN_YEAR}, {MAX_YEAR}] (got {start})"
        )
    if not 1 <= horizon <= MAX_HORIZON:
        raise InputError(
            file, "timeline.horizon_yr", f"must be in [1, {MAX_HORIZON}] (got {horizon})"
        )

    raw = _require(data, "assumptions", dict, file, "assumptions", "a table of assumptions")
    for key in raw:
        if key not in model.input_keys:
            raise InputError(
                file,
                f"assumptions.{key}",
                f"unknown assumption for the {model.name!r} model "
                f"(expected one of: {', '.join(model.input_keys)})",
            )
    parsed: dict[str, Assumption] = {}
    for spec in model.inputs:
        if spec.key in raw:
            parsed[spec.key] = _parse_assumption(spec, raw[spec.key], file, horizon)
        elif spec.default_from:
            continue  # filled below, once the input it copies is known
        elif spec.default is not None:
            parsed[spec.key] = Assumption(
                spec.key,
                spec.default,
                spec.unit,
                Source(reason=f"documented default: {spec.default_reason}"),
                default=True,
            )
        else:
            raise InputError(
                file,
                f"assumptions.{spec.key}",
                f"missing: the {model.name!r} model needs it ({spec.label}, in {spec.unit})",
            )
    for spec in model.inputs:
        if spec.default_from and spec.key not in parsed:
            origin = parsed[spec.default_from]
            source_spec = model.input(spec.default_from)
            for x in origin.value if isinstance(origin.value, tuple) else (origin.value,):
                bad = source_spec.problem(x, start, start + horizon - 1)
                if bad:  # the copy would fail too: name the input given
                    raise InputError(file, f"assumptions.{origin.file_key}", bad)
            parsed[spec.key] = Assumption(
                spec.key,
                origin.value,
                spec.unit,
                Source(reason=f"documented default: {spec.default_reason}"),
                default=True,
            )
    parsed = {spec.key: parsed[spec.key] for spec in model.inputs}
    in_rubles = tuple(sorted(a.given_as for a in parsed.values() if a.given_as))
    model = denominated(model, in_rubles)
    end = start + horizon - 1
    risk_warnings: list[str] = []
    for a in parsed.values():
        dist = a.risk_distribution
        if dist is None or (isinstance(a.value, float) and not model.input(a.key).admits(a.value)):
            continue  # a value outside its domain is an error of its own, below
        spec = model.input(a.key)
        where = f"assumptions.{a.file_key}.{'distribution' if a.distribution else 'low'}"
        problem = support_problem(dist, spec, start, end)
        if problem is not None:
            at = f"{where}.{problem[0]}" if problem[0] and a.distribution else where
            raise InputError(file, at, problem[1])
        warning = truncation_warning(dist, spec, start, end)
        if warning:
            risk_warnings.append(warning)
    correlations = _parse_correlations(data.get("correlations"), parsed, file)
    scenario = Scenario(
        name,
        title,
        description,
        model,
        start,
        horizon,
        MappingProxyType({a.key: a for a in parsed.values()}),
        file,
        correlations=correlations,
    )
    warnings = _validate(scenario, file) + tuple(risk_warnings)
    return replace(scenario, warnings=warnings) if warnings else scenario


def _parse_correlations(
    raw: Any, parsed: Mapping[str, Assumption], file: Path | None
) -> tuple[tuple[str, str, float], ...]:
    """Check ``[correlations] pairs = [[key, key, r], ...]``: keys with
    distributions, r in [-1, 1], each pair once, the matrix positive
    semi-definite."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise InputError(file, "correlations", f"expected a table, found {_type_name(raw)}")
    _unknown(raw, {"pairs"}, file, "correlations.")
    pairs = _require(raw, "pairs", list, file, "correlations.pairs", "a list of [key, key, r]")
    by_file_key = {a.file_key: a for a in parsed.values()} | dict(parsed)
    out: list[tuple[str, str, float]] = []
    seen: dict[frozenset[str], int] = {}
    for n, pair in enumerate(pairs):
        where = f"correlations.pairs[{n}]"
        if (
            not isinstance(pair, list)
            or len(pair) != 3
            or not all(isinstance(k, str) for k in pair[:2])
        ):
            raise InputError(
                file,
                where,
                f'expected [key, key, r] such as ["capex_usd", "fx_rub_per_usd", '
                f"0.5], found {pair!r}",
            )
        keys = []
        for k in pair[:2]:
            a = by_file_key.get(k)
            if a is None:
                raise InputError(file, where, f"unknown assumption {k!r}")
            if a.risk_distribution is None:
                raise InputError(
                    file,
                    where,
                    f"{k!r} has no distribution (give it low and high, or a distribution table)",
                )
            keys.append(a.key)
        r = _number(pair[2], file, f"{where}[2]")
        if not -1 <= r <= 1:
            raise InputError(file, f"{where}[2]", f"a correlation must be in [-1, 1] (got {r:g})")
        if keys[0] == keys[1]:
            raise InputError(file, where, f"{pair[0]!r} is paired with itself")
        key = frozenset(keys)
        if key in seen:
            raise InputError(
                file,
                where,
                f"the pair {pair[0]!r}, {pair[1]!r} is already given at pairs[{seen[key]}]",
            )
        seen[key] = n
        out.append((keys[0], keys[1], r))
    smallest = smallest_eigenvalue(out)
    if smallest < -1e-10:
        raise InputError(
            file,
            "correlations.pairs",
            f"the correlation matrix is not positive semi-definite (smallest eigenvalue "
            f"{smallest:.3g}): these correlations cannot hold together",
        )
    return tuple(out)


def correlation_matrix(
    pairs: tuple[tuple[str, str, float], ...] | list[tuple[str, str, float]],
) -> tuple[list[str], NDArray[np.float64]]:
    """The keys named in ``pairs`` (in order of appearance) and their
    correlation matrix (1 on the diagonal, 0 for pairs not given)."""
    keys = list(dict.fromkeys(k for a, b, _ in pairs for k in (a, b)))
    pos = {k: i for i, k in enumerate(keys)}
    m = np.eye(len(keys))
    for a, b, r in pairs:
        m[pos[a], pos[b]] = m[pos[b], pos[a]] = r
    return keys, m


def smallest_eigenvalue(
    pairs: tuple[tuple[str, str, float], ...] | list[tuple[str, str, float]],
) -> float:
    """The smallest eigenvalue of the correlation matrix (>= 0: valid)."""
    _, m = correlation_matrix(pairs)
    return float(np.linalg.eigvalsh(m).min()) if len(m) else 1.0


def denominated(model: Model, in_rubles: tuple[str, ...]) -> Model:
    """``model`` with the money inputs ``in_rubles`` given in rubles: each
    becomes a ruble input (``capex_rub``) and a line item of its old name
    converting it at ``fx_rub_per_usd`` (cached: models are immutable)."""
    if not in_rubles:
        return model

    def make() -> Model:
        return model.with_inputs({key: rubles_variant(model.input(key)) for key in in_rubles})

    out = model.cached(("in_rubles", in_rubles), make)
    assert isinstance(out, Model)
    return out


def rubles_variant(spec: InputSpec) -> tuple[InputSpec, LineItem]:
    """The ruble input and the conversion line item for a USD input.

    >>> from econ.model.definition import PROJECT
    >>> rub, item = rubles_variant(PROJECT.input("capex_usd"))
    >>> rub.key, rub.unit, str(item.expr)
    ('capex_rub', 'RUB', 'capex_rub/fx_rub_per_usd')
    """
    from econ.model.expr import Ref

    key = spec.key.replace("_usd", "_rub", 1)
    unit = spec.unit.replace("USD", "RUB", 1)
    rub = replace(
        spec,
        key=key,
        label=f"{spec.label} (in rubles)",
        unit=unit,
        doc=f"{spec.doc} Given in rubles; its USD value is {spec.key} = {key} / fx_rub_per_usd.",
        minimum=spec.minimum if spec.minimum in (None, 0) else None,
        maximum=spec.maximum if spec.maximum in (None, 0) else None,
    )
    item = LineItem(
        spec.key,
        spec.label,
        spec.unit,
        Ref(key) / Ref("fx_rub_per_usd"),
        f"{spec.doc} Converted from rubles at the scenario's exchange rate.",
        "series" if spec.per_year else "scalar",
        section="Currency conversion",
        display=spec.display,
    )
    return rub, item


def _parse_source(raw: Any, file: Path | None, where: str) -> Source:
    if not isinstance(raw, dict):
        raise InputError(
            file,
            where,
            "missing: every assumption needs a source "
            '({ publication, date, figure } or { assumption = "reason" })'
            if raw is None
            else f"expected a table, found {_type_name(raw)}",
        )
    if "edited" in raw:
        _unknown(raw, {"edited"}, file, f"{where}.")
        reason = raw["edited"]
        if not isinstance(reason, str) or not reason.strip():
            raise InputError(
                file, f"{where}.edited", "expected what the value was before it was edited"
            )
        return Source(reason=reason.strip(), edited=True)
    if "assumption" in raw:
        _unknown(raw, {"assumption"}, file, f"{where}.")
        reason = raw["assumption"]
        if not isinstance(reason, str) or not reason.strip():
            raise InputError(
                file,
                f"{where}.assumption",
                "expected a one-line reason why the value is defensible",
            )
        return Source(reason=reason.strip())
    _unknown(raw, _CITATION_KEYS, file, f"{where}.")
    for key in ("publication", "date"):
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise InputError(
                file,
                f"{where}.{key}",
                'a citation needs a publication and a date (or write { assumption = "reason" })',
            )
    for key in ("figure", "file", "url"):
        if key in raw and not isinstance(raw[key], str):
            raise InputError(file, f"{where}.{key}", f"expected text, found {_type_name(raw[key])}")
    return Source(**{k: raw[k] for k in _CITATION_KEYS if k in raw})


def _number(raw: Any, file: Path | None, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise InputError(file, where, f"expected a number, found {_type_name(raw)} {raw!r}")
    value = float(raw)
    if not math.isfinite(value):
        raise InputError(file, where, f"expected a finite number (got {raw!r})")
    return value


def _parse_assumption(spec: InputSpec, raw: Any, file: Path | None, horizon: int) -> Assumption:
    where = f"assumptions.{spec.key}"
    if not isinstance(raw, dict):
        raise InputError(
            file, where, f"expected a table with value, unit and source, found {_type_name(raw)}"
        )
    _unknown(raw, _ASSUMPTION_KEYS, file, f"{where}.")
    unit = _require(raw, "unit", str, file, f"{where}.unit", f"text such as {spec.unit!r}")
    source = _parse_source(raw.get("source"), file, f"{where}.source")
    if "value" not in raw:
        raise InputError(file, f"{where}.value", "missing (expected a number)")

    target = spec
    if spec.currency and "RUB" in unit.upper():
        # Given in rubles: it stays in rubles (converted by a line item).
        target = rubles_variant(spec)[0]

    def conv(x: float, at: str) -> float:
        if spec.year:
            if unit != "year":
                raise InputError(
                    file, f"{where}.unit", f"expected 'year' (a calendar year), found {unit!r}"
                )
            return x
        try:
            return convert(x, unit, target.unit)
        except UnitError as exc:
            raise InputError(file, f"{where}.unit", str(exc)) from None

    value: Value
    if isinstance(raw["value"], list):
        if not spec.per_year:
            raise InputError(
                file,
                f"{where}.value",
                f"expected one number (this input has no per-year series), "
                f"found a list of {len(raw['value'])}",
            )
        if len(raw["value"]) != horizon:
            raise InputError(
                file,
                f"{where}.value",
                f"expected {horizon} values, one per timeline year (found {len(raw['value'])})",
            )
        value = tuple(
            conv(_number(x, file, f"{where}.value[{i}]"), f"{where}.value[{i}]")
            for i, x in enumerate(raw["value"])
        )
    else:
        value = conv(_number(raw["value"], file, f"{where}.value"), f"{where}.value")
    low = high = None
    if "low" in raw:
        low = conv(_number(raw["low"], file, f"{where}.low"), f"{where}.low")
    if "high" in raw:
        high = conv(_number(raw["high"], file, f"{where}.high"), f"{where}.high")
    for bound, name in ((low, "low"), (high, "high")):
        if bound is not None and not spec.admits(bound):
            raise InputError(
                file,
                f"{where}.{name}",
                f"'{spec.key}' {name} bound must be in {spec.domain()} (got {bound:g})",
            )
    if low is not None and high is not None and low > high:
        raise InputError(file, f"{where}.low", f"low ({low:g}) is above high ({high:g})")
    note = raw.get("note", "")
    if not isinstance(note, str):
        raise InputError(file, f"{where}.note", f"expected text, found {_type_name(note)}")
    distribution = None
    if "distribution" in raw:
        if isinstance(value, tuple):
            raise InputError(
                file,
                f"{where}.distribution",
                "a distribution needs one value: this assumption is a per-year series",
            )
        distribution = parse_distribution(
            raw["distribution"],
            spec,
            conv,
            file,
            f"{where}.distribution",
        )
    given_as = spec.key if target is not spec else ""
    return Assumption(
        target.key,
        value,
        target.unit,
        source,
        low,
        high,
        note,
        given_as,
        distribution=distribution,
        file_unit=unit,
    )


def _validate(
    scenario: Scenario,
    file: Path | None,
    *,
    own_bounds: bool = True,
    keys: set[str] | None = None,
) -> tuple[str, ...]:
    """Run the model's one validation on the scenario's values; raise the
    first error (naming the file key) and return the warnings."""
    values = {k: np.asarray(a.value, dtype=np.float64) for k, a in scenario.assumptions.items()}
    values = {k: v.reshape(1, -1) for k, v in values.items()}
    problems = input_problems(
        scenario.model, values, scenario.start_year, scenario.horizon_yr, keys=keys
    )
    for p in problems:
        if p.severity == "error":
            a = scenario.assumptions.get(p.key)
            if a is not None and a.default:
                # A rule over several inputs points at one of them: name one the
                # file gives (product_2_share), not a default it never wrote.
                rule = next((r for r in scenario.model.rules if r.key == p.key), None)
                given = [
                    k
                    for k in (refs(rule.ok) if rule is not None else ())
                    if k in scenario.assumptions and not scenario.assumptions[k].default
                ]
                a = scenario.assumptions[given[0]] if given else a
            where = f"assumptions.{a.file_key if a else p.key}"
            if a is not None and a.per_year and p.year is not None:
                where += f".value[{p.year}]"
            raise InputError(file, where, p.message)
    warnings = [p.message for p in problems if p.severity == "warning"]
    if own_bounds:
        warnings += bounds_warnings(scenario)
    return tuple(warnings)


def bounds_warnings(scenario: Scenario) -> list[str]:
    """A warning for each assumption whose value lies outside its own stated
    range (``low``/``high``): allowed (the analyst may know better), but the
    range no longer brackets the value the sensitivities and risk start from."""
    out = []
    for a in scenario.assumptions.values():
        values = a.value if isinstance(a.value, tuple) else (a.value,)
        outside = [
            x
            for x in values
            if (a.low is not None and x < a.low) or (a.high is not None and x > a.high)
        ]
        if outside:
            out.append(
                f"'{a.file_key}' value {outside[0]:g} lies outside its stated range "
                f"[{_g(a.low)}, {_g(a.high)}] {a.unit}"
            )
    return out


def _g(x: float | None) -> str:
    return "-" if x is None else f"{x:g}"


def _toml_str(text: str) -> str:
    """A TOML basic string (JSON escapes, plus U+007F which TOML forbids raw)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


def to_toml(scenario: Scenario) -> str:
    """The scenario as a scenario file (canonical units, sources kept).

    ``parse_scenario(tomllib.loads(to_toml(s)))`` gives back ``s``.
    """
    lines = [
        f"name = {_toml_str(scenario.name)}",
        f"title = {_toml_str(scenario.title)}",
        f"description = {_toml_str(scenario.description)}",
        f"model = {_toml_str(scenario.model.name)}",
        "",
        "[timeline]",
        f"start_year = {scenario.start_year}",
        f"horizon_yr = {scenario.horizon_yr}",
    ]
    for a in scenario.assumptions.values():
        if a.default and a.distribution is None and a.low is None and a.high is None:
            continue  # the model's documented default: a reader gets it again
        value = (
            "[" + ", ".join(_toml_num(v) for v in a.value) + "]"
            if isinstance(a.value, tuple)
            else _toml_num(a.value)
        )
        source = ", ".join(f"{k} = {_toml_str(v)}" for k, v in a.source.to_toml_table().items())
        lines += [
            "",
            f"[assumptions.{a.file_key}]",
            f"value = {value}",
            f"unit = {_toml_str(a.unit)}",
        ]
        lines += [
            f"{b} = {_toml_num(v)}" for b, v in (("low", a.low), ("high", a.high)) if v is not None
        ]
        lines.append(f"source = {{ {source} }}")
        if a.note:
            lines.append(f"note = {_toml_str(a.note)}")
        if a.distribution is not None:
            lines.append(f"distribution = {a.distribution.to_toml(_toml_num)}")
    if scenario.correlations:
        file_key = {a.key: a.file_key for a in scenario.assumptions.values()}
        pairs = ", ".join(
            f"[{_toml_str(file_key[a])}, {_toml_str(file_key[b])}, {_toml_num(r)}]"
            for a, b, r in scenario.correlations
        )
        lines += ["", "[correlations]", f"pairs = [{pairs}]"]
    return "\n".join(lines) + "\n"
