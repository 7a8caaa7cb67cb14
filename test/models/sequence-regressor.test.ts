// SequenceRegressor: standardisation from the training data, a learned whole-sequence
// function in the data's own units, and sliding windows for forecasting.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { slidingWindows } from '../../src/data/series.js';
import { ShapeError, UsageError } from '../../src/errors.js';
import { type RegressionExample, SequenceRegressor } from '../../src/models/sequence-regressor.js';
import { Random } from '../../src/random.js';
import { Adam } from '../../src/training/optim/adam.js';
import { train } from '../../src/training/trainer.js';

/** 3–10 steps of 2 features; target: 1000 + 50 × (mean of feature 0) − 20 × (last value of feature 1). */
function example(random: Random): RegressionExample {
  const steps = 3 + random.int(8);
  const data = Float32Array.from({ length: steps * 2 }, () => random.uniform(-1, 1));
  let mean0 = 0;
  for (let t = 0; t < steps; t++) mean0 += data[2 * t] / steps;
  return { frames: { steps, data }, target: [1000 + 50 * mean0 - 20 * data[2 * steps - 1]] };
}

describe('SequenceRegressor', () => {
  let backend: Backend<Float32Array>;
  before(async () => {
    backend = await createWasmBackend({ threads: 1 });
  });

  it('standardises with the training data and keeps the statistics in its state dict', () => {
    const model = SequenceRegressor.create({ inputSize: 2, hiddenSize: 4, backend });
    model.fitNormalization([
      { frames: { steps: 2, data: Float32Array.of(1, 10, 3, 10) }, target: [5] },
      { frames: { steps: 1, data: Float32Array.of(5, 10) }, target: [7] },
    ]);
    const n = model.normalization;
    assert.deepEqual([...n.inputMean], [3, 10]);
    assert.ok(Math.abs(n.inputStd[0] - Math.sqrt(8 / 3)) < 1e-6);
    assert.equal(n.inputStd[1], 1, 'a constant feature gets std 1');
    assert.deepEqual([...n.targetMean, ...n.targetStd], [6, 1]);
    assert.deepEqual([...model.stateDict()['normalization.targetMean'].data], [6]);
  });

  it("learns a whole-sequence function in the data's units (held-out error far below the targets' spread)", async () => {
    const random = new Random(5);
    const trainSet = Array.from({ length: 500 }, () => example(random));
    const testSet = Array.from({ length: 100 }, () => example(random));
    const model = SequenceRegressor.create({ inputSize: 2, hiddenSize: 24, seed: 2, backend });
    model.fitNormalization(trainSet);
    await train(await model.trainingTask(trainSet, 25), {
      optimizer: new Adam(await model.parameters(), { lr: 0.01 }, backend),
      budget: { epochs: 25 },
      clipNorm: 5,
    });
    const predicted = await model.eval().predict(testSet.map((e) => e.frames));
    const errors = predicted.map((p, i) => Math.abs(p[0] - testSet[i].target[0]));
    const mae = errors.reduce((a, b) => a + b) / errors.length;
    const mean = testSet.reduce((s, e) => s + e.target[0], 0) / testSet.length;
    const spread = testSet.reduce((s, e) => s + Math.abs(e.target[0] - mean), 0) / testSet.length;
    assert.ok(mae < spread / 5, `MAE ${mae} vs mean absolute deviation ${spread}`);
  });

  it('rejects targets of the wrong size and bad options', async () => {
    const model = SequenceRegressor.create({ inputSize: 2, outputSize: 2, hiddenSize: 4, backend });
    await assert.rejects(
      model.lossAndBackward([{ frames: { steps: 1, data: Float32Array.of(1, 2) }, target: [1] }]),
      (e: Error) => e instanceof ShapeError && /target 0 has 1 values, expected 2/.test(e.message),
    );
    assert.throws(() => SequenceRegressor.create({ inputSize: 2, outputSize: 0 }), UsageError);
  });
});

describe('slidingWindows', () => {
  it('pairs each window with the value horizon steps after it', () => {
    const w = slidingWindows([1, 2, 3, 4, 5, 6], 2, 2);
    assert.deepEqual(
      w.map((e) => [[...e.frames.data], e.target, e.at]),
      [
        [[1, 2], [4], 3],
        [[2, 3], [5], 4],
        [[3, 4], [6], 5],
      ],
    );
    assert.throws(() => slidingWindows([1, 2], 2, 1), /too few/);
    assert.throws(() => slidingWindows([1, 2, 3], 0), /window must be a positive integer/);
  });
});
