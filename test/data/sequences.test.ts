import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IndexBatches, padSequences } from '../../src/data/sequences.js';
import { ShapeError, UsageError } from '../../src/errors.js';
import { Random } from '../../src/random.js';

describe('padSequences', () => {
  it('pads time-major with zeros past each end and lists the lengths', () => {
    const { x, lengths } = padSequences(
      [
        { steps: 2, data: Float32Array.of(1, 2, 3, 4) },
        { steps: 1, data: Float32Array.of(5, 6) },
      ],
      2,
    );
    assert.deepEqual(x.shape, [2, 2, 2]);
    assert.deepEqual([...x.data], [1, 2, 5, 6, 3, 4, 0, 0]);
    assert.deepEqual(lengths, [2, 1]);
    assert.throws(() => padSequences([{ steps: 2, data: new Float32Array(3) }], 2), ShapeError);
    assert.throws(() => padSequences([], 2), /no sequence/);
  });
});

describe('IndexBatches', () => {
  it('visits every item once per epoch, in an order fixed by the generator', () => {
    const a = new IndexBatches(10, 3, new Random(1));
    const b = new IndexBatches(10, 3, new Random(1));
    a.startEpoch();
    b.startEpoch();
    assert.equal(a.batchesPerEpoch, 4);
    const all = [0, 1, 2, 3].flatMap((i) => a.batch(i));
    assert.deepEqual(
      [...all].sort((x, y) => x - y),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.deepEqual(
      all,
      [0, 1, 2, 3].flatMap((i) => b.batch(i)),
    );
  });

  it('with lengths, groups items of similar length and still covers them all', () => {
    const random = new Random(3);
    const lengths = Array.from({ length: 64 }, () => 1 + random.int(100));
    const batches = new IndexBatches(64, 8, new Random(2), lengths);
    batches.startEpoch();
    const spans = Array.from({ length: 8 }, (_, i) => batches.batch(i).map((j) => lengths[j]));
    // Batches are runs of the sorted lengths: ordered by their shortest, they concatenate to the sorted list.
    const runs = spans.map((span) => [...span].sort((x, y) => x - y)).sort((p, q) => p[0] - q[0] || p.at(-1)! - q.at(-1)!);
    assert.deepEqual(
      runs.flat(),
      [...lengths].sort((x, y) => x - y),
    );
    assert.equal(new Set(Array.from({ length: 8 }, (_, i) => batches.batch(i)).flat()).size, 64);
    assert.throws(() => new IndexBatches(3, 1, random, [1, 2]), ShapeError);
    assert.throws(() => new IndexBatches(3, 0, random), UsageError);
  });
});
