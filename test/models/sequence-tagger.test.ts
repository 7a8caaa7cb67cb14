// SequenceTagger learns a tagging rule that needs context from both sides, and padding
// never counts in its loss.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { ShapeError } from '../../src/errors.js';
import { SequenceTagger, type TaggedSequence } from '../../src/models/sequence-tagger.js';
import { Random } from '../../src/random.js';
import { Adam } from '../../src/training/optim/adam.js';
import { train } from '../../src/training/trainer.js';
import { tokenAccuracy } from '../../src/training/metrics.js';

const V = 8;

/** Tag of token t: 1 if the next token is larger than the previous one (both sides matter), else 0. */
function example(random: Random): TaggedSequence {
  const tokens = Array.from({ length: 3 + random.int(8) }, () => random.int(V));
  const tags = tokens.map((_, t) => ((tokens[t + 1] ?? 0) > (tokens[t - 1] ?? 0) ? 1 : 0));
  return { tokens, tags };
}

describe('SequenceTagger', () => {
  let backend: Backend<Float32Array>;
  before(async () => {
    backend = await createWasmBackend({ threads: 1 });
  });

  it('learns a rule that needs both neighbours (bidirectional) on held-out sequences', async () => {
    const random = new Random(4);
    const trainSet = Array.from({ length: 400 }, () => example(random));
    const testSet = Array.from({ length: 60 }, () => example(random));
    const tagger = SequenceTagger.create({ vocabSize: V, numTags: 2, embeddingDim: 8, hiddenSize: 24, seed: 2, backend });
    await train(await tagger.trainingTask(trainSet, 20), {
      optimizer: new Adam(await tagger.parameters(), { lr: 0.02 }, backend), budget: { epochs: 15 }, clipNorm: 5,
    });
    const predicted = await tagger.eval().predict(testSet.map((s) => s.tokens));
    const accuracy = tokenAccuracy(predicted, testSet.map((s) => s.tags));
    assert.ok(accuracy > 0.95, `held-out token accuracy ${accuracy}`);
  });

  it('padding does not change the loss: a batch equals the mean of its sequences weighted by length', async () => {
    const tagger = SequenceTagger.create({ vocabSize: V, numTags: 3, embeddingDim: 4, hiddenSize: 5, seed: 1, backend });
    const a = { tokens: [1, 2, 3, 4, 5], tags: [0, 1, 2, 1, 0] };
    const b = { tokens: [6, 7], tags: [2, 2] };
    const both = await tagger.lossAndBackward([a, b]);
    const alone = [await tagger.lossAndBackward([a]), await tagger.lossAndBackward([b])];
    assert.ok(Math.abs(both - (5 * alone[0]! + 2 * alone[1]!) / 7) < 1e-5, `${both} vs ${alone}`);
  });

  it('rejects mismatched tags and empty sequences', async () => {
    const tagger = SequenceTagger.create({ vocabSize: V, numTags: 2, hiddenSize: 4, backend });
    await assert.rejects(tagger.lossAndBackward([{ tokens: [1, 2], tags: [0] }]), (e: Error) => e instanceof ShapeError && /2 tokens but 1 tags/.test(e.message));
    await assert.rejects(tagger.predict([[]]), /sequence 0 is empty/);
  });
});
