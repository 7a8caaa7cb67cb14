#!/usr/bin/env python3
"""PyTorch reference for `npm run bench -- lm` (spawned by bench/peers/torch-lm.ts).

Validation bits per character after a fixed wall-clock training budget on the bundled
corpus. rnnkit's side follows exactly the same procedure:

Corpus   --data (default data/moby-dick.txt from the repo root), read as UTF-8.
Tokens   characters (Unicode code points). Vocabulary = ['<unk>'] + sorted(set(text));
         id(ch) = 1 + index of ch in sorted(set(text)); id 0 (<unk>) never occurs.
         V = 84 for moby-dick.txt (1,190,317 characters, 83 distinct).
Split    ids of the whole text; validation = the last floor(n * val_fraction) ids
         (--val-fraction, default 0.05), training = the rest.
Batches  "batchify" for truncated BPTT: a stream of n ids becomes B parallel streams of
         L = floor((n - 1) / B) steps, stream b = ids[b*L : b*L + L + 1]; batch i
         (0 <= i < floor(L / T)) has inputs x[t, b] = stream_b[i*T + t] and targets
         y[t, b] = stream_b[i*T + t + 1], time-major [T, B]. The tail past floor(L/T)*T is
         never used. An epoch runs batches 0, 1, ... in order; the recurrent state is
         carried (detached) from one batch to the next and reset to zeros at the start of
         every epoch.
Model    nn.Embedding(V, E) -> nn.LSTM(E, H, num_layers) (nn.GRU with --cell gru, no
         dropout) -> nn.Linear(H, V), PyTorch's default initialisation after
         torch.manual_seed(--seed). Loss: mean cross-entropy over all T*B positions.
Training Adam(lr) (betas 0.9/0.999, eps 1e-8, no weight decay); per step: zero_grad,
         forward, loss, backward, clip_grad_norm_(parameters, clip), step.
         Defaults: E 64, H 256, 1 layer, B 32, T 64, lr 2e-3, clip 5.
Budget   --budget seconds of wall clock (default 120): the clock starts right before the
         first training step (model built, data prepared, no warm-up); after each step
         the clock is read and training stops once the budget is spent (the step in
         progress finishes, so trainSeconds slightly exceeds the budget).
Eval     not counted in the budget: model.eval(), torch.no_grad(), over the validation
         stream batchified with the same B and T, state carried across its batches from
         zeros; mean cross-entropy over the floor(L/T)*T*B evaluated positions (summed in
         float64 across batches); bits per character = mean / ln 2.

Threads: torch.set_num_threads(--threads, default 2) and OMP_WAIT_POLICY=passive, as
torch_rnn.py (see torch_env.py).

Prints ONE JSON object on stdout:
  {"torch", "blas", "threads", "blas_threads", "omp_wait_policy", "budget", "steps",
   "epochs" (steps / batches per epoch), "tokens" (steps*T*B), "trainSeconds",
   "tokensPerSecond", "trainLoss" (mean loss of the last 50 steps), "valLoss" (nats),
   "valBitsPerChar", "evalSeconds", "config": {hyperparameters},
   "data": {path, characters, vocab, trainIds, valIds, batchesPerEpoch, valPositions}}
Notes go to stderr.
"""
import argparse
import json
import math
import os
import sys
import time

import torch_env  # first: sets OMP_WAIT_POLICY before torch loads OpenMP
import torch
from torch import nn
from torch.nn import functional as F

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRAIN_LOSS_WINDOW = 50


class CharModel(nn.Module):
    """Embedding -> LSTM/GRU -> Linear; tokens [T, B] and a state -> logits [T, B, V], new state."""

    def __init__(self, cell: str, vocab: int, embed: int, hidden: int, layers: int):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(embed, hidden, num_layers=layers)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, tokens: torch.Tensor, state):
        output, state = self.rnn(self.embed(tokens), state)
        return self.head(output), state


def encode(text: str):
    """Character ids of `text` (long tensor) and the vocabulary ['<unk>'] + sorted(set(text))."""
    symbols = sorted(set(text))
    index = {ch: i + 1 for i, ch in enumerate(symbols)}
    return torch.tensor([index[ch] for ch in text], dtype=torch.long), ["<unk>", *symbols]


def batchify(ids: torch.Tensor, batch: int) -> torch.Tensor:
    """B parallel streams of L + 1 ids, L = (n - 1) // B, stream b = ids[b*L : b*L + L + 1]; [L + 1, B]."""
    length = (ids.numel() - 1) // batch
    return torch.stack([ids[b * length: b * length + length + 1] for b in range(batch)], dim=1).contiguous()


def batch_at(streams: torch.Tensor, i: int, steps: int):
    """Batch i: inputs streams[i*T : i*T + T] and targets one step later, each [T, B]."""
    return streams[i * steps: i * steps + steps], streams[i * steps + 1: i * steps + steps + 1]


def batch_count(streams: torch.Tensor, steps: int) -> int:
    """floor(L / T) for streams of L + 1 ids."""
    return (streams.shape[0] - 1) // steps


def zero_state(cell: str, layers: int, batch: int, hidden: int):
    """Zero initial state: (h, c) for an LSTM, h for a GRU; each [layers, B, H]."""
    h = torch.zeros(layers, batch, hidden)
    return (h, torch.zeros(layers, batch, hidden)) if cell == "lstm" else h


