#!/usr/bin/env python3
"""The figures of docs/reproduction.md's Lyu et al. (2021) section, from the
run folders of experiments/lyu2021/{a_width,b_early_phase,c_fragile}.toml.

usage: plot_lyu2021.py A_SWEEP B_RUN C_SWEEP OUT_DIR
Needs python3-pandas and python3-matplotlib.
"""
import json
import pathlib
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def cells(sweep):
    """(labels, metrics) per cell of a sweep folder, in sweep order."""
    meta = json.loads((pathlib.Path(sweep) / "sweep.json").read_text())
    return [(c["labels"], pd.read_csv(pathlib.Path(sweep) / c["dir"] / "metrics.csv")) for c in meta["cells"]]


def width_figure(sweep, out):
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for labels, m in cells(sweep):
        if labels["experiment.seed"] != "0":
            continue
        m = m[m.iteration > 0]
        axes[0].plot(m.iteration, m.margin_ratio, label=f"width {labels['model.width']}")
        axes[1].plot(m.iteration, 1 - m.cos_svm, label=f"width {labels['model.width']}")
    axes[0].set(xscale="log", ylim=(-0.2, 1.05), xlabel="iteration", ylabel="margin / ((1+α)/4 γ_SVM)")
    axes[1].set(xscale="log", yscale="log", xlabel="iteration", ylabel="1 − cos(v, w_SVM)")
    axes[0].axhline(1, color="gray", linewidth=0.8, linestyle="--")
    axes[0].legend(fontsize=8)
    fig.suptitle("symmetric data, seed 0: margin ratio and direction against the SVM")
    fig.tight_layout()
    fig.savefig(out, dpi=120)


def early_figure(run, out):
    m = pd.read_csv(pathlib.Path(run) / "metrics.csv")
    m = m[m.iteration > 0]
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    ax.plot(m.iteration, m.cos_mean, label="cos(v, μ)")
    ax.plot(m.iteration, m.cos_svm, label="cos(v, w_SVM)")
    ax.plot(m.iteration, m.train_error, label="train 0-1 error", linestyle=":")
    ax.set(xscale="log", xlabel="iteration", ylim=(0, 1.02))
    ax.legend(fontsize=8)
    ax.set_title("early phase along μ, late phase along w_SVM")
    fig.tight_layout()
    fig.savefig(out, dpi=120)


def fragile_figure(sweep, out):
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for labels, m in cells(sweep):
        m = m[m.iteration > 0]
        name = pathlib.Path(labels["data.csv"]).stem
        axes[0].plot(m.iteration, m.margin_ratio, label=name)
        axes[1].plot(m.iteration, m.even_odd, label=name)
    axes[0].axhline(1, color="gray", linewidth=0.8, linestyle="--")
    axes[0].axhline(0.3133 / 0.275, color="gray", linewidth=0.8, linestyle=":")
    axes[0].set(xscale="log", ylim=(-0.1, 1.25), xlabel="iteration", ylabel="margin / ((1+α)/4 γ_SVM)")
    axes[1].set(xscale="log", yscale="log", xlabel="iteration", ylabel="|even part| / |odd part|")
    axes[0].legend(fontsize=8)
    fig.suptitle("non-symmetric data: the padding sends the flow to the linear classifier")
    fig.tight_layout()
    fig.savefig(out, dpi=120)


def main():
    a, b, c, out = sys.argv[1:5]
    out = pathlib.Path(out)
    width_figure(a, out / "lyu2021_a_width.png")
    early_figure(b, out / "lyu2021_b_early_phase.png")
    fragile_figure(c, out / "lyu2021_c_fragile.png")


if __name__ == "__main__":
    main()
