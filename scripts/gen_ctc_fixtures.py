"""PyTorch reference values for rnnkit's ctcLoss (torch.nn.functional.ctc_loss).

Every case draws unnormalised scores `logits` [T, B, C] (float64), applies log_softmax and
torch's CTC loss with the case's blank, reduction and zero_infinity, and records the loss
and d loss / d logits. Cases cover: one and several items, ragged input and target
lengths, repeated labels (which need a blank between them), an empty target, a blank
other than 0, all three reductions, and impossible alignments (targets longer than the
input allows) with zero_infinity off (loss inf) and on (loss and gradient 0).

Writes test/fixtures/ctc/cases.safetensors: tensors `<case>.logits`, `<case>.loss`,
`<case>.grad` (F64) and metadata `cases` = JSON [{name, targets, inputLengths,
targetLengths, blank, reduction, zeroInfinity}].

Run with Debian's torch:  /usr/bin/python3 scripts/gen_ctc_fixtures.py
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_min import save_file  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'ctc')

CASES = [
    # name, T, C, targets, input lengths, blank, reduction, zero_infinity
    ('single', 6, 4, [[1, 2, 3]], [6], 0, 'mean', False),
    ('batch_ragged', 9, 5, [[1, 2, 2, 3], [4], [3, 3], [2, 1, 4, 1, 2]], [9, 5, 7, 9], 0, 'mean', False),
    ('batch_sum', 8, 6, [[5, 1], [2, 2, 2], [1, 3, 5, 4]], [8, 8, 6], 0, 'sum', False),
    ('batch_none', 8, 6, [[5, 1], [2, 2, 2], [1, 3, 5, 4]], [8, 8, 6], 0, 'none', False),
    ('empty_target', 5, 3, [[], [1, 2]], [5, 4], 0, 'mean', False),
    ('blank_last', 7, 5, [[0, 1, 1, 3], [2, 0]], [7, 6], 4, 'mean', False),
    ('single_frame', 1, 3, [[2], []], [1, 1], 0, 'sum', False),
    ('impossible', 4, 4, [[1, 1, 2], [1, 2, 3, 1, 2], [3]], [4, 4, 2], 0, 'none', False),
    ('impossible_mean', 4, 4, [[1, 2, 3, 1, 2], [2, 3]], [4, 4], 0, 'mean', False),
    ('impossible_zero_inf', 4, 4, [[1, 1, 2], [1, 2, 3, 1, 2], [3]], [4, 4, 2], 0, 'mean', True),
]


def main():
    torch.manual_seed(11)
    tensors, meta = {}, []
    for name, T, C, targets, input_lengths, blank, reduction, zero_inf in CASES:
        B = len(targets)
        # float32-representable scores (rnnkit reads the fixture as float32), computed on in float64.
        logits = (torch.randn(T, B, C, dtype=torch.float64) * 2).float().double().requires_grad_()
        target_lengths = [len(t) for t in targets]
        flat = torch.tensor([x for t in targets for x in t], dtype=torch.long)
        loss = torch.nn.functional.ctc_loss(logits.log_softmax(2), flat, torch.tensor(input_lengths),
                                            torch.tensor(target_lengths), blank=blank, reduction=reduction,
                                            zero_infinity=zero_inf)
        (loss.sum() if reduction == 'none' else loss).backward()
        tensors[f'{name}.logits'] = logits.detach().numpy()
        tensors[f'{name}.loss'] = loss.detach().reshape(-1).numpy()
        tensors[f'{name}.grad'] = logits.grad.numpy()
        meta.append({'name': name, 'targets': targets, 'inputLengths': input_lengths, 'targetLengths': target_lengths,
                     'blank': blank, 'reduction': reduction, 'zeroInfinity': zero_inf})
        print(name, loss.detach().numpy(), file=sys.stderr)
    os.makedirs(OUT, exist_ok=True)
    save_file(tensors, os.path.join(OUT, 'cases.safetensors'), metadata={'cases': json.dumps(meta)})


if __name__ == '__main__':
    main()
