import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShapeError, UsageError } from '../../src/errors.js';
import { splitValidation, TokenBatches } from '../../src/data/stream.js';
import { Random } from '../../src/random.js';

const range = (n: number, from = 0): Int32Array => Int32Array.from({ length: n }, (_, i) => from + i);

/** Batch i as the brief defines it, built by slicing the streams out explicitly. */
function naiveBatch(ids: Int32Array, B: number, T: number, i: number): { x: number[]; y: number[] } {
  const L = Math.floor((ids.length - 1) / B);
  const streams = Array.from({ length: B }, (_, b) => [...ids.slice(b * L, b * L + L + 1)]);
  const x: number[] = [];
  const y: number[] = [];
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      x.push(streams[b][i * T + t]);
      y.push(streams[b][i * T + t + 1]);
    }
  }
  return { x, y };
}

function fillBatch(batches: TokenBatches, i: number): { x: number[]; y: number[] } {
  const x = new Int32Array(batches.steps * batches.batch).fill(-1);
  const y = new Int32Array(batches.steps * batches.batch).fill(-1);
  batches.fill(i, x, y);
  return { x: [...x], y: [...y] };
}

describe('TokenBatches', () => {
  it('cuts ids 0 … 20 into B = 2 streams of T = 3 steps as computed by hand', () => {
    // L = ⌊20 / 2⌋ = 10: stream 0 is ids 0…10, stream 1 is ids 10…20; ⌊10 / 3⌋ = 3 batches.
    const batches = new TokenBatches(range(21), 2, 3);
    assert.equal(batches.batch, 2);
    assert.equal(batches.steps, 3);
    assert.equal(batches.streamLength, 10);
    assert.equal(batches.batchesPerEpoch, 3);
    assert.equal(batches.batchSize, 6);
    // Time-major [T, B]: x[t·B + b].
    assert.deepEqual(fillBatch(batches, 0), { x: [0, 10, 1, 11, 2, 12], y: [1, 11, 2, 12, 3, 13] });
    assert.deepEqual(fillBatch(batches, 1), { x: [3, 13, 4, 14, 5, 15], y: [4, 14, 5, 15, 6, 16] });
    assert.deepEqual(fillBatch(batches, 2), { x: [6, 16, 7, 17, 8, 18], y: [7, 17, 8, 18, 9, 19] });
  });

  it('runs its TSDoc example', () => {
    const batches = new TokenBatches(
      Int32Array.from({ length: 21 }, (_, i) => i),
      2,
      3,
    );
    const x = new Int32Array(6);
    const y = new Int32Array(6);
    batches.fill(1, x, y);
    assert.deepEqual([...x], [3, 13, 4, 14, 5, 15]);
    assert.deepEqual([...y], [4, 14, 5, 15, 6, 16]);
  });

  it('matches the definition on random sizes, and each stream continues across batches', () => {
    const random = new Random(11);
    for (let trial = 0; trial < 40; trial++) {
      const B = 1 + random.int(6);
      const T = 1 + random.int(7);
      const n = B * T + 1 + random.int(60);
      const ids = Int32Array.from({ length: n }, () => random.int(1000));
      const batches = new TokenBatches(ids, B, T);
      const L = Math.floor((n - 1) / B);
      assert.equal(batches.batchesPerEpoch, Math.floor(L / T), `n ${n} B ${B} T ${T}`);
      let previous: { x: number[]; y: number[] } | undefined;
      for (let i = 0; i < batches.batchesPerEpoch; i++) {
        const got = fillBatch(batches, i);
        assert.deepEqual(got, naiveBatch(ids, B, T, i), `batch ${i} of n ${n} B ${B} T ${T}`);
        // Targets are the inputs shifted by one step; the last target of batch i is the first input of batch i + 1.
        for (let k = 0; k + B < B * T; k++) assert.equal(got.y[k], got.x[k + B]);
        if (previous) for (let b = 0; b < B; b++) assert.equal(got.x[b], previous.y[(T - 1) * B + b]);
        previous = got;
      }
    }
  });

  it('needs B·T + 1 ids for one batch, and says so with the sizes', () => {
    assert.equal(new TokenBatches(range(7), 2, 3).batchesPerEpoch, 1);
    assert.equal(new TokenBatches(range(2), 1, 1).batchesPerEpoch, 1);
    assert.throws(
      () => new TokenBatches(range(6), 2, 3),
      (e: unknown) =>
        e instanceof UsageError && /6 ids are too few for batch 2 × steps 3: one batch needs batch·steps \+ 1 = 7 ids/.test(e.message),
    );
    assert.throws(() => new TokenBatches(new Int32Array(0), 1, 1), /0 ids are too few/);
  });

  it('rejects batch and steps that are not positive integers, and ids that are not an Int32Array', () => {
    for (const bad of [0, -2, 1.5, NaN, Infinity]) {
      assert.throws(() => new TokenBatches(range(100), bad, 3), new RegExp(`batch must be a positive integer, got ${String(bad)}`));
      assert.throws(() => new TokenBatches(range(100), 2, bad), new RegExp(`steps must be a positive integer, got ${String(bad)}`));
    }
    assert.throws(() => new TokenBatches([1, 2, 3] as unknown as Int32Array, 1, 1), /ids must be an Int32Array, got Array/);
    assert.throws(() => new TokenBatches(new Float32Array(10) as unknown as Int32Array, 1, 1), /got Float32Array/);
  });

  it('rejects a batch index out of range and arrays of the wrong size', () => {
    const batches = new TokenBatches(range(21), 2, 3);
    const ok = new Int32Array(6);
    for (const i of [-1, 3, 1.5, NaN]) {
      assert.throws(
        () => batches.fill(i, ok, new Int32Array(6)),
        (e: unknown) =>
          e instanceof UsageError && new RegExp(`batch index must be an integer in \\[0, 3\\), got ${String(i)}`).test(e.message),
      );
    }
    assert.throws(
      () => batches.fill(0, new Int32Array(5), ok),
      (e: unknown) => e instanceof ShapeError && /inputs must be an Int32Array of steps·batch = 3·2 = 6 ids, got 5 ids/.test(e.message),
    );
    assert.throws(() => batches.fill(0, ok, new Int32Array(7)), /targets must be .* got 7 ids/);
    assert.throws(() => batches.fill(0, ok, new Float32Array(6) as unknown as Int32Array), /targets must be .* got Float32Array/);
  });
});

