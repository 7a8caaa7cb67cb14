"""PyTorch modules with rnnkit's parameter names, one per rnnkit model type, so that an rnnkit
model file's tensors load with `load_state_dict` as they are and `state_dict()` saves back.

Shapes are rnnkit's: time-major (T steps, B rows). Recurrent layers are torch's nn.LSTM, nn.GRU
and nn.RNN (PyTorch's gate orders, proj_size for a projected LSTM); padded batches run as packed
sequences, so padding never changes a result. rnnkit's cell variants that torch lacks — a GRU
with the reset gate before the product, a peephole LSTM — are refused when a module is built.
"""
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def _check_variant(settings, owner):
    if settings.get('resetAfter') is False:
        raise ValueError(f"{owner}: a GRU with the reset gate before the product (resetAfter: false) has no torch "
                         "module (nn.GRU puts it after the product)")
    if settings.get('peepholes'):
        raise ValueError(f'{owner}: a peephole LSTM (peepholes: true) has no torch module (nn.LSTM has no peepholes)')


def recurrent(settings, input_size, owner, bidirectional=None):
    """The nn.LSTM / nn.GRU / nn.RNN of an encoder's settings (cell, hiddenSize, numLayers, bidirectional, dropout, projSize)."""
    _check_variant(settings, owner)
    common = dict(num_layers=settings['numLayers'], dropout=settings.get('dropout', 0),
                  bidirectional=settings.get('bidirectional', False) if bidirectional is None else bidirectional)
    cell = settings['cell']
    if cell == 'lstm':
        return nn.LSTM(input_size, settings['hiddenSize'], proj_size=settings.get('projSize', 0), **common)
    if cell == 'gru':
        return nn.GRU(input_size, settings['hiddenSize'], **common)
    if cell == 'rnn':
        return nn.RNN(input_size, settings['hiddenSize'], nonlinearity='tanh', **common)
    raise ValueError(f"{owner}: unknown cell '{cell}'")


def run_recurrent(rnn, x, lengths=None, state=None):
    """Runs `rnn` over x [T, B, F]; with lengths [B], as packed sequences (zero output past a length)."""
    if lengths is None:
        return rnn(x, state)
    packed = pack_padded_sequence(x, torch.as_tensor(lengths, dtype=torch.int64).cpu(), enforce_sorted=False)
    out, final = rnn(packed, state)
    out, _ = pad_packed_sequence(out, total_length=x.shape[0])
    return out, final


def top_states(rnn, final):
    """The top layer's final hidden states, directions side by side: [B, dirs·H]."""
    h = final[0] if isinstance(final, tuple) else final
    dirs = 2 if rnn.bidirectional else 1
    return torch.cat([h[-dirs + d] for d in range(dirs)], dim=1)


def pool(rnn, pooling, output, final, lengths):
    """One vector per sequence: the top layer's final states ('last'), or the mean or maximum over the real steps."""
    if pooling == 'last':
        return top_states(rnn, final)
    T = output.shape[0]
    n = torch.as_tensor(lengths if lengths is not None else [T] * output.shape[1], dtype=output.dtype)
    real = torch.arange(T).unsqueeze(1) < n.unsqueeze(0)  # [T, B]
    if pooling == 'mean':
        return (output * real.unsqueeze(2)).sum(0) / n.unsqueeze(1)
    return output.masked_fill(~real.unsqueeze(2), float('-inf')).max(0).values


class LanguageModel(nn.Module):
    """Embedding → recurrent stack → Linear over the vocabulary (rnnkit's `language-model`)."""

    def __init__(self, settings, vocab_size):
        super().__init__()
        self.settings = dict(settings)
        self.embedding = nn.Embedding(vocab_size, settings['embeddingDim'])
        self.rnn = recurrent({**settings, 'bidirectional': False}, settings['embeddingDim'], 'LanguageModel')
        self.decoder = nn.Linear(settings.get('projSize') or settings['hiddenSize'], vocab_size)

    def forward(self, ids, state=None):
        """ids [T, B] → logits [T, B, V] and the final state (to carry to the next window)."""
        out, state = self.rnn(self.embedding(ids), state)
        return self.decoder(out), state


class _Encoded(nn.Module):
    """The shared front of the taggers, classifiers, regressors and CTC models."""

    def _encode(self, x, lengths):
        return run_recurrent(self.encoder, x, lengths)


class SequenceTagger(_Encoded):
    """Embedding → encoder → Linear per step (rnnkit's `sequence-tagger`)."""

    def __init__(self, settings):
        super().__init__()
        self.settings = dict(settings)
        self.embedding = nn.Embedding(settings['vocabSize'], settings['embeddingDim'])
        self.encoder = recurrent(settings, settings['embeddingDim'], 'SequenceTagger')
        self.classifier = nn.Linear(_width(settings), settings['numTags'])

    def forward(self, ids, lengths=None):
        """ids [T, B] → tag scores [T, B, K]."""
        out, _ = self._encode(self.embedding(ids), lengths)
        return self.classifier(out)


