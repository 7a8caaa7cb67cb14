import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../src/errors.js';
import { Random } from '../src/random.js';

describe('Random', () => {
  it('repeats a stream for a seed and differs between seeds', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const sa = Array.from({ length: 8 }, () => a.nextUint32());
    assert.deepEqual(
      Array.from({ length: 8 }, () => b.nextUint32()),
      sa,
    );
    assert.notDeepEqual(
      Array.from({ length: 8 }, () => c.nextUint32()),
      sa,
    );
  });

  it('draws uniform numbers in [0, 1) with the right mean and normal numbers with unit variance', () => {
    const r = new Random(7);
    const n = 200_000;
    let sum = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      sum += u;
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    assert.ok(min >= 0 && max < 1);
    assert.ok(Math.abs(sum / n - 0.5) < 0.005, `mean ${sum / n}`);
    let s2 = 0;
    let s1 = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s1 += z;
      s2 += z * z;
    }
    assert.ok(Math.abs(s1 / n) < 0.01, `normal mean ${s1 / n}`);
    assert.ok(Math.abs(s2 / n - 1) < 0.02, `normal variance ${s2 / n}`);
  });

  it('resumes exactly from a saved state', () => {
    const r = new Random(1);
    for (let i = 0; i < 10; i++) r.next();
    const state = r.getState();
    const expected = [r.next(), r.next(), r.next()];
    const other = new Random(999);
    other.setState(state);
    assert.deepEqual([other.next(), other.next(), other.next()], expected);
  });

  it('shuffles to a permutation and rejects bad seeds and states', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = new Random(3).shuffle([...items]);
    assert.notDeepEqual(shuffled, items);
    assert.deepEqual(
      [...shuffled].sort((x, y) => x - y),
      items,
    );
    assert.throws(() => new Random(0.5), UsageError);
    assert.throws(() => new Random(0).setState([0, 0, 0, 0]), /four integers, not all zero/);
  });
});
