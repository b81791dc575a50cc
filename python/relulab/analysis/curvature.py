"""Minimum or saddle: the whole Hessian spectrum of a stationary point (the `hessian_spectrum` metric)
set against the residual correlations that bound its bottom (docs/science.md §9).

For the squared error and a ReLU network, λ_min(H) ≥ −max_j ‖g_j‖ with
g_j = (2/n) Σ_i r_i 1[w_j·x_i > 0] x_i, and ∂ℓ/∂w_j = a_j g_j. `residual_correlations` computes every
‖g_j‖ from a run's arrays; `spectrum_table` puts them beside the spectrum of each run of a sweep whose
runs take no step (iterations = 0: the metrics read the warm start).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .._load import load


def residual_correlations(W, a, X, y) -> np.ndarray:
    """‖g_j‖ for every neuron j of a bias-free ReLU network f(x) = Σ_j a_j relu(w_j·x) on (X, y)."""
    W, a, X, y = (np.asarray(v, float) for v in (W, a, X, y))
    Z = X @ W.T
    r = np.maximum(Z, 0) @ a - y
    G = (2 / len(y)) * ((Z > 0) * r[:, None]).T @ X  # m x d, row j is g_j
    return np.linalg.norm(G, axis=1)


def spectrum_row(run) -> dict:
    """One run's last record of the spectrum columns, with max_j ‖g_j‖ for ReLU (NaN otherwise) and the
    counts of eigenvalues below −10⁻⁶ and within ±10⁻⁶ of zero read from the spectrum file."""
    last = run.metrics.iloc[-1]
    row = {"warm_start": run.config["model"].get("warm_start", ""),
           "activation": run.config["model"].get("activation", "relu")}
    for column in ("train_mse", "grad_norm", "sharpness", "hessian_max", "hessian_min", "hessian_negative",
                   "hessian_zero", "hessian_asymmetry"):
        row[column] = float(last[column])
    folder = run.path
    W, a = np.load(folder / "W_init.npy"), np.load(folder / "a_init.npy")
    relu = row["activation"] == "relu" and not run.config["model"].get("bias", False)
    row["max_residual_correlation"] = (
        float(residual_correlations(W, a, np.load(folder / "X_train.npy"), np.load(folder / "y_train.npy")).max())
        if relu else np.nan)
    spectra = sorted((folder / "hessian_spectrum").glob("*.npy"), key=lambda p: int(p.stem))
    values = np.load(spectra[-1]) if spectra else np.array([np.nan])
    row["below_1e-6"] = int((values < -1e-6).sum())
    row["within_1e-6"] = int((np.abs(values) <= 1e-6).sum())
    return row


def spectrum_table(*folders) -> pd.DataFrame:
    """One row per run of the sweeps (or runs) given, in the order given."""
    return pd.DataFrame([spectrum_row(run) for run in runs_of(*folders)])


def runs_of(*folders) -> list:
    """The runs of the sweeps (their cells, in sweep order) and runs given, in the order given."""
    runs = []
    for folder in folders:
        target = load(folder)
        runs += [run for _, run in target.cells] if hasattr(target, "cells") else [target]
    return runs


def figure(folders_and_labels: dict, path):
    """Every eigenvalue, ascending, of each run's last spectrum file (symmetric-log axis: the few large
    eigenvalues, the many near zero and the negative ones in one view). Keys: run folders; values: labels."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.4, 4.2), constrained_layout=True)
    for folder, label in folders_and_labels.items():
        spectra = sorted((load(folder).path / "hessian_spectrum").glob("*.npy"), key=lambda p: int(p.stem))
        values = np.load(spectra[-1])
        ax.plot(np.arange(1, len(values) + 1), values, lw=1.5, label=f"{label}: λ_min = {values[0]:.2g}")
    ax.set_yscale("symlog", linthresh=1e-6)
    ax.axhline(0, color="k", lw=0.6)
    ax.set(xlabel="eigenvalue index (ascending)", ylabel="Hessian eigenvalue (symlog, linear within ±1e-6)",
           title="Every eigenvalue of the training loss's Hessian")
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=150)
    plt.close(fig)
