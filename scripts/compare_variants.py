#!/usr/bin/env python3
"""Mean and spread over seeds of a sweep's final metrics, per variant and per
value of another key: a Markdown table and a figure with one panel per value
(for example experiments/compare_optimizers.toml: optimizer variants x data.n
x experiment.seed).

usage: compare_variants.py SWEEP_DIR [--variant optimizer] [--by data.n]
           [--seed experiment.seed] [--y train_mse,test_mse] [--reference ols_train_mse,ols_test_mse]
           [--relulab build/relulab] [--out fig.png]
Runs `relulab table` for the numbers; needs python3-pandas and python3-matplotlib.
"""
import argparse
import io
import subprocess

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def summarise(df, variant, by, columns):
    """mean and sample standard deviation over seeds, variants in the order they were swept."""
    order = list(dict.fromkeys(df[variant]))
    grouped = df.groupby([by, variant], sort=False)[columns].agg(["mean", "std", "count"])
    return grouped, order


def markdown(grouped, order, by, columns, references):
    head = f"| {by} | variant | " + " | ".join(columns) + " | seeds |"
    lines = [head, "|" + "---:|---|" + "---:|" * (len(columns) + 1)]
    for value in grouped.index.get_level_values(0).unique():
        for name in order:
            row = grouped.loc[(value, name)]
            cells = [f"{row[(c, 'mean')]:.4f} ± {row[(c, 'std')]:.4f}" for c in columns]
            lines.append(f"| {value} | {name} | " + " | ".join(cells) + f" | {int(row[(columns[0], 'count')])} |")
        ref = references.get(value)
        if ref:
            lines.append(f"| {value} | *OLS* | " + " | ".join(f"{r:.4f}" for r in ref) + " | |")
    return "\n".join(lines)


def figure(grouped, order, by, columns, references, out):
    values = list(grouped.index.get_level_values(0).unique())
    fig, axes = plt.subplots(1, len(values), figsize=(5.5 * len(values), 4.2), squeeze=False)
    width = 0.8 / len(columns)
    for ax, value in zip(axes[0], values):
        for k, c in enumerate(columns):
            means = [grouped.loc[(value, n)][(c, "mean")] for n in order]
            stds = [grouped.loc[(value, n)][(c, "std")] for n in order]
            ax.bar([i + k * width for i in range(len(order))], means, width, yerr=stds, capsize=3, label=c)
            ref = references.get(value)
            if ref:
                ax.axhline(ref[k], color=f"C{k}", linestyle="--", linewidth=1, label=f"OLS {c}")
        ax.set_xticks([i + width * (len(columns) - 1) / 2 for i in range(len(order))])
        ax.set_xticklabels(order, rotation=35, ha="right", fontsize=8)
        ax.set_title(f"{by} = {value}")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=120)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("sweep")
    p.add_argument("--variant", default="optimizer")
    p.add_argument("--by", default="data.n")
    p.add_argument("--y", default="train_mse,test_mse")
    p.add_argument("--reference", default="ols_train_mse,ols_test_mse")
    p.add_argument("--relulab", default="build/relulab")
    p.add_argument("--out")
    a = p.parse_args()
    table = subprocess.run([a.relulab, "table", a.sweep], check=True, capture_output=True, text=True).stdout
    df = pd.read_csv(io.StringIO(table))
    columns = a.y.split(",")
    refs = a.reference.split(",") if a.reference else []
    references = {v: [g[r].mean() for r in refs] for v, g in df.groupby(a.by)} if refs else {}
    grouped, order = summarise(df, a.variant, a.by, columns)
    print(markdown(grouped, order, a.by, columns, references))
    if a.out:
        figure(grouped, order, a.by, columns, references, a.out)


if __name__ == "__main__":
    main()