class SequenceClassifier(_Encoded):
    """Embedding → encoder → pooling → Linear (rnnkit's `sequence-classifier`)."""

    def __init__(self, settings):
        super().__init__()
        self.settings = dict(settings)
        self.embedding = nn.Embedding(settings['vocabSize'], settings['embeddingDim'])
        self.encoder = recurrent(settings, settings['embeddingDim'], 'SequenceClassifier')
        self.classifier = nn.Linear(_width(settings), settings['numClasses'])

    def forward(self, ids, lengths=None):
        """ids [T, B] → class scores [B, C]."""
        out, final = self._encode(self.embedding(ids), lengths)
        return self.classifier(pool(self.encoder, self.settings['pooling'], out, final, lengths))


class Normalization(nn.Module):
    """A regressor's standardisation: buffers inputMean, inputStd [D] and targetMean, targetStd [O]."""

    def __init__(self, D, O):
        super().__init__()
        self.register_buffer('inputMean', torch.zeros(D))
        self.register_buffer('inputStd', torch.ones(D))
        self.register_buffer('targetMean', torch.zeros(O))
        self.register_buffer('targetStd', torch.ones(O))


class SequenceRegressor(_Encoded):
    """Standardised frames → encoder → pooling → Linear → the data's units (rnnkit's `sequence-regressor`)."""

    def __init__(self, settings):
        super().__init__()
        self.settings = dict(settings)
        self.encoder = recurrent(settings, settings['inputSize'], 'SequenceRegressor')
        self.head = nn.Linear(_width(settings), settings['outputSize'])
        self.normalization = Normalization(settings['inputSize'], settings['outputSize'])

    def forward(self, x, lengths=None):
        """Frames x [T, B, D] in the data's units → predictions [B, O] in the data's units."""
        n = self.normalization
        out, final = self._encode((x - n.inputMean) / n.inputStd, lengths)
        prediction = self.head(pool(self.encoder, self.settings['pooling'], out, final, lengths))
        return prediction * n.targetStd + n.targetMean


class CTCModel(_Encoded):
    """Frames → encoder → Linear per frame over the blank (class 0) and the labels (rnnkit's `ctc-model`)."""

    def __init__(self, settings):
        super().__init__()
        self.settings = dict(settings)
        self.encoder = recurrent(settings, settings['inputSize'], 'CTCModel')
        self.classifier = nn.Linear(_width(settings), settings['numLabels'] + 1)

    def forward(self, x, lengths=None):
        """Frames x [T, B, D] → class scores [T, B, C] (log_softmax them for nn.CTCLoss, blank=0)."""
        out, _ = self._encode(x, lengths)
        return self.classifier(out)


class SequenceGenerator(nn.Module):
    """Tokens from a condition vector: as the initial state (h0 = tanh(W c + b)) or fed at every step (rnnkit's `sequence-generator`)."""

    def __init__(self, settings):
        super().__init__()
        self.settings = dict(settings)
        E, C, H, L = settings['embeddingDim'], settings['conditionSize'], settings['hiddenSize'], settings['numLayers']
        every_step = settings['conditioning'] == 'every-step'
        self.embedding = nn.Embedding(settings['vocabSize'], E)
        self.rnn = recurrent({**settings, 'bidirectional': False}, E + (C if every_step else 0), 'SequenceGenerator')
        self.output = nn.Linear(H, settings['vocabSize'])
        if not every_step:
            self.initial_state = nn.Linear(C, L * H)

    def initial(self, condition):
        """The initial state for conditions [B, C]: (h0, c0) for an LSTM, else h0; [L, B, H]."""
        L, H = self.settings['numLayers'], self.settings['hiddenSize']
        B = condition.shape[0]
        if self.settings['conditioning'] == 'every-step':
            h = condition.new_zeros(L, B, H)
        else:
            h = torch.tanh(self.initial_state(condition)).reshape(B, L, H).permute(1, 0, 2).contiguous()
        return (h, torch.zeros_like(h)) if self.settings['cell'] == 'lstm' else h

    def forward(self, ids, condition, lengths=None, state=None):
        """ids [T, B] (begin token first) and conditions [B, C] → logits [T, B, V] and the final state."""
        x = self.embedding(ids)
        if self.settings['conditioning'] == 'every-step':
            x = torch.cat([x, condition.unsqueeze(0).expand(ids.shape[0], -1, -1)], dim=2)
        out, final = run_recurrent(self.rnn, x, lengths, self.initial(condition) if state is None else state)
        return self.output(out), final


