"""What the peer checks share: run one relulab experiment from its CLI and
read back its training set and its weights before and after training."""
import pathlib
import subprocess

import numpy as np

ARRAYS = ("X_train", "y_train", "W_init", "a_init", "b_init", "W_final", "a_final", "b_final")


def run_and_load(exe, work: pathlib.Path, name: str, experiment: str):
    """Writes `experiment` to work/name.toml, runs it into work/name, returns its arrays by name."""
    toml, run = work / f"{name}.toml", work / name
    toml.write_text(experiment)
    subprocess.run([exe, "run", str(toml), "--out", str(run), "--fresh", "--quiet"], check=True,
                   stdout=subprocess.DEVNULL)
    return {key: np.load(run / f"{key}.npy") for key in ARRAYS}
