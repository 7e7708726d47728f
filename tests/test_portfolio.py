"""Portfolio files, ``econ portfolio`` and its outputs.

Expected values: the seed projects' own evaluations (``econ.evaluate``) and
plain sums of them written out here; the workbook's live formulas against
four spreadsheet engines; bad files against the messages the guide asks for.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import openpyxl
import pytest

import econ
from econ.analysis.portfolio import is_portfolio_file, load_portfolio, run_portfolio
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


def _portfolio(tmp_path: Path, objective: str = "capacity", budget: float = 60) -> Path:
    text = BASE.replace("OBJ", objective).replace("BUDGET", repr(float(budget)))
    return _write(tmp_path, text)


def test_seed_portfolio_supports_what_the_projects_own_figures_allow() -> None:
    result = run_portfolio(load_portfolio(SEED))
    pf = result.portfolio
    assert pf.budget.canonical == pytest.approx(60e9 / 80.65)  # MiningNews.net, 2025-09-03
    assert pf.target is not None and pf.target.canonical == 50_000 and pf.target_year == 2030
    o = result.options
    # every option's PV, recomputed from the project's evaluation
    for i, sc in enumerate(pf.projects):
        r = econ.evaluate(sc)
        rate = max(float(r.metric("breakeven_subsidy_usd_per_kg")[0]), 0.0)
        pv = sum(
            rate * v * 1000 / 1.08 ** (y - 2025 + 1)
            for y, v in zip(sc.years, r.row("volume_t_per_yr"), strict=True)
        )
        assert o.cost_pv_usd[i] == pytest.approx(pv, rel=1e-12)
    # the capacity optimum over the 2^3 subsets, by hand
    best = max(
        (
            (o.capacity_t_per_yr[list(s)].sum(), -o.cost_pv_usd[list(s)].sum(), s)
            for s in [(), (0,), (1,), (2,), (0, 1), (0, 2), (1, 2), (0, 1, 2)]
            if o.cost_pv_usd[list(s)].sum() <= result.budget_usd
            and (o.cost_usd_per_yr[list(s)].sum(axis=0) <= result.envelope_usd_per_yr).all()
        ),
    )
    assert sorted(np.flatnonzero(result.solution.chosen).tolist()) == sorted(best[2])
    assert result.solution.capacity == best[0]


def test_cost_objective_reaches_the_target_at_least_cost_or_says_it_cannot(
    tmp_path: Path,
) -> None:
    result = run_portfolio(load_portfolio(_portfolio(tmp_path, "cost", budget=1000)))
    o, sol = result.options, result.solution
    assert sol.feasible
    assert result.target_volume >= 2000
    reaching = [
        o.cost_pv_usd[list(s)].sum()
        for s in [(0,), (1,), (2,), (0, 1), (0, 2), (1, 2), (0, 1, 2)]
        if o.volume_in(2030)[list(s)].sum() >= 2000
        and (o.cost_usd_per_yr[list(s)].sum(axis=0) <= result.envelope_usd_per_yr).all()
    ]
    assert sol.cost_pv == pytest.approx(min(reaching))
    poor = run_portfolio(load_portfolio(_portfolio(tmp_path, "cost", budget=0.001)))
    assert not poor.solution.feasible
    assert main(["portfolio", str(tmp_path / "p.toml")]) == 0


def test_one_more_billion_is_a_re_solve_with_a_bigger_budget(tmp_path: Path) -> None:
    # a budget just short of the solikamsk option: one more billion buys it
    base = run_portfolio(load_portfolio(_portfolio(tmp_path, budget=60)))
    i = base.portfolio.projects.index(
        next(p for p in base.portfolio.projects if p.name == "solikamsk_separation")
    )
    need_rub = base.options.cost_pv_usd[i] * 80 / 1e9
    tight = run_portfolio(load_portfolio(_portfolio(tmp_path, budget=need_rub - 0.5)))
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
    from econ.analysis.montecarlo import sample_inputs
    from econ.analysis.portfolio import portfolio_risk

    result = run_portfolio(load_portfolio(_portfolio(tmp_path, budget=1000)))
    chosen = np.flatnonzero(result.solution.chosen)
    assert len(chosen) >= 2
    risk = portfolio_risk(result, draws=40, seed=5)
    assert portfolio_risk(result, draws=40, seed=5).spend.tolist() == risk.spend.tolist()
    streams = np.random.SeedSequence(5).spawn(len(result.options.names))
    expected = [0.0] * 40
    for i in chosen:
        p = int(result.options.project[i])
        sc = result.portfolio.projects[p]
        inputs = sample_inputs(sc, 40, int(streams[p].generate_state(1)[0]))
        for j in range(40):
            r = econ.evaluate(sc, {k: v[j : j + 1] for k, v in inputs.items()})
            rate = max(float(r.metric("breakeven_subsidy_usd_per_kg")[0]), 0.0)
            for year, volume in zip(sc.years, r.row("volume_t_per_yr"), strict=True):
                expected[j] += rate * volume * 1000 / 1.08 ** (year - 2025 + 1)
    assert risk.spend == pytest.approx(expected, rel=1e-12)
    assert risk.p_budget == np.mean(np.array(expected) <= result.budget_usd)
    assert main(["portfolio", str(tmp_path / "p.toml"), "-n", "50"]) == 0
