"""Limits and diagnostics: n = ∞ against finite n, the plateau, the edge of stability, the clusters.

`limit`: the finite-n cells of a sweep over data.n against its online cell (n = "online") and the
population flow (n = "infinite"): where each finite n leaves the online curve.
`plateau`: the time the population flow's loss takes to fall half-way from its start to the noise
level, against the initial scale and the width (docs/science.md §8).
`flow`: a population-flow run's excess test MSE over σ² and its alignment at a few times.
`eos`: gradient descent's sharpness against 2/η, the edge of stability (docs/science.md §9).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .._load import FINISHED, Run

# Relative gap, |finite − online| / online, beyond which a finite-n curve has left the online one.
# The online curve's own record-to-record changes at Figure 1's settings (batch 32, lr 0.01), once it
# sits at σ², are 0.05 % at the median and 0.4 % at most: 2 % is five times the largest of them.
DEPARTURE_TOLERANCE = 0.02


def crossing_time(t, y, level) -> float:
    """The first time y falls to `level` or below, interpolated linearly in log t between the two
    records around it (records are geometric in t); NaN if it never does, t[0] if it starts there."""
    t, y = np.asarray(t, float), np.asarray(y, float)
    below = np.flatnonzero(y <= level)
    if below.size == 0:
        return math.nan
    k = below[0]
    if k == 0:
        return float(t[0])
    t0, t1, y0, y1 = t[k - 1], t[k], y[k - 1], y[k]
    share = (y0 - level) / (y0 - y1)
    if t0 <= 0:
        return float(t0 + share * (t1 - t0))
    return float(math.exp(math.log(t0) + share * (math.log(t1) - math.log(t0))))


def departure(t, y, reference, tolerance=DEPARTURE_TOLERANCE) -> float:
    """The time a curve leaves a reference curve for good: the first record after the last one
    where |y − reference| ≤ tolerance × reference. NaN if the last record is still within it (it
    never left); t[0] if no record is."""
    t, y, reference = (np.asarray(v, float) for v in (t, y, reference))
    within = np.flatnonzero(np.abs(y - reference) <= tolerance * np.abs(reference))
    if within.size == 0:
        return float(t[0])
    last = within[-1]
    return math.nan if last == len(t) - 1 else float(t[last + 1])


def _curve(run: Run, column: str) -> pd.Series:
    m = run.metrics
    return pd.Series(m[column].to_numpy(), index=m["time"].to_numpy(), name=column)


def limit_table(sweep, tolerance=DEPARTURE_TOLERANCE) -> pd.DataFrame:
    """One row per finite n of a sweep over data.n with an online cell: the time t (= Σ lr) at which
    its test MSE leaves the online cell's (records at the same iterations), and its final values.
    The test MSE is the comparison because both are population losses; a finite train set's MSE
    differs from the population's by sampling from the first record on (1.7 % at n = 1 262 at t = 0)."""
    cells = {labels["data.n"]: run for labels, run in sweep.cells}
    if "online" not in cells:
        raise ValueError(f"{sweep.path}: no data.n = \"online\" cell to compare with")
    online = _curve(cells.pop("online"), "test_mse")
    rows = []
    for n, run in sorted(cells.items(), key=lambda kv: float(kv[0])):
        test = _curve(run, "test_mse")
        both = pd.concat([test, online], axis=1, join="inner")
        rows.append({"n": int(n), "leaves_online_at_t": departure(both.index, both.iloc[:, 0], both.iloc[:, 1], tolerance),
                     "final_test_mse": test.iloc[-1], "final_train_mse": run.metrics["train_mse"].iloc[-1]})
    return pd.DataFrame(rows)


def plateau_table(sweep, noise_variance=None) -> pd.DataFrame:
    """One row per cell of a population-flow sweep over init_scale and width: the time the test MSE
    takes to fall half-way from its initial value to the noise level σ²."""
    rows = []
    for labels, run in sweep.cells:
        curve = _curve(run, "test_mse")
        sigma2 = noise_variance if noise_variance is not None else run.summary["noise_variance"]
        half = 0.5 * (curve.iloc[0] + sigma2)
        rows.append({"init_scale": float(labels["model.init_scale"]), "width": int(labels["model.width"]),
                     "initial_mse": curve.iloc[0], "half_time": crossing_time(curve.index, curve.values, half),
                     "final_mse_minus_sigma2": curve.iloc[-1] - sigma2})
    return pd.DataFrame(rows).sort_values(["width", "init_scale"], ascending=[True, False]).reset_index(drop=True)


def plateau_slopes(table: pd.DataFrame) -> dict:
    """Least-squares fit half_time = c + p·log(1/s) + q·log(m): {"log(1/s)": p, "log(m)": q, "c": c}."""
    X = np.column_stack([np.ones(len(table)), np.log(1 / table["init_scale"]), np.log(table["width"])])
    c, p, q = np.linalg.lstsq(X, table["half_time"].to_numpy(), rcond=None)[0]
    return {"c": c, "log(1/s)": p, "log(m)": q}


