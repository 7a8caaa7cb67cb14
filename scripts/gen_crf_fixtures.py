"""PyTorch reference values for rnnkit's CRF layer, following pytorch-crf (torchcrf.CRF).

pytorch-crf cannot be installed here (no PyPI), so this script writes its algorithm out in plain
torch ops, with its semantics: parameters start_transitions [K], end_transitions [K],
transitions [K, K] (from i to j); emissions [T, B, K] with a mask of each sequence's first
`length` steps (the first step always on); the log-likelihood llh = score(tags) - logZ, where
the score adds start, emissions, transitions between unmasked steps and the end score of each
sequence's last tag, and logZ comes from the forward algorithm (torch.logsumexp); the
reductions 'sum', 'mean' (over the batch), 'none' and 'token_mean' (over unmasked steps); and
Viterbi decoding that keeps the best previous tag per step. rnnkit's loss is -llh with the
same reduction; autograd gives d loss / d emissions and d loss / d parameters (for 'none',
of the sum). Constrained cases add -inf to the forbidden transitions, starts and ends (BIO
and BIOES rules, written out below independently of rnnkit's code).

For every case with few enough paths, logZ, the path score and the Viterbi path are checked
against brute-force enumeration of all K^L tag paths before anything is written.

Writes test/fixtures/crf/cases.safetensors: per case `<case>.emissions`, `.start_transitions`,
`.end_transitions`, `.transitions`, `.loss`, `.grad_emissions`, `.grad_start_transitions`,
`.grad_end_transitions`, `.grad_transitions`, `.log_partition` [B], `.marginals` [T, B, K]
(d logZ / d emissions) (F64), and metadata `cases` = JSON [{name, lengths, tags, reduction,
scheme, labels, viterbi}].

Run with Debian's torch:  /usr/bin/python3 scripts/gen_crf_fixtures.py
"""
import itertools
import json
import math
import os
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_min import save_file  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'crf')

BIO = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC']
BIOES = ['O', 'B-X', 'I-X', 'E-X', 'S-X', 'B-Y', 'E-Y']

CASES = [
    # name, T, K, lengths, reduction, scheme (labels), emission scale
    ('single', 5, 4, [5], 'sum', None, 1.0),
    ('ragged_sum', 7, 5, [7, 3, 1, 5], 'sum', None, 1.0),
    ('ragged_mean', 7, 5, [2, 7, 4], 'mean', None, 1.0),
    ('ragged_none', 6, 3, [6, 1, 4, 6], 'none', None, 1.0),
    ('ragged_token_mean', 8, 6, [8, 5, 3], 'token_mean', None, 1.0),
    ('one_step', 1, 3, [1, 1, 1], 'sum', None, 1.0),
    ('one_tag', 4, 1, [4, 2], 'mean', None, 1.0),
    ('large_scores', 6, 4, [6, 3], 'sum', None, 40.0),
    ('bio', 6, 5, [6, 4, 2], 'mean', 'BIO', 1.0),
    ('bio_none', 5, 5, [5, 3], 'none', 'BIO', 1.0),
    ('bioes', 5, 7, [5, 2, 4], 'token_mean', 'BIOES', 1.0),
]


def role(label):
    m = re.match(r'^([BIES])-(.+)$', label)
    return (m.group(1), m.group(2)) if m else ('O', '')


def allowed(scheme, labels):
    """(start [K], end [K], transitions [K, K]) booleans of a chunk scheme."""
    roles = [role(label) for label in labels]
    def opens(r): return r[0] in ('B', 'I')
    def needs_open(r): return r[0] in ('I', 'E')
    def follows(a, b):
        if scheme == 'BIO':
            return b[0] != 'I' or (opens(a) and a[1] == b[1])
        return (needs_open(b) and a[1] == b[1]) if opens(a) else not needs_open(b)
    start = [not needs_open(r) for r in roles]
    end = [scheme == 'BIO' or not opens(r) for r in roles]
    trans = [[follows(a, b) for b in roles] for a in roles]
    return torch.tensor(start), torch.tensor(end), torch.tensor(trans)


def masked(params, constraint):
    start, end, trans = params
    if constraint is None:
        return start, end, trans
    ok_start, ok_end, ok_trans = constraint
    inf = torch.tensor(-math.inf, dtype=start.dtype)
    return torch.where(ok_start, start, inf), torch.where(ok_end, end, inf), torch.where(ok_trans, trans, inf)


def score(emissions, tags, mask, start, end, trans):
    """pytorch-crf's _compute_score: [B]."""
    T, B = tags.shape
    arange = torch.arange(B)
    s = start[tags[0]] + emissions[0, arange, tags[0]]
    for i in range(1, T):
        s = s + trans[tags[i - 1], tags[i]] * mask[i] + emissions[i, arange, tags[i]] * mask[i]
    last = tags[mask.long().sum(0) - 1, arange]
    return s + end[last]


def normalizer(emissions, mask, start, end, trans):
    """pytorch-crf's _compute_normalizer (forward algorithm): [B]."""
    s = start + emissions[0]
    for i in range(1, emissions.shape[0]):
        nxt = torch.logsumexp(s.unsqueeze(2) + trans + emissions[i].unsqueeze(1), dim=1)
        s = torch.where(mask[i].unsqueeze(1).bool(), nxt, s)
    return torch.logsumexp(s + end, dim=1)


