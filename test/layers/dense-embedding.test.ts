// Dense, Embedding and Dropout: float64 gradient checks of the kernels' composition,
// and the public layers' shapes, initialisation and errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { ShapeError, UsageError } from '../../src/errors.js';
import { Dense, denseBackward, denseForward } from '../../src/layers/dense.js';
import { Dropout } from '../../src/layers/dropout.js';
import { Embedding, embeddingBackward, embeddingForward } from '../../src/layers/embedding.js';
import { ParameterSet } from '../../src/layers/parameters.js';
import { Random } from '../../src/random.js';
import { assertClose } from '../helpers/allclose.js';
import { gradcheck, weightedSum } from '../helpers/gradcheck.js';
import { rng, uniform } from '../helpers/random.js';

const ref64 = createReferenceBackend(Float64Array);

describe('Dense', () => {
  it('gradients match finite differences (float64), with and without bias', () => {
    for (const bias of [true, false]) {
      const [R, I, O] = [5, 4, 3];
      const params = new ParameterSet<Float64Array>(
        [
          { name: 'weight', shape: [O, I], init: { uniform: 0.5 } },
          ...(bias ? [{ name: 'bias', shape: [O], init: { uniform: 0.5 } as const }] : []),
        ],
        new Random(1),
      );
      params.bind(ref64);
      const random = rng(2);
      const x = Float64Array.from(uniform(random, R * I));
      const w = uniform(random, R * O);
      const y = new Float64Array(R * O);
      const run = (): number => {
        denseForward(ref64, R, I, O, x, params.get('weight').value, bias ? params.get('bias').value : undefined, y);
        return weightedSum(y, w);
      };
      run();
      const dx = new Float64Array(R * I);
      denseBackward(ref64, R, I, O, x, params.get('weight'), bias ? params.get('bias') : undefined, Float64Array.from(w), dx);
      gradcheck(
        [
          ...params.list().map((p) => ({ name: p.name, values: p.value, grad: Float64Array.from(p.grad) })),
          { name: 'x', values: x, grad: dx },
        ],
        run,
      );
    }
  });

  it('applies at every step of a [T, B, I] input and accumulates gradients', async () => {
    const dense = new Dense({ inFeatures: 3, outFeatures: 2, seed: 1, backend: createReferenceBackend() });
    const { weight, bias } = dense.stateDict();
    const x = { shape: [2, 2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) };
    const y = await dense.forward(x);
    assert.deepEqual(y.shape, [2, 2, 2]);
    for (let r = 0; r < 4; r++) {
      for (let o = 0; o < 2; o++) {
        let want = bias.data[o];
        for (let i = 0; i < 3; i++) want += weight.data[o * 3 + i] * x.data[r * 3 + i];
        assertClose(`y[${r}, ${o}]`, [y.data[r * 2 + o]], [want]);
      }
    }
    const ones = { shape: [2, 2, 2], data: new Float32Array(8).fill(1) };
    await dense.backward(ones);
    await dense.backward(ones);
    assertClose('bias grad accumulates', dense.gradients().bias.data, [8, 8]);
    dense.zeroGrad();
    assertClose('zeroGrad', dense.gradients().bias.data, [0, 0]);
  });

  it('initialises U(-1/sqrt(in), 1/sqrt(in)) and checks its inputs', async () => {
    const dense = new Dense({ inFeatures: 100, outFeatures: 50, seed: 3 });
    const w = dense.stateDict().weight.data;
    const bound = 0.1;
    assert.ok(w.every((v) => Math.abs(v) <= bound));
    assert.ok(Math.max(...w) > 0.09 && Math.min(...w) < -0.09, 'spans the interval');
    assert.throws(() => new Dense({ inFeatures: 0, outFeatures: 1 }), UsageError);
    const small = new Dense({ inFeatures: 3, outFeatures: 1, backend: createReferenceBackend() });
    await assert.rejects(
      small.forward({ shape: [2, 4], data: new Float32Array(8) }),
      /x.shape\[-1\] must be equal to inFeatures. Expected 3, got shape \[2, 4\]/,
    );
    await assert.rejects(small.backward({ shape: [2, 1], data: new Float32Array(2) }), /run forward\(\) first/);
    assert.throws(
      () => small.loadStateDict({ weight: { shape: [1, 2], data: new Float32Array(2) } }),
      (e: unknown) => e instanceof ShapeError && /missing bias/.test(e.message),
    );
  });
});