def flow_table(run: Run, times=(1, 3, 5, 10, 100, 1e3, 1e4, 8e4)) -> pd.DataFrame:
    """The population flow at a few times (the record nearest each): the excess test MSE over σ²
    and the alignment metrics' columns where the run has them."""
    m = run.metrics.reset_index()
    sigma2 = run.summary["noise_variance"]
    rows = []
    for t in times:
        r = m.iloc[(m["time"] - t).abs().argmin()]
        row = {"t": r["time"], "test_mse_minus_sigma2": r["test_mse"] - sigma2}
        for c in ("aligned_mass", "aligned_neurons", "effective_width"):
            if c in m:
                row[c] = r[c]
        rows.append(row)
    return pd.DataFrame(rows)


def power_law_exponent(t, y) -> float:
    """The least-squares slope of log y against log t."""
    return float(np.polyfit(np.log(np.asarray(t, float)), np.log(np.asarray(y, float)), 1)[0])


def edge_of_stability_table(sweep, late=0.5) -> pd.DataFrame:
    """One row per step size η of a gradient-descent sweep recording `sharpness`: 2/η, the largest
    sharpness reached, the median sharpness over the last `late` share of the records (and its ratio to
    2/η), and the train loss's minimum and end. At the edge of stability the late median sits at 2/η."""
    rows = []
    for labels, run in sweep.cells:
        lr = float(labels["optimizer.lr"])
        m = run.metrics
        tail = m.iloc[int(len(m) * (1 - late)):]
        loss = m[[c for c in m.columns if c.startswith("train_")][0]]
        rows.append({"lr": lr, "two_over_lr": 2 / lr, "max_sharpness": m["sharpness"].max(),
                     "late_sharpness": tail["sharpness"].median(),
                     "late_over_edge": tail["sharpness"].median() * lr / 2,
                     "min_train_loss": loss.min(), "final_train_loss": loss.iloc[-1]})
    return pd.DataFrame(rows).sort_values("lr").reset_index(drop=True)


def clusters_table(sweep, early=1000) -> pd.DataFrame:
    """One row per cell of a sweep over data.n recording `neuron_clusters`: the number of clusters and
    the heaviest cluster's share of the norm mass (and the clusters carrying 90 % of it) after early alignment (the record at iteration
    `early`) and at the end, with the mass share on clusters within 5 degrees of an extremal vector
    (column 3 of clusters/<iteration>.npy) at both points."""
    rows = []
    for labels, run in sweep.cells:
        if run.status not in FINISHED:
            continue  # not run yet, or still running
        m = run.metrics.reset_index()
        recorded = m.dropna(subset=["clusters"])
        first, last = recorded[recorded["iteration"] == early].iloc[0], recorded.iloc[-1]
        row = {"n": labels["data.n"]}
        for name, rec in (("early", first), ("end", last)):
            table = np.load(run.path / "clusters" / f"{int(rec['iteration'])}.npy")
            row[f"clusters_{name}"] = int(rec["clusters"])
            # The fewest clusters carrying 90 % (the array's rows are the 99 % ones, heaviest first).
            row[f"clusters90_{name}"] = int(np.searchsorted(np.cumsum(table[:, 2]), 0.9) + 1)
            row[f"heaviest_share_{name}"] = rec["heaviest_cluster_share"]
            row[f"extremal_share_{name}"] = float(table[table[:, 3] <= 5, 2].sum()) if len(table) else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _limit_figure(sweep, flow: Run | None, table: pd.DataFrame, out):
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), constrained_layout=True)
    cells = {labels["data.n"]: run for labels, run in sweep.cells}
    finite = sorted((n for n in cells if n != "online"), key=float)
    colours = plt.get_cmap("viridis")(np.linspace(0, 0.92, len(finite)))
    for ax, column, title in zip(axes, ("test_mse", "train_mse"), ("test MSE", "train MSE")):
        for n, colour in zip(finite, colours):
            curve = _curve(cells[n], column)
            ax.plot(curve.index[1:], curve.values[1:], color=colour, lw=1.2, label=f"n = {int(n):,}")
            leaves = table.loc[table["n"] == int(n), "leaves_online_at_t"].iloc[0]
            if column == "test_mse" and not math.isnan(leaves):
                ax.plot([leaves], [curve.loc[leaves]], "o", color=colour, ms=8, mec="black", mew=1, zorder=5)
        online = _curve(cells["online"], column)
        ax.plot(online.index[1:], online.values[1:], color="black", lw=2, label="online SGD")
        if flow is not None:
            f = _curve(flow, "test_mse")  # without a training set, train is the population loss
            ax.plot(f.index[1:], f.values[1:], color="crimson", ls="--", lw=1.6, label="population flow (n = ∞)")
        ax.axhline(sweep.cells[0][1].summary.get("noise_variance") or 0.09, color="grey", lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("t = Σ learning rates")
        ax.set_ylabel(title)
        ax.set_title(f"{title} (dots: where a finite n leaves the online curve for good, ±{DEPARTURE_TOLERANCE:.0%})"
                     if column == "test_mse" else f"{title} (online and ∞: the population loss)", fontsize=10)
    for ax in axes:
        ax.set_xlim(0.3, 1.5e5)  # the plateau before t = 0.3 is flat
    axes[0].set_ylim(0.08, 1.3)
    axes[1].set_ylim(1e-6, 1.3)
    axes[1].legend(fontsize=8, loc="lower left", ncol=2)
    fig.savefig(out, dpi=150)


def _plateau_figure(table: pd.DataFrame, slopes: dict, out):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.4, 4.4), constrained_layout=True)
    for (m, rows), marker in zip(table.groupby("width"), "os^"):
        x = np.log(1 / rows["init_scale"])
        ax.plot(x, rows["half_time"], marker, ms=7, label=f"m = {m:,}")
        fit = slopes["c"] + slopes["log(1/s)"] * x + slopes["log(m)"] * math.log(m)
        ax.plot(x, fit, "-", lw=0.8, color=ax.lines[-1].get_color())
    ax.set_xlabel("log(1/s)")
    ax.set_ylabel("half-way time of the population flow")
    ax.set_title(f"fit: slope {slopes['log(1/s)']:.3f} in log(1/s), {slopes['log(m)']:.3f} in log m\n"
                 "(the linearised early flow predicts 1/|β*| and -1/(2|β*|))", fontsize=10)
    ax.legend()
    fig.savefig(out, dpi=150)