def viterbi(emissions, lengths, start, end, trans):
    """pytorch-crf's _viterbi_decode, one sequence at a time: the best path of each."""
    paths = []
    for b, L in enumerate(lengths):
        s = start + emissions[0, b]
        history = []
        for i in range(1, L):
            s, idx = (s.unsqueeze(1) + trans + emissions[i, b].unsqueeze(0)).max(dim=0)
            history.append(idx)
        best = [int((s + end).argmax())]
        for idx in reversed(history):
            best.append(int(idx[best[-1]]))
        paths.append(best[::-1])
    return paths


def random_path(L, K, constraint, gen):
    """A path of L tags drawn uniformly among those the constraints allow (all, without)."""
    while True:
        tags = torch.randint(0, K, (L,), generator=gen).tolist()
        if constraint is None:
            return tags
        ok_start, ok_end, ok_trans = constraint
        if ok_start[tags[0]] and ok_end[tags[-1]] and all(ok_trans[a, b] for a, b in zip(tags, tags[1:])):
            return tags


def check_by_enumeration(name, emissions, lengths, tags, start, end, trans, log_z, paths):
    """logZ, the tags' score and the Viterbi path against all K^L paths (small cases)."""
    K = emissions.shape[2]
    for b, L in enumerate(lengths):
        if K ** L > 20000:
            continue
        def s(path):
            v = start[path[0]] + end[path[-1]] + sum(emissions[t, b, y] for t, y in enumerate(path))
            return v + sum(trans[x, y] for x, y in zip(path, path[1:]))
        all_scores = {path: float(s(path)) for path in itertools.product(range(K), repeat=L)}
        finite = [v for v in all_scores.values() if v > -math.inf]
        top = max(finite)
        brute = top + math.log(sum(math.exp(v - top) for v in finite))
        assert abs(brute - float(log_z[b])) < 1e-9, (name, b, brute, float(log_z[b]))
        best = max(all_scores, key=all_scores.get)
        assert list(best) == paths[b], (name, b, best, paths[b])
        assert abs(all_scores[tuple(tags[b])] - float(s(tags[b]))) < 1e-12


def main():
    gen = torch.Generator().manual_seed(13)
    tensors, meta = {}, []
    for name, T, K, lengths, reduction, scheme, scale in CASES:
        B = len(lengths)
        labels = (BIO if scheme == 'BIO' else BIOES) if scheme else None
        assert labels is None or len(labels) == K
        constraint = allowed(scheme, labels) if scheme else None
        # float32-representable values (rnnkit reads the fixture as float32), computed on in float64.
        f32 = lambda *shape, s=1.0: (torch.randn(*shape, generator=gen, dtype=torch.float64) * s).float().double()
        emissions = f32(T, B, K, s=scale).requires_grad_()
        params = [f32(K, s=0.5).requires_grad_(), f32(K, s=0.5).requires_grad_(), f32(K, K, s=0.5).requires_grad_()]
        tag_lists = [random_path(L, K, constraint, gen) for L in lengths]
        mask = torch.tensor([[1 if t < L else 0 for L in lengths] for t in range(T)], dtype=torch.uint8)
        padded = torch.tensor([[tag_lists[b][t] if t < L else 0 for b, L in enumerate(lengths)] for t in range(T)])
        start, end, trans = masked(params, constraint)

        llh = score(emissions, padded, mask, start, end, trans) - normalizer(emissions, mask, start, end, trans)
        nll = -llh
        loss = {'none': nll, 'sum': nll.sum(), 'mean': nll.mean(), 'token_mean': nll.sum() / mask.float().sum()}[reduction]
        loss.sum().backward()

        # Marginals: d logZ / d emissions, by autograd of the forward algorithm alone.
        e2 = emissions.detach().clone().requires_grad_()
        log_z = normalizer(e2, mask, *[p.detach() for p in (start, end, trans)])
        log_z.sum().backward()
        paths = viterbi(emissions.detach(), lengths, start.detach(), end.detach(), trans.detach())
        check_by_enumeration(name, emissions.detach(), lengths, tag_lists, start.detach(), end.detach(), trans.detach(),
                             log_z.detach(), paths)

        tensors[f'{name}.emissions'] = emissions.detach().numpy()
        for pname, p in zip(('start_transitions', 'end_transitions', 'transitions'), params):
            tensors[f'{name}.{pname}'] = p.detach().numpy()
            # A parameter the loss never reads (transitions of one-step sequences) has gradient 0.
            tensors[f'{name}.grad_{pname}'] = (p.grad if p.grad is not None else torch.zeros_like(p)).numpy()
        tensors[f'{name}.loss'] = loss.detach().reshape(-1).numpy()
        tensors[f'{name}.grad_emissions'] = emissions.grad.numpy()
        tensors[f'{name}.log_partition'] = log_z.detach().numpy()
        tensors[f'{name}.marginals'] = e2.grad.numpy()
        meta.append({'name': name, 'lengths': lengths, 'tags': tag_lists, 'reduction': reduction, 'scheme': scheme,
                     'labels': labels, 'viterbi': paths})
        print(name, loss.detach().numpy(), file=sys.stderr)
    os.makedirs(OUT, exist_ok=True)
    save_file(tensors, os.path.join(OUT, 'cases.safetensors'), metadata={'cases': json.dumps(meta)})


if __name__ == '__main__':
    main()
