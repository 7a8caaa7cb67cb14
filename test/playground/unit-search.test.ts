// The playground's unit search: which characters a pattern covers, and units ranked by
// their correlation with it, against values worked out by hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { patternIndicator, rankUnitsByCorrelation, unitsByVariation } from '../../playground/src/inside/unit-search.js';

describe('unit search', () => {
  it('marks the characters inside each match, tokens of two UTF-16 units included', () => {
    assert.deepEqual([...patternIndicator([...'say "hi" now'], '"[^"]*"')], [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0]);
    assert.deepEqual([...patternIndicator([...'a😀b😀'], '😀b')], [0, 1, 1, 0]);
    // An empty match (a word end) marks the character it stands at.
    assert.deepEqual([...patternIndicator([...'ab cd'], '\\b')], [1, 0, 1, 1, 0]);
    assert.throws(() => patternIndicator(['a'], '('), SyntaxError);
  });

  it('ranks units by |Pearson r| with the indicator', () => {
    const series = [0, 1, 0, 1];
    // Unit 0 rises steadily (r = 1/√5), unit 1 is the series itself, unit 2 its negation, unit 3 constant.
    const values = [1, 0, 1, 7, 2, 1, 0, 7, 3, 0, 1, 7, 4, 1, 0, 7];
    const ranked = rankUnitsByCorrelation(values, 4, series);
    assert.deepEqual(
      ranked.map((r) => r.unit),
      [1, 2, 0, 3],
    );
    assert.equal(ranked[0].correlation, 1);
    assert.equal(ranked[1].correlation, -1);
    assert.ok(Math.abs(ranked[2].correlation - 1 / Math.sqrt(5)) < 1e-15);
    assert.equal(ranked[3].correlation, 0);
  });

  it('orders units by their standard deviation over the text', () => {
    const values = [0, 5, 1, 0, 5, 3, 0, 5, 5]; // T = 3, H = 3
    assert.deepEqual(unitsByVariation(values, 3, 3), [
      { unit: 2, deviation: Math.sqrt(8 / 3) },
      { unit: 0, deviation: 0 },
      { unit: 1, deviation: 0 },
    ]);
  });
});
