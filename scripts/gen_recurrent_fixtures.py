"""PyTorch reference values for rnnkit's recurrent layers.

For every cell (RNN tanh, RNN relu, LSTM, GRU) x 1-3 layers x one/two directions x
batch_first x ragged lengths (through pack_padded_sequence(enforce_sorted=False)) x
with/without initial states, this writes the inputs, the weights, the forward results
and every gradient of the loss

    L = sum(output * w_out) + sum(h_n * w_h) [+ sum(c_n * w_c)]

to test/fixtures/recurrent/parity.safetensors (tensor names "<config>/<name>"; the
configurations are listed in the metadata). Values are computed in float64 from
float32-representable inputs; tests replay them on both backends at float32 tolerance.

Run with Debian's torch:  /usr/bin/python3 scripts/gen_recurrent_fixtures.py
"""
import itertools
import json
import os
import sys

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_min import save_file  # noqa: E402

T, B, D, H = 5, 3, 3, 4
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'recurrent', 'parity.safetensors')


def f32(t):
    """Rounds to float32 values, kept in float64."""
    return t.float().double()


def make_module(cell, layers, bidirectional, batch_first, proj_size=0):
    common = dict(num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
    if cell.startswith('rnn'):
        return torch.nn.RNN(D, H, nonlinearity=cell.split('_')[1], **common)
    if cell == 'lstm':
        return torch.nn.LSTM(D, H, proj_size=proj_size, **common)
    return torch.nn.GRU(D, H, **common)


def run(cell, layers, bidirectional, batch_first, ragged, states, seed, proj_size=0):
    """One configuration's tensors; an LSTM with proj_size P carries h0 and h_n P wide (c stays H wide)."""
    torch.manual_seed(seed)
    module = make_module(cell, layers, bidirectional, batch_first, proj_size).double()
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(f32(p))
    dirs = 2 if bidirectional else 1
    K = layers * dirs
    shape = (B, T, D) if batch_first else (T, B, D)
    x = f32(torch.randn(*shape, dtype=torch.float64)).requires_grad_()
    h0 = f32(torch.randn(K, B, proj_size or H, dtype=torch.float64)).requires_grad_()
    c0 = f32(torch.randn(K, B, H, dtype=torch.float64)).requires_grad_()
    lengths = torch.tensor([T, 2, 4] if ragged else [T] * B)
    if ragged:
        lengths = lengths[torch.randperm(B)]
    lstm = cell == 'lstm'
    hx = ((h0, c0) if lstm else h0) if states else None
    if ragged:
        packed = pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=False)
        out, hn = module(packed, hx)
        out, _ = pad_packed_sequence(out, batch_first=batch_first, total_length=T)
    else:
        out, hn = module(x, hx)
    h, c = (hn if lstm else (hn, None))
    return record(x, h0, c0, lengths, out, h, c, states, module.named_parameters())


def record(x, h0, c0, lengths, out, h, c, states, named_parameters):
    """Backpropagates L = sum(output * w_out) + sum(h * w_h) [+ sum(c * w_c)] with random w (drawn
    here, in this order) and returns every tensor a test replays as float32 arrays: the inputs
    (h0, c0 when `states`), the results, the w, the weights and all gradients. `c` is None but for an LSTM."""
    lstm = c is not None
    w_out = f32(torch.randn_like(out))
    w_h = f32(torch.randn_like(h))
    loss = (out * w_out).sum() + (h * w_h).sum()
    tensors = {'x': x, 'output': out, 'h': h, 'w_out': w_out, 'w_h': w_h, 'lengths': lengths.double()}
    if lstm:
        w_c = f32(torch.randn_like(c))
        loss = loss + (c * w_c).sum()
        tensors.update(c=c, w_c=w_c)
    if states:
        tensors['h0'] = h0
        if lstm:
            tensors['c0'] = c0
    loss.backward()
    tensors['grad.x'] = x.grad
    if states:
        tensors['grad.h0'] = h0.grad
        if lstm:
            tensors['grad.c0'] = c0.grad
    for name, p in named_parameters:
        tensors[name] = p
        tensors[f'grad.{name}'] = p.grad
    return {k: v.detach().numpy().astype(np.float32) for k, v in tensors.items()}


def main():
    torch.set_default_dtype(torch.float64)
    cells = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru']
    everything = {}
    configs = []
    for i, (cell, layers, bidir, bf, ragged, states) in enumerate(itertools.product(
            cells, [1, 2, 3], [False, True], [False, True], [False, True], [False, True])):
        name = f'{cell}-l{layers}-{"bi" if bidir else "uni"}-{"bf" if bf else "tm"}-' \
               f'{"ragged" if ragged else "full"}-{"h0" if states else "zero"}'
        configs.append(dict(name=name, cell=cell.split('_')[0], nonlinearity=(cell.split('_') + ['tanh'])[1],
                            numLayers=layers, bidirectional=bidir, batchFirst=bf, ragged=ragged,
                            initialStates=states))
        for key, value in run(cell, layers, bidir, bf, ragged, states, seed=1000 + i).items():
            everything[f'{name}/{key}'] = value
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    save_file(everything, OUT, metadata={
        'configs': json.dumps(configs), 'sizes': json.dumps(dict(T=T, B=B, D=D, H=H)),
        'torch': torch.__version__})
    print(f'{len(configs)} configurations, {len(everything)} tensors -> {os.path.relpath(OUT)}')


if __name__ == '__main__':
    main()
