#!/usr/bin/python3
"""relulab's SGD step next to PyTorch's, on one thread, in one run.

The step is the paper's: a two-layer ReLU network without bias, d = 5, batch
32, MSE loss, plain SGD at learning rate 0.01 (the rate only changes numbers,
not costs). relulab runs in float64 (SgdStep) and with float32 training steps
(SgdStepF32); PyTorch in float32 (its default, what a researcher gets) and in
float64. PyTorch runs two ways:
  - idiomatic: nn.Sequential(Linear, ReLU, Linear), nn.MSELoss, optim.SGD and
    autograd, as a researcher writes it (and as the paper's code is written);
  - manual: the gradient written out with tensor products under no_grad,
    the fastest plain PyTorch formulation we know, so that the ratio is not
    flattered by autograd's overhead alone.
relulab's figures come from its Google Benchmark binary (SgdStep, the real
plugins; PlainEigenSgdStep, the same step with Eigen's dense products).

These machines drift by tens of percent from minute to minute, so the
figures come in rounds: in each round, width by width, relulab's two steps and
PyTorch's three are measured back to back, and every ratio is taken within
that round. The table gives the median rates and the median (and range) of the
within-round ratios.

Run from the repository root after scripts/build.sh (and
scripts/install-deps.sh --peer for PyTorch):
    bench/compare_pytorch.py [--bench build/bench/relulab_bench] [--seconds 1] [--rounds 3]
Debian's python3-torch is installed for /usr/bin/python3, hence the shebang.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time

WIDTHS = (100, 1000, 10000)
D, BATCH, N, LR = 5, 32, 4096, 0.01


def torch_steps_per_second(width, manual, seconds, dtype="float64"):
    import torch

    dtype = getattr(torch, dtype)
    torch.manual_seed(0)
    X = torch.randn(N, D, dtype=dtype)
    y = X[:, 0] + 0.3 * torch.randn(N, dtype=dtype)
    # i.i.d. batch indices drawn up front: sampling is not what is measured.
    batches = torch.randint(0, N, (4096, BATCH))

    if manual:
        W = 1e-3 * torch.randn(width, D, dtype=dtype)
        a = 1e-3 * torch.randn(width, dtype=dtype)

        def step(rows):
            with torch.no_grad():
                xb, yb = X[rows], y[rows]
                z = xb @ W.T
                h = z.clamp(min=0)
                r = h @ a - yb
                c = (2.0 / BATCH) * r
                ga = h.T @ c
                gW = ((c[:, None] * a[None, :]) * (z > 0)).T @ xb
                W.sub_(LR * gW)
                a.sub_(LR * ga)
    else:
        net = torch.nn.Sequential(
            torch.nn.Linear(D, width, bias=False), torch.nn.ReLU(), torch.nn.Linear(width, 1, bias=False)
        ).to(dtype)
        loss_fn = torch.nn.MSELoss()
        opt = torch.optim.SGD(net.parameters(), lr=LR)

        def step(rows):
            opt.zero_grad()
            loss = loss_fn(net(X[rows]).squeeze(1), y[rows])
            loss.backward()
            opt.step()

    for i in range(50):  # warm-up: allocator caches, first-call dispatch
        step(batches[i])
    steps, start = 0, time.perf_counter()
    while True:
        for i in range(100):
            step(batches[(steps + i) % len(batches)])
        steps += 100
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return steps / elapsed


def relulab_steps_per_second(bench, width, seconds):
    out = subprocess.run(
        [
            bench,
            f"--benchmark_filter=^(SgdStep|SgdStepF32)/{width}$",
            "--benchmark_format=json",
            f"--benchmark_min_time={seconds}",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {b["name"].split("/")[0]: b["steps/s"] for b in json.loads(out)["benchmarks"]}


def one_round(bench, seconds):
    """Per width, the five rates measured back to back."""
    rows = {}
    for width in WIDTHS:
        rates = relulab_steps_per_second(bench, width, seconds)
        rows[width] = {
            "f64": rates["SgdStep"],
            "f32": rates["SgdStepF32"],
            "torch32": torch_steps_per_second(width, manual=False, seconds=seconds, dtype="float32"),
            "torch64": torch_steps_per_second(width, manual=False, seconds=seconds, dtype="float64"),
            "manual64": torch_steps_per_second(width, manual=True, seconds=seconds, dtype="float64"),
        }
    return rows


def ratio_text(values):
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", default="build/bench/relulab_bench", help="relulab's benchmark binary")
    ap.add_argument("--seconds", type=float, default=1.0, help="measuring time per figure")
    ap.add_argument("--rounds", type=int, default=3, help="rounds; ratios are taken within a round")
    args = ap.parse_args()
    try:
        import torch
    except ImportError:
        sys.exit("PyTorch is missing: run scripts/install-deps.sh --peer (Debian's python3-torch)")
    torch.set_num_threads(1)  # one thread on both sides
    torch.set_num_interop_threads(1)

    rounds = [one_round(args.bench, args.seconds) for _ in range(args.rounds)]
    print(f"SGD step, d = {D}, batch {BATCH}, one thread; steps per second (higher is better)")
    print(f"PyTorch {torch.__version__}; relulab benchmark {args.bench}")
    print(f"medians of {args.rounds} rounds; ratios within a round: median (range)\n")
    header = ("width", "relulab f64", "relulab f32", "torch f32", "torch f64", "torch f64 manual",
              "f64 x torch f32", "f32 x torch f32", "f32 / f64")
    print("{:>6} {:>11} {:>11} {:>10} {:>10} {:>16} {:>17} {:>17} {:>15}".format(*header))
    for width in WIDTHS:
        runs = [r[width] for r in rounds]
        median = {k: statistics.median(run[k] for run in runs) for k in runs[0]}
        f64_x = ratio_text([run["f64"] / run["torch32"] for run in runs])
        f32_x = ratio_text([run["f32"] / run["torch32"] for run in runs])
        f32_f64 = [run["f32"] / run["f64"] for run in runs]
        f32_f64_text = f"{statistics.median(f32_f64):.2f} ({min(f32_f64):.2f}-{max(f32_f64):.2f})"
        print(
            f"{width:>6} {median['f64']:>11.0f} {median['f32']:>11.0f} {median['torch32']:>10.0f} "
            f"{median['torch64']:>10.0f} {median['manual64']:>16.0f} {f64_x:>17} {f32_x:>17} {f32_f64_text:>15}"
        )


if __name__ == "__main__":
    main()
