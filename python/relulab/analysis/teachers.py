"""How fast the test MSE approaches the noise level σ² above the threshold, teacher by teacher (issue 38,
item 5: Figure 3's "slower approach to σ²" for a ReLU teacher than for a linear one).

Above the threshold every teacher's test MSE falls towards σ², the Bayes risk. Its excess,
`test_mse / σ² − 1`, is what "slower" is about, and it is compared two ways per (teacher, seed):

- `reach`: the n from which the excess stays at or below a level (5 % say), interpolated linearly in
  (log n, log excess) between the last point above the level and the next one. It assumes the excess
  is a power of n between two grid points, which is how it falls above the threshold.
- `decay`: the least-squares slope of log excess against log n over n ≥ n_min, with its standard
  error (−1 would be a parametric rate, k/n).

A teacher approaches σ² more slowly when its reach is larger. Seeds give the spread of each.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd


def reach(ns, excess, level: float) -> float:
    """The n from which `excess` (one value per n) stays at or below `level`: the first grid n if it is
    below everywhere, NaN if the last n is still above, else the log-log interpolation between the last
    n above and the next one."""
    order = np.argsort(np.asarray(ns, float))
    x = np.asarray(ns, float)[order]
    y = np.asarray(excess, float)[order]
    above = np.flatnonzero(y > level)
    if above.size == 0:
        return float(x[0])
    k = above[-1]
    if k == len(x) - 1:
        return math.nan
    if y[k + 1] <= 0:  # at or under σ² already: the level is met by the next point, no power to follow
        return float(x[k + 1])
    share = (math.log(level) - math.log(y[k])) / (math.log(y[k + 1]) - math.log(y[k]))
    return float(math.exp(math.log(x[k]) + share * (math.log(x[k + 1]) - math.log(x[k]))))


def decay(ns, excess) -> tuple[float, float]:
    """The slope of log excess against log n by least squares, and its standard error (NaN with fewer than
    three positive points: the error needs a residual). Non-positive excesses are left out: a test MSE
    under σ² is noise about the limit, not a rate."""
    x = np.log(np.asarray(ns, float))
    y = np.asarray(excess, float)
    keep = y > 0
    x, y = x[keep], np.log(y[keep])
    if len(x) < 3:
        return math.nan, math.nan
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (slope * x + intercept)
    se = math.sqrt((residual ** 2).sum() / (len(x) - 2) / ((x - x.mean()) ** 2).sum())
    return float(slope), se


def with_excess(cells: pd.DataFrame, sigma2: float) -> pd.DataFrame:
    out = cells.copy()
    out["test_over_sigma2"] = out["test_mse"] / sigma2
    out["excess"] = out["test_over_sigma2"] - 1
    return out


def by_n(cells: pd.DataFrame, sigma2: float, keys=("teacher", "teacher_seed")) -> pd.DataFrame:
    """Per (keys, n): the seeds, and the mean and sample standard deviation over them of the train MSE and
    of test / σ²."""
    t = with_excess(cells, sigma2)
    g = t.groupby(list(keys) + ["n"], dropna=False)
    out = g.agg(seeds=("data_seed", "nunique"), train_mse_mean=("train_mse", "mean"),
                train_mse_std=("train_mse", "std"), test_over_sigma2_mean=("test_over_sigma2", "mean"),
                test_over_sigma2_std=("test_over_sigma2", "std"))
    return out.reset_index()


def approach(cells: pd.DataFrame, sigma2: float, level: float, n_min: float, n_max: float = math.inf,
             keys=("teacher", "teacher_seed")) -> pd.DataFrame:
    """Per (keys, data seed): the reach of `level` and the decay slope over n_min ≤ n ≤ n_max (the same
    range for every teacher, so that slopes compare)."""
    t = with_excess(cells[(cells["n"] >= n_min) & (cells["n"] <= n_max)], sigma2)
    rows = []
    for key, one in t.groupby(list(keys) + ["data_seed"], dropna=False):
        slope, se = decay(one["n"], one["excess"])
        rows.append(dict(zip(list(keys) + ["data_seed"], key), points=len(one), n_max=one["n"].max(),
                         reach=reach(one["n"], one["excess"], level), slope=slope, slope_se=se))
    return pd.DataFrame(rows)


def summary(per_seed: pd.DataFrame, keys=("teacher", "teacher_seed")) -> pd.DataFrame:
    """Per setting: the seeds, the reach's geometric mean and the spread of log reach, the slopes' mean and
    standard deviation."""
    rows = []
    for key, one in per_seed.groupby(list(keys), dropna=False):
        log_reach = np.log(one["reach"].dropna())
        rows.append(dict(zip(keys, key), seeds=len(one), reached=len(log_reach),
                         reach_geomean=float(np.exp(log_reach.mean())) if len(log_reach) else math.nan,
                         reach_log_sd=float(log_reach.std()) if len(log_reach) > 1 else math.nan,
                         slope_mean=float(one["slope"].mean()), slope_std=float(one["slope"].std())))
    return pd.DataFrame(rows)


def figure(cells: pd.DataFrame, sigma2: float, labels: dict, path, level=None):
    """The excess test MSE against n on log-log axes: each (teacher, teacher_seed) in its colour, its seeds
    as thin lines, their mean as a thick one. `labels` maps (teacher, teacher_seed) to a legend label."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    t = with_excess(cells, sigma2)
    fig, ax = plt.subplots(figsize=(6.4, 4.4), constrained_layout=True)
    for (key, label), colour in zip(labels.items(), plt.rcParams["axes.prop_cycle"].by_key()["color"]):
        one = t[(t["teacher"] == key[0]) & (t["teacher_seed"].fillna(-1) == (-1 if key[1] is None else key[1]))]
        for _, seed in one.groupby("data_seed"):
            seed = seed.sort_values("n")
            ax.plot(seed["n"], seed["excess"].clip(lower=1e-4), color=colour, lw=0.8, alpha=0.45)
        mean = one.groupby("n")["excess"].mean()
        ax.plot(mean.index, mean.clip(lower=1e-4), "o-", color=colour, lw=2, label=f"{label} (mean of seeds)")
    if level is not None:
        ax.axhline(level, color="k", ls=":", lw=1, label=f"test = {1 + level:g} σ²")
    ax.set(xscale="log", yscale="log", xlabel="n (training samples)", ylabel="test MSE / σ² − 1",
           title="How fast the test MSE approaches σ² (thin: seeds)")
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=150)
    plt.close(fig)
