// readFrames: a CTC model's per-frame class probabilities, best path and decoded labels.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { ShapeError } from '../../src/errors.js';
import { CTCModel } from '../../src/models/ctc-model.js';
import { BLANK_LABEL, readFrames } from '../../src/models/ctc-reading.js';
import { Random } from '../../src/random.js';

describe('readFrames', () => {
  const random = new Random(5);
  const T = 9;
  const D = 3;
  const frames = { steps: T, data: Float32Array.from({ length: T * D }, () => random.normal() * 3) };
  const make = (labels?: string[]) =>
    CTCModel.create({
      inputSize: D,
      numLabels: 4,
      hiddenSize: 5,
      seed: 2,
      backend: createReferenceBackend(),
      ...(labels ? { vocabularies: { labels } } : {}),
    });

  it('gives per-frame distributions, their argmax path and the labels it decodes to', async () => {
    const model = make(['a', 'b', 'c', 'd']);
    const reading = await readFrames(model, frames);
    assert.deepEqual(reading.classes, [BLANK_LABEL, 'a', 'b', 'c', 'd']);
    const logits = await model.logits({ shape: [T, 1, D], data: frames.data }, [T]);
    for (let t = 0; t < T; t++) {
      const row = reading.posteriors.subarray(t * 5, (t + 1) * 5);
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-6, `frame ${t}`);
      const scores = Array.from(logits.data.subarray(t * 5, (t + 1) * 5));
      assert.equal(reading.bestPath[t], scores.indexOf(Math.max(...scores)));
      // Softmax: ratios of probabilities are exponentials of score differences.
      assert.ok(Math.abs(row[1] / row[0] - Math.exp(scores[1] - scores[0])) < 1e-4 * Math.exp(scores[1] - scores[0]));
    }
    const [decoded] = await model.decode({ shape: [T, 1, D], data: frames.data }, [T]);
    assert.deepEqual(reading.labels, decoded);
    assert.equal(reading.text, decoded.map((k) => 'abcd'[k]).join(''));
    // Collapsing the best path (merge repeats, drop blanks) gives the same labels.
    const collapsed = reading.bestPath.filter((c, t) => c !== 0 && c !== reading.bestPath[t - 1]).map((c) => c - 1);
    assert.deepEqual(reading.labels, collapsed);
  });

  it('names labels by index without names, joins longer names with spaces, and checks the frames', async () => {
    assert.deepEqual((await readFrames(make(), frames)).classes, [BLANK_LABEL, '0', '1', '2', '3']);
    const words = await readFrames(make(['one', 'two', 'three', 'four']), frames);
    assert.equal(words.text, words.labels.map((k) => ['one', 'two', 'three', 'four'][k]).join(' '));
    await assert.rejects(readFrames(make(), { steps: 2, data: new Float32Array(5) }), ShapeError);
  });
});
