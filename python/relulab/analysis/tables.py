"""Tables built from cells: over seeds, between settings, between precisions; and their Markdown."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import cells as _cells
from .threshold import bracket

LOSSES = ["train_mse", "test_mse", "ols_train_mse", "ols_test_mse"]


def seed_table(cells: pd.DataFrame, by="n", seed="data_seed", columns=LOSSES) -> pd.DataFrame:
    """Mean, sample standard deviation and number of seeds of each column, per value of `by` (one cell
    per (by, seed): the first in file order)."""
    one = _cells.first_per(cells, [by, seed])
    stats = one.groupby(by)[list(columns)].agg(["mean", "std"])
    stats.columns = [f"{c}_{s}" for c, s in stats.columns]
    stats.insert(0, "seeds", one.groupby(by)[seed].nunique())
    return stats.reset_index()


def paired_precision(single: pd.DataFrame, double: pd.DataFrame, by="n", seed="data_seed",
                     columns=("train_mse", "test_mse")) -> pd.DataFrame:
    """float32 against float64 on the same seeds: per value of `by` and metric, both means and standard
    deviations, the mean paired difference, that difference over the float64 seed spread, and the paired
    t statistic (seeds − 1 degrees of freedom)."""
    f32 = _cells.first_per(single, [by, seed]).set_index([by, seed])
    f64 = _cells.first_per(double, [by, seed]).set_index([by, seed])
    rows = []
    for value in sorted(f32.index.get_level_values(0).unique()):
        seeds = sorted(s for v, s in f32.index if v == value and (v, s) in f64.index)
        if not seeds:
            continue
        for metric in columns:
            a = np.array([f32.loc[(value, s), metric] for s in seeds], float)
            b = np.array([f64.loc[(value, s), metric] for s in seeds], float)
            diff = a - b
            sd64 = b.std(ddof=1) if len(seeds) > 1 else math.nan
            se = diff.std(ddof=1) / math.sqrt(len(diff)) if len(diff) > 1 else math.nan
            rows.append({by: value, "metric": metric, "seeds": len(seeds), "f64_mean": b.mean(), "f64_std": sd64,
                         "f32_mean": a.mean(), "f32_std": a.std(ddof=1) if len(seeds) > 1 else math.nan,
                         "mean_diff": diff.mean(), "diff_over_seed_std": abs(diff.mean()) / sd64,
                         "t": diff.mean() / se if se > 0 else math.nan})
    return pd.DataFrame(rows)


def side_by_side(series: dict, by="n", columns=("train_mse", "test_mse")) -> pd.DataFrame:
    """Several settings' cells (label -> cells) in one table: a row per value of `by`, each setting's
    columns side by side (NaN where a setting has no cell)."""
    frames = []
    for label, cells in series.items():
        one = _cells.first_per(cells, [by]).set_index(by)[list(columns)]
        one.columns = [f"{label} {c}" for c in columns]
        frames.append(one)
    return pd.concat(frames, axis=1).sort_index().reset_index()


def crossings(series: dict, by="n", statistic="train_mse", level=0.045) -> pd.DataFrame:
    """Each setting's crossing of the level (the threshold rule of threshold.py) and its number of cells."""
    rows = []
    for label, cells in series.items():
        one = _cells.first_per(cells, [by])
        b = bracket(one[by], one[statistic], level)
        rows.append({"setting": label, "cells": len(one), "lo": b.lo, "hi": b.hi, "crossing": b.crossing})
    return pd.DataFrame(rows)


def over_seeds(table: pd.DataFrame, keys, columns, seed="experiment.seed") -> pd.DataFrame:
    """A sweep's table (relulab.load(...).table()) as mean and standard deviation over its seeds, per
    value of `keys`, in the order the keys were swept."""
    finished = table[table["status"].isin(_cells.FINISHED)]
    grouped = finished.groupby(list(keys), sort=False)[list(columns)].agg(["mean", "std"])
    grouped.columns = [f"{c}_{s}" for c, s in grouped.columns]
    grouped.insert(0, "seeds", finished.groupby(list(keys), sort=False)[seed].nunique())
    return grouped.reset_index()


def _number(v, digits):
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{v:,}".replace(",", " ")
    if isinstance(v, (float, np.floating)):
        if math.isnan(v):
            return "–"
        if (float(v).is_integer() and abs(v) >= 100) or abs(v) >= 1000:  # a count, or n: no exponent
            return f"{v:,.0f}".replace(",", " ")
        text = f"{v:#.{digits}g}"  # '#': trailing zeros kept (0.0900, not 0.09): the digits printed are the digits known
        return text[:-1] if text.endswith(".") else text
    return str(v)


def markdown(table: pd.DataFrame, digits=3, pm=None, header=None, formats=None) -> str:
    """A Markdown table, numbers to `digits` significant digits (integers ≥ 100 with thin-space
    thousands), NaN as '–'. `pm`: {"x": ("x_mean", "x_std")} shows "mean ± std" in a column x.
    `header`: the column titles to print, in order (default: the table's columns). `formats`:
    {"column": "{:+.2f}"} for a column that needs its own format."""
    table = table.copy()
    for name, spec in (formats or {}).items():
        table[name] = [spec.format(v) for v in table[name]]
    for name, (mean, std) in (pm or {}).items():
        table[name] = [f"{_number(m, digits)} ± {_number(s, 2)}" if not pd.isna(s) else _number(m, digits)
                       for m, s in zip(table[mean], table[std])]
    shown = list(header) if header is not None else list(table.columns)
    align = "|" + "".join(":---|" if table[c].dtype == object and not _numeric_text(table[c]) else "---:|"
                          for c in shown)
    lines = ["| " + " | ".join(shown) + " |", align]
    for row in table[shown].itertuples(index=False):  # not iterrows: it casts a row's ints to floats
        lines.append("| " + " | ".join(_number(v, digits) for v in row) + " |")
    return "\n".join(lines) + "\n"


def _numeric_text(column) -> bool:
    return all(isinstance(v, str) and v[:1].isdigit() or isinstance(v, (int, float, np.number)) for v in column)
