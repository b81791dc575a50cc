"""python -m relulab.analysis COMMAND ...: the command line of relulab.analysis."""
from __future__ import annotations

import argparse
import pathlib
import sys

import pandas as pd

from .. import plot
from .._load import load
from . import __doc__ as PACKAGE_DOC
from . import cells as C
from . import curvature, figures, law, limits, margins, report, reproduction, tables, teachers
from .threshold import thresholds

ROOT = pathlib.Path(__file__).resolve().parents[3]


def _out(table: pd.DataFrame, args, pm=None, header=None):
    if getattr(args, "csv", None):
        table.to_csv(args.csv, index=False, lineterminator="\n")
        print(f"wrote {args.csv}")
    sys.stdout.write(tables.markdown(table, pm=pm, header=header))


def _cells(args) -> pd.DataFrame:
    cells = C.read(*args.cells)
    return C.select(cells, args.name, args.precision, args.optimizer, args.activation)


def cmd_collect(args):
    table, new = C.merge(args.csv, C.collect(*args.roots))
    print(f"{args.csv}: {len(table)} cells ({new} new)")


def cmd_seeds(args):
    cells = _cells(args)
    t = tables.seed_table(cells)
    pm = {c: (f"{c}_mean", f"{c}_std") for c in tables.LOSSES}
    _out(t, args, pm=pm, header=["n", "seeds", *pm])
    if args.figure:
        figures.seeds(C.first_per(cells, ["n", "data_seed"]), args.figure)


GRID = "d,width,per_weight_std,scale_by_sqrt_width,precision,seed"


def cmd_thresholds(args):
    cells = C.with_per_weight_std(_cells(args))
    t = thresholds(cells, args.by.split(","), statistic=args.statistic, level=args.level)
    _out(t, args)
    if args.figure:
        figures.threshold_grid(t, args.figure)


def _series(args):
    cells = C.read(*args.cells)
    out = {}
    for item in args.series:
        label, spec = item.split("=", 1)
        name, precision, optimizer, activation = spec.split(":")
        s = C.select(cells, [name], precision, optimizer, activation)
        out[label] = C.first_per(s[s["data_seed"] == args.seed], ["n"])
    return out


def cmd_compare(args):
    series = _series(args)
    _out(tables.side_by_side(series), args)
    sys.stdout.write(tables.markdown(tables.crossings(series, level=args.level)))
    if args.figure:
        figures.compare(series, args.figure)


def cmd_precision(args):
    cells = C.read(*args.cells)
    single = C.select(cells, args.f32 or ["fig1_float32_check"], "float32")
    double = C.select(cells, args.f64 or ["fig1_linear_threshold", "fig1_seeds"], "float64")
    _out(tables.paired_precision(single, double), args)
    if args.figure:
        figures.precision(single, double, args.figure)


def cmd_finals(args):
    t = load(args.sweep).table()
    for expression in args.eval or []:
        t = t.eval(expression)
    if args.over:
        keys = [k for k in load(args.sweep).keys if k != args.over]
        t = tables.over_seeds(t, keys, args.columns.split(","), seed=args.over)
    else:
        t = t[t["status"].isin(C.FINISHED)][args.columns.split(",")]
    _out(t, args)
    if getattr(args, "figure", None) and args.over:
        figures.variants(t, args.figure, by=keys[0], variant=keys[-1])


def cmd_records(args):
    m = load(args.folder).metrics
    at = [int(i) for i in args.at.split(",")]
    _out(m.loc[at, args.columns.split(",")].reset_index(), args)


def cmd_report(args):
    changed = report.report(args.doc, args.data, reproduction.TABLES, check=args.check)
    if args.check and changed:
        print(f"{args.doc}: these tables differ from their CSVs: {', '.join(changed)}\n"
              f"run `python -m relulab.analysis report` to regenerate them", file=sys.stderr)
        return 1
    print(f"{args.doc}: {len(reproduction.TABLES)} tables, " +
          (f"{len(changed)} regenerated" if not args.check else "all equal to their CSVs"))
    return 0


