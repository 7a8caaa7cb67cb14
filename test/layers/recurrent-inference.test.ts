// The forward-only (inference) pass: the same outputs and final states as the forward that
// keeps its buffers for backward — over several chunks of steps, both directions, ragged
// lengths, initial states, every cell, on every backend — and a backward after it is refused.
// The wasm and reference products give every element of C the same operations whatever the
// number of rows, so there the results are identical bit for bit; OpenBLAS's kernels round a
// few elements differently when a product has fewer rows (a chunk of steps instead of all T),
// so on the blas backend they agree to float32 rounding.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createBlasBackend } from '../../src/backend/blas/index.js';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { RnnkitError } from '../../src/errors.js';
import { GRU, LSTM, RNN, type RecurrentLayer } from '../../src/layers/recurrent/layers.js';
import { LanguageModelCore } from '../../src/models/language-model/core.js';
import { Random } from '../../src/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { assertClose, assertIdentical } from '../helpers/allclose.js';
import { blasUnavailable } from '../helpers/blas.js';
import { rng, uniform } from '../helpers/random.js';

const tensor = (shape: number[], seed: number): Tensor => ({
  shape,
  data: Float32Array.from(
    uniform(
      rng(seed),
      shape.reduce((a, b) => a * b, 1),
    ),
  ),
});

/** Sizes [T, B, D, H]. H = 128 and B = 16: an LSTM's 32 steps of gates fill one chunk, so T = 75 runs three. */
const SIZES = [75, 16, 24, 128] as const;
/** The reference backend's loops are slow: one chunk there (the chunk logic is the same code). */
const SMALL = [9, 4, 5, 16] as const;

/** Every cell and variant: the reset-before GRU, the peephole and the projected LSTM run other kernels per step. */
const CELLS = ['rnn', 'lstm', 'lstm with peepholes', 'lstm with a projection', 'gru', 'gru with the reset gate before'] as const;

/** The state size S of a layer made by {@link layer}: a projected LSTM carries P = H / 2. */
const stateSize = (cell: (typeof CELLS)[number], H: number): number => (cell === 'lstm with a projection' ? H / 2 : H);

function layer(cell: (typeof CELLS)[number], bidirectional: boolean, backend: Backend, D: number, H: number): RecurrentLayer {
  const options = { inputSize: D, hiddenSize: H, numLayers: 2, bidirectional, backend, seed: 3 };
  if (cell === 'rnn') return new RNN(options);
  if (cell === 'lstm with a projection') return new LSTM({ ...options, projSize: stateSize(cell, H) });
  if (cell.startsWith('lstm')) return new LSTM({ ...options, peepholes: cell === 'lstm with peepholes' });
  return new GRU({ ...options, resetAfter: cell === 'gru' });
}

const backends: [string, () => Promise<Backend>, string | undefined][] = [
  ['reference', async () => createReferenceBackend(), undefined],
  ['wasm', () => createWasmBackend({ threads: 2 }), undefined],
  ['blas', () => createBlasBackend({ threads: 2 }), blasUnavailable()],
];

for (const [label, make, skip] of backends) {
  describe(`forward-only pass on the ${label} backend`, { skip }, () => {
    const [T, B, D, H] = label === 'reference' ? SMALL : SIZES;
    const lengths = Array.from({ length: B }, (_, i) => (i % 3 === 0 ? T : 1 + ((i * 37) % T)));
    const same = (name: string, actual: Float32Array, expected: Float32Array): void => {
      if (label === 'blas') assertClose(name, actual, expected, { atol: 1e-6, rtol: 1e-5 });
      else assertIdentical(name, actual, expected);
    };
    let backend: Backend;
    before(async () => {
      backend = await make();
    });
    after(() => backend.dispose());

    for (const cell of CELLS) {
      for (const bidirectional of [false, true]) {
        for (const ragged of [false, true]) {
          it(
            `${cell}, ${bidirectional ? 'bidirectional' : 'one direction'}, ${ragged ? 'ragged lengths' : 'full batch'}, ` +
              'initial states: the same outputs and states as the training forward',
            async () => {
              const net = layer(cell, bidirectional, backend, D, H);
              const K = 2 * (bidirectional ? 2 : 1);
              const x = tensor([T, B, D], 1);
              const lstm = cell.startsWith('lstm');
              const options = {
                h0: tensor([K, B, stateSize(cell, H)], 2),
                ...(lstm ? { c0: tensor([K, B, H], 3) } : {}),
                ...(ragged ? { lengths } : {}),
              };
              const kept = await net.forward(x, options);
              const inferred = await net.forward(x, { ...options, inference: true });
              same('output', inferred.output.data, kept.output.data);
              same('h', inferred.h.data, kept.h.data);
              if (lstm) same('c', inferred.c!.data, kept.c!.data);
              await assert.rejects(
                net.backward({ output: kept.output }),
                (e: unknown) => e instanceof RnnkitError && /cannot follow a forward-only \(inference\) pass/.test(e.message),
              );
              // A longer input through the same layer (its buffers grow): nothing of the first run is read again.
              const x2 = tensor([T + 4, B, D], 4);
              const inferred2 = await net.forward(x2, { ...options, inference: true });
              const kept2 = await net.forward(x2, options);
              same('output of a second input', inferred2.output.data, kept2.output.data);
              // A training forward afterwards works as before.
              await net.forward(x, options);
              await net.backward({ output: kept.output });
            },
          );
        }
      }
    }

    // A vocabulary no larger than the batch's T·B tokens goes through the projected table, a larger one row by row.
    for (const [route, V] of [
      ['through the table', 8],
      ['row by row', T * B + 5],
    ] as const) {
      it(`a language model evaluates forward only (embeddings ${route}): the same logits and carried state as with backward`, () => {
        const make = (): LanguageModelCore<Float32Array> =>
          new LanguageModelCore(
            { vocabSize: V, embeddingDim: 16, cell: 'lstm', hiddenSize: H, numLayers: 2, dropout: 0 },
            backend,
            new Random(4),
          );
        const [a, b] = [make(), make()];
        for (let round = 0; round < 2; round++) {
          // the second round starts from the carried state, on more tokens
          const steps = T + 3 * round;
          const ids = Int32Array.from(uniform(rng(8 + round), steps * B, 0, V), Math.floor);
          for (const lm of [a, b]) {
            lm.prepare(steps, B);
            lm.inputIds().set(ids);
            lm.targetIds().set(ids);
          }
          const lossKept = a.run(false, true, true);
          const lossInferred = b.run(false, true, false);
          same(`logits, round ${round}`, b.output(), a.output());
          same(`loss, round ${round}`, Float32Array.of(lossInferred), Float32Array.of(lossKept));
          same(`carried h, round ${round}`, b.carriedState().h.data, a.carriedState().h.data);
          same(`carried c, round ${round}`, b.carriedState().c.data, a.carriedState().c.data);
        }
      });
    }
  });
}
