// ONNX export of the regressor, the CTC model, the generator and the encoder–decoder, each run in
// ONNX Runtime and compared with rnnkit's own forward on ragged batches: predictions in the data's
// units, per-frame class scores, and for the two-graph models the teacher-forced loss over every
// step (the decoder graph fed its own states back) and greedy decoding token by token.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { padSequences, type Sequence } from '../../src/data/sequences.js';
import { UsageError } from '../../src/errors.js';
import { exportOnnx, exportOnnxParts } from '../../src/io/onnx/export.js';
import { decodeModel } from '../../src/io/onnx/protobuf.js';
import { CTCModel } from '../../src/models/ctc-model.js';
import { SequenceGenerator } from '../../src/models/sequence-generator.js';
import { SequenceRegressor } from '../../src/models/sequence-regressor.js';
import { Seq2Seq } from '../../src/models/seq2seq/seq2seq.js';
import { Random } from '../../src/random.js';
import { assertClose } from '../helpers/allclose.js';

const TOLERANCE = { atol: 2e-5, rtol: 1e-4 };
type Feeds = Record<string, ort.Tensor>;
type Outputs = Record<string, ort.Tensor>;

async function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes);
}
const floats = (data: Float32Array | number[], dims: number[]): ort.Tensor => new ort.Tensor('float32', Float32Array.from(data), dims);
const int64 = (values: number[], dims: number[]): ort.Tensor =>
  new ort.Tensor(
    'int64',
    BigInt64Array.from(values, (v) => BigInt(v)),
    dims,
  );
const int32 = (values: number[]): ort.Tensor => new ort.Tensor('int32', Int32Array.from(values), [values.length]);
const data = (t: ort.Tensor | undefined): Float32Array => t!.data as Float32Array;

function frames(random: Random, steps: number, D: number, offset: number): Sequence {
  return { steps, data: Float32Array.from({ length: steps * D }, () => offset + 3 * random.uniform(-1, 1)) };
}

/** Mean of −log p(target) over the steps where a target is given, from probabilities [rows, V]. */
function meanNll(probabilities: Float32Array, targets: (number | undefined)[], V: number): number {
  let sum = 0;
  let n = 0;
  targets.forEach((target, r) => {
    if (target === undefined) return;
    sum -= Math.log(probabilities[r * V + target]);
    n++;
  });
  return sum / n;
}

function argmaxAllowed(row: Float32Array, excluded: readonly number[]): number {
  let best = -1;
  for (let v = 0; v < row.length; v++) if (!excluded.includes(v) && (best < 0 || row[v] > row[best])) best = v;
  return best;
}

