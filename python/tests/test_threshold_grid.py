"""scripts/threshold_grid.py, which turns the collected full-scale cells into
docs/reproduction.md's threshold tables: a replicate (another seed) of a
setting is bracketed on its own, never merged with the record's cells."""
import csv
import pathlib
import subprocess
import sys

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "threshold_grid.py"
COLUMNS = ["name", "seed", "d", "n", "width", "init_scale", "scale_by_sqrt_width", "precision", "optimizer",
           "activation", "train_mse", "train_mse_late_median"]


def cell(seed, n, mse):
    return {"name": "threshold_grid", "seed": seed, "d": 5, "n": n, "width": 1000, "init_scale": 0.01,
            "scale_by_sqrt_width": "False", "precision": "float32", "optimizer": "sgd", "activation": "relu",
            "train_mse": mse, "train_mse_late_median": mse}


def test_each_seed_is_bracketed_on_its_own(tmp_path):
    # Seed 0 crosses the level 0.045 between n = 1000 and 2000, seed 1 between
    # 2000 and 4000. Merged, seed 1's 0.02 at n = 2000 would sit above seed 0's
    # 0.06 there and the bracket would be non-monotone.
    rows = [cell(0, 1000, 0.02), cell(0, 2000, 0.06), cell(0, 4000, 0.08),
            cell(1, 1000, 0.01), cell(1, 2000, 0.02), cell(1, 4000, 0.07)]
    path = tmp_path / "cells.csv"
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    out = subprocess.run([sys.executable, str(SCRIPT), str(path), "--out", str(tmp_path / "grid.png")],
                         capture_output=True, text=True, check=True).stdout
    lines = [line for line in out.splitlines() if line.startswith("| 5 |")]
    assert len(lines) == 2, out
    by_seed = {int(line.split("|")[6]): [c.strip() for c in line.split("|")] for line in lines}
    # Columns: last n below, first n above, threshold (geometric middle), crossing.
    assert by_seed[0][8:10] == ["1000", "2000"]
    assert by_seed[1][8:10] == ["2000", "4000"]
    # The crossing interpolates in log n: seed 0 meets 0.045 at a share
    # (0.045 - 0.02) / (0.06 - 0.02) = 0.625 of the way from 1000 to 2000.
    assert by_seed[0][11] == f"{1000 * 2 ** 0.625:,.0f}".replace(",", " ")
    assert "non-monotone" not in out
    assert (tmp_path / "grid.png").stat().st_size > 0
