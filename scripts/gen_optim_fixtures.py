#!/usr/bin/python3
"""PyTorch reference values for rnnkit's optimizers, learning-rate schedules and
gradient clipping (compared tensor by tensor, as llm.c's test_gpt2 compares its AdamW steps).

Run with Debian's Python, which has torch 1.13:

    /usr/bin/python3 scripts/gen_optim_fixtures.py

It writes test/fixtures/optim.json; the tests replay it without Python. The output
depends only on the seeds below, so running the script again gives the same file.

Layout of the JSON (options use rnnkit's camelCase names; non-finite numbers are
written as the strings "NaN", "Infinity" and "-Infinity", which JSON cannot hold):

    params:     [{name, shape, init}]                 two small tensors, float32 values
    grads:      [step][param] flat gradient values    the gradient fed to each of the 5 steps
    optimizers: [{name, kind, options, params: [step][param] values after that step,
                  state: {"<param>.<buffer>": values after the last step}}]
    schedules:  [{name, kind, options, lr: [lr at step 0..N]}]
    clipNorm:   [{name, maxNorm, normType, grads: [param], totalNorm, clipped: [param]}]
    clipValue:  [{name, clipValue, grads: [param], clipped: [param]}]
"""
import json
import math
import os
import warnings

import torch

STEPS = 5
SHAPES = [("weight", [3, 5]), ("bias", [7])]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "optim.json")

# rnnkit option name -> torch keyword.
TORCH_NAMES = {
    "lr": "lr", "momentum": "momentum", "dampening": "dampening", "weightDecay": "weight_decay",
    "nesterov": "nesterov", "betas": "betas", "eps": "eps", "alpha": "alpha", "centered": "centered",
}

OPTIMIZERS = [
    ("sgd_plain", "SGD", {"lr": 0.1}),
    ("sgd_momentum_dampening", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1}),
    ("sgd_nesterov", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("sgd_weight_decay", "SGD", {"lr": 0.1, "weightDecay": 0.1}),
    ("sgd_momentum_weight_decay", "SGD", {"lr": 0.1, "momentum": 0.5, "weightDecay": 0.01}),
    ("adam_defaults", "Adam", {}),
    ("adam", "Adam", {"lr": 0.01}),
    ("adam_weight_decay", "Adam", {"lr": 0.01, "betas": [0.8, 0.99], "eps": 1e-6, "weightDecay": 0.1}),
    ("adamw_defaults", "AdamW", {}),
    ("adamw", "AdamW", {"lr": 0.01, "betas": [0.85, 0.995], "weightDecay": 0.1}),
    ("rmsprop_defaults", "RMSprop", {}),
    ("rmsprop_momentum", "RMSprop", {"lr": 0.01, "momentum": 0.9, "weightDecay": 0.05}),
    ("rmsprop_centered", "RMSprop", {"lr": 0.005, "alpha": 0.9, "momentum": 0.5, "centered": True}),
    ("rmsprop_centered_plain", "RMSprop", {"lr": 0.01, "centered": True}),
]

# Buffers rnnkit keeps, by torch's state names (the `step` entry is kept separately).
STATE_NAMES = {"SGD": ["momentum_buffer"], "Adam": ["exp_avg", "exp_avg_sq"], "AdamW": ["exp_avg", "exp_avg_sq"],
               "RMSprop": ["square_avg", "momentum_buffer", "grad_avg"]}


def values(t):
    return t.detach().reshape(-1).tolist()


def make_params_and_grads():
    g = torch.Generator().manual_seed(20240613)
    params = [{"name": name, "shape": shape, "init": values(torch.randn(shape, generator=g))} for name, shape in SHAPES]
    # Gradients of varied size per step, so the moments do not settle into a pattern.
    grads = [[values(torch.randn(shape, generator=g) * (0.5 + step * 0.3)) for _, shape in SHAPES]
             for step in range(STEPS)]
    return params, grads


def run_optimizer(kind, options, params, grads):
    tensors = [torch.tensor(p["init"], dtype=torch.float32).reshape(p["shape"]).requires_grad_() for p in params]
    kwargs = {TORCH_NAMES[k]: (tuple(v) if k == "betas" else v) for k, v in options.items()}
    optimizer = getattr(torch.optim, kind)(tensors, **kwargs)
    history = []
    for step in range(STEPS):
        for t, g in zip(tensors, grads[step]):
            t.grad = torch.tensor(g, dtype=torch.float32).reshape(t.shape)
        optimizer.step()
        history.append([values(t) for t in tensors])
    state = {}
    for p, t in zip(params, tensors):
        for name in STATE_NAMES[kind]:
            buffer = optimizer.state[t].get(name)
            if buffer is not None:
                state[f"{p['name']}.{name}"] = values(buffer)
    return history, state


def schedule_lrs(build, base_lr, steps):
    """lr after construction (step 0) and after each of `steps` calls of scheduler.step()."""
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base_lr)
    scheduler = build(optimizer)
    lrs = [optimizer.param_groups[0]["lr"]]
    for _ in range(steps):
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
    return lrs


