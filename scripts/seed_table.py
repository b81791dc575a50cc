#!/usr/bin/env python3
"""The Figure 1 table over data seeds: final train and test MSE per n, mean and
sample standard deviation over the seeds whose cells have finished. Reads run
folders directly (summary.json and config.toml of each cell), so sweeps run
separately (seed 0 of record, seeds 1 and 2 later) combine.

usage: seed_table.py SWEEP_DIR [SWEEP_DIR ...]
"""
import json
import pathlib
import re
import statistics
import sys


def cells(sweep):
    for cell in sorted((pathlib.Path(sweep) / "cells").iterdir()):
        summary = cell / "summary.json"
        if not summary.exists():
            continue
        s = json.loads(summary.read_text())
        if s.get("status") != "completed":
            continue
        config = (cell / "config.toml").read_text()
        n = int(re.search(r"\nn = (\d+)", config).group(1))
        seed = re.search(r"\ndata_seed = (\d+)", config)
        yield n, int(seed.group(1)) if seed else 0, s["final"]


def main():
    rows = {}
    for sweep in sys.argv[1:]:
        for n, seed, final in cells(sweep):
            rows.setdefault(n, {})[seed] = final
    print("| n | seeds | train MSE | test MSE | OLS train | OLS test |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in sorted(rows):
        finals = list(rows[n].values())
        def cell(key):
            values = [f[key] for f in finals]
            if len(values) < 2:
                return f"{values[0]:.3g}"
            return f"{statistics.mean(values):.3g} ± {statistics.stdev(values):.2g}"
        print(f"| {n:,} | {len(finals)} | {cell('train_mse')} | {cell('test_mse')} | {cell('ols_train_mse')} |"
              f" {cell('ols_test_mse')} |".replace(",", " "))


if __name__ == "__main__":
    main()
