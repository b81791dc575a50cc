"""The Python package against real runs of the CLI (small ones: seconds)."""
import numpy as np
import pytest

import relulab


def small(**changes):
    doc = {
        "experiment": {"name": "py", "seed": 3},
        "data": {"plugin": "linear_teacher", "d": 3, "n": 120, "noise_std": 0.3},
        "model": {"plugin": "two_layer", "width": 12, "init_scale": 0.1},
        "optimizer": {"plugin": "sgd", "lr": 0.05, "batch_size": 16, "iterations": 400},
        "metrics": [{"plugin": "losses", "schedule": {"every": 100}, "test_samples": 300},
                    {"plugin": "neuron_snapshots", "schedule": {"every": 200}}],
    }
    for k, v in changes.items():
        doc[k] = v
    return doc


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return relulab.run(small(), out=tmp_path_factory.mktemp("run") / "out", progress=False)


def test_every_file_of_a_run_loads(run):
    assert isinstance(run, relulab.Run) and run.status == "completed"
    assert run.config["model"]["width"] == 12 and "provenance" in run.config
    m = run.metrics
    assert m.index.name == "iteration" and list(m.index) == [0, 100, 200, 300, 400]
    assert {"time", "train_mse", "test_mse", "neurons_alive"} <= set(m.columns)
    assert run.summary["final"]["train_mse"] == m["train_mse"].iloc[-1]
    for which in ("init", "final"):
        W, a, b = run.weights(which)
        assert W.shape == (12, 3) and a.shape == (12,) and b is None
    X, y = run.data
    assert X.shape == (120, 3) and y.shape == (120,)
    snaps = run.snapshots()
    assert list(snaps) == [0, 200, 400]
    np.testing.assert_array_equal(snaps[400][0], run.weights("final")[0])
    assert "snapshots/W_200" in run.arrays


def test_numpy_forward_pass_reproduces_the_train_mse(run):
    # Same sums in another order (numpy's pairwise sums against the kernel's): 1e-12 relative.
    X, y = run.data
    mse = np.mean((run.predict(X) - y) ** 2)
    assert mse == pytest.approx(run.metrics["train_mse"].iloc[-1], rel=1e-12)


def test_a_sweep_with_a_diverged_cell_loads_and_says_which(tmp_path):
    doc = small(sweep={"optimizer.lr": [0.05, 1e4], "experiment.seed": [0, 1]})
    sw = relulab.run(doc, out=tmp_path / "sweep", jobs=2, progress=False)
    assert isinstance(sw, relulab.Sweep) and len(sw.cells) == 4
    t = sw.table()
    assert list(t.columns[:3]) == sw.keys + ["status"] and set(sw.keys) == {"optimizer.lr", "experiment.seed"}
    diverged = list(t.index[t["optimizer.lr"] == 1e4])
    assert (t.loc[diverged, "status"] == "diverged").all() and (t.drop(diverged)["status"] == "completed").all()
    assert [(i, s) for i, s, _ in sw.incomplete] == [(i, "diverged") for i in diverged]
    curves = sw.curves("train_mse")
    assert {"iteration", "train_mse", "optimizer.lr", "cell"} <= set(curves.columns)
    agg = sw.aggregate(over="experiment.seed")
    assert agg.loc[0.05, ("train_mse", "count")] == 2
    mean = t[t["optimizer.lr"] == 0.05]["train_mse"].mean()
    assert agg.loc[0.05, ("train_mse", "mean")] == pytest.approx(mean, rel=1e-15)


def test_a_sweep_over_n_with_online_data_draws_its_limit_as_a_level(tmp_path):
    sw = relulab.run(small(sweep={"data.n": [60, 120, "online"]}), out=tmp_path / "sweep", progress=False)
    t = sw.table()
    assert list(t["data.n"]) == [60, 120, "online"] and (t["status"] == "completed").all()
    online = t[t["data.n"] == "online"].iloc[0]
    assert online["train_mse"] == online["test_mse"]  # no finite training set: train is the population loss
    ax = relulab.plot.sweep(sw)
    levels = [line for line in ax.get_lines() if "at n = online" in line.get_label()]
    assert len(levels) == 1 and levels[0].get_ydata()[0] == pytest.approx(online["train_mse"], rel=1e-15)
    cell = sw.cells[2][1]
    with pytest.raises(ValueError, match="without a finite training set"):
        cell.data


