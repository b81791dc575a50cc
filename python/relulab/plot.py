"""Pictures with matplotlib: Figure 1 style sweeps, training curves, and the neurons."""
from __future__ import annotations

import numpy as np


def _plt():
    import matplotlib.pyplot as plt
    return plt


def sweep(sw, x="data.n", y=("train_mse", "test_mse"), logx=True, logy=True, ax=None, seed_key="experiment.seed"):
    """Final metrics against a swept key: means with error bars over seeds (when seeds are swept),
    one line per metric and per value of the other swept keys, and a sigma^2 line when the data know it."""
    plt = _plt()
    ax = ax or plt.subplots(figsize=(6.4, 4.4))[1]
    t = sw.table()
    t = t[t["status"] == "completed"]
    others = [k for k in sw.keys if k not in (x, seed_key)]
    groups = t.groupby(others) if others else [((), t)]
    for label, rows in groups:
        for metric in ([y] if isinstance(y, str) else y):
            stats = rows.groupby(x)[metric].agg(["mean", "std"]).sort_index()
            name = metric + ("" if not others else " (" + ", ".join(
                f"{k.split('.')[-1]}={v}" for k, v in zip(others, label if isinstance(label, tuple) else (label,))) + ")")
            ax.errorbar(stats.index, stats["mean"], yerr=stats["std"].fillna(0), marker="o", ms=3, capsize=2, label=name)
    noise = _noise_variance(sw)
    if noise:
        ax.axhline(noise, color="grey", ls=":", label="σ²")
    ax.set_xscale("log" if logx else "linear")
    ax.set_yscale("log" if logy else "linear")
    ax.set_xlabel(x)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    return ax


def _noise_variance(sw):
    for _, run in sw.cells:
        v = run.summary.get("noise_variance")
        if v:
            return v
    return None


def curves(run, y=None, logx=True, logy=True, ax=None):
    """A run's metric columns against the iteration."""
    plt = _plt()
    ax = ax or plt.subplots(figsize=(6.4, 4.4))[1]
    m = run.metrics
    for column in (y or [c for c in m.columns if c != "time"]):
        series = m[column].dropna()
        ax.plot(series.index.where(series.index > 0, 1) if logx else series.index, series.values, label=column)
    ax.set_xscale("log" if logx else "linear")
    ax.set_yscale("log" if logy else "linear")
    ax.set_xlabel("iteration")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    return ax


def _frame(run, at):
    if at in ("init", "final"):
        return run.weights(at)
    snaps = run.snapshots()
    if not snaps:
        raise ValueError(f"{run.path}: no neuron snapshots (add a [[metrics]] plugin = \"neuron_snapshots\")")
    it = min(snaps, key=lambda k: abs(k - at))
    return snaps[it]


def _axes(run, W):
    """Two unit directions to draw on: d = 2 as it is; otherwise the teacher's direction (when the
    configuration gives one, else e_1) and the first principal direction of W orthogonal to it."""
    d = W.shape[1]
    if d == 2:
        return np.eye(2)
    u = np.asarray(run.config.get("data", {}).get("beta_star", np.eye(d)[0]), dtype=float)
    u = u / np.linalg.norm(u)
    rest = W - np.outer(W @ u, u)
    v = np.linalg.svd(rest, full_matrices=False)[2][0] if np.abs(rest).sum() > 0 else np.eye(d)[1]
    v = v - (v @ u) * u
    return np.stack([u, v / np.linalg.norm(v)])


def _extremal_directions(run, at):
    """The extremal vectors the extremal_vectors metric found nearest `at` (its arrays), or none."""
    files = {int(f.stem.split("_")[1]): f for f in (run.path / "extremal").glob("directions_*.npy")}
    if not files:
        return []
    last = max(files) if at in ("init", "final") else min(files, key=lambda k: abs(k - at))
    return list(np.load(files[last]))


def neurons(run, at="final", ax=None, directions=None):
    """Each neuron j a point at the angle of w_j (its projection for d > 2) with radius |a_j| ||w_j||,
    blue for a_j > 0 and red for a_j < 0; `directions` (unit vectors) drawn as dashed rays, by default
    the extremal vectors of the run's extremal_vectors metric when it has one."""
    plt = _plt()
    W, a, _ = _frame(run, at)
    if directions is None:
        directions = _extremal_directions(run, at)
    ax = ax or plt.subplots(figsize=(4.8, 4.8))[1]
    basis = _axes(run, W)
    P = W @ basis.T
    angle = np.arctan2(P[:, 1], P[:, 0])
    radius = np.abs(a) * np.linalg.norm(W, axis=1)
    ax.scatter(radius * np.cos(angle), radius * np.sin(angle), s=6, c=np.where(a > 0, "tab:blue", "tab:red"))
    r = radius.max() if radius.size and radius.max() > 0 else 1.0
    for u in directions:
        p = basis @ np.asarray(u, dtype=float)
        p = p / (np.linalg.norm(p) or 1)
        ax.plot([0, 1.1 * r * p[0]], [0, 1.1 * r * p[1]], "k--", lw=0.8)
    ax.set_aspect("equal")
    ax.set_title(f"neurons at {at}: angle of w_j, radius |a_j| |w_j|", fontsize=8)
    lim = 1.15 * r
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    return ax


def animate_neurons(run, out="neurons.gif", fps=5):
    """A GIF of neurons() over the run's snapshots (pillow writes it)."""
    plt = _plt()
    from matplotlib.animation import FuncAnimation, PillowWriter
    snaps = run.snapshots()
    if not snaps:
        raise ValueError(f"{run.path}: no neuron snapshots to animate")
    fig, ax = plt.subplots(figsize=(4.8, 4.8))
    iterations = list(snaps)

    def draw(i):
        ax.clear()
        neurons(run, at=iterations[i], ax=ax)
        ax.set_title(f"iteration {iterations[i]}", fontsize=9)

    FuncAnimation(fig, draw, frames=len(iterations)).save(out, writer=PillowWriter(fps=fps))
    plt.close(fig)
    return out
