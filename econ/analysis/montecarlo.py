"""Monte Carlo risk analysis of one scenario.

:func:`run_risk` draws every assumption that has a distribution (see
:mod:`econ.distributions`: the file's ``distribution`` table, else triangular
over low / value / high), evaluates the draws in chunks with
:func:`econ.evaluate` (every draw validated like any other input) and keeps
one float per draw per metric and per varied input, never the S x Y tables,
so memory does not grow with the timeline and percentiles stay exact.

Sampling. ``method="lhs"`` (default): a scrambled Latin hypercube;
``"sobol"``: a scrambled Sobol sequence (both ``scipy.stats.qmc``), mapped
through each distribution's inverse CDF. Rank correlations
(``[correlations]`` in the scenario file) are imposed by Iman-Conover: the
columns of the correlated inputs are reordered to follow van der Waerden
scores whose correlation is the target converted to a normal-score
correlation, ``2 sin(pi r / 6)`` (Spearman's r of a Gaussian pair), so the
marginals (and the Latin hypercube strata) are untouched. Everything is
drawn up front from ``numpy.random.SeedSequence(seed)``, so a seed gives the
same draws whatever the chunk size and wherever the chunks are evaluated
(locally or on a Dask cluster).

Statistics, per metric, over the draws where it has a value (the share of
n/a draws is reported beside them):

* mean, standard deviation, P5/P10/P50/P90/P95 (``numpy.percentile``'s
  linear interpolation, over all draws: exact whatever the chunking);
* standard error of the mean: ``sd / sqrt(n)`` (the formula for independent
  draws; a Latin hypercube's error is no larger for monotone metrics, so it
  is conservative);
* standard error of P50: distribution-free, from the order statistics that
  bound the median's 95 % confidence interval, ``(x(k_hi) - x(k_lo)) /
  (2 * 1.96)`` with ``k = n/2 -+ 1.96 sqrt(n/4)`` (the asymptotic
  ``sqrt(p(1-p)/n) / f(m)`` with the density f(m) estimated by the
  difference quotient over that interval; no kernel, no bootstrap);
* probabilities of the model's declared :class:`~econ.model.schema.Event`
  s (NPV > 0, gap closed by a year, budget lasting the horizon), each with
  its standard error ``sqrt(p (1 - p) / n)``;
* drivers: Spearman's rank correlation of each varied input with the chosen
  metric (ties get average ranks; draws where the metric is n/a left out;
  over the first :data:`DRIVER_DRAWS` draws, whose standard error is below
  1 / sqrt(100,000) = 0.0032), sorted by size, with a warning when some of
  the top three are illustrative assumptions rather than cited figures.
"""

from __future__ import annotations

import math
import os
import re
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from econ.engine import evaluate
from econ.errors import InputError
from econ.model.kernel import KERNEL_ROWS
from econ.model.schema import Event, LineItem
from econ.scenario import Scenario, correlation_matrix

__all__ = [
    "CHUNK",
    "DRIVER_DRAWS",
    "Driver",
    "MetricStats",
    "Probability",
    "RiskResult",
    "format_risk",
    "run_risk",
    "sample_inputs",
]

Array = NDArray[np.float64]
Method = Literal["lhs", "sobol"]
Progress = Callable[[int, int], None]

#: Draws evaluated together: the fastest on the project model x 30 years
#: (measured: 1,000,000 draws in 4,096: 4.4 s; 8,192: 3.6 s; 16,384: 4.1 s, with
#: a peak RSS that grows with the chunk).
CHUNK = 8_192
#: Drivers are computed over at most this many draws (the standard error of
#: a rank correlation is then below 1 / sqrt(100,000) = 0.0032).
DRIVER_DRAWS = 100_000
#: Percentiles reported for every metric.
PERCENTILES = (5, 10, 50, 90, 95)
#: The top drivers checked for illustrative assumptions.
TOP_DRIVERS = 3
SCHEDULER_ENV = "ECON_SCHEDULER"
_Z95 = 1.959963984540054


@dataclass(frozen=True)
class MetricStats:
    """Statistics of one metric over the draws (see module docs)."""

    key: str
    mean: float
    sd: float
    se_mean: float
    percentiles: Mapping[int, float]
    se_p50: float
    na_share: float
    n: int