def make_schedules():
    S = torch.optim.lr_scheduler
    cases = [
        ("constant", "constant", {"lr": 0.05}, lambda o: None),
        ("step_decay", "step", {"lr": 0.1, "stepSize": 3, "gamma": 0.5},
         lambda o: S.StepLR(o, step_size=3, gamma=0.5)),
        ("step_decay_default_gamma", "step", {"lr": 1.0, "stepSize": 2},
         lambda o: S.StepLR(o, step_size=2)),
        # Past tMax the closed form (and torch's chained form) rises again along the cosine.
        ("cosine", "cosine", {"lr": 0.1, "tMax": 10, "etaMin": 0.001},
         lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001)),
        ("cosine_default_eta_min", "cosine", {"lr": 0.5, "tMax": 7},
         lambda o: S.CosineAnnealingLR(o, T_max=7)),
        ("linear_warmup", "linear", {"lr": 0.2, "warmupSteps": 4, "startFactor": 0.25},
         lambda o: S.LinearLR(o, start_factor=0.25, total_iters=4)),
        ("linear_defaults", "linear", {"lr": 0.3},
         lambda o: S.LinearLR(o)),
        ("linear_end_factor", "linear", {"lr": 0.1, "warmupSteps": 6, "startFactor": 1.0, "endFactor": 0.5},
         lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.5, total_iters=6)),
        ("warmup_then_cosine", "sequential",
         {"schedules": [["linear", {"lr": 0.1, "warmupSteps": 3, "startFactor": 0.1}],
                        ["cosine", {"lr": 0.1, "tMax": 8, "etaMin": 0.01}]], "milestones": [3]},
         lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=3),
                                      S.CosineAnnealingLR(o, T_max=8, eta_min=0.01)], milestones=[3])),
        ("warmup_then_step", "sequential",
         {"schedules": [["linear", {"lr": 0.4, "warmupSteps": 5, "startFactor": 0.5}],
                        ["step", {"lr": 0.4, "stepSize": 4, "gamma": 0.3}]], "milestones": [4]},
         lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.5, total_iters=5),
                                      S.StepLR(o, step_size=4, gamma=0.3)], milestones=[4])),
        ("three_phases", "sequential",
         {"schedules": [["linear", {"lr": 0.1, "warmupSteps": 2, "startFactor": 0.5}],
                        ["constant", {"lr": 0.1}],
                        ["cosine", {"lr": 0.1, "tMax": 5}]], "milestones": [2, 6]},
         lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.5, total_iters=2),
                                      S.ConstantLR(o, factor=1.0, total_iters=1),
                                      S.CosineAnnealingLR(o, T_max=5)], milestones=[2, 6])),
    ]
    return [{"name": name, "kind": kind, "options": options, "lr": schedule_lrs(build, lr_of(options), 25)}
            for name, kind, options, build in cases]


def lr_of(options):
    return options["lr"] if "lr" in options else options["schedules"][0][1]["lr"]


def make_clipping():
    g = torch.Generator().manual_seed(7)

    def fresh(scale=1.0):
        return [torch.randn(shape, generator=g) * scale for _, shape in SHAPES]

    def with_value(grads, index, value):
        grads[1].view(-1)[index] = value
        return grads

    norm_cases = [
        ("norm2_clipped", 1.0, 2.0, fresh()),
        ("norm2_unclipped", 100.0, 2.0, fresh()),
        ("norm2_max_norm_zero", 0.0, 2.0, fresh()),
        ("norm_inf", 0.5, math.inf, fresh()),
        ("norm_1", 2.0, 1.0, fresh()),
        ("norm_3", 0.7, 3.0, fresh()),
        ("norm2_tiny_grads", 1.0, 2.0, fresh(1e-4)),
        ("norm2_infinite_grad", 1.0, 2.0, with_value(fresh(), 2, math.inf)),
        ("norm2_nan_grad", 1.0, 2.0, with_value(fresh(), 4, math.nan)),
        ("norm_inf_nan_grad", 1.0, math.inf, with_value(fresh(), 0, math.nan)),
    ]
    clip_norm = []
    for name, max_norm, norm_type, grads in norm_cases:
        tensors = [torch.zeros(t.shape, requires_grad=True) for t in grads]
        for t, grad in zip(tensors, grads):
            t.grad = grad.clone()
        total = torch.nn.utils.clip_grad_norm_(tensors, max_norm, norm_type=norm_type)
        clip_norm.append({"name": name, "maxNorm": max_norm, "normType": norm_type,
                          "grads": [values(grad) for grad in grads], "totalNorm": total.item(),
                          "clipped": [values(t.grad) for t in tensors]})

    value_cases = [
        ("value_0.3", 0.3, fresh()),
        ("value_0", 0.0, fresh()),
        ("value_non_finite", 0.5, with_value(with_value(with_value(fresh(), 1, math.nan), 3, math.inf), 5, -math.inf)),
    ]
    clip_value = []
    for name, clip, grads in value_cases:
        tensors = [torch.zeros(t.shape, requires_grad=True) for t in grads]
        for t, grad in zip(tensors, grads):
            t.grad = grad.clone()
        torch.nn.utils.clip_grad_value_(tensors, clip)
        clip_value.append({"name": name, "clipValue": clip, "grads": [values(grad) for grad in grads],
                           "clipped": [values(t.grad) for t in tensors]})
    return clip_norm, clip_value


def encode(value):
    """Non-finite floats as strings (JSON has no NaN or Infinity)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value


def main():
    torch.manual_seed(0)
    warnings.simplefilter("ignore")  # torch's scheduler warnings about call order
    params, grads = make_params_and_grads()
    optimizers = []
    for name, kind, options in OPTIMIZERS:
        history, state = run_optimizer(kind, options, params, grads)
        optimizers.append({"name": name, "kind": kind, "options": options, "params": history, "state": state})
    clip_norm, clip_value = make_clipping()
    fixture = {
        "generator": "scripts/gen_optim_fixtures.py",
        "torch": torch.__version__,
        "steps": STEPS,
        "params": params,
        "grads": grads,
        "optimizers": optimizers,
        "schedules": make_schedules(),
        "clipNorm": clip_norm,
        "clipValue": clip_value,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(encode(fixture), f, allow_nan=False, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
