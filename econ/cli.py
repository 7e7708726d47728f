"""The command line: a thin layer over :mod:`econ` (no calculation here).

Exit codes: 0 success, 1 when some scenarios of a batch failed, 2 bad input
(one message on stderr naming the file and key or cell, no traceback), 3 an
environment fault (disk full, permission, read-only folder, a file in the way
of a folder), 130 interrupted (Ctrl-C), 143 terminated (SIGTERM). ``--debug``
shows the traceback of any failure.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from econ import __version__
from econ.display import format_item, printable
from econ.engine import Results, evaluate
from econ.errors import InputError
from econ.scenario import Scenario, load_scenario

__all__ = ["format_metrics", "main"]

EXIT_OK, EXIT_FAILURES, EXIT_BAD_INPUT, EXIT_ENVIRONMENT = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that every ``finally`` runs
    (workers stopped, temporary files removed)."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated


def format_metrics(scenario: Scenario, results: Results) -> str:
    """The key metrics of one scenario as an aligned text table."""
    values = results.scalars()
    lines = [
        f"{printable(scenario.title)}  ({scenario.name}, {scenario.model.name} model, "
        f"{scenario.start_year}-{scenario.start_year + scenario.horizon_yr - 1})"
    ]
    from econ.analysis.instruments import cheapest_instrument, instrument_keys

    # Each instrument's own figures are `econ instruments`; the headline keeps
    # the cheapest budget instrument and the budget coverage it implies.
    own = instrument_keys(scenario.model)
    rows = [
        (i.label, format_item(values[i.key], i))
        for i in scenario.model.items_with("metric")
        if i.headline or i.key not in own
    ]
    cheapest = cheapest_instrument(values)
    if "cheapest_fiscal_cost_usd" in scenario.model:
        at = [label for label, _ in rows].index(
            scenario.model.item("cheapest_fiscal_cost_usd").label
        )
        rows.insert(at, ("Cheapest budget instrument", cheapest or "none within its terms"))
    master = scenario.model.master_check_key
    if master is not None:
        passed = values[master] == 1
        rows.append(("Checks", "all pass" if passed else "FAILED (see the Checks sheet)"))
    width = max(len(label) for label, _ in rows)
    lines += [f"  {label:<{width}}  {text}" for label, text in rows]
    cited = sum(a.source.cited for a in scenario.assumptions.values())
    defaults = sum(a.default for a in scenario.assumptions.values())
    lines.append(
        f"  {'Assumptions':<{width}}  {cited} cited, "
        f"{len(scenario.assumptions) - cited - defaults} illustrative, "
        f"{defaults} documented defaults"
    )
    lines += [f"  warning: {w}" for w in scenario.warnings]
    return "\n".join(lines)


def _cmd_show(args: argparse.Namespace) -> int:
    outputs = []
    from econ.analysis.instruments import with_comparison
    from econ.scenario import load_input

    for path in args.scenarios:
        scenario = with_comparison(load_input(Path(path)))
        outputs.append(format_metrics(scenario, evaluate(scenario)))
    print("\n\n".join(outputs))
    return EXIT_OK


def _cmd_build(args: argparse.Namespace) -> int:
    from econ.build import build, load_input

    output = None if args.output is None else Path(args.output)
    # Every file is read and checked before anything is written: a bad file
    # among several leaves no partial set of outputs.
    paths = [Path(p) for p in args.scenarios]
    loaded = {p: load_input(p) for p in paths}
    for path in paths:
        known = None if path.suffix.lower() in (".xlsx", ".xlsm") else loaded[path]
        for line in build(path, output, known):
            print(line)
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from econ.build import export_workbook

    for line in export_workbook(Path(args.workbook), Path(args.output)):
        print(line)
    return EXIT_OK


def _batch_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="output folder: index.html, summary.csv, summary.xlsx and one "
        "workbook and summary per scenario",
    )
    parser.add_argument(
        "-j",
        "--workers",
        type=_workers,
        default=None,
        metavar="N",
        help=f"local worker processes, 1 to {_max_workers()} (default: every core)",
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="time limit of one scenario; a scenario still running then is a failure row "
        "(default: 600)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="send the work to a Dask distributed scheduler (or set "
        "ECON_SCHEDULER); needs `pip install econ[dask]`",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")


def _max_workers() -> int:
    return 4 * (os.cpu_count() or 1)


def _workers(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if not 1 <= n <= _max_workers():
        raise argparse.ArgumentTypeError(
            f"must be in [1, {_max_workers()}] (4 per core on this machine) (got {n})"
        )
    return n


def _seconds(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, found {text!r}") from None
    if not 0 < x <= 7 * 24 * 3600:
        raise argparse.ArgumentTypeError(f"must be in (0, 604800] seconds (got {text})")
    return x


#: The most Monte Carlo draws the command line accepts (``risk``; the
#: portfolio's draws hold one row of yearly costs each, so a tenth of it).
MAX_DRAWS = 10_000_000


def _count(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number in ``[low, high]`` (or 0: none)."""

    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
        if not (n == 0 and low == 0) and not max(low, 2) <= n <= high:
            lo = "0 (none) or 2" if low == 0 else str(max(low, 2))
            raise argparse.ArgumentTypeError(
                f"must be {lo} to {high:,} draws (got {n}): draws are held in memory"
            )
        return n

    return parse


