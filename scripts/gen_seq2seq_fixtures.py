"""PyTorch reference values for rnnkit's encoder-decoder (Seq2Seq), attention included.

The model written in torch from its equations (Sutskever et al. 2014, Cho et al. 2014,
Bahdanau et al. 2015, Luong et al. 2015):
  encoder: embedding -> nn.LSTM / nn.GRU (bidirectional, packed ragged sources); h_T = the top
  layer's final states of both directions side by side (width Hd = 2 He);
  decoder: nn.LSTMCell / nn.GRUCell of Hd units fed the previous target (teacher forcing), from
  begin; per step logits = W_o out + b_o; loss = mean cross-entropy over every target token and
  each row's end token;
  context 'final':     c = h_T;  'transform': c = tanh(W_q h_T + b_q); as the decoder's initial
                       state ('initial-state', out = s_t) or fed with the token ('every-step');
  'additive' (Bahdanau): s_0 = h_T; e_ti = w . tanh(W_k h_i + b_k + W_q s_{t-1}); a = softmax over
                       the real source steps; c_t = sum a_ti h_i fed with the token; out = [s_t; c_t];
  'dot' / 'general' (Luong): s_0 = h_T; the token fed with h~_{t-1} (input feeding, 0 at t = 0);
                       e_ti = s_t . h_i or s_t . W_a h_i; c_t as above; out = h~_t = tanh(W_c [c_t; s_t] + b_c).
For each configuration this writes the weights (rnnkit's names), the pairs, the loss and every
gradient to test/fixtures/seq2seq/parity.safetensors ("<config>/<name>"; configurations and
pairs in the metadata). Float64 from float32-representable weights.

Run with Debian's torch:  /usr/bin/python3 scripts/gen_seq2seq_fixtures.py
"""
import json
import os
import sys

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_min import save_file  # noqa: E402

VS, V, BEGIN, END, E, HE, A = 5, 6, 4, 5, 3, 3, 4
HD = 2 * HE
PAIRS = [([1, 3, 0, 2], [2, 0]), ([4, 1], [1, 3, 2]), ([0, 0, 3], [3])]
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'seq2seq', 'parity.safetensors')

CONFIGS = [
    dict(name='final-initial-lstm', cell='lstm', context='final', contextUse='initial-state', attention='additive', numLayers=1),
    dict(name='final-every-gru', cell='gru', context='final', contextUse='every-step', attention='additive', numLayers=1),
    dict(name='transform-initial-gru', cell='gru', context='transform', contextUse='initial-state', attention='additive', numLayers=2),
    dict(name='transform-every-lstm', cell='lstm', context='transform', contextUse='every-step', attention='additive', numLayers=1),
    dict(name='bahdanau-lstm', cell='lstm', context='attention', contextUse='initial-state', attention='additive', numLayers=1),
    dict(name='bahdanau-gru', cell='gru', context='attention', contextUse='initial-state', attention='additive', numLayers=2),
    dict(name='luong-dot-lstm', cell='lstm', context='attention', contextUse='initial-state', attention='dot', numLayers=1),
    dict(name='luong-general-gru', cell='gru', context='attention', contextUse='initial-state', attention='general', numLayers=1),
    dict(name='luong-general-lstm', cell='lstm', context='attention', contextUse='initial-state', attention='general', numLayers=2),
]


def linear(out_features, in_features, bias=True):
    return torch.nn.Linear(in_features, out_features, bias=bias)


def build(c):
    m = torch.nn.ModuleDict()
    m['src'] = torch.nn.Embedding(VS, E)
    rnn = torch.nn.LSTM if c['cell'] == 'lstm' else torch.nn.GRU
    m['rnn'] = rnn(E, HE, num_layers=c['numLayers'], bidirectional=True)
    m['tgt'] = torch.nn.Embedding(V, E)
    fed = c['context'] == 'attention' or c['contextUse'] == 'every-step'
    m['cell'] = (torch.nn.LSTMCell if c['cell'] == 'lstm' else torch.nn.GRUCell)(E + (HD if fed else 0), HD)
    additive = c['context'] == 'attention' and c['attention'] == 'additive'
    if c['context'] == 'transform':
        m['bridge'] = linear(HD, HD)
    if additive:
        m['query'] = linear(A, HD, bias=False)
        m['key'] = linear(A, HD)
        m['score'] = linear(1, A, bias=False)
    elif c['context'] == 'attention':
        if c['attention'] == 'general':
            m['key'] = linear(HD, HD, bias=False)
        m['combine'] = linear(HD, 2 * HD)
    m['out'] = linear(V, 2 * HD if additive else HD)
    m.double()
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(p.float().double())
    return m


