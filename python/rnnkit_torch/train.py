"""Continue training an rnnkit language model in PyTorch, on one process or many.

    PYTHONPATH=python python -m rnnkit_torch.train --model M --data F --out O --steps N
    PYTHONPATH=python torchrun --nproc_per_node=4 -m rnnkit_torch.train --model M --data F --out O --steps N

Each step draws `--batch` windows of `--seq-len` characters at random offsets of the text (a
different stream per process), predicts every next character from a zero state, and takes an
Adam step on the mean cross-entropy, the gradient clipped to `--clip` (global norm). Under
torchrun (or any launcher that sets RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT,
PyTorch's env:// rendezvous) the model is wrapped in DistributedDataParallel — gloo on CPUs,
NCCL on GPUs — so the gradients are averaged over the processes and the batch is theirs
together; process 0 writes `--out` atomically. The file is an rnnkit model file: `rnnkit eval`,
`sample` and the playground read it.
"""
import argparse
import json
import os
import random
import sys

import torch
import torch.distributed as dist
from torch import nn

from .files import load, save


def char_encoder(metadata):
    """Text → token ids with the model's character tokenizer (id 0, the unknown character, for the rest)."""
    tokenizer = json.loads(metadata['tokenizer'])
    if tokenizer.get('kind') != 'char':
        raise SystemExit(f"rnnkit_torch.train: the model's tokenizer is '{tokenizer.get('kind')}'; this trainer reads character "
                         'models (train word-level models with rnnkit train lm)')
    ids = {symbol: i for i, symbol in enumerate(tokenizer['symbols']) if i > 0}
    return lambda text: torch.tensor([ids.get(ch, 0) for ch in text], dtype=torch.int64)


def parse(argv):
    p = argparse.ArgumentParser(prog='python -m rnnkit_torch.train', description=__doc__.split('\n\n')[0])
    p.add_argument('--model', required=True, help='rnnkit language model file to continue from')
    p.add_argument('--data', required=True, help='UTF-8 text to train on')
    p.add_argument('--out', required=True, help='where to write the trained model (rnnkit model file)')
    p.add_argument('--steps', type=int, required=True, help='optimizer steps')
    p.add_argument('--batch', type=int, default=32, help='windows per step and process (default 32)')
    p.add_argument('--seq-len', type=int, default=64, help='characters per window (default 64)')
    p.add_argument('--lr', type=float, default=2e-3, help='Adam learning rate (default 0.002)')
    p.add_argument('--clip', type=float, default=5.0, help='clip gradients to this global norm, 0 for none (default 5)')
    p.add_argument('--seed', type=int, default=1, help='seed of the windows drawn (process k uses seed + k; default 1)')
    args = p.parse_args(argv)
    for name in ('steps', 'batch', 'seq_len'):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be a positive integer")
    return args


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    world = int(os.environ.get('WORLD_SIZE', '1'))
    rank = int(os.environ.get('RANK', '0'))
    local_rank = int(os.environ.get('LOCAL_RANK', '0'))
    cuda = torch.cuda.is_available()
    device = torch.device(f'cuda:{local_rank}' if cuda else 'cpu')
    if world > 1:
        if cuda:
            torch.cuda.set_device(device)
        dist.init_process_group('nccl' if cuda else 'gloo', init_method='env://')
    model = load(args.model)
    if model.model_type != 'language-model':
        raise SystemExit(f'rnnkit_torch.train: {args.model} holds a {model.model_type}, not a language model')
    with open(args.data, encoding='utf-8') as f:
        ids = char_encoder(model.metadata)(f.read())
    if len(ids) < args.seq_len + 1:
        raise SystemExit(f'rnnkit_torch.train: {args.data} has {len(ids)} characters, fewer than --seq-len + 1')
    model.to(device).train()
    net = nn.parallel.DistributedDataParallel(model, device_ids=[local_rank] if cuda else None) if world > 1 else model
    optimizer = torch.optim.Adam(net.parameters(), lr=args.lr)
    draw = random.Random(args.seed + rank)
    offsets = range(len(ids) - args.seq_len)
    losses = []
    for _ in range(args.steps):
        starts = [draw.choice(offsets) for _ in range(args.batch)]
        window = torch.stack([ids[s:s + args.seq_len + 1] for s in starts], dim=1).to(device)  # [T + 1, B]
        logits, _ = net(window[:-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), window[1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        if args.clip > 0:
            nn.utils.clip_grad_norm_(net.parameters(), args.clip)
        optimizer.step()
        losses.append(loss.item())
    if rank == 0:
        save(model.cpu().eval(), args.out)
        print(json.dumps({'out': args.out, 'steps': args.steps, 'worldSize': world, 'firstLoss': losses[0], 'lastLoss': losses[-1]}))
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == '__main__':
    main()
