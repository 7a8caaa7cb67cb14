// Losses: float64 gradient checks, PyTorch's reductions and ignore index, and errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { setBackend } from '../../src/backend/select.js';
import { ShapeError } from '../../src/errors.js';
import { crossEntropy, crossEntropyForwardBackward } from '../../src/losses/cross-entropy.js';
import { mse, mseForwardBackward } from '../../src/losses/mse.js';
import { assertClose } from '../helpers/allclose.js';
import { gradcheck } from '../helpers/gradcheck.js';
import { rng, uniform } from '../helpers/random.js';

const ref64 = createReferenceBackend(Float64Array);

describe('cross-entropy', () => {
  for (const reduction of ['mean', 'sum'] as const) {
    it(`gradient matches finite differences (float64, ${reduction}, with ignored rows)`, () => {
      const [R, C] = [6, 5];
      const logits = Float64Array.from(uniform(rng(1), R * C, -3, 3));
      const targets = Int32Array.of(0, 4, -100, 2, 2, -100);
      const buffers = { probs: new Float64Array(R * C), losses: new Float64Array(R) };
      const grad = new Float64Array(R * C);
      crossEntropyForwardBackward(ref64, R, C, logits, targets, -100, reduction, buffers, grad);
      gradcheck([{ name: 'logits', values: logits, grad }], () =>
        crossEntropyForwardBackward(ref64, R, C, logits, targets, -100, reduction, buffers, undefined),
      );
    });
  }

  it('matches hand-computed values, masks and reductions', async () => {
    await setBackend('reference');
    const logits = { shape: [3, 2], data: Float32Array.from([0, Math.log(3), 0, 0, 5, 5]) };
    // Rows: p(target) = 0.75, 0.5, 0.5 → losses log(4/3), log 2, log 2.
    const none = await crossEntropy(logits, [1, 0, 1], { reduction: 'none' });
    assertClose('none', none.loss as Float32Array, [Math.log(4 / 3), Math.log(2), Math.log(2)]);
    const mean = await crossEntropy(logits, [1, 0, 1]);
    assertClose('mean', [mean.loss as number], [(Math.log(4 / 3) + 2 * Math.log(2)) / 3]);
    const masked = await crossEntropy(logits, [1, 0, 1], { mask: [1, 0, 1] });
    assertClose('masked mean', [masked.loss as number], [(Math.log(4 / 3) + Math.log(2)) / 2]);
    assertClose('masked row has no gradient', masked.grad.data.subarray(2, 4), [0, 0]);
    const sum = await crossEntropy(logits, [1, -100, 1], { reduction: 'sum' });
    assertClose('sum with ignore index', [sum.loss as number], [Math.log(4 / 3) + Math.log(2)]);
    assert.ok(Number.isNaN((await crossEntropy(logits, [-100, -100, -100])).loss), 'mean over no rows is NaN');
    await assert.rejects(crossEntropy(logits, [1, 2, 0]), /target 1 is 2; expected an integer in \[0, 2\) or -100/);
    await assert.rejects(crossEntropy(logits, [1, 0]), ShapeError);
    await assert.rejects(crossEntropy(logits, [1, 0, 1], { reduction: 'avg' as 'mean' }), /reduction must be/);
  });
});

describe('mse', () => {
  for (const reduction of ['mean', 'sum'] as const) {
    it(`gradient matches finite differences (float64, ${reduction})`, () => {
      const n = 7;
      const random = rng(3);
      const p = Float64Array.from(uniform(random, n));
      const t = Float64Array.from(uniform(random, n));
      const grad = new Float64Array(n);
      mseForwardBackward(ref64, n, p, t, reduction, grad);
      const scratch = new Float64Array(n);
      gradcheck([{ name: 'prediction', values: p, grad }], () => mseForwardBackward(ref64, n, p, t, reduction, scratch));
    });
  }

  it('matches hand-computed values and rejects mismatched shapes', async () => {
    await setBackend('reference');
    const p = { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) };
    const t = { shape: [2, 2], data: Float32Array.from([1, 0, 3, 2]) };
    const r = await mse(p, t);
    assertClose('mean', [r.loss as number], [2]);
    assertClose('grad', r.grad.data, [0, 1, 0, 1]);
    assertClose('sum', [(await mse(p, t, { reduction: 'sum' })).loss as number], [8]);
    assertClose('none', (await mse(p, t, { reduction: 'none' })).loss as Float32Array, [0, 4, 0, 4]);
    await assert.rejects(mse(p, { shape: [4], data: new Float32Array(4) }), /differ in shape/);
  });
});