@dataclass(frozen=True)
class Probability:
    """The probability of one model event, and its standard error."""

    key: str
    label: str
    p: float
    se: float


@dataclass(frozen=True)
class Driver:
    """One input's Spearman rank correlation with the chosen metric."""

    key: str
    label: str
    rho: float
    cited: bool


@dataclass(frozen=True)
class RiskResult:
    """The outcome of :func:`run_risk`.

    Attributes:
        scenario: the base scenario.
        draws, seed, method: as asked.
        metric: the metric the drivers are ranked for.
        by_year: the year "closed by" events are read at.
        inputs: each varied input's draws (canonical unit), shape ``(draws,)``.
        values: each metric's draws, shape ``(draws,)`` (NaN: n/a).
        stats: per metric.
        probabilities: of the model's events.
        drivers: sorted by decreasing ``|rho|``.
        warnings: e.g. top drivers that are illustrative assumptions.
        elapsed_s: wall time of the run.
    """

    scenario: Scenario
    draws: int
    seed: int
    method: Method
    metric: str
    by_year: int
    inputs: Mapping[str, Array]
    values: Mapping[str, Array]
    stats: Mapping[str, MetricStats]
    probabilities: tuple[Probability, ...]
    drivers: tuple[Driver, ...]
    warnings: tuple[str, ...] = ()
    elapsed_s: float = field(default=0.0, compare=False)

    def summary(self) -> pd.DataFrame:
        """One row per metric: mean, sd, P5...P95, standard errors, n/a share."""
        rows = {
            key: {
                "mean": s.mean,
                "sd": s.sd,
                **{f"P{q}": s.percentiles[q] for q in PERCENTILES},
                "se_mean": s.se_mean,
                "se_p50": s.se_p50,
                "na_share": s.na_share,
            }
            for key, s in self.stats.items()
        }
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("metric")

    def draws_frame(self) -> pd.DataFrame:
        """Every draw: the varied inputs then the metrics (canonical units)."""
        data = {**self.inputs, **self.values}
        return pd.DataFrame(data, index=pd.RangeIndex(self.draws, name="draw"))

    def write_draws(self, path: str | Path) -> Path:
        """Write the draws as CSV, or as Parquet for a ``.parquet`` path
        (needs pyarrow), atomically; a file there that is not what econ
        last wrote (edited) is kept as a numbered backup first
        (:func:`econ.outputs.write_guarded`).

        Raises:
            InputError: a path not ending in ``.csv`` or ``.parquet`` (a
                scenario file or workbook is never overwritten with draws), a
                folder, or Parquet asked for without pyarrow.
        """
        from econ.outputs import write_guarded

        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".parquet"):
            raise InputError(
                path,
                None,
                f"expected a .csv or .parquet file for the draws, found {suffix or 'no'} suffix",
            )
        if path.is_dir():
            raise InputError(path, None, "expected a file path for the draws, found a folder")
        frame = self.draws_frame()
        if suffix == ".parquet":
            try:
                import pyarrow  # noqa: F401
            except ImportError:
                raise InputError(
                    path, None, "writing Parquet needs pyarrow (pip install pyarrow), or use .csv"
                ) from None
            return write_guarded(path, lambda tmp: frame.to_parquet(tmp))
        return write_guarded(path, lambda tmp: frame.to_csv(tmp, float_format="%.17g"))


# ---------------------------------------------------------------------------
# Sampling
# ---------------------------------------------------------------------------


def varied_inputs(scenario: Scenario) -> list[str]:
    """The inputs with a distribution, in the model's input order."""
    return [
        k
        for k in scenario.model.input_keys
        if scenario.assumptions[k].risk_distribution is not None
    ]


def _uniforms(n: int, d: int, method: Method, seed: np.random.SeedSequence) -> Array:
    """Uniform numbers, shape ``(d, n)`` (one contiguous row per input)."""
    rng = np.random.default_rng(seed)
    if method == "lhs":
        # The construction of scipy.stats.qmc.LatinHypercube(scramble=True): each
        # input's n strata in a random order, a uniform point in each. Built row
        # by row here (scipy shuffles an (n, d) table: 1.7 s for 10^6 x 16, this 0.5 s).
        u = np.empty((d, n))
        for j in range(d):
            np.add(rng.permutation(n), rng.random(n), out=u[j])
            u[j] /= n
        return u
    if method == "sobol":
        from scipy.stats import qmc

        with warnings.catch_warnings():  # balance of 2^m points: any n is still a QMC sample
            warnings.simplefilter("ignore", UserWarning)
            return np.ascontiguousarray(qmc.Sobol(d, scramble=True, rng=rng).random(n).T)
    raise InputError(None, "--method", f"expected lhs or sobol, found {method!r}")


