import os
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")  # no display in tests

# The package from this checkout, whether or not it is installed.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
os.environ.setdefault("RELULAB_EXE", str(pathlib.Path(__file__).resolve().parents[2] / "build" / "relulab"))
