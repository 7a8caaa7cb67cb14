// The frames of a drawn strip for a CTC model that reads 28-pixel columns: cut to the ink with a
// margin, padded to whole frames, each frame its columns top to bottom (as the MNIST example makes them).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readsDigitStrips, stripFrames } from '../../playground/src/inside/ctc-view.js';

describe('stripFrames', () => {
  const width = 20;
  /** Ink at (column x, row y) = x + y / 100 on the inked columns. */
  const strip = (inked: number[]): Float32Array => {
    const ink = new Float32Array(28 * width);
    for (const x of inked) for (let y = 0; y < 28; y++) ink[y * width + x] = 0.5 + y / 100;
    return ink;
  };

  it('keeps the inked columns with three empty ones each side, in frames of two columns', () => {
    const frames = stripFrames(strip([8, 9, 11]), width, 2)!;
    // Columns 5 … 14 (ten columns): five frames.
    assert.equal(frames.steps, 5);
    assert.equal(frames.data.length, 5 * 2 * 28);
    const column = (c: number) => Array.from(frames.data.subarray(c * 28, (c + 1) * 28));
    assert.deepEqual(
      column(3),
      Array.from({ length: 28 }, (_, y) => Math.fround(0.5 + y / 100)),
      'column 8, top to bottom',
    );
    assert.ok(column(2).every((v) => v === 0) && column(5).every((v) => v === 0), 'margin and gap are empty');
  });

  it('pads to a whole frame past the right edge, and returns nothing for an empty drawing', () => {
    const frames = stripFrames(strip([18]), width, 4)!;
    // Columns 15 … 19, then padding to 8 columns: two frames, the last three columns zero.
    assert.equal(frames.steps, 2);
    assert.ok(frames.data.subarray(5 * 28).every((v) => v === 0));
    assert.equal(stripFrames(new Float32Array(28 * width), width, 2), undefined);
  });

  it('recognises a model that reads digit strips', () => {
    const info = { type: 'ctc-model', cell: 'lstm', hiddenSize: 8, numLayers: 1, bidirectional: true, fileName: undefined } as const;
    assert.equal(readsDigitStrips({ ...info, inputSize: 56, labels: [...'0123456789'] }), true);
    assert.equal(readsDigitStrips({ ...info, inputSize: 2, labels: [...'0123456789'] }), false);
    assert.equal(readsDigitStrips({ ...info, inputSize: 56, labels: ['a', 'b'] }), false);
  });
});