class Attention(nn.Module):
    """Bahdanau's additive score (query, key, score) or Luong's dot / general one (key, combine)."""

    def __init__(self, kind, Hd, A):
        super().__init__()
        self.kind = kind
        if kind == 'additive':
            self.query = nn.Linear(Hd, A, bias=False)
            self.key = nn.Linear(Hd, A)
            self.score = nn.Module()
            self.score.weight = nn.Parameter(torch.empty(A))
        else:
            if kind == 'general':
                self.key = nn.Linear(Hd, Hd, bias=False)
            self.combine = nn.Linear(2 * Hd, Hd)

    def weights(self, query, values, real):
        """α [S, B] over the real steps, for a query [B, ·] and encoder outputs [S, B, Hd]."""
        if self.kind == 'additive':
            e = torch.tanh(self.key(values) + self.query(query)) @ self.score.weight
        else:
            keys = self.key(values) if self.kind == 'general' else values
            e = (keys * query.unsqueeze(0)).sum(2)
        return torch.softmax(e.masked_fill(~real, float('-inf')), dim=0)


class Seq2Seq(nn.Module):
    """Encoder–decoder with rnnkit's three contexts (final, transform, attention) (rnnkit's `seq2seq`)."""

    def __init__(self, settings):
        super().__init__()
        s = self.settings = dict(settings)
        _check_variant(s, 'Seq2Seq')
        E = s['embeddingDim']
        self.Hd = Hd = (2 if s['bidirectional'] else 1) * s['hiddenSize']
        attention = s['context'] == 'attention'
        fed = attention or s['contextUse'] == 'every-step'
        self.encoder = nn.Module()
        self.encoder.embedding = nn.Embedding(s['sourceVocabSize'], E)
        self.encoder.rnn = recurrent(s, E, 'Seq2Seq')
        self.decoder = nn.Module()
        self.decoder.embedding = nn.Embedding(s['targetVocabSize'], E)
        cell = {'lstm': nn.LSTMCell, 'gru': nn.GRUCell, 'rnn': nn.RNNCell}[s['cell']]
        self.decoder.cell = cell(E + (Hd if fed else 0), Hd)
        if s['context'] == 'transform':
            self.bridge = nn.Linear(Hd, Hd)
        if attention:
            self.attention = Attention(s['attention'], Hd, s['attentionSize'])
        self.output = nn.Linear(2 * Hd if attention and s['attention'] == 'additive' else Hd, s['targetVocabSize'])

    def encode(self, source, lengths):
        """source [S, B], lengths [B] → what the decoder reads: outputs, mask, fixed context, initial state."""
        s = self.settings
        values, final = run_recurrent(self.encoder.rnn, self.encoder.embedding(source), lengths)
        hT = top_states(self.encoder.rnn, final)
        context = torch.tanh(self.bridge(hT)) if s['context'] == 'transform' else hT
        if s['context'] == 'attention' or s['contextUse'] == 'initial-state':
            h = hT if s['context'] != 'transform' else context
        else:
            h = torch.zeros_like(hT)
        real = torch.arange(source.shape[0]).unsqueeze(1) < torch.as_tensor(lengths).unsqueeze(0)
        state = (h, torch.zeros_like(h)) if s['cell'] == 'lstm' else h
        return {'values': values, 'real': real, 'context': context, 'state': state, 'feed': torch.zeros_like(h)}

    def step(self, tokens, enc):
        """One decoder step on tokens [B]: logits [B, V] and the attention weights [S, B] (None without attention);
        updates enc's state (and Luong's fed attentional output) in place."""
        s = self.settings
        x = self.decoder.embedding(tokens)
        state = enc['state']
        h = state[0] if isinstance(state, tuple) else state
        alpha = None
        if s['context'] != 'attention':
            if s['contextUse'] == 'every-step':
                x = torch.cat([x, enc['context']], dim=1)
            state = self.decoder.cell(x, state)
            out = state[0] if isinstance(state, tuple) else state
        elif s['attention'] == 'additive':
            alpha = self.attention.weights(h, enc['values'], enc['real'])
            c = (alpha.unsqueeze(2) * enc['values']).sum(0)
            state = self.decoder.cell(torch.cat([x, c], dim=1), state)
            out = torch.cat([state[0] if isinstance(state, tuple) else state, c], dim=1)
        else:
            state = self.decoder.cell(torch.cat([x, enc['feed']], dim=1), state)
            st = state[0] if isinstance(state, tuple) else state
            alpha = self.attention.weights(st, enc['values'], enc['real'])
            c = (alpha.unsqueeze(2) * enc['values']).sum(0)
            out = torch.tanh(self.attention.combine(torch.cat([c, st], dim=1)))
            enc['feed'] = out
        enc['state'] = state
        return self.output(out), alpha

    def forward(self, source, lengths, inputs):
        """Teacher forcing: source [S, B], lengths [B], decoder inputs [T, B] (begin, then the targets) → logits [T, B, V]."""
        enc = self.encode(source, lengths)
        return torch.stack([self.step(inputs[t], enc)[0] for t in range(inputs.shape[0])])


def _width(settings):
    return (2 if settings.get('bidirectional', False) else 1) * (settings.get('projSize') or settings['hiddenSize'])
