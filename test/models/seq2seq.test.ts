// Seq2Seq: learns to reverse sequences with each context choice, greedy and beam-search
// decoding agree with each other and with brute force, attention weights are
// distributions over the source, and bad input gives clear errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { ShapeError, UsageError } from '../../src/errors.js';
import { Seq2Seq, type Seq2SeqOptions, type SequencePair } from '../../src/models/seq2seq/seq2seq.js';
import { Random } from '../../src/random.js';
import { Adam } from '../../src/training/optim/adam.js';
import { train } from '../../src/training/trainer.js';

// Targets use ids 0–5 for symbols, 6 begin, 7 end; sources the symbols 0–5.
const [BEGIN, END] = [6, 7];
function reversalPairs(n: number, seed: number): SequencePair[] {
  const random = new Random(seed);
  return Array.from({ length: n }, () => {
    const source = Array.from({ length: 2 + random.int(4) }, () => random.int(6));
    return { source, target: [...source].reverse() };
  });
}
const common: Seq2SeqOptions = {
  sourceVocabSize: 6,
  targetVocabSize: 8,
  begin: BEGIN,
  end: END,
  embeddingDim: 16,
  hiddenSize: 32,
  attentionSize: 32,
  seed: 3,
};

describe('Seq2Seq', () => {
  const trainSet = reversalPairs(2000, 1);
  const testSet = reversalPairs(100, 2);
  for (const [name, options, steps, bar] of [
    ['additive attention', { context: 'attention', attention: 'additive' }, 300, 0.9],
    ['general attention', { context: 'attention', attention: 'general', cell: 'gru' }, 300, 0.9],
    ['c = q(h_T) at every step', { context: 'transform', contextUse: 'every-step' }, 300, 0.5],
  ] as const) {
    it(`${name}: learns to reverse sequences (held-out exact match ≥ ${bar})`, async () => {
      const backend = await createWasmBackend({ threads: 2 });
      const model = await Seq2Seq.create({ ...common, ...options, backend });
      const untrained = await model.eval().greedy(testSet.map((p) => p.source));
      const result = await train(await model.trainingTask(trainSet, 32), {
        optimizer: new Adam(await model.parameters(), { lr: 1e-2 }, backend),
        budget: { steps },
        clipNorm: 5,
      });
      assert.equal(result.steps, steps);
      model.eval();
      const decoded = await model.greedy(testSet.map((p) => p.source));
      const exact = (outputs: { tokens: number[] }[]): number =>
        outputs.filter((d, i) => d.tokens.join() === testSet[i].target.join()).length / testSet.length;
      assert.ok(exact(untrained) < 0.1, `untrained exact match ${exact(untrained)}`);
      assert.ok(exact(decoded) >= bar, `exact match ${exact(decoded)}`);
      assert.ok((await model.evaluate(testSet)) < 0.5);
    });
  }

  it('greedy decoding returns attention weights over each source, one row per output step', async () => {
    const model = await Seq2Seq.create({ ...common, backend: createReferenceBackend() });
    const sources = [
      [1, 2, 3],
      [4, 5, 0, 1, 2],
    ];
    const decoded = await model.greedy(sources, { maxLength: 6 });
    decoded.forEach((d, i) => {
      const ended = d.tokens.length < 6;
      assert.equal(d.attention.length, d.tokens.length + (ended ? 1 : 0));
      for (const row of d.attention) {
        assert.equal(row.length, sources[i].length);
        assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-5);
      }
    });
    // The order of sources in a batch does not change their outputs.
    const alone = await model.greedy([sources[1]], { maxLength: 6 });
    assert.deepEqual(alone[0].tokens, decoded[1].tokens);
    // Without attention there are no weights.
    const plain = await Seq2Seq.create({ ...common, context: 'final', backend: createReferenceBackend() });
    assert.deepEqual((await plain.greedy([[1, 2]], { maxLength: 3 }))[0].attention, []);
  });

  it("beam search: width 1 follows greedy's path; a wide beam finds the most likely output found by brute force", async () => {
    const backend = createReferenceBackend();
    // A small target vocabulary keeps brute force cheap: symbols 0–1, begin 2 (never emitted), end 3.
    const model = await Seq2Seq.create({
      sourceVocabSize: 3,
      targetVocabSize: 4,
      begin: 2,
      end: 3,
      embeddingDim: 4,
      hiddenSize: 4,
      attentionSize: 4,
      seed: 8,
      backend,
    });
    model.eval();
    const source = [0, 2, 1];
    const [greedy] = await model.greedy([source], { maxLength: 4 });
    const [narrow] = await model.beamSearch(source, { beamWidth: 1, maxLength: 4 });
    // The one live hypothesis is greedy's prefix; the answer is the best of its end extensions (or greedy's whole output).
    assert.deepEqual(narrow.tokens, greedy.tokens.slice(0, narrow.tokens.length));
    // log P(tokens + end) by teacher forcing: evaluate() gives the mean over tokens + 1 steps.
    const logProb = async (tokens: number[]): Promise<number> =>
      -(await model.evaluate([{ source, target: tokens }])) * (tokens.length + 1);
    const all: number[][] = [[]];
    for (let length = 1; length <= 3; length++) {
      for (let code = 0; code < 2 ** length; code++) all.push(Array.from({ length }, (_, i) => Math.floor(code / 2 ** i) % 2));
    }
    const scored = await Promise.all(all.map(async (tokens) => ({ tokens, logProb: await logProb(tokens) })));
    for (const lengthPenalty of [0, 1]) {
      const rank = (s: { tokens: number[]; logProb: number }): number => s.logProb / Math.pow(s.tokens.length + 1, lengthPenalty);
      const best = scored.reduce((a, b) => (rank(b) > rank(a) ? b : a));
      // 15 outputs end within 4 steps and 16 are cut there: a beam of 40 keeps them all.
      const hypotheses = await model.beamSearch(source, { beamWidth: 40, maxLength: 4, lengthPenalty });
      assert.equal(hypotheses.length, 31);
      assert.deepEqual(hypotheses[0].tokens, best.tokens, `lengthPenalty ${lengthPenalty}`);
      assert.ok(Math.abs(hypotheses[0].logProb - best.logProb) < 1e-4);
      assert.ok(hypotheses[0].finished);
      // Finished outputs come first, best first; unfinished ones (cut at maxLength) after them.
      const finished = hypotheses.filter((h) => h.finished);
      assert.ok(hypotheses.slice(0, finished.length).every((h) => h.finished));
      for (let i = 1; i < finished.length; i++) assert.ok(finished[i - 1].score >= finished[i].score);
      assert.equal(hypotheses[0].steps.length, best.tokens.length + 1);
      assert.equal(hypotheses[0].steps[0].length, source.length);
    }
  });

  it('teacher forcing below 1 feeds the model its own predictions in training only', async () => {
    const pairs = reversalPairs(8, 4);
    const losses = async (teacherForcing: number): Promise<number[]> => {
      const model = await Seq2Seq.create({ ...common, teacherForcing, backend: createReferenceBackend() });
      return [await model.train().lossAndBackward(pairs), await model.evaluate(pairs)];
    };
    const [forcedTrain, forcedEval] = await losses(1);
    const [sampledTrain, sampledEval] = await losses(0);
    assert.notEqual(sampledTrain, forcedTrain);
    assert.equal(sampledEval, forcedEval);
  });

  it('rejects bad options and input with clear errors', async () => {
    const backend = createReferenceBackend();
    await assert.rejects(
      Seq2Seq.create({ ...common, context: 'mean' as never, backend }),
      /context must be 'final', 'transform', 'attention', got 'mean'/,
    );
    await assert.rejects(Seq2Seq.create({ ...common, teacherForcing: 1.5, backend }), UsageError);
    await assert.rejects(Seq2Seq.create({ ...common, begin: 8, backend }), /begin must be a target token id in \[0, 8\), got 8/);
    await assert.rejects(Seq2Seq.create({ ...common, end: BEGIN, backend }), /different/);
    const model = await Seq2Seq.create({ ...common, backend });
    await assert.rejects(model.lossAndBackward([{ source: [], target: [1] }]), /source 0 is empty/);
    await assert.rejects(model.lossAndBackward([{ source: [1], target: [9] }]), ShapeError);
    await assert.rejects(model.greedy([[1, 6]]), /Seq2Seq: source 0/);
    await assert.rejects(model.beamSearch([1], { beamWidth: 0 }), /beamWidth must be an integer ≥ 1/);
    await assert.rejects(model.evaluate([]), /empty batch/);
  });
});
