"""The figures of docs/reproduction.md that the analysis commands draw, in relulab.plot's style."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import plot
from .._load import load

SIGMA2 = 0.09  # Figure 1's noise variance (noise_std 0.3), the dotted line of every Figure 1 panel


def _plt():
    import matplotlib.pyplot as plt
    return plt


def seeds(cells: pd.DataFrame, out, seed="data_seed"):
    """Train, test and OLS MSE against n: mean ± standard deviation over seeds, every seed in grey."""
    with plot.style():
        fig, ax = _plt().subplots(figsize=(6.4, 4.4))
        for key, label, marker in (("train_mse", "train", "o"), ("test_mse", "test", "s"),
                                   ("ols_train_mse", "OLS train", "."), ("ols_test_mse", "OLS test", ".")):
            stats = cells.groupby("n")[key].agg(["mean", "std", "min"])
            std = stats["std"].fillna(0)
            # On a log axis a bar below zero has no end: the lower bar stops at the smallest seed's value
            # (drawn from its ends: mean − (mean − min) rounds to 0 when min is 10²⁰ times smaller).
            line, = ax.plot(stats.index, stats["mean"], marker=marker, label=label)
            ax.vlines(stats.index, np.maximum(stats["mean"] - std, stats["min"]), stats["mean"] + std,
                      color=line.get_color())
            ax.scatter(cells["n"], cells[key], s=8, color="grey", alpha=0.5)
        ax.axhline(SIGMA2, color="k", lw=0.8, ls=":", label="σ² = 0.09")
        ax.set(xscale="log", yscale="log", xlabel="n", ylabel="MSE",
               title=f"mean ± std over {cells[seed].nunique()} data seeds (grey: each seed;\n"
                     "a lower bar stops at the smallest seed)")
        ax.legend()
        plot.save(fig, out)


def precision(single: pd.DataFrame, double: pd.DataFrame, out):
    """Every seed's train and test MSE in both precisions against n (shifted apart in n to be seen)."""
    with plot.style():
        fig, axes = _plt().subplots(1, 2, figsize=(10, 4))
        ns = set(single["n"])
        for ax, metric in zip(axes, ("train_mse", "test_mse")):
            for cells, label, marker, shift in ((double, "float64", "o", 0.97), (single, "float32", "^", 1.03)):
                c = cells[cells["n"].isin(ns)]
                ax.scatter(c["n"] * shift, c[metric], marker=marker, label=label)
            ax.set(xscale="log", yscale="log", xlabel="n", title=metric + " of each data seed")
            ax.legend()
        plot.save(fig, out)


def compare(series: dict, out):
    """Train and test MSE against n, one line per setting (label -> cells)."""
    with plot.style():
        fig, axes = _plt().subplots(1, 2, figsize=(10, 4))
        for ax, metric in zip(axes, ("train_mse", "test_mse")):
            for label, cells in series.items():
                c = cells.sort_values("n")
                ax.plot(c["n"], np.maximum(c[metric], 1e-12), marker="o", label=label)
            ax.axhline(SIGMA2, color="k", lw=0.8, ls=":", label="σ² = 0.09")
            ax.set(xscale="log", yscale="log", xlabel="n",
                   title=metric + (" (floored at 1e-12)" if metric == "train_mse" else ""))
            ax.legend()
        plot.save(fig, out)


def threshold_grid(table: pd.DataFrame, out):
    """The d = 5 phase diagram: each (m, per-weight std)'s crossing (seed 0) as a coloured square, and the
    threshold against the scale with its bracket, other seeds as grey crosses."""
    d5 = table[(table["d"] == 5) & table["crossing"].notna()]
    record, others = d5[d5["seed"] == 0], d5[(d5["seed"] != 0) & ~d5["scale_by_sqrt_width"]]
    with plot.style():
        fig, (left, right) = _plt().subplots(1, 2, figsize=(11, 4.3))
        logs = np.log10(record["crossing"])
        points = left.scatter(record["width"], record["per_weight_std"], c=logs, s=380, cmap="viridis",
                              marker="s", edgecolors="k")
        for (_, r), value in zip(record.iterrows(), logs):
            left.annotate(f"{r['crossing']:.0f}", (r["width"], r["per_weight_std"]), ha="center", va="center",
                          fontsize=7, color="white" if value < logs.mean() else "black")
        fig.colorbar(points, ax=left, label="log10 crossing n")
        left.set(xscale="log", yscale="log", xlabel="width m", ylabel="per-weight initial std",
                 xlim=(record["width"].min() / 1.6, record["width"].max() * 1.6),
                 ylim=(record["per_weight_std"].min() / 2.5, record["per_weight_std"].max() * 2.5),
                 title="d = 5: n where train MSE crosses σ²/2")
        widths = sorted(record["width"].unique())
        left.set_xticks(widths, [str(w) for w in widths])
        left.minorticks_off()
        for m, line in record[~record["scale_by_sqrt_width"]].groupby("width"):
            line = line.sort_values("per_weight_std")
            bars = right.errorbar(line["per_weight_std"], line["threshold"],
                                  yerr=[line["threshold"] - line["lo"], line["hi"] - line["threshold"]],
                                  marker="o", capsize=3, ls=":", label=f"m = {m}: bracket")
            right.plot(line["per_weight_std"], line["crossing"], marker="x", color=bars[0].get_color(),
                       label=f"m = {m}: crossing")
        if len(others):
            right.scatter(others["per_weight_std"], others["crossing"], marker="P", s=70, color="grey", zorder=3,
                          label="other seeds: crossing")
        right.set(xscale="log", yscale="log", xlabel="per-weight initial std", ylabel="threshold n",
                  title="d = 5: threshold against scale")
        right.set_yticks([500, 1000, 2000, 5000], ["500", "1 000", "2 000", "5 000"])
        right.legend(fontsize=7, loc="upper left")
        plot.save(fig, out)


