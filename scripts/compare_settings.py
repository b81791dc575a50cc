#!/usr/bin/env python3
"""Figure 1 under several settings on the same data (one data seed): the final
train and test MSE per n side by side, and where each setting's train MSE
crosses a level (sigma^2 / 2 by default: the threshold finder's criterion),
interpolated in log n between the two cells that bracket it. Issue 21, item 4:
does the threshold survive Adam, or GeLU?

A series is LABEL=NAME:PRECISION:OPTIMIZER:ACTIVATION, matched against the
cells collected by scripts/collect_cells.py (and the record of seed 0,
docs/reproduction/data/fig1_record_seed0.csv).

usage: compare_settings.py CSV [CSV ...] --series LABEL=NAME:PRECISION:OPTIMIZER:ACTIVATION [--series ...]
                           [--seed 0] [--level 0.045] [--out fig.png]
"""
import argparse
import math

import full_scale_cells


def series_cells(paths, spec, seed):
    name, precision, optimizer, activation = spec.split(":")
    cells = {}
    for r in full_scale_cells.rows(paths, {name}, precision, optimizer, activation):
        if int(r["data_seed"]) == seed:
            cells.setdefault(int(r["n"]), r)  # the first file wins
    return cells


def crossing(cells, level):
    """The first n where the train MSE reaches the level, linear in log n from the cell before; None if never."""
    points = sorted((n, float(r["train_mse"])) for n, r in cells.items())
    for (n0, v0), (n1, v1) in zip(points, points[1:]):
        if v0 < level <= v1:
            return n0 * (n1 / n0) ** ((level - v0) / (v1 - v0))
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv", nargs="+")
    ap.add_argument("--series", action="append", required=True, help="LABEL=NAME:PRECISION:OPTIMIZER:ACTIVATION")
    ap.add_argument("--seed", type=int, default=0, help="data seed")
    ap.add_argument("--level", type=float, default=0.045)
    ap.add_argument("--out", help="PNG: train and test MSE against n, one line per series")
    args = ap.parse_args()
    series = {}
    for item in args.series:
        label, spec = item.split("=", 1)
        series[label] = series_cells(args.csv, spec, args.seed)
    ns = sorted({n for cells in series.values() for n in cells})
    print("| n | " + " | ".join(f"{label} train | {label} test" for label in series) + " |")
    print("|---:|" + "---:|---:|" * len(series))
    for n in ns:
        row = []
        for cells in series.values():
            r = cells.get(n)
            row += [f"{float(r['train_mse']):.3g}", f"{float(r['test_mse']):.3g}"] if r else ["–", "–"]
        print(f"| {n:,} | ".replace(",", " ") + " | ".join(row) + " |")
    for label, cells in series.items():
        n = crossing(cells, args.level)
        where = f"n ≈ {n:,.0f}".replace(",", " ") if n else "not within the cells run"
        print(f"{label}: train MSE reaches {args.level} at {where} ({len(cells)} cells)")
    if args.out:
        draw(series, args.out)


def draw(series, out):
    fig, axes = full_scale_cells.pyplot().subplots(1, 2, figsize=(10, 4))
    for ax, metric in zip(axes, ("train_mse", "test_mse")):
        for label, cells in series.items():
            ns = sorted(cells)
            ax.plot(ns, [max(float(cells[n][metric]), 1e-12) for n in ns], marker="o", label=label)
        ax.axhline(0.09, color="k", lw=0.8, ls=":", label="σ² = 0.09")
        ax.set_xscale("log"), ax.set_yscale("log")
        ax.set_xlabel("n"), ax.set_title(metric + " (floored at 1e-12)" if metric == "train_mse" else metric)
        ax.legend(fontsize=8)
    full_scale_cells.save(fig, out)


if __name__ == "__main__":
    main()
