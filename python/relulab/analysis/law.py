"""The threshold's law in d (issue 38, item 1): crossings per (d, seed), a power law fitted to them
with a confidence interval, and the candidate laws d², d³ and d³ log d set against the data.

`crossings(cells)` brackets each (d, seed) on its own, by [search]'s rule (threshold.py), and keeps the
crossing (the mean train MSE meeting σ²/2, interpolated in log n). `power_fit` fits
log crossing = b log d + c by least squares over every (d, seed) point; the interval is Student's t
with n − 2 degrees of freedom (the seeds' spread is the noise). `laws` fits each candidate law's one
free constant and reports its residuals; `seeds_for` says how many seeds per d would make the
interval narrow enough to tell two exponents apart.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .threshold import thresholds

# A crossing is interpolated between the last n below the level and the first above it. Across more
# than this factor in n it is not a measurement: an unfinished search's first round spans a factor
# of 40, and a finished one brackets the seeds' mean to 1.6, a single seed to about 3.5.
MAX_BRACKET_RATIO = 4.0

# Each law as log f(d), up to the constant the fit chooses.
LAWS = {"d²": lambda d: 2 * np.log(d), "d³": lambda d: 3 * np.log(d),
        "d³ log d": lambda d: 3 * np.log(d) + np.log(np.log(d))}


def crossings(cells: pd.DataFrame, level=0.045) -> pd.DataFrame:
    """One row per (d, seed) with a bracket: d, seed, lo, hi, crossing, monotone, the crossing's share
    of the parameter count m (d + 1) (where capacity, not optimisation, could set it), and `measured`:
    whether the bracket is narrow enough (MAX_BRACKET_RATIO) for the crossing to enter a fit."""
    t = thresholds(cells, by=["d", "seed"], level=level)
    t = t.dropna(subset=["crossing"]).reset_index(drop=True)
    widths = cells.groupby("d")["width"].first()
    t["of_parameters"] = t["crossing"] / (widths.loc[t["d"]].to_numpy() * (t["d"].to_numpy() + 1))
    t["measured"] = t["hi"] / t["lo"] <= MAX_BRACKET_RATIO
    return t


def _t_cdf(x: float, dof: int) -> float:
    """Student's t distribution function, by Simpson's rule on its density from 0 to |x|."""
    norm = math.exp(math.lgamma((dof + 1) / 2) - math.lgamma(dof / 2)) / math.sqrt(dof * math.pi)
    xs = np.linspace(0.0, abs(x), 2001)
    f = norm * (1 + xs ** 2 / dof) ** (-(dof + 1) / 2)
    h = xs[1] - xs[0]
    area = h / 3 * (f[0] + f[-1] + 4 * f[1:-1:2].sum() + 2 * f[2:-1:2].sum())
    return 0.5 + math.copysign(area, x)


def t_quantile(p: float, dof: int) -> float:
    """The p-quantile of Student's t with `dof` degrees of freedom (bisection on _t_cdf; p > 1/2)."""
    lo, hi = 0.0, 1.0
    while _t_cdf(hi, dof) < p:
        hi *= 2
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _t_cdf(mid, dof) < p else (lo, mid)
    return 0.5 * (lo + hi)


def power_fit(d, crossing, confidence=0.95) -> dict:
    """log crossing = b log d + c: b, its standard error and interval, c, the residual SD, the points."""
    x, y = np.log(np.asarray(d, float)), np.log(np.asarray(crossing, float))
    n = len(x)
    sxx = float(((x - x.mean()) ** 2).sum())
    b = float(((x - x.mean()) * (y - y.mean())).sum() / sxx)
    c = float(y.mean() - b * x.mean())
    residual = y - (b * x + c)
    dof = n - 2
    sd = math.sqrt(float((residual ** 2).sum()) / dof) if dof > 0 else math.nan
    se = sd / math.sqrt(sxx) if dof > 0 else math.nan
    half = t_quantile(0.5 + confidence / 2, dof) * se if dof > 0 else math.nan
    return {"exponent": b, "se": se, "lo": b - half, "hi": b + half, "constant": c, "residual_sd": sd,
            "points": n, "dof": dof}


def effective_exponent(law: str, d) -> float:
    """The least-squares slope of log f(d) against log d over these d: the exponent a power-law fit
    would find if the law held exactly."""
    x = np.log(np.asarray(d, float))
    y = LAWS[law](np.asarray(d, float))
    return float(((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum())


def laws(d, crossing) -> pd.DataFrame:
    """Each candidate law with its best constant: the residual SD in log crossing, the largest residual,
    and its effective exponent over these d (to set against the fitted interval)."""
    d, y = np.asarray(d, float), np.log(np.asarray(crossing, float))
    rows = []
    for name, f in LAWS.items():
        residual = y - f(d) - (y - f(d)).mean()
        rows.append({"law": name, "effective exponent": effective_exponent(name, d),
                     "residual SD (log)": float(np.sqrt((residual ** 2).sum() / max(len(y) - 1, 1))),
                     "largest |residual| (log)": float(np.abs(residual).max())})
    return pd.DataFrame(rows)


def seeds_for(d_values, residual_sd: float, gap: float, confidence=0.95) -> int:
    """Seeds per d for the exponent's interval to be narrower than `gap` end to end (two exponents
    `gap` apart then fall on either side of it): half-width t · sd / sqrt(k Σ (log d − mean)²) < gap / 2."""
    x = np.log(np.asarray(sorted(set(d_values)), float))
    sxx = float(((x - x.mean()) ** 2).sum())
    for k in range(1, 10_000):
        dof = k * len(x) - 2
        if dof > 0 and t_quantile(0.5 + confidence / 2, dof) * residual_sd / math.sqrt(k * sxx) < gap / 2:
            return k
    return -1


def figure(points: pd.DataFrame, fit: dict, out):
    """Each seed's crossing against d (log-log), the fitted power law with its exponent's interval, and
    the three candidate laws through the same geometric mean."""
    import matplotlib.pyplot as plt

    from .. import plot
    d = points["d"].to_numpy(float)
    grid = np.geomspace(d.min(), d.max(), 50)
    with plot.style():
        fig, ax = plt.subplots(figsize=(6.4, 4.4))
        ax.scatter(d, points["crossing"], s=18, color="k", label="one seed's crossing", zorder=3)
        ax.plot(grid, np.exp(fit["constant"]) * grid ** fit["exponent"],
                label=f"fit: d^{fit['exponent']:.2f} (95 %: {fit['lo']:.2f}–{fit['hi']:.2f})")
        mean_log = np.log(points["crossing"]).mean()
        for name, f in LAWS.items():
            ax.plot(grid, np.exp(f(grid) - f(d).mean() + mean_log), ls="--", lw=1, label=name)
        ax.set(xscale="log", yscale="log", xlabel="d", ylabel="crossing n (train MSE = σ²/2)",
               title="the optimisation threshold against d (width 1000, s = 10⁻³)")
        ax.set_xticks(sorted(set(d)), [str(int(v)) for v in sorted(set(d))])
        ax.legend(fontsize=8)
        plot.save(fig, out)
