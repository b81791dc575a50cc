"""The optimisation threshold: one bracket and crossing rule, the one `[search]` uses.

At each value of the key (n), the statistic (the final train MSE, or its late median) is averaged over
the replicates present: that mean is what `[search]` compares with its level. The criterion holds where
the mean is strictly below the level (`below`) or strictly above it (`above`). Scanning the values
upwards from the smallest, the bracket is the last value on the smallest value's side and the first
value on the other side: the first change of side. A bisection keeps every value it evaluated at or
below its lower end on the starting side, and evaluates nothing between its two ends, so on a search's
own points this rule gives the search's bracket (test: python/tests/test_analysis.py).

The threshold is the bracket's geometric middle; the crossing interpolates the mean linearly in log n
between the bracket's two values and reports where it meets the level (a finer reading of the same two
cells, which assumes the mean is smooth in log n there). A setting where a later value returns to the
starting side is flagged non-monotone: its threshold is known no better than the values that disagree.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Bracket:
    lo: float | None  # the last value on the starting side (None: the criterion fails at the smallest)
    hi: float | None  # the first value on the other side (None: it never changes side)
    crossing: float | None
    monotone: bool

    @property
    def threshold(self) -> float | None:
        return math.sqrt(self.lo * self.hi) if self.lo is not None and self.hi is not None else None


def bracket(values, means, level, below=True) -> Bracket:
    """The first change of side of `means` (one per value, any order) about `level`."""
    order = np.argsort(np.asarray(values, float), kind="stable")
    x = np.asarray(values, float)[order]
    y = np.asarray(means, float)[order]
    holds = y < level if below else y > level
    if not holds[0]:
        return Bracket(None, float(x[0]), None, bool(not holds.any()))
    change = np.flatnonzero(holds != holds[0])
    if change.size == 0:
        return Bracket(float(x[-1]), None, None, True)
    k = change[0]
    lo, hi = float(x[k - 1]), float(x[k])
    share = (level - y[k - 1]) / (y[k] - y[k - 1])
    crossing = lo * (hi / lo) ** share
    monotone = bool((holds[k:] != holds[0]).all())
    return Bracket(lo, hi, crossing, monotone)


def thresholds(cells: pd.DataFrame, by, key="n", statistic="train_mse", level=0.045, below=True) -> pd.DataFrame:
    """One row per setting (the columns `by`): the cells, the bracket, the threshold and the crossing.
    Replicates within a setting (cells that differ in a column not in `by`) are averaged at each value of
    the key, as `[search] replicates` does; put the seed in `by` to bracket each seed on its own."""
    rows = []
    keys = list(by)
    for setting, group in cells.groupby(keys[0] if len(keys) == 1 else keys, sort=True, dropna=False):
        means = group.groupby(key)[statistic].mean()
        b = bracket(means.index, means.to_numpy(), level, below)
        rows.append({**dict(zip(by, setting if isinstance(setting, tuple) else (setting,))),
                     "cells": len(group), "lo": b.lo, "hi": b.hi, "threshold": b.threshold,
                     "crossing": b.crossing, "monotone": b.monotone})
    return pd.DataFrame(rows)
