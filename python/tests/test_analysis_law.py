"""relulab.analysis.law: the t quantile against its closed forms, the power-law fit against the normal
equations, the candidate laws on data that follow one of them exactly, and the crossings per (d, seed)."""
import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from relulab.analysis import law

D = np.array([3, 4, 5, 6, 8, 10], float)


def test_t_quantile_matches_the_closed_forms_for_one_and_two_degrees_and_the_normal_limit():
    # Simpson on 2000 intervals of a smooth density errs by ~1e-10 in F, so 1e-6 in the quantile is
    # wide and still catches a wrong density or bisection.
    # dof 1 (Cauchy): F(t) = 1/2 + atan(t)/pi, so t_p = tan(pi (p - 1/2)).
    assert law.t_quantile(0.975, 1) == pytest.approx(math.tan(0.475 * math.pi), rel=1e-6)
    # dof 2: F(t) = 1/2 + t / (2 sqrt(2 + t^2)), so t_p = (2p - 1) sqrt(2 / (1 - (2p - 1)^2)).
    q = 0.95
    assert law.t_quantile(0.975, 2) == pytest.approx(q * math.sqrt(2 / (1 - q * q)), rel=1e-6)
    # dof -> infinity: the normal quantile, approached from above (t has the heavier tails); at
    # dof 2000 the gap is about z (1 + z^2) / (4 dof) = 1.1e-3.
    z = NormalDist().inv_cdf(0.975)
    assert 0 < law.t_quantile(0.975, 2000) - z < 2e-3


def test_power_fit_recovers_an_exact_law_and_its_standard_error_is_the_normal_equations():
    exact = law.power_fit(D, 7.0 * D ** 3)
    assert exact["exponent"] == pytest.approx(3.0, rel=1e-12)
    assert exact["residual_sd"] < 1e-12
    # Three seeds a d, with a fixed pattern of multiplicative noise: the slope and its standard error
    # against sigma^2 (X^T X)^-1 from the design matrix directly.
    d = np.repeat(D, 3)
    noise = np.tile([0.9, 1.0, 1.15], len(D)) * np.repeat([1.0, 1.1, 0.95, 1.05, 0.9, 1.0], 3)
    fit = law.power_fit(d, 5.0 * d ** 2.6 * noise)
    X = np.vstack([np.log(d), np.ones_like(d)]).T
    y = np.log(5.0 * d ** 2.6 * noise)
    beta, rss, *_ = np.linalg.lstsq(X, y, rcond=None)
    sigma2 = rss[0] / (len(d) - 2)
    assert fit["exponent"] == pytest.approx(beta[0], rel=1e-12)
    assert fit["se"] == pytest.approx(math.sqrt(sigma2 * np.linalg.inv(X.T @ X)[0, 0]), rel=1e-10)
    assert fit["lo"] < fit["exponent"] < fit["hi"]
    assert fit["dof"] == len(d) - 2


def test_the_law_that_generated_the_data_has_no_residual_and_the_others_do():
    table = law.laws(D, 3.0 * D ** 3 * np.log(D)).set_index("law")
    assert table.loc["d³ log d", "residual SD (log)"] < 1e-12
    assert table.loc["d³", "residual SD (log)"] > 0.01
    assert table.loc["d³", "effective exponent"] == pytest.approx(3.0, rel=1e-12)
    # d^3 log d's local exponent is 3 + 1/ln d: between 3 + 1/ln 10 and 3 + 1/ln 3 over these d.
    e = table.loc["d³ log d", "effective exponent"]
    assert 3 + 1 / math.log(10) < e < 3 + 1 / math.log(3)


def test_seeds_for_is_the_smallest_count_whose_interval_is_narrow_enough():
    k = law.seeds_for(D, residual_sd=0.15, gap=0.4)
    sxx = ((np.log(D) - np.log(D).mean()) ** 2).sum()
    half = lambda k: law.t_quantile(0.975, k * len(D) - 2) * 0.15 / math.sqrt(k * sxx)
    assert half(k) < 0.2 <= half(k - 1)


def test_crossings_bracket_each_seed_and_measure_the_parameter_share():
    rows = []
    for d, seed, edge in ((3, 0, 400), (3, 1, 500), (5, 0, 1600)):
        for n in (100, 200, 400, 800, 1600, 3200):
            rows.append({"d": d, "seed": seed, "n": n, "width": 1000, "train_mse": 0.0 if n < edge else 0.09})
    t = law.crossings(pd.DataFrame(rows)).set_index(["d", "seed"])
    # 0.045 is half way from 0 to 0.09: the crossing is the geometric middle of the bracket.
    assert t.loc[(3, 0), "crossing"] == pytest.approx(math.sqrt(200 * 400), rel=1e-12)
    assert t.loc[(3, 1), "crossing"] == pytest.approx(math.sqrt(400 * 800), rel=1e-12)
    assert t.loc[(5, 0), "of_parameters"] == pytest.approx(math.sqrt(800 * 1600) / 6000, rel=1e-12)
    assert t["measured"].all()  # brackets of a factor 2
    # A first round alone (n = 100 and 3 200: a factor 32) is no measurement.
    coarse = pd.DataFrame([{"d": 4, "seed": 0, "n": n, "width": 1000, "train_mse": m} for n, m in ((100, 0.0), (3200, 0.09))])
    assert not law.crossings(coarse)["measured"].any()


def test_stationarity_table_names_each_stage_rate_and_reads_the_records(tmp_path):
    """A step schedule 0.05 → 0.005 → 0.0005 every 100 steps, the gradient norm and sharpness every 100:
    the record at 100k ends the stage of rate 0.05 · 0.1^(k−1); the values are the run's own records."""
    import relulab
    from relulab.analysis import limits
    from test_relulab import small
    doc = small(metrics=[{"plugin": "losses", "schedule": {"every": 100}, "test_samples": 300},
                         {"plugin": "gradient_norm", "schedule": {"every": 100}},
                         {"plugin": "sharpness", "schedule": {"every": 100}}])
    doc["optimizer"] = {**doc["optimizer"], "iterations": 300,
                        "policies": [{"plugin": "lr_schedule", "schedule": "step", "decay": 0.1, "every": 100}]}
    run = relulab.run(doc, out=tmp_path / "out", progress=False)
    t = limits.stationarity_table(run)
    assert list(t["iteration"]) == [0, 100, 200, 300]
    assert list(t["lr"]) == pytest.approx([0.05, 0.05, 0.005, 0.0005], rel=1e-12)
    assert list(t["two_over_lr"]) == pytest.approx([40, 40, 400, 4000], rel=1e-12)
    m = run.metrics
    assert list(t["grad_norm"]) == list(m["grad_norm"].dropna())
    assert list(t["sharpness"]) == list(m["sharpness"].dropna())
    assert list(t["train_mse"]) == list(m["train_mse"].dropna())
