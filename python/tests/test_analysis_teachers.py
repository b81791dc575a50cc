"""relulab.analysis.teachers: the reach of a level and the decay slope on excesses that follow a power of n
exactly (where log-log interpolation and least squares are exact), and the per-seed and per-setting
tables on two synthetic teachers whose excesses differ by a known factor."""
import math

import numpy as np
import pandas as pd
import pytest

from relulab.analysis import teachers

NS = np.array([1000, 2000, 4000, 8000, 16000], float)


def test_reach_is_exact_on_a_power_law_and_handles_both_ends():
    excess = 2000 / NS  # 2, 1, 0.5, 0.25, 0.125: a power of n with exponent -1
    # 2000 / n = 0.6 at n = 3333.3...; log-log interpolation between 2000 and 4000 is exact for a power.
    assert teachers.reach(NS, excess, 0.6) == pytest.approx(2000 / 0.6, rel=1e-12)
    assert teachers.reach(NS, excess, 5.0) == 1000  # below the level at every n: the first n
    assert math.isnan(teachers.reach(NS, excess, 0.1))  # still above at the last n: not reached
    # Order does not matter, and a point back above the level moves the reach past it.
    shuffled = [3, 0, 4, 1, 2]
    assert teachers.reach(NS[shuffled], excess[shuffled], 0.6) == pytest.approx(2000 / 0.6, rel=1e-12)
    bumped = excess.copy()
    bumped[3] = 0.7  # n = 8000 back above 0.6: the excess stays under 0.6 only from between 8000 and 16000
    assert 8000 < teachers.reach(NS, bumped, 0.6) < 16000
    # An excess at or under zero (test at or under σ²) meets the level at that point.
    assert teachers.reach(NS, np.array([2, 1, -0.01, 0.3, 0.2]), 0.6) == 4000


def test_decay_recovers_the_exponent_with_zero_error_on_an_exact_power():
    slope, se = teachers.decay(NS, 3.0 * NS ** -0.7)
    assert slope == pytest.approx(-0.7, abs=1e-12)
    assert se == pytest.approx(0.0, abs=1e-10)  # exact data: the residuals are rounding (~1e-16 in log)
    # Non-positive excesses are left out; fewer than three positive points give NaN.
    slope, _ = teachers.decay(NS, np.array([2, 1, -0.1, 0.25, 0.125]))
    assert slope == pytest.approx(-1.0, abs=1e-12)
    assert math.isnan(teachers.decay(NS[:2], [1.0, 0.5])[0])


def test_decay_standard_error_is_the_textbook_formula():
    # Three points with one off the line: se = sqrt(SSR / (n - 2) / Sxx), written out here by hand.
    ns = np.array([1000.0, 2000.0, 4000.0])
    excess = np.array([1.0, 0.6, 0.25])
    x, y = np.log(ns), np.log(excess)
    b = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
    a = y.mean() - b * x.mean()
    ssr = ((y - a - b * x) ** 2).sum()
    slope, se = teachers.decay(ns, excess)
    assert slope == pytest.approx(b, rel=1e-12)
    assert se == pytest.approx(math.sqrt(ssr / 1 / ((x - x.mean()) ** 2).sum()), rel=1e-12)


def _cells():
    """Two teachers over three seeds: the second's excess is twice the first's at every n, and each seed
    scales the excess by 1, 1.1 or 1.2. σ² = 0.09."""
    rows = []
    for teacher, factor in (("linear_teacher", 1.0), ("relu_teacher", 2.0)):
        for seed, spread in enumerate((1.0, 1.1, 1.2)):
            for n in NS:
                excess = factor * spread * 1000 / n
                rows.append(dict(teacher=teacher, teacher_seed=None if teacher == "linear_teacher" else 0,
                                 data_seed=seed, n=n, train_mse=0.08, test_mse=0.09 * (1 + excess)))
    return pd.DataFrame(rows)


def test_approach_and_summary_see_a_doubled_excess_as_a_doubled_reach():
    per_seed = teachers.approach(_cells(), sigma2=0.09, level=0.2, n_min=2000)
    assert len(per_seed) == 6
    assert (per_seed["points"] == 4).all()  # n >= 2000
    # Excess c / n reaches 0.2 at n = 5 c; c = 1000 x factor x spread (5 000 to 12 000, inside the grid).
    expected = 5 * 1000 * np.array([1.0, 1.1, 1.2, 2.0, 2.2, 2.4])
    assert per_seed.sort_values(["teacher", "data_seed"])["reach"].to_numpy() == pytest.approx(expected, rel=1e-9)
    assert per_seed["slope"].to_numpy() == pytest.approx(-1.0, abs=1e-9)
    table = teachers.summary(per_seed).set_index("teacher")
    ratio = table.loc["relu_teacher", "reach_geomean"] / table.loc["linear_teacher", "reach_geomean"]
    assert ratio == pytest.approx(2.0, rel=1e-9)
    # log reach over seeds: log of (1, 1.1, 1.2) x const, whose sample sd is independent of the const.
    assert table.loc["relu_teacher", "reach_log_sd"] == pytest.approx(np.log([1, 1.1, 1.2]).std(ddof=1), rel=1e-9)


def test_by_n_gives_the_seeds_mean_and_sample_std_of_test_over_sigma2():
    t = teachers.by_n(_cells(), 0.09).set_index(["teacher", "n"])
    row = t.loc[("relu_teacher", 4000.0)]
    values = 1 + 2.0 * np.array([1.0, 1.1, 1.2]) * 1000 / 4000
    assert row["seeds"] == 3
    assert row["test_over_sigma2_mean"] == pytest.approx(values.mean(), rel=1e-12)
    assert row["test_over_sigma2_std"] == pytest.approx(values.std(ddof=1), rel=1e-9)
