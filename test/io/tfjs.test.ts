// TensorFlow.js LayersModels into rnnkit: models built and saved with @tensorflow/tfjs-layers
// here (LSTM, GRU with the reset gate before the product — tfjs's only GRU —, SimpleRNN,
// Bidirectional, TimeDistributed, a sigmoid head, a character language model) give tfjs's
// outputs in rnnkit; a Keras-converted GRU with reset_after=True (which tfjs cannot run) gives
// the outputs of Keras's equations written out below in Keras's layout; what rnnkit lacks is a
// FormatError naming it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { FormatError, UsageError } from '../../src/errors.js';
import { importTfjsLayersModel, type TfjsImportOptions } from '../../src/io/tfjs/import.js';
import { readWeights } from '../../src/io/tfjs/weights.js';
import { LanguageModel } from '../../src/models/language-model/language-model.js';
import { SequenceClassifier } from '../../src/models/sequence-classifier.js';
import { SequenceTagger } from '../../src/models/sequence-tagger.js';
import { Random } from '../../src/random.js';
import { assertClose } from '../helpers/allclose.js';

const TOL = { atol: 2e-5, rtol: 1e-4 };
const [V, E, H, T] = [9, 4, 5, 6];
const SEQUENCES = [
  [1, 4, 2, 8, 0, 3],
  [7, 7, 1, 5, 6, 2],
  [3, 0, 0, 4, 8, 1],
];

/** tfjs's recurrent layers with rnnkit's gate function (tfjs defaults to hardSigmoid) and an initializer tfjs-core alone can run. */
const CELL = { recurrentActivation: 'sigmoid', recurrentInitializer: 'glorotUniform' } as const;
type RnnLayer = Parameters<typeof tfl.layers.bidirectional>[0]['layer'];

/** What `model.save` writes: model.json's object and the weight bytes. */
async function saved(model: tfl.LayersModel): Promise<{ json: object; weights: ArrayBuffer }> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = artifacts!;
  return {
    json: {
      format: 'layers-model',
      generatedBy: a.generatedBy,
      modelTopology: a.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
    },
    weights: a.weightData as ArrayBuffer,
  };
}

/** Sets every weight (biases included, which tfjs initialises to zero) to seeded values in [-0.6, 0.6]. */
function randomize(model: tfl.LayersModel, seed: number): void {
  const random = new Random(seed);
  model.setWeights(
    model.getWeights().map((w) =>
      tf.tensor(
        Float32Array.from({ length: w.size }, () => random.uniform(-0.6, 0.6)),
        w.shape,
      ),
    ),
  );
}

function sequential(layers: tfl.layers.Layer[]): tfl.Sequential {
  const model = tfl.sequential();
  model.add(tfl.layers.embedding({ inputDim: V, outputDim: E, inputLength: T }));
  for (const layer of layers) model.add(layer);
  return model;
}

/** tfjs's prediction on SEQUENCES. */
function predict(model: tfl.LayersModel): Float32Array {
  return (model.predict(tf.tensor2d(SEQUENCES, [SEQUENCES.length, T], 'float32')) as tf.Tensor).dataSync() as Float32Array;
}

/** Row-wise softmax of scores [rows, K]. */
function softmax(scores: ArrayLike<number>, K: number): Float32Array {
  const out = new Float32Array(scores.length);
  for (let r = 0; r < scores.length / K; r++) {
    const row = Array.from({ length: K }, (_, k) => scores[r * K + k]);
    const max = Math.max(...row);
    const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
    row.forEach((v, k) => {
      out[r * K + k] = Math.exp(v - max) / sum;
    });
  }
  return out;
}

/** A tagger's probabilities [T, B, K] as tfjs lays them out, [B, T, K]. */
async function taggerProbabilities(tagger: SequenceTagger, K: number): Promise<Float32Array> {
  const { logits } = await tagger.logits(SEQUENCES);
  const probs = softmax(logits.data, K);
  const B = SEQUENCES.length;
  const out = new Float32Array(probs.length);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) out.set(probs.subarray((t * B + b) * K, (t * B + b + 1) * K), (b * T + t) * K);
  return out;
}