def _seed(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if not 0 <= n < 2**63:
        raise argparse.ArgumentTypeError(f"must be in [0, 2**63) (got {n})")
    return n


def _report(report: object) -> int:
    from econ.batch import BatchReport

    assert isinstance(report, BatchReport)
    done = len(report.rows) - len(report.failures)
    print(
        f"built {done} of {len(report.rows)} scenarios in {report.elapsed_s:.1f} s; "
        f"index: {report.index}"
    )
    for row in report.failures:
        print(f"  failed: {row.error}", file=sys.stderr)
    return report.exit_code


def _cmd_batch(args: argparse.Namespace) -> int:
    from econ.batch import run_batch

    return _report(
        run_batch(
            args.inputs,
            args.output,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=not args.quiet,
            timeout_s=args.timeout,
        )
    )


def _cmd_sweep(args: argparse.Namespace) -> int:
    """One vectorized evaluation of the grid: sweep.html and sweep.csv (and
    sweep.xlsx); with --files also a workbook and a summary per variant."""
    from econ.analysis.sweep import DEFAULT_MAX_POINTS, sweep
    from econ.batch import FILES_MAX_POINTS, run_sweep
    from econ.build import load_input
    from econ.report.sweep import crossing_text, write_sweep

    cap = args.max_points
    if cap is None:
        cap = FILES_MAX_POINTS if args.files else DEFAULT_MAX_POINTS
    scenario = load_input(Path(args.scenario))
    result = sweep(
        scenario, args.vary, args.set or (), metric=args.metric, target=args.target, max_points=cap
    )
    report = None
    if args.files:
        report = run_sweep(
            args.scenario,
            args.vary,
            args.output,
            sets=args.set or (),
            workers=args.workers,
            scheduler=args.scheduler,
            progress=not args.quiet,
            max_points=cap,
        )
    written = write_sweep(
        result, args.output, xlsx=args.xlsx, files_index="index.html" if report else None
    )
    print(
        f"swept {result.size:,} variants of {printable(scenario.name)} in "
        f"{result.seconds * 1e3:.0f} ms (one evaluation): {', '.join(map(str, written))}"
    )
    for crossing in result.crossings[:5]:
        text, how = crossing_text(result, crossing)
        print(f"  {printable(text)} ({how.split(';')[0]})")
    if len(result.crossings) > 5:
        print(f"  ... {len(result.crossings) - 5:,} more crossings on the page")
    if result.refused.any():
        print(
            f"  {int(result.refused.sum()):,} variants refused by the model's rules (see the page)"
        )
    return _report(report) if report is not None else EXIT_OK


def _cmd_instruments(args: argparse.Namespace) -> int:
    from econ.analysis.instruments import compare_instruments
    from econ.build import load_input
    from econ.display import format_value

    scenario = load_input(Path(args.scenario))
    if scenario.model.name != "project":
        raise InputError(
            scenario.path, "model", f"instruments compare projects (got {scenario.model.name!r})"
        )
    rows = compare_instruments(scenario)
    print(
        f"{printable(scenario.title)}: each instrument alone at its breakeven size "
        "(NPV to equity at the discount rate = 0), cheapest for the state first"
    )
    header = ("instrument", "breakeven size", "fiscal cost (PV)", "per t produced", "of budget")
    table = [header]
    for r in rows:
        if r.solved:
            size = format_value(r.size, r.size_unit, "percent" if r.size_unit == "1" else "auto")
            if not r.within_terms:
                size += " (beyond its terms)"
            cells = (
                format_value(r.fiscal_cost_usd, "USD"),
                format_value(r.fiscal_cost_usd_per_t, "USD/t"),
                format_value(r.budget_share, "1", "percent"),
            )
        else:
            size, cells = r.not_applicable or "no size breaks it even", ("", "", "")
        table.append((r.label, size, *cells))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    print(
        "  Fiscal cost: present value at the state's discount rate of the outlays (grants, "
        "subsidies, CfD payments, duty forgone, soft lending net of its repayments and interest) "
        "less the extra profit tax collected. A tariff costs buyers, not the budget."
    )
    return EXIT_OK


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    from econ.analysis.sensitivity import spider, tornado, two_way

    scenario = load_scenario(args.scenario)
    item_of = {i.key: i for i in scenario.model.items_with("metric")}
    t = tornado(scenario, args.metric)
    item = item_of[t.metric]
    print(f"{scenario.title}: {t.label} (base {format_item(t.base, item)})")
    print("Tornado (each input at its low and high bound, the others at their values):")
    width = max(len(r.key) for r in t.rows)
    for r in t.rows:
        basis = "cited" if r.cited else "assumption"
        print(
            f"  {r.key:<{width}}  {r.low:>12,.6g} .. {r.high:<12,.6g} {r.unit:<8} "
            f"{format_item(r.at_low, item):>16} .. {format_item(r.at_high, item):<16} "
            f"swing {format_item(r.swing, item)}  [{basis}]" + (f"  ({r.note})" if r.note else "")
        )
    if args.steps:
        sp = spider(scenario, t.metric, args.steps)
        print(f"Spider ({args.steps} points from low to high):")
        for key, values in zip(sp.keys, sp.values, strict=True):
            cells = "  ".join(f"{format_item(v, item):>12}" for v in values)
            print(f"  {key:<{width}}  {cells}")
    if args.pair:
        tw = two_way(scenario, args.pair, t.metric, args.steps or 5)
        a, b = tw.keys
        print(f"Two-way: {a} (rows) x {b} (columns)")
        print("  " + " " * 14 + "".join(f"{y:>16,.6g}" for y in tw.axis_b))
        for x, row in zip(tw.axis_a, tw.values, strict=True):
            print(f"  {x:>14,.6g}" + "".join(f"{format_item(v, item):>16}" for v in row))
    if args.output:
        _write_analysis(scenario, Path(args.output), t)
    return EXIT_OK


def _write_analysis(scenario: Scenario, out: Path, t: object, risk: object = None) -> None:
    """The workbook (with its Sensitivity and Risk sheets) and the HTML
    summary (with its tornado and risk sections) of an analysis, through the
    one output pipeline (both or neither; an edited workbook kept first)."""
    from econ.analysis.instruments import with_comparison
    from econ.build import write_outputs
    from econ.excel import write_workbook
    from econ.excel.sheets_risk import analysis_sheets
    from econ.outputs.files import clean_stale
    from econ.report.html import write_summary

    scenario = with_comparison(scenario)
    results = evaluate(scenario)
    extra = analysis_sheets(t, risk)  # type: ignore[arg-type]
    clean_stale(out)
    written = write_outputs(
        scenario,
        results,
        out,
        renderers={
            ".xlsx": lambda p: write_workbook(scenario, results, p, extra_sheets=extra),
            ".html": lambda p: write_summary(scenario, results, p, risk),
        },
    )
    for note in written.notes:
        print(note)
    for path in written.files:
        print(f"wrote {path}")


def _cmd_run(args: argparse.Namespace) -> int:
    """`make run`: build every scenario of a folder (one line each), write its
    index and say which files to open."""
    from econ.analysis.portfolio import is_portfolio_file
    from econ.build import write_outputs
    from econ.outputs.files import clean_stale
    from econ.outputs.names import output_stems
    from econ.report.html import IndexRow, compare_keys, index_columns, write_index

    folder = Path(args.folder)
    if not folder.is_dir():
        raise InputError(folder, None, "expected a folder of *.toml scenario files")
    found = sorted(folder.glob("*.toml"))
    portfolios = [p for p in found if is_portfolio_file(p)]
    portfolios += sorted(p for p in folder.glob("portfolios/*.toml") if is_portfolio_file(p))
    paths = [p for p in found if p not in portfolios]
    if not paths:
        raise InputError(args.folder, None, "no *.toml scenario files in this folder")
    out = Path(args.output)
    scenarios = [load_scenario(p) for p in paths]  # all checked before anything is written
    from econ.analysis.portfolio import load_portfolio, run_portfolio

    allocations = [run_portfolio(load_portfolio(p)) for p in portfolios]
    stems, renamed = output_stems(
        [(str(p), s.name) for p, s in zip(paths, scenarios, strict=True)]
        + [(str(p), a.portfolio.name) for p, a in zip(portfolios, allocations, strict=True)]
    )
    portfolio_stems = stems[len(paths) :]
    stems = stems[: len(paths)]
    for note in renamed:
        print(f"note: {note}")
    clean_stale(out)
    rows, models = [], {}
    for path, scenario, stem in zip(paths, scenarios, stems, strict=True):
        results = evaluate(scenario)
        written = write_outputs(scenario, results, out, stem)
        print(f"built {' and '.join(str(p) for p in written.files)}")
        for note in written.notes:
            print(f"  {note}")
        for warning in scenario.warnings:
            print(f"  warning: {warning}")
        models[scenario.model.name] = scenario.model
        values = results.scalars()
        rows.append(
            IndexRow(
                scenario.name,
                scenario.title,
                scenario.model.name,
                str(path),
                {k: values[k] for k in scenario.model.index_keys}
                | scenario.model.shared_metrics(values),
                f"{stem}.html",
                f"{stem}.xlsx",
            )
        )
    index = write_index(
        out / "index.html",
        rows,
        title=f"econ: the {len(rows)} scenarios of {folder.name}/",
        columns=index_columns(list(models.values())),
        compare=compare_keys(list(models.values())),
        summary_files=False,
    )
    if portfolios:
        from econ.report.portfolio import write_portfolio_outputs

        for path, allocation, stem in zip(portfolios, allocations, portfolio_stems, strict=True):
            done = write_portfolio_outputs(allocation, out, stem)
            print(f"portfolio {path.name}: wrote {' and '.join(str(p) for p in done.files)}")
            for note in done.notes:
                print(f"  {note}")
    first = stems[0]
    print(
        "\nOpen first:\n"
        f"  {index}  every scenario side by side, with links\n"
        f"  {out / (first + '.html')}  one scenario's summary (one per scenario)\n"
        f"  {out / (first + '.xlsx')}  its live workbook (edit it, then `econ build` it)\n"
        f"Key metrics of a scenario in the terminal: econ show {paths[0]}"
    )
    return EXIT_OK


def _cmd_risk(args: argparse.Namespace) -> int:
    from econ.analysis.montecarlo import format_risk, run_risk

    def progress(done: int, total: int) -> None:
        print(f"\r  {done:,} / {total:,} draws", end="", file=sys.stderr, flush=True)

    show = not args.quiet and sys.stderr.isatty()
    result = run_risk(
        load_scenario(args.scenario),
        args.draws,
        args.seed,
        method=args.method,
        metric=args.metric,
        by_year=args.by,
        scheduler=args.scheduler,
        progress=progress if show else None,
    )
    if show:
        print(file=sys.stderr)
    print(format_risk(result))
    if args.draws_csv:
        print(f"draws: {result.write_draws(args.draws_csv)}")
    if args.output:
        from econ.analysis.sensitivity import tornado

        _write_analysis(result.scenario, Path(args.output), tornado(result.scenario), result)
    return EXIT_OK


def _cmd_portfolio(args: argparse.Namespace) -> int:
    from econ.analysis.portfolio import format_portfolio, load_portfolio, run_portfolio

    result = run_portfolio(load_portfolio(args.portfolio))
    print(format_portfolio(result))
    if args.draws:
        from econ.analysis.portfolio import format_portfolio_risk, portfolio_risk

        print(format_portfolio_risk(portfolio_risk(result, args.draws, args.seed), result))
    if args.output:
        from econ.outputs.files import clean_stale
        from econ.report.portfolio import write_portfolio_outputs

        clean_stale(Path(args.output))
        done = write_portfolio_outputs(result, Path(args.output))
        for note in done.notes:
            print(note)
        for path in done.files:
            print(f"wrote {path}")
    return EXIT_OK


def _portfolio_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    portfolio = sub.add_parser(
        "portfolio",
        help="spread a budget over project scenarios (exact optimizer)",
        description='Read a portfolio file (kind = "portfolio": project scenario files, the '
        "budget and its yearly envelope, the state's discount rate, the objective and an "
        "optional volume target), price each project's instruments at their breakeven size "
        "and choose which projects to support with which instrument, exactly "
        "(scipy.optimize.milp). Prints the supported projects, the fiscal cost by year "
        "against the envelope, capacity against the target, the marginal project and what "
        "one more billion rubles would buy.",
    )
    portfolio.add_argument("portfolio", metavar="PORTFOLIO.toml")
    portfolio.add_argument(
        "-n",
        "--draws",
        type=_count(0, MAX_DRAWS // 10),
        default=0,
        metavar="DRAWS",
        help="Monte Carlo of the supported set: the probability that the budget and the "
        "envelope suffice when each project's assumptions are drawn (default: none)",
    )
    portfolio.add_argument("--seed", type=_seed, default=0, metavar="S", help="default 0")
    portfolio.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="DIR",
        help="also write DIR/<name>.html (with the cost curve) and DIR/<name>.xlsx",
    )
    portfolio.set_defaults(func=_cmd_portfolio)


def _risk_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    risk = sub.add_parser(
        "risk",
        help="Monte Carlo: percentiles, probabilities and drivers of every metric",
        description="Draw every assumption with a distribution (a distribution table, else "
        "triangular over low / value / high), rank-correlated as [correlations] asks, and "
        "print each metric's mean, P5-P95 and standard errors, the probabilities of the "
        "model's events and the drivers of the chosen metric.",
    )
    risk.add_argument("scenario", metavar="SCENARIO.toml")
    risk.add_argument("-n", "--draws", type=_count(2, MAX_DRAWS), default=10_000, metavar="DRAWS")
    risk.add_argument("--seed", type=_seed, default=0, metavar="S", help="default 0")
    risk.add_argument(
        "--metric",
        default=None,
        metavar="KEY",
        help="metric ranked by the drivers "
        "(default: NPV for projects, the annual subsidy otherwise)",
    )
    risk.add_argument("--method", choices=("lhs", "sobol"), default="lhs")
    risk.add_argument(
        "--by",
        type=int,
        default=None,
        metavar="YEAR",
        help="year of 'gap closed by' (default: the timeline's last year)",
    )
    risk.add_argument(
        "--draws-csv", default=None, metavar="PATH", help="write every draw (.parquet: Parquet)"
    )
    risk.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="evaluate the chunks on a Dask scheduler (or set ECON_SCHEDULER)",
    )
    risk.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    risk.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="DIR",
        help="also write DIR/<name>.xlsx with Sensitivity and Risk sheets and DIR/<name>.html "
        "with the tornado, the histogram and cumulative curve",
    )
    risk.set_defaults(func=_cmd_risk)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="econ",
        description="Project economics for critical-minerals programmes: scenario files of "
        "cited assumptions in; competitiveness gaps, subsidies, budgets, cash flows, live "
        "Excel workbooks and HTML summaries out.",
        epilog="Exit codes: 0 success, 1 some scenarios of a batch failed, 2 bad input, "
        "3 environment fault (disk full, permission), 130 interrupted, 143 terminated.",
    )
    parser.add_argument("--version", action="version", version=f"econ {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of any failure (for bug reports)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    show = sub.add_parser(
        "show",
        help="print the key metrics of scenario files",
        description="Evaluate scenario files and print their key metrics "
        "(gap, annual subsidy, budget coverage, learning, NPV, IRR...).",
    )
    show.add_argument("scenarios", nargs="+", metavar="SCENARIO.toml")
    show.set_defaults(func=_cmd_show)

    build = sub.add_parser(
        "build",
        help="write the workbook and HTML summary of scenarios",
        description="Evaluate scenario files and write DIR/<name>.xlsx and DIR/<name>.html. "
        "Given an econ workbook edited in Excel or LibreOffice, read its Assumptions sheet, "
        "validate it, print each edit and the change of each key metric, and rebuild it.",
    )
    build.add_argument("scenarios", nargs="+", metavar="SCENARIO.toml|EDITED.xlsx")
    build.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="DIR",
        help="output folder (default: workbooks/ for scenario files; an edited workbook is "
        "rebuilt in place, its edited original kept as NAME.edited-backup.xlsx)",
    )
    build.set_defaults(func=_cmd_build)

    export = sub.add_parser(
        "export",
        help="write an edited workbook's assumptions as TOML",
        description="Read the Assumptions sheet of an econ workbook and "
        "write it as a scenario file, sources included.",
    )
    export.add_argument("workbook", metavar="EDITED.xlsx")
    export.add_argument("-o", "--output", required=True, metavar="SCENARIO.toml")
    export.set_defaults(func=_cmd_export)

    batch = sub.add_parser(
        "batch",
        help="build many scenarios in parallel, with an index",
        description="Build every scenario of the given files and folders (workbook and HTML "
        "each) in parallel and write OUT/index.html, OUT/summary.csv and OUT/summary.xlsx. "
        "A failing scenario is reported and the others still build (exit code 1).",
    )
    batch.add_argument("inputs", nargs="+", metavar="DIR_OR_FILE")
    _batch_options(batch)
    batch.set_defaults(func=_cmd_batch)

    sweep = sub.add_parser(
        "sweep",
        help="a metric over a grid of input values, in one vectorized evaluation",
        description="Evaluate SCENARIO for every combination of the --vary values at once and "
        "write OUT/sweep.html (one key: a line chart with each crossing of the target solved "
        "and stated; two keys: a heat map) and OUT/sweep.csv (every variant, every metric). "
        "Values are in the unit the scenario file gives the key in (a capex in MUSD takes "
        "MUSD). --files also builds a workbook and a summary per variant, as a batch.",
        epilog="Examples: econ sweep seeds/magnets_plant.toml "
        "--vary benchmark_cost_usd_per_kg=80:130:5 -o out/sweep  (NPV = 0 at 104.94 USD/kg); "
        "econ sweep seeds/magnets_plant.toml --vary capex_usd=100,150,200 "
        "--vary benchmark_cost_usd_per_kg=80:140:10 --set discount_rate=0.08 -o out/sweep2",
    )
    sweep.add_argument("scenario", metavar="SCENARIO.toml")
    sweep.add_argument(
        "--vary",
        action="append",
        required=True,
        metavar="KEY=START:STOP:STEP|KEY=V1,V2,...",
        help="an input and its values (STOP included); repeat for a grid, first key slowest",
    )
    sweep.add_argument(
        "--set",
        action="append",
        default=None,
        metavar="KEY=VALUE",
        help="hold another input at VALUE for the whole sweep (the file's unit)",
    )
    sweep.add_argument(
        "--metric",
        default=None,
        metavar="KEY",
        help="metric charted and solved for (default: NPV for projects, the annual subsidy "
        "otherwise)",
    )
    sweep.add_argument(
        "--target",
        default=None,
        metavar="VALUE",
        help="find where the metric crosses VALUE (default 0), in its unit or with one: '50 MUSD'",
    )
    sweep.add_argument(
        "--max-points",
        type=int,
        default=None,
        metavar="N",
        help="refuse grids of more than N points before expanding them (default 100,000; "
        "1,000 with --files)",
    )
    sweep.add_argument("--xlsx", action="store_true", help="also write OUT/sweep.xlsx")
    sweep.add_argument(
        "--files",
        action="store_true",
        help="also build a workbook and an HTML summary per variant, named after its values, "
        "with OUT/index.html",
    )
    sweep.add_argument(
        "-o", "--output", required=True, metavar="OUT", help="output folder (created)"
    )
    sweep.add_argument(
        "-j",
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="with --files: local worker processes (default: every core)",
    )
    sweep.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="with --files: a Dask scheduler (or set ECON_SCHEDULER)",
    )
    sweep.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    sweep.set_defaults(func=_cmd_sweep)

    sens = sub.add_parser(
        "sensitivity",
        help="tornado, spider and two-way tables over the assumptions' low/high bounds",
        description="How much a metric depends on each assumption: every input with low/high "
        "bounds at each bound (tornado, sorted by swing), optionally stepped over its range "
        "(--steps: spider) and a chosen pair together (--pair: two-way table). One vectorized "
        "evaluation per table.",
    )
    sens.add_argument("scenario", help="scenario file (.toml)")
    sens.add_argument("--metric", help="metric key (default: the model's default metric)")
    sens.add_argument("--steps", type=int, default=0, help="points from low to high (spider)")
    sens.add_argument("--pair", nargs=2, metavar="KEY", help="two inputs for a two-way table")
    sens.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="DIR",
        help="also write DIR/<name>.xlsx with a Sensitivity sheet and DIR/<name>.html",
    )
    sens.set_defaults(func=_cmd_sensitivity)

    ins = sub.add_parser(
        "instruments",
        help="every state instrument's breakeven size and fiscal cost, cheapest first",
        description="For a project scenario: the smallest size of each instrument (per-kg "
        "subsidy, capex grant, soft loan, interest subsidy, duty relief, tariff, price floor, "
        "R&D grant) that brings the NPV to equity at the discount rate to 0 on its own, and "
        "its fiscal cost to the state at that size.",
    )
    ins.add_argument("scenario", help="project scenario file (.toml) or econ workbook")
    ins.set_defaults(func=_cmd_instruments)

    run = sub.add_parser(
        "run",
        help="build every scenario in a folder (what `make run` does)",
        description="Build every *.toml scenario of FOLDER into DIR.",
    )
    run.add_argument("folder", nargs="?", default="seeds", metavar="FOLDER")
    run.add_argument("-o", "--output", default="workbooks", metavar="DIR")
    run.set_defaults(func=_cmd_run)
    _risk_parser(sub)
    _portfolio_parser(sub)
    return parser


