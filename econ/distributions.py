"""Probability distributions of scenario assumptions, for Monte Carlo runs.

An assumption may carry a ``distribution`` table, in the assumption's own
unit (converted like ``value``; a money input given in rubles stays in
rubles)::

    [assumptions.domestic_cost_usd_per_kg]
    value = 20
    unit = "USD/kg"
    distribution = { kind = "pert", low = 15, mode = 20, high = 25 }

Kinds and their fields:

=============  ==========================================================
``triangular``  ``low``, ``mode``, ``high``. **The default**: an assumption
                with ``low`` and ``high`` (low < high) and no distribution
                is triangular over low / value / high.
``pert``        ``low``, ``mode``, ``high``: Beta-PERT (shape 4),
                alpha = 1 + 4 (mode - low) / (high - low).
``uniform``     ``low``, ``high``.
``normal``      ``mean``, ``sd``.
``lognormal``   either ``mean`` and ``sd`` *of the value itself* (converted
                to mu = ln mean - sigma^2 / 2, sigma^2 = ln(1 + sd^2 / mean^2)),
                or ``mu`` and ``sigma`` *of the natural log of the value* in
                the assumption's unit.
``discrete``    ``values`` and ``probabilities`` (same length, each >= 0,
                summing to 1 within 1e-9).
=============  ==========================================================

Draws always lie inside the input's domain (:meth:`InputSpec.ok
<econ.model.schema.InputSpec.ok>`), by this rule:

* a distribution with bounded support (triangular, PERT, uniform, discrete)
  is **refused** when any point of its support (low, high, each discrete
  value) lies outside the domain: the author wrote the bounds, so a bound
  outside the domain is a mistake to report, not to hide;
* a normal or lognormal is **truncated** to the domain: draws follow the
  distribution conditioned on the domain (the inverse CDF over
  ``[F(lo), F(hi)]``, so Latin hypercube strata and rank order are kept).
  More than 1 % of its mass outside the domain gives a warning; no mass
  inside it is refused.
* an input counted in whole numbers (``construction_yr``) or a calendar
  year is drawn continuously and rounded to the nearest whole number (its
  bounds are whole numbers, so the rounded draw stays inside).

A per-year series value takes no distribution (refused), and no default one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from econ.errors import InputError
from econ.model.schema import InputSpec

__all__ = ["KINDS", "Distribution", "parse_distribution"]

Array = NDArray[np.float64]
Kind = Literal["triangular", "pert", "uniform", "normal", "lognormal", "discrete"]

#: The fields each kind takes (lognormal: one of two pairs).
KINDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "triangular": (("low", "mode", "high"),),
    "pert": (("low", "mode", "high"),),
    "uniform": (("low", "high"),),
    "normal": (("mean", "sd"),),
    "lognormal": (("mean", "sd"), ("mu", "sigma")),
    "discrete": (("values", "probabilities"),),
}

#: Truncating more than this share of a normal's mass gives a warning.
TRUNCATION_WARNING = 0.01

_TINY = 2.0**-53


@dataclass(frozen=True)
class Distribution:
    """A distribution in the input's canonical unit.

    Attributes:
        kind: one of :data:`KINDS`.
        params: the fields as given (canonical unit), in :data:`KINDS` order.
        values, probabilities: of a discrete distribution.
        default: triangular from the assumption's low / value / high (not
            written back to a scenario file).
    """

    kind: Kind
    params: tuple[tuple[str, float], ...] = ()
    values: tuple[float, ...] = ()
    probabilities: tuple[float, ...] = ()
    default: bool = False

    def __getitem__(self, name: str) -> float:
        return dict(self.params)[name]

    def field_names(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.params)

    def support(self) -> tuple[float, float]:
        """Smallest and largest possible value before truncation."""
        p = dict(self.params)
        if self.kind == "discrete":
            return min(self.values), max(self.values)
        if self.kind in ("triangular", "pert", "uniform"):
            return p["low"], p["high"]
        if self.kind == "lognormal":
            return 0.0, math.inf
        return -math.inf, math.inf

    def _log_params(self) -> tuple[float, float]:
        p = dict(self.params)
        if "mu" in p:
            return p["mu"], p["sigma"]
        s2 = math.log1p((p["sd"] / p["mean"]) ** 2)
        return math.log(p["mean"]) - s2 / 2, math.sqrt(s2)

    def cdf(self, x: float) -> float:
        """F(x) of a normal or lognormal (the kinds that are truncated)."""
        from scipy.special import ndtr

        if self.kind == "normal":
            return float(ndtr((x - self["mean"]) / self["sd"]))
        if self.kind == "lognormal":
            if x <= 0:
                return 0.0
            mu, sigma = self._log_params()
            return 0.0 if x == math.inf else float(ndtr((math.log(x) - mu) / sigma))
        raise ValueError(f"no truncation for a {self.kind} distribution")

    def mass_inside(self, lo: float, hi: float) -> float:
        """Probability of [lo, hi] (1 for the bounded kinds)."""
        if self.kind not in ("normal", "lognormal"):
            return 1.0
        return (1.0 if hi == math.inf else self.cdf(hi)) - self.cdf(lo)

    def ppf(self, u: Array, spec: InputSpec, first_year: int, last_year: int) -> Array:
        """Draws for uniform numbers ``u`` in [0, 1]: the inverse CDF,
        truncated to the input's domain, rounded for whole numbers and years.

        >>> from econ.model.schema import InputSpec
        >>> spec = InputSpec("r", "", "1", "", 0, 1, max_open=True)
        >>> d = Distribution("triangular", (("low", 0.0), ("mode", 0.5), ("high", 1.0)))
        >>> d.ppf(np.array([0.125, 0.5, 0.875]), spec, 2025, 2030).tolist()
        [0.25, 0.5, 0.75]
        """
        from scipy.special import betaincinv, ndtri

        u = np.minimum(np.maximum(np.asarray(u, dtype=np.float64), _TINY), 1.0 - _TINY)
        p = dict(self.params)
        lo, hi, lo_open, hi_open = domain(spec, first_year, last_year)
        x: Array
        if self.kind == "uniform":
            x = p["low"] + u * (p["high"] - p["low"])
        elif self.kind == "triangular":
            a, m, b = p["low"], p["mode"], p["high"]
            c = (m - a) / (b - a)
            left = a + np.sqrt(u * (b - a) * (m - a))
            right = b - np.sqrt((1.0 - u) * (b - a) * (b - m))
            x = np.where(u < c, left, right)
        elif self.kind == "pert":
            a, m, b = p["low"], p["mode"], p["high"]
            alpha, beta = 1 + 4 * (m - a) / (b - a), 1 + 4 * (b - m) / (b - a)
            x = a + (b - a) * betaincinv(alpha, beta, u)
        elif self.kind == "discrete":
            order = np.argsort(self.values, kind="stable")
            values = np.asarray(self.values)[order]
            cum = np.cumsum(np.asarray(self.probabilities)[order])
            idx = np.searchsorted(cum / cum[-1], u, side="left")
            x = values[np.minimum(idx, len(values) - 1)]
        else:
            f_lo, f_hi = self.cdf(lo), 1.0 if hi == math.inf else self.cdf(hi)
            q = f_lo + u * (f_hi - f_lo)
            if self.kind == "normal":
                x = p["mean"] + p["sd"] * ndtri(q)
            else:
                mu, sigma = self._log_params()
                x = np.exp(mu + sigma * ndtri(q))
            x = np.clip(x, lo, hi)
        if spec.kind in ("whole", "year"):
            x = np.floor(x + 0.5)
        if lo_open:
            x = np.where(x <= lo, np.nextafter(lo, math.inf), x)
        if hi_open:
            x = np.where(x >= hi, np.nextafter(hi, -math.inf), x)
        return np.asarray(x, dtype=np.float64)

    def to_toml(self, num: Callable[[float], str]) -> str:
        """The inline table of a scenario file."""
        parts = [f'kind = "{self.kind}"']
        if self.kind == "discrete":
            parts += [
                "values = [" + ", ".join(num(v) for v in self.values) + "]",
                "probabilities = [" + ", ".join(num(v) for v in self.probabilities) + "]",
            ]
        else:
            parts += [f"{k} = {num(v)}" for k, v in self.params]
        return "{ " + ", ".join(parts) + " }"


def domain(spec: InputSpec, first_year: int, last_year: int) -> tuple[float, float, bool, bool]:
    """The input's domain as ``(lo, hi, lo_open, hi_open)``."""
    if spec.kind == "year":
        return float(first_year), float(last_year), False, False
    lo = -math.inf if spec.minimum is None else float(spec.minimum)
    hi = math.inf if spec.maximum is None else float(spec.maximum)
    return lo, hi, spec.min_open and spec.minimum is not None, spec.max_open