describe('Embedding', () => {
  it('gathers rows and scatters gradients, repeated ids accumulating, padding excluded', () => {
    const [num, dim] = [6, 3];
    const params = new ParameterSet<Float64Array>([{ name: 'weight', shape: [num, dim], init: { normal: 1 } }], new Random(4));
    params.bind(ref64);
    const ids = Int32Array.of(2, 5, 2, 0, 1);
    const w = uniform(rng(5), ids.length * dim);
    const out = new Float64Array(ids.length * dim);
    const run = (): number => {
      embeddingForward(ref64, ids.length, ids, params.get('weight').value, dim, out);
      return weightedSum(out, w);
    };
    run();
    embeddingBackward(ref64, ids.length, ids, Float64Array.from(w), dim, params.get('weight').grad, undefined);
    gradcheck([{ name: 'weight', values: params.get('weight').value, grad: Float64Array.from(params.get('weight').grad) }], run);
    params.zeroGrad();
    embeddingBackward(ref64, ids.length, ids, Float64Array.from(w), dim, params.get('weight').grad, 2);
    assert.deepEqual(Array.from(params.get('weight').grad.subarray(6, 9)), [0, 0, 0], 'padding row gets no gradient');
  });

  it('looks up shaped ids, zeroes the padding row and validates ids', async () => {
    const emb = new Embedding({ numEmbeddings: 5, embeddingDim: 2, paddingIdx: 0, seed: 2, backend: createReferenceBackend() });
    const table = emb.stateDict().weight.data;
    assert.deepEqual(Array.from(table.subarray(0, 2)), [0, 0]);
    const y = await emb.forward([4, 0, 1, 4], [2, 2]);
    assert.deepEqual(y.shape, [2, 2, 2]);
    assert.deepEqual(Array.from(y.data.subarray(0, 2)), Array.from(table.subarray(8, 10)));
    await assert.rejects(emb.forward([5]), /index 0 is 5; token ids must be integers in \[0, 5\)/);
    await assert.rejects(emb.forward([1.5]), ShapeError);
    await assert.rejects(emb.forward([1, 2], [3]), /shape \[3\] holds 3 ids, got 2/);
    assert.throws(() => new Embedding({ numEmbeddings: 3, embeddingDim: 2, paddingIdx: 3 }), UsageError);
  });
});

describe('Dropout', () => {
  it('zeroes about p of the elements in training, scales survivors, and is the identity in eval', async () => {
    const drop = new Dropout({ p: 0.25, seed: 8 });
    const n = 20000;
    const x = { shape: [n], data: new Float32Array(n).fill(1) };
    const y = await drop.forward(x);
    const zeros = y.data.filter((v) => v === 0).length;
    assert.ok(Math.abs(zeros / n - 0.25) < 0.02, `zeroed ${zeros / n}`);
    assert.ok(y.data.every((v) => v === 0 || Math.abs(v - 4 / 3) < 1e-6));
    const dx = await drop.backward({ shape: [n], data: new Float32Array(n).fill(1) });
    assert.deepEqual(Array.from(dx.data), Array.from(y.data), 'backward applies the same mask');
    drop.eval();
    assert.deepEqual(Array.from((await drop.forward(x)).data), Array.from(x.data));
    assert.throws(() => new Dropout({ p: 1.5 }), /p must be in \[0, 1\]/);
  });
});
