"""PyTorch reference values for rnnkit's projected LSTM (LSTMP, PyTorch's `proj_size`).

For nn.LSTM(D, H, proj_size=P) x 1-2 layers x one/two directions x batch_first x ragged
lengths (pack_padded_sequence(enforce_sorted=False)) x with/without initial states, this
writes the inputs, the weights (weight_hr_l{k}[_reverse] included), the forward results and
every gradient of L = sum(output * w_out) + sum(h_n * w_h) + sum(c_n * w_c) to
test/fixtures/recurrent/projection.safetensors, through gen_recurrent_fixtures.py's `run` and
in its layout (h0 and h_n are P wide, c0 and c_n H wide).

Run with Debian's torch:  /usr/bin/python3 scripts/gen_projection_fixtures.py
"""
import itertools
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from gen_recurrent_fixtures import B, D, H, T, run  # noqa: E402
from safetensors_min import save_file  # noqa: E402

P = 2
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'recurrent', 'projection.safetensors')


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
        for key, value in run('lstm', layers, bidir, bf, ragged, states, seed=3000 + i, proj_size=P).items():
            everything[f'{name}/{key}'] = value
    save_file(everything, OUT, metadata={
        'configs': json.dumps(configs), 'sizes': json.dumps(dict(T=T, B=B, D=D, H=H, P=P)),
        'torch': torch.__version__})
    print(f'{len(configs)} configurations, {len(everything)} tensors -> {os.path.relpath(OUT)}')


if __name__ == '__main__':
    main()
