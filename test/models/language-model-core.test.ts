// The language-model engine: float64 gradient check of the whole composition (embedding,
// stacked LSTM, decoder, cross-entropy), and five training steps (truncated BPTT,
// clipping, Adam) against PyTorch's losses, gradient norms and final weights.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { readSafetensors, safetensorsMetadata } from '../../src/io/safetensors.js';
import { LanguageModelCore } from '../../src/models/language-model/core.js';
import { Random } from '../../src/random.js';
import { clipGradNorm } from '../../src/training/clip.js';
import { Adam } from '../../src/training/optim/adam.js';
import { assertClose } from '../helpers/allclose.js';
import { blasUnavailable, everyProductInBlas } from '../helpers/blas.js';
import { gradcheck } from '../helpers/gradcheck.js';

describe('language-model engine', () => {
  for (const [label, variant] of [
    ['LSTM', { cell: 'lstm' }],
    ['peephole LSTM', { cell: 'lstm', peepholes: true }],
    ['GRU with the reset gate before the product', { cell: 'gru', resetAfter: false }],
  ] as const) {
    it(`gradients of the mean cross-entropy match finite differences (float64, 2-layer ${label}, token input, ignored targets)`, () => {
      const ref64 = createReferenceBackend(Float64Array);
      const lm = new LanguageModelCore(
        { vocabSize: 6, embeddingDim: 3, ...variant, hiddenSize: 4, numLayers: 2, dropout: 0 },
        ref64,
        new Random(2),
      );
      const [T, B] = [4, 2];
      const random = new Random(3);
      const ids = Int32Array.from({ length: T * B }, () => random.int(6));
      const targets = Int32Array.from({ length: T * B }, (_, i) => (i % 5 === 4 ? -100 : random.int(6)));
      const evaluate = (backward: boolean): number => {
        lm.resetState(); // every evaluation starts from the same (zero) state
        lm.prepare(T, B);
        lm.inputIds().set(ids);
        lm.targetIds().set(targets);
        return lm.run(true, true, backward);
      };
      lm.zeroGrad();
      evaluate(true);
      gradcheck(
        lm.parameters().map((p) => ({ name: p.name, values: p.value, grad: Float64Array.from(p.grad) })),
        () => evaluate(false),
      );
    });
  }

  // A vocabulary larger than the batch (V > T·B) takes the other input path: embedding rows
  // gathered first, their gradients scatter-added into the table.
  for (const [label, cell, variant] of [
    ['lstm', 'lstm', {}],
    ['peephole lstm', 'lstm', { peepholes: true }],
    ['gru', 'gru', {}],
    ['gru, reset before the product', 'gru', { resetAfter: false }],
    ['rnn', 'rnn', {}],
  ] as const) {
    it(`${label}: gradients match finite differences when the vocabulary outnumbers the batch's tokens (float64)`, () => {
      const ref64 = createReferenceBackend(Float64Array);
      const V = 11;
      const lm = new LanguageModelCore(
        { vocabSize: V, embeddingDim: 3, cell, hiddenSize: 4, numLayers: 2, dropout: 0, ...variant },
        ref64,
        new Random(6),
      );
      const [T, B] = [3, 2];
      const ids = Int32Array.from([4, 9, 4, 0, 10, 9]); // repeated ids: their gradients add up in the table
      const targets = Int32Array.from([9, 4, -100, 10, 2, 7]);
      const evaluate = (backward: boolean): number => {
        lm.resetState();
        lm.prepare(T, B);
        lm.inputIds().set(ids);
        lm.targetIds().set(targets);
        return lm.run(true, true, backward);
      };
      lm.zeroGrad();
      evaluate(true);
      gradcheck(
        lm.parameters().map((p) => ({ name: p.name, values: p.value, grad: Float64Array.from(p.grad) })),
        () => evaluate(false),
      );
    });
  }

  // With V = 7 the batch of 2T·B = 12 tokens projects the whole table and the halves of 6 gather rows: both paths agree.
  it('carries the state across batches: two batches of T steps give the logits of one batch of 2T', () => {
    const backend = createReferenceBackend();
    const config = { vocabSize: 7, embeddingDim: 3, cell: 'gru' as const, hiddenSize: 5, numLayers: 2, dropout: 0 };
    const split = new LanguageModelCore(config, backend, new Random(4));
    const whole = new LanguageModelCore(config, backend, new Random(4));
    const [T, B] = [3, 2];
    const random = new Random(5);
    const ids = Int32Array.from({ length: 2 * T * B }, () => random.int(7));
    whole.prepare(2 * T, B);
    whole.inputIds().set(ids);
    whole.run(false, false, false);
    const expected = Float32Array.from(whole.output());
    split.prepare(T, B);
    const got: number[] = [];
    for (let half = 0; half < 2; half++) {
      split.inputIds().set(ids.subarray(half * T * B, (half + 1) * T * B));
      split.run(false, false, false);
      got.push(...split.output());
    }
    assertClose('logits', got, expected, { atol: 1e-6, rtol: 1e-6 });
    split.resetState();
    split.inputIds().set(ids.subarray(T * B));
    split.run(false, false, false);
    assert.notDeepEqual(Array.from(split.output()), got.slice(T * B * 7), 'after resetState the second half starts from zeros');
  });

  for (const cell of ['lstm', 'gru'] as const) {
    const fixture = readSafetensors(readFileSync(new URL(`../fixtures/lm/${cell}.safetensors`, import.meta.url)));
    const config = JSON.parse(safetensorsMetadata(fixture).config) as {
      vocab: number;
      embed: number;
      hidden: number;
      layers: number;
      steps: number;
      batch: number;
      trainSteps: number;
      lr: number;
      clip: number;
    };
    const weights = (prefix: string): Record<string, { shape: number[]; data: Float32Array }> =>
      Object.fromEntries(
        Object.entries(fixture)
          .filter(([k]) => k.startsWith(prefix))
          .map(([k, v]) => [k.slice(prefix.length), v]),
      );

    for (const [label, make, skip] of [
      ['reference', async () => createReferenceBackend(), undefined],
      ['wasm', () => createWasmBackend({ threads: 2 }), undefined],
      ['blas (every product in BLAS)', () => everyProductInBlas(2), blasUnavailable()],
    ] as [string, () => Promise<Backend>, string | undefined][]) {
      it(`${cell}: ${config.trainSteps} Adam steps with clipping match PyTorch on the ${label} backend`, { skip }, async () => {
        const backend = await make();
        const lm = new LanguageModelCore(
          { vocabSize: config.vocab, embeddingDim: config.embed, cell, hiddenSize: config.hidden, numLayers: config.layers, dropout: 0 },
          backend,
          new Random(0),
        );
        lm.loadStateDict(weights('init.'));
        const params = lm.parameters();
        const adam = new Adam(params, { lr: config.lr }, backend);
        const stream = fixture.stream.data;
        const { steps: T, batch: B } = config;
        const losses: number[] = [];
        const norms: number[] = [];
        lm.prepare(T, B);
        for (let step = 0; step < config.trainSteps; step++) {
          lm.inputIds().set(stream.subarray(step * T * B, (step + 1) * T * B));
          lm.targetIds().set(stream.subarray(step * T * B + B, (step + 1) * T * B + B));
          lm.zeroGrad();
          losses.push(lm.run(true, true, true));
          norms.push(clipGradNorm(params, config.clip, {}, backend));
          adam.step();
        }
        assertClose('losses', losses, fixture.losses.data, { atol: 1e-5, rtol: 1e-5 });
        assertClose('gradient norms', norms, fixture.norms.data, { atol: 1e-5, rtol: 1e-4 });
        const final = lm.stateDict();
        for (const [name, want] of Object.entries(weights('final.'))) {
          assertClose(name, final[name].data, want.data, { atol: 1e-5, rtol: 1e-4 });
        }
        backend.dispose();
      });
    }
  }
});