def _factor(target: Array) -> Array:
    """A matrix P with P P^T = target (Cholesky, or eigenvectors when singular)."""
    try:
        return np.asarray(np.linalg.cholesky(target), dtype=np.float64)
    except np.linalg.LinAlgError:
        w, v = np.linalg.eigh(target)
        return np.asarray(v * np.sqrt(np.clip(w, 0, None)))


def iman_conover(u: Array, target: Array, rng: np.random.Generator) -> Array:
    """Reorder the rows of ``u`` (k x n) so their rank correlation is
    ``target`` (Spearman), keeping each row's values.

    The scores are van der Waerden's, randomly permuted per column, then
    decorrelated (their sample correlation's Cholesky factor) and given the
    normal-score correlation ``2 sin(pi r / 6)``; each column of ``u`` takes
    the rank order of its score column.
    """
    from scipy.special import ndtri

    k, n = u.shape
    scores = ndtri(np.arange(1, n + 1) / (n + 1))
    m = np.empty((n, k))
    for j in range(k):
        m[:, j] = rng.permutation(scores)
    pearson = 2 * np.sin(np.pi * target / 6)
    np.fill_diagonal(pearson, 1.0)
    q = np.linalg.cholesky(np.corrcoef(m, rowvar=False))
    t = m @ np.linalg.inv(q).T @ _factor(pearson).T
    out = np.empty_like(u)
    for j in range(k):
        out[j, np.argsort(t[:, j], kind="stable")] = np.sort(u[j])
    return out


def sample_inputs(
    scenario: Scenario,
    draws: int,
    seed: int,
    method: Method = "lhs",
    *,
    shared: Mapping[str, Array] | None = None,
) -> dict[str, Array]:
    """The draws of every input with a distribution (canonical units),
    rank-correlated as the scenario asks. Same arguments, same draws.

    ``shared`` gives, for inputs drawn in common with other scenarios (a
    portfolio's exchange rate), the uniform numbers of each draw, shape
    ``(draws,)``: the input takes them through its own distribution, so
    every scenario given the same uniforms draws the same quantiles (rank
    correlation 1 across scenarios, the same values where the distributions
    agree). An input correlated with others here keeps those correlations:
    the draws of its correlation group are reordered together so that its
    ranks are the shared ones (with two shared inputs in one group, the
    first sets the order)."""
    keys = varied_inputs(scenario)
    if not keys:
        raise InputError(
            scenario.path,
            "assumptions",
            "no assumption has a distribution: give some low and high bounds, "
            "or distribution tables",
        )
    sample_seed, order_seed = np.random.SeedSequence(seed).spawn(2)
    u = _uniforms(draws, len(keys), method, sample_seed)
    cols: list[int] = []
    if scenario.correlations:
        names, target = correlation_matrix(scenario.correlations)
        cols = [keys.index(k) for k in names]
        u[cols] = iman_conover(u[cols], target, np.random.default_rng(order_seed))
    common = [k for k in keys if shared and k in shared]
    for n_key, key in enumerate(common):
        assert shared is not None
        given = np.asarray(shared[key], dtype=np.float64).reshape(draws)
        j = keys.index(key)
        if n_key == 0 and j in cols:
            # move whole draws of the group so that this input's ranks are the shared ones
            moved = np.empty_like(u[cols])
            moved[:, np.argsort(given, kind="stable")] = u[cols][:, np.argsort(u[j], kind="stable")]
            u[cols] = moved
        u[j] = given
    first, last = scenario.start_year, scenario.start_year + scenario.horizon_yr - 1
    out: dict[str, Array] = {}
    for j, key in enumerate(keys):
        dist = scenario.assumptions[key].risk_distribution
        assert dist is not None
        out[key] = dist.ppf(u[j], scenario.model.input(key), first, last)
    return out


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------


