"""relulab.analysis's definitions, each on cells whose answer is known by hand, and the threshold rule
against a real `[search]` on the same cells."""
import math

import numpy as np
import pandas as pd
import pytest

import relulab
from relulab import analysis
from relulab.analysis import cells as C
from relulab.analysis import report

from test_relulab import small


def test_bracket_is_the_first_change_of_side_and_the_crossing_interpolates_in_log_n():
    b = analysis.bracket([4000, 1000, 2000], [0.08, 0.02, 0.06], 0.045)  # any order
    assert (b.lo, b.hi, b.monotone) == (1000, 2000, True)
    # 0.045 is (0.045 − 0.02) / (0.06 − 0.02) = 0.625 of the way from 0.02 to 0.06: n = 1000 · 2^0.625.
    assert b.crossing == pytest.approx(1000 * 2 ** 0.625, rel=1e-12)
    assert b.threshold == pytest.approx(math.sqrt(2) * 1000, rel=1e-12)


def test_bracket_flags_a_return_to_the_first_side_and_keeps_the_first_change():
    b = analysis.bracket([100, 200, 400, 800], [0.01, 0.05, 0.03, 0.07], 0.045)
    assert (b.lo, b.hi, b.monotone) == (100, 200, False)


def test_bracket_without_a_change_of_side_has_no_threshold():
    assert analysis.bracket([1, 2], [0.01, 0.02], 0.045).threshold is None  # below everywhere
    b = analysis.bracket([1, 2], [0.05, 0.06], 0.045)
    assert (b.lo, b.hi, b.threshold) == (None, 1, None)
    assert analysis.bracket([1, 2], [0.05, 0.01], 0.045, below=False).hi == 2  # "above": the side flips


def test_thresholds_bracket_each_seed_on_its_own_or_average_them_like_replicates():
    # Seed 0 crosses 0.045 between n = 1000 and 2000, seed 1 between 2000 and 4000.
    cells = pd.DataFrame({"seed": [0, 0, 0, 1, 1, 1], "n": [1000, 2000, 4000] * 2,
                          "train_mse": [0.02, 0.06, 0.08, 0.01, 0.02, 0.07]})
    per_seed = analysis.thresholds(cells, ["seed"]).set_index("seed")
    assert per_seed.loc[0, ["lo", "hi"]].tolist() == [1000, 2000]
    assert per_seed.loc[1, ["lo", "hi"]].tolist() == [2000, 4000]
    # Averaged as [search] replicates: means 0.015, 0.04, 0.075: the change of side is 2000 -> 4000.
    cells["d"] = 5
    both = analysis.thresholds(cells, ["d"]).iloc[0]
    assert (both["lo"], both["hi"], both["cells"]) == (2000, 4000, 6)


def test_the_analysis_bracket_equals_the_search_bracket_on_the_search_cells(tmp_path):
    doc = small(search={"key": "data.n", "range": [10, 2000], "metric": "train_mse", "below": 0.05,
                        "replicates": 2, "tolerance": 1.5})
    doc["model"]["width"] = 40  # wide and long enough to fit n = 10 below 0.05, not n = 2000
    doc["optimizer"]["iterations"] = 3000
    relulab.run(doc, out=tmp_path / "search", progress=False, jobs=2)
    found = relulab.load(tmp_path / "search")
    assert found.bracket is not None, found.message  # the settings are chosen so that the side changes
    # From the search's own table of points ...
    points = found.points
    assert len(points) >= 6  # several rounds of bisection, not just the two ends
    b = analysis.bracket(points["data.n"], points["train_mse_mean"], 0.05)
    assert (b.lo, b.hi) == found.bracket
    # ... and from the cells collected from its folders, each seed's final value read back from disk.
    cells = analysis.collect(tmp_path / "search")
    assert len(cells) == 2 * len(points)
    t = analysis.thresholds(cells.assign(setting=1), ["setting"], level=0.05).iloc[0]
    assert (t["lo"], t["hi"]) == found.bracket


def test_the_late_median_is_the_searchs_statistic(tmp_path):
    doc = small(search={"key": "data.n", "range": [20, 2000], "metric": "train_mse", "below": 0.05,
                        "statistic": "late_median", "tolerance": 3.0})
    relulab.run(doc, out=tmp_path / "search", progress=False)
    points = relulab.load(tmp_path / "search").points.set_index("data.n")
    cells = analysis.collect(tmp_path / "search").set_index("n")
    for n, row in points.iterrows():
        assert cells.loc[n, analysis.LATE] == row["train_mse_late_median_mean"]  # the same bytes


def test_late_median_takes_the_records_from_half_the_last_iteration_on():
    m = pd.DataFrame({"train_mse": [9.0, 8.0, 3.0, 1.0, 2.0]}, index=pd.Index([0, 10, 20, 30, 40], name="iteration"))
    assert analysis.late_median(m) == 2.0  # records at 20, 30, 40: median of 3, 1, 2
    stopped = m.iloc[:4]  # a run stopped at 30: records from 15 on are 20 and 30
    assert analysis.late_median(stopped) == 2.0


