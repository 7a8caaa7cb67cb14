// SequenceClassifier learns a property of whole sequences with each way of pooling.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { ShapeError } from '../../src/errors.js';
import { type LabelledSequence, SequenceClassifier } from '../../src/models/sequence-classifier.js';
import { Random } from '../../src/random.js';
import { Adam } from '../../src/training/optim/adam.js';
import { train } from '../../src/training/trainer.js';

const V = 6;

/** Label 1 when token 0 occurs anywhere in the sequence (2–12 tokens), else 0; balanced. */
function example(random: Random): LabelledSequence {
  const label = random.int(2);
  const tokens = Array.from({ length: 2 + random.int(11) }, () => 1 + random.int(V - 1));
  if (label === 1) tokens[random.int(tokens.length)] = 0;
  return { tokens, label };
}

describe('SequenceClassifier', () => {
  let backend: Backend<Float32Array>;
  before(async () => {
    backend = await createWasmBackend({ threads: 1 });
  });

  for (const pooling of ['last', 'mean', 'max'] as const) {
    it(`learns "does token 0 occur?" with ${pooling} pooling (held-out accuracy > 95 %)`, async () => {
      const random = new Random(7);
      const trainSet = Array.from({ length: 400 }, () => example(random));
      const testSet = Array.from({ length: 100 }, () => example(random));
      const model = SequenceClassifier.create({ vocabSize: V, numClasses: 2, embeddingDim: 8, hiddenSize: 16, pooling, seed: 3, backend });
      await train(await model.trainingTask(trainSet, 20), {
        optimizer: new Adam(await model.parameters(), { lr: 0.02 }, backend),
        budget: { epochs: 15 },
        clipNorm: 5,
      });
      const predicted = await model.eval().predict(testSet.map((e) => e.tokens));
      const accuracy = predicted.filter((p, i) => p === testSet[i].label).length / testSet.length;
      assert.ok(accuracy > 0.95, `${pooling}: ${accuracy}`);
    });
  }

  it('rejects labels out of range, empty sequences and unknown pooling', async () => {
    const model = SequenceClassifier.create({ vocabSize: V, numClasses: 2, hiddenSize: 4, backend });
    await assert.rejects(
      model.lossAndBackward([{ tokens: [1], label: 2 }]),
      (e: Error) => e instanceof ShapeError && /label 0 must be in \[0, 2\), got 2/.test(e.message),
    );
    await assert.rejects(model.predict([[1], []]), /sequence 1 is empty/);
    assert.throws(() => SequenceClassifier.create({ vocabSize: V, numClasses: 2, pooling: 'sum' as 'max' }), /pooling must be/);
  });
});
