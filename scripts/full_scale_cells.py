"""Shared by the scripts that read docs/reproduction/data/full_scale_cells.csv
(written by collect_cells.py): the rows, filtered, and saving a figure."""
import csv


def rows(paths, names=None, precision=None, optimizer="sgd", activation="relu"):
    """The cells of the CSV files (a path or a list, in order) whose experiment name, precision,
    optimizer and activation match (None: any)."""
    for path in [paths] if isinstance(paths, str) else paths:
        yield from _matching(path, names, precision, optimizer, activation)


def _matching(path, names, precision, optimizer, activation):
    with open(path) as f:
        for r in csv.DictReader(f):
            if names is not None and r["name"] not in names:
                continue
            if precision is not None and r["precision"] != precision:
                continue
            if (optimizer is not None and r["optimizer"] != optimizer) or (activation is not None and r["activation"] != activation):
                continue
            yield r


def pyplot():
    """matplotlib's pyplot without a display."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save(fig, out):
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")
