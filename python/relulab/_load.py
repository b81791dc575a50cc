"""Reading run and sweep folders: every file the CLI writes."""
from __future__ import annotations

import json
import pathlib
import re
import tomllib

import numpy as np
import pandas as pd


def load(path):
    """A Run (a folder with config.toml), a Sweep (sweep.json) or a Search (search.csv)."""
    p = pathlib.Path(path)
    if (p / "sweep.json").exists():
        return Sweep(p)
    if (p / "config.toml").exists():
        return Run(p)
    if (p / "search.csv").exists():
        return Search(p)
    raise FileNotFoundError(f"{p}: not a run folder (config.toml), a sweep folder (sweep.json) "
                            "or a search folder (search.csv)")


def diff(a, b) -> pd.DataFrame:
    """The configuration keys two runs (or run folders) set differently, as dotted keys with both
    values; provenance (paths, commit, hashes) left out. Empty when the runs are configured alike."""
    a, b = (x if isinstance(x, Run) else Run(x) for x in (a, b))
    left, right = _flatten(a.config), _flatten(b.config)
    keys = sorted(k for k in left.keys() | right.keys()
                  if not k.startswith("provenance.") and left.get(k, _MISSING) != right.get(k, _MISSING))
    return pd.DataFrame({"key": keys, str(a.path): [left.get(k, "(unset)") for k in keys],
                         str(b.path): [right.get(k, "(unset)") for k in keys]}).set_index("key")


_MISSING = object()
# The statuses whose final values are results: completed, or stopped early by an [experiment] stop condition.
FINISHED = ("completed", "stopped")


def _flatten(doc, prefix="") -> dict:
    """{"a": {"b": 1}, "m": [{"p": 2}]} -> {"a.b": 1, "m[0].p": 2}."""
    out = {}
    items = doc.items() if isinstance(doc, dict) else ((f"[{i}]", v) for i, v in enumerate(doc))
    for k, v in items:
        name = f"{prefix}{k}" if k.startswith("[") or not prefix else f"{prefix}.{k}"
        if isinstance(v, dict) or (isinstance(v, list) and v and all(isinstance(x, dict) for x in v)):
            out.update(_flatten(v, name))
        else:
            out[name] = v
    return out


class Run:
    """One run folder. Reading is lazy: a run still going can be loaded, and reloaded."""

    def __init__(self, path):
        self.path = pathlib.Path(path)
        if not (self.path / "config.toml").exists():
            raise FileNotFoundError(f"{self.path}: no config.toml, not a run folder")

    def __repr__(self):
        return f"Run({str(self.path)!r}, status={self.status!r})"

    @property
    def config(self) -> dict:
        """The resolved configuration, every default filled in, with its [provenance]."""
        return tomllib.loads((self.path / "config.toml").read_text())

    @property
    def summary(self) -> dict:
        """summary.json (final values, status, wall time); empty while the run has not finished."""
        f = self.path / "summary.json"
        return json.loads(f.read_text()) if f.exists() else {}

    @property
    def status(self) -> str:
        """completed, diverged, interrupted, failed; "running" when there is no summary yet."""
        return self.summary.get("status", "running" if (self.path / "metrics.csv").exists() else "not started")

    @property
    def metrics(self) -> pd.DataFrame:
        """metrics.csv as a DataFrame indexed by iteration, with the time column."""
        f = self.path / "metrics.csv"
        if not f.exists():
            return pd.DataFrame()
        # round_trip: pandas' default parser can miss the last bit; the CLI writes shortest round-trip decimals.
        return pd.read_csv(f, float_precision="round_trip").set_index("iteration")

    def weights(self, which: str = "final"):
        """(W, a, b) at "init" or "final": W is m x d (row j = neuron j); b is None without a bias."""
        if which not in ("init", "final"):
            raise ValueError('which is "init" or "final"')
        W = np.load(self.path / f"W_{which}.npy")
        a = np.load(self.path / f"a_{which}.npy")
        b_file = self.path / f"b_{which}.npy"
        return W, a, (np.load(b_file) if b_file.exists() else None)

    def snapshots(self) -> dict:
        """iteration -> (W, a, b), from the neuron_snapshots metric."""
        folder = self.path / "snapshots"
        out = {}
        for f in sorted(folder.glob("W_*.npy")) if folder.exists() else []:
            it = int(re.fullmatch(r"W_(\d+)\.npy", f.name).group(1))
            b = folder / f"b_{it}.npy"
            out[it] = (np.load(f), np.load(folder / f"a_{it}.npy"), np.load(b) if b.exists() else None)
        return dict(sorted(out.items()))

    @property
    def arrays(self) -> dict:
        """Every .npy a metric wrote (in subfolders), by its path without the suffix."""
        return {str(f.relative_to(self.path).with_suffix("")): np.load(f)
                for f in sorted(self.path.rglob("*.npy")) if f.parent != self.path}

    @property
    def data(self):
        """The training set (X, y) the run used. Runs with data.n = "online" or "infinite" have none."""
        n = self.config.get("data", {}).get("n")
        if isinstance(n, str):
            raise ValueError(f"{self.path}: data.n = {n!r} trains without a finite training set, so there is no "
                             "X_train.npy (online data draws fresh samples at every step; infinite data is the "
                             "population loss)")
        return np.load(self.path / "X_train.npy"), np.load(self.path / "y_train.npy")

    def predict(self, X, which: str = "final"):
        """The network's outputs on X (n x d), in numpy, from the saved weights and the run's activation."""
        W, a, b = self.weights(which)
        model = self.config["model"]
        z = np.asarray(X) @ W.T + (0 if b is None else b)
        act = model.get("activation", "relu")
        if act == "relu":
            h = np.maximum(z, 0)
        elif act == "leaky_relu":
            h = np.where(z > 0, z, model.get("slope", 0.01) * z)
        else:
            from math import erf  # the erf form, as the model
            h = z * 0.5 * (1 + np.vectorize(erf)(z / np.sqrt(2)))
        return h @ a