def _eos_figure(sweep, flow: Run | None, out):
    import matplotlib.pyplot as plt
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 7), sharex=True, constrained_layout=True)
    cells = sorted(sweep.cells, key=lambda c: float(c[0]["optimizer.lr"]))
    colours = plt.get_cmap("plasma")(np.linspace(0, 0.85, len(cells)))
    for (labels, run), colour in zip(cells, colours):
        lr = float(labels["optimizer.lr"])
        m = run.metrics.iloc[1:]  # t = 0 has no place on a log axis
        t = m["time"]
        top.plot(t, m["sharpness"], color=colour, lw=1.2, label=f"GD, η = {lr:g} (2/η = {2 / lr:.3g})")
        top.axhline(2 / lr, color=colour, ls=":", lw=1)
        bottom.plot(t, m["train_mse"], color=colour, lw=1)
    if flow is not None:
        f = flow.metrics.iloc[1:]
        top.plot(f["time"], f["sharpness"], color="black", lw=2, label="gradient flow")
        bottom.plot(f["time"], f["train_mse"], color="black", lw=2)
    highest = max(run.metrics["sharpness"].max() for _, run in cells)
    top.set_ylim(0, 1.15 * highest)  # a 2/η far above every curve is off the axis (named in the legend)
    top.set_ylabel("sharpness (top Hessian eigenvalue)")
    top.set_title("dotted: 2/η for each step size", fontsize=10)
    top.legend(fontsize=8, loc="lower right")
    bottom.set_yscale("log")
    bottom.set_ylabel("train MSE")
    bottom.set_xlabel("t = η × iterations")
    bottom.set_xscale("log")
    fig.savefig(out, dpi=150)


def sgd_sharpness_table(sweep, late=0.5, near=0.9) -> pd.DataFrame:
    """One row per finished cell of an SGD sweep over data.n recording `sharpness`: 2/η, the largest
    sharpness, the median over the last `late` share of the records and its ratio to 2/η, the share of
    those records above `near` · 2/η, and at the end the train MSE and the full-batch gradient norm."""
    rows = []
    for labels, run in sweep.cells:
        if run.status not in FINISHED:
            continue
        lr = float(run.config["optimizer"]["lr"])
        m = run.metrics.reset_index()
        sharp = m.dropna(subset=["sharpness"])
        tail = sharp[sharp["iteration"] >= sharp["iteration"].iloc[-1] * (1 - late)]
        rows.append({"n": int(labels["data.n"]), "two_over_lr": 2 / lr, "max_sharpness": sharp["sharpness"].max(),
                     "late_sharpness": tail["sharpness"].median(),
                     "late_over_edge": tail["sharpness"].median() * lr / 2,
                     "late_share_near_edge": float((tail["sharpness"] > near * 2 / lr).mean()),
                     "final_train_mse": m["train_mse"].dropna().iloc[-1],
                     "final_grad_norm": m["grad_norm"].dropna().iloc[-1]})
    return pd.DataFrame(rows).sort_values("n").reset_index(drop=True)


