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

``value`` is a number or a list with one number per timeline year (where the
model allows a series). ``unit`` may be any unit of the right dimension
(``"kt/yr"``, ``"%"``, ``"bn RUB"``); values are stored in the model's
canonical unit, and RUB becomes USD only through the scenario's own
``fx_rub_per_usd``. Everything else is an error that names the file and key.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from econ.errors import InputError
from econ.model.definition import MODELS, InputSpec, Model
from econ.units import UnitError, convert

__all__ = ["Assumption", "Scenario", "Source", "load_scenario", "parse_scenario", "to_toml"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,79}$")
_TOP_KEYS = {"name", "title", "description", "model", "timeline", "assumptions"}
_ASSUMPTION_KEYS = {"value", "unit", "low", "high", "source", "note", "label"}
_CITATION_KEYS = {"publication", "date", "figure", "file", "url"}
MIN_YEAR, MAX_YEAR, MAX_HORIZON = 1900, 2200, 100

Value = float | tuple[float, ...]


@dataclass(frozen=True)
class Source:
    """Where a value comes from: a citation, or an illustrative assumption.

    A citation has a ``publication`` and a ``date`` (and ideally the
    ``figure`` quoted and the article ``file``); an assumption has the
    one-line ``reason`` it is defensible.
    """

    publication: str | None = None
    date: str | None = None
    figure: str | None = None
    file: str | None = None
    url: str | None = None
    reason: str | None = None

    @property
    def cited(self) -> bool:
        """True for a citation, False for an illustrative assumption."""
        return self.reason is None

    def text(self) -> str:
        """One line for a table cell."""
        if not self.cited:
            return f"Assumption: {self.reason}"
        parts = [self.publication, self.date, self.figure and f"“{self.figure}”"]
        return ", ".join(p for p in parts if p)

    def to_toml_table(self) -> dict[str, str]:
        if not self.cited:
            return {"assumption": self.reason or ""}
        return {
            k: v
            for k in ("publication", "date", "figure", "file", "url")
            if (v := getattr(self, k))
        }


@dataclass(frozen=True)
class Assumption:
    """One input of a scenario, in the model's canonical unit."""

    key: str
    value: Value
    unit: str
    source: Source
    low: float | None = None
    high: float | None = None
    note: str = ""

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

    @property
    def years(self) -> range:
        return range(self.start_year, self.start_year + self.horizon_yr)

    def value(self, key: str) -> Value:
        return self.assumptions[key].value

    def with_values(self, **values: Value) -> Scenario:
        """A copy with some assumption values replaced (canonical units), checked
        against the model's domains.

        Raises:
            InputError: a key the model does not have or a value outside its domain.
        """
        new = dict(self.assumptions)
        for key, value in values.items():
            if key not in new:
                raise InputError(self.path, key, f"unknown assumption {key!r}")
            new[key] = replace(new[key], value=value)
        scenario = replace(self, assumptions=MappingProxyType(new))
        for key in values:
            _check_domain(
                scenario,
                self.model.input(key),
                new[key].value,
                self.path,
                f"assumptions.{key}",
                own_bounds=False,
            )
        return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Raises:
        InputError: naming the file, the key, what was expected and found.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, None, "no such file") from None
    except UnicodeDecodeError as exc:
        raise InputError(path, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise InputError(path, None, f"cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, None, f"not valid TOML: {exc}") from None
    return parse_scenario(data, path)


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
    _unknown(data, _TOP_KEYS, file, "")
    name = _require(data, "name", str, file, "name", "a slug of a-z, 0-9, '_' or '-'")
    if not _NAME.match(name):
        raise InputError(file, "name", f"expected a slug of a-z, 0-9, '_' or '-' (got {name!r})")
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
    for key in model.input_keys:
        if key not in raw:
            raise InputError(
                file,
                f"assumptions.{key}",
                f"missing: the {model.name!r} model needs it "
                f"({model.input(key).label}, in {model.input(key).unit})",
            )
    # The exchange rate first: other values may be given in RUB.
    order = sorted(model.input_keys, key=lambda k: k != "fx_rub_per_usd")
    parsed: dict[str, Assumption] = {}
    for key in order:
        fx = parsed["fx_rub_per_usd"].value if "fx_rub_per_usd" in parsed else None
        parsed[key] = _parse_assumption(
            model.input(key), raw[key], file, horizon, fx if isinstance(fx, float) else None
        )
    scenario = Scenario(
        name,
        title,
        description,
        model,
        start,
        horizon,
        MappingProxyType({k: parsed[k] for k in model.input_keys}),
        file,
    )
    for key in model.input_keys:
        _check_domain(scenario, model.input(key), parsed[key].value, file, f"assumptions.{key}")
    return scenario


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


def _parse_assumption(
    spec: InputSpec, raw: Any, file: Path | None, horizon: int, fx: float | None
) -> Assumption:
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

    def conv(x: float, at: str) -> float:
        if spec.year:
            if unit != "year":
                raise InputError(
                    file, f"{where}.unit", f"expected 'year' (a calendar year), found {unit!r}"
                )
            return x
        try:
            return convert(x, unit, spec.unit, rub_per_usd=fx)
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
    return Assumption(spec.key, value, spec.unit, source, low, high, note)


def _check_domain(
    scenario: Scenario,
    spec: InputSpec,
    value: Value,
    file: Path | None,
    where: str,
    *,
    own_bounds: bool = True,
) -> None:
    values = value if isinstance(value, tuple) else (value,)
    last = scenario.start_year + scenario.horizon_yr - 1
    for i, x in enumerate(values):
        at = where if len(values) == 1 else f"{where}.value[{i}]"
        problem = spec.problem(x, scenario.start_year, last)
        if problem:
            raise InputError(file, at, problem)
    a = scenario.assumptions[spec.key]
    for x in values if own_bounds else ():
        if (a.low is not None and x < a.low) or (a.high is not None and x > a.high):
            raise InputError(
                file,
                where,
                f"'{spec.key}' value {x:g} lies outside its own bounds [{_g(a.low)}, {_g(a.high)}]",
            )


def _g(x: float | None) -> str:
    return "-" if x is None else f"{x:g}"


def _toml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


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
    for key, a in scenario.assumptions.items():
        value = (
            "[" + ", ".join(_toml_num(v) for v in a.value) + "]"
            if isinstance(a.value, tuple)
            else _toml_num(a.value)
        )
        source = ", ".join(f"{k} = {_toml_str(v)}" for k, v in a.source.to_toml_table().items())
        lines += ["", f"[assumptions.{key}]", f"value = {value}", f"unit = {_toml_str(a.unit)}"]
        lines += [
            f"{b} = {_toml_num(v)}" for b, v in (("low", a.low), ("high", a.high)) if v is not None
        ]
        lines.append(f"source = {{ {source} }}")
        if a.note:
            lines.append(f"note = {_toml_str(a.note)}")
    return "\n".join(lines) + "\n"
