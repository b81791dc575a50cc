"""Lyu et al.'s margin ratio read late: runs on the log of the mean logistic loss (`log_logistic`).

`late_margins(sweeps)` gives one row per finished cell: its slope α, width, seed, learning rate and
steps, and from its margin records
- `gap_final`: 1 − (margin / bound) at the last record;
- `gap_late`: the median of 1 − ratio over the records from half the last record's iteration on,
  since with a fixed step the ratio does not settle but oscillates (the median, not the last value);
- `gap_best`: the smallest 1 − ratio recorded;
- `gap_at_underflow`: 1 − ratio at the first record where log L < log(1e-300), where a run on the
  plain logistic loss stops moving (docs/reproduction.md, Lyu (a)): what a_width could read;
- `steps_to_1e-2`, `steps_to_1e-3`: the first recorded iteration with 1 − ratio below each;
- `log_loss_final`: log L at the end.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import plot
from .._load import FINISHED, load

# log(1e-300): the plain loss's floor in inverse_loss (a run on `logistic` moves no further below it).
LOG_PLAIN_FLOOR = math.log(1e-300)


def _first_at_or_below(iterations, values, level) -> float:
    hit = np.flatnonzero(np.asarray(values) <= level)
    return float(np.asarray(iterations)[hit[0]]) if hit.size else math.nan


def cell_margins(metrics: pd.DataFrame) -> dict:
    """The late-margin columns of one run's records (module docstring)."""
    m = metrics.reset_index()
    m = m[m["iteration"] > 0]
    gap = 1.0 - m["margin_ratio"].to_numpy()
    it = m["iteration"].to_numpy()
    loss_column = next(c for c in m.columns if c.startswith("train_") and "error" not in c)
    log_loss = m[loss_column].to_numpy()
    late = it >= it[-1] / 2
    under = np.flatnonzero(log_loss < LOG_PLAIN_FLOOR)
    return {"gap_final": gap[-1], "gap_late": float(np.median(gap[late])), "gap_best": float(gap.min()),
            "gap_at_underflow": float(gap[under[0]]) if under.size else math.nan,
            "steps_to_1e-2": _first_at_or_below(it, gap, 1e-2), "steps_to_1e-3": _first_at_or_below(it, gap, 1e-3),
            "log_loss_final": float(log_loss[-1])}


def late_margins(sweeps) -> pd.DataFrame:
    """One row per finished cell of the sweeps (module docstring)."""
    rows = []
    for folder in sweeps:
        for _, run in load(folder).cells:
            if run.status not in FINISHED:
                continue
            c = run.config
            rows.append({"experiment": c["experiment"]["name"], "slope": c["model"]["slope"], "width": c["model"]["width"],
                         "seed": c["experiment"]["seed"], "lr": c["optimizer"]["lr"],
                         "iterations": c["optimizer"]["iterations"], **cell_margins(run.metrics)})
    return pd.DataFrame(rows).sort_values(["experiment", "slope", "width", "lr", "seed"]).reset_index(drop=True)


def over_seeds(cells: pd.DataFrame, by) -> pd.DataFrame:
    """Per setting: the seeds' median and range of the late gap, the median gap where the plain loss
    stops, the median steps to 1e-2, and how many seeds get within 1e-3 of the bound."""
    g = cells.groupby(by)
    return pd.DataFrame({
        "seeds": g.size(),
        "gap_late_median": g["gap_late"].median(), "gap_late_min": g["gap_late"].min(),
        "gap_late_max": g["gap_late"].max(), "gap_at_underflow_median": g["gap_at_underflow"].median(),
        "steps_to_1e-2_median": g["steps_to_1e-2"].median(),
        "seeds_within_1e-3": g["gap_best"].apply(lambda s: int((s <= 1e-3).sum())),
    }).reset_index()


def lr_exponent(cells: pd.DataFrame) -> tuple:
    """The least-squares slope of log(late gap) against log(lr) over every cell, and its standard error."""
    x, y = np.log(cells["lr"].to_numpy(float)), np.log(cells["gap_late"].to_numpy(float))
    A = np.vstack([x, np.ones_like(x)]).T
    coef, residual, *_ = np.linalg.lstsq(A, y, rcond=None)
    dof = max(len(x) - 2, 1)
    sigma2 = float(residual[0]) / dof if residual.size else 0.0
    se = math.sqrt(sigma2 / float(((x - x.mean()) ** 2).sum()))
    return float(coef[0]), se


def figure(width_sweep, lr_sweep, out):
    """Left: 1 − ratio against the iteration for one seed at each slope (width 100, lr 0.002) and the
    plain loss's horizon; right: the late gap against the learning rate, every seed."""
    import matplotlib.pyplot as plt
    lr_cells = late_margins([lr_sweep])
    slope, se = lr_exponent(lr_cells)
    with plot.style():
        fig, axes = plt.subplots(1, 2, figsize=(10.5, 4))
        for labels, run in load(width_sweep).cells:
            if run.status not in FINISHED:
                continue
            c = run.config
            if c["experiment"]["seed"] != 0 or c["model"]["width"] != 100:
                continue
            m = run.metrics.reset_index()
            m = m[m.iteration > 0]
            axes[0].plot(m.iteration, (1 - m.margin_ratio).clip(lower=1e-7), label=f"α = {c['model']['slope']}")
            under = m[m.filter(like="train_log").iloc[:, 0] < LOG_PLAIN_FLOOR]
            if len(under):
                axes[0].axvline(under.iteration.iloc[0], color="gray", lw=0.8, ls=":")
        axes[0].set(xscale="log", yscale="log", ylim=(1e-5, 2), xlabel="iteration", ylabel="1 − margin / bound",
                    title="width 100, seed 0, lr 0.002 (dotted: L = 1e-300)")
        axes[0].legend()
        axes[1].scatter(lr_cells["lr"], lr_cells["gap_late"], s=14)
        med = lr_cells.groupby("lr")["gap_late"].median()
        axes[1].plot(med.index, med.values, marker="o", label=f"median over seeds; slope {slope:.2f} ± {se:.2f}")
        axes[1].set_xscale("log")
        axes[1].set_xticks(sorted(set(lr_cells["lr"])), [f"{v:g}" for v in sorted(set(lr_cells["lr"]))])
        axes[1].xaxis.set_minor_formatter(plt.NullFormatter())
        axes[1].set(yscale="log", xlabel="learning rate (on log L)", ylabel="late 1 − margin / bound",
                    title="width 100, α = 0.1, time lr·steps = 200")
        axes[1].legend()
        plot.save(fig, out)
