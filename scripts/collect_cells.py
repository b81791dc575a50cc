#!/usr/bin/env python3
"""Gathers the finished cells of full-scale runs into one committed CSV, so that
tables and figures outlive the run folders (which are not committed, and are
lost with the machine) and studies run over several sessions add up.

Every folder below the given roots that holds config.toml and a summary.json
with status "completed" is one row: the settings that tell the studies apart,
the final metrics, the wall time and the commit that ran it. A row is keyed by
the hash of the resolved configuration, so collecting the same cell twice (or
the same configuration run in two sweeps) replaces it, and rows already in the
CSV are kept.

usage: collect_cells.py CSV ROOT [ROOT ...]
"""
import csv
import json
import pathlib
import statistics
import sys
import tomllib

SETTINGS = {  # column -> (section, key, default)
    "name": ("experiment", "name", ""),
    "data_seed": ("experiment", "data_seed", None),
    "seed": ("experiment", "seed", 0),
    "teacher": ("data", "plugin", ""),
    "n": ("data", "n", None),
    "d": ("data", "d", None),
    "width": ("model", "width", None),
    "init_scale": ("model", "init_scale", None),
    "scale_by_sqrt_width": ("model", "scale_by_sqrt_width", False),
    "activation": ("model", "activation", "relu"),
    "precision": ("model", "precision", "float64"),
    "optimizer": ("optimizer", "plugin", ""),
    "lr": ("optimizer", "lr", None),
    "iterations": ("optimizer", "iterations", None),
}
METRICS = ["train_mse", "test_mse", "ols_train_mse", "ols_test_mse"]
# The final point of an SGD run can be a spike (one grid cell hovered at 0.04 and
# ended at 0.165), so each cell also keeps the median of its train MSE over the
# records of the second half of training (log-spaced records: the last 3 to 4).
LATE = "train_mse_late_median"
COLUMNS = ["config_hash"] + list(SETTINGS) + METRICS + [LATE, "wall_seconds", "commit"]


def late_median(folder: pathlib.Path, iterations):
    path = folder / "metrics.csv"
    if not path.exists() or not iterations:
        return ""
    with path.open() as f:
        late = [float(r["train_mse"]) for r in csv.DictReader(f)
                if r.get("train_mse") and float(r["iteration"]) >= float(iterations) / 2]
    return statistics.median(late) if late else ""


def row_of(folder: pathlib.Path):
    summary = json.loads((folder / "summary.json").read_text())
    if summary.get("status") != "completed":
        return None
    config = tomllib.loads((folder / "config.toml").read_text())
    row = {"config_hash": config["provenance"]["config_hash"]}
    for column, (section, key, default) in SETTINGS.items():
        row[column] = config.get(section, {}).get(key, default)
    if row["data_seed"] is None:  # the data stream derives from the root seed
        row["data_seed"] = row["seed"]
    final = summary.get("final", {})
    for metric in METRICS:
        row[metric] = final.get(metric, "")
    row[LATE] = late_median(folder, row["iterations"])
    row["wall_seconds"] = summary.get("wall_seconds", "")
    row["commit"] = config.get("provenance", {}).get("git_commit", "")
    return row


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out = pathlib.Path(sys.argv[1])
    rows = {}
    if out.exists():
        with out.open() as f:
            rows = {r["config_hash"]: {c: r.get(c, "") for c in COLUMNS} for r in csv.DictReader(f)}
    before = len(rows)
    for root in sys.argv[2:]:
        for summary in sorted(pathlib.Path(root).rglob("summary.json")):
            if (summary.parent / "config.toml").exists():
                row = row_of(summary.parent)
                if row:
                    rows[row["config_hash"]] = row
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for key in sorted(rows, key=lambda k: (rows[k]["name"], float(rows[k]["n"]), k)):
            writer.writerow(rows[key])
    print(f"{out}: {len(rows)} cells ({len(rows) - before} new)")


if __name__ == "__main__":
    main()