def evaluate_chunk(
    scenario: Scenario,
    overrides: Mapping[str, Array],
    metrics: Sequence[str],
    kernels: bool | None = None,
) -> dict[str, Array]:
    """The metrics of one chunk of draws (a Dask task); ``kernels``: the
    run's choice of backend, the same for every chunk (see
    :func:`econ.model.evaluate.evaluate_model`)."""
    results = evaluate(scenario, overrides, items=metrics, kernels=kernels)
    return {m: np.array(results.metric(m)) for m in metrics}


_WHERE = re.compile(r"^(?P<key>\w+)\[(?P<row>\d+)\]$")


def _draw_error(scenario: Scenario, exc: InputError, offset: int) -> InputError:
    """An evaluation error, pointing at the draw and the assumption's distribution."""
    match = _WHERE.match(exc.where or "")
    if match is None:
        return exc
    key, row = match["key"], int(match["row"]) + offset
    a = scenario.assumptions.get(key)
    where = f"assumptions.{a.file_key if a else key}"
    if a is not None and a.distribution is not None:
        where += ".distribution"
    return InputError(scenario.path, where, f"draw {row}: {exc.message}")


def _chunks(
    inputs: Mapping[str, Array], draws: int, chunk: int
) -> Iterator[tuple[int, dict[str, Array]]]:
    for lo in range(0, draws, chunk):
        yield lo, {k: v[lo : lo + chunk] for k, v in inputs.items()}


def _run_local(
    scenario: Scenario,
    inputs: Mapping[str, Array],
    metrics: Sequence[str],
    draws: int,
    chunk: int,
) -> Iterator[tuple[int, dict[str, Array]]]:
    for lo, part in _chunks(inputs, draws, chunk):
        try:
            yield lo, evaluate_chunk(scenario, part, metrics, draws >= KERNEL_ROWS)
        except InputError as exc:
            raise _draw_error(scenario, exc, lo) from None


def _run_dask(
    scenario: Scenario,
    inputs: Mapping[str, Array],
    metrics: Sequence[str],
    draws: int,
    chunk: int,
    address: str,
) -> Iterator[tuple[int, dict[str, Array]]]:
    from econ.batch import connect_dask

    client = connect_dask(address)  # first: a clear message when Dask is missing
    from dask.distributed import as_completed as dask_completed

    try:
        [remote] = client.scatter([scenario], broadcast=True)
        offsets, parts = zip(*_chunks(inputs, draws, chunk), strict=True)
        futures = client.map(
            evaluate_chunk,
            [remote] * len(parts),
            list(parts),
            metrics=list(metrics),
            kernels=draws >= KERNEL_ROWS,
            pure=False,
        )
        index = {f.key: i for i, f in enumerate(futures)}
        for future in dask_completed(futures):  # type: ignore[no-untyped-call]
            lo = offsets[index[future.key]]
            try:
                out = future.result()
            except InputError as exc:
                raise _draw_error(scenario, exc, lo) from None
            future.release()
            yield lo, out
    finally:
        client.close()


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------


def metric_stats(key: str, values: Array) -> MetricStats:
    """Mean, percentiles and standard errors of one metric's draws (n/a left out)."""
    total = len(values)
    x = values[np.isfinite(values)]
    n = len(x)
    if n == 0:
        nan = math.nan
        return MetricStats(key, nan, nan, nan, dict.fromkeys(PERCENTILES, nan), nan, 1.0, 0)
    mean = float(x.mean())
    sd = float(x.std(ddof=1)) if n > 1 else 0.0
    # Order statistics: the percentiles' neighbours and the median's 95 % bounds.
    half = _Z95 * math.sqrt(n * 0.25)
    k_lo = max(0, math.floor(n * 0.5 - half) - 1)
    k_hi = min(n - 1, math.ceil(n * 0.5 + half) - 1)
    positions = {q: q / 100 * (n - 1) for q in PERCENTILES}
    kth = {k_lo, k_hi} | {math.floor(p) for p in positions.values()}
    kth |= {math.ceil(p) for p in positions.values()}
    part = np.partition(x, sorted(kth))
    pct = {}
    for q, pos in positions.items():
        lo, hi = math.floor(pos), math.ceil(pos)
        pct[q] = float(part[lo] + (part[hi] - part[lo]) * (pos - lo))
    se_p50 = float(part[k_hi] - part[k_lo]) / (2 * _Z95)
    return MetricStats(
        key, mean, sd, sd / math.sqrt(n), pct, se_p50, 1 - n / total if total else 0.0, n
    )