def test_cells_stopped_by_a_condition_count_as_results(tmp_path):
    # width 12 x d 3 = 48 parameters: n = 10 fits below 0.01 and stops; n = 120 ends near 0.075 > 0.01.
    experiment = {"name": "py", "seed": 3, "stop": [{"metric": "train_mse", "below": 0.01}]}
    doc = small(experiment=experiment, sweep={"data.n": [10, 120], "experiment.seed": [0, 1]})
    doc["optimizer"]["iterations"] = 4000
    sw = relulab.run(doc, out=tmp_path / "sweep", jobs=2, progress=False)
    t = sw.table()
    assert (t[t["data.n"] == 10]["status"] == "stopped").all()
    assert (t[t["data.n"] == 120]["status"] == "completed").all()
    assert sw.incomplete == []
    agg = sw.aggregate(over="experiment.seed")
    assert agg.loc[10, ("train_mse", "count")] == 2 and agg.loc[10, ("train_mse", "mean")] < 0.01


def test_a_configuration_error_raises_with_its_file_and_line(tmp_path):
    doc = small()
    doc["optimizer"]["lrr"] = 0.1
    with pytest.raises(relulab.ConfigError, match=r"experiment\.toml:\d+:\d+: \[optimizer\] lrr: unknown key"):
        relulab.run(doc, workdir=tmp_path, progress=False)


def test_own_arrays_train_through_the_npy_dataset_plugin(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 2))
    y = X[:, 0] - 0.5 * X[:, 1]
    Xt = rng.normal(size=(40, 2))
    doc = small()
    run = relulab.run(doc, data=(X, y), test=(Xt, Xt[:, 0] - 0.5 * Xt[:, 1]), out=tmp_path / "own",
                      workdir=tmp_path, progress=False)
    assert run.config["data"]["plugin"] == "npy_dataset"
    np.testing.assert_array_equal(run.data[0], X)
    assert "the data set's test files (40 rows)" in run.summary["report"]


def test_neurons_mark_the_extremal_vectors_the_run_found(tmp_path):
    doc = small()
    doc["data"]["d"] = 2
    doc["metrics"].append({"plugin": "extremal_vectors", "schedule": {"points": [0, 400]}})
    run = relulab.run(doc, out=tmp_path / "ev", workdir=tmp_path, progress=False)
    found = relulab.plot._extremal_directions(run, "final")
    assert len(found) >= 1 and all(abs(np.linalg.norm(u) - 1) < 1e-12 for u in found)
    ax = relulab.plot.neurons(run)
    assert len(ax.lines) == len(found)  # one ray per extremal vector


def test_pictures_draw(run, tmp_path):
    import matplotlib.pyplot as plt
    relulab.plot.curves(run)
    relulab.plot.neurons(run, at=200, directions=[[1, 0, 0]])
    out = relulab.plot.animate_neurons(run, out=str(tmp_path / "n.gif"))
    assert (tmp_path / "n.gif").stat().st_size > 0 and out.endswith("n.gif")
    plt.close("all")