def cmd_lyu(args):
    figures.lyu_width(args.a, pathlib.Path(args.figure_dir) / "lyu2021_a_width.png")
    figures.lyu_early(args.b, pathlib.Path(args.figure_dir) / "lyu2021_b_early_phase.png")
    figures.lyu_fragile(args.c, pathlib.Path(args.figure_dir) / "lyu2021_c_fragile.png")


def cmd_lyu_late(args):
    """lyu-late: every cell's late margins (margins.py), the per-setting table, the figure."""
    cells = margins.late_margins([args.widths, args.lrs])
    if args.cells_csv:
        cells.to_csv(args.cells_csv, index=False, float_format="%.6g")
    slope, se = margins.lr_exponent(cells[cells["experiment"].eq("lyu2021_a_log_domain_lr")])
    print(f"late gap ~ lr^{slope:.2f} (standard error {se:.2f})")
    if args.figure:
        margins.figure(args.widths, args.lrs, args.figure)
    _out(margins.over_seeds(cells, ["experiment", "slope", "width", "lr"]), args)


def cmd_law(args):
    """law: crossings per (d, seed), the power-law fit, the candidate laws, the seeds it would take."""
    cells = C.read(*args.cells)
    cells = cells[cells["name"].isin(args.name or ["threshold_law_d"])]
    everything = law.crossings(cells, level=args.level)
    points = everything[everything["measured"]]
    if len(points) < 3 or points["d"].nunique() < 2:
        print(f"{len(points)} measured (d, seed) crossings over {points['d'].nunique()} values of d: too few to fit")
        return _out(everything, args)
    fit = law.power_fit(points["d"], points["crossing"])
    print(f"crossing ~ d^{fit['exponent']:.3f} (standard error {fit['se']:.3f}; 95 %: {fit['lo']:.3f} to "
          f"{fit['hi']:.3f}; {fit['points']} points over d = {sorted(set(points['d']))}; residual SD "
          f"{fit['residual_sd']:.3f} in log n)")
    table = law.laws(points["d"], points["crossing"])
    print(table.to_string(index=False))
    gap = table.set_index("law").loc["d³ log d", "effective exponent"] - 3
    print(f"to tell d³ from d³ log d (effective exponents 3 and {3 + gap:.2f} over these d) at this spread: "
          f"{law.seeds_for(points['d'], fit['residual_sd'], gap)} seeds per d")
    if args.figure:
        law.figure(points, fit, args.figure)
    _out(everything, args)


def cmd_approach(args):
    """approach: how fast each teacher's test MSE approaches σ² (teachers.py), per seed and per setting."""
    cells = C.read(*args.cells)
    cells = cells[cells["name"].isin(args.name)] if args.name else cells
    per_seed = teachers.approach(cells, args.sigma2, args.level, args.n_min, args.n_max)
    print(per_seed.to_string(index=False))
    if args.figure:
        labels = {(t, None if pd.isna(s) else s): f"{t}" + ("" if pd.isna(s) else f", teacher_seed {s:g}")
                  for t, s in cells[["teacher", "teacher_seed"]].drop_duplicates().itertuples(index=False)}
        teachers.figure(cells, args.sigma2, labels, args.figure, level=args.level)
    _out(teachers.summary(per_seed), args)


def cmd_spectrum(args):
    """spectrum: each run's whole Hessian spectrum beside its residual correlations (curvature.py)."""
    table = curvature.spectrum_table(*args.folders)
    if args.figure:
        runs = curvature.runs_of(*args.folders)
        labels = args.label or [str(run.path.name) for run in runs]
        curvature.figure({run.path: label for run, label in zip(runs, labels)}, args.figure)
    _out(table, args)