class Sweep:
    """A sweep folder: its cells (Runs), labelled by the swept keys."""

    def __init__(self, path):
        self.path = pathlib.Path(path)
        self._meta = json.loads((self.path / "sweep.json").read_text())
        self.name = self._meta["name"]
        self.keys = list(self._meta["keys"])
        self.log_keys = list(self._meta.get("log_keys", []))  # written as { logspace = [...] }

    def __repr__(self):
        counts = self.status_counts()
        return f"Sweep({str(self.path)!r}, {len(self.cells)} cells, " + ", ".join(f"{k}: {v}" for k, v in counts.items()) + ")"

    @property
    def cells(self) -> list:
        """The cells as (labels, Run), in sweep order; a cell not started yet is a Run with status "not started"."""
        out = []
        for c in self._meta["cells"]:
            run = Run.__new__(Run)
            run.path = self.path / c["dir"]
            out.append((c["labels"], run))
        return out

    def status_counts(self) -> dict:
        counts = {}
        for _, run in self.cells:
            s = run.status if (run.path / "config.toml").exists() else "not started"
            counts[s] = counts.get(s, 0) + 1
        return counts

    @property
    def incomplete(self) -> list:
        """(index, status, reason) of every cell that has not finished (completed, or stopped by a condition):
        running, diverged, failed, ..."""
        out = []
        for i, (_, run) in enumerate(self.cells):
            s = run.status if (run.path / "config.toml").exists() else "not started"
            if s not in FINISHED:
                out.append((i, s, run.summary.get("reason", "")))
        return out

    @staticmethod
    def _typed(labels: dict) -> dict:
        """Swept values as numbers where they are numbers (errors="ignore" is deprecated in pandas)."""
        def typed(v):
            try:
                return pd.to_numeric(v)
            except (ValueError, TypeError):
                return v
        return {k: typed(v) for k, v in labels.items()}

    def table(self) -> pd.DataFrame:
        """One row per cell: the swept keys, status, and every final metric (NaN where there is none yet)."""
        rows = []
        for i, (labels, run) in enumerate(self.cells):
            s = run.summary
            row = {"cell": i, **self._typed(labels),
                   "status": s.get("status", run.status if (run.path / "config.toml").exists() else "not started")}
            row.update(s.get("final", {}))
            rows.append(row)
        return pd.DataFrame(rows).set_index("cell")

    def curves(self, metric: str) -> pd.DataFrame:
        """A long DataFrame: iteration, the metric (a column named after it) along each cell's run,
        the swept keys and the cell's index."""
        frames = []
        for i, (labels, run) in enumerate(self.cells):
            m = run.metrics
            if m.empty or metric not in m:
                continue
            f = m[[metric]].reset_index()
            for k, v in self._typed(labels).items():
                f[k] = v
            f["cell"] = i
            frames.append(f)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def aggregate(self, over: str = "experiment.seed") -> pd.DataFrame:
        """Mean and standard deviation of the final metrics over one swept key (completed cells only)."""
        t = self.table()
        t = t[t["status"].isin(FINISHED)]
        if over not in t:
            raise KeyError(f"{over!r} is not a swept key of this sweep (keys: {', '.join(self.keys)})")
        keys = [k for k in self.keys if k != over]
        values = [c for c in t.columns if c not in self.keys and c != "status"]
        grouped = t.groupby(keys)[values] if keys else t[values].groupby(lambda _: 0)
        return grouped.agg(["mean", "std", "count"])


class Search:
    """A threshold search folder: every evaluated point, the bracket, and each round as a Sweep."""

    def __init__(self, path):
        self.path = pathlib.Path(path)
        if not (self.path / "search.csv").exists():
            raise FileNotFoundError(f"{self.path}: no search.csv, not a search folder")
        meta = self.path / "search.json"
        self.meta = json.loads(meta.read_text()) if meta.exists() else {}

    def __repr__(self):
        return f"Search({str(self.path)!r}, {len(self.points)} points, bracket={self.bracket})"

    @property
    def points(self) -> pd.DataFrame:
        """search.csv: one row per evaluated value of the key (round, mean, criterion, each seed)."""
        return pd.read_csv(self.path / "search.csv", float_precision="round_trip")

    @property
    def key(self) -> str:
        return self.points.columns[0]

    @property
    def bracket(self):
        """(last value on the first side, first value on the other), or None when there is none."""
        b = self.meta.get("bracket")
        return tuple(b) if b else None

    @property
    def message(self) -> str:
        f = self.path / "search.txt"
        return f.read_text().strip() if f.exists() else ""

    @property
    def rounds(self) -> list:
        """Round 0 (the ends of the range), 1, 2, ...: each a Sweep."""
        found = [(int(d.name.split("-")[1]), d) for d in self.path.glob("round-*") if (d / "sweep.json").exists()]
        return [Sweep(d) for _, d in sorted(found)]
