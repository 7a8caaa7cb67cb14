// Pooling over real steps: float64 finite differences, and padding never matters.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShapeError } from '../../src/errors.js';
import { poolBackward, poolForward } from '../../src/layers/pooling.js';
import { Random } from '../../src/random.js';
import { gradcheck } from '../helpers/gradcheck.js';

describe('sequence pooling', () => {
  const [T, B, F] = [5, 3, 4];
  const lengths = [5, 2, 4];
  for (const kind of ['mean', 'max'] as const) {
    it(`${kind}: gradients match finite differences (float64), padding gets none`, () => {
      const random = new Random(kind === 'mean' ? 1 : 2);
      const x = Float64Array.from({ length: T * B * F }, () => random.normal());
      const weights = Float64Array.from({ length: B * F }, () => random.normal());
      const loss = (): number => {
        const out = new Float64Array(B * F);
        poolForward(kind, T, B, F, x, lengths, out);
        return out.reduce((s, v, i) => s + v * weights[i], 0);
      };
      const dx = new Float64Array(T * B * F);
      poolBackward(kind, T, B, F, x, lengths, weights, dx);
      const padding = (i: number): boolean => Math.floor(i / F / B) >= lengths[Math.floor(i / F) % B];
      gradcheck([{ name: `x (${kind})`, values: x, grad: dx }], loss);
      for (let i = 0; i < dx.length; i++) if (padding(i)) assert.equal(dx[i], 0, `padding element ${i}`);
      // Changing padding changes nothing.
      const before = loss();
      for (let i = 0; i < x.length; i++) if (padding(i)) x[i] = 1e6;
      assert.equal(loss(), before);
    });
  }

  it('rejects lengths that do not fit', () => {
    const x = new Float64Array(T * B * F);
    assert.throws(() => poolForward('mean', T, B, F, x, [5, 0, 1], new Float64Array(B * F)), ShapeError);
    assert.throws(
      () => poolForward('max', T, B, F, x, [6, 1, 1], new Float64Array(B * F)),
      /lengths\[0\] must be an integer in \[1, 5\], got 6/,
    );
    assert.throws(() => poolForward('max', T, B, F, x, [1, 1], new Float64Array(B * F)), /2 lengths for 3 sequences/);
  });
});
