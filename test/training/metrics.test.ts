import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShapeError } from '../../src/errors.js';
import { chunks, editDistance, entityF1, errorRate, tokenAccuracy } from '../../src/training/metrics.js';

describe('metrics', () => {
  it('editDistance counts insertions, deletions and substitutions', () => {
    assert.equal(editDistance([...'kitten'], [...'sitting']), 3);
    assert.equal(editDistance([], [1, 2]), 2);
    assert.equal(editDistance([1, 2, 3], [1, 2, 3]), 0);
    assert.equal(editDistance([1, 2, 3], [3, 2, 1]), 2);
  });

  it('errorRate is total edits over total reference length', () => {
    assert.equal(errorRate([[1, 2], [3]], [[1, 2, 4], [3]]), 1 / 4);
    assert.throws(() => errorRate([[1]], []), ShapeError);
    assert.throws(() => errorRate([[1]], [[]]), /references are empty/);
  });
});

describe('tagging metrics', () => {
  it('tokenAccuracy counts matching positions', () => {
    assert.equal(tokenAccuracy([[1, 2, 3], [4]], [[1, 0, 3], [4]]), 3 / 4);
    assert.throws(() => tokenAccuracy([[1]], [[1, 2]]), ShapeError);
  });

  it('chunks reads BIO as conlleval does (I- after O or another type opens a chunk)', () => {
    assert.deepEqual(chunks(['B-PER', 'I-PER', 'O', 'B-LOC', 'B-LOC', 'I-ORG', 'I-ORG']), [
      { type: 'PER', start: 0, end: 2 },
      { type: 'LOC', start: 3, end: 4 },
      { type: 'LOC', start: 4, end: 5 },
      { type: 'ORG', start: 5, end: 7 },
    ]);
    assert.deepEqual(chunks(['O', 'O']), []);
  });

  it('entityF1 matches whole chunks only', () => {
    // gold: PER[0,2) LOC[3,4); predicted: PER[0,1) (wrong span) LOC[3,4) ORG[4,5) (spurious)
    const r = entityF1([['B-PER', 'O', 'O', 'B-LOC', 'B-ORG']], [['B-PER', 'I-PER', 'O', 'B-LOC', 'O']]);
    assert.equal(r.precision, 1 / 3);
    assert.equal(r.recall, 1 / 2);
    assert.ok(Math.abs(r.f1 - 0.4) < 1e-12);
    assert.deepEqual(entityF1([['O']], [['O']]), { precision: 0, recall: 0, f1: 0 });
  });
});