def cmd_limits(args):
    """limit, plateau, flow, eos, clusters, sgd-eos and stationarity (limits.py)."""
    if args.command == "flow":
        run = load(args.folder)
        late = run.metrics[run.metrics["time"] >= 1e3]
        exponent = limits.power_law_exponent(late["time"], late["test_mse"] - run.summary["noise_variance"])
        print(f"test MSE - sigma^2 ~ t^{exponent:.3f} for t >= 1000")
        return _out(limits.flow_table(run), args)
    if args.command == "stationarity":
        run = load(args.folder)
        if args.figure:
            c = run.config
            label = f"{c['model'].get('activation', 'relu')}, n = {c['data']['n']:,}".replace(",", " ")
            limits._stationarity_figure({label: run}, args.figure)
        return _out(limits.stationarity_table(run), args)
    sweep = load(args.folder)
    flow = load(args.flow) if getattr(args, "flow", None) else None
    if args.command == "sgd-eos":
        if args.figure:
            limits._sgd_eos_figure(sweep, args.figure)
        return _out(limits.sgd_sharpness_table(sweep), args)
    if args.command == "clusters":
        table = limits.clusters_table(sweep)
    elif args.command == "eos":
        table = limits.edge_of_stability_table(sweep)
        if args.figure:
            limits._eos_figure(sweep, flow, args.figure)
    elif args.command == "limit":
        table = limits.limit_table(sweep)
        if args.figure:
            limits._limit_figure(sweep, flow, table, args.figure)
    else:
        table = limits.plateau_table(sweep)
        slopes = limits.plateau_slopes(table)
        print("fit: " + ", ".join(f"{k} {v:.4f}" for k, v in slopes.items()))
        if args.figure:
            limits._plateau_figure(table, slopes, args.figure)
    _out(table, args)


