#!/usr/bin/env python3
"""relulab's Hessian of the training loss against PyTorch's double backward,
float64, for every activation x loss (with a hidden bias). relulab's sharpness
metric writes its top-2 eigenvalues and eigenvectors at the initial point;
torch forms the Hessian of the same loss at the same weights (double backward,
column by column) and checks both: its eigenvalues, and H u = lambda u for
relulab's vectors u. Exits 77 (CTest: skipped) when torch is not installed.

usage: torch_hessian.py RELULAB_EXE WORK_DIR
"""
import pathlib
import sys

try:
    import numpy as np
    import pandas as pd
    from peer_run import run_and_load
    from torch_one_step import ACTIVATIONS, LOSSES
    import torch
except ImportError as e:  # torch is a peer check only (scripts/install-deps.sh --peer)
    print(f"skipped: {e}")
    sys.exit(77)

EXPERIMENT = """
[data]
plugin = "{data}"
d = 3
n = 40
[model]
plugin = "two_layer"
width = 9
bias = true
activation = "{activation}"
slope = 0.2
init_scale = 0.7
[loss]
plugin = "{loss}"
[optimizer]
plugin = "sgd"
lr = 0.01
batch_size = 0
iterations = 1
[[metrics]]
plugin = "sharpness"
schedule = {{ points = [0] }}
k = 2
vectors = true
tolerance = 1e-12
"""


def torch_hessian(arrays, activation, loss):
    """The Hessian of the loss in relulab's parameter layout: W column by column, then a, then b."""
    X, y = torch.tensor(arrays["X_train"]), torch.tensor(arrays["y_train"])
    m, d = arrays["W_init"].shape
    theta0 = np.concatenate([arrays["W_init"].flatten(order="F"), arrays["a_init"], arrays["b_init"]])

    def objective(theta):
        W = theta[: m * d].reshape(d, m).T
        a, b = theta[m * d: m * d + m], theta[m * d + m:]
        return LOSSES[loss](ACTIVATIONS[activation](X @ W.T + b) @ a, y)

    theta = torch.tensor(theta0, requires_grad=True)
    (gradient,) = torch.autograd.grad(objective(theta), theta, create_graph=True)
    columns = [torch.autograd.grad(gradient[i], theta, retain_graph=True)[0] for i in range(theta.numel())]
    return torch.stack(columns, dim=1).detach().numpy()


def main():
    exe, work = sys.argv[1], pathlib.Path(sys.argv[2])
    work.mkdir(parents=True, exist_ok=True)
    failures = 0
    for activation in ACTIVATIONS:
        for loss in LOSSES:
            name = f"hessian-{activation}-{loss}"
            data = "linear_teacher" if loss == "mse" else "linear_classifier"
            arrays = run_and_load(exe, work, name, EXPERIMENT.format(data=data, activation=activation, loss=loss))
            values = pd.read_csv(work / name / "metrics.csv").iloc[0][["sharpness", "hessian_eig_2"]].to_numpy()
            vectors = np.load(work / name / "sharpness" / "0.npy")
            H = torch_hessian(arrays, activation, loss)
            scale = np.abs(H).max()
            expected = np.sort(np.linalg.eigvalsh(0.5 * (H + H.T)))[::-1][:2]
            residual = max(np.linalg.norm(H @ u - lam * u) for u, lam in zip(vectors, values))
            # Both float64 sums of the same terms in different orders (and, for GeLU, different erf
            # implementations): entries agree to ~1e-15 of the largest. Lanczos runs to 1e-12. So 1e-9
            # of the Hessian's scale bounds both comparisons with room, and any wrong term is O(scale).
            ok = np.abs(values - expected).max() <= 1e-9 * scale and residual <= 1e-9 * scale
            failures += not ok
            print(f"{activation:10s} {loss:11s} top eigenvalues {values[0]:.6g} {values[1]:.6g} "
                  f"(torch {expected[0]:.6g} {expected[1]:.6g}), |Hu - lu| {residual:.2e} of scale {scale:.2e}"
                  f" {'ok' if ok else 'MISMATCH'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
