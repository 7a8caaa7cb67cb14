import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShapeError } from '../../src/errors.js';
import { editDistance, errorRate } from '../../src/training/metrics.js';

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