def _cell_filters(p, names=None):
    p.add_argument("cells", nargs="+", help="cell CSVs (collect); for the same cell, the file read first wins")
    p.add_argument("--name", action="append", default=names, help="experiment names to keep (repeatable)")
    p.add_argument("--precision")
    p.add_argument("--optimizer")
    p.add_argument("--activation")


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m relulab.analysis", description=PACKAGE_DOC,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("collect", help="finished cells below the roots, merged into a CSV by configuration hash")
    p.add_argument("csv"), p.add_argument("roots", nargs="+")
    p.set_defaults(run=cmd_collect)
    p = sub.add_parser("seeds", help="mean ± std over data seeds per n")
    _cell_filters(p)
    p.set_defaults(run=cmd_seeds)
    p = sub.add_parser("thresholds", help="the bracket and crossing per setting ([search]'s rule)")
    _cell_filters(p)
    p.add_argument("--by", default=GRID, help="the columns that make a setting (--figure: keep the default)")
    p.add_argument("--statistic", default="train_mse", help=f"train_mse (final) or {C.LATE}")
    p.add_argument("--level", type=float, default=0.045)
    p.set_defaults(run=cmd_thresholds)
    p = sub.add_parser("compare", help="settings side by side on one data seed, with their crossings")
    p.add_argument("cells", nargs="+")
    p.add_argument("--series", action="append", required=True, help="LABEL=NAME:PRECISION:OPTIMIZER:ACTIVATION")
    p.add_argument("--seed", type=int, default=0, help="the data seed")
    p.add_argument("--level", type=float, default=0.045)
    p.set_defaults(run=cmd_compare)
    p = sub.add_parser("precision", help="float32 against float64 on the same seeds")
    p.add_argument("cells", nargs="+")
    p.add_argument("--f32", action="append", help="float32 experiment names (default fig1_float32_check)")
    p.add_argument("--f64", action="append", help="float64 names (default fig1_linear_threshold, fig1_seeds)")
    p.set_defaults(run=cmd_precision)
    p = sub.add_parser("finals", help="a sweep's final values (--over KEY: mean ± std over that key)")
    p.add_argument("sweep")
    p.add_argument("--columns", required=True)
    p.add_argument("--eval", action="append", help="a derived column, pandas eval syntax: 'x = 1 - cos_svm'")
    p.add_argument("--over", help="the swept key to average over (experiment.seed)")
    p.set_defaults(run=cmd_finals)
    p = sub.add_parser("records", help="a run's metrics at chosen iterations")
    p.add_argument("folder", help="a run folder"), p.add_argument("--at", required=True)
    p.add_argument("--columns", required=True)
    p.set_defaults(run=cmd_records)
    p = sub.add_parser("report", help="docs/reproduction.md's tables, regenerated from their CSVs")
    p.add_argument("--doc", default=str(ROOT / "docs" / "reproduction.md"))
    p.add_argument("--data", default=str(ROOT / "docs" / "reproduction" / "data"))
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 if a table differs")
    p.set_defaults(run=cmd_report)
    p = sub.add_parser("lyu", help="the three figures of the Lyu et al. section")
    p.add_argument("a"), p.add_argument("b"), p.add_argument("c"), p.add_argument("--figure-dir", required=True)
    p.set_defaults(run=cmd_lyu)
    p = sub.add_parser("law", help="the threshold against d: crossings per (d, seed), a power-law fit")
    p.add_argument("cells", nargs="+", help="cell CSVs (collect)")
    p.add_argument("--name", action="append", help="experiment names (default threshold_law_d)")
    p.add_argument("--level", type=float, default=0.045)
    p.set_defaults(run=cmd_law)
    p = sub.add_parser("approach", help="how fast each teacher's test MSE approaches σ² above the threshold")
    p.add_argument("cells", nargs="+", help="cell CSVs (collect)")
    p.add_argument("--name", action="append", help="experiment names (default: every cell)")
    p.add_argument("--sigma2", type=float, default=0.09, help="the noise variance (0.3² in the papers' settings)")
    p.add_argument("--level", type=float, default=0.05, help="the excess test / σ² − 1 whose reach is reported")
    p.add_argument("--n-min", type=float, default=3000, help="the smallest n in the decay fit and the reach")
    p.add_argument("--n-max", type=float, default=float("inf"), help="the largest (the same range for every teacher)")
    p.set_defaults(run=cmd_approach)
    p = sub.add_parser("spectrum", help="whole Hessian spectra (hessian_spectrum) beside the residual correlations")
    p.add_argument("folders", nargs="+", help="sweeps or runs with the hessian_spectrum metric")
    p.add_argument("--label", action="append", help="the figure's label of each run, in order")
    p.set_defaults(run=cmd_spectrum)
    p = sub.add_parser("lyu-late", help="Lyu et al.'s margin ratio read late (log_logistic runs)")
    p.add_argument("widths", help="the a_log_domain sweep"), p.add_argument("lrs", help="the a_log_domain_lr sweep")
    p.add_argument("--cells-csv", help="every cell's late margins")
    p.set_defaults(run=cmd_lyu_late)
    for name, what, help_ in (("limit", "sweep", "finite n against online SGD and the population flow"),
                              ("plateau", "sweep", "the population flow's plateau against s and m"),
                              ("flow", "run", "a population-flow run's approach to the noise level"),
                              ("clusters", "sweep", "neuron clusters after early alignment and at the end"),
                              ("eos", "sweep", "gradient descent's sharpness against 2/η"),
                              ("sgd-eos", "sweep", "an SGD sweep over n: its sharpness against 2/η"),
                              ("stationarity", "run", "the gradient norm and sharpness at each stage of a decaying rate")):
        p = sub.add_parser(name, help=help_)
        p.add_argument("folder", metavar=what.upper())
        if name in ("limit", "eos"):
            p.add_argument("--flow", help="a population-flow (gradient-flow) run to draw beside them")
        p.set_defaults(run=cmd_limits)
    for p in sub.choices.values():
        if p.get_default("run") not in (cmd_collect, cmd_report, cmd_lyu):
            p.add_argument("--csv")
            p.add_argument("--figure")
    return ap


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    with plot.style():
        return args.run(args) or 0


if __name__ == "__main__":
    sys.exit(main())
