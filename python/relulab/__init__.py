"""relulab from Python.

    import relulab
    run = relulab.run("experiments/quickstart.toml")          # runs the CLI, returns a Run
    run.metrics                                                # a DataFrame indexed by iteration
    sweep = relulab.load("runs/fig1_linear_threshold_quick-...")
    sweep.table()                                              # one row per cell
    relulab.plot.sweep(sweep, x="data.n", y=["train_mse", "test_mse"])

The C++ command line does the work; this package starts it and reads what it writes.
"""
from ._load import Run, Search, Sweep, diff, load
from ._run import ConfigError, RunError, run
from . import plot

__all__ = ["Run", "Search", "Sweep", "diff", "load", "run", "ConfigError", "RunError", "plot"]
