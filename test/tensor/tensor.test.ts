import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NonFiniteError, ShapeError } from '../../src/errors.js';
import { assertFinite, assertShape, assertTensor, formatShape, sizeOf, tensor } from '../../src/tensor/tensor.js';

describe('tensor', () => {
  it('creates zero-filled or copied tensors of a shape', () => {
    const z = tensor([2, 3]);
    assert.deepEqual(z.shape, [2, 3]);
    assert.equal(z.data.length, 6);
    assert.ok(z.data.every((v) => v === 0));
    const values = [1, 2, 3, 4];
    const t = tensor([2, 2], values);
    values[0] = 9;
    assert.deepEqual(Array.from(t.data), [1, 2, 3, 4], 'values are copied');
    assert.equal(sizeOf([]), 1);
    assert.equal(formatShape([3, 1, 2]), '[3, 1, 2]');
  });

  it('rejects bad shapes and value counts with the numbers in the message', () => {
    assert.throws(() => tensor([2, -1]), /shape \[2, -1\] must hold non-negative integers/);
    assert.throws(() => tensor([2, 1.5]), ShapeError);
    assert.throws(() => tensor([2, 2], [1, 2, 3]), /shape \[2, 2\] needs 4 values, got 3/);
  });

  it('assertTensor names the argument and the problem', () => {
    assert.throws(() => assertTensor(null, 'x'), /x: expected a tensor \{ shape, data \}, got null/);
    assert.throws(() => assertTensor({ shape: [2], data: [1, 2] }, 'x'), /x: data must be a Float32Array, got Array/);
    assert.throws(() => assertTensor({ shape: [2, 'a'], data: new Float32Array(2) }, 'h0'), /h0: shape must be an array/);
    assert.throws(
      () => assertTensor({ shape: [2, 2], data: new Float32Array(3) }, 'x'),
      /x: shape \[2, 2\] holds 4 elements but data has 3/,
    );
    assert.doesNotThrow(() => assertTensor({ shape: [2, 2], data: new Float32Array(4) }, 'x'));
  });

  it('assertShape compares against a pattern with wildcards', () => {
    const t = tensor([3, 7, 4]);
    assert.doesNotThrow(() => assertShape(t, [null, 7, 4], 'input'));
    assert.throws(() => assertShape(t, [null, 7, 5], 'input'), /input: expected shape \[\*, 7, 5\], got \[3, 7, 4\]/);
    assert.throws(() => assertShape(t, [3, 7], 'input'), /expected shape \[3, 7\], got \[3, 7, 4\]/);
  });

  it('assertFinite points at the first NaN or infinity', () => {
    assert.doesNotThrow(() => assertFinite(Float32Array.of(1, -2, 0), 'x'));
    assert.throws(
      () => assertFinite(Float32Array.of(1, NaN, Infinity), 'x'),
      (e: unknown) => e instanceof NonFiniteError && /x: element 1 is NaN/.test(e.message),
    );
    assert.throws(() => assertFinite([0, -Infinity], 'lr'), /lr: element 1 is -Infinity/);
  });
});
