"""relulab.analysis: each definition on small cases whose answer is known by hand."""
import math

import numpy as np
import pandas as pd
import pytest

import relulab
from relulab import analysis


def test_crossing_time_interpolates_in_log_time_between_the_records_around_it():
    t = [1.0, 10.0, 100.0]
    y = [1.0, 0.6, 0.2]
    # 0.4 is half-way from 0.6 to 0.2, so half-way in log t from 10 to 100: 10^1.5.
    assert analysis.crossing_time(t, y, 0.4) == pytest.approx(10 ** 1.5, rel=1e-12)
    assert analysis.crossing_time(t, y, 1.0) == 1.0  # there from the start
    assert math.isnan(analysis.crossing_time(t, y, 0.1))  # never


def test_departure_is_the_first_record_after_the_last_one_within_tolerance():
    t = [1, 2, 3, 4, 5]
    ref = [1.0, 1.0, 1.0, 1.0, 1.0]
    # Outside at t = 1 (an early transient), within at 2 and 3, outside for good from 4.
    assert analysis.departure(t, [1.5, 1.01, 0.99, 1.1, 1.3], ref, 0.02) == 4
    assert math.isnan(analysis.departure(t, [1.5, 1.01, 0.99, 1.1, 1.01], ref, 0.02))  # back within at the end
    assert analysis.departure(t, [2, 2, 2, 2, 2], ref, 0.02) == 1  # never within


def test_plateau_slopes_recover_a_known_plane():
    s = np.array([1e-2, 1e-3, 1e-4, 1e-2, 1e-3, 1e-4])
    m = np.array([100, 100, 100, 1000, 1000, 1000])
    table = pd.DataFrame({"init_scale": s, "width": m, "half_time": 0.7 + 1.0 * np.log(1 / s) - 0.5 * np.log(m)})
    fit = analysis.plateau_slopes(table)
    assert fit["log(1/s)"] == pytest.approx(1.0, abs=1e-12)  # exact data: rounding only
    assert fit["log(m)"] == pytest.approx(-0.5, abs=1e-12)
    assert fit["c"] == pytest.approx(0.7, abs=1e-12)


def test_markdown_writes_numbers_to_three_digits_and_nan_as_a_dash():
    text = analysis.markdown(pd.DataFrame({"n": [1262], "t": [557.123], "x": [math.nan]}))
    assert text.splitlines()[2] == "| 1 262 | 557 | – |"


def test_limit_table_on_a_real_sweep_compares_each_n_with_the_online_cell(tmp_path):
    doc = {
        "experiment": {"name": "limit", "seed": 1},
        "data": {"plugin": "linear_teacher", "d": 3, "n": 40, "noise_std": 0.3},
        "model": {"plugin": "two_layer", "width": 30, "init_scale": 0.01},
        "optimizer": {"plugin": "sgd", "lr": 0.05, "batch_size": 8, "iterations": 3000},
        "metrics": [{"plugin": "losses", "schedule": {"geometric": 1.2}}],
        "sweep": {"data.n": [20, 2000, "online"]},
    }
    sw = relulab.run(doc, out=tmp_path / "sweep", jobs=2, progress=False)
    table = analysis.limit_table(sw)
    assert list(table["n"]) == [20, 2000]
    online = sw.cells[2][1].metrics
    # Recomputed by hand for n = 20: the records' relative gaps to the online test MSE.
    cell = sw.cells[0][1].metrics
    gap = (cell["test_mse"] - online["test_mse"]).abs() / online["test_mse"]
    within = np.flatnonzero(gap.to_numpy() <= analysis.DEPARTURE_TOLERANCE)
    expected = math.nan if within[-1] == len(gap) - 1 else cell["time"].iloc[within[-1] + 1]
    got = table.loc[0, "leaves_online_at_t"]
    assert (math.isnan(got) and math.isnan(expected)) or got == expected
    # 20 samples and 90 parameters overfit: that cell leaves the online curve.
    assert not math.isnan(got)


def test_power_law_exponent_of_an_exact_power_law():
    t = np.array([1e3, 1e4, 1e5])
    assert analysis.power_law_exponent(t, 3 * t ** -0.6) == pytest.approx(-0.6, abs=1e-12)


def test_edge_of_stability_table_on_a_small_gradient_descent_sweep(tmp_path):
    doc = {
        "experiment": {"name": "eos", "seed": 1},
        "data": {"plugin": "linear_teacher", "d": 3, "n": 50, "noise_std": 0.3},
        "model": {"plugin": "two_layer", "width": 10, "init_scale": 0.5},
        "optimizer": {"plugin": "sgd", "lr": 0.05, "batch_size": 0, "iterations": 100},
        "metrics": [{"plugin": "losses", "schedule": {"every": 10}},
                    {"plugin": "sharpness", "schedule": {"every": 10}}],
        "sweep": {"optimizer.lr": [0.05, 0.1]},
    }
    sw = relulab.run(doc, out=tmp_path / "sweep", jobs=2, progress=False)
    table = analysis.edge_of_stability_table(sw)
    assert list(table["lr"]) == [0.05, 0.1] and list(table["two_over_lr"]) == [40.0, 20.0]
    m = sw.cells[0][1].metrics
    tail = m.iloc[len(m) // 2:]  # records from the middle on: 11 records, rows 5..10
    assert table.loc[0, "late_sharpness"] == tail["sharpness"].median()
    assert table.loc[0, "late_over_edge"] == pytest.approx(tail["sharpness"].median() * 0.05 / 2, rel=1e-15)
    assert table.loc[0, "max_sharpness"] == m["sharpness"].max()


def test_clusters_table_reads_the_metric_and_its_arrays(tmp_path):
    doc = {
        "experiment": {"name": "cl", "seed": 1},
        "data": {"plugin": "linear_teacher", "d": 3, "n": 100, "noise_std": 0.3},
        "model": {"plugin": "two_layer", "width": 40, "init_scale": 0.01},
        "optimizer": {"plugin": "sgd", "lr": 0.05, "batch_size": 10, "iterations": 3000},
        "metrics": [{"plugin": "losses", "schedule": {"every": 500}},
                    {"plugin": "neuron_clusters", "schedule": {"points": [1000, 3000]}, "starts": 8}],
        "sweep": {"data.n": [50, 100]},
    }
    sw = relulab.run(doc, out=tmp_path / "sweep", jobs=2, progress=False)
    table = analysis.clusters_table(sw, early=1000)
    assert list(table["n"]) == ["50", "100"] or list(table["n"]) == [50, 100]
    run = sw.cells[0][1]
    arrays = np.load(run.path / "clusters" / "3000.npy")
    m = run.metrics.dropna(subset=["clusters"])
    assert table.loc[0, "clusters_end"] == len(arrays) == int(m["clusters"].iloc[-1])
    shares = np.cumsum(arrays[:, 2])
    assert table.loc[0, "clusters90_end"] == 1 + int(np.argmax(shares >= 0.9))  # by hand: first index reaching 90 %
    assert table.loc[0, "extremal_share_end"] == pytest.approx(arrays[arrays[:, 3] <= 5, 2].sum(), rel=1e-15)
