import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { assertClose } from '../helpers/allclose.js';
import { describeConformance } from '../helpers/conformance.js';

// The reference kernels are the specification: check them on values worked out by hand.
describe('reference kernels by hand', () => {
  const b = createReferenceBackend(Float64Array);

  it('gemm multiplies, transposes, scales and accumulates', () => {
    // A = [[1, 2], [3, 4]], B = [[5, 6], [7, 8]]: AB = [[19, 22], [43, 50]], AᵀB = [[26, 30], [38, 44]],
    // ABᵀ = [[17, 23], [39, 53]], AᵀBᵀ = [[23, 31], [34, 46]].
    const a = Float64Array.of(1, 2, 3, 4);
    const m = Float64Array.of(5, 6, 7, 8);
    const cases: [boolean, boolean, number[]][] = [
      [false, false, [19, 22, 43, 50]],
      [true, false, [26, 30, 38, 44]],
      [false, true, [17, 23, 39, 53]],
      [true, true, [23, 31, 34, 46]],
    ];
    for (const [ta, tb, want] of cases) {
      const c = Float64Array.of(1, 1, 1, 1);
      b.gemm(ta, tb, 2, 2, 2, 2, a, 2, m, 2, 10, c, 2);
      assert.deepEqual(
        Array.from(c),
        want.map((v) => 2 * v + 10),
        `transA=${ta} transB=${tb}`,
      );
    }
  });

  it('gemm honours leading dimensions', () => {
    // A is the left 1×2 block of a 1×3 row; C writes the second row of a 2×1 column with ldc 1.
    const c = Float64Array.of(0, 0);
    b.gemm(false, false, 1, 1, 2, 1, Float64Array.of(2, 3, 99), 3, Float64Array.of(4, 99, 5), 2, 0, c.subarray(1), 1);
    assert.deepEqual(Array.from(c), [0, 2 * 4 + 3 * 5]);
  });

  it('activations and their derivatives', () => {
    const x = Float64Array.of(-1, 0, 2);
    const y = new Float64Array(3);
    b.activate('sigmoid', 3, x, y);
    assertClose('sigmoid', y, [1 / (1 + Math.E), 0.5, 1 / (1 + Math.exp(-2))], { atol: 1e-15 });
    const dx = new Float64Array(3);
    b.activateBackward('sigmoid', 3, y, Float64Array.of(1, 1, 1), dx);
    assertClose(
      "sigmoid'",
      dx,
      Array.from(y, (v) => v * (1 - v)),
      { atol: 1e-15 },
    );
    b.activate('tanh', 3, x, y);
    assertClose('tanh', y, [Math.tanh(-1), 0, Math.tanh(2)], { atol: 1e-15 });
    b.activate('relu', 3, x, y);
    assert.deepEqual(Array.from(y), [0, 0, 2]);
    b.activateBackward('relu', 3, y, Float64Array.of(5, 5, 5), dx);
    assert.deepEqual(Array.from(dx), [0, 0, 5]);
  });

  it('softmax cross-entropy of [0, ln 3] against each class', () => {
    const probs = new Float64Array(4);
    const losses = new Float64Array(2);
    b.softmaxCrossEntropy(2, 2, Float64Array.of(0, Math.log(3), 0, Math.log(3)), Int32Array.of(0, 1), -1, probs, losses);
    assertClose('probs', probs, [0.25, 0.75, 0.25, 0.75], { atol: 1e-15 });
    assertClose('losses', losses, [Math.log(4), Math.log(4 / 3)], { atol: 1e-15 });
    const grad = new Float64Array(4);
    b.softmaxCrossEntropyBackward(2, 2, probs, Int32Array.of(0, -1), -1, 2, grad);
    assertClose('dlogits', grad, [2 * (0.25 - 1), 2 * 0.75, 0, 0], { atol: 1e-15 });
  });

  it('bias, column sums and vector kernels', () => {
    const c = Float64Array.of(1, 2, 3, 4);
    b.addBias(2, 2, Float64Array.of(10, 20), c, 2);
    assert.deepEqual(Array.from(c), [11, 22, 13, 24]);
    const out = Float64Array.of(1, 1);
    b.columnSums(2, 2, c, 2, 1, out);
    assert.deepEqual(Array.from(out), [25, 47]);
    b.axpy(2, 2, Float64Array.of(1, 2), out);
    b.scale(2, 0.5, out);
    assert.deepEqual(Array.from(out), [13.5, 25.5]);
  });
});

describeConformance('reference float32', async () => createReferenceBackend());
