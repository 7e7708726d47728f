"""Monte Carlo: distributions in scenario files, sampling, statistics against
known answers, reproducibility, chunking, Dask and the command line."""

from __future__ import annotations

import copy
import math
import os
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import ndtri

from econ.analysis.montecarlo import run_risk, sample_inputs, spearman
from econ.cli import main
from econ.errors import InputError
from econ.scenario import load_scenario, parse_scenario, to_toml

from .conftest import SEEDS

NATIONAL = tomllib.loads((SEEDS / "national_ree_gap.toml").read_text(encoding="utf-8"))
PROJECT = tomllib.loads((SEEDS / "magnets_plant.toml").read_text(encoding="utf-8"))
GAP = "ref_gap_usd_per_kg"


def _data(base: dict[str, Any], **distributions: Any) -> dict[str, Any]:
    """``base`` with no bounds, learning 0 and the given distribution tables."""
    data = copy.deepcopy(base)
    for a in data["assumptions"].values():
        a.pop("low", None)
        a.pop("high", None)
    data["assumptions"]["learning_rate"]["value"] = 0
    for key, dist in distributions.items():
        data["assumptions"][key]["distribution"] = dist
    return data


def _gap_scenario(**distributions: Any) -> Any:
    return parse_scenario(_data(NATIONAL, **distributions))


# -- known answers --------------------------------------------------------------


def _difference_quantile(q: float, a: float, b: float, c: float, d: float) -> float:
    """Quantile of X - Y, X ~ U(a, b), Y ~ U(c, d) independent (a trapezoid)."""
    w1, w2 = b - a, d - c

    def g(s: float) -> float:  # antiderivative of clip(s, 0, w1)
        return 0.0 if s < 0 else s * s / 2 if s <= w1 else w1 * w1 / 2 + w1 * (s - w1)

    def cdf(t: float) -> float:
        return (g(t + d - a) - g(t + c - a)) / (w1 * w2)

    return float(brentq(lambda t: cdf(t) - q, a - d, b - c, xtol=1e-13))


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_uniform_difference_percentiles(method: str) -> None:
    sc = _gap_scenario(
        domestic_cost_usd_per_kg={"kind": "uniform", "low": 15, "high": 25},
        benchmark_cost_usd_per_kg={"kind": "uniform", "low": 9, "high": 14},
    )
    n = 200_000
    result = run_risk(sc, n, seed=7, method=method, metrics=[GAP])  # type: ignore[arg-type]
    st = result.stats[GAP]
    assert st.mean == pytest.approx(20 - 11.5, abs=3 * st.se_mean)
    for q, got in st.percentiles.items():
        exact = _difference_quantile(q / 100, 15, 25, 9, 14)
        # Sampling error of a quantile: sqrt(q (1 - q) / n) / f, f >= 0.02 here.
        assert abs(got - exact) < 0.02, (q, got, exact)
    assert st.percentiles[50] == pytest.approx(8.5, abs=3 * st.se_p50)


def test_normal_input_percentiles_and_standard_errors() -> None:
    sc = _gap_scenario(domestic_cost_usd_per_kg={"kind": "normal", "mean": 20, "sd": 2})
    n = 100_000
    st = run_risk(sc, n, seed=1, metrics=[GAP]).stats[GAP]
    for q, got in st.percentiles.items():
        exact = 20 - 11.5 + 2 * float(ndtri(q / 100))
        assert got == pytest.approx(exact, abs=2e-3), q
    assert st.mean == pytest.approx(8.5, abs=1e-3)
    assert st.sd == pytest.approx(2, rel=1e-3)
    assert st.se_mean == pytest.approx(2 / math.sqrt(n), rel=1e-2)
    # The median of a normal sample: SE = sqrt(pi / 2) sd / sqrt(n).
    assert st.se_p50 == pytest.approx(math.sqrt(math.pi / 2) * 2 / math.sqrt(n), rel=0.1)


def test_truncated_normal_stays_in_domain() -> None:
    # A rate in [0, 1): 16 % of this normal lies below 0 and is cut off.
    sc = _gap_scenario(discount_rate={"kind": "normal", "mean": 0.05, "sd": 0.05})
    assert any("cut off" in w for w in sc.warnings)
    draws = sample_inputs(sc, 50_000, seed=2)["discount_rate"]
    assert draws.min() >= 0 and draws.max() < 1
    # Conditioned on >= 0: P(X <= 0.05 | X >= 0) = (0.5 - 0.1587) / 0.8413.
    assert np.mean(draws <= 0.05) == pytest.approx((0.5 - 0.158655) / 0.841345, abs=2e-3)