def _error(text: str) -> None:
    with contextlib.suppress(OSError):  # stderr gone too: nothing more to say
        print(f"econ: error: {printable(text)}", file=sys.stderr, flush=True)


def _flush_stdout() -> None:
    """Flush stdout now, so that a full or closed stdout is an exit code
    rather than a traceback at interpreter exit."""
    try:
        sys.stdout.flush()
    except OSError:
        # Point stdout at /dev/null so the interpreter's own flush is quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        raise


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line's arguments. ``econ show FILE...`` without options,
    the command an analyst runs most, skips building the whole parser (about
    15 ms of the command's 250 ms budget) and gives the namespace argparse
    would (tested)."""
    words = list(sys.argv[1:] if argv is None else argv)
    if len(words) > 1 and words[0] == "show" and not any(w.startswith("-") for w in words[1:]):
        return argparse.Namespace(debug=False, command="show", scenarios=words[1:], func=_cmd_show)
    return _parser().parse_args(words)


def _compiling_notice() -> None:
    if sys.stderr.isatty():
        print(
            "econ: compiling the model for large runs (once; kept in the cache folder)...",
            file=sys.stderr,
            flush=True,
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``econ`` command."""
    args = _parse(argv)
    if args.command in ("risk", "sweep", "batch", "portfolio", "instruments", "sensitivity"):
        from econ import native  # commands that may evaluate thousands of scenarios

        native.NOTICE[:] = [_compiling_notice]
    if not args.debug:
        # A library object abandoned by a failure (a zip writer on a full
        # disk) fails again in its finalizer: the error was already reported.
        sys.unraisablehook = lambda unraisable: None
    previous = None
    with contextlib.suppress(ValueError):  # not the main thread (e.g. a test's thread)
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        code: int = args.func(args)
        _flush_stdout()
    except InputError as exc:
        if args.debug:
            raise
        _error(str(exc))
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        if args.debug:
            raise
        _error("interrupted (Ctrl-C): stopped; no partial file was left at an output path")
        return EXIT_INTERRUPTED
    except Terminated:
        _error("terminated (SIGTERM): stopped; no partial file was left at an output path")
        return EXIT_TERMINATED
    except OSError as exc:  # EnvironmentFault among them (imported only when needed)
        from econ.outputs.files import EnvironmentFault

        if args.debug:
            raise
        if exc.errno in (errno.EPIPE,) or isinstance(exc, BrokenPipeError):
            return EXIT_ENVIRONMENT  # the reader went away (| head): nothing to say
        if isinstance(exc, EnvironmentFault):
            _error(str(exc))
        else:
            where = f" {exc.filename}" if exc.filename else ""
            reason = exc.strerror or type(exc).__name__
            what = "write the output" if where == "" else "use"
            _error(f"cannot {what}{where}: {reason}")
        return EXIT_ENVIRONMENT
    except MemoryError:
        if args.debug:
            raise
        _error("out of memory")
        return EXIT_ENVIRONMENT
    except RecursionError:
        if args.debug:
            raise
        _error("input nested too deeply")
        return EXIT_BAD_INPUT
    except Exception as exc:
        if args.debug:
            raise
        _error(
            f"internal error ({type(exc).__name__}: {exc}); this is a bug in econ: "
            "run again with --debug and report the traceback"
        )
        return EXIT_FAILURES
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        with contextlib.suppress(OSError):
            _flush_stdout()
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