def test_an_interrupt_stops_at_a_checkpoint_and_a_rerun_resumes(tmp_path):
    import _thread
    import threading
    import time
    doc = small()
    doc["experiment"]["checkpoint_seconds"] = 0.05
    doc["optimizer"]["iterations"] = 600_000  # seconds of work: the interrupt lands mid-run
    out = tmp_path / "long"

    def interrupt_when_checkpointed():
        deadline = time.time() + 60
        while not (out / "checkpoint.bin").exists() and time.time() < deadline:
            time.sleep(0.01)
        _thread.interrupt_main()  # what Ctrl-C or a notebook's stop button does

    threading.Thread(target=interrupt_when_checkpointed, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        relulab.run(doc, out=out, workdir=tmp_path, progress=False)
    stopped = relulab.load(out)
    assert stopped.status == "interrupted" or not (out / "summary.json").exists()
    assert (out / "checkpoint.bin").exists()
    done_before = stopped.metrics.index.max()
    doc["optimizer"]["iterations"] = 600_000
    resumed = relulab.run(doc, out=out, workdir=tmp_path, progress=False)  # the same call again
    assert resumed.status == "completed" and resumed.metrics.index.max() == 600_000 > done_before


def test_a_sweep_figure_tells_variants_by_colour_and_train_from_test_by_style(tmp_path):
    import warnings
    import matplotlib.pyplot as plt
    doc = small(sweep={"data.n": {"logspace": [40, 4000, 3]}, "model.width": [6, 12], "experiment.seed": [0, 1]})
    doc["optimizer"]["iterations"] = 200
    sw = relulab.run(doc, out=tmp_path / "sweep", jobs=2, progress=False)
    assert sw.log_keys == ["data.n"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no pandas FutureWarning, no matplotlib warning
        ax = relulab.plot.sweep(sw)
    lines = {c.get_label(): c.lines[0] for c in ax.containers}  # each errorbar's data line
    # Two widths x four losses, and the noise level.
    assert len(lines) == 8 and "noise level σ²" in [l.get_label() for l in ax.get_lines()]
    train, test = lines["train MSE (network) (width = 6)"], lines["test MSE (network) (width = 6)"]
    assert train.get_color() == test.get_color() and train.get_linestyle() != test.get_linestyle()
    assert train.get_color() != lines["train MSE (network) (width = 12)"].get_color()
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "data.n" and ax.get_ylabel() == "final loss"
    assert "2 seeds" in ax.get_title()
    plt.close("all")


def test_curves_put_losses_and_other_quantities_on_separate_axes(run):
    import matplotlib.pyplot as plt
    loss_ax, other_ax = relulab.plot.curves(run)
    assert {l.get_label() for l in loss_ax.get_lines()} >= {"train MSE (network)", "test MSE (network)"}
    assert {l.get_label() for l in other_ax.get_lines()} == {"neurons alive", "norm mass sum |a_j| |w_j|"}
    plt.close("all")


def test_the_neuron_animation_keeps_its_axes(run, tmp_path, monkeypatch):
    import matplotlib.pyplot as plt
    limits = []
    draw = relulab.plot.neurons

    def recording(*args, **kwargs):
        ax = draw(*args, **kwargs)
        limits.append((ax.get_xlim(), ax.get_ylim()))
        return ax

    monkeypatch.setattr(relulab.plot, "neurons", recording)
    relulab.plot.animate_neurons(run, out=str(tmp_path / "a.gif"))
    assert len(limits) >= 3 and len(set(limits)) == 1
    W, a, _ = run.weights("final")
    assert limits[0][0][1] >= np.max(np.abs(a) * np.linalg.norm(W, axis=1))  # the largest frame fits
    plt.close("all")


def test_a_search_folder_loads_with_its_points_and_bracket(tmp_path):
    doc = small(search={"key": "data.n", "range": [20, 2000], "metric": "train_mse", "below": 0.05,
                        "tolerance": 3.0})
    doc["optimizer"]["iterations"] = 300
    relulab.run(doc, out=tmp_path / "search", progress=False)
    found = relulab.load(tmp_path / "search")
    assert isinstance(found, relulab.Search) and found.key == "data.n"
    assert len(found.points) >= 2 and len(found.rounds) >= 1
    if found.bracket:  # the criterion changes side inside the bracket
        lo, hi = found.bracket
        holds = dict(zip(found.points["data.n"], found.points["criterion_holds"]))
        assert holds[lo] != holds[hi]
    assert (tmp_path / "search" / "search.png").exists()


def test_diff_lists_only_the_keys_that_differ(tmp_path):
    a = relulab.run(small(), out=tmp_path / "a", progress=False)
    b = relulab.run(small(), set={"optimizer.lr": 0.02, "model.width": 10}, out=tmp_path / "b", progress=False)
    d = relulab.diff(a, b)
    assert list(d.index) == ["model.width", "optimizer.lr"]
    assert d.loc["optimizer.lr"].tolist() == [0.05, 0.02]
    assert relulab.diff(a, a).empty


@pytest.mark.parametrize("name", ["my run", "it's \"quoted\""])
def test_a_run_named_with_spaces_or_quotes_loads_from_its_default_folder(tmp_path, name):
    # Without out=: the folder is the CLI's default, <output>/<name>-<hash>, which
    # the CLI reports in --folder-file; it was once parsed from the output with \S+.
    doc = small(experiment={"name": name, "seed": 3, "output": str(tmp_path / "runs")})
    run = relulab.run(doc, workdir=tmp_path, progress=False)
    assert run.status == "completed"
    assert run.path.name.startswith(name + "-")


def test_a_name_with_a_newline_is_refused_at_its_key(tmp_path):
    doc = small(experiment={"name": "two\nlines", "seed": 3})
    with pytest.raises(relulab.ConfigError, match="name.*control characters"):
        relulab.run(doc, workdir=tmp_path, progress=False)