describe('exportOnnx: every model type in ONNX Runtime', () => {
  it("a SequenceRegressor standardises in the graph and predicts in the data's units (last, mean, max; ragged)", async () => {
    const random = new Random(5);
    const D = 3;
    const sequences = [frames(random, 6, D, 10), frames(random, 2, D, 10), frames(random, 4, D, 10)];
    const { x, lengths } = padSequences(sequences, D);
    for (const pooling of ['last', 'mean', 'max'] as const) {
      for (const cell of ['lstm', 'gru'] as const) {
        const model = SequenceRegressor.create({ inputSize: D, outputSize: 2, pooling, cell, hiddenSize: 5, numLayers: 2, seed: 7 });
        model.fitNormalization(sequences.map((f, i) => ({ frames: f, target: [100 + 10 * i, -50 * i] })));
        assert.ok(model.normalization.targetStd[0] > 1 && model.normalization.inputMean[0] > 5, 'a standardisation that matters');
        const expected = (await model.eval().predict(sequences)).flat();
        const s = await session(exportOnnx(model, { lengths: true }));
        const out = await s.run({ input: floats(x.data, x.shape), lengths: int32([...lengths]) });
        assert.deepEqual(out.output.dims, [3, 2]);
        assertClose(`regressor ${cell} ${pooling}`, data(out.output), Float32Array.from(expected), TOLERANCE);
      }
    }
  });

  it("a CTCModel gives rnnkit's per-frame class scores and probabilities over the real frames (ragged)", async () => {
    const random = new Random(8);
    const D = 4;
    const sequences = [frames(random, 3, D, 0), frames(random, 7, D, 0), frames(random, 5, D, 0)];
    const { x, lengths } = padSequences(sequences, D);
    for (const cell of ['lstm', 'gru'] as const) {
      const model = CTCModel.create({ inputSize: D, numLabels: 5, cell, hiddenSize: 6, numLayers: 2, seed: 3 }).eval();
      const logits = await model.logits(x, lengths);
      const s = await session(exportOnnx(model, { lengths: true }));
      const out = await s.run({ input: floats(x.data, x.shape), lengths: int32([...lengths]) });
      assert.deepEqual(out.output.dims, [7, 3, 6]);
      const B = 3;
      const C = 6;
      const real = (values: Float32Array): Float32Array =>
        Float32Array.from(
          lengths.flatMap((n, b) => Array.from({ length: n }, (_, t) => [...values.subarray((t * B + b) * C, (t * B + b + 1) * C)]).flat()),
        );
      assertClose(`ctc ${cell} logits`, real(data(out.output)), real(logits.data), TOLERANCE);
      const probabilities = real(data(out.probabilities));
      for (let r = 0; r < probabilities.length / C; r++) {
        assert.ok(Math.abs(probabilities.subarray(r * C, (r + 1) * C).reduce((a, v) => a + v, 0) - 1) < 1e-5);
      }
    }
  });

  for (const conditioning of ['initial-state', 'every-step'] as const) {
    for (const cell of ['lstm', 'gru'] as const) {
      it(`a SequenceGenerator (${conditioning}, ${cell}): encoder + decoder graphs give its loss and its greedy output`, async () => {
        const model = SequenceGenerator.create({
          vocabSize: 9,
          conditionSize: 3,
          conditioning,
          cell,
          embeddingDim: 4,
          hiddenSize: 7,
          numLayers: 2,
          seed: 11,
        }).eval();
        const { encoder, decoder } = exportOnnxParts(model);
        const [enc, dec] = await Promise.all([session(encoder), session(decoder)]);
        const batch = [
          { condition: [1, 0, 0.5], tokens: [0, 3, 4, 5, 8] },
          { condition: [-0.2, 1, 0], tokens: [0, 6, 8] },
        ];
        let nll = 0;
        let count = 0;
        for (const { condition, tokens } of batch) {
          const cond = floats(condition, [1, 3]);
          const initial = await enc.run({ condition: cond });
          const T = tokens.length - 1;
          const feeds: Feeds = {
            input: int64(tokens.slice(0, -1), [T, 1]),
            h: initial.h,
            ...(cell === 'lstm' ? { c: initial.c } : {}),
            ...(conditioning === 'every-step' ? { condition: cond } : {}),
          };
          const out = await dec.run(feeds);
          nll += meanNll(data(out.probabilities), tokens.slice(1), 9) * T;
          count += T;
        }
        const expected = await model.evaluate(batch);
        assert.ok(Math.abs(nll / count - expected) < 1e-5 * Math.max(1, expected), `ONNX loss ${nll / count}, rnnkit ${expected}`);

        // Greedy decoding one step at a time, the states fed back.
        const condition = [0.3, -1, 2];
        const greedy = await model.generate(condition, { begin: 0, end: 8, maxLength: 12, temperature: 0 });
        const cond = floats(condition, [1, 3]);
        let state: Outputs = await enc.run({ condition: cond });
        let token = 0;
        const tokens: number[] = [];
        for (let i = 0; i < 12; i++) {
          const out = await dec.run({
            input: int64([token], [1, 1]),
            h: state.h,
            ...(cell === 'lstm' ? { c: state.c } : {}),
            ...(conditioning === 'every-step' ? { condition: cond } : {}),
          });
          token = argmaxAllowed(data(out.output), []);
          state = { h: out.next_h, ...(cell === 'lstm' ? { c: out.next_c } : {}) };
          if (token === 8) break;
          tokens.push(token);
        }
        assert.deepEqual(tokens, greedy);
      });
    }
  }

  const seq2seqConfigs = [
    { context: 'final', contextUse: 'initial-state' },
    { context: 'final', contextUse: 'every-step' },
    { context: 'transform', contextUse: 'initial-state' },
    { context: 'transform', contextUse: 'every-step' },
    { context: 'attention', attention: 'additive' },
    { context: 'attention', attention: 'dot' },
    { context: 'attention', attention: 'general' },
  ] as const;
  for (const config of seq2seqConfigs) {
    for (const variant of [
      { cell: 'lstm', bidirectional: true },
      { cell: 'gru', bidirectional: false },
    ] as const) {
      const what = `a Seq2Seq (${Object.values(config).join(', ')}, ${variant.cell})`;
      it(`${what}: the decoder graph step by step gives its loss, greedy tokens and attention`, async () => {
        const model = (
          await Seq2Seq.create({
            sourceVocabSize: 8,
            targetVocabSize: 9,
            begin: 1,
            end: 2,
            embeddingDim: 4,
            hiddenSize: 5,
            numLayers: 2,
            attentionSize: 6,
            ...config,
            ...variant,
            seed: 4,
          })
        ).eval();
        const { encoder, decoder } = exportOnnxParts(model);
        assert.deepEqual(decodeModel(decoder).metadataProps, [
          { key: 'begin', value: '1' },
          { key: 'end', value: '2' },
        ]);
        const [enc, dec] = await Promise.all([session(encoder), session(decoder)]);
        const lstm = variant.cell === 'lstm';
        const attention = config.context === 'attention';
        const pairs = [
          { source: [3, 4], target: [5, 6, 7] },
          { source: [5, 6, 7, 3, 4], target: [3] },
          { source: [7, 7, 3], target: [4, 4] },
        ];
        const B = pairs.length;
        const S = 5;
        const sourceIds = new Array<number>(S * B).fill(0);
        pairs.forEach((p, b) =>
          p.source.forEach((id, t) => {
            sourceIds[t * B + b] = id;
          }),
        );
        const encoded = await enc.run({ source: int64(sourceIds, [S, B]), source_lengths: int32(pairs.map((p) => p.source.length)) });
        const fixed = (state: Outputs): Feeds => ({
          ...(encoded.context ? { context: encoded.context } : {}),
          ...(attention ? { encoder_output: encoded.encoder_output, source_lengths: int32(pairs.map((p) => p.source.length)) } : {}),
          ...(state.feed ? { feed: state.feed } : {}),
          h: state.h,
          ...(lstm ? { c: state.c } : {}),
        });
        const next = (out: Outputs): Outputs => ({
          h: out.next_h,
          ...(lstm ? { c: out.next_c } : {}),
          ...(out.next_feed ? { feed: out.next_feed } : {}),
        });

        // Teacher forcing: begin, then the true previous tokens; targets end with `end`.
        const targets = pairs.map((p) => [...p.target, 2]);
        const T = Math.max(...targets.map((t) => t.length));
        let state: Outputs = { ...encoded };
        let nll = 0;
        let count = 0;
        for (let t = 0; t < T; t++) {
          const fed = targets.map((target) => (t === 0 ? 1 : (target[t - 1] ?? 0)));
          const out = await dec.run({ token: int64(fed, [B]), ...fixed(state) });
          const probs = data(out.probabilities);
          targets.forEach((target, b) => {
            if (t < target.length) {
              nll -= Math.log(probs[b * 9 + target[t]]);
              count++;
            }
          });
          state = next(out);
        }
        const expected = await model.evaluate(pairs);
        assert.ok(Math.abs(nll / count - expected) < 1e-5 * Math.max(1, expected), `ONNX loss ${nll / count}, rnnkit ${expected}`);

        // Greedy decoding of the same sources.
        const greedy = await model.greedy(
          pairs.map((p) => p.source),
          { maxLength: 6 },
        );
        state = { ...encoded };
        let tokens = new Array<number>(B).fill(1);
        const decoded: number[][] = pairs.map(() => []);
        const attentionRows: number[][][] = pairs.map(() => []);
        const done = new Array<boolean>(B).fill(false);
        for (let t = 0; t < 6 && done.includes(false); t++) {
          const out = await dec.run({ token: int64(tokens, [B]), ...fixed(state) });
          const logits = data(out.output);
          tokens = pairs.map((_, b) => argmaxAllowed(logits.subarray(b * 9, (b + 1) * 9), model.excludedOutputs));
          tokens.forEach((token, b) => {
            if (done[b]) return;
            if (attention) attentionRows[b].push(Array.from(data(out.attention).subarray(b * S, b * S + pairs[b].source.length)));
            if (token === 2) done[b] = true;
            else decoded[b].push(token);
          });
          state = next(out);
        }
        assert.deepEqual(
          decoded,
          greedy.map((g) => g.tokens),
        );
        if (attention) {
          greedy.forEach((g, b) =>
            g.attention.forEach((row, t) =>
              assertClose(`attention row ${b} step ${t}`, Float32Array.from(attentionRows[b][t]), Float32Array.from(row), TOLERANCE),
            ),
          );
        }
      });
    }
  }

  it('refuses a two-graph model without part, part for another model, and lengths for a decoder', async () => {
    const generator = SequenceGenerator.create({ vocabSize: 5, conditionSize: 2, hiddenSize: 3 });
    assert.throws(
      () => exportOnnx(generator),
      (e: Error) => e instanceof UsageError && /exports as two graphs; pass part: 'encoder' or 'decoder'/.test(e.message),
    );
    assert.throws(() => exportOnnx(generator, { part: 'decoder', lengths: true }), /take no initialStates or lengths/);
    const ctc = CTCModel.create({ inputSize: 2, numLabels: 3, hiddenSize: 3 });
    assert.throws(() => exportOnnx(ctc, { part: 'encoder' }), /part applies to a SequenceGenerator or a Seq2Seq/);
    assert.throws(() => exportOnnx(ctc, { initialStates: true }), /starts from zero states/);
  });
});
