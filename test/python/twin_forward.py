"""Runs the PyTorch twin over the cases a test wrote: for each case, loads its rnnkit model file with
rnnkit_torch.load, computes the forward the case names on its inputs, and saves the module back with
rnnkit_torch.save; writes every output to one safetensors file for the test to compare by name.

    PYTHONPATH=python python3 test/python/twin_forward.py CASES.safetensors OUTPUTS.safetensors
"""
import json
import sys

import torch

import rnnkit_torch
from rnnkit_torch.safetensors import load_file, save_file


def loss(logits, targets):
    """Mean cross-entropy over the targets ≥ 0 (rnnkit's ignore index is −1)."""
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1).long(), ignore_index=-1)


def main(cases_path, out_path):
    tensors, metadata = load_file(cases_path)
    outputs = {}
    for case in json.loads(metadata['cases']):
        name, kind = case['name'], case['kind']
        get = lambda key: tensors[f'{name}/{key}']  # noqa: E731
        lengths = get('lengths').long().tolist() if f'{name}/lengths' in tensors else None
        model = rnnkit_torch.load(case['model'])
        with torch.no_grad():
            if kind == 'language-model':
                out, _ = model(get('ids').long())
            elif kind in ('sequence-tagger', 'sequence-classifier'):
                out = model(get('ids').long(), lengths)
            elif kind in ('sequence-regressor', 'ctc-model'):
                out = model(get('x'), lengths)
            elif kind == 'sequence-generator':
                out = loss(model(get('ids').long(), get('condition'), lengths)[0], get('targets')).reshape(1)
            else:
                out = loss(model(get('source').long(), lengths, get('inputs').long()), get('targets')).reshape(1)
        outputs[f'{name}/output'] = out
        rnnkit_torch.save(model, case['resaved'])
    save_file(outputs, out_path)


if __name__ == '__main__':
    main(*sys.argv[1:])
