"""PyTorch reference for a few training steps of rnnkit's language-model engine.

A character LM made of nn.Embedding -> nn.LSTM / nn.GRU (2 layers) -> nn.Linear, trained
for 5 steps of truncated BPTT (the final state carried, detached, into the next batch)
with softmax cross-entropy, clip_grad_norm_(1.0) and Adam(lr=0.01). Writes the initial
weights, the token stream, every step's loss and gradient norm, and the final weights to
test/fixtures/lm/<cell>.safetensors, as llm.c's test_gpt2 checks a few AdamW steps.

Run with Debian's torch:  /usr/bin/python3 scripts/gen_lm_fixtures.py
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_min import save_file  # noqa: E402

V, E, H, L, T, B, STEPS = 11, 5, 7, 2, 6, 3, 5
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'lm')


class CharLM(torch.nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.embedding = torch.nn.Embedding(V, E)
        self.rnn = {'lstm': torch.nn.LSTM, 'gru': torch.nn.GRU}[cell](E, H, num_layers=L)
        self.decoder = torch.nn.Linear(H, V)

    def forward(self, x, state):
        out, state = self.rnn(self.embedding(x), state)
        return self.decoder(out), state


def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def main():
    os.makedirs(OUT, exist_ok=True)
    for cell in ['lstm', 'gru']:
        torch.manual_seed(7)
        model = CharLM(cell)
        initial = {f'init.{k}': v.detach().numpy().copy() for k, v in model.state_dict().items()}
        stream = torch.randint(0, V, (STEPS * T + 1, B))
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        state = None
        losses, norms = [], []
        for step in range(STEPS):
            x = stream[step * T:(step + 1) * T]
            y = stream[step * T + 1:(step + 1) * T + 1]
            optimizer.zero_grad()
            logits, state = model(x, state)
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
            loss.backward()
            norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)))
            optimizer.step()
            losses.append(float(loss))
            state = detach(state)
        tensors = dict(initial)
        tensors.update({f'final.{k}': v.detach().numpy().copy() for k, v in model.state_dict().items()})
        tensors['stream'] = stream.numpy().astype(np.int32)
        tensors['losses'] = np.array(losses, dtype=np.float32)
        tensors['norms'] = np.array(norms, dtype=np.float32)
        save_file(tensors, os.path.join(OUT, f'{cell}.safetensors'), metadata={
            'config': json.dumps(dict(vocab=V, embed=E, hidden=H, layers=L, steps=T, batch=B, trainSteps=STEPS,
                                      lr=0.01, clip=1.0)),
            'torch': torch.__version__})
        print(cell, 'losses', ['%.5f' % v for v in losses])


if __name__ == '__main__':
    main()
