// Finite-difference checks of every parameter through each whole model — embedding, encoder,
// pooling, heads, losses and the model's own wiring between them — not only of its parts.
// The models built on the public layers compute in float32 (their tensors are Float32Array),
// so the differences are taken in float32 with steps of 1 % of each value and the exact step
// float32 can represent, and tolerances to match; a wiring mistake (a missing or misrouted
// gradient) gives errors as large as the gradient itself, far above them. The engines these
// models share (recurrent stacks, attention, the seq2seq core) are also checked in float64.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import type { Parameter } from '../../src/layers/parameters.js';
import { CTCModel } from '../../src/models/ctc-model.js';
import { Seq2Seq } from '../../src/models/seq2seq/seq2seq.js';
import { SequenceClassifier } from '../../src/models/sequence-classifier.js';
import { SequenceGenerator } from '../../src/models/sequence-generator.js';
import { SequenceRegressor } from '../../src/models/sequence-regressor.js';
import { SequenceTagger } from '../../src/models/sequence-tagger.js';
import { Random } from '../../src/random.js';

/**
 * Checks every element of every parameter: the analytic gradient of `loss` (which runs forward
 * and backward, accumulating) against (L(v + δ) − L(v − δ)) / (2δ), δ the float32 step nearest 1 % of |v| (at least 1e-2).
 */
async function checkModel(params: Parameter[], zeroGrad: () => void, loss: () => Promise<number>): Promise<void> {
  zeroGrad();
  await loss();
  const analytic = params.map((p) => Float64Array.from(p.grad));
  const failures: string[] = [];
  let checked = 0;
  for (const [k, p] of params.entries()) {
    for (let i = 0; i < p.value.length; i++) {
      const v = p.value[i];
      const step = Math.max(1e-2, 1e-2 * Math.abs(v));
      const up = Math.fround(v + step);
      const down = Math.fround(v - step);
      p.value[i] = up;
      const plus = await loss();
      p.value[i] = down;
      const minus = await loss();
      p.value[i] = v;
      const numeric = (plus - minus) / (up - down);
      const a = analytic[k][i];
      checked++;
      if (!(Math.abs(numeric - a) <= 2e-4 + 2e-2 * Math.abs(numeric))) failures.push(`${p.name}[${i}]: analytic ${a}, numeric ${numeric}`);
    }
  }
  assert.ok(checked > 50, `only ${checked} elements checked`);
  assert.ok(
    params.every((_, k) => analytic[k].some((g) => g !== 0)),
    'a parameter got no gradient at all',
  );
  if (failures.length > 0) assert.fail(`${failures.length} of ${checked} gradients differ:\n  ${failures.slice(0, 8).join('\n  ')}`);
}

/** Token sequences of the given lengths over ids [0, V). */
function tokens(random: Random, lengths: readonly number[], V: number): number[][] {
  return lengths.map((n) => Array.from({ length: n }, () => random.int(V)));
}

/** Feature sequences of the given lengths, D features each. */
function frames(random: Random, lengths: readonly number[], D: number): { steps: number; data: Float32Array }[] {
  return lengths.map((n) => ({ steps: n, data: Float32Array.from({ length: n * D }, () => random.uniform(-1, 1)) }));
}