def event_probability(event: Event, values: Array, by_year: int) -> Probability:
    """The share of draws where the event holds (n/a: it does not, except for ``na``)."""
    with np.errstate(invalid="ignore"):
        if event.test == "positive":
            hit = values > 0
        elif event.test == "by_year":
            hit = values <= by_year
        else:
            hit = np.isnan(values)
    n = len(values)
    p = float(np.count_nonzero(hit)) / n
    return Probability(event.key, event.label.format(year=by_year), p, math.sqrt(p * (1 - p) / n))


def _ranks(x: Array) -> Array:
    """Ranks 0..n-1, ties given their average rank."""
    order = np.argsort(x)
    ranks = np.empty(len(x))
    ranks[order] = np.arange(len(x), dtype=np.float64)
    xs = x[order]
    if len(xs) > 1 and np.any(xs[1:] == xs[:-1]):
        from scipy.stats import rankdata

        return np.asarray(rankdata(x), dtype=np.float64) - 1
    return ranks


def _centred_ranks(x: Array) -> Array:
    r = _ranks(x)
    return np.asarray(r - r.mean(), dtype=np.float64)


def _rank_corr(rx: Array, ry: Array) -> float:
    denom = math.sqrt(float(rx @ rx) * float(ry @ ry))
    return float(rx @ ry) / denom if denom else math.nan


def spearman(x: Array, y: Array) -> float:
    """Spearman's rank correlation (average ranks for ties); NaN if constant."""
    return _rank_corr(_centred_ranks(x), _centred_ranks(y))


def drivers(
    scenario: Scenario, inputs: Mapping[str, Array], values: Array, limit: int = DRIVER_DRAWS
) -> tuple[Driver, ...]:
    """Each input's rank correlation with ``values``, sorted by size."""
    y = values[:limit]
    ok = np.isfinite(y)
    ry = _centred_ranks(y[ok]) if ok.sum() > 2 else None
    out = []
    for key, x in inputs.items():
        a = scenario.assumptions[key]
        rho = math.nan if ry is None else _rank_corr(_centred_ranks(x[:limit][ok]), ry)
        label = scenario.model.input(key).label
        out.append(Driver(key, label, rho, a.source.cited))
    return tuple(sorted(out, key=lambda d: -abs(d.rho) if math.isfinite(d.rho) else 1.0))


def _driver_warning(found: Sequence[Driver], metric: LineItem) -> str | None:
    top = [d for d in found[:TOP_DRIVERS] if math.isfinite(d.rho)]
    illustrative = [d for d in top if not d.cited]
    if not illustrative:
        return None
    names = ", ".join(f"{d.key} (rho {d.rho:+.2f})" for d in illustrative)
    return (
        f"{len(illustrative)} of the top {len(top)} drivers of {metric.label.lower()} are "
        f"illustrative assumptions, not cited figures: {names}"
    )


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------


