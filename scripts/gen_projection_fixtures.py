"""PyTorch reference values for rnnkit's projected LSTM (LSTMP, PyTorch's `proj_size`).

For nn.LSTM(D, H, proj_size=P) x 1-2 layers x one/two directions x batch_first x ragged
lengths (pack_padded_sequence(enforce_sorted=False)) x with/without initial states, this
writes the inputs, the weights (weight_hr_l{k}[_reverse] included), the forward results and
every gradient of L = sum(output * w_out) + sum(h_n * w_h) + sum(c_n * w_c) to
test/fixtures/recurrent/projection.safetensors, in the layout of gen_recurrent_fixtures.py
(h0 and h_n are P wide, c0 and c_n H wide).

Run with Debian's torch:  /usr/bin/python3 scripts/gen_projection_fixtures.py
"""
import itertools
import json
import os
import sys

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.dirname(__file__))
from gen_recurrent_fixtures import f32, record  # noqa: E402
from safetensors_min import save_file  # noqa: E402

T, B, D, H, P = 5, 3, 3, 4, 2
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'recurrent', 'projection.safetensors')


def run(layers, bidirectional, batch_first, ragged, states, seed):
    torch.manual_seed(seed)
    module = torch.nn.LSTM(D, H, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first,
                           proj_size=P).double()
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(f32(p))
    K = layers * (2 if bidirectional else 1)
    shape = (B, T, D) if batch_first else (T, B, D)
    x = f32(torch.randn(*shape, dtype=torch.float64)).requires_grad_()
    h0 = f32(torch.randn(K, B, P, dtype=torch.float64)).requires_grad_()
    c0 = f32(torch.randn(K, B, H, dtype=torch.float64)).requires_grad_()
    lengths = torch.tensor([T, 2, 4] if ragged else [T] * B)
    if ragged:
        lengths = lengths[torch.randperm(B)]
    hx = (h0, c0) if states else None
    if ragged:
        packed = pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=False)
        out, (h, c) = module(packed, hx)
        out, _ = pad_packed_sequence(out, batch_first=batch_first, total_length=T)
    else:
        out, (h, c) = module(x, hx)
    return record(x, h0, c0, lengths, out, h, c, states, module.named_parameters())


def main():
    torch.set_default_dtype(torch.float64)
    everything = {}
    configs = []
    for i, (layers, bidir, bf, ragged, states) in enumerate(itertools.product(
            [1, 2], [False, True], [False, True], [False, True], [False, True])):
        name = f'lstmp-l{layers}-{"bi" if bidir else "uni"}-{"bf" if bf else "tm"}-' \
               f'{"ragged" if ragged else "full"}-{"h0" if states else "zero"}'
        configs.append(dict(name=name, cell='lstm', projSize=P, numLayers=layers, bidirectional=bidir, batchFirst=bf,
                            ragged=ragged, initialStates=states))
        for key, value in run(layers, bidir, bf, ragged, states, seed=3000 + i).items():
            everything[f'{name}/{key}'] = value
    save_file(everything, OUT, metadata={
        'configs': json.dumps(configs), 'sizes': json.dumps(dict(T=T, B=B, D=D, H=H, P=P)),
        'torch': torch.__version__})
    print(f'{len(configs)} configurations, {len(everything)} tensors -> {os.path.relpath(OUT)}')


if __name__ == '__main__':
    main()
