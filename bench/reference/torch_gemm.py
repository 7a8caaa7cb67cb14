#!/usr/bin/env python3
"""PyTorch reference for `npm run bench -- gemm` (spawned by bench/peers/torch-gemm.ts).

For each shape M,K,N given with --shapes (e.g. "256,256,256;32,512,2048"), the best
GFLOP/s of torch.mm(A [M, K], B [K, N], out=C) in float32 — the BLAS that torch links
(Debian's torch: OpenBLAS) — over calls repeated for --seconds per shape after a warm-up.
Threads: torch.set_num_threads (default 2) and OMP_WAIT_POLICY=passive, see torch_env.py.

Prints ONE JSON object on stdout:
  {"torch": ..., "blas": ..., "threads": 2, "blas_threads": ..., "omp_wait_policy": ...,
   "budget": ..., "results": {"M,K,N": GFLOP/s}}
"""
import argparse
import json
import time

import torch_env  # first: sets OMP_WAIT_POLICY before torch loads OpenMP
import torch


def gflops(m: int, k: int, n: int, seconds: float) -> float:
    """Best GFLOP/s of torch.mm over `seconds` of 20 ms rounds, after a warm-up call."""
    generator = torch.Generator().manual_seed(1)
    a = torch.rand(m, k, generator=generator) - 0.5
    b = torch.rand(k, n, generator=generator) - 0.5
    c = torch.empty(m, n)
    torch.mm(a, b, out=c)
    best = 0.0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        calls, t0 = 0, time.perf_counter()
        while True:
            torch.mm(a, b, out=c)
            calls += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= 0.02:
                break
        best = max(best, 2 * m * k * n * calls / elapsed / 1e9)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", required=True, help='"M,K,N;M,K,N;..."')
    parser.add_argument("--seconds", type=float, default=1.0, help="seconds per shape (default 1)")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    results = {}
    for shape in args.shapes.split(";"):
        m, k, n = (int(v) for v in shape.split(","))
        results[shape] = gflops(m, k, n, args.seconds)
    print(json.dumps({**torch_env.environment(), "budget": args.seconds, "results": results}))


if __name__ == "__main__":
    main()