def names(c, m):
    """rnnkit's name of each torch parameter."""
    out = {'encoder.embedding.weight': m['src'].weight, 'decoder.embedding.weight': m['tgt'].weight,
           'output.weight': m['out'].weight, 'output.bias': m['out'].bias}
    for n, p in m['rnn'].named_parameters():
        out[f'encoder.rnn.{n}'] = p
    for n, p in m['cell'].named_parameters():
        out[f'decoder.cell.{n}'] = p
    if 'bridge' in m:
        out['bridge.weight'], out['bridge.bias'] = m['bridge'].weight, m['bridge'].bias
    if 'query' in m:
        out['attention.query.weight'] = m['query'].weight
        out['attention.key.weight'], out['attention.key.bias'] = m['key'].weight, m['key'].bias
        out['attention.score.weight'] = m['score'].weight
    if 'combine' in m:
        if 'key' in m:
            out['attention.key.weight'] = m['key'].weight
        out['attention.combine.weight'], out['attention.combine.bias'] = m['combine'].weight, m['combine'].bias
    return out


def loss_of(c, m):
    B = len(PAIRS)
    S = max(len(s) for s, _ in PAIRS)
    lengths = torch.tensor([len(s) for s, _ in PAIRS])
    src = torch.zeros(S, B, dtype=torch.long)
    for b, (s, _) in enumerate(PAIRS):
        src[:len(s), b] = torch.tensor(s)
    packed = pack_padded_sequence(m['src'](src), lengths, enforce_sorted=False)
    enc_out, state = m['rnn'](packed)
    H, _ = pad_packed_sequence(enc_out, total_length=S)          # [S, B, Hd]
    h_n = state[0] if c['cell'] == 'lstm' else state
    h_T = torch.cat([h_n[-2], h_n[-1]], dim=-1)                  # [B, Hd]
    mask = torch.arange(S)[:, None] < lengths[None, :]           # [S, B]
    fixed = torch.tanh(m['bridge'](h_T)) if c['context'] == 'transform' else h_T
    attention = c['context'] == 'attention'
    s = h_T if attention or c['contextUse'] == 'initial-state' else torch.zeros(B, HD)
    if not attention and c['contextUse'] == 'initial-state':
        s = fixed
    cstate = torch.zeros(B, HD)
    prev = torch.zeros(B, HD)
    targets = [t + [END] for _, t in PAIRS]
    T = max(len(t) for t in targets)
    fed = torch.full((B,), BEGIN, dtype=torch.long)
    total, count = 0, 0

    def step(x):
        nonlocal s, cstate
        if c['cell'] == 'lstm':
            s, cstate = m['cell'](x, (s, cstate))
        else:
            s = m['cell'](x, s)
        return s

    def attend(keys, query):
        e = (keys * query[None]).sum(-1).masked_fill(~mask, float('-inf'))   # [S, B]
        a = torch.softmax(e, dim=0)
        return (a[:, :, None] * H).sum(0)

    for t in range(T):
        x = m['tgt'](fed)
        if not attention:
            out = step(torch.cat([x, fixed], -1) if c['contextUse'] == 'every-step' else x)
        elif c['attention'] == 'additive':
            u = torch.tanh(m['key'](H) + m['query'](s)[None])                # [S, B, A]
            e = m['score'](u)[..., 0].masked_fill(~mask, float('-inf'))
            ctx = (torch.softmax(e, dim=0)[:, :, None] * H).sum(0)
            out = torch.cat([step(torch.cat([x, ctx], -1)), ctx], -1)
        else:
            st = step(torch.cat([x, prev], -1))
            keys = m['key'](H) if c['attention'] == 'general' else H
            ctx = attend(keys, st)
            out = prev = torch.tanh(m['combine'](torch.cat([ctx, st], -1)))
        logits = m['out'](out)
        nxt = logits.argmax(-1)
        for b in range(B):
            if t < len(targets[b]):
                total = total - torch.log_softmax(logits[b], -1)[targets[b][t]]
                count += 1
                nxt[b] = targets[b][t]
        fed = nxt.detach()
    return total / count


def main():
    torch.set_default_dtype(torch.float64)
    everything = {}
    for i, c in enumerate(CONFIGS):
        torch.manual_seed(3000 + i)
        m = build(c)
        loss = loss_of(c, m)
        loss.backward()
        for n, p in names(c, m).items():
            value = p.detach().numpy().reshape(-1) if n == 'attention.score.weight' else p.detach().numpy()
            everything[f"{c['name']}/{n}"] = value
            everything[f"{c['name']}/grad/{n}"] = p.grad.numpy().reshape(value.shape)
        everything[f"{c['name']}/loss"] = loss.detach().reshape(1).numpy()
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    save_file(everything, OUT, metadata={
        'configs': json.dumps(CONFIGS), 'pairs': json.dumps([dict(source=s, target=t) for s, t in PAIRS]),
        'sizes': json.dumps(dict(sourceVocabSize=VS, targetVocabSize=V, begin=BEGIN, end=END, embeddingDim=E, hiddenSize=HE,
                                 attentionSize=A)),
        'torch': torch.__version__})
    print(f'{len(CONFIGS)} configurations, {len(everything)} tensors -> {os.path.relpath(OUT)}')


if __name__ == '__main__':
    main()
