import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drawFrom, resolveSampling, samplingDistribution } from '../../src/decode/sampling.js';
import { UsageError } from '../../src/errors.js';
import { Random } from '../../src/random.js';
import { assertClose } from '../helpers/allclose.js';

const logits = [Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)];
const dist = (options: Parameters<typeof resolveSampling>[0]): number[] => {
  const p = new Float64Array(4);
  samplingDistribution(logits, resolveSampling(options), p);
  return Array.from(p);
};

describe('sampling', () => {
  it('temperature 1 is the softmax; lower sharpens, higher flattens; 0 is greedy', () => {
    assertClose('T = 1', dist({}), [0.5, 0.3, 0.15, 0.05], { atol: 1e-12 });
    const sharp = dist({ temperature: 0.5 });
    assertClose(
      'T = 0.5',
      sharp,
      [0.25, 0.09, 0.0225, 0.0025].map((v) => v / 0.365),
      { atol: 1e-12 },
    );
    assert.ok(dist({ temperature: 2 })[3] > 0.05);
    assert.deepEqual(dist({ temperature: 0 }), [1, 0, 0, 0]);
  });

  it('top-k keeps the k most likely, top-p the smallest set reaching p, renormalised', () => {
    assertClose('top-2', dist({ topK: 2 }), [0.625, 0.375, 0, 0], { atol: 1e-12 });
    assertClose('top-p 0.7', dist({ topP: 0.7 }), [0.625, 0.375, 0, 0], { atol: 1e-12 });
    assertClose('top-p 0.8 reaches exactly', dist({ topP: 0.8 }), [0.625, 0.375, 0, 0], { atol: 1e-12 });
    assertClose(
      'top-p 0.81',
      dist({ topP: 0.81 }),
      [0.5, 0.3, 0.15, 0].map((v) => v / 0.95),
      { atol: 1e-12 },
    );
    assertClose(
      'top-k 3 with top-p 0.99',
      dist({ topK: 3, topP: 0.99 }),
      [0.5, 0.3, 0.15, 0].map((v) => v / 0.95),
      { atol: 1e-12 },
    );
    assertClose('top-p tiny keeps one', dist({ topP: 0.01 }), [1, 0, 0, 0], { atol: 1e-12 });
  });

  it('draws with the right frequencies and repeats with the seed', () => {
    const p = [0.5, 0.3, 0.15, 0.05];
    const counts = [0, 0, 0, 0];
    const r = new Random(1);
    for (let i = 0; i < 100_000; i++) counts[drawFrom(p, r)]++;
    counts.forEach((c, i) => assert.ok(Math.abs(c / 1e5 - p[i]) < 0.01, `token ${i}: ${c / 1e5}`));
    const a = Array.from(
      { length: 20 },
      (
        (r1) => () =>
          drawFrom(p, r1)
      )(new Random(9)),
    );
    const b = Array.from(
      { length: 20 },
      (
        (r2) => () =>
          drawFrom(p, r2)
      )(new Random(9)),
    );
    assert.deepEqual(a, b);
    assert.equal(drawFrom([0, 0, 1, 0], new Random(3)), 2);
  });

  it('rejects out-of-range options', () => {
    assert.throws(() => resolveSampling({ temperature: -1 }), UsageError);
    assert.throws(() => resolveSampling({ topK: 1.5 }), /topK must be an integer ≥ 0, got 1.5/);
    assert.throws(() => resolveSampling({ topP: 0 }), /topP must be in \(0, 1\], got 0/);
  });
});

describe('sampling with excluded ids', () => {
  it('gives excluded ids probability 0 and renormalises the rest, before top-k; greedy takes the best allowed id', () => {
    const p = new Float64Array(4);
    samplingDistribution(logits, resolveSampling({}, [0]), p);
    assertClose('exclude 0', Array.from(p), [0, 0.6, 0.3, 0.1], { atol: 1e-12 });
    samplingDistribution(logits, resolveSampling({ topK: 1 }, [0, 7]), p);
    assert.deepEqual(Array.from(p), [0, 1, 0, 0]);
    samplingDistribution(logits, resolveSampling({ temperature: 0 }, [0, 1]), p);
    assert.deepEqual(Array.from(p), [0, 0, 1, 0]);
    const random = new Random(4);
    samplingDistribution(logits, resolveSampling({ temperature: 5 }, [0, 2]), p);
    for (let i = 0; i < 200; i++) assert.ok([1, 3].includes(drawFrom(p, random)));
    assert.throws(
      () => samplingDistribution(logits, resolveSampling({}, [0, 1, 2, 3]), p),
      (e: Error) => e instanceof UsageError && /all 4 tokens are excluded/.test(e.message),
    );
  });
});