def test_kinds_whole_numbers_and_rubles() -> None:
    data = _data(
        PROJECT,
        construction_yr={"kind": "triangular", "low": 1, "mode": 2, "high": 3},
        capex_usd={"kind": "pert", "low": 8, "mode": 12, "high": 24},
        fixed_opex_usd_per_yr={"kind": "lognormal", "mean": 7.5, "sd": 2},
        ramp_up_yr={"kind": "discrete", "values": [1, 3, 5], "probabilities": [0.2, 0.5, 0.3]},
    )
    data["assumptions"]["capex_usd"]["unit"] = "bn RUB"
    data["assumptions"]["capex_usd"]["value"] = 12
    sc = parse_scenario(data)
    d = sample_inputs(sc, 40_000, seed=3)
    assert set(np.unique(d["construction_yr"])) == {1.0, 2.0, 3.0}
    # Rounded triangular(1, 2, 3): P(2) = 1 - 2 * (1/2)^2 / 2 = 3/4.
    assert np.mean(d["construction_yr"] == 2) == pytest.approx(0.75, abs=1e-3)
    assert "capex_rub" in d and d["capex_rub"].min() >= 8e9 and d["capex_rub"].max() <= 24e9
    assert d["capex_rub"].mean() == pytest.approx((8 + 4 * 12 + 24) / 6 * 1e9, rel=1e-3)
    assert d["fixed_opex_usd_per_yr"].mean() == pytest.approx(7.5e6, rel=1e-2)
    assert d["fixed_opex_usd_per_yr"].std() == pytest.approx(2e6, rel=3e-2)
    shares = [np.mean(d["ramp_up_yr"] == v) for v in (1, 3, 5)]
    assert shares == pytest.approx([0.2, 0.5, 0.3], abs=1e-3)
    assert parse_scenario(tomllib.loads(to_toml(sc))) == sc
    result = run_risk(sc, 2_000, seed=3)
    assert np.isfinite(result.values["npv_usd"]).all()


# -- correlations ---------------------------------------------------------------

PAIRS = [
    ["domestic_cost_usd_per_kg", "benchmark_cost_usd_per_kg", 0.5],
    ["domestic_cost_usd_per_kg", "consumption_t_per_yr", -0.3],
    ["benchmark_cost_usd_per_kg", "fx_rub_per_usd", 0.8],
]


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_achieved_rank_correlations(method: str) -> None:
    data = copy.deepcopy(NATIONAL)
    data["correlations"] = {"pairs": PAIRS}
    sc = parse_scenario(data)
    d = sample_inputs(sc, 10_000, seed=11, method=method)  # type: ignore[arg-type]
    for a, b, r in PAIRS:
        assert abs(spearman(d[a], d[b]) - r) < 0.02, (a, b)
    # Pairs not given stay independent.
    assert abs(spearman(d["learning_rate"], d["domestic_cost_usd_per_kg"])) < 0.03
    assert abs(spearman(d["consumption_t_per_yr"], d["fx_rub_per_usd"]) - 0) < 0.05
    # Iman-Conover keeps the marginals: the same values as without correlations.
    plain = sample_inputs(parse_scenario(NATIONAL), 10_000, seed=11, method=method)  # type: ignore[arg-type]
    for k in d:
        assert np.array_equal(np.sort(d[k]), np.sort(plain[k]))
    assert parse_scenario(tomllib.loads(to_toml(sc))) == sc


