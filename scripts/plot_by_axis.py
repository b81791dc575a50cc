#!/usr/bin/env python3
"""Plot a sweep's final metrics against one swept key, one line per value of
another (for example data.n on x, one line per model.activation).

usage: plot_by_axis.py SWEEP_DIR --x data.n --by model.activation \
           --y train_mse,test_mse [--relulab build/relulab] --out fig.png
Runs `relulab table` for the numbers; needs python3-pandas and python3-matplotlib.
"""
import argparse
import io
import subprocess

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("sweep")
    p.add_argument("--x", required=True)
    p.add_argument("--by", required=True)
    p.add_argument("--y", required=True)
    p.add_argument("--relulab", default="build/relulab")
    p.add_argument("--title", default="")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    table = subprocess.run([a.relulab, "table", a.sweep], check=True, capture_output=True, text=True).stdout
    df = pd.read_csv(io.StringIO(table))
    df = df[df["status"] == "completed"]
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    styles = ["-", "--", ":", "-."]
    for i, (group, rows) in enumerate(df.groupby(a.by)):
        rows = rows.sort_values(a.x)
        for column in a.y.split(","):
            ax.plot(rows[a.x], rows[column], styles[i % len(styles)], marker="o", ms=3,
                    label=f"{column}, {a.by.split('.')[-1]} = {group}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(a.x)
    ax.set_title(a.title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(a.out, dpi=120)


if __name__ == "__main__":
    main()
