#!/usr/bin/env python3
"""Independent numbers for the fragile case of docs/reproduction.md (Lyu et al.
2021, claim 3), in numpy, outside relulab: for a 2-D training set (CSV x1,x2,y)
the SVM margin without intercept by a fine scan of directions, the best linear
network's normalised margin (1 + alpha)/4 gamma_SVM, and a lower bound on the
best network's: smoothed-min ascent on the normalised margin of width-4 leaky
ReLU networks (no bias) from many random starts, projected on the unit sphere.

usage: max_margin_2d.py DATA.csv [--alpha 0.1] [--starts 200]
"""
import argparse

import numpy as np


def leaky(z, alpha):
    return np.where(z > 0, z, alpha * z)


def svm_margin(X, y, grid=200_001):
    angles = np.linspace(0, 2 * np.pi, grid)
    U = np.stack([np.cos(angles), np.sin(angles)], 1)
    margins = (y[:, None] * (X @ U.T)).min(0)
    return margins.max()


def normalised_margin(W, a, X, y, alpha):
    return (y * (leaky(X @ W.T, alpha) @ a)).min() / (np.sum(W ** 2) + np.sum(a ** 2))


def best_network(X, y, alpha, starts, width=4, steps=3000, sharpness=200.0, step=0.05):
    rng = np.random.default_rng(1)
    best = -np.inf
    for _ in range(starts):
        W, a = rng.normal(size=(width, 2)), rng.normal(size=width)
        for _ in range(steps):
            scale = np.sqrt(np.sum(W ** 2) + np.sum(a ** 2))
            W, a = W / scale, a / scale
            Z = X @ W.T
            q = y * (leaky(Z, alpha) @ a)
            weights = np.exp(-sharpness * (q - q.min()))  # a soft minimum over the samples
            g = -y * weights / weights.sum()
            a = a - step * (leaky(Z, alpha).T @ g)
            W = W - step * ((np.where(Z > 0, 1.0, alpha) * a).T * g) @ X
        scale = np.sqrt(np.sum(W ** 2) + np.sum(a ** 2))
        best = max(best, normalised_margin(W / scale, a / scale, X, y, alpha))
    return best


def main():
    p = argparse.ArgumentParser()
    p.add_argument("csv")
    p.add_argument("--alpha", type=float, default=0.1)
    p.add_argument("--starts", type=int, default=200)
    a = p.parse_args()
    data = np.loadtxt(a.csv, delimiter=",", skiprows=1)
    X, y = data[:, :2], data[:, 2]
    gamma = svm_margin(X, y)
    print(f"gamma_SVM {gamma:.6f}; best linear network (1 + alpha)/4 gamma_SVM = {(1 + a.alpha) / 4 * gamma:.6f}")
    print(f"best width-4 network found ({a.starts} starts): {best_network(X, y, a.alpha, a.starts):.6f}")


if __name__ == "__main__":
    main()