def test_shared_uniforms_give_the_same_draws_and_keep_the_correlations() -> None:
    """An input drawn in common (a portfolio's exchange rate): its ranks are the
    shared uniforms' in every scenario given them, and a correlation it has with
    another input stays within 0.02 of the one asked for."""
    data = copy.deepcopy(NATIONAL)
    data["correlations"] = {"pairs": PAIRS}
    correlated = parse_scenario(data)
    plain = parse_scenario(NATIONAL)
    u = np.random.default_rng(4).random(10_000)
    a = sample_inputs(correlated, 10_000, seed=1, shared={"fx_rub_per_usd": u})
    b = sample_inputs(plain, 10_000, seed=2, shared={"fx_rub_per_usd": u})
    assert np.array_equal(a["fx_rub_per_usd"], b["fx_rub_per_usd"])  # same distribution
    assert np.corrcoef(a["fx_rub_per_usd"], b["fx_rub_per_usd"])[0, 1] == pytest.approx(1.0)
    assert spearman(u, a["fx_rub_per_usd"]) == pytest.approx(1.0)
    for x, y, r in PAIRS:
        assert abs(spearman(a[x], a[y]) - r) < 0.02, (x, y)
    # the marginals are the scenario's own: the values without sharing, reordered
    alone = sample_inputs(correlated, 10_000, seed=1)
    for k in alone:
        if k != "fx_rub_per_usd":
            assert np.array_equal(np.sort(a[k]), np.sort(alone[k]))
    # inputs not shared stay independent across the two scenarios
    assert abs(spearman(a["learning_rate"], b["learning_rate"])) < 0.03


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        (
            [
                ["domestic_cost_usd_per_kg", "benchmark_cost_usd_per_kg", 0.9],
                ["domestic_cost_usd_per_kg", "consumption_t_per_yr", 0.9],
                ["benchmark_cost_usd_per_kg", "consumption_t_per_yr", -0.9],
            ],
            r"correlations.pairs: the correlation matrix is not positive semi-definite "
            r"\(smallest eigenvalue -0\.\d+\)",
        ),
        ([["domestic_cost_usd_per_kg", "nope", 0.5]], r"pairs\[0\]: unknown assumption 'nope'"),
        ([["domestic_cost_usd_per_kg", "benchmark_cost_usd_per_kg", 1.5]], r"\[-1, 1\]"),
        ([["domestic_cost_usd_per_kg", "domestic_cost_usd_per_kg", 0.5]], "with itself"),
        ([["domestic_cost_usd_per_kg", "fx_rub_per_usd"]], r"expected \[key, key, r\]"),
    ],
)
def test_bad_correlations(pairs: list[Any], message: str) -> None:
    data = copy.deepcopy(NATIONAL)
    data["correlations"] = {"pairs": pairs}
    with pytest.raises(InputError, match=message):
        parse_scenario(data, "x.toml")


def test_correlated_input_needs_a_distribution() -> None:
    data = _data(NATIONAL, domestic_cost_usd_per_kg={"kind": "uniform", "low": 15, "high": 25})
    data["correlations"] = {"pairs": [["domestic_cost_usd_per_kg", "discount_rate", 0.3]]}
    with pytest.raises(InputError, match="'discount_rate' has no distribution"):
        parse_scenario(data, "x.toml")


# -- bad distributions in a file ---------------------------------------------------

BAD = [
    ('{ kind = "pert", low = 15, mode = 30, high = 25 }', "distribution.mode", "mode (30)"),
    ('{ kind = "beta", low = 1, high = 2 }', "distribution.kind", "expected one of triangular"),
    ('{ kind = "normal", mean = 20 }', "distribution", "missing sd"),
    ('{ kind = "normal", mean = 20, sd = -1 }', "distribution.sd", "must be above 0"),
    ('{ kind = "uniform", low = -5, high = 25 }', "distribution.low", "must be in (0, inf)"),
    ('{ kind = "uniform", low = 15, high = "x" }', "distribution.high", "expected a number"),
    (
        '{ kind = "discrete", values = [15, 20], probabilities = [0.5, 0.6] }',
        "distribution.probabilities",
        "must sum to 1",
    ),
    ('{ kind = "lognormal", mu = 3, sigma = 0 }', "distribution.sigma", "above 0"),
    ("3", "distribution", "expected a table"),
]


@pytest.mark.parametrize(("table", "where", "message"), BAD)
def test_bad_distribution_in_file(tmp_path: Path, table: str, where: str, message: str) -> None:
    text = (SEEDS / "national_ree_gap.toml").read_text(encoding="utf-8")
    text = text.replace(
        'unit = "USD/kg"\nlow = 15\nhigh = 25\n',
        f'unit = "USD/kg"\nlow = 15\nhigh = 25\ndistribution = {table}\n',
        1,
    )
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert info.value.file == str(path)
    assert info.value.where == f"assumptions.domestic_cost_usd_per_kg.{where}".rstrip(".")
    assert message in info.value.message


def test_distribution_outside_year_timeline_and_series() -> None:
    data = _data(PROJECT, first_production_year={"kind": "uniform", "low": 2020, "high": 2030})
    with pytest.raises(InputError, match=r"first_production_year.distribution.low: .*timeline"):
        parse_scenario(data, "x.toml")
    data = copy.deepcopy(NATIONAL)
    data["assumptions"]["consumption_t_per_yr"]["value"] = [2500] * 30
    data["assumptions"]["consumption_t_per_yr"].pop("low")
    data["assumptions"]["consumption_t_per_yr"]["distribution"] = {
        "kind": "uniform",
        "low": 1,
        "high": 2,
    }
    with pytest.raises(InputError, match="per-year series"):
        parse_scenario(data, "x.toml")


