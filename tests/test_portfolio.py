"""Portfolio files, ``econ portfolio`` and its outputs.

Expected values: the seed projects' own evaluations (``econ.evaluate``) and
plain sums of them written out here; the workbook's live formulas against
four spreadsheet engines; bad files against the messages the guide asks for.
"""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

import numpy as np
import openpyxl
import pytest

import econ
from econ.analysis.portfolio import (
    PortfolioResult,
    is_portfolio_file,
    load_portfolio,
    run_portfolio,
)
from econ.cli import main
from econ.excel.engines import ENGINES, agree, read_cells, recalculate
from econ.report.portfolio import write_portfolio_outputs
from tests.conftest import SEEDS

SEED = SEEDS / "portfolios" / "portfolio_60bn.toml"
ENGINE_PARAMS = [pytest.param(e, marks=getattr(pytest.mark, e)) for e in ENGINES]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.toml"
    body = text.replace("SEEDS", str(SEEDS).replace("\\", "/"))
    path.write_text(body, encoding="utf-8")
    return path


BASE = """kind = "portfolio"
name = "t"
objective = "OBJ"
first_year = 2025
[[projects]]
file = "SEEDS/magnets_plant.toml"
[[projects]]
file = "SEEDS/solikamsk_separation.toml"
[[projects]]
file = "SEEDS/polar_lithium.toml"
[budget]
value = BUDGET
unit = "bn RUB"
basis = "pv"
source = { assumption = "test" }
[fx_rub_per_usd]
value = 80
unit = "RUB/USD"
source = { assumption = "test" }
[state_discount_rate]
value = 8
unit = "%"
source = { assumption = "test" }
[target]
value = 2000
unit = "t/yr"
year = 2030
source = { assumption = "test" }
"""


def _portfolio(
    tmp_path: Path,
    objective: str = "capacity",
    budget: float = 60,
    instruments: list[str] | None = None,
    extra: str = "",
) -> Path:
    text = BASE.replace("OBJ", objective).replace("BUDGET", repr(float(budget))) + extra
    if instruments is not None:
        text = text.replace(
            '.toml"\n', f'.toml"\ninstruments = {instruments!r}\n'.replace("'", '"')
        )
    return _write(tmp_path, text)


def _brute(result: PortfolioResult) -> tuple[bool, float, float, list[set[int]]]:
    """The lexicographic optimum by enumerating every assignment (each project
    one of its options or none), the constraints written out again here:
    (feasible, primary objective, least fiscal cost PV at it, every optimal
    choice: options of equal cost, a per-kg subsidy and a CfD, tie)."""
    pf, o = result.portfolio, result.options
    groups = [np.flatnonzero(o.project == p).tolist() for p in sorted(set(o.project.tolist()))]
    share = pf.import_share
    found: list[tuple[float, float, set[int]]] = []
    for pick in itertools.product(*[[None, *g] for g in groups]):
        chosen = [i for i in pick if i is not None]
        if sum(result.spend[i] for i in chosen) > result.budget_usd * (1 + 1e-12):
            continue
        by_year = [sum(o.cost_usd_per_yr[i, y] for i in chosen) for y in range(len(o.years))]
        if any(
            c > e * (1 + 1e-12) for c, e in zip(by_year, result.envelope_usd_per_yr, strict=True)
        ):
            continue
        if share is not None:
            needed = (share.now.value - share.target.value) / 100 * share.consumption.value
            col = o.years.index(share.year)
            replacing = sum(
                pf.replacing_share(int(o.project[i])) * o.volume_t_per_yr[i, col] for i in chosen
            )
            if replacing < needed - 1e-9:
                continue
        if pf.objective == "cost" and pf.target is not None:
            col = o.years.index(pf.target_year or 0)
            if sum(o.volume_t_per_yr[i, col] for i in chosen) < pf.target.value - 1e-9:
                continue
        cost = sum(o.cost_pv_usd[i] for i in chosen)
        primary = {
            "capacity": sum(o.capacity_t_per_yr[i] for i in chosen),
            "projects": float(len(chosen)),
            "cost": -cost,
        }[pf.objective]
        found.append((primary, cost, set(chosen)))
    if not found:
        return False, math.nan, math.nan, []
    top = max(f[0] for f in found)
    at_top = [f for f in found if f[0] >= top - 1e-9 * max(1.0, abs(top))]
    least = min(f[1] for f in at_top)
    best = [f[2] for f in at_top if f[1] <= least + 1e-9 * max(1.0, abs(least))]
    return True, top, least, best


