// Finite-difference gradient checks of the recurrent engine in float64 on the reference
// backend: every cell and variant (GRU with the reset gate before the product, peephole LSTM,
// projected LSTM),
// stacked and bidirectional, ragged lengths, initial states, dropout.
import { describe, it } from 'node:test';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { layoutBatch } from '../../src/layers/recurrent/batch.js';
import { type CellKind, type CellVariantOptions, resolveOptions } from '../../src/layers/recurrent/options.js';
import { RecurrentStack, recurrentParameterSpecs } from '../../src/layers/recurrent/stack.js';
import { ParameterSet } from '../../src/layers/parameters.js';
import { Random } from '../../src/random.js';
import { type Checked, gradcheck, weightedSum } from '../helpers/gradcheck.js';
import { rng, uniform } from '../helpers/random.js';

const ref64 = createReferenceBackend(Float64Array);

interface Case extends CellVariantOptions {
  cell: CellKind;
  nonlinearity?: 'tanh' | 'relu';
  numLayers: number;
  bidirectional: boolean;
  lengths?: number[];
  initialStates: boolean;
  dropout?: number;
  projSize?: number;
}

function check(c: Case): void {
  const [T, B, D, H] = [4, 3, 3, 5];
  const options = resolveOptions(
    c.cell,
    {
      inputSize: D,
      hiddenSize: H,
      numLayers: c.numLayers,
      bidirectional: c.bidirectional,
      dropout: c.dropout ?? 0,
      ...(c.nonlinearity ? { nonlinearity: c.nonlinearity } : {}),
      ...(c.resetAfter !== undefined ? { resetAfter: c.resetAfter } : {}),
      ...(c.peepholes !== undefined ? { peepholes: c.peepholes } : {}),
      ...(c.projSize !== undefined ? { projSize: c.projSize } : {}),
    },
    'test',
  );
  const S = c.projSize ?? H;
  const params = new ParameterSet<Float64Array>(recurrentParameterSpecs(options), new Random(7));
  const dropoutRandom = new Random(11);
  const stack = new RecurrentStack(options, ref64, params, dropoutRandom);
  const layout = layoutBatch(T, B, c.lengths, 'test');
  const random = rng(3);
  const K = c.numLayers * (c.bidirectional ? 2 : 1);
  const width = (c.bidirectional ? 2 : 1) * S;
  const x = Float64Array.from(uniform(random, T * B * D));
  const h0 = Float64Array.from(uniform(random, K * B * S));
  const c0 = Float64Array.from(uniform(random, K * B * H));
  const wOut = uniform(random, T * B * width);
  const wH = uniform(random, K * B * S);
  const wC = uniform(random, K * B * H);
  const lstm = c.cell === 'lstm';
  const seed = dropoutRandom.getState();

  const run = (): number => {
    dropoutRandom.setState(seed); // the same dropout masks at every evaluation
    stack.prepare(layout);
    stack.input().set(x);
    stack.forward(c.initialStates ? h0 : undefined, c.initialStates && lstm ? c0 : undefined, true);
    let loss = weightedSum(stack.output(), wOut) + weightedSum(stack.finalH(), wH);
    if (lstm) loss += weightedSum(stack.finalC(), wC);
    return loss;
  };

  run();
  params.zeroGrad();
  stack.outputGrad().set(wOut);
  stack.backward(Float64Array.from(wH), lstm ? Float64Array.from(wC) : undefined);
  const tensors: Checked[] = params.list().map((p) => ({ name: p.name, values: p.value, grad: Float64Array.from(p.grad) }));
  // Padded input steps do not reach the loss; their gradient must be zero (checked numerically too).
  tensors.push({ name: 'x', values: x, grad: Float64Array.from(stack.inputGrad()) });
  if (c.initialStates) {
    tensors.push({ name: 'h0', values: h0, grad: Float64Array.from(stack.h0Grad()) });
    if (lstm) tensors.push({ name: 'c0', values: c0, grad: Float64Array.from(stack.c0Grad()) });
  }
  gradcheck(tensors, run);
}

describe('recurrent gradients match finite differences (float64)', () => {
  const cells: [string, Omit<Case, 'numLayers' | 'bidirectional' | 'initialStates'>][] = [
    ['rnn/tanh', { cell: 'rnn', nonlinearity: 'tanh' }],
    ['rnn/relu', { cell: 'rnn', nonlinearity: 'relu' }],
    ['lstm', { cell: 'lstm' }],
    ['lstm with peepholes', { cell: 'lstm', peepholes: true }],
    ['lstm with a projection', { cell: 'lstm', projSize: 2 }],
    ['lstm with a projection and peepholes', { cell: 'lstm', projSize: 3, peepholes: true }],
    ['gru', { cell: 'gru' }],
    ['gru, reset gate before the product', { cell: 'gru', resetAfter: false }],
  ];
  for (const [name, base] of cells) {
    it(`${name}: one layer, full lengths, zero initial states`, () => {
      check({ ...base, numLayers: 1, bidirectional: false, initialStates: false });
    });
    it(`${name}: one layer, ragged lengths, initial states`, () => {
      check({ ...base, numLayers: 1, bidirectional: false, lengths: [2, 4, 1], initialStates: true });
    });
    it(`${name}: bidirectional, ragged lengths, initial states`, () => {
      check({ ...base, numLayers: 1, bidirectional: true, lengths: [3, 1, 4], initialStates: true });
    });
    it(`${name}: two stacked bidirectional layers, ragged, initial states`, () => {
      check({ ...base, numLayers: 2, bidirectional: true, lengths: [4, 2, 3], initialStates: true });
    });
    it(`${name}: three stacked layers with dropout between them`, () => {
      check({ ...base, numLayers: 3, bidirectional: false, lengths: [4, 4, 2], initialStates: true, dropout: 0.4 });
    });
  }
});
