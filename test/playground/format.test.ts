// How the page writes a probability as a percentage: two significant figures below 10 %.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { percentDigits } from '../../playground/src/format.js';

describe('percentDigits', () => {
  it('gives two significant figures below 10 % and none from there', () => {
    assert.equal(percentDigits(0.45), 0); // 45 %
    assert.equal(percentDigits(0.1), 0); // 10 %
    assert.equal(percentDigits(0.05), 1); // 5.0 %
    assert.equal(percentDigits(0.0099), 2); // 0.99 %
    assert.equal(percentDigits(0.0012), 2); // 0.12 %
    assert.equal(percentDigits(0.00098), 3); // 0.098 %
    assert.equal(percentDigits(0), 1);
  });
});
