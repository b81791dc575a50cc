#!/usr/bin/env python3
"""The threshold against width and initialisation scale (issue 21): reads the
cells collected by scripts/collect_cells.py, brackets for each setting the n
where the final train MSE crosses a level (the threshold finder's criterion),
prints the table and draws the phase diagram.

A setting is (d, width, per-weight initial standard deviation, precision,
seed): each seed (a replicate: its own data, initialisation and batches) is
bracketed on its own. The diagram's grid and lines show seed 0 (the record);
other seeds' crossings are drawn as points beside them.
Its bracket is [lo, hi]: lo the largest n whose train MSE is below the level,
hi the smallest n above lo whose train MSE is not; the threshold is their
geometric mean. Within the bracket, "crossing" interpolates the train MSE
linearly in log n between lo and hi and reports where it meets the level: a
finer reading of the same two cells (it assumes the MSE is smooth in n there).
A setting whose cells are not ordered that way (a cell below the level above
one that is not) is flagged "non-monotone".

--statistic late_median reads each cell's median train MSE over the second half
of training instead of its final value (steadier against an SGD spike at the
last record; the search itself chose its cells by the final value).

usage: threshold_grid.py CSV [CSV ...] [--name threshold_grid] [--level 0.045]
                         [--statistic final|late_median] [--out phase.png]
"""
import argparse
import math
from collections import defaultdict, namedtuple

import full_scale_cells


COLUMN = {"final": "train_mse", "late_median": "train_mse_late_median"}
# One bracketed setting, as the diagram reads it.
Setting = namedtuple("Setting", "d m std by_sqrt precision threshold lo hi cross seed")


def per_weight_std(row):
    s = float(row["init_scale"])
    return s / math.sqrt(float(row["width"])) if row["scale_by_sqrt_width"] == "True" else s


def settings(path, names, column):
    groups = defaultdict(list)
    for row in full_scale_cells.rows(path, names):
        key = (int(row["d"]), int(row["width"]), per_weight_std(row), row["scale_by_sqrt_width"] == "True",
               row["precision"], int(row["seed"]), row["name"])
        groups[key].append((int(row["n"]), float(row[column])))
    return groups


def crossing(points, lo, hi, level):
    """Where the train MSE, linear in log n between lo and hi, meets the level."""
    at = dict(points)
    share = (level - at[lo]) / (at[hi] - at[lo])
    return lo * (hi / lo) ** share


def bracket(points, level):
    points = sorted(points)
    below = [n for n, v in points if v < level]
    if not below:
        return None, points[0][0], True
    lo = max(below)
    above = [n for n, v in points if n > lo and v >= level]
    hi = min(above) if above else None
    monotone = all((v < level) == (n <= lo) for n, v in points)
    return lo, hi, monotone


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv", nargs="+", help="cell CSVs; for the same n and seed a later file does not replace an earlier one")
    ap.add_argument("--name", action="append", help="experiment names to read (default threshold_grid)")
    ap.add_argument("--level", type=float, default=0.045)
    ap.add_argument("--statistic", choices=["final", "late_median"], default="final",
                    help="a cell's train MSE: its final value, or its median over the second half of training")
    ap.add_argument("--out", help="phase-diagram PNG")
    args = ap.parse_args()
    names = set(args.name or ["threshold_grid"])
    rows = []
    print("| d | width m | per-weight std | convention | precision | seed | cells | last n below | first n above | threshold | crossing |")
    print("|---:|---:|---:|:---|:---|---:|---:|---:|---:|---:|---:|")
    for key, points in sorted(settings(args.csv, names, COLUMN[args.statistic]).items()):
        d, m, std, by_sqrt, precision, seed, _ = key
        lo, hi, monotone = bracket(points, args.level)
        threshold = math.sqrt(lo * hi) if lo and hi else None
        cross = crossing(points, lo, hi, args.level) if threshold else None
        between = f"{cross:,.0f}".replace(",", " ") if cross else "–"
        rows.append(Setting(d, m, std, by_sqrt, precision, threshold, lo, hi, cross, seed))
        convention = "s/√m" if by_sqrt else "s"
        shown = f"{threshold:,.0f}".replace(",", " ") if threshold else ("below range" if lo is None else "open")
        if not monotone:
            shown += " (non-monotone)"
        print(f"| {d} | {m} | {std:.3g} | {convention} | {precision} | {seed} | {len(points)} | {lo or '–'} | {hi or '–'} | {shown} | {between} |")
    if args.out:
        draw(rows, args.out)


def draw(rows, out):
    fig, (left, right) = full_scale_cells.pyplot().subplots(1, 2, figsize=(11, 4.3))
    d5 = [r for r in rows if r.d == 5 and r.threshold and r.seed == 0]
    replicates = [r for r in rows if r.d == 5 and r.threshold and r.seed != 0 and not r.by_sqrt]
    if d5:
        thresholds = [r.cross for r in d5]
        points = left.scatter([r.m for r in d5], [r.std for r in d5], c=[math.log10(t) for t in thresholds],
                              s=380, cmap="viridis", marker="s", edgecolors="k")
        for r in d5:
            left.annotate(f"{r.cross:.0f}", (r.m, r.std), ha="center", va="center", fontsize=7,
                          color="white" if math.log10(r.cross) < sum(map(math.log10, thresholds)) / len(thresholds) else "black")
        fig.colorbar(points, ax=left, label="log10 crossing n")
        left.set_xlim(min(r.m for r in d5) / 1.6, max(r.m for r in d5) * 1.6)
        left.set_ylim(min(r.std for r in d5) / 2.5, max(r.std for r in d5) * 2.5)
    left.set_xscale("log"), left.set_yscale("log")
    left.set_xlabel("width m"), left.set_ylabel("per-weight initial std")
    left.set_title("d = 5: n where train MSE crosses σ²/2")
    for m in sorted({r.m for r in d5}):
        line = sorted((r.std, r.threshold, r.lo, r.hi, r.cross) for r in d5 if r.m == m and not r.by_sqrt)
        bars = right.errorbar([p[0] for p in line], [p[1] for p in line],
                              yerr=[[p[1] - p[2] for p in line], [p[3] - p[1] for p in line]], marker="o", capsize=3,
                              ls=":", label=f"m = {m}: bracket")
        right.plot([p[0] for p in line], [p[4] for p in line], marker="x", color=bars[0].get_color(), ls="-",
                   label=f"m = {m}: crossing")
    if replicates:
        right.scatter([r.std for r in replicates], [r.cross for r in replicates], marker="P", s=70, color="grey",
                      zorder=3, label="other seeds (width in the table): crossing")
    by_sqrt = [r for r in d5 if r.by_sqrt]
    if by_sqrt:
        right.scatter([r.std for r in by_sqrt], [r.cross for r in by_sqrt], marker="*", s=120, color="k", zorder=3,
                      label="s/√m convention: crossing")
    right.set_xscale("log"), right.set_yscale("log")
    right.set_xlabel("per-weight initial std"), right.set_ylabel("threshold n (bracket)")
    right.axhline(3000, color="grey", ls="--", lw=1, label="paper ≈ 3 000")
    right.legend(fontsize=7, loc="upper left")
    right.set_title("d = 5: threshold against scale")
    full_scale_cells.save(fig, out)


if __name__ == "__main__":
    main()
