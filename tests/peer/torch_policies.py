#!/usr/bin/env python3
"""Each optimizer policy against PyTorch's own implementation of it: five
full-batch steps of relulab (from its CLI) and of torch.optim on the same
weights and data, float64, for the policies PyTorch has: coupled weight decay
(SGD, momentum, Adam), decoupled (AdamW), clipping by norm and by value,
per-layer rates (parameter groups) and linear warm-up (LinearLR). Exits 77
(CTest: skipped) when torch is not installed.

usage: torch_policies.py RELULAB_EXE WORK_DIR
"""
import pathlib
import sys

try:
    import numpy as np
    from peer_run import run_and_load
    import torch
except ImportError as e:  # torch is a peer check only (scripts/install-deps.sh --peer)
    print(f"skipped: {e}")
    sys.exit(77)

STEPS = 5
LR = {"sgd": 0.05, "momentum": 0.05, "adam": 0.01}

EXPERIMENT = """
[data]
plugin = "linear_teacher"
d = 4
n = 37
[model]
plugin = "two_layer"
width = 21
bias = true
init_scale = 0.5
[optimizer]
plugin = "{rule}"
lr = {lr}
batch_size = 0
iterations = {steps}
{extra}
policies = [{policies}]
"""


def torch_optimizer(rule, groups, weight_decay, adamw):
    if rule == "sgd":
        return torch.optim.SGD(groups, lr=LR[rule], weight_decay=weight_decay)
    if rule == "momentum":
        return torch.optim.SGD(groups, lr=LR[rule], momentum=0.9, weight_decay=weight_decay)
    kind = torch.optim.AdamW if adamw else torch.optim.Adam
    return kind(groups, lr=LR[rule], weight_decay=weight_decay)


# name: (rule, relulab policies, torch settings)
CASES = {
    "sgd + coupled weight decay": ("sgd", '{ plugin = "weight_decay", rate = 0.3 }', {"weight_decay": 0.3}),
    "momentum + coupled weight decay": ("momentum", '{ plugin = "weight_decay", rate = 0.3 }', {"weight_decay": 0.3}),
    "adam + coupled weight decay": ("adam", '{ plugin = "weight_decay", rate = 0.3 }', {"weight_decay": 0.3}),
    "adamw (adam + decoupled decay)": ("adam", '{ plugin = "weight_decay", rate = 0.3, mode = "decoupled" }',
                                       {"weight_decay": 0.3, "adamw": True}),
    "sgd + clip by norm": ("sgd", '{ plugin = "clip_gradient", by = "norm", max = 0.05 }', {"clip_norm": 0.05}),
    "adam + clip by value": ("adam", '{ plugin = "clip_gradient", by = "value", max = 0.01 }', {"clip_value": 0.01}),
    "sgd + layer rates": ("sgd", '{ plugin = "layer_rates", first = 0.5, second = 4.0 }', {"rates": (0.5, 4.0)}),
    "adam + layer rates": ("adam", '{ plugin = "layer_rates", first = 0.5, second = 4.0 }', {"rates": (0.5, 4.0)}),
    "momentum + warm-up": ("momentum", '{ plugin = "warmup", steps = 3, start_factor = 0.25 }', {"warmup": (3, 0.25)}),
}


def relulab_run(exe, work, name, rule, policies):
    slug = "".join(c if c.isalnum() else "_" for c in name)
    extra = "nesterov = false" if rule == "momentum" else ""
    return run_and_load(exe, work, slug,
                        EXPERIMENT.format(rule=rule, lr=LR[rule], steps=STEPS, extra=extra, policies=policies))


def torch_run(arrays, rule, settings):
    X, y = torch.tensor(arrays["X_train"]), torch.tensor(arrays["y_train"])
    W, a, b = (torch.tensor(arrays[k], requires_grad=True) for k in ("W_init", "a_init", "b_init"))
    first, second = settings.get("rates", (1.0, 1.0))
    groups = [{"params": [W, b], "lr": LR[rule] * first}, {"params": [a], "lr": LR[rule] * second}]
    opt = torch_optimizer(rule, groups, settings.get("weight_decay", 0.0), settings.get("adamw", False))
    schedule = None
    if "warmup" in settings:
        steps, start = settings["warmup"]
        schedule = torch.optim.lr_scheduler.LinearLR(opt, start_factor=start, total_iters=steps)
    for _ in range(STEPS):
        opt.zero_grad()
        h = torch.relu(X @ W.T + b) @ a
        ((h - y) ** 2).mean().backward()
        if "clip_norm" in settings:
            torch.nn.utils.clip_grad_norm_([W, a, b], settings["clip_norm"])
        if "clip_value" in settings:
            torch.nn.utils.clip_grad_value_([W, a, b], settings["clip_value"])
        opt.step()
        if schedule:
            schedule.step()
    return [t.detach().numpy() for t in (W, a, b)]


def main():
    exe, work = sys.argv[1], pathlib.Path(sys.argv[2])
    work.mkdir(parents=True, exist_ok=True)
    failures = 0
    for name, (rule, policies, settings) in CASES.items():
        arrays = relulab_run(exe, work, name, rule, policies)
        for part, want in zip(("W", "a", "b"), torch_run(arrays, rule, settings)):
            got, start = arrays[f"{part}_final"], arrays[f"{part}_init"]
            moved = np.abs(want - start).max()
            error = np.abs(got - want).max()
            # Both float64; summation order, FMA and where a factor is applied
            # (lr * factor against factor * step) differ by a few eps of the
            # terms per step. 1e-9 of the largest move over five steps is far
            # above that and far below any missing or wrong term.
            ok = error <= 1e-9 * moved and moved > 0
            failures += not ok
            print(f"{name:32s} {part}: moved {moved:.3e}, difference {error:.3e} {'ok' if ok else 'MISMATCH'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
