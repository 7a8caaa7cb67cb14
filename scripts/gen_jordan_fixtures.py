"""PyTorch reference values for rnnkit's Jordan network (Jordan 1986).

    a_t = W_ih x_t + W_yh f_{t-1} + b_h,   h_t = act(a_t),   o_t = W_hy h_t + b_y,   y^_t = outAct(o_t)

where f_{t-1} is y0 at the first step, then the previous target y_{t-1} (teacher forcing) or
the network's own previous output y^_{t-1} (free running, backpropagated through). For each
output activation (identity, softmax, sigmoid, tanh) x hidden nonlinearity (tanh, relu) x
teacher forcing or not, this writes the weights (PyTorch-style names), x [T, B, D], y0 [B, O],
targets [T, B, O], w [T, B, O], the scores o and outputs y^, and every gradient of
L = sum(o * w) to test/fixtures/jordan/parity.safetensors ("<config>/<name>"; configurations
in the metadata). Float64 from float32-representable values; tests replay at float32 tolerance.

Run with Debian's torch:  /usr/bin/python3 scripts/gen_jordan_fixtures.py
"""
import itertools
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_min import save_file  # noqa: E402

T, B, D, H, O = 5, 3, 2, 4, 3
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'jordan', 'parity.safetensors')

OUTPUT = {
    'identity': lambda o: o,
    'softmax': lambda o: torch.softmax(o, dim=-1),
    'sigmoid': torch.sigmoid,
    'tanh': torch.tanh,
}
HIDDEN = {'tanh': torch.tanh, 'relu': torch.relu}


def f32(shape, scale=1.0):
    """Uniform values in [-scale, scale) rounded to float32, kept in float64, requiring gradients."""
    return ((torch.rand(*shape) * 2 - 1) * scale).float().double().requires_grad_()


def run(output, hidden, teacher, seed):
    torch.manual_seed(seed)
    p = {
        'weight_ih': f32((H, D), 0.7), 'weight_yh': f32((H, O), 0.7), 'weight_hy': f32((O, H), 0.7),
        'bias_h': f32((H,), 0.3), 'bias_y': f32((O,), 0.3),
    }
    x, y0, targets, w = f32((T, B, D)), f32((B, O)), f32((T, B, O)), f32((T, B, O))
    fed = y0
    scores, outputs = [], []
    for t in range(T):
        a = x[t] @ p['weight_ih'].T + fed @ p['weight_yh'].T + p['bias_h']
        o = HIDDEN[hidden](a) @ p['weight_hy'].T + p['bias_y']
        y = OUTPUT[output](o)
        scores.append(o)
        outputs.append(y)
        fed = targets[t] if teacher else y
    o, y = torch.stack(scores), torch.stack(outputs)
    (o * w).sum().backward()
    result = {name: t.detach().numpy() for name, t in p.items()}
    result.update({'x': x.detach().numpy(), 'y0': y0.detach().numpy(), 'targets': targets.detach().numpy(), 'w': w.detach().numpy(),
                   'output': o.detach().numpy(), 'prediction': y.detach().numpy(),
                   'grad_x': x.grad.numpy(), 'grad_y0': y0.grad.numpy()})
    result.update({f'grad_{name}': t.grad.numpy() for name, t in p.items()})
    return result


def main():
    torch.set_default_dtype(torch.float64)
    everything, configs = {}, []
    for i, (output, hidden, teacher) in enumerate(itertools.product(OUTPUT, HIDDEN, [True, False])):
        name = f'{output}-{hidden}-{"teacher" if teacher else "free"}'
        configs.append(dict(name=name, outputActivation=output, nonlinearity=hidden, teacherForcing=teacher))
        for key, value in run(output, hidden, teacher, seed=2000 + i).items():
            everything[f'{name}/{key}'] = value
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    save_file(everything, OUT, metadata={'configs': json.dumps(configs), 'sizes': json.dumps(dict(T=T, B=B, D=D, H=H, O=O)),
                                         'torch': torch.__version__})
    print(f'{len(configs)} configurations, {len(everything)} tensors -> {os.path.relpath(OUT)}')


if __name__ == '__main__':
    main()
