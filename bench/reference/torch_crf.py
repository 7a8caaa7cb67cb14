#!/usr/bin/env python3
"""PyTorch reference for `npm run bench -- crf` (spawned by bench/crf.ts).

pytorch-crf (torchcrf.CRF) is not installable here, so its two hot paths are written out in
plain torch ops, as the library runs them:
  nll     the negative log-likelihood of a batch of tag paths (score of the paths minus the
          forward algorithm's logZ, torch.logsumexp over [B, K, K] per step), summed, then
          loss.backward() for d loss / d emissions and the three transition parameters;
  decode  Viterbi: the batched max over [B, K, K] per step keeping the argmax history,
          then the backtracking loop of each sequence in Python (pytorch-crf's _viterbi_decode).
Workloads: batch 32 x 25 steps, K tags for K in 9, 20, 50 (ids nll_k9, decode_k9, ...).

Every figure is tokens/s (batch x steps per call) of the best call after a warm-up, calls
repeated until --budget seconds per workload have passed; 2 threads (see torch_env.py).

Prints ONE JSON object on stdout:
  {"torch": ..., "blas": ..., "threads": 2, "blas_threads": ..., "omp_wait_policy": ...,
   "budget": ..., "results": {workload: tokens/s}}
Notes go to stderr.
"""
import argparse
import json
import sys

import torch_env  # first: sets OMP_WAIT_POLICY before torch loads OpenMP
import torch
from torch_rnn import best_rate

BATCH, STEPS = 32, 25
TAGS = (9, 20, 50)


def nll_rate(K: int, budget: float) -> float:
    gen = torch.Generator().manual_seed(K)
    emissions = torch.randn(STEPS, BATCH, K, generator=gen).requires_grad_()
    start, end = torch.zeros(K).uniform_(-0.1, 0.1).requires_grad_(), torch.zeros(K).uniform_(-0.1, 0.1).requires_grad_()
    trans = torch.zeros(K, K).uniform_(-0.1, 0.1).requires_grad_()
    tags = torch.randint(0, K, (STEPS, BATCH), generator=gen)
    arange = torch.arange(BATCH)

    def step() -> None:
        for p in (emissions, start, end, trans):
            p.grad = None
        score = start[tags[0]] + emissions[0, arange, tags[0]]
        for i in range(1, STEPS):
            score = score + trans[tags[i - 1], tags[i]] + emissions[i, arange, tags[i]]
        score = score + end[tags[-1]]
        alpha = start + emissions[0]
        for i in range(1, STEPS):
            alpha = torch.logsumexp(alpha.unsqueeze(2) + trans + emissions[i].unsqueeze(1), dim=1)
        log_z = torch.logsumexp(alpha + end, dim=1)
        (log_z - score).sum().backward()

    return best_rate(step, BATCH * STEPS, budget)


def decode_rate(K: int, budget: float) -> float:
    gen = torch.Generator().manual_seed(K)
    emissions = torch.randn(STEPS, BATCH, K, generator=gen)
    start, end, trans = torch.zeros(K).uniform_(-0.1, 0.1), torch.zeros(K).uniform_(-0.1, 0.1), torch.zeros(K, K).uniform_(-0.1, 0.1)

    def decode() -> None:
        with torch.inference_mode():
            score = start + emissions[0]
            history = []
            for i in range(1, STEPS):
                score, indices = (score.unsqueeze(2) + trans + emissions[i].unsqueeze(1)).max(dim=1)
                history.append(indices)
            score = score + end
            for b in range(BATCH):
                best = [score[b].argmax().item()]
                for hist in reversed(history):
                    best.append(hist[b][best[-1]].item())

    return best_rate(decode, BATCH * STEPS, budget)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=float, default=3.0, help="seconds per workload (default 3)")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    results = {}
    for K in TAGS:
        results[f"nll_k{K}"] = nll_rate(K, args.budget)
        results[f"decode_k{K}"] = decode_rate(K, args.budget)
        print(f"torch K={K}: nll {results[f'nll_k{K}']:.0f}, decode {results[f'decode_k{K}']:.0f} tokens/s", file=sys.stderr)
    print(json.dumps({**torch_env.environment(), "budget": args.budget, "results": results}))


if __name__ == "__main__":
    main()