def variants(table: pd.DataFrame, out, by="data.n", variant="variant", columns=("train_mse", "test_mse")):
    """Bars of mean ± std over seeds per variant, one panel per value of `by` (table: tables.over_seeds)."""
    values = list(dict.fromkeys(table[by]))
    with plot.style():
        fig, axes = _plt().subplots(1, len(values), figsize=(5.5 * len(values), 4.2), squeeze=False)
        width = 0.8 / len(columns)
        for ax, value in zip(axes[0], values):
            rows = table[table[by] == value]
            for k, c in enumerate(columns):
                ax.bar(np.arange(len(rows)) + k * width, rows[f"{c}_mean"], width, yerr=rows[f"{c}_std"],
                       capsize=3, label=c)
            ax.set_xticks(np.arange(len(rows)) + width * (len(columns) - 1) / 2)
            ax.set_xticklabels(rows[variant], rotation=35, ha="right", fontsize=8)
            ax.set_title(f"{by} = {value}")
            ax.legend()
        plot.save(fig, out)


def _cells(sweep):
    return [(labels, run.metrics.reset_index()) for labels, run in load(sweep).cells]


def lyu_width(sweep, out):
    with plot.style():
        fig, axes = _plt().subplots(1, 2, figsize=(10, 3.8))
        for labels, m in _cells(sweep):
            if str(labels["experiment.seed"]) != "0":
                continue
            m = m[m.iteration > 0]
            axes[0].plot(m.iteration, m.margin_ratio, label=f"width {labels['model.width']}")
            axes[1].plot(m.iteration, 1 - m.cos_svm, label=f"width {labels['model.width']}")
        axes[0].set(xscale="log", ylim=(-0.2, 1.05), xlabel="iteration", ylabel="margin / ((1+α)/4 γ_SVM)")
        axes[1].set(xscale="log", yscale="log", xlabel="iteration", ylabel="1 − cos(v, w_SVM)")
        axes[0].axhline(1, color="gray", linewidth=0.8, linestyle="--")
        axes[0].legend()
        fig.suptitle("symmetric data, seed 0: margin ratio and direction against the SVM")
        plot.save(fig, out)


def lyu_early(run, out):
    m = load(run).metrics.reset_index()
    m = m[m.iteration > 0]
    with plot.style():
        fig, ax = _plt().subplots(figsize=(6.5, 3.8))
        ax.plot(m.iteration, m.cos_mean, label="cos(v, μ)")
        ax.plot(m.iteration, m.cos_svm, label="cos(v, w_SVM)")
        ax.plot(m.iteration, m.train_error, label="train 0-1 error", linestyle=":")
        ax.set(xscale="log", xlabel="iteration", ylim=(0, 1.02), title="early phase along μ, late phase along w_SVM")
        ax.legend()
        plot.save(fig, out)


def lyu_fragile(sweep, out, best_known=0.3133):
    with plot.style():
        fig, axes = _plt().subplots(1, 2, figsize=(10, 3.8))
        for labels, m in _cells(sweep):
            m = m[m.iteration > 0]
            name = labels["data.csv"].rsplit("/", 1)[-1].removesuffix(".csv")
            axes[0].plot(m.iteration, m.margin_ratio, label=name)
            axes[1].plot(m.iteration, m.even_odd, label=name)
        axes[0].axhline(1, color="gray", linewidth=0.8, linestyle="--")
        axes[0].axhline(best_known / 0.275, color="gray", linewidth=0.8, linestyle=":")
        axes[0].set(xscale="log", ylim=(-0.1, 1.25), xlabel="iteration", ylabel="margin / ((1+α)/4 γ_SVM)")
        axes[1].set(xscale="log", yscale="log", xlabel="iteration", ylabel="|even part| / |odd part|")
        axes[0].legend()
        fig.suptitle("non-symmetric data: the padding sends the flow to the linear classifier")
        plot.save(fig, out)
