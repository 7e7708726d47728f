"""The model core as a whole: solved metrics proven by plug-back (in numpy and
in LibreOffice), one meaning of n/a at the boundaries, one validation, a third
model rendered without renderer changes, full-precision round trips.

Expected values come from independent sources: the engine's own NPV at the
solved value (plug-back), LibreOffice's recalculation of the workbook, the
seed articles (via test_seed_figures), and hand-written rules.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pytest

import econ
from econ.excel import write_workbook
from econ.excel.reader import read_workbook
from econ.excel.recalc import recalculate_many
from econ.model.definition import NATIONAL, PROJECT
from econ.model.expr import Check, Flag, Max, Ref, SafeDiv, Sum, SumProduct
from econ.model.schema import (
    Chart,
    ChartSeries,
    Constant,
    InputSpec,
    LineItem,
    Model,
    Solve,
)
from econ.report.html import IndexRow, index_columns, render_index, render_summary
from econ.scenario import Assumption, Scenario, Source
from tests.conftest import SEEDS
from tests.test_excel import compare_to_engine, edit_workbook, sheet_values

ROOT = Path(__file__).resolve().parent.parent


def _seed(name: str) -> Scenario:
    return econ.load_scenario(SEEDS / f"{name}.toml")


#: The seeds' conventions when issue 9 measured its figures (before issue 11):
#: losses credited at once, no cap, no working capital, sustaining capex or basket.
ISSUE_9 = {
    "loss_credit_flag": 1.0,
    "loss_offset_cap_share": 1.0,
    "working_capital_share": 0.0,
    "sustaining_capex_share_per_yr": 0.0,
    **{f"product_{k}_share": 0.0 for k in (1, 2, 3)},
}


def _issue9(name: str) -> Scenario:
    """A project seed with the conventions of issue 9 (its figures are quoted)."""
    from econ.batch import vary

    return vary(_seed(name), ISSUE_9.items())


# ---------------------------------------------------------------------------
# A project model with a royalty, solved from the graph or by hand algebra
# ---------------------------------------------------------------------------

R = Ref


def _royalty_model(*, hand_closed_form: bool) -> Model:
    """PROJECT plus a royalty on revenue, wired the obvious way (an input, a
    line item, into taxable income and net cash flow). With
    ``hand_closed_form`` the levelized cost is the old hand-derived formula
    (after-tax cost over after-tax volume), which knows nothing of the royalty."""
    given = {i.key: i for i in PROJECT._given}
    royalty = LineItem(
        "extra_royalty_usd_per_yr",
        "Royalty",
        "USD/yr",
        R("royalty_rate") * R("revenue_usd_per_yr"),
        "Royalty on revenue.",
        section="Cash flow",
    )
    taxable = dataclasses.replace(
        given["taxable_income_usd_per_yr"],
        expr=given["taxable_income_usd_per_yr"].expr - R("extra_royalty_usd_per_yr"),
    )
    ncf = dataclasses.replace(
        given["net_cash_flow_usd_per_yr"],
        expr=given["net_cash_flow_usd_per_yr"].expr - R("extra_royalty_usd_per_yr"),
    )
    items = [i for i in PROJECT._given if i.key not in (taxable.key, ncf.key)]
    items += [royalty, taxable, ncf]
    solves = list(PROJECT.solves)
    if hand_closed_form:
        items += [
            LineItem(
                "after_tax_cost_usd_per_yr",
                "After-tax cost",
                "USD/yr",
                R("capex_spend_usd_per_yr")
                + (1 - R("tax_rate")) * R("opex_usd_per_yr")
                - R("tax_rate") * R("depreciation_usd_per_yr"),
                "Hand algebra of the old core.",
            ),
            LineItem(
                "after_tax_volume_kg_per_yr",
                "After-tax volume",
                "kg/yr",
                (1 - R("tax_rate")) * R("volume_kg_per_yr"),
                "Hand algebra of the old core.",
            ),
            LineItem(
                "pv_after_tax_cost_usd",
                "PV of after-tax cost",
                "USD",
                SumProduct(R("after_tax_cost_usd_per_yr"), R("discount_factor")),
                "Hand algebra of the old core.",
                "scalar",
            ),
            LineItem(
                "pv_after_tax_volume_kg",
                "PV of after-tax volume",
                "kg",
                SumProduct(R("after_tax_volume_kg_per_yr"), R("discount_factor")),
                "Hand algebra of the old core.",
                "scalar",
            ),
        ]
        solves[0] = dataclasses.replace(
            solves[0],
            closed_form=SafeDiv(R("pv_after_tax_cost_usd"), R("pv_after_tax_volume_kg")),
        )
    royalty_input = InputSpec(
        "royalty_rate", "Royalty rate", "1", "Share of revenue.", 0, 1, display="percent"
    )
    return dataclasses.replace(
        PROJECT,
        inputs=(*PROJECT.inputs, royalty_input),
        items=tuple(items),
        solves=tuple(solves),
    )


def _with_model(sc: Scenario, model: Model, **extra: float) -> Scenario:
    assumptions = dict(sc.assumptions)
    for key, value in extra.items():
        assumptions[key] = Assumption(key, value, "1", Source(reason="test"))
    return dataclasses.replace(sc, model=model, assumptions=MappingProxyType(assumptions))


def test_solved_metrics_are_derived_from_the_graph_and_plug_back() -> None:
    """Solikamsk: the levelized cost is 34.30 USD/kg (the issue's figure); the
    engine's plug-back NPV at each solved value is 0, and re-evaluating the
    whole model at the solved value (an independent route) gives NPV 0."""
    sc = _issue9("solikamsk_separation")
    r = econ.evaluate(sc)
    v = r.scalars()
    assert v["levelized_cost_usd_per_kg"] == pytest.approx(34.30, abs=0.005)
    for key, pb in (("levelized_cost_usd_per_kg", "lcop"), ("breakeven_subsidy_usd_per_kg", "bes")):
        assert v[f"check_plug_back_{key}"] == 1
        assert abs(v[f"{pb}_npv_usd"]) < 1e-6
    at_lcop = econ.evaluate(
        sc,
        {
            "benchmark_cost_usd_per_kg": v["levelized_cost_usd_per_kg"],
            "production_subsidy_usd_per_kg": 0.0,
        },
    )
    assert abs(at_lcop.metric("npv_usd")[0]) < 1e-6 * v["capex_usd"]


def test_a_royalty_is_carried_into_the_solved_metrics_automatically() -> None:
    model = _royalty_model(hand_closed_form=False)
    sc = _with_model(_issue9("solikamsk_separation"), model, royalty_rate=0.05)
    v = econ.evaluate(sc).scalars()
    base = econ.evaluate(_issue9("solikamsk_separation")).scalars()
    assert v["master_check"] == 1
    assert v["levelized_cost_usd_per_kg"] > base["levelized_cost_usd_per_kg"]
    # with a 5 % royalty on revenue, price x (1 - 5 %) must cover what the old price did
    assert v["levelized_cost_usd_per_kg"] * 0.95 == pytest.approx(
        base["levelized_cost_usd_per_kg"], rel=1e-9
    )


def test_hand_algebra_that_misses_the_royalty_fails_its_plug_back_check() -> None:
    model = _royalty_model(hand_closed_form=True)
    sc = _with_model(_issue9("solikamsk_separation"), model, royalty_rate=0.05)
    v = econ.evaluate(sc).scalars()
    assert v["check_plug_back_levelized_cost_usd_per_kg"] == 0
    assert v["master_check"] == 0
    assert v["lcop_npv_usd"] < -1e6  # NPV at the hand-derived "levelized cost"


@pytest.mark.libreoffice
def test_inconsistent_model_turns_the_master_check_red_in_libreoffice(
    tmp_path: Path,
) -> None:
    base = _issue9("solikamsk_separation")
    paths = []
    for hand in (True, False):
        sc = _with_model(base, _royalty_model(hand_closed_form=hand), royalty_rate=0.05)
        name = "hand" if hand else "graph"
        paths.append(write_workbook(sc, econ.evaluate(sc), tmp_path / f"{name}.xlsx"))
    out = recalculate_many(paths, tmp_path / "lo")
    hand, graph = (sheet_values(p) for p in out)
    assert hand["master_check"] == 0 and hand["check_plug_back_levelized_cost_usd_per_kg"] == 0
    assert graph["master_check"] == 1


# ---------------------------------------------------------------------------
# A target that is not affine: an engine-solved value, proven in the workbook
# ---------------------------------------------------------------------------


def _no_credit_model() -> Model:
    """PROJECT where a loss earns no tax credit (tax = rate x max(income, 0)):
    NPV is no longer affine in the price, so the engine solves it."""
    given = {i.key: i for i in PROJECT._given}
    tax = dataclasses.replace(
        given["tax_usd_per_yr"], expr=R("tax_rate") * Max(R("taxable_income_usd_per_yr"), 0)
    )
    items = tuple(tax if i.key == tax.key else i for i in PROJECT._given)
    return dataclasses.replace(PROJECT, items=items)


def test_a_non_affine_target_is_solved_by_the_engine_and_plugs_back() -> None:
    model = _no_credit_model()
    solved = {i.key: i.solved for i in model.items_with("metric")}
    assert solved["levelized_cost_usd_per_kg"] and solved["breakeven_subsidy_usd_per_kg"]
    sc = _with_model(_seed("magnets_plant"), model)
    r = econ.evaluate(sc, {"discount_rate": np.array([0.05, 0.1, 0.15])})
    lcop = r.metric("levelized_cost_usd_per_kg")
    assert np.all(np.isfinite(lcop))
    assert np.all(r.metric("check_plug_back_levelized_cost_usd_per_kg") == 1)
    # independent route: the full model re-evaluated at the solved price
    for i, rate in enumerate((0.05, 0.1, 0.15)):
        at = econ.evaluate(
            sc,
            {
                "discount_rate": rate,
                "benchmark_cost_usd_per_kg": lcop[i],
                "production_subsidy_usd_per_kg": 0.0,
            },
        )
        assert abs(at.metric("npv_usd")[0]) < 1e-6 * at.scalars()["capex_usd"]
    # losses earn no credit, so the price must be higher than with credits
    linear = econ.evaluate(_seed("magnets_plant"), {"discount_rate": [0.05, 0.1, 0.15]})
    assert np.all(lcop > linear.metric("levelized_cost_usd_per_kg"))


@pytest.mark.libreoffice
def test_engine_solved_value_is_held_and_its_plug_back_shows_an_edit(
    tmp_path: Path,
) -> None:
    sc = _with_model(_seed("magnets_plant"), _no_credit_model())
    src = write_workbook(sc, econ.evaluate(sc), tmp_path / "solved.xlsx")
    import openpyxl

    ws = openpyxl.load_workbook(src)["Results"]
    row = next(r for r in ws.iter_rows() if r[2].value == "levelized_cost_usd_per_kg")
    assert row[3].data_type == "n"  # the engine's value, not a formula
    assert "re-run econ build" in str(row[4].value)
    edit_workbook(src, tmp_path / "edited.xlsx", {"capex_usd": 300e6})
    fresh, edited = recalculate_many([src, tmp_path / "edited.xlsx"], tmp_path / "lo")
    assert sheet_values(fresh)["check_plug_back_levelized_cost_usd_per_kg"] == 1
    stale = sheet_values(edited)
    assert stale["check_plug_back_levelized_cost_usd_per_kg"] == 0
    assert stale["master_check"] == 0


# ---------------------------------------------------------------------------
# One meaning of n/a: boundary inputs in numpy and in LibreOffice
# ---------------------------------------------------------------------------


def _gap_closes_in_last_year(sc: Scenario) -> Scenario:
    """national_2030_target with the benchmark between the last two years'
    domestic costs, so learning closes the gap in the very last year."""
    cost = econ.evaluate(sc).row("unit_cost_usd_per_kg")
    bench = float(cost[-1] + (cost[-2] - cost[-1]) / 2)
    a = dataclasses.replace(sc.assumptions["benchmark_cost_usd_per_kg"], low=None, high=None)
    widened = dataclasses.replace(sc, assumptions=MappingProxyType({**sc.assumptions, a.key: a}))
    return widened.with_values(benchmark_cost_usd_per_kg=bench)


def _boundary_scenarios() -> dict[str, Scenario]:
    def free(sc: Scenario, key: str) -> Scenario:
        a = dataclasses.replace(sc.assumptions[key], low=None, high=None)
        return dataclasses.replace(sc, assumptions=MappingProxyType({**sc.assumptions, key: a}))

    project, national = _seed("solikamsk_separation"), _seed("national_ree_gap")
    target = _seed("national_2030_target")
    return {
        "zero_capacity": free(project, "capacity_t_per_yr").with_values(capacity_t_per_yr=0.0),
        "zero_consumption": free(national, "consumption_t_per_yr").with_values(
            consumption_t_per_yr=0.0
        ),
        "zero_learning": free(project, "learning_rate").with_values(learning_rate=0.0),
        "no_gap": free(national, "benchmark_cost_usd_per_kg").with_values(
            benchmark_cost_usd_per_kg=25.0
        ),
        "closes_last_year": _gap_closes_in_last_year(target),
    }


def test_boundary_inputs_give_n_a_not_a_failed_check() -> None:
    cases = _boundary_scenarios()
    for name, sc in cases.items():
        v = econ.evaluate(sc).scalars()
        assert v["master_check"] == 1, name
    zero = econ.evaluate(cases["zero_capacity"]).scalars()
    assert math.isnan(zero["levelized_cost_usd_per_kg"])  # no volume: no price solves it
    assert math.isnan(zero["project_irr"])  # all outflows: no IRR
    assert econ.evaluate(cases["no_gap"]).scalars()["ref_subsidy_usd_per_yr"] == 0
    assert math.isnan(econ.evaluate(cases["no_gap"]).scalars()["budget_coverage_yr"])
    last = cases["closes_last_year"]
    assert econ.evaluate(last).scalars()["gap_close_year"] == last.years[-1]


@pytest.mark.libreoffice
def test_boundary_inputs_recalculate_alike_in_libreoffice(tmp_path: Path) -> None:
    cases = _boundary_scenarios()
    paths = {
        n: write_workbook(sc, econ.evaluate(sc), tmp_path / f"{n}.xlsx") for n, sc in cases.items()
    }
    outs = recalculate_many(list(paths.values()), tmp_path / "lo")
    for (name, sc), out in zip(cases.items(), outs, strict=True):
        errors = compare_to_engine(out, econ.evaluate(sc))
        assert not errors, (name, errors[:5])
        assert sheet_values(out)["master_check"] == 1, name


# ---------------------------------------------------------------------------
# One validation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"first_production_year": 2030.5}, r"must be a year in the timeline"),
        ({"construction_yr": 1.5}, r"must be a whole number in \[1, inf\) yr \(got 1.5\)"),
        ({"depreciation_yr": 7.5}, r"must be a whole number"),
        (
            {"first_production_year": 2026, "construction_start_year": 2028},
            r"production cannot start before construction",
        ),
    ],
)
def test_overrides_meet_the_same_validation_as_files(
    overrides: dict[str, float], message: str
) -> None:
    sc = _seed("solikamsk_separation")
    with pytest.raises(econ.InputError, match=message):
        econ.evaluate(sc, overrides)
    with pytest.raises(econ.InputError, match=message):
        sc.with_values(**overrides)


def test_a_file_breaking_a_rule_names_the_key(tmp_path: Path) -> None:
    text = (SEEDS / "solikamsk_separation.toml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    start = text.index("[assumptions.construction_start_year]")
    body = text[start:].replace("value = 2025", "value = 2029", 1)  # after 2027
    bad.write_text(text[:start] + body, encoding="utf-8")
    with pytest.raises(econ.InputError) as info:
        econ.load_scenario(bad)
    assert "assumptions.first_production_year" in str(info.value)


def test_a_depreciation_past_the_horizon_is_a_stated_warning() -> None:
    sc = _seed("solikamsk_separation")
    last = sc.years[-1]
    life = last - int(sc.value("first_production_year")) + 3  # type: ignore[arg-type]
    a = dataclasses.replace(sc.assumptions["depreciation_yr"], low=None, high=None)
    widened = dataclasses.replace(sc, assumptions=MappingProxyType({**sc.assumptions, a.key: a}))
    from econ.model.validate import input_problems

    values = {k: np.asarray(x.value, float) for k, x in widened.assumptions.items()}
    values["depreciation_yr"] = np.asarray(float(life))
    problems = input_problems(widened.model, values, sc.start_year, sc.horizon_yr)
    assert [p.severity for p in problems] == ["warning"]
    assert "written off" in problems[0].message and str(last) in problems[0].message


def test_software_settings_are_constants_not_assumptions() -> None:
    for model in (NATIONAL, PROJECT):
        assert "check_tolerance" not in model.input_keys
        assert model["check_tolerance"].value == 1e-9  # type: ignore[union-attr]


def test_every_line_item_is_documented() -> None:
    for model in (NATIONAL, PROJECT):
        for item in model.items:
            assert len(item.doc) > 10, item.key


# ---------------------------------------------------------------------------
# A third model renders through metadata alone
# ---------------------------------------------------------------------------


def _toy_model() -> Model:
    inputs = (
        InputSpec("price_usd_per_kg", "Price", "USD/kg", "Price per kg.", minimum=0),
        InputSpec("output_kg_per_yr", "Output", "kg/yr", "Output a year.", minimum=0),
        InputSpec(
            "margin_share",
            "Margin",
            "1",
            "Share of revenue kept.",
            minimum=0,
            maximum=1,
            default=0.2,
            default_reason="a typical margin for the toy",
            display="percent",
        ),
    )
    constants = (Constant("check_tolerance", "Tolerance", "1", 1e-9, "Software setting."),)
    items = (
        LineItem(
            "revenue_usd_per_yr",
            "Revenue",
            "USD/yr",
            R("price_usd_per_kg") * R("output_kg_per_yr"),
            "Price times output.",
            section="Toy",
        ),
        LineItem(
            "kept_usd_per_yr",
            "Kept",
            "USD/yr",
            R("margin_share") * R("revenue_usd_per_yr"),
            "The margin of revenue.",
            section="Toy",
        ),
        LineItem(
            "total_kept_usd",
            "Total kept",
            "USD",
            Sum(R("kept_usd_per_yr")),
            "Kept over the timeline.",
            "scalar",
            "metric",
            headline=True,
            index=True,
        ),
        LineItem(
            "positive_flag",
            "Positive",
            "1",
            Flag(R("kept_usd_per_yr") > 0),
            "1 when something is kept.",
            display="flag",
        ),
        LineItem(
            "check_total",
            "Total = sum of rows",
            "1",
            Check(Sum(R("revenue_usd_per_yr")) * R("margin_share"), R("total_kept_usd")),
            "Margin of the total equals the total of the margins.",
            "scalar",
            "check",
            display="flag",
        ),
    )
    chart = Chart(
        "chart-toy",
        "Toy revenue",
        "USD/yr",
        (ChartSeries("revenue_usd_per_yr", "Revenue", "bar"), ChartSeries("price_usd_per_kg", "P")),
    )
    return Model("toy", "A toy model", inputs, constants, items, charts=(chart,))


def test_a_third_model_renders_a_workbook_a_summary_and_an_index_row(tmp_path: Path) -> None:
    from econ.scenario import parse_scenario

    model = _toy_model()
    econ.MODELS["toy"] = model
    try:
        sc = parse_scenario(
            {
                "name": "toy",
                "title": "Toy",
                "model": "toy",
                "timeline": {"start_year": 2025, "horizon_yr": 4},
                "assumptions": {
                    "price_usd_per_kg": {
                        "value": 2.0,
                        "unit": "USD/kg",
                        "source": {"assumption": "toy"},
                    },
                    "output_kg_per_yr": {
                        "value": 1000.0,
                        "unit": "kg/yr",
                        "source": {"assumption": "toy"},
                    },
                },
            }
        )
    finally:
        del econ.MODELS["toy"]
    assert sc.assumptions["margin_share"].default  # documented default used
    r = econ.evaluate(sc)
    assert r.scalars()["total_kept_usd"] == pytest.approx(2.0 * 1000 * 0.2 * 4)
    path = write_workbook(sc, r, tmp_path / "toy.xlsx")
    values = sheet_values(path)
    assert values["total_kept_usd"] == pytest.approx(1600.0)
    assert values["master_check"] == 1
    html = render_summary(sc, r)
    assert 'id="metric-total_kept_usd"' in html and "chart-toy" in html
    row = IndexRow("toy", "Toy", "toy", metrics={"total_kept_usd": 1600.0}, html="toy.html")
    index = render_index([row], columns=index_columns([model]))
    # 1,600 USD in the index's policy: scaled to k in the header, 3 significant digits
    assert 'data-key="total_kept_usd"' in index and ">1.60<" in index and "[k USD]" in index


# ---------------------------------------------------------------------------
# Full precision
# ---------------------------------------------------------------------------


def test_an_unedited_workbook_reads_back_unedited_even_at_17_digits(tmp_path: Path) -> None:
    from econ.build import describe_changes

    sc = _seed("solikamsk_separation")
    value = 0.1 + 0.2  # 0.30000000000000004 needs 17 significant digits
    assert f"{value:.16G}" != repr(value)
    sc = sc.with_values(tax_rate=value)
    path = write_workbook(sc, econ.evaluate(sc), tmp_path / "p.xlsx")
    back = read_workbook(path)
    assert back.scenario == back.original
    r = econ.evaluate(sc)
    assert describe_changes(back.original, back.scenario, r, r) == [
        "  no assumption or timeline cell was edited"
    ]


def test_graph_build_and_unit_check_is_fast() -> None:
    """Construction must stay well within the 50 ms budget (benchmarks/
    bench_engine.py prints the figure); here only a generous sanity bound."""
    import time

    start = time.perf_counter()
    for _ in range(5):
        dataclasses.replace(PROJECT)  # re-runs __post_init__: graph, solves, units
    assert (time.perf_counter() - start) / 5 < 0.5


def test_evaluation_in_blocks_equals_one_pass() -> None:
    """Large runs are split into blocks of scenarios; the split changes nothing."""
    from econ.engine import scenario_arrays
    from econ.model.evaluate import evaluate_model

    sc = _seed("magnets_plant")
    arrays = dict(scenario_arrays([sc]))
    arrays["discount_rate"] = np.linspace(0.02, 0.2, 23)
    arrays["learning_rate"] = np.linspace(0.0, 0.2, 23)
    whole = evaluate_model(sc.model, arrays, sc.start_year, sc.horizon_yr)
    blocks = evaluate_model(sc.model, arrays, sc.start_year, sc.horizon_yr, chunk=5)
    assert whole.keys() == blocks.keys()
    for key in whole:
        np.testing.assert_array_equal(
            np.broadcast_to(whole[key], blocks[key].shape), blocks[key], err_msg=key
        )


# ---------------------------------------------------------------------------
# Regressions found in review
# ---------------------------------------------------------------------------


def _with_text(tmp_path: Path, seed: str, old: str, new: str) -> Path:
    text = (SEEDS / f"{seed}.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / f"{seed}.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_solve_variable_given_in_rubles_is_solved_alike(tmp_path: Path) -> None:
    """Benchmark price per year in RUB/kg: it becomes a conversion row and the
    solves replace that row; the levelized cost (a constant USD price) and
    every check are unchanged from the USD seed."""
    usd = econ.evaluate(_seed("solikamsk_separation")).scalars()
    years = _seed("solikamsk_separation").horizon_yr
    rub = ", ".join(["927.475"] * years)  # 11.5 USD/kg at 80.65 RUB/USD
    path = _with_text(
        tmp_path,
        "solikamsk_separation",
        'value = 11.5\nunit = "USD/kg"\nlow = 9\nhigh = 14',
        f'value = [{rub}]\nunit = "RUB/kg"',
    )
    sc = econ.load_scenario(path)
    assert "benchmark_cost_rub_per_kg" in sc.model.input_keys
    v = econ.evaluate(sc).scalars()
    assert v["master_check"] == 1
    assert v["levelized_cost_usd_per_kg"] == pytest.approx(usd["levelized_cost_usd_per_kg"])
    assert v["npv_usd"] == pytest.approx(usd["npv_usd"], rel=1e-9)


def test_a_per_year_value_where_none_is_allowed_is_refused_everywhere() -> None:
    sc = _seed("solikamsk_separation")
    with pytest.raises(econ.InputError, match="expected one number"):
        sc.with_values(discount_rate=(0.1,) * sc.horizon_yr)
    with pytest.raises(econ.InputError, match="expected one number"):
        econ.evaluate(sc, {"discount_rate": np.full((1, sc.horizon_yr), 0.1)})
    with pytest.raises(econ.InputError, match=f"or {sc.horizon_yr} \\(one per timeline year\\)"):
        sc.with_values(benchmark_cost_usd_per_kg=(11.0,) * 5)


def test_with_values_states_the_warnings_of_the_new_values() -> None:
    sc = _seed("solikamsk_separation")
    a = dataclasses.replace(sc.assumptions["depreciation_yr"], low=None, high=None)
    sc = dataclasses.replace(sc, assumptions=MappingProxyType({**sc.assumptions, a.key: a}))
    long = sc.with_values(depreciation_yr=40.0)
    assert any("written off" in w for w in long.warnings)
    assert long.with_values(depreciation_yr=10.0).warnings == ()


@pytest.mark.parametrize("price_per_year", [False, True])
def test_solves_derive_for_minimal_models(price_per_year: bool) -> None:
    """A price times a scalar volume summed over the timeline: the folded and
    derivative rows stay named rows, so Sum keeps reading rows."""
    inputs = (
        InputSpec("price_usd_per_kg", "p", "USD/kg", "d", per_year=price_per_year),
        InputSpec("vol_kg_per_yr", "v", "kg/yr", "d"),
        InputSpec("capex_usd", "c", "USD", "d"),
    )
    items = (
        LineItem("rev_usd_per_yr", "r", "USD/yr", R("price_usd_per_kg") * R("vol_kg_per_yr"), "d"),
        LineItem("npv_usd", "n", "USD", Sum(R("rev_usd_per_yr")) - R("capex_usd"), "d", "scalar"),
    )
    solve = Solve(
        "s_usd_per_kg",
        "S",
        "USD/kg",
        "d",
        "npv_usd",
        "price_usd_per_kg",
        R("price_usd_per_kg"),
        R("capex_usd"),
        "s",
    )
    consts = (Constant("check_tolerance", "t", "1", 1e-9, "d"),)
    model = Model("m", "m", inputs, consts, items, solves=(solve,))
    from econ.model.evaluate import evaluate_model

    v = evaluate_model(
        model, {"price_usd_per_kg": 2.0, "vol_kg_per_yr": 10.0, "capex_usd": 300.0}, 2025, 5
    )
    assert float(v["s_usd_per_kg"][0, 0]) == pytest.approx(300.0 / (10.0 * 5))  # by hand
    assert float(v["master_check"][0, 0]) == 1


@pytest.mark.libreoffice
def test_irr_of_flows_with_idle_years_recalculates_in_libreoffice(
    tmp_path: Path,
) -> None:
    """Late construction and negative IRRs defeat the spreadsheet's Newton from 0
    (the review found 18 of 24 such cases #N/A); the workbook starts IRR from the
    engine's root and then from fixed guesses."""
    base = _issue9("solikamsk_separation")
    free = {k: dataclasses.replace(a, low=None, high=None) for k, a in base.assumptions.items()}
    base = dataclasses.replace(base, assumptions=MappingProxyType(free))
    cases = {  # engine IRRs -31 %, -70 %, -13 %, -6 %, -15 %
        "a": dict(construction_start_year=2041, construction_yr=1, first_production_year=2041),
        "b": dict(construction_start_year=2044, construction_yr=3, first_production_year=2044),
        "c": dict(
            construction_start_year=2044,
            construction_yr=3,
            first_production_year=2044,
            production_subsidy_usd_per_kg=25,
        ),
        "d": dict(construction_start_year=2029, construction_yr=3, first_production_year=2031),
        "e": dict(construction_start_year=2039, construction_yr=2, first_production_year=2049),
    }
    paths, engine = [], {}
    for name, values in cases.items():
        values = {"production_subsidy_usd_per_kg": 10, **values}
        sc = base.with_values(depreciation_yr=1.0, **{k: float(x) for k, x in values.items()})
        sc = dataclasses.replace(sc, name=name)
        r = econ.evaluate(sc)
        engine[name] = r.scalars()["project_irr"]
        assert -1 < engine[name] < 0, name
        paths.append(write_workbook(sc, r, tmp_path / f"{name}.xlsx"))
    for path, out in zip(paths, recalculate_many(paths, tmp_path / "lo"), strict=True):
        got = sheet_values(out)["project_irr"]
        assert got == pytest.approx(engine[path.stem], abs=1e-9), path.stem


def test_a_model_without_checks_renders(tmp_path: Path) -> None:
    model = _toy_model()
    model = dataclasses.replace(model, items=tuple(i for i in model._given if i.role != "check"))
    assert model.master_check_key is None
    values = {"price_usd_per_kg": 2.0, "output_kg_per_yr": 5.0, "margin_share": 0.5}
    assumptions = {
        k: Assumption(k, v, model.input(k).unit, Source(reason="toy")) for k, v in values.items()
    }
    sc = Scenario("toy", "Toy", "", model, 2025, 3, MappingProxyType(assumptions))
    r = econ.evaluate(sc)
    write_workbook(sc, r, tmp_path / "toy.xlsx")
    from econ.cli import format_metrics

    assert "Checks" not in format_metrics(sc, r)
    assert "FAILED" not in render_summary(sc, r)


@pytest.mark.libreoffice
def test_editing_the_exchange_rate_in_the_workbook_reconverts_rubles(tmp_path: Path) -> None:
    """Polar Lithium's capex is 120 bn RUB; its USD value is a Model line item,
    so a new rate typed on the Assumptions sheet moves capex and NPV when
    LibreOffice recalculates, to the engine's values for the edited scenario."""
    sc = _seed("polar_lithium")
    src = write_workbook(sc, econ.evaluate(sc), tmp_path / "polar.xlsx")
    edit_workbook(src, tmp_path / "fx100.xlsx", {"fx_rub_per_usd": 100.0})
    (out,) = recalculate_many([tmp_path / "fx100.xlsx"], tmp_path / "lo")
    got = sheet_values(out)
    expected = econ.evaluate(sc.with_values(fx_rub_per_usd=100.0)).scalars()
    assert got["capex_usd"] == pytest.approx(120e9 / 100.0)
    assert got["npv_usd"] == pytest.approx(expected["npv_usd"], rel=1e-9)
    assert got["npv_usd"] != pytest.approx(econ.evaluate(sc).scalars()["npv_usd"], rel=1e-3)


def test_an_evaluation_holds_no_arrays_after_it_returns() -> None:
    """The numpy backend's recursive evaluator leaves no reference cycle behind:
    the arrays an evaluation read are freed when their owner drops them, not at
    the cyclic collector's next full pass (which, with a large model alive,
    let Monte Carlo chunks pile up to 6.4 GB at 100,000 draws)."""
    import gc
    import weakref

    from econ.model.expr import CumSum, Max, Ref
    from econ.model.numpy_backend import evaluate

    gc.disable()
    try:
        env = {"a": np.ones((4, 3)), "b": np.full((4, 1), 2.0)}
        watched = weakref.ref(env["a"])
        out = evaluate(Max(CumSum(Ref("a")) - Ref("b"), 0), env, 3)
        assert out.shape == (4, 3)
        del env
        assert watched() is None
    finally:
        gc.enable()
