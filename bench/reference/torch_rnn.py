#!/usr/bin/env python3
"""PyTorch reference for `npm run bench -- rnn` (spawned by bench/peers/torch.ts).

Workloads (the numbers of bench/peers/workloads.ts):
  W1  one training step of a character language model: Embedding(65, 64) -> one
      LSTM/GRU layer (hidden H) -> Linear(H, 65), CrossEntropyLoss at every step,
      clip_grad_norm_(5), Adam(lr=2e-3); batch 32 x 64 steps.
      w1_lstm_512, w1_lstm_128, w1_gru_512.
  infer  forward only (logits) of the W1 model with an LSTM of H = 512 on
      batch 1 x 256 steps and batch 64 x 256 steps: infer_lstm_512_b1, infer_lstm_512_b64.

Every figure is tokens/s (batch x steps per call) of the best single call after a
warm-up, calls repeated until --budget seconds per workload have passed.

Threads: torch.set_num_threads(2) (this machine has 2 cores; torch defaults to 1
here), and OMP_WAIT_POLICY=passive set before torch is imported, unless the environment
sets it: see torch_env.py (Debian's torch runs its GEMMs in OpenBLAS, whose thread pool
fights torch's spinning OpenMP pool over the 2 cores). The JSON reports both pools' sizes.

Prints ONE JSON object on stdout:
  {"torch": ..., "blas": ..., "threads": 2, "blas_threads": ..., "omp_wait_policy": ...,
   "budget": ..., "results": {workload: tokens/s}}
Notes go to stderr.
"""
import argparse
import json
import sys
import time

import torch_env  # first: sets OMP_WAIT_POLICY before torch loads OpenMP
import torch
from torch import nn

VOCAB, EMBED, BATCH, STEPS, CLIP, LR = 65, 64, 32, 64, 5.0, 2e-3

TRAIN = {  # id -> (cell, hidden)
    "w1_lstm_512": ("lstm", 512),
    "w1_lstm_128": ("lstm", 128),
    "w1_gru_512": ("gru", 512),
}
INFER = {  # id -> (hidden, batch, steps)
    "infer_lstm_512_b1": (512, 1, 256),
    "infer_lstm_512_b64": (512, 64, 256),
}


class CharModel(nn.Module):
    """Embedding -> LSTM/GRU -> Linear; time-major tokens [T, B] -> logits [T, B, V]."""

    def __init__(self, cell: str, hidden: int):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, EMBED)
        self.rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(EMBED, hidden)
        self.head = nn.Linear(hidden, VOCAB)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        output, _ = self.rnn(self.embed(tokens))
        return self.head(output)


def synthetic_tokens(steps: int, batch: int, seed: int = 1) -> torch.Tensor:
    """Random token ids [steps, batch] (speed does not depend on the text)."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, VOCAB, (steps, batch), generator=generator)


def best_rate(call, tokens: int, budget: float) -> float:
    """Tokens/s of the best call: one warm-up call, then calls until `budget` seconds."""
    start = time.perf_counter()
    call()
    best = float("inf")
    while True:
        t0 = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - t0)
        if time.perf_counter() - start >= budget:
            return tokens / best


def train_rate(cell: str, hidden: int, budget: float) -> float:
    """W1: forward, loss, backward, clip by global norm, Adam step."""
    model = CharModel(cell, hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    data = synthetic_tokens(STEPS + 1, BATCH)
    x, y = data[:-1], data[1:]  # [T, B] inputs and next-token targets

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x).reshape(-1, VOCAB), y.reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        optimizer.step()

    return best_rate(step, BATCH * STEPS, budget)


def infer_rate(hidden: int, batch: int, steps: int, budget: float) -> float:
    """Forward only (logits) of the W1 model with an LSTM, under inference_mode."""
    model = CharModel("lstm", hidden).eval()
    x = synthetic_tokens(steps, batch)

    def forward() -> None:
        with torch.inference_mode():
            model(x)

    return best_rate(forward, batch * steps, budget)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=float, default=3.0, help="seconds per workload (default 3)")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    parser.add_argument("--only", default="", help="comma-separated workload ids (default: all)")
    args = parser.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    wanted = [w for w in args.only.split(",") if w] or [*TRAIN, *INFER]
    unknown = [w for w in wanted if w not in TRAIN and w not in INFER]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join([*TRAIN, *INFER])}")

    results = {}
    for workload in wanted:
        if workload in TRAIN:
            results[workload] = train_rate(*TRAIN[workload], args.budget)
        else:
            results[workload] = infer_rate(*INFER[workload], args.budget)
        print(f"torch {workload}: {results[workload]:.0f} tokens/s", file=sys.stderr)

    print(json.dumps({**torch_env.environment(), "budget": args.budget, "results": results}))


if __name__ == "__main__":
    main()
