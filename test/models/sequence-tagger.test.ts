// SequenceTagger learns a tagging rule that needs context from both sides, and padding
// never counts in its loss.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { ShapeError, UsageError } from '../../src/errors.js';
import { allowedTransitions, firstViolation } from '../../src/layers/crf/constraints.js';
import { SequenceTagger, type SequenceTaggerOptions, type TaggedSequence } from '../../src/models/sequence-tagger.js';
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
      optimizer: new Adam(await tagger.parameters(), { lr: 0.02 }, backend),
      budget: { epochs: 15 },
      clipNorm: 5,
    });
    const predicted = await tagger.eval().predict(testSet.map((s) => s.tokens));
    const accuracy = tokenAccuracy(
      predicted,
      testSet.map((s) => s.tags),
    );
    assert.ok(accuracy > 0.95, `held-out token accuracy ${accuracy}`);
  });

  it('padding does not change the loss: a batch equals the mean of its sequences weighted by length', async () => {
    const tagger = SequenceTagger.create({ vocabSize: V, numTags: 3, embeddingDim: 4, hiddenSize: 5, seed: 1, backend });
    const a = { tokens: [1, 2, 3, 4, 5], tags: [0, 1, 2, 1, 0] };
    const b = { tokens: [6, 7], tags: [2, 2] };
    const both = await tagger.lossAndBackward([a, b]);
    const alone = [await tagger.lossAndBackward([a]), await tagger.lossAndBackward([b])];
    assert.ok(Math.abs(both - (5 * alone[0] + 2 * alone[1]) / 7) < 1e-5, `${both} vs ${alone}`);
  });

  it('with a CRF (crf: true on BIO tag names) learns chunks, never breaks BIO, and trains on the path likelihood', async () => {
    const labels = ['O', 'B-N', 'I-N'];
    // Tokens 1–3 are name words: a run of them is one chunk (B-N, then I-N); other tokens are O.
    const chunked = (random: Random): TaggedSequence => {
      const tokens = Array.from({ length: 2 + random.int(9) }, () => 1 + random.int(V - 1));
      return { tokens, tags: tokens.map((w, t) => (w > 3 ? 0 : t > 0 && tokens[t - 1] <= 3 ? 2 : 1)) };
    };
    const random = new Random(8);
    const trainSet = Array.from({ length: 300 }, () => chunked(random));
    const testSet = Array.from({ length: 60 }, () => chunked(random));
    const tagger = SequenceTagger.create({
      vocabSize: V,
      numTags: 3,
      embeddingDim: 8,
      hiddenSize: 16,
      seed: 3,
      backend,
      crf: true,
      vocabularies: { labels },
    });
    assert.deepEqual(tagger.settings.crf, { constraints: 'BIO' });
    assert.deepEqual(
      Object.keys(tagger.stateDict()).filter((n) => n.startsWith('crf.')),
      ['crf.start_transitions', 'crf.end_transitions', 'crf.transitions'],
    );
    // The training loss is the CRF's negative log-likelihood of the emissions per tag.
    const batch = trainSet.slice(0, 5);
    const loss = await tagger.lossAndBackward(batch);
    const { logits, lengths } = await tagger.logits(batch.map((s) => s.tokens));
    const nll = await tagger.crf!.layer.negativeLogLikelihood(
      logits,
      batch.map((s) => s.tags),
      { lengths, reduction: 'tokenMean' },
    );
    assert.ok(Math.abs(loss - (nll.loss as number)) < 1e-6, `${loss} vs ${nll.loss}`);
    tagger.zeroGrad();
    await train(await tagger.trainingTask(trainSet, 20), {
      optimizer: new Adam(await tagger.parameters(), { lr: 0.02 }, backend),
      budget: { epochs: 6 },
      clipNorm: 5,
    });
    const predicted = await tagger.eval().predict(testSet.map((s) => s.tokens));
    assert.ok(
      tokenAccuracy(
        predicted,
        testSet.map((s) => s.tags),
      ) > 0.95,
    );
    const constraints = allowedTransitions('BIO', labels);
    assert.equal(predicted.filter((p) => firstViolation(p, constraints) !== undefined).length, 0);
  });

  it('takes CRF constraints from its tag names, or as asked, and refuses training tags that break them', async () => {
    const make = (crf: NonNullable<SequenceTaggerOptions['crf']>, labels?: string[]): SequenceTagger =>
      SequenceTagger.create({ vocabSize: V, numTags: 3, hiddenSize: 4, backend, crf, ...(labels ? { vocabularies: { labels } } : {}) });
    assert.deepEqual(make(true, ['O', 'B-X', 'I-X']).settings.crf, { constraints: 'BIO' });
    assert.deepEqual(make({ constraints: 'auto' }, ['NN', 'VB', 'DT']).settings.crf, { constraints: 'none' });
    assert.deepEqual(make(true).settings.crf, { constraints: 'none' });
    assert.equal(make({ constraints: 'none' }, ['O', 'B-X', 'I-X']).crf!.layer.constraints, undefined);
    assert.equal(make(false).settings.crf, undefined);
    assert.equal(make(false).crf, undefined);
    assert.throws(
      () => make({ constraints: 'BIO' }),
      (e: Error) => e instanceof UsageError && /constraints 'BIO' need the tag names/.test(e.message),
    );
    assert.throws(() => make({ constraints: 'IOB1' as 'BIO' }, ['O', 'B-X', 'I-X']), /crf must be true, false or \{ constraints/);
    const tagger = make(true, ['O', 'B-X', 'I-X']);
    await assert.rejects(
      tagger.trainingTask(
        [
          { tokens: [1, 2], tags: [1, 2] },
          { tokens: [1, 2, 3], tags: [0, 2, 2] },
        ],
        2,
      ),
      /example 1 'O' → 'I-X' at positions 1–2, which the BIO rules of its CRF forbid/,
    );
  });

  it('rejects mismatched tags and empty sequences', async () => {
    const tagger = SequenceTagger.create({ vocabSize: V, numTags: 2, hiddenSize: 4, backend });
    await assert.rejects(
      tagger.lossAndBackward([{ tokens: [1, 2], tags: [0] }]),
      (e: Error) => e instanceof ShapeError && /2 tokens but 1 tags/.test(e.message),
    );
    await assert.rejects(tagger.predict([[]]), /sequence 0 is empty/);
  });
});