def run_risk(
    scenario: Scenario,
    draws: int = 10_000,
    seed: int = 0,
    *,
    method: Method = "lhs",
    metric: str | None = None,
    metrics: Sequence[str] | None = None,
    by_year: int | None = None,
    chunk: int = CHUNK,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> RiskResult:
    """Monte Carlo over the scenario's distributions (see module docs).

    Args:
        scenario: the base scenario; inputs without a distribution keep its values.
        draws: how many draws.
        seed: the same seed gives the same result, however evaluated.
        method: ``lhs`` (Latin hypercube) or ``sobol``.
        metric: the metric drivers are ranked for (default: the model's
            ``default_metric``).
        metrics: the metrics to keep (default: every metric of the model);
            only what they read is evaluated (leave out the solved metrics
            to skip their plug-back blocks).
        by_year: the year "closed by" events read (default: the last year).
        chunk: draws evaluated together (memory is bounded by it).
        scheduler: a Dask scheduler address (default: ``$ECON_SCHEDULER``);
            the chunks are evaluated there.
        progress: called with (draws done, draws) after each chunk.

    Raises:
        InputError: a bad argument, no distribution, or a draw the model's
            validation refuses (naming the draw and the assumption).
    """
    t0 = time.perf_counter()
    model = scenario.model
    metric_keys = [i.key for i in model.items_with("metric")]
    if metrics is None:
        metrics = metric_keys
    metric = metric or model.default_metric or metric_keys[0]
    for key, where in [(m, "metrics") for m in metrics] + [(metric, "--metric")]:
        if key not in metric_keys:
            raise InputError(
                None, where, f"unknown metric {key!r} (expected one of: {', '.join(metric_keys)})"
            )
    events = [e for e in model.events if e.metric in set(metrics) | {metric}]
    wanted = list(dict.fromkeys([*metrics, metric, *(e.metric for e in events)]))
    if draws < 2:
        raise InputError(None, "--draws", f"expected at least 2 draws (got {draws})")
    if chunk < 1:
        raise InputError(None, "chunk", f"expected a positive number of draws (got {chunk})")
    last_year = scenario.start_year + scenario.horizon_yr - 1
    by_year = last_year if by_year is None else by_year

    inputs = sample_inputs(scenario, draws, seed, method)
    values = {m: np.empty(draws) for m in wanted}
    address = scheduler or os.environ.get(SCHEDULER_ENV) or None
    runs = (
        _run_dask(scenario, inputs, wanted, draws, chunk, address)
        if address
        else _run_local(scenario, inputs, wanted, draws, chunk)
    )
    done = 0
    for lo, part in runs:
        for m, v in part.items():
            values[m][lo : lo + len(v)] = v
        done += len(part[wanted[0]])
        if progress is not None:
            progress(done, draws)

    stats = {m: metric_stats(m, values[m]) for m in wanted}
    probs = tuple(event_probability(e, values[e.metric], by_year) for e in events)
    found = drivers(scenario, inputs, values[metric])
    notes = [w for w in [_driver_warning(found, model.item(metric))] if w]
    return RiskResult(
        scenario,
        draws,
        seed,
        method,
        metric,
        by_year,
        inputs,
        values,
        stats,
        probs,
        found,
        tuple(notes),
        time.perf_counter() - t0,
    )


def format_risk(result: RiskResult, *, top: int = 10) -> str:
    """The percentile table, probabilities and drivers as aligned text."""
    from econ.display import format_item, format_value

    sc, model = result.scenario, result.scenario.model
    method = {"lhs": "Latin hypercube", "sobol": "Sobol"}[result.method]
    lines = [
        f"{sc.title}  ({sc.name}, {model.name} model): {result.draws:,} draws, {method}, "
        f"seed {result.seed}, {len(result.inputs)} inputs varied, {result.elapsed_s:.2f} s"
    ]
    head = ["", "mean", *(f"P{q}" for q in PERCENTILES), "SE mean", "SE P50", "n/a"]
    rows = []
    for key, st in result.stats.items():
        item = model.item(key)

        def f(x: float, item: LineItem = item) -> str:
            return format_item(x, item)

        def spread(x: float, item: LineItem = item) -> str:
            # A spread of calendar years is a number of years.
            return format_value(x, "yr") if item.unit == "year" else format_item(x, item)

        rows.append(
            [
                item.label,
                f(st.mean),
                *(f(st.percentiles[q]) for q in PERCENTILES),
                spread(st.se_mean),
                spread(st.se_p50),
                f"{st.na_share:.1%}" if st.na_share else "",
            ]
        )
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    for r in [head, *rows]:
        cells = [r[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)
        ]
        lines.append("  " + "  ".join(cells).rstrip())
    lines.append("  (percentiles over the draws with a value; n/a: share of draws without one)")
    if result.probabilities:
        lines.append("Probabilities")
        width = max(len(p.label) for p in result.probabilities)
        lines += [
            f"  {p.label:<{width}}  {p.p:6.1%}  (SE {p.se:.1%})" for p in result.probabilities
        ]
    label = model.item(result.metric).label
    lines.append(f"Drivers of {label.lower()} (Spearman rank correlation)")
    shown = result.drivers[:top]
    if shown:
        width = max(len(d.key) for d in shown)
        lines += [
            f"  {d.key:<{width}}  {d.rho:+.3f}  {'cited' if d.cited else 'illustrative'}"
            for d in shown
        ]
    lines += [f"warning: {w}" for w in (*sc.warnings, *result.warnings)]
    return "\n".join(lines)