describe('whole-model gradient checks (every parameter, float32 differences)', () => {
  let backend: Backend<Float32Array>;
  before(() => {
    backend = createReferenceBackend(Float32Array);
  });
  const encoder = { hiddenSize: 3, numLayers: 2, bidirectional: true, seed: 4 } as const;

  it('SequenceTagger: embedding → 2-layer bidirectional LSTM → per-step dense, ragged sentences', async () => {
    const random = new Random(1);
    const model = SequenceTagger.create({ ...encoder, vocabSize: 6, numTags: 4, embeddingDim: 3, backend });
    const batch = tokens(random, [4, 2, 3], 6).map((t) => ({ tokens: t, tags: t.map(() => random.int(4)) }));
    await checkModel(
      await model.parameters(),
      () => model.zeroGrad(),
      () => model.train().lossAndBackward(batch),
    );
  });

  for (const pooling of ['last', 'mean', 'max'] as const) {
    it(`SequenceClassifier with ${pooling} pooling (GRU)`, async () => {
      const random = new Random(2);
      const model = SequenceClassifier.create({ ...encoder, cell: 'gru', vocabSize: 5, numClasses: 3, embeddingDim: 2, pooling, backend });
      const batch = tokens(random, [3, 4, 1], 5).map((t) => ({ tokens: t, label: random.int(3) }));
      await checkModel(
        await model.parameters(),
        () => model.zeroGrad(),
        () => model.train().lossAndBackward(batch),
      );
    });
  }

  for (const pooling of ['last', 'mean'] as const) {
    it(`SequenceRegressor with ${pooling} pooling and two outputs (LSTM, one direction)`, async () => {
      const random = new Random(3);
      const model = SequenceRegressor.create({ ...encoder, bidirectional: false, inputSize: 2, outputSize: 2, pooling, backend });
      const batch = frames(random, [3, 2, 4], 2).map((f) => ({ frames: f, target: [random.uniform(-1, 1), random.uniform(-1, 1)] }));
      model.fitNormalization(batch);
      await checkModel(
        await model.parameters(),
        () => model.zeroGrad(),
        () => model.train().lossAndBackward(batch),
      );
    });
  }

  for (const conditioning of ['initial-state', 'every-step'] as const) {
    it(`SequenceGenerator conditioned through the ${conditioning} (2 layers)`, async () => {
      const random = new Random(4);
      const model = SequenceGenerator.create({
        hiddenSize: 3,
        numLayers: 2,
        seed: 5,
        vocabSize: 5,
        conditionSize: 2,
        conditioning,
        embeddingDim: 2,
        backend,
      });
      const batch = tokens(random, [4, 2, 3], 5).map((t) => ({ condition: [random.uniform(-1, 1), random.uniform(-1, 1)], tokens: t }));
      await checkModel(
        await model.parameters(),
        () => model.zeroGrad(),
        () => model.train().lossAndBackward(batch),
      );
    });
  }

  it('CTCModel: bidirectional LSTM → dense → CTC over ragged frames', async () => {
    const random = new Random(5);
    const model = CTCModel.create({ hiddenSize: 3, numLayers: 1, seed: 6, inputSize: 2, numLabels: 3, backend });
    const [x, lengths] = [frames(random, [5, 3], 2), [5, 3]];
    const padded = { shape: [5, 2, 2], data: new Float32Array(20) };
    x.forEach((s, b) => {
      for (let t = 0; t < s.steps; t++) padded.data.set(s.data.subarray(2 * t, 2 * t + 2), (t * 2 + b) * 2);
    });
    await checkModel(
      await model.parameters(),
      () => model.zeroGrad(),
      () => model.train().lossAndBackward(padded, lengths, [[0, 2], [1]]),
    );
  });

  for (const [name, options] of [
    ['c = h_T', { context: 'final' }],
    ['c = q(h_T) at every step', { context: 'transform', contextUse: 'every-step' }],
    ['additive attention', { context: 'attention', attention: 'additive' }],
    ['general attention', { context: 'attention', attention: 'general' }],
  ] as const) {
    it(`Seq2Seq with ${name} (sources in any order)`, async () => {
      const random = new Random(6);
      const model = await Seq2Seq.create({
        sourceVocabSize: 4,
        targetVocabSize: 5,
        begin: 3,
        end: 4,
        embeddingDim: 2,
        hiddenSize: 3,
        attentionSize: 3,
        bidirectional: true,
        seed: 7,
        backend,
        ...options,
      });
      const pairs = [
        [2, 4],
        [4, 1],
        [1, 3],
      ].map(([s, t]) => ({ source: tokens(random, [s], 4)[0], target: tokens(random, [t], 3)[0] }));
      await checkModel(
        await model.parameters(),
        () => model.zeroGrad(),
        () => model.train().lossAndBackward(pairs),
      );
    });
  }
});
