// Transition constraints of chunk schemes, written out by hand for small tag sets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/errors.js';
import {
  allowedTransitions,
  chunkSchemeOf,
  type ChunkScheme,
  describeViolation,
  firstViolation,
  type TransitionConstraints,
} from '../../src/layers/crf/constraints.js';

/** The allowed moves as strings: `^X` may start, `X$` may end, `X>Y` may follow. */
function moves(c: TransitionConstraints, labels: readonly string[]): string[] {
  const out: string[] = [];
  labels.forEach((l, j) => {
    if (c.start[j]) out.push(`^${l}`);
    if (c.end[j]) out.push(`${l}$`);
  });
  labels.forEach((from, i) =>
    labels.forEach((to, j) => {
      if (c.transitions[i][j]) out.push(`${from}>${to}`);
    }),
  );
  return out;
}

describe('allowedTransitions', () => {
  it('BIO: I-X only after B-X or I-X, never first; anything may end', () => {
    const labels = ['O', 'B-A', 'I-A', 'B-B', 'I-B'];
    assert.deepEqual(moves(allowedTransitions('BIO', labels), labels), [
      '^O',
      'O$',
      '^B-A',
      'B-A$',
      'I-A$',
      '^B-B',
      'B-B$',
      'I-B$',
      'O>O',
      'O>B-A',
      'O>B-B',
      'B-A>O',
      'B-A>B-A',
      'B-A>I-A',
      'B-A>B-B',
      'I-A>O',
      'I-A>B-A',
      'I-A>I-A',
      'I-A>B-B',
      'B-B>O',
      'B-B>B-A',
      'B-B>B-B',
      'B-B>I-B',
      'I-B>O',
      'I-B>B-A',
      'I-B>B-B',
      'I-B>I-B',
    ]);
  });

  it('BIOES: chunks open with B-X and close with E-X, S-X stands alone', () => {
    const labels = ['O', 'B-A', 'I-A', 'E-A', 'S-A', 'S-B'];
    assert.deepEqual(moves(allowedTransitions('BIOES', labels), labels), [
      '^O',
      'O$',
      '^B-A',
      'E-A$',
      '^S-A',
      'S-A$',
      '^S-B',
      'S-B$',
      'O>O',
      'O>B-A',
      'O>S-A',
      'O>S-B',
      'B-A>I-A',
      'B-A>E-A',
      'I-A>I-A',
      'I-A>E-A',
      'E-A>O',
      'E-A>B-A',
      'E-A>S-A',
      'E-A>S-B',
      'S-A>O',
      'S-A>B-A',
      'S-A>S-A',
      'S-A>S-B',
      'S-B>O',
      'S-B>B-A',
      'S-B>S-A',
      'S-B>S-B',
    ]);
  });

  it('labels without a chunk prefix (a joint part-of-speech tag set) are outside every chunk', () => {
    const labels = ['nn', 'B-NAME', 'I-NAME', 'vb'];
    const c = allowedTransitions('BIO', labels);
    assert.deepEqual(
      moves(c, labels).filter((m) => m.includes('I-NAME')),
      ['I-NAME$', 'B-NAME>I-NAME', 'I-NAME>nn', 'I-NAME>B-NAME', 'I-NAME>I-NAME', 'I-NAME>vb'],
    );
    assert.equal(c.transitions[0][3], true);
  });

  it('rejects an unknown scheme, BIOES tags under BIO and empty labels', () => {
    assert.throws(
      () => allowedTransitions('IOB1' as ChunkScheme, ['O']),
      (e: Error) => e instanceof UsageError && /'BIO' or 'BIOES', got 'IOB1'/.test(e.message),
    );
    assert.throws(() => allowedTransitions('BIO', ['O', 'S-PER']), /'S-PER' is a BIOES tag; use the 'BIOES' scheme/);
    assert.throws(() => allowedTransitions('BIO', []), /non-empty array of tag names/);
  });
});

describe('chunkSchemeOf, firstViolation, describeViolation', () => {
  it('detects the scheme from the labels', () => {
    assert.equal(chunkSchemeOf(['O', 'B-PER', 'I-PER']), 'BIO');
    assert.equal(chunkSchemeOf(['O', 'B-PER', 'E-PER', 'S-LOC']), 'BIOES');
    assert.equal(chunkSchemeOf(['nn', 'B-NAME', 'I-NAME']), 'BIO');
    assert.equal(chunkSchemeOf(['NN', 'VB', 'DT']), undefined);
  });

  it('finds the first forbidden start, move or end', () => {
    const labels = ['O', 'B-X', 'I-X', 'E-X', 'S-X'];
    const c = allowedTransitions('BIOES', labels);
    assert.equal(firstViolation([0, 1, 2, 3, 4], c), undefined);
    assert.deepEqual(firstViolation([2, 3], c), { step: 0, from: undefined, to: 2 });
    assert.deepEqual(firstViolation([0, 1, 0, 2], c), { step: 2, from: 1, to: 0 });
    assert.deepEqual(firstViolation([0, 1, 2], c), { step: 3, from: 2, to: undefined });
    assert.equal(describeViolation(firstViolation([0, 1, 0], c)!, labels), "'B-X' → 'O' at positions 2–3");
    assert.equal(describeViolation(firstViolation([2, 3], c)!, labels), "starts with 'I-X'");
    assert.equal(describeViolation(firstViolation([0, 1, 2], c)!), 'ends with tag 2');
  });
});