# -- reproducibility, chunks, results --------------------------------------------


def test_same_seed_same_result_and_chunks_agree() -> None:
    sc = load_scenario(SEEDS / "magnets_plant.toml")
    a = run_risk(sc, 5_000, seed=5)
    b = run_risk(sc, 5_000, seed=5, chunk=777)
    c = run_risk(sc, 5_000, seed=6)
    for key in a.values:
        assert np.array_equal(a.values[key], b.values[key], equal_nan=True), key
    assert a.stats == b.stats and a.drivers == b.drivers and a.probabilities == b.probabilities
    assert not np.array_equal(a.values["npv_usd"], c.values["npv_usd"])


def test_events_drivers_and_warning(tmp_path: Path) -> None:
    sc = load_scenario(SEEDS / "magnets_plant.toml")
    r = run_risk(sc, 4_000, seed=2, by_year=2040)
    npv, gap_year = r.values["npv_usd"], r.values["gap_close_year"]
    probs = {p.key: p for p in r.probabilities}
    assert probs["npv_positive"].p == np.mean(npv > 0)
    assert probs["gap_closed"].p == np.mean(gap_year <= 2040)
    assert probs["gap_closed"].label == "Gap closed by 2040"
    assert probs["budget_sufficient"].p == np.mean(np.isnan(r.values["budget_exhausted_year"]))
    rhos = [abs(d.rho) for d in r.drivers]
    assert rhos == sorted(rhos, reverse=True)
    top = r.drivers[0]
    assert top.rho == pytest.approx(spearman(r.inputs[top.key], npv))
    assert r.warnings and "illustrative assumptions" in r.warnings[0]
    frame = r.draws_frame()
    assert frame.shape == (4_000, len(r.inputs) + len(r.values))
    path = r.write_draws(tmp_path / "draws.csv")
    assert path.read_text().count("\n") == 4_001


def test_draw_refused_by_a_rule_names_the_draw() -> None:
    # Construction may now end after the timeline: the model's rule refuses it.
    data = _data(PROJECT, construction_yr={"kind": "uniform", "low": 1, "high": 40})
    data["timeline"]["horizon_yr"] = 25
    with pytest.raises(InputError, match=r"assumptions.construction_yr.distribution: draw \d+"):
        run_risk(parse_scenario(data, "x.toml"), 1_000, seed=1)


# -- Dask and the command line -----------------------------------------------------


@pytest.mark.slow
def test_dask_local_cluster_equals_local_run(monkeypatch: pytest.MonkeyPatch) -> None:
    if os.environ.get("CI") != "true":
        pytest.importorskip("dask.distributed", reason="pip install econ[dask]")
    from dask.distributed import LocalCluster

    sc = load_scenario(SEEDS / "magnets_plant.toml")
    local = run_risk(sc, 6_000, seed=9, chunk=1_000)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        monkeypatch.setenv("ECON_SCHEDULER", cluster.scheduler_address)
        remote = run_risk(sc, 6_000, seed=9, chunk=1_000)
    for key in local.values:
        assert np.array_equal(local.values[key], remote.values[key], equal_nan=True), key
    assert local.stats == remote.stats and local.drivers == remote.drivers


def test_cli_risk(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    code = main(
        [
            "risk",
            str(SEEDS / "magnets_plant.toml"),
            "-n",
            "2000",
            "--seed",
            "4",
            "--draws-csv",
            str(path),
            "-q",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "P50" in out and "NPV > 0" in out and "Drivers of net present value" in out
    assert path.is_file()
    assert main(["risk", str(SEEDS / "magnets_plant.toml"), "--metric", "nope"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown metric 'nope'" in err[0]


def test_memory_stays_flat_over_the_chunks() -> None:
    """Peak traced memory of 8 chunks of draws against one chunk: the arrays of
    a chunk are freed before the next (the evaluation's reference cycles are
    collected), so the peak does not grow with the draws."""
    import tracemalloc

    sc = load_scenario(SEEDS / "magnets_plant.toml")
    run_risk(sc, 256, seed=1, metrics=["npv_usd"], chunk=256)  # warm the caches
    peaks = []
    for draws in (1_024, 8 * 1_024):
        tracemalloc.start()
        run_risk(sc, draws, seed=1, metrics=["npv_usd"], chunk=1_024)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 1.5 * peaks[0], peaks
