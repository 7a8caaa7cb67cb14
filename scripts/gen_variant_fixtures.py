"""Reference values for the cell variants PyTorch has no module for, written out in torch.

* GRU with the reset gate before the recurrent product (Cho et al. 2014; Keras
  reset_after=False, TensorFlow.js, ONNX linear_before_reset=0):
      r = sigmoid(W_ir x + b_ir + W_hr h + b_hr),  z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
      n = tanh(W_in x + b_in + W_hn (r * h) + b_hn),  h' = (1 - z) * n + z * h
* LSTM with peepholes (Gers & Schmidhuber 2000; ONNX's P input), gates i, f, g, o:
      i = sigmoid(a_i + p_i * c),  f = sigmoid(a_f + p_f * c),  g = tanh(a_g)
      c' = f * c + i * g,  o = sigmoid(a_o + p_o * c'),  h' = o * tanh(c')

Each layer is written step by step from these equations (autograd gives the gradients), with
PyTorch's parameter names and layouts (gate blocks r, z, n and i, f, g, o; peepholes
weight_peephole_l{k}[_reverse] = [p_i | p_f | p_o]) and packed-sequence semantics for ragged
lengths: a sequence's steps past its length leave its state as it is and output zeros, and
the reverse direction starts at its last real step. For 1-2 layers x one/two directions x
ragged lengths x initial states it writes the inputs, the weights, the outputs and every
gradient of

    L = sum(output * w_out) + sum(h_n * w_h) [+ sum(c_n * w_c)]

to test/fixtures/recurrent/variants.safetensors (tensor names "<config>/<name>", the
configurations in the metadata), computed in float64 from float32-representable values.
As a check of the step code itself, the script first runs the same loop with PyTorch's own
GRU equations (reset gate after the product) and asserts it equals torch.nn.GRU.

Run with Debian's torch:  /usr/bin/python3 scripts/gen_variant_fixtures.py
"""
import itertools
import json
import math
import os
import sys

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.dirname(__file__))
from gen_recurrent_fixtures import B, D, H, T, f32, record  # noqa: E402
from safetensors_min import save_file  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'recurrent', 'variants.safetensors')


def gru_step(x, h, p, reset_after):
    xr, xz, xn = (x @ p['weight_ih'].T + p['bias_ih']).chunk(3, dim=-1)
    w_hr, w_hz, w_hn = p['weight_hh'].chunk(3, dim=0)
    b_hr, b_hz, b_hn = p['bias_hh'].chunk(3)
    r = torch.sigmoid(xr + h @ w_hr.T + b_hr)
    z = torch.sigmoid(xz + h @ w_hz.T + b_hz)
    if reset_after:
        n = torch.tanh(xn + r * (h @ w_hn.T + b_hn))
    else:
        n = torch.tanh(xn + (r * h) @ w_hn.T + b_hn)
    return (1 - z) * n + z * h, None


def peephole_lstm_step(x, state, p):
    h, c = state
    a_i, a_f, a_g, a_o = (x @ p['weight_ih'].T + p['bias_ih'] + h @ p['weight_hh'].T + p['bias_hh']).chunk(4, dim=-1)
    p_i, p_f, p_o = p['weight_peephole'].chunk(3)
    i = torch.sigmoid(a_i + p_i * c)
    f = torch.sigmoid(a_f + p_f * c)
    g = torch.tanh(a_g)
    c_next = f * c + i * g
    o = torch.sigmoid(a_o + p_o * c_next)
    return o * torch.tanh(c_next), c_next


def run_direction(cell, x, lengths, h0, c0, p, reverse):
    """One direction over x [T, B, F]; returns outputs [T, B, H], final h and c [B, H]."""
    h, c = h0, c0
    outputs = [None] * x.shape[0]
    steps = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
    for t in steps:
        running = (lengths > t).double().unsqueeze(1)
        if cell == 'lstm':
            h_new, c_new = peephole_lstm_step(x[t], (h, c), p)
            c = running * c_new + (1 - running) * c
        else:
            h_new, _ = gru_step(x[t], h, p, reset_after=(cell == 'gru_after'))
        h = running * h_new + (1 - running) * h
        outputs[t] = running * h_new
    return torch.stack(outputs), h, c


