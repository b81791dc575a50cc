"""Pictures with matplotlib: Figure 1 style sweeps, training curves, and the neurons."""
from __future__ import annotations

import numpy as np
import pandas as pd


def _plt():
    import matplotlib.pyplot as plt
    return plt


_LINE_STYLES = {"train": "-", "test": "--"}

# One look for every figure the package draws, relulab.analysis's included: type large enough to read on
# a slide at the saved size, a layout that keeps labels inside the canvas, no chart junk.
STYLE = {"font.size": 11, "axes.titlesize": 11, "axes.labelsize": 11, "legend.fontsize": 9,
         "xtick.labelsize": 10, "ytick.labelsize": 10, "figure.constrained_layout.use": True,
         "axes.spines.top": False, "axes.spines.right": False, "savefig.dpi": 150, "lines.linewidth": 1.6}


def style():
    """A context in which figures take relulab's style: `with relulab.plot.style(): ...`."""
    import matplotlib
    return matplotlib.rc_context(STYLE)


def save(fig, path):
    """Saves a figure at the style's resolution and closes it."""
    fig.savefig(path)
    _plt().close(fig)
    print(f"wrote {path}")


def _is_loss(column: str) -> bool:
    """The columns a loss figure shows: MSEs, and the train_/test_ losses and errors."""
    return "mse" in column or column.startswith(("train_", "test_"))


def _labels(runs) -> dict:
    """column -> label, from the metrics' column labels in the first summary that has them."""
    for run in runs:
        labels = run.summary.get("labels")
        if labels:
            return labels
    return {}


# Sample sizes without a number (data.n = "online" or "infinite"): drawn as levels, the curve's limit.
_LIMITS = {"online": "online", "infinite": "∞ (population)"}


def _split_limits(table, x):
    """(rows with a numeric x, x made numeric; rows whose x is "online" or "infinite")."""
    words = table[x].astype(str).isin(_LIMITS)
    finite = table[~words].copy()
    finite[x] = pd.to_numeric(finite[x], errors="coerce")
    return finite[finite[x].notna()], table[words]


def _numeric_key(table, k):
    finite, _ = _split_limits(table, k)
    return len(finite) > 0 and len(finite) + (table[k].astype(str).isin(_LIMITS)).sum() == len(table)


def _natural_x(sw, table, seed_key):
    """The swept numeric key (seeds aside) with the most distinct values; sample sizes may mix
    numbers with "online" and "infinite"."""
    numeric = [k for k in sw.keys if k != seed_key and _numeric_key(table, k)]
    if not numeric:
        raise ValueError(f"{sw.path}: no numeric swept key other than {seed_key}; pass x=")
    return max(numeric, key=lambda k: table[k].nunique())


def _log_axis(values, written_log: bool) -> bool:
    values = np.asarray(values, dtype=float)
    return written_log or bool(values.size and values.min() > 0 and values.max() / values.min() > 100)


def _groups(frame, keys):
    """(label tuple, rows) per combination of `keys`; one group when there are none."""
    if not keys:
        return [((), frame)]
    by = keys[0] if len(keys) == 1 else keys  # a one-key list would warn (pandas FutureWarning)
    return [((k,) if len(keys) == 1 else k, rows) for k, rows in frame.groupby(by)]


