"""A typical PyTorch character language model, for rnnkit's PyTorch-import test.

nn.Embedding -> nn.LSTM (2 layers) -> nn.Linear with the module names most char-RNN
tutorials use (`embed`, `lstm`, `fc`), vocabulary `sorted(set(text))` (no unknown
token), trained for 150 Adam steps on a short text so that its predictions are sharp.
Writes to test/fixtures/pytorch-lm/:

  model.safetensors  model.state_dict() as `safetensors.torch.save_file` would write it
                     (through scripts/safetensors_min.py: the `safetensors` package is
                     not installable here)
  expected.json      {"vocab": [chars by id], "prime": str, "distribution": next-character
                     probabilities after the prime (by PyTorch id), "greedy": the 60
                     characters greedy decoding appends to the prime}

Run with Debian's torch:  /usr/bin/python3 scripts/gen_pytorch_import_fixture.py
"""
import json
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_min import save_file  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'pytorch-lm')
TEXT = ('Call me Ishmael. Some years ago, never mind how long precisely, having little or no money '
        'in my purse, and nothing particular to interest me on shore, I thought I would sail about '
        'a little and see the watery part of the world.\n')
PRIME = 'Some years'
GREEDY = 60


class CharRNN(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, 16)
        self.lstm = nn.LSTM(16, 48, num_layers=2)
        self.fc = nn.Linear(48, vocab_size)

    def forward(self, x, state=None):
        out, state = self.lstm(self.embed(x), state)
        return self.fc(out), state


def main():
    torch.manual_seed(3)
    chars = sorted(set(TEXT))
    index = {c: i for i, c in enumerate(chars)}
    ids = torch.tensor([index[c] for c in TEXT])
    model = CharRNN(len(chars))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    x, y = ids[:-1].unsqueeze(1), ids[1:].unsqueeze(1)
    for _ in range(150):
        optimizer.zero_grad()
        logits, _ = model(x)
        loss = nn.functional.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1))
        loss.backward()
        optimizer.step()
    print(f'final training loss {loss.item():.4f}', file=sys.stderr)

    model.eval()
    with torch.no_grad():
        logits, state = model(torch.tensor([index[c] for c in PRIME]).unsqueeze(1))
        distribution = torch.softmax(logits[-1, 0], dim=0)
        greedy = []
        last = logits[-1, 0]
        for _ in range(GREEDY):
            nxt = int(torch.argmax(last))
            greedy.append(chars[nxt])
            logits, state = model(torch.tensor([[nxt]]), state)
            last = logits[-1, 0]

    os.makedirs(OUT, exist_ok=True)
    save_file({k: v.detach().numpy() for k, v in model.state_dict().items()}, os.path.join(OUT, 'model.safetensors'))
    with open(os.path.join(OUT, 'expected.json'), 'w', encoding='utf-8') as f:
        json.dump({'vocab': chars, 'prime': PRIME, 'distribution': distribution.tolist(), 'greedy': ''.join(greedy)},
                  f, ensure_ascii=False, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
