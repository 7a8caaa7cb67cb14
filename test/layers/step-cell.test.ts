// A cell run step by step equals the recurrent layer (checked against PyTorch elsewhere)
// run over the whole sequence: states, input gradients, h0 gradients and parameter
// gradients, for every cell kind and variant (GRU's reset gate before the product, peephole
// LSTM), on both backends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { ParameterSet } from '../../src/layers/parameters.js';
import { layoutBatch } from '../../src/layers/recurrent/batch.js';
import { type CellKind, type CellVariantOptions, resolveOptions } from '../../src/layers/recurrent/options.js';
import { RecurrentStack, recurrentParameterSpecs } from '../../src/layers/recurrent/stack.js';
import { StepCell } from '../../src/layers/recurrent/step-cell.js';
import { Random } from '../../src/random.js';
import { assertClose } from '../helpers/allclose.js';

const backends: [string, () => Promise<Backend>][] = [
  ['reference', async () => createReferenceBackend()],
  ['wasm', async () => createWasmBackend({ threads: 2 })],
];

describe('StepCell', () => {
  for (const [backendName, make] of backends) {
    const kinds: [CellKind, CellVariantOptions, string][] = [
      ['lstm', {}, 'lstm'],
      ['lstm', { peepholes: true }, 'peephole lstm'],
      ['gru', {}, 'gru'],
      ['gru', { resetAfter: false }, 'reset-before gru'],
      ['rnn', {}, 'rnn'],
    ];
    for (const [cell, variant, label] of kinds) {
      it(`${label} on ${backendName}: equals the recurrent layer forward and backward`, async () => {
        const backend = await make();
        const [T, B, D, H] = [4, 3, 5, 6];
        const random = new Random(11);
        const options = resolveOptions(cell, { inputSize: D, hiddenSize: H, ...variant }, 'test');
        const stepCell = new StepCell(cell, 'tanh', D, H, backend, new Random(1), options);
        const params = new ParameterSet(recurrentParameterSpecs(options), new Random(2));
        const layer = new RecurrentStack(options, backend, params, new Random(3));
        // Same weights in both.
        const names = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh', ...(variant.peepholes ? ['weight_peephole'] : [])];
        assert.deepEqual(
          stepCell.params.list().map((p) => p.name),
          names,
        );
        for (const name of names) params.get(`${name}_l0`).value.set(stepCell.params.get(name).value);
        const x = Float32Array.from({ length: T * B * D }, () => random.normal());
        const h0 = Float32Array.from({ length: B * H }, () => random.normal());
        const dy = Float32Array.from({ length: T * B * H }, () => random.normal());
        const heapH0 = backend.alloc(B * H);
        heapH0.set(h0);

        layer.prepare(layoutBatch(T, B, undefined, 'test'));
        layer.input().set(x);
        layer.forward(heapH0, undefined, false);
        layer.outputGrad().set(dy);
        layer.backward(undefined, undefined);

        stepCell.begin(T, B, heapH0, undefined);
        const states: number[] = [];
        for (let t = 0; t < T; t++) {
          stepCell.nextInput().set(x.subarray(t * B * D, (t + 1) * B * D));
          states.push(...stepCell.step());
        }
        assertClose('states', states, layer.output(), { atol: 1e-6, rtol: 1e-5 });
        stepCell.beginBackward();
        const dx = backend.alloc(B * D);
        const dxs: number[][] = [];
        for (let t = T - 1; t >= 0; t--) {
          const dh = stepCell.stateGrad();
          for (let i = 0; i < B * H; i++) dh[i] += dy[t * B * H + i];
          stepCell.stepBack(dx);
          dxs.unshift([...dx]);
        }
        stepCell.endBackward();
        assertClose('dx', dxs.flat(), layer.inputGrad(), { atol: 1e-5, rtol: 1e-4 });
        assertClose('dh0', stepCell.stateGrad(), layer.h0Grad(), { atol: 1e-5, rtol: 1e-4 });
        for (const name of names) {
          assertClose(name, stepCell.params.get(name).grad, params.get(`${name}_l0`).grad, { atol: 1e-5, rtol: 1e-4 });
        }
        assert.throws(() => stepCell.stepBack(dx), /no step left/);
      });
    }
  }
});