def detach(state):
    """The state cut from the graph (truncated BPTT)."""
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def train(model, streams, args) -> dict:
    """Adam + global-norm clipping on the training batches, in order, until the budget is spent."""
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    batches = batch_count(streams, args.seq_len)
    model.train()
    losses = []
    steps = 0
    state = None
    start = time.perf_counter()
    while True:
        i = steps % batches
        if i == 0:
            state = zero_state(args.cell, args.layers, args.batch, args.hidden)  # new epoch
        x, y = batch_at(streams, i, args.seq_len)
        optimizer.zero_grad()
        logits, state = model(x, state)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        optimizer.step()
        state = detach(state)
        losses.append(loss.item())
        steps += 1
        elapsed = time.perf_counter() - start
        if elapsed >= args.budget:
            break
    window = losses[-TRAIN_LOSS_WINDOW:]
    return {"steps": steps, "epochs": steps / batches, "seconds": elapsed, "loss": sum(window) / len(window)}


def evaluate(model, streams, args) -> float:
    """Mean cross-entropy (nats) over every position of the validation batches, state carried from zeros."""
    model.eval()
    total, count = 0.0, 0
    state = zero_state(args.cell, args.layers, args.batch, args.hidden)
    with torch.no_grad():
        for i in range(batch_count(streams, args.seq_len)):
            x, y = batch_at(streams, i, args.seq_len)
            logits, state = model(x, state)
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum").item()
            count += y.numel()
    return total / count


def shown_path(path: str) -> str:
    """`path` relative to the repo root when it lies inside the repo, else absolute."""
    full = os.path.abspath(path)
    inside = os.path.commonpath([full, REPO]) == REPO
    return os.path.relpath(full, REPO) if inside else full


def positive(kind):
    """argparse type: `kind` (int or float) and > 0."""
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
        return value
    return parse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=os.path.join(REPO, "data", "moby-dick.txt"),
                        help="UTF-8 text (default data/moby-dick.txt of the repo)")
    parser.add_argument("--budget", type=positive(float), default=120.0, help="training seconds (default 120)")
    parser.add_argument("--cell", choices=["lstm", "gru"], default="lstm", help="recurrent cell (default lstm)")
    parser.add_argument("--embed", type=positive(int), default=64, help="embedding width E (default 64)")
    parser.add_argument("--hidden", type=positive(int), default=256, help="hidden size H (default 256)")
    parser.add_argument("--layers", type=positive(int), default=1, help="recurrent layers (default 1)")
    parser.add_argument("--batch", type=positive(int), default=32, help="parallel streams B (default 32)")
    parser.add_argument("--seq-len", type=positive(int), default=64, help="time steps per batch T (default 64)")
    parser.add_argument("--lr", type=positive(float), default=2e-3, help="Adam learning rate (default 2e-3)")
    parser.add_argument("--clip", type=positive(float), default=5.0, help="max global gradient norm (default 5)")
    parser.add_argument("--seed", type=int, default=1, help="torch.manual_seed before building the model (default 1)")
    parser.add_argument("--val-fraction", type=positive(float), default=0.05,
                        help="validation share, taken from the end (default 0.05)")
    parser.add_argument("--threads", type=positive(int), default=2, help="torch.set_num_threads (default 2)")
    args = parser.parse_args()
    if args.val_fraction >= 1:
        parser.error(f"--val-fraction must be < 1, got {args.val_fraction}")

    torch.set_num_threads(args.threads)
    with open(args.data, encoding="utf-8") as file:
        text = file.read()
    ids, vocab = encode(text)
    n = ids.numel()
    n_val = math.floor(n * args.val_fraction)
    train_streams = batchify(ids[:n - n_val], args.batch)
    val_streams = batchify(ids[n - n_val:], args.batch)
    for name, streams in (("training", train_streams), ("validation", val_streams)):
        if streams.shape[0] == 0 or batch_count(streams, args.seq_len) == 0:
            parser.error(f"the {name} split is too short for one batch of {args.batch} x {args.seq_len}")
    torch.manual_seed(args.seed)
    model = CharModel(args.cell, len(vocab), args.embed, args.hidden, args.layers)
    print(f"torch lm: {n} characters, V = {len(vocab)}, {batch_count(train_streams, args.seq_len)} batches "
          f"per epoch, training {args.budget:g} s", file=sys.stderr)

    trained = train(model, train_streams, args)
    eval_start = time.perf_counter()
    val_loss = evaluate(model, val_streams, args)
    eval_seconds = time.perf_counter() - eval_start
    if not math.isfinite(val_loss):
        sys.exit(f"torch lm: error: non-finite validation loss ({val_loss}) after {trained['steps']} steps")
    tokens = trained["steps"] * args.seq_len * args.batch
    print(f"torch lm: {trained['steps']} steps, {tokens / trained['seconds']:.0f} tokens/s, "
          f"val {val_loss / math.log(2):.4f} bits/char", file=sys.stderr)

    print(json.dumps({
        **torch_env.environment(),
        "budget": args.budget,
        "steps": trained["steps"],
        "epochs": trained["epochs"],
        "tokens": tokens,
        "trainSeconds": trained["seconds"],
        "tokensPerSecond": tokens / trained["seconds"],
        "trainLoss": trained["loss"],
        "valLoss": val_loss,
        "valBitsPerChar": val_loss / math.log(2),
        "evalSeconds": eval_seconds,
        "config": {
            "cell": args.cell, "embed": args.embed, "hidden": args.hidden, "layers": args.layers,
            "batch": args.batch, "steps": args.seq_len, "lr": args.lr, "clip": args.clip, "seed": args.seed,
            "valFraction": args.val_fraction,
        },
        "data": {
            "path": shown_path(args.data),
            "characters": n,
            "vocab": len(vocab),
            "trainIds": n - n_val,
            "valIds": n_val,
            "batchesPerEpoch": batch_count(train_streams, args.seq_len),
            "valPositions": batch_count(val_streams, args.seq_len) * args.seq_len * args.batch,
        },
    }))


if __name__ == "__main__":
    main()