async function imported(model: tfl.LayersModel, options: TfjsImportOptions = {}): ReturnType<typeof importTfjsLayersModel> {
  const { json, weights } = await saved(model);
  return importTfjsLayersModel(json, weights, options);
}

describe('TensorFlow.js import', () => {
  it("a two-layer LSTM tagger gives tfjs's probabilities at every step", async () => {
    await tf.setBackend('cpu');
    const model = sequential([
      tfl.layers.lstm({ units: H, returnSequences: true, ...CELL }),
      tfl.layers.lstm({ units: H, returnSequences: true, ...CELL }),
      tfl.layers.dense({ units: 3, activation: 'softmax' }),
    ]);
    randomize(model, 1);
    const tagger = await imported(model, { vocabularies: { labels: ['A', 'B', 'C'] } });
    assert.ok(tagger instanceof SequenceTagger);
    assert.deepEqual(
      { ...tagger.settings },
      { vocabSize: V, numTags: 3, embeddingDim: E, cell: 'lstm', hiddenSize: H, numLayers: 2, bidirectional: false, dropout: 0 },
    );
    assert.deepEqual(tagger.vocabularies.labels, ['A', 'B', 'C']);
    assertClose('LSTM tagger', await taggerProbabilities(tagger, 3), predict(model), TOL);
  });

  it("a GRU classifier becomes rnnkit's GRU with the reset gate before the product, and gives tfjs's probabilities", async () => {
    await tf.setBackend('cpu');
    const model = sequential([
      tfl.layers.gru({ units: H, returnSequences: true, ...CELL }),
      tfl.layers.gru({ units: H, ...CELL }),
      tfl.layers.dense({ units: 4, activation: 'softmax' }),
    ]);
    randomize(model, 2);
    const classifier = await imported(model);
    assert.ok(classifier instanceof SequenceClassifier);
    assert.equal(classifier.settings.resetAfter, false);
    assert.equal(classifier.pooling, 'last');
    const tfjs = predict(model);
    assertClose('GRU classifier', softmax((await classifier.logits(SEQUENCES)).data, 4), tfjs, TOL);
    // The same weights in PyTorch's GRU form compute something else: the form was carried over, not assumed.
    const pytorchForm = SequenceClassifier.create({ ...classifier.settings, resetAfter: true });
    pytorchForm.loadStateDict(classifier.stateDict());
    const other = softmax((await pytorchForm.eval().logits(SEQUENCES)).data, 4);
    assert.ok(
      other.some((p, i) => Math.abs(p - tfjs[i]) > 1e-3),
      'the reset-after form differs',
    );
  });

  it("bidirectional SimpleRNNs with a sigmoid unit become a two-class classifier with tfjs's probability", async () => {
    await tf.setBackend('cpu');
    const model = sequential([
      tfl.layers.bidirectional({
        layer: tfl.layers.simpleRNN({ units: H, returnSequences: true, recurrentInitializer: 'glorotUniform' }),
      }),
      tfl.layers.bidirectional({ layer: tfl.layers.simpleRNN({ units: H, recurrentInitializer: 'glorotUniform' }) }),
      tfl.layers.dropout({ rate: 0.5 }),
      tfl.layers.dense({ units: 1, activation: 'sigmoid' }),
    ]);
    randomize(model, 3);
    const classifier = await imported(model, { vocabularies: { labels: ['neg', 'pos'] } });
    assert.ok(classifier instanceof SequenceClassifier);
    assert.deepEqual(
      [classifier.settings.cell, classifier.settings.bidirectional, classifier.settings.numLayers, classifier.numClasses],
      ['rnn', true, 2, 2],
    );
    const probs = softmax((await classifier.logits(SEQUENCES)).data, 2);
    assertClose(
      'P(class 1) = σ(z)',
      probs.filter((_, i) => i % 2 === 1),
      predict(model),
      TOL,
    );
  });

  it("a bidirectional GRU tagger with a TimeDistributed Dense and a softmax Activation gives tfjs's probabilities", async () => {
    await tf.setBackend('cpu');
    const model = sequential([
      tfl.layers.bidirectional({ layer: tfl.layers.gru({ units: H, returnSequences: true, ...CELL }) }),
      tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: 3 }) }),
      tfl.layers.activation({ activation: 'softmax' }),
    ]);
    randomize(model, 4);
    const tagger = await imported(model);
    assert.ok(tagger instanceof SequenceTagger);
    assert.deepEqual([tagger.settings.bidirectional, tagger.settings.resetAfter], [true, false]);
    assertClose('bidirectional GRU tagger', await taggerProbabilities(tagger, 3), predict(model), TOL);
  });

  it("with its characters, an LSTM over the Embedding's vocabulary is a language model: tfjs's next-character distribution", async () => {
    await tf.setBackend('cpu');
    const model = sequential([
      tfl.layers.lstm({ units: H, returnSequences: true, ...CELL }),
      tfl.layers.dense({ units: V, activation: 'softmax' }),
    ]);
    randomize(model, 5);
    const vocabulary = [...'abcdefghi'];
    const lm = await imported(model, { vocabulary });
    assert.ok(lm instanceof LanguageModel);
    assert.equal(lm.tokenizer.vocabSize, V + 1, '<unk> in front');
    const ids = SEQUENCES[0];
    lm.core.prepare(T, 1);
    lm.core.resetState();
    lm.core.inputIds().set(lm.tokenizer.encode(ids.map((i) => vocabulary[i]).join('')));
    lm.core.run(false, false, false);
    const ours = softmax(lm.core.output().subarray(0, T * (V + 1)), V + 1);
    assert.ok(
      ours.every((p, i) => i % (V + 1) !== 0 || p === 0),
      '<unk> is never predicted',
    );
    assertClose(
      'next-character distributions',
      ours.filter((_, i) => i % (V + 1) !== 0),
      predict(model).subarray(0, T * V),
      TOL,
    );
  });

  it("a Keras GRU with reset_after=True (converter layout, bias [2, 3H]) gives Keras's equations' outputs", async () => {
    const random = new Random(6);
    const values = (n: number): number[] => Array.from({ length: n }, () => random.uniform(-0.6, 0.6));
    const K = 3;
    const weights: [string, number[], number[]][] = [
      ['embedding/embeddings', [V, E], values(V * E)],
      ['bidirectional/forward_gru/gru_cell/kernel', [E, 3 * H], values(E * 3 * H)],
      ['bidirectional/forward_gru/gru_cell/recurrent_kernel', [H, 3 * H], values(H * 3 * H)],
      ['bidirectional/forward_gru/gru_cell/bias', [2, 3 * H], values(6 * H)],
      ['bidirectional/backward_gru/gru_cell/kernel', [E, 3 * H], values(E * 3 * H)],
      ['bidirectional/backward_gru/gru_cell/recurrent_kernel', [H, 3 * H], values(H * 3 * H)],
      ['bidirectional/backward_gru/gru_cell/bias', [2, 3 * H], values(6 * H)],
      ['time_distributed/kernel', [2 * H, K], values(2 * H * K)],
      ['time_distributed/bias', [K], values(K)],
    ];
    const gru = {
      name: 'gru',
      units: H,
      activation: 'tanh',
      recurrent_activation: 'sigmoid',
      use_bias: true,
      return_sequences: true,
      return_state: false,
      go_backwards: false,
      stateful: false,
      unroll: false,
      time_major: false,
      reset_after: true,
    };
    const json = {
      format: 'layers-model',
      generatedBy: 'keras v2.13.1',
      convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: {
        keras_version: '2.13.1',
        backend: 'tensorflow',
        model_config: {
          class_name: 'Sequential',
          config: {
            name: 'sequential',
            layers: [
              { class_name: 'InputLayer', config: { batch_input_shape: [null, null], dtype: 'float32', name: 'embedding_input' } },
              { class_name: 'Embedding', config: { name: 'embedding', input_dim: V, output_dim: E, mask_zero: false } },
              {
                class_name: 'Bidirectional',
                config: { name: 'bidirectional', merge_mode: 'concat', layer: { class_name: 'GRU', config: gru } },
              },
              {
                class_name: 'TimeDistributed',
                config: {
                  name: 'time_distributed',
                  layer: { class_name: 'Dense', config: { name: 'dense', units: K, activation: 'softmax', use_bias: true } },
                },
              },
            ],
          },
        },
      },
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: weights.map(([name, shape]) => ({ name, shape, dtype: 'float32' })) }],
    };
    const bytes = new Uint8Array(Float32Array.from(weights.flatMap(([, , v]) => v)).buffer);
    const tagger = await importTfjsLayersModel(JSON.stringify(json), [bytes.subarray(0, 100), bytes.subarray(100)]);
    assert.ok(tagger instanceof SequenceTagger);
    assert.equal(tagger.settings.resetAfter, undefined, "PyTorch's form");

    // Keras's GRUCell (reset_after=True), in Keras's layout: gate columns z, r, h; bias rows [input; recurrent].
    const w = Object.fromEntries(weights.map(([name, , v]) => [name, Float32Array.from(v)]));
    const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
    const kerasGru = (prefix: string, xs: Float32Array[]): Float32Array[] => {
      const [kernel, rk, bias] = ['kernel', 'recurrent_kernel', 'bias'].map((n) => w[`bidirectional/${prefix}/gru_cell/${n}`]);
      let h = new Float32Array(H);
      return xs.map((x) => {
        const matX = Array.from({ length: 3 * H }, (_, c) => bias[c] + x.reduce((s, v, i) => s + v * kernel[i * 3 * H + c], 0));
        const matH = Array.from({ length: 3 * H }, (_, c) => bias[3 * H + c] + h.reduce((s, v, i) => s + v * rk[i * 3 * H + c], 0));
        const next = new Float32Array(H);
        for (let j = 0; j < H; j++) {
          const z = sigmoid(matX[j] + matH[j]);
          const r = sigmoid(matX[H + j] + matH[H + j]);
          const hh = Math.tanh(matX[2 * H + j] + r * matH[2 * H + j]);
          next[j] = z * h[j] + (1 - z) * hh;
        }
        h = next;
        return next;
      });
    };
    const expected: number[] = [];
    for (const sequence of SEQUENCES) {
      const xs = sequence.map((id) => w['embedding/embeddings'].slice(id * E, (id + 1) * E));
      const forward = kerasGru('forward_gru', xs);
      const backward = kerasGru('backward_gru', [...xs].reverse()).reverse();
      for (let t = 0; t < T; t++) {
        const features = [...forward[t], ...backward[t]];
        expected.push(
          ...softmax(
            Array.from(
              { length: K },
              (_, k) => w['time_distributed/bias'][k] + features.reduce((s, v, i) => s + v * w['time_distributed/kernel'][i * K + k], 0),
            ),
            K,
          ),
        );
      }
    }
    assertClose('Keras reset_after GRU tagger', await taggerProbabilities(tagger, K), expected, TOL);
  });

  it('reads quantized weights (uint8, uint16 with scale and min, float16) and refuses bytes that do not match', () => {
    const specs = [
      { name: 'a', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
      { name: 'b', shape: [2], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.25, min: 2 } },
      { name: 'c', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
      { name: 'd', shape: [1], dtype: 'float32' },
    ];
    const bytes = new Uint8Array(3 + 4 + 4 + 4);
    const view = new DataView(bytes.buffer);
    bytes.set([0, 2, 255]);
    view.setUint16(3, 4, true);
    view.setUint16(5, 10, true);
    view.setUint16(7, 0x3c00, true); // 1
    view.setUint16(9, 0xc100, true); // −2.5
    view.setFloat32(11, 0.125, true);
    const out = readWeights(specs, bytes);
    assert.deepEqual([...out.a.data, ...out.b.data, ...out.c.data, ...out.d.data], [-1, 0, 126.5, 3, 4.5, 1, -2.5, 0.125]);
    assert.throws(
      () => readWeights(specs, bytes.subarray(1)),
      (e: Error) => e instanceof FormatError && /end before d/.test(e.message),
    );
    assert.throws(
      () => readWeights(specs.slice(0, 3), bytes),
      (e: Error) => e instanceof FormatError && /hold 15 bytes but the manifest describes 11/.test(e.message),
    );
    assert.throws(() => readWeights([{ name: 'i', shape: [1], dtype: 'int32' }], new Uint8Array(4)), /weight i is int32/);
  });

  it('refuses layers and settings rnnkit lacks, naming them; and options that do not fit', async () => {
    await tf.setBackend('cpu');
    const lstm = (options: object = {}): tfl.layers.Layer => tfl.layers.lstm({ units: H, returnSequences: true, ...CELL, ...options });
    const cases: [tfl.layers.Layer[], RegExp][] = [
      [
        [tfl.layers.conv1d({ filters: 2, kernelSize: 2 }), tfl.layers.dense({ units: 2 })],
        /layer 'conv1d_Conv1D\d+' is a Conv1D, which rnnkit does not have/,
      ],
      [
        [tfl.layers.lstm({ units: H, returnSequences: true, recurrentInitializer: 'glorotUniform' }), tfl.layers.dense({ units: 2 })],
        /recurrent_activation hardsigmoid; rnnkit's gates use the logistic sigmoid/,
      ],
      [[lstm({ activation: 'relu' }), tfl.layers.dense({ units: 2 })], /uses activation relu/],
      [
        [tfl.layers.bidirectional({ layer: lstm() as unknown as RnnLayer, mergeMode: 'sum' }), tfl.layers.dense({ units: 2 })],
        /merges with 'sum'/,
      ],
      [[lstm(), tfl.layers.gru({ units: H, returnSequences: true, ...CELL }), tfl.layers.dense({ units: 2 })], /differ in cell, units/],
      [[lstm(), tfl.layers.dense({ units: 3, activation: 'relu' })], /ends in relu over 3 outputs/],
      [[lstm({ goBackwards: true }), tfl.layers.dense({ units: 2 })], /sets go_backwards/],
    ];
    for (const [layers, message] of cases) {
      await assert.rejects(imported(sequential(layers)), (e: Error) => e instanceof FormatError && message.test(e.message), message.source);
    }
    const tagger = sequential([lstm(), tfl.layers.dense({ units: 3, activation: 'softmax' })]);
    await assert.rejects(
      imported(tagger, { as: 'sequence-classifier' }),
      (e: Error) => e instanceof UsageError && /needs the last recurrent layer to return one vector/.test(e.message),
    );
    await assert.rejects(
      imported(tagger, { vocabulary: [...'abcdefghi'] }),
      (e: Error) => e instanceof UsageError && /must score the 9 tokens of its Embedding/.test(e.message),
    );
    await assert.rejects(
      imported(tagger, { as: 'language-model' }),
      (e: Error) => e instanceof UsageError && /needs its characters/.test(e.message),
    );
    const { json, weights } = await saved(tagger);
    // A recurrent layer that returns one vector, followed by another (tfjs would not build it; Keras would).
    const stacked = await saved(sequential([lstm(), lstm(), tfl.layers.dense({ units: 2 })]));
    const layers = (stacked.json as { modelTopology: { config: { layers: { config: Record<string, unknown> }[] } } }).modelTopology.config
      .layers;
    layers[1].config.return_sequences = false;
    await assert.rejects(
      importTfjsLayersModel(stacked.json, stacked.weights),
      /returns one vector \(return_sequences: false\) but another recurrent layer follows/,
    );
    await assert.rejects(importTfjsLayersModel({ ...json, format: 'graph-model' }, weights), /holds a 'graph-model', not a 'layers-model'/);
    await assert.rejects(importTfjsLayersModel('{"modelTopology": ', weights), /model.json is not valid JSON/);
    await assert.rejects(importTfjsLayersModel(json, weights.slice(0, 40)), /the weight files end before/);
  });
});