def _stage_rates(config: dict, iterations) -> list:
    """The rate in force just before each iteration, under a step schedule (lr_schedule, step) or none."""
    opt = config["optimizer"]
    steps = [p for p in opt.get("policies", []) if p.get("plugin") == "lr_schedule" and p.get("schedule") == "step"]
    if not steps:
        return [opt["lr"]] * len(iterations)
    decay, every = steps[0]["decay"], steps[0]["every"]
    return [opt["lr"] * decay ** max((int(i) - 1) // every, 0) for i in iterations]


def stationarity_table(run: Run) -> pd.DataFrame:
    """One row per record of the full-batch gradient norm (the end of each stage of a step schedule):
    the iteration, the rate of the stage that ends there, 2/rate, the train MSE, the gradient norm and
    (where recorded) the sharpness."""
    m = run.metrics.reset_index()
    rec = m.dropna(subset=["grad_norm"])
    train = m.set_index("iteration")["train_mse"].dropna()
    table = pd.DataFrame({"iteration": rec["iteration"].astype(int).to_numpy(),
                          "lr": _stage_rates(run.config, rec["iteration"]),
                          "train_mse": [train.loc[:i].iloc[-1] for i in rec["iteration"]],
                          "grad_norm": rec["grad_norm"].to_numpy()})
    table["two_over_lr"] = 2 / table["lr"]
    if "sharpness" in rec:
        table["sharpness"] = rec["sharpness"].to_numpy()
    return table


def _sgd_eos_figure(sweep, out):
    """Sharpness against t for each cell with 2/η, and the train MSE and gradient norm below."""
    import matplotlib.pyplot as plt
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 7), sharex=True, constrained_layout=True)
    cells = sorted(((labels, run) for labels, run in sweep.cells if run.status in FINISHED),
                   key=lambda c: float(c[0]["data.n"]))
    colours = plt.get_cmap("viridis")(np.linspace(0, 0.85, len(cells)))
    lr = None
    for (labels, run), colour in zip(cells, colours):
        lr = float(run.config["optimizer"]["lr"])
        m = run.metrics.reset_index()
        s = m.dropna(subset=["sharpness"])
        s = s[s["time"] > 0]
        top.plot(s["time"], s["sharpness"], color=colour, marker=".", lw=1.2, label=f"n = {int(labels['data.n']):,}")
        t = m.dropna(subset=["train_mse"])
        t = t[t["time"] > 0]
        bottom.plot(t["time"], t["train_mse"], color=colour, lw=1.2)
    if lr is not None:
        top.axhline(2 / lr, color="crimson", ls="--", lw=1.2, label=f"2/η = {2 / lr:g}")
    top.set_ylabel("sharpness (top Hessian eigenvalue)")
    top.set_title("Figure 1's SGD (batch 32, η = 0.01): the full-batch sharpness against 2/η", fontsize=10)
    top.legend(fontsize=8)
    bottom.axhline(0.09, color="grey", ls=":", lw=0.8)
    bottom.set(yscale="log", xscale="log", ylabel="train MSE", xlabel="t = η × iterations")
    fig.savefig(out, dpi=150)


def _stationarity_figure(runs: dict, out):
    """Left: each run's train MSE against the iteration, the stage boundaries dotted; right: the
    full-batch gradient norm at the end of each stage against that stage's rate (log-log)."""
    import matplotlib.pyplot as plt
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    for label, run in runs.items():
        m = run.metrics.reset_index().dropna(subset=["train_mse"])
        m = m[m["iteration"] > 0]
        line, = left.plot(m["iteration"], m["train_mse"], lw=1.2, label=label)
        t = stationarity_table(run)
        steps = [p for p in run.config["optimizer"].get("policies", []) if p.get("schedule") == "step"]
        if steps:  # the ends of the stages only (records in between are noise about the same rate)
            t = t[t["iteration"] % steps[0]["every"] == 0]
        t = t[t["iteration"] > 0]
        right.plot(t["lr"], t["grad_norm"], marker="o", color=line.get_color(), label=label)
        for i in t["iteration"]:
            left.axvline(i, color="grey", ls=":", lw=0.6)
    left.set(xscale="log", yscale="log", xlabel="iteration after the restart", ylabel="train MSE",
             title="dotted: each tenfold cut of the rate")
    left.legend(fontsize=8)
    right.set(xscale="log", yscale="log", xlabel="rate of the stage", ylabel="‖∇L‖ (full batch) at its end",
              title="the gradient norm falls with the rate: a stationary point")
    right.invert_xaxis()
    right.legend(fontsize=8)
    fig.savefig(out, dpi=150)
