"""Cells: every run folder below some roots (single runs, sweep cells, search rounds), one row each.

A row holds the settings that tell studies apart, the final metrics, the late median of the train MSE,
the status, the wall time and the commit. Rows are keyed by the hash of the resolved configuration,
so the same cell collected twice (or run in two sweeps) is one row, and a CSV of cells grows across
sessions (`merge`).
"""
from __future__ import annotations

import pathlib

import numpy as np
import pandas as pd

from .._load import FINISHED, Run

SETTINGS = {  # column -> (section, key, default)
    "name": ("experiment", "name", ""),
    "data_seed": ("experiment", "data_seed", None),
    "seed": ("experiment", "seed", 0),
    "teacher": ("data", "plugin", ""),
    "teacher_seed": ("data", "teacher_seed", None),  # the ReLU teacher's draw (Figure 3); empty for others
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
LATE = "train_mse_late_median"
COLUMNS = ["config_hash"] + list(SETTINGS) + METRICS + [LATE, "status", "wall_seconds", "commit"]


def late_median(metrics: pd.DataFrame, column: str = "train_mse") -> float:
    """The median of a metric over the records whose iteration is at least half the last record's:
    `[search] statistic = "late_median"` (framework/src/sweep/search.cpp). For a completed run the last
    record is the last iteration; for a stopped one, the record where it stopped. NaN without records."""
    if column not in metrics:
        return np.nan
    recorded = metrics[column].dropna()
    if recorded.empty:
        return np.nan
    iterations = recorded.index.to_numpy(dtype=float)
    return float(np.median(recorded.to_numpy()[iterations >= iterations[-1] / 2]))


def row_of(folder) -> dict | None:
    """One cell's row, read through relulab.load; None for a folder that has not finished (running,
    diverged, failed)."""
    run = Run(folder)
    summary = run.summary
    if summary.get("status") not in FINISHED:
        return None
    config = run.config
    row = {"config_hash": config["provenance"]["config_hash"]}
    for column, (section, key, default) in SETTINGS.items():
        row[column] = config.get(section, {}).get(key, default)
    if row["data_seed"] is None:  # the data stream derives from the root seed
        row["data_seed"] = row["seed"]
    final = summary.get("final", {})
    for metric in METRICS:
        row[metric] = final.get(metric, np.nan)
    row[LATE] = late_median(run.metrics)
    row["status"] = summary["status"]
    row["wall_seconds"] = summary.get("wall_seconds", np.nan)
    row["commit"] = config.get("provenance", {}).get("git_commit", "")
    return row


def collect(*roots) -> pd.DataFrame:
    """The finished cells below the roots (each a run, sweep or search folder, or any folder above them)."""
    rows = {}
    for root in roots:
        for summary in sorted(pathlib.Path(root).rglob("summary.json")):
            if (summary.parent / "config.toml").exists():
                row = row_of(summary.parent)
                if row:
                    rows[row["config_hash"]] = row
    return pd.DataFrame(list(rows.values()), columns=COLUMNS)


def read(*paths) -> pd.DataFrame:
    """Cell CSVs, concatenated in order. A row without a status (written before statuses were kept) is
    "completed": only finished cells were ever collected."""
    frames = [pd.read_csv(p, float_precision="round_trip", dtype={"commit": str, "config_hash": str}) for p in paths]
    cells = pd.concat(frames, ignore_index=True)
    if "status" not in cells:
        cells["status"] = "completed"
    cells["status"] = cells["status"].fillna("completed")
    return cells


def merge(csv, cells: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Adds cells to a CSV of cells (a new row replaces the one with its configuration hash) and writes
    it back sorted by name, n and hash. Returns the table and how many rows are new."""
    csv = pathlib.Path(csv)
    old = read(csv) if csv.exists() else pd.DataFrame(columns=COLUMNS)
    new = (~cells["config_hash"].isin(old["config_hash"])).sum()
    both = pd.concat([old[~old["config_hash"].isin(cells["config_hash"])], cells], ignore_index=True)
    both = both.reindex(columns=COLUMNS).sort_values(["name", "n", "config_hash"], kind="stable")
    csv.parent.mkdir(parents=True, exist_ok=True)
    both.to_csv(csv, index=False, lineterminator="\n")
    return both.reset_index(drop=True), int(new)


def select(cells: pd.DataFrame, names=None, precision=None, optimizer=None, activation=None) -> pd.DataFrame:
    """The cells whose experiment name is one of `names` and whose precision, optimizer and activation
    match (None: any)."""
    keep = pd.Series(True, index=cells.index)
    if names is not None:
        keep &= cells["name"].isin([names] if isinstance(names, str) else list(names))
    for column, value in (("precision", precision), ("optimizer", optimizer), ("activation", activation)):
        if value is not None:
            keep &= cells[column] == value
    return cells[keep]


def first_per(cells: pd.DataFrame, keys) -> pd.DataFrame:
    """One cell per value of `keys`, the first in file order: where a record of an earlier run and a cell
    measured later both exist, the file read first decides (documented at each use)."""
    return cells.drop_duplicates(subset=list(keys), keep="first")


def with_per_weight_std(cells: pd.DataFrame) -> pd.DataFrame:
    """Adds `per_weight_std`, the initial standard deviation of one weight: init_scale, or init_scale / √width
    under scale_by_sqrt_width (the authors' earlier convention); `scale_by_sqrt_width` becomes a bool."""
    out = cells.copy()
    out["scale_by_sqrt_width"] = out["scale_by_sqrt_width"].astype(str) == "True"
    out["per_weight_std"] = np.where(out["scale_by_sqrt_width"], out["init_scale"] / np.sqrt(out["width"]),
                                     out["init_scale"])
    return out