def test_collect_keeps_finished_cells_and_merge_replaces_by_hash(tmp_path):
    run = relulab.run(small(), out=tmp_path / "runs" / "a", progress=False)
    stopped_doc = small()  # stopped by a condition at its first record: a result, collected like a completed run
    stopped_doc["experiment"]["stop"] = [{"metric": "train_mse", "below": 1e9}]
    stopped = relulab.run(stopped_doc, out=tmp_path / "runs" / "b", progress=False)
    assert stopped.status == "stopped"
    cells = analysis.collect(tmp_path / "runs").set_index("status")
    assert sorted(cells.index) == ["completed", "stopped"]
    assert cells.loc["completed", "train_mse"] == run.summary["final"]["train_mse"]
    csv = tmp_path / "cells.csv"
    table, new = analysis.merge(csv, cells.reset_index())
    assert new == 2 and len(table) == 2
    table, new = analysis.merge(csv, cells.reset_index())  # the same cells again: replaced, not added
    assert new == 0 and len(analysis.read(csv)) == 2


def test_seed_table_gives_mean_sample_std_and_the_number_of_seeds():
    cells = pd.DataFrame({"n": [10, 10, 10, 20], "data_seed": [0, 1, 2, 0], "train_mse": [1.0, 2.0, 3.0, 5.0],
                          "test_mse": [0.0] * 4, "ols_train_mse": [0.0] * 4, "ols_test_mse": [0.0] * 4})
    t = analysis.seed_table(cells).set_index("n")
    assert t.loc[10, "seeds"] == 3 and t.loc[10, "train_mse_mean"] == 2.0 and t.loc[10, "train_mse_std"] == 1.0
    assert t.loc[20, "seeds"] == 1 and math.isnan(t.loc[20, "train_mse_std"])


def test_paired_precision_pairs_seeds_and_gives_the_t_statistic():
    f64 = pd.DataFrame({"n": [5] * 3, "data_seed": [0, 1, 2], "train_mse": [1.0, 2.0, 3.0], "test_mse": [1.0] * 3})
    f32 = f64.assign(train_mse=[1.5, 2.5, 4.0])  # differences 0.5, 0.5, 1.0
    row = analysis.paired_precision(f32, f64, columns=("train_mse",)).iloc[0]
    assert row["mean_diff"] == pytest.approx(2 / 3)
    assert row["diff_over_seed_std"] == pytest.approx((2 / 3) / 1.0)  # float64 seeds 1, 2, 3: std 1
    se = np.std([0.5, 0.5, 1.0], ddof=1) / math.sqrt(3)
    assert row["t"] == pytest.approx((2 / 3) / se)


def test_side_by_side_puts_each_setting_in_its_columns_with_gaps():
    a = pd.DataFrame({"n": [1, 2], "train_mse": [0.1, 0.2], "test_mse": [1.0, 2.0]})
    b = pd.DataFrame({"n": [2], "train_mse": [0.3], "test_mse": [3.0]})
    t = analysis.side_by_side({"A": a, "B": b}).set_index("n")
    assert t.loc[2, "B train_mse"] == 0.3 and math.isnan(t.loc[1, "B train_mse"])


def test_report_regenerates_marked_tables_and_check_finds_a_stale_one(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text("text\n<!-- table t -->\n| old |\n<!-- end table -->\nmore\n")
    tables = {"t": lambda data: analysis.markdown(pd.DataFrame({"n": [1262]}))}
    assert report.report(doc, tmp_path, tables, check=True) == ["t"]
    assert "| old |" in doc.read_text()  # check changes nothing
    assert report.report(doc, tmp_path, tables) == ["t"]
    assert "| 1 262 |" in doc.read_text() and doc.read_text().endswith("<!-- end table -->\nmore\n")
    assert report.report(doc, tmp_path, tables, check=True) == []
    with pytest.raises(report.ReportError, match="no marker"):
        report.report(doc, tmp_path, tables | {"u": tables["t"]})
    doc.write_text("<!-- table v -->\n<!-- end table -->\n")
    with pytest.raises(report.ReportError, match="no table named 'v'"):
        report.report(doc, tmp_path, tables)


def test_the_figures_draw_each_series_they_are_given(tmp_path):
    import matplotlib.pyplot as plt
    from relulab.analysis import figures
    cells = pd.DataFrame({"n": [100, 100, 1000, 1000], "data_seed": [0, 1, 0, 1],
                          "train_mse": [1e-20, 1e-12, 0.05, 0.06], "test_mse": [0.4, 0.5, 0.1, 0.11],
                          "ols_train_mse": [0.08] * 4, "ols_test_mse": [0.09] * 4})
    shown = []
    real_save = relulab.plot.save
    relulab.plot.save = lambda fig, path: (shown.append(fig), real_save(fig, path))
    try:
        figures.seeds(cells, tmp_path / "seeds.png")
        figures.compare({"A": cells[cells["data_seed"] == 0], "B": cells[cells["data_seed"] == 1]},
                        tmp_path / "compare.png")
    finally:
        relulab.plot.save = real_save
    seeds_axes = shown[0].axes[0]
    assert len(seeds_axes.get_lines()) == 4 + 1  # four means (train, test, OLS train, OLS test) and σ²
    assert [line.get_label() for line in shown[1].axes[0].get_lines()][:2] == ["A", "B"]
    assert (tmp_path / "seeds.png").stat().st_size > 0 and (tmp_path / "compare.png").stat().st_size > 0
    plt.close("all")