def _name(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    return {str: "text", int: "a number", float: "a number", list: "a list", dict: "a table"}.get(
        type(value), type(value).__name__
    )


def parse_distribution(
    raw: Any,
    spec: InputSpec,
    convert: Callable[[float, str], float],
    file: Path | None,
    where: str,
) -> Distribution:
    """Check a ``distribution`` table and convert it to the canonical unit.

    Args:
        raw: the parsed TOML value.
        spec: the input (its kind and domain; timeline years are checked by
            :func:`support_problem`).
        convert: converts a number in the assumption's unit to the canonical
            unit (``convert(x, where)``).
        where: ``assumptions.KEY.distribution``.

    Raises:
        InputError: naming ``where`` and the field, what was expected and found.
    """
    if not isinstance(raw, dict):
        raise InputError(
            file,
            where,
            f'expected a table such as {{ kind = "pert", low = .., mode = .., '
            f"high = .. }}, found {_name(raw)}",
        )
    kind = raw.get("kind")
    if kind not in KINDS:
        found = "nothing" if kind is None else f"{_name(kind)} {kind!r}"
        raise InputError(
            file, f"{where}.kind", f"expected one of {', '.join(KINDS)}, found {found}"
        )
    given = set(raw) - {"kind"}
    choices = KINDS[kind]
    fields = next((c for c in choices if set(c) == given), None)
    if fields is None:
        expected = " or ".join(", ".join(c) for c in choices)
        missing = sorted(set(choices[0]) - given)
        extra = sorted(given - {f for c in choices for f in c})
        detail = f"missing {', '.join(missing)}" if missing else ""
        if extra:
            detail = f"unknown key {extra[0]}"
        elif not missing:
            detail = f"found {', '.join(sorted(given))}"
        raise InputError(file, where, f"a {kind} distribution takes {expected} ({detail})")

    def number(name: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(
                file, f"{where}.{name}", f"expected a number, found {_name(value)} {value!r}"
            )
        if not math.isfinite(value):
            raise InputError(file, f"{where}.{name}", f"expected a finite number (got {value!r})")
        return float(value)

    def scale(name: str, value: float) -> float:
        """A spread (sd): converted by the unit's factor, no offset."""
        return convert(value, f"{where}.{name}") - convert(0.0, f"{where}.{name}")

    if kind == "discrete":
        values, probs = raw["values"], raw["probabilities"]
        for name, seq in (("values", values), ("probabilities", probs)):
            if not isinstance(seq, list) or not seq:
                raise InputError(
                    file, f"{where}.{name}", f"expected a non-empty list, found {_name(seq)}"
                )
        if len(values) != len(probs):
            raise InputError(
                file,
                f"{where}.probabilities",
                f"expected one probability per value ({len(values)}), found {len(probs)}",
            )
        vals = tuple(
            convert(number(f"values[{i}]", v), f"{where}.values[{i}]") for i, v in enumerate(values)
        )
        ps = tuple(number(f"probabilities[{i}]", p) for i, p in enumerate(probs))
        for i, prob in enumerate(ps):
            if not 0 <= prob <= 1:
                raise InputError(
                    file,
                    f"{where}.probabilities[{i}]",
                    f"expected a probability in [0, 1] (got {prob:g})",
                )
        if abs(sum(ps) - 1.0) > 1e-9:
            raise InputError(
                file, f"{where}.probabilities", f"must sum to 1 (they sum to {sum(ps):.12g})"
            )
        return Distribution("discrete", values=vals, probabilities=ps)

    p = {name: number(name, raw[name]) for name in fields}
    if kind in ("triangular", "pert", "uniform"):
        p = {k: convert(v, f"{where}.{k}") for k, v in p.items()}
        if not p["low"] < p["high"]:
            raise InputError(
                file, f"{where}.low", f"low ({p['low']:g}) must be below high ({p['high']:g})"
            )
        if "mode" in p and not p["low"] <= p["mode"] <= p["high"]:
            raise InputError(
                file,
                f"{where}.mode",
                f"mode ({p['mode']:g}) must lie in [low, high] = [{p['low']:g}, {p['high']:g}]",
            )
    elif "mu" in p:
        if p["sigma"] <= 0:
            raise InputError(file, f"{where}.sigma", f"must be above 0 (got {p['sigma']:g})")
        # ln(factor * x) = ln(factor) + ln(x): mu moves, sigma stays.
        p["mu"] += math.log(convert(1.0, f"{where}.mu"))
    else:
        if p["sd"] <= 0:
            raise InputError(file, f"{where}.sd", f"must be above 0 (got {p['sd']:g})")
        if kind == "lognormal" and p["mean"] <= 0:
            raise InputError(
                file, f"{where}.mean", f"a lognormal's mean must be above 0 (got {p['mean']:g})"
            )
        p = {"mean": convert(p["mean"], f"{where}.mean"), "sd": scale("sd", p["sd"])}
    return Distribution(kind, tuple((name, p[name]) for name in fields))


def support_problem(
    dist: Distribution, spec: InputSpec, first_year: int, last_year: int
) -> tuple[str, str] | None:
    """``(field, message)`` when a distribution cannot give values in the
    input's domain (see the module docs), else ``None``."""
    lo, hi, _, _ = domain(spec, first_year, last_year)
    if dist.kind in ("normal", "lognormal"):
        if dist.mass_inside(lo, hi) <= 1e-12:
            dom = spec.domain() if spec.kind != "year" else f"[{first_year}, {last_year}]"
            return "", (
                f"none of this {dist.kind} distribution's mass lies in '{spec.key}''s domain "
                f"{dom}: draws are truncated to the domain, and nothing would be left"
            )
        return None
    points: Mapping[str, float] = (
        {f"values[{i}]": v for i, v in enumerate(dist.values)}
        if dist.kind == "discrete"
        else {k: v for k, v in dist.params if k in ("low", "high")}
    )
    for name, x in points.items():
        problem = spec.problem(x, first_year, last_year)
        if problem is not None:
            return name, problem.replace("(got", f"(the distribution's {name} is", 1)
    return None


def truncation_warning(
    dist: Distribution, spec: InputSpec, first_year: int, last_year: int
) -> str | None:
    """A warning when more than 1 % of a normal's mass is cut off."""
    if dist.kind not in ("normal", "lognormal"):
        return None
    lo, hi, _, _ = domain(spec, first_year, last_year)
    cut = 1.0 - dist.mass_inside(lo, hi)
    if cut <= TRUNCATION_WARNING:
        return None
    return (
        f"'{spec.key}': {cut:.1%} of its {dist.kind} distribution lies outside its domain "
        f"and is cut off (draws are truncated to the domain)"
    )