def run_stack(cell, x, lengths, h0, c0, params, layers, dirs):
    hs, cs = [], []
    for layer in range(layers):
        outs = []
        for d in range(dirs):
            k = layer * dirs + d
            sfx = f'_l{layer}' + ('_reverse' if d == 1 else '')
            p = {name: params[f'{name}{sfx}'] for name in ('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh', 'weight_peephole')
                 if f'{name}{sfx}' in params}
            out, h, c = run_direction(cell, x, lengths, h0[k], c0[k] if c0 is not None else None, p, reverse=d == 1)
            outs.append(out)
            hs.append(h)
            cs.append(c)
        x = torch.cat(outs, dim=2)
    return x, torch.stack(hs), (torch.stack(cs) if cell == 'lstm' else None)


def make_params(cell, layers, dirs):
    gates = 4 if cell == 'lstm' else 3
    bound = 1 / math.sqrt(H)
    params = {}
    for layer in range(layers):
        inputs = D if layer == 0 else dirs * H
        for d in range(dirs):
            sfx = f'_l{layer}' + ('_reverse' if d == 1 else '')
            params[f'weight_ih{sfx}'] = torch.empty(gates * H, inputs).uniform_(-bound, bound)
            params[f'weight_hh{sfx}'] = torch.empty(gates * H, H).uniform_(-bound, bound)
            params[f'bias_ih{sfx}'] = torch.empty(gates * H).uniform_(-bound, bound)
            params[f'bias_hh{sfx}'] = torch.empty(gates * H).uniform_(-bound, bound)
            if cell == 'lstm':
                # Larger than the other weights, so that the cell state's pull on the gates shows.
                params[f'weight_peephole{sfx}'] = torch.empty(3 * H).uniform_(-1, 1)
    return {k: f32(v).requires_grad_() for k, v in params.items()}


def check_against_torch_gru():
    """The step loop with PyTorch's own GRU equations equals torch.nn.GRU (2 layers, bidirectional, ragged)."""
    torch.manual_seed(7)
    module = torch.nn.GRU(D, H, num_layers=2, bidirectional=True).double()
    params = dict(module.named_parameters())
    x = torch.randn(T, B, D)
    h0 = torch.randn(4, B, H)
    lengths = torch.tensor([T, 2, 4])
    packed = pack_padded_sequence(x, lengths, enforce_sorted=False)
    want, want_h = module(packed, h0)
    want, _ = pad_packed_sequence(want, total_length=T)
    got, got_h, _ = run_stack('gru_after', x, lengths, h0, None, params, 2, 2)
    assert torch.allclose(got, want, atol=1e-12) and torch.allclose(got_h, want_h, atol=1e-12), 'step loop != torch.nn.GRU'


def run(cell, layers, bidirectional, ragged, states, seed):
    torch.manual_seed(seed)
    dirs = 2 if bidirectional else 1
    K = layers * dirs
    params = make_params(cell, layers, dirs)
    x = f32(torch.randn(T, B, D)).requires_grad_()
    h0 = f32(torch.randn(K, B, H)).requires_grad_()
    c0 = f32(torch.randn(K, B, H)).requires_grad_()
    lengths = torch.tensor([T, 2, 4] if ragged else [T] * B)
    if ragged:
        lengths = lengths[torch.randperm(B)]
    lstm = cell == 'lstm'
    zeros = torch.zeros(K, B, H)
    out, h, c = run_stack(cell, x, lengths, h0 if states else zeros, (c0 if states else zeros) if lstm else None,
                          params, layers, dirs)
    return record(x, h0, c0, lengths, out, h, c, states, params.items())


def main():
    torch.set_default_dtype(torch.float64)
    check_against_torch_gru()
    everything = {}
    configs = []
    variants = {'gru_before': dict(cell='gru', resetAfter=False), 'lstm': dict(cell='lstm', peepholes=True)}
    for i, (cell, layers, bidir, ragged, states) in enumerate(itertools.product(
            variants, [1, 2], [False, True], [False, True], [False, True])):
        name = f'{cell}-l{layers}-{"bi" if bidir else "uni"}-{"ragged" if ragged else "full"}-{"h0" if states else "zero"}'
        configs.append(dict(name=name, **variants[cell], numLayers=layers, bidirectional=bidir, ragged=ragged,
                            initialStates=states))
        for key, value in run(cell, layers, bidir, ragged, states, seed=2000 + i).items():
            everything[f'{name}/{key}'] = value
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    save_file(everything, OUT, metadata={
        'configs': json.dumps(configs), 'sizes': json.dumps(dict(T=T, B=B, D=D, H=H)), 'torch': torch.__version__})
    print(f'{len(configs)} configurations, {len(everything)} tensors -> {os.path.relpath(OUT)}')


if __name__ == '__main__':
    main()
