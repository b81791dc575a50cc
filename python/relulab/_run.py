"""Starting experiments: the CLI in a subprocess, its progress shown, its result loaded."""
from __future__ import annotations

import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import queue
import tomllib

import numpy as np

from ._load import load
from ._toml import dumps, value as _toml_value


class ConfigError(ValueError):
    """The experiment was refused; the message is the CLI's, file:line:column: [table] key: what."""


class RunError(RuntimeError):
    """The CLI failed for another reason (exit status and its error output in the message)."""


def executable() -> str:
    """The relulab CLI: $RELULAB_EXE, else `relulab` on PATH, else the build tree beside this package."""
    if os.environ.get("RELULAB_EXE"):
        return os.environ["RELULAB_EXE"]
    found = shutil.which("relulab")
    if found:
        return found
    here = pathlib.Path(__file__).resolve().parents[2] / "build" / "relulab"
    if here.exists():
        return str(here)
    raise RunError("relulab's CLI was not found: build it (scripts/build.sh) or set RELULAB_EXE")


def _resolved(path: pathlib.Path) -> dict:
    """The experiment file with its bases merged and defaults filled in (`relulab validate --print`)."""
    printed = subprocess.run([executable(), "validate", str(path), "--print"], capture_output=True, text=True)
    if printed.returncode != 0:
        raise ConfigError(printed.stderr.strip().removeprefix("relulab: "))
    doc = tomllib.loads(printed.stdout.split("\n", 1)[1])  # after the "valid (...)" line
    doc.pop("provenance", None)
    return doc


def _experiment_file(experiment, workdir: pathlib.Path, data, test) -> pathlib.Path:
    if isinstance(experiment, dict):
        doc = {k: (dict(v) if isinstance(v, dict) else v) for k, v in experiment.items()}
    else:
        path = pathlib.Path(experiment).resolve()
        if data is None:
            return path
        doc = _resolved(path)
    if data is not None:  # the data table is replaced whole: the arrays are the data
        doc["data"] = _write_arrays(workdir, data, test)
        doc["data"]["n"] = int(np.asarray(data[0]).shape[0])
    file = workdir / "experiment.toml"
    file.write_text(dumps(doc))
    return file


def _write_arrays(workdir: pathlib.Path, data, test) -> dict:
    """Writes (X, y) and the optional test pair as .npy files for the npy_dataset plugin."""
    table = {"plugin": "npy_dataset"}
    for (X, y), suffix in [(data, "")] + ([(test, "_test")] if test is not None else []):
        X = np.asarray(X, dtype=float)
        if X.ndim == 1:
            X = X.reshape(-1, 1)
        np.save(workdir / f"X{suffix}.npy", X)
        np.save(workdir / f"y{suffix}.npy", np.asarray(y, dtype=float))
        table[f"X{suffix}"] = str(workdir / f"X{suffix}.npy")
        table[f"y{suffix}"] = str(workdir / f"y{suffix}.npy")
    return table


def _arguments(set, jobs, out, fresh) -> list:
    args = []
    for key, value in (set or {}).items():
        args += ["--set", f"{key}={_toml_value(value)}"]
    if jobs:
        args += ["--jobs", str(jobs)]
    if out is not None:
        args += ["--out", str(out)]
    if fresh:
        args += ["--fresh"]
    return args


def _follow(proc, progress: bool) -> list:
    """The CLI's output, shown as it comes. A reader thread takes the pipe, so the main thread stays
    in short sleeps where an interrupt (Ctrl-C, the notebook's stop button) lands at once; it is
    passed on to the CLI as SIGINT, which checkpoints and exits, and then raised here."""
    lines, pending = [], queue.Queue()
    reader = threading.Thread(target=lambda: [pending.put(l) for l in proc.stdout], daemon=True)
    reader.start()

    def drain():
        while not pending.empty():
            line = pending.get()
            lines.append(line)
            if progress or line.startswith("relulab: warning"):  # a warning is shown even when quiet
                sys.stdout.write(line)
                sys.stdout.flush()

    try:
        while proc.poll() is None:
            drain()
            time.sleep(0.05)
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)
        proc.wait()
        raise
    reader.join()
    drain()
    return lines


def run(experiment, set=None, jobs=1, out=None, data=None, test=None, fresh=False, progress=True, workdir=None):
    """Runs an experiment (a .toml path, or a dict written out as TOML) and returns its Run or Sweep.

    set: {dotted key: value} overrides (--set). data=(X, y), test=(X_test, y_test): your own arrays,
    trained on through the npy_dataset plugin. An interrupt (Ctrl-C, the notebook's stop button)
    stops the CLI at a checkpoint; running the same call again resumes it.
    """
    workdir = pathlib.Path(workdir or tempfile.mkdtemp(prefix="relulab-"))
    workdir.mkdir(parents=True, exist_ok=True)
    file = _experiment_file(experiment, workdir, data, test)
    exe = executable()
    extra = _arguments(set, None, None, False)
    check = subprocess.run([exe, "validate", str(file), *extra], capture_output=True, text=True)
    if check.returncode != 0:
        raise ConfigError(check.stderr.strip().removeprefix("relulab: "))
    # The CLI writes the result's folder to a file of its own, byte for byte:
    # parsing it from the progress output broke on a name with a space.
    folder_file = workdir / ".relulab-folder"
    folder_file.unlink(missing_ok=True)
    cmd = [exe, "run", str(file), *_arguments(set, jobs, out, fresh), "--folder-file", str(folder_file)]
    cmd += [] if progress else ["--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    lines = _follow(proc, progress)
    text = "".join(lines)
    if not folder_file.exists():  # written before training: a result (failed cells, diverged) has it
        raise RunError(f"relulab exited with status {proc.returncode}:\n{text}")
    return load(out if out is not None else folder_file.read_text(encoding="utf-8"))
