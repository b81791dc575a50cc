#!/usr/bin/env python3
"""One full-batch SGD step of relulab against PyTorch autograd, for every
activation x loss. relulab runs the step from its CLI; torch recomputes it in
float64 from the same initial weights and data. Exits 77 (CTest: skipped)
when torch is not installed.

usage: torch_one_step.py RELULAB_EXE WORK_DIR
"""
import pathlib
import sys

try:
    import numpy as np
    from peer_run import run_and_load
    import torch
    import torch.nn.functional as F
except ImportError as e:  # torch is a peer check only (scripts/install-deps.sh --peer)
    print(f"skipped: {e}")
    sys.exit(77)

ACTIVATIONS = {"relu": lambda z: F.relu(z),
               "leaky_relu": lambda z: F.leaky_relu(z, 0.2),
               "gelu": lambda z: F.gelu(z)}  # approximate='none': the erf form
LOSSES = {"mse": lambda h, y: ((h - y) ** 2).mean(),
          "logistic": lambda h, y: F.softplus(-y * h).mean(),
          "exponential": lambda h, y: torch.exp(-y * h).mean()}
LR = 0.1

EXPERIMENT = """
[data]
plugin = "{data}"
d = 4
n = 37
[model]
plugin = "two_layer"
width = 21
bias = true
activation = "{activation}"
slope = 0.2
init_scale = 0.5
[loss]
plugin = "{loss}"
[optimizer]
plugin = "sgd"
lr = {lr}
batch_size = 0
iterations = 1
"""


def relulab_step(exe, work, activation, loss):
    data = "linear_teacher" if loss == "mse" else "linear_classifier"
    return run_and_load(exe, work, f"{activation}-{loss}",
                        EXPERIMENT.format(data=data, activation=activation, loss=loss, lr=LR))


def torch_step(arrays, activation, loss):
    X, y = torch.tensor(arrays["X_train"]), torch.tensor(arrays["y_train"])
    params = [torch.tensor(arrays[k], requires_grad=True) for k in ("W_init", "a_init", "b_init")]
    W, a, b = params
    h = ACTIVATIONS[activation](X @ W.T + b) @ a
    LOSSES[loss](h, y).backward()
    return [(p - LR * p.grad).detach().numpy() for p in params]


def main():
    exe, work = sys.argv[1], pathlib.Path(sys.argv[2])
    work.mkdir(parents=True, exist_ok=True)
    failures = 0
    for activation in ACTIVATIONS:
        for loss in LOSSES:
            arrays = relulab_step(exe, work, activation, loss)
            expected = torch_step(arrays, activation, loss)
            for name, want in zip(("W", "a", "b"), expected):
                got = arrays[f"{name}_final"]
                step = np.abs(want - arrays[f"{name}_init"]).max()
                error = np.abs(got - want).max()
                # Both in float64; they differ by summation order, FMA and
                # (GeLU) erf implementations: a few eps times the terms. 1e-10
                # of the step's largest entry is far above that and far below
                # any wrong term.
                ok = error <= 1e-10 * step and step > 0
                failures += not ok
                print(f"{activation:10s} {loss:11s} {name}: max step {step:.3e}, max difference {error:.3e}"
                      f" {'ok' if ok else 'MISMATCH'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