describe('splitValidation', () => {
  it('keeps the last ⌊n·fraction⌋ ids for validation, as views of the ids', () => {
    const ids = range(100, 500);
    const { train, validation } = splitValidation(ids, 0.1);
    assert.equal(train.length, 90);
    assert.equal(validation.length, 10);
    assert.deepEqual([...train, ...validation], [...ids]);
    assert.equal(validation[0], 590);
    assert.equal(train.buffer, ids.buffer);
    assert.equal(splitValidation(ids, 0.155).validation.length, 15); // ⌊15.5⌋
    assert.equal(splitValidation(ids, 0.98).validation.length, 98);
  });

  it('gives no validation for fraction 0, and at least minValidation ids (default 2) for any fraction > 0', () => {
    const ids = range(100);
    const none = splitValidation(ids, 0);
    assert.equal(none.train.length, 100);
    assert.equal(none.validation.length, 0);
    assert.equal(splitValidation(ids, 0.001).validation.length, 2);
    assert.equal(splitValidation(ids, 0.001, { minValidation: 5 }).validation.length, 5);
    assert.equal(splitValidation(ids, 0.2, { minValidation: 5 }).validation.length, 20);
  });

  it('rejects a fraction outside [0, 1), a bad minValidation, and a split that leaves fewer than 2 training ids', () => {
    const ids = range(100);
    for (const fraction of [1, -0.1, 1.5, NaN]) {
      assert.throws(
        () => splitValidation(ids, fraction),
        (e: unknown) =>
          e instanceof UsageError && new RegExp(`fraction must be a number in \\[0, 1\\), got ${String(fraction)}`).test(e.message),
      );
    }
    for (const minValidation of [0, 1.5, -1]) {
      assert.throws(() => splitValidation(ids, 0.1, { minValidation }), /minValidation must be a positive integer/);
    }
    assert.throws(
      () => splitValidation(range(3), 0.5),
      /3 ids with fraction 0\.5 leave 1 for training after 2 for validation; training needs at least 2/,
    );
    assert.throws(() => splitValidation(range(1), 0), /leave 1 for training/);
    assert.throws(() => splitValidation([1, 2, 3] as unknown as Int32Array, 0.1), /ids must be an Int32Array, got Array/);
  });
});
