// The encoder–decoder engine: float64 finite-difference checks of every parameter's
// gradient for each way of handing the source over (final state, learned transform, additive
// and multiplicative attention), each cell and variant, bidirectional stacked encoders, ragged
// sources and targets, and scheduled sampling.
import { describe, it } from 'node:test';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { type Seq2SeqConfig, Seq2SeqCore } from '../../src/models/seq2seq/core.js';
import { Random } from '../../src/random.js';
import { gradcheck } from '../helpers/gradcheck.js';

const base: Seq2SeqConfig = {
  sourceVocabSize: 5,
  targetVocabSize: 6,
  embeddingDim: 3,
  cell: 'lstm',
  hiddenSize: 3,
  numLayers: 1,
  bidirectional: false,
  dropout: 0,
  context: 'final',
  contextUse: 'initial-state',
  attention: 'additive',
  attentionSize: 4,
};

const cases: [string, Partial<Seq2SeqConfig>, number?][] = [
  ['c = h_T as initial state (LSTM)', {}],
  ['c = h_T fed at every step (GRU)', { contextUse: 'every-step', cell: 'gru' }],
  ['c = q(h_T) as initial state (RNN, 2 bidirectional layers)', { context: 'transform', cell: 'rnn', numLayers: 2, bidirectional: true }],
  ['c = q(h_T) fed at every step (LSTM)', { context: 'transform', contextUse: 'every-step' }],
  ['additive attention (LSTM, bidirectional)', { context: 'attention', attention: 'additive', bidirectional: true }],
  ['dot attention (GRU, bidirectional)', { context: 'attention', attention: 'dot', cell: 'gru', bidirectional: true }],
  ['general attention (LSTM, 2 layers)', { context: 'attention', attention: 'general', numLayers: 2 }],
  ['additive attention with scheduled sampling (ratio 0.5)', { context: 'attention', attention: 'additive' }, 0.5],
  [
    'additive attention (GRU with the reset gate before the product, bidirectional)',
    { context: 'attention', attention: 'additive', cell: 'gru', resetAfter: false, bidirectional: true },
  ],
  ['c = h_T fed at every step (peephole LSTM)', { contextUse: 'every-step', peepholes: true }],
];

describe('seq2seq engine', () => {
  for (const [name, overrides, ratio] of cases) {
    it(`${name}: gradients match finite differences (float64)`, () => {
      const backend = createReferenceBackend(Float64Array);
      const core = new Seq2SeqCore({ ...base, ...overrides }, backend, new Random(5));
      // Sources of lengths 4, 3, 1 (decreasing); targets of 3, 1 and 2 steps then ignored.
      const [S, B, T] = [4, 3, 3];
      const random = new Random(6);
      const source = Int32Array.from({ length: S * B }, () => random.int(5));
      const lengths = Int32Array.of(4, 3, 1);
      const real = [3, 1, 2];
      const targets = Int32Array.from({ length: T * B }, (_, i) => (Math.floor(i / B) < real[i % B] ? random.int(6) : -100));
      const batch = { S, B, source, lengths };
      const evaluate = (backward: boolean): number =>
        core.run(batch, targets, 1, true, backward, ratio === undefined ? undefined : { ratio, random: new Random(9) });
      core.zeroGrad();
      evaluate(true);
      gradcheck(
        core.parameters().map((p) => ({ name: p.name, values: p.value, grad: Float64Array.from(p.grad) })),
        () => evaluate(false),
        { atol: 1e-8, rtol: 1e-5 },
      );
    });
  }
});