def test_seed_portfolio_supports_what_the_projects_own_figures_allow() -> None:
    result = run_portfolio(load_portfolio(SEED))
    pf = result.portfolio
    assert pf.budget.canonical == pytest.approx(60e9 / 80.65)  # MiningNews.net, 2025-09-03
    assert pf.target is not None and pf.target.canonical == 50_000 and pf.target_year == 2030
    o = result.options
    # every allowed instrument of every project within its terms: all but the tariff
    assert "tariff" not in o.instrument
    assert len(set(o.instrument)) > 1
    assert o.within_terms.all() and np.isfinite(o.cost_pv_usd).all()
    out_of_terms = ~result.priced.within_terms & np.isfinite(result.priced.size)
    assert out_of_terms.any()  # the capex grants above 100 % of the capex
    # the optimum over every assignment of options, by hand, with the import share
    feasible, capacity, cost, optimal = _brute(result)
    assert feasible and result.solution.feasible
    assert set(np.flatnonzero(result.solution.chosen).tolist()) in optimal
    assert result.solution.capacity == pytest.approx(capacity)
    assert result.solution.cost_pv == pytest.approx(cost)
    # at most one instrument per project
    picked = o.project[result.solution.chosen]
    assert len(picked) == len(set(picked.tolist()))


def test_import_share_target_constrains_and_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """CNBC (2025): imports "from about 75 % now to 45 % by 2030" of rare-earth
    inputs; trade news: about 2,500 t/yr consumed. Output replacing imports
    must reach (0.75 - 0.45) * 2,500 t/yr in 2030."""
    pf = load_portfolio(SEED)
    assert pf.import_share is not None
    assert pf.import_share.needed_t_per_yr == pytest.approx((0.75 - 0.45) * 2_500)
    assert pf.import_share.target.source.cited and pf.import_share.now.source.cited
    assert pf.import_share.consumption.source.cited
    # with a budget that buys only the dearest-capacity rare-earth project, the
    # constraint changes the choice: without it, the capacity objective would
    # take the non-rare-earth options
    share = """
[import_share]
value = 45
unit = "%"
year = 2030
source = { assumption = "test" }
[import_share_now]
value = 75
unit = "%"
source = { assumption = "test" }
[import_consumption]
value = 2500
unit = "t/yr"
source = { assumption = "test" }
"""

    def with_import_share(budget: float) -> Path:
        path = _portfolio(tmp_path, budget=budget, extra=share)
        solikamsk = 'file = "' + str(SEEDS) + '/solikamsk_separation.toml"\n'
        path.write_text(
            path.read_text().replace(
                solikamsk,
                solikamsk
                + 'replaces_imports = { value = 1, unit = "1", source = { assumption = "t" } }\n',
            )
        )
        return path

    path = with_import_share(1000)
    with_share = run_portfolio(load_portfolio(path))
    feasible, _, _, optimal = _brute(with_share)
    assert with_share.solution.feasible == feasible
    assert set(np.flatnonzero(with_share.solution.chosen).tolist()) in optimal
    solikamsk = with_share.portfolio.projects.index(
        next(p for p in with_share.portfolio.projects if p.name == "solikamsk_separation")
    )
    assert solikamsk in with_share.options.project[with_share.solution.chosen]
    year = with_share.options.years.index(2030)
    i = int(
        np.flatnonzero(with_share.solution.chosen & (with_share.options.project == solikamsk))[0]
    )
    replacing = with_share.options.volume_t_per_yr[i, year]
    assert with_share.replacing_t_per_yr == replacing
    expected_share = max(0.0, 0.75 - replacing / 2500)
    assert main(["portfolio", str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        f"Import share of the inputs in 2030: {expected_share:.0%} against the target of 45%" in out
    )
    # a budget too small for any rare-earth project: no choice meets the target
    poor = run_portfolio(load_portfolio(with_import_share(0.001)))
    assert not poor.solution.feasible and not _brute(poor)[0]
    assert main(["portfolio", str(path)]) == 0
    assert "No choice reaches the import share of 45% in 2030" in capsys.readouterr().out


def test_cost_objective_reaches_the_target_at_least_cost_or_says_it_cannot(
    tmp_path: Path,
) -> None:
    result = run_portfolio(load_portfolio(_portfolio(tmp_path, "cost", budget=1000)))
    sol = result.solution
    assert sol.feasible
    assert result.target_volume >= 2000
    feasible, _, cost, optimal = _brute(result)
    assert feasible
    assert sol.cost_pv == pytest.approx(cost)
    assert set(np.flatnonzero(sol.chosen).tolist()) in optimal
    poor = run_portfolio(load_portfolio(_portfolio(tmp_path, "cost", budget=0.001)))
    assert not poor.solution.feasible
    assert main(["portfolio", str(tmp_path / "p.toml")]) == 0


def test_one_more_billion_is_a_re_solve_with_a_bigger_budget(tmp_path: Path) -> None:
    # a budget just short of the solikamsk option: one more billion buys it
    only = ["production_subsidy"]
    base = run_portfolio(load_portfolio(_portfolio(tmp_path, budget=60, instruments=only)))
    i = base.portfolio.projects.index(
        next(p for p in base.portfolio.projects if p.name == "solikamsk_separation")
    )
    need_rub = base.options.cost_pv_usd[i] * 80 / 1e9
    tight = run_portfolio(
        load_portfolio(_portfolio(tmp_path, budget=need_rub - 0.5, instruments=only))
    )
    assert not tight.solution.chosen[i]
    assert tight.more.chosen[i]
    assert tight.one_more_usd == pytest.approx(1e9 / 80)


@pytest.mark.parametrize(
    ("edit", "where", "says"),
    [
        (('objective = "capacity"', 'objective = "most"'), "objective", "expected one of"),
        (("magnets_plant.toml", "national_ree_gap.toml"), "projects[0].file", "project scenarios"),
        (('unit = "bn RUB"', 'unit = "bn kg"'), "budget.unit", "cannot be converted"),
        (("value = 8\n", "value = 180\n"), "state_discount_rate.value", "must be in [0, 1)"),
        (('basis = "pv"', 'basis = "real"'), "budget.basis", "expected 'pv' or 'nominal'"),
        (("[[projects]]\n", '[[projects]]\ninstruments = ["grant"]\n'), "instruments", "unknown"),
        (('source = { assumption = "test" }\n[fx', "[fx"), "budget.source", "needs a source"),
        (
            ('kind = "portfolio"', 'kind = "portfolio"\nshared_inputs = ["fx"]'),
            "shared_inputs",
            "not an input of the project model",
        ),
        (
            (
                "[budget]",
                '[import_share]\nvalue = 45\nunit = "%"\nyear = 2030\n'
                'source = { assumption = "t" }\n[budget]',
            ),
            "import_share_now",
            "missing",
        ),
        (
            (
                "[[projects]]\n",
                '[[projects]]\nreplaces_imports = { value = 2, unit = "1", '
                'source = { assumption = "t" } }\n',
            ),
            "projects[0].replaces_imports.value",
            "must be in [0, 1]",
        ),
    ],
)
def test_bad_portfolio_files_exit_2_naming_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: tuple[str, str], where: str, says: str
) -> None:
    path = _portfolio(tmp_path)
    path.write_text(path.read_text().replace(*edit, 1), encoding="utf-8")
    assert main(["portfolio", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and where in err and says in err, err
    assert "Traceback" not in err


def test_portfolio_outputs_html_with_cost_curve_and_workbook(tmp_path: Path) -> None:
    result = run_portfolio(load_portfolio(SEED))
    html, xlsx = write_portfolio_outputs(result, tmp_path).files
    text = html.read_text()
    assert text.count('class="series bar"') == 2 * len(result.options)  # wide and narrow
    assert 'id="cost-curve"' in text and 'class="benchmark"' in text
    supported = int(result.solution.chosen.sum())
    assert text.count('data-supported="1"') == supported
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["Portfolio", "Cost curve"]
    assert len(wb["Cost curve"]._charts) == 1
    cached = read_cells(xlsx)
    formulas = read_cells(xlsx, formulas=True)
    totals = [k for k, v in formulas.items() if isinstance(v, str) and "SUMPRODUCT" in v]
    assert totals
    capacity = [k for k in totals if k[1].startswith("F")]
    assert cached[capacity[0]] == pytest.approx(result.solution.capacity)


@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_portfolio_workbook_recalculates_to_its_cached_values(engine: str, tmp_path: Path) -> None:
    result = run_portfolio(load_portfolio(SEED))
    _, xlsx = write_portfolio_outputs(result, tmp_path).files
    values = recalculate(engine, [xlsx], timeout=300)[xlsx]
    formulas = read_cells(xlsx, formulas=True)
    cached = read_cells(xlsx)
    cells = [k for k, v in formulas.items() if isinstance(v, str) and v.startswith("=")]
    assert len(cells) > 20
    bad = [
        f"{k}: {formulas[k]} cached {cached.get(k)!r}, {engine} {values.get(k)!r}"
        for k in cells
        if not agree(cached.get(k), values.get(k), abs_=1e-5)
    ]
    assert not bad, bad[:5]


def test_run_builds_portfolios_and_batch_skips_them(tmp_path: Path) -> None:
    assert is_portfolio_file(SEED) and not is_portfolio_file(SEEDS / "magnets_plant.toml")
    from econ.batch import expand_paths

    folder = tmp_path / "mix"
    folder.mkdir()
    (folder / "a.toml").write_text((SEEDS / "magnets_plant.toml").read_text())
    (folder / "p.toml").write_text(
        SEED.read_text().replace('"../', f'"{SEEDS.as_posix()}/'), encoding="utf-8"
    )
    assert [p.name for p in expand_paths([folder])] == ["a.toml"]
    assert main(["run", str(folder), "-o", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "portfolio_60bn.html").exists()
    assert (tmp_path / "out" / "magnets_plant.xlsx").exists()
    assert math.isfinite(run_portfolio(load_portfolio(folder / "p.toml")).budget_usd)


def test_portfolio_monte_carlo_equals_a_plain_loop_over_the_draws(tmp_path: Path) -> None:
    """Each draw re-priced by the plain project model: the breakeven subsidy
    of the drawn inputs, plugged in, its state outlays less the extra tax,
    discounted year by year at the portfolio's rate."""
    from econ.analysis.portfolio import portfolio_risk

    only = ["production_subsidy"]
    result = run_portfolio(load_portfolio(_portfolio(tmp_path, budget=1000, instruments=only)))
    chosen = np.flatnonzero(result.solution.chosen)
    assert len(chosen) >= 2
    draws = 12
    risk = portfolio_risk(result, draws=draws, seed=5)
    again = portfolio_risk(result, draws=draws, seed=5)
    assert again.spend.tolist() == risk.spend.tolist()
    expected = [0.0] * draws
    for i in chosen:
        sc = result.portfolio.projects[int(result.options.project[i])]
        inputs = risk.inputs[sc.name]
        for j in range(draws):
            drawn = {k: v[j : j + 1] for k, v in inputs.items()}
            rate = float(econ.evaluate(sc, drawn).metric("breakeven_subsidy_usd_per_kg")[0])
            if rate <= 0:
                continue
            r = econ.evaluate(sc, {**drawn, "production_subsidy_usd_per_kg": np.array([rate])})
            outlay, gain = r.row("state_outlay_usd_per_yr"), r.row("tax_gain_usd_per_yr")
            for k, year in enumerate(sc.years):
                expected[j] += (outlay[k] - gain[k]) / 1.08 ** (year - 2025 + 1)
    assert risk.spend == pytest.approx(expected, rel=1e-7)
    assert risk.p_budget == np.mean(np.array(expected) <= result.budget_usd)
    assert main(["portfolio", str(tmp_path / "p.toml"), "-n", "50"]) == 0


def test_portfolio_monte_carlo_shares_the_exchange_rate_across_projects(tmp_path: Path) -> None:
    """The exchange rate is drawn once per draw for every project (correlation
    1 across projects, the same values where the projects' distributions agree);
    other inputs are drawn per project (independent); same seed, same draws."""
    from econ.analysis.montecarlo import spearman
    from econ.analysis.portfolio import portfolio_risk

    only = ["production_subsidy"]
    result = run_portfolio(load_portfolio(_portfolio(tmp_path, budget=1000, instruments=only)))
    risk = portfolio_risk(result, draws=2_000, seed=9)
    assert risk.shared == ("fx_rub_per_usd",)
    names = list(risk.inputs)
    assert len(names) >= 2
    fx = [risk.inputs[n]["fx_rub_per_usd"] for n in names]
    for other in fx[1:]:
        assert np.corrcoef(fx[0], other)[0, 1] == pytest.approx(1.0, abs=1e-12)
        assert spearman(fx[0], other) == pytest.approx(1.0)
    same = [n for n in names[1:] if np.array_equal(risk.inputs[n]["fx_rub_per_usd"], fx[0])]
    assert same  # the seeds' triangular(70, 80.65, 110): the same draws
    opex = [risk.inputs[n]["fixed_opex_usd_per_yr"] for n in names]
    assert abs(spearman(opex[0], opex[1])) < 0.1  # not shared: independent
    again = portfolio_risk(result, draws=2_000, seed=9)
    assert again.spend.tolist() == risk.spend.tolist()
    for n in names:
        for k, v in risk.inputs[n].items():
            assert np.array_equal(again.inputs[n][k], v)
    other_seed = portfolio_risk(result, draws=2_000, seed=10)
    assert not np.array_equal(other_seed.inputs[names[0]]["fx_rub_per_usd"], fx[0])
    # without sharing, each project draws its own rate
    path = _portfolio(tmp_path, budget=1000, instruments=only, extra="")
    path.write_text("shared_inputs = []\n" + path.read_text())
    apart = portfolio_risk(run_portfolio(load_portfolio(path)), draws=2_000, seed=9)
    assert apart.shared == ()
    fx_apart = [apart.inputs[n]["fx_rub_per_usd"] for n in names]
    assert abs(spearman(fx_apart[0], fx_apart[1])) < 0.1


def test_portfolio_prints_nothing_but_its_report(capfd: pytest.CaptureFixture[str]) -> None:
    """HiGHS writes to fd 1 on some instances whatever ``disp`` says: econ
    silences it at the descriptor, so ``econ portfolio`` prints its report only."""
    from econ.analysis.allocation import solve_allocation
    from econ.analysis.portfolio import format_portfolio

    # an instance on which HiGHS 1.x prints "HighsMipSolverData::..." lines
    rng = np.random.default_rng(1)
    projects, instruments, years = 200, 9, 30
    n = projects * instruments
    project = np.repeat(np.arange(projects), instruments)
    capacity = np.repeat(rng.uniform(200, 50_000, projects), instruments)
    start = np.repeat(rng.integers(1, 8, projects), instruments)
    rate = rng.uniform(1e3, 4e4, n) * capacity
    t = np.arange(years)
    by_year = rate[:, None] * (t[None, :] >= start[:, None]) * rng.uniform(0.6, 1.0, (n, 1))
    pv = by_year @ 1.08 ** -(t + 1.0)
    budget = 0.25 * float(pv.reshape(projects, instruments).min(axis=1).sum())
    envelope = np.full(years, 0.3 * float(by_year.max(axis=0).sum()) / instruments)
    capfd.readouterr()
    sol = solve_allocation(
        project, capacity, pv, pv, budget, cost_by_year=by_year, envelope=envelope
    )
    assert sol.feasible
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    print("still printed", flush=True)  # fd 1 restored afterwards
    assert capfd.readouterr().out == "still printed\n"

    assert main(["portfolio", str(SEED)]) == 0
    out, err = capfd.readouterr()
    expected = format_portfolio(run_portfolio(load_portfolio(SEED))).splitlines()
    got = out.splitlines()
    assert len(got) == len(expected) and err == ""
    timing = re.compile(r"solved in [0-9.]+ s")
    for a, b in zip(got, expected, strict=True):
        assert timing.sub("", a) == timing.sub("", b)