def sweep(sw, x=None, y=None, logx=None, logy=None, ax=None, seed_key="experiment.seed"):
    """Final metrics against a swept key: means with error bars over seeds. Each variant (a value of
    the other swept keys) has one colour, train and test are told apart by line style (solid and
    dashed), and the noise level σ² is drawn when the data know it. x defaults to the numeric swept
    key with the most values, y to the losses; the axes go on log scales for logspace axes and data
    spanning over two decades (x) or one (y)."""
    plt = _plt()
    ax = ax or plt.subplots(figsize=(7.2, 4.4))[1]
    t = sw.table()
    t = t[t["status"].isin(("completed", "stopped"))]  # stopped: ended early by a stop condition
    x = x or _natural_x(sw, t, seed_key)
    t, limits = _split_limits(t, x)
    metrics = [y] if isinstance(y, str) else list(y or [c for c in t.columns if _is_loss(c)])
    labels = _labels(run for _, run in sw.cells)
    others = [k for k in sw.keys if k not in (x, seed_key)]
    families = sorted({m.replace("train_", "").replace("test_", "") for m in metrics})
    groups = _groups(t, others)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for g, (key, rows) in enumerate(groups):
        variant = ", ".join(f"{k.split('.')[-1]} = {v}" for k, v in zip(others, key))
        for metric in metrics:
            family = metric.replace("train_", "").replace("test_", "")
            colour = colours[(g if others else families.index(family)) % len(colours)]
            style = next((s for part, s in _LINE_STYLES.items() if part in metric), ":")
            stats = rows.groupby(x)[metric].agg(["mean", "std"]).sort_index()
            label = labels.get(metric, metric) + (f" ({variant})" if variant else "")
            ax.errorbar(stats.index, stats["mean"], yerr=stats["std"].fillna(0), color=colour, ls=style,
                        marker="o", ms=3, capsize=2, label=label)
    noise = _noise_variance(sw)
    _draw_limits(ax, limits, x, metrics, labels, noise)
    if noise and all(_is_loss(m) for m in metrics):
        ax.axhline(noise, color="grey", ls=":", label="noise level σ²")
    values = t[metrics].to_numpy(dtype=float)
    ax.set_xscale("log" if (logx if logx is not None else _log_axis(t[x], x in sw.log_keys)) else "linear")
    ax.set_yscale("log" if (logy if logy is not None else _log_axis(values[np.isfinite(values)], False)) else "linear")
    ax.set_xlabel(x)
    ax.set_ylabel(labels.get(metrics[0], metrics[0]) + " (final)" if len(metrics) == 1 else "final loss")
    seeds = t[seed_key].nunique() if seed_key in t else 1
    ax.set_title(sw.name + (f": mean ± sd over {seeds} seeds" if seeds > 1 else ""), fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    ax.figure.tight_layout()
    return ax


def _draw_limits(ax, limits, x, metrics, labels, noise):
    """A level per metric for the cells at n = "online" or "infinite" (the mean over their seeds). Without
    a finite training set train and test coincide, and a linear teacher's OLS line is σ² itself: each
    value is drawn once per word."""
    for word, rows in limits.groupby(x):
        drawn = set()
        for metric in metrics:
            level = float(rows[metric].mean())
            if not np.isfinite(level) or level in drawn or level == noise:
                continue
            drawn.add(level)
            ax.axhline(level, color="black", ls="-." if word == "infinite" else (0, (1, 2)), lw=1,
                       label=f"{labels.get(metric, metric)} at n = {_LIMITS[word]}")


def _noise_variance(sw):
    for _, run in sw.cells:
        v = run.summary.get("noise_variance")
        if v:
            return v
    return None


def curves(run, y=None, logx=True, logy=None, ax=None):
    """A run's metric columns against the iteration. Losses and other quantities (alignment, margins,
    counts) go on separate axes, one above the other; returns the axes (one, or a pair)."""
    plt = _plt()
    m = run.metrics
    columns = list(y or [c for c in m.columns if c != "time"])
    losses = [c for c in columns if _is_loss(c)]
    others = [c for c in columns if not _is_loss(c)]
    panels = [p for p in (losses, others) if p]
    if ax is not None:
        axes = [ax] * len(panels) if len(panels) == 1 else list(np.atleast_1d(ax))
    else:
        axes = list(np.atleast_1d(plt.subplots(len(panels), 1, figsize=(7.2, 3.2 * len(panels)), sharex=True)[1]))
    labels = run.summary.get("labels", {})
    for axis, panel in zip(axes, panels):
        for column in panel:
            series = m[column].dropna()
            if logx:
                series = series[series.index > 0]
            axis.plot(series.index, series.values, label=labels.get(column, column))
        values = m[panel].to_numpy(dtype=float)
        positive = values[np.isfinite(values)]
        axis.set_yscale("log" if (logy if logy is not None else _log_axis(positive, False) and positive.min() > 0)
                        else "linear")
        axis.set_ylabel("loss" if panel is losses else "value")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    noise = run.summary.get("noise_variance")
    if noise and losses:
        axes[0].axhline(noise, color="grey", ls=":", label="noise level σ²")
        axes[0].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    for axis in axes:
        axis.set_xscale("log" if logx else "linear")
    axes[-1].set_xlabel("iteration")
    axes[0].set_title(run.config.get("experiment", {}).get("name", run.path.name), fontsize=10)
    axes[0].figure.tight_layout()
    return axes[0] if len(axes) == 1 else tuple(axes)


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


def _radius(W, a):
    return np.abs(a) * np.linalg.norm(W, axis=1)


def neurons(run, at="final", ax=None, directions=None, lim=None):
    """Each neuron j a point at the angle of w_j (its projection for d > 2) with radius |a_j| ||w_j||,
    blue for a_j > 0 and red for a_j < 0; `directions` (unit vectors) drawn as dashed rays, by default
    the extremal vectors of the run's extremal_vectors metric when it has one. `lim`: the half-width
    of the square drawn (default: fits this frame)."""
    plt = _plt()
    W, a, _ = _frame(run, at)
    if directions is None:
        directions = _extremal_directions(run, at)
    ax = ax or plt.subplots(figsize=(4.8, 4.8))[1]
    basis = _axes(run, W)
    P = W @ basis.T
    angle = np.arctan2(P[:, 1], P[:, 0])
    radius = _radius(W, a)
    ax.scatter(radius * np.cos(angle), radius * np.sin(angle), s=6, c=np.where(a > 0, "tab:blue", "tab:red"))
    r = radius.max() if radius.size and radius.max() > 0 else 1.0
    for u in directions:
        p = basis @ np.asarray(u, dtype=float)
        p = p / (np.linalg.norm(p) or 1)
        ax.plot([0, 1.1 * r * p[0]], [0, 1.1 * r * p[1]], "k--", lw=0.8)
    ax.set_aspect("equal")
    ax.set_title(f"neurons at {at}: angle of w_j, radius |a_j| |w_j|", fontsize=8)
    lim = lim or 1.15 * r
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
    # One square for every frame, large enough for the largest: the neurons move, not the axes.
    lim = 1.15 * max(float(_radius(W, a).max(initial=0)) for W, a, _ in snaps.values()) or 1.0

    def draw(i):
        ax.clear()
        neurons(run, at=iterations[i], ax=ax, lim=lim)
        ax.set_title(f"iteration {iterations[i]}", fontsize=9)

    FuncAnimation(fig, draw, frames=len(iterations)).save(out, writer=PillowWriter(fps=fps))
    plt.close(fig)
    return out
