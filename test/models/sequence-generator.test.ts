// SequenceGenerator: both forms of conditioning learn to generate the sequences of the
// class they are given.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { ShapeError, UsageError } from '../../src/errors.js';
import { type ConditionedSequence, SequenceGenerator } from '../../src/models/sequence-generator.js';
import { Random } from '../../src/random.js';
import { Adam } from '../../src/training/optim/adam.js';
import { train } from '../../src/training/trainer.js';

const BEGIN = 0;
const END = 1;
/**
 * Class 0: 2 3 2 3 …; class 1: 4 5 4 5 …; 3–6 tokens between begin and end (generation must keep the pattern of the
 * class and end soon after).
 */
function example(random: Random): ConditionedSequence {
  const label = random.int(2);
  const body = Array.from({ length: 3 + random.int(4) }, (_, i) => 2 + 2 * label + (i % 2));
  return { condition: label === 0 ? [1, 0] : [0, 1], tokens: [BEGIN, ...body, END] };
}

describe('SequenceGenerator', () => {
  let backend: Backend<Float32Array>;
  before(async () => {
    backend = await createWasmBackend({ threads: 1 });
  });

  for (const conditioning of ['initial-state', 'every-step'] as const) {
    it(`conditioned through the ${conditioning}: generates each class's own sequences`, async () => {
      const random = new Random(9);
      const data = Array.from({ length: 300 }, () => example(random));
      const model = SequenceGenerator.create({
        vocabSize: 6,
        conditionSize: 2,
        conditioning,
        embeddingDim: 8,
        hiddenSize: 24,
        seed: 4,
        backend,
      });
      await train(await model.trainingTask(data, 20), {
        optimizer: new Adam(await model.parameters(), { lr: 0.02 }, backend),
        budget: { epochs: 15 },
        clipNorm: 5,
      });
      model.eval();
      for (const [condition, first] of [
        [[1, 0], 2],
        [[0, 1], 4],
      ] as const) {
        for (let seed = 1; seed <= 5; seed++) {
          const tokens = await model.generate(condition, { begin: BEGIN, end: END, temperature: 0.5, seed, maxLength: 20 });
          assert.ok(tokens.length >= 3 && tokens.length <= 10, `${conditioning} ${condition}: ${tokens}`);
          tokens.forEach((t, i) => assert.equal(t, first + (i % 2), `${conditioning} ${condition}: ${tokens}`));
        }
      }
    });
  }

  it('rejects short sequences, conditions of the wrong size and bad options', async () => {
    const model = SequenceGenerator.create({ vocabSize: 6, conditionSize: 2, hiddenSize: 4, backend });
    await assert.rejects(
      model.lossAndBackward([{ condition: [1, 0], tokens: [0] }]),
      (e: Error) => e instanceof ShapeError && /begin and an end/.test(e.message),
    );
    await assert.rejects(model.generate([1], { begin: 0, end: 1 }), /condition 0 has 1 values, expected 2/);
    assert.throws(
      () => SequenceGenerator.create({ vocabSize: 6, conditionSize: 2, conditioning: 'attention' as 'every-step' }),
      UsageError,
    );
  });
});
