// ONNX export checked by a real engine: every exported configuration runs in ONNX Runtime
// (onnxruntime-node) and must give rnnkit's own forward at float32 tolerance.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { CharTokenizer } from '../../src/data/tokenizers/char.js';
import { UsageError } from '../../src/errors.js';
import { exportOnnx } from '../../src/io/onnx/export.js';
import { decodeModel } from '../../src/io/onnx/protobuf.js';
import { GRU, LSTM, RNN, type RecurrentLayer } from '../../src/layers/recurrent/layers.js';
import { LanguageModel } from '../../src/models/language-model/language-model.js';
import { SequenceClassifier } from '../../src/models/sequence-classifier.js';
import { SequenceTagger } from '../../src/models/sequence-tagger.js';
import { Random } from '../../src/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers/allclose.js';

const TOLERANCE = { atol: 2e-5, rtol: 1e-4 };

function randomTensor(shape: number[], random: Random): Tensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = random.uniform(-1, 1);
  return { shape, data };
}

type Kind = 'lstm' | 'lstm-peepholes' | 'gru' | 'gru-reset-before' | 'rnn-tanh' | 'rnn-relu';

function makeLayer(kind: Kind, numLayers: number, bidirectional: boolean, batchFirst = false): RecurrentLayer {
  const options = { inputSize: 5, hiddenSize: 6, numLayers, bidirectional, batchFirst, seed: 3 };
  if (kind === 'lstm' || kind === 'lstm-peepholes') return new LSTM({ ...options, peepholes: kind === 'lstm-peepholes' });
  if (kind === 'gru' || kind === 'gru-reset-before') return new GRU({ ...options, resetAfter: kind === 'gru' });
  return new RNN({ ...options, nonlinearity: kind === 'rnn-relu' ? 'relu' : 'tanh' });
}

async function runOrt(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const results = await session.run(feeds);
    return Object.fromEntries(Object.entries(results).map(([name, t]) => [name, { shape: [...t.dims], data: t.data as Float32Array }]));
  } finally {
    await session.release();
  }
}

/** Same shape, and values equal at float32 tolerance. */
function close(actual: Tensor | undefined, expected: Tensor, label: string): void {
  assert.ok(actual !== undefined, `${label}: missing`);
  assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
  assertClose(label, actual.data, expected.data, TOLERANCE);
}

const floatFeed = (t: Tensor): ort.Tensor => new ort.Tensor('float32', t.data, t.shape);

describe('exportOnnx', () => {
  const T = 7;
  const B = 4;
  const lengths = [7, 3, 5, 1];

  for (const kind of ['lstm', 'lstm-peepholes', 'gru', 'gru-reset-before', 'rnn-tanh', 'rnn-relu'] as const) {
    const lstm = kind.startsWith('lstm');
    for (const bidirectional of [false, true]) {
      it(
        `${kind}, ${bidirectional ? 'bidirectional' : 'one direction'}, 1–3 layers: ONNX Runtime equals rnnkit ` +
          '(ragged lengths and initial states; and plain)',
        async () => {
          for (const numLayers of [1, 2, 3]) {
            const layer = makeLayer(kind, numLayers, bidirectional);
            const random = new Random(numLayers * 17 + (bidirectional ? 1 : 0));
            const x = randomTensor([T, B, 5], random);
            const stateShape = [numLayers * (bidirectional ? 2 : 1), B, 6];
            const h0 = randomTensor(stateShape, random);
            const c0 = randomTensor(stateShape, random);
            const label = `${kind} ${numLayers} layer(s) ${bidirectional ? 'bi' : 'uni'}`;

            const ours = await layer.forward(x, { h0, ...(lstm ? { c0 } : {}), lengths });
            const feeds: Record<string, ort.Tensor> = {
              input: floatFeed(x),
              h0: floatFeed(h0),
              lengths: new ort.Tensor('int32', Int32Array.from(lengths), [B]),
            };
            if (lstm) feeds.c0 = floatFeed(c0);
            const theirs = await runOrt(exportOnnx(layer, { initialStates: true, lengths: true }), feeds);
            close(theirs.output, ours.output, `${label} output`);
            close(theirs.h, ours.h, `${label} h`);
            if (lstm) close(theirs.c, ours.c!, `${label} c`);

            const plain = await layer.forward(x);
            const plainOrt = await runOrt(exportOnnx(layer), { input: floatFeed(x) });
            close(plainOrt.output, plain.output, `${label} plain output`);
            close(plainOrt.h, plain.h, `${label} plain h`);
          }
        },
      );
    }
  }

  it('batchFirst layers and layers without bias export too', async () => {
    const random = new Random(5);
    for (const layer of [
      makeLayer('gru', 2, true, true),
      new LSTM({ inputSize: 5, hiddenSize: 6, bias: false, seed: 1 }),
      new LSTM({ inputSize: 5, hiddenSize: 6, bias: false, peepholes: true, seed: 2 }),
      new GRU({ inputSize: 5, hiddenSize: 6, bias: false, resetAfter: false, seed: 3 }),
    ]) {
      const x = randomTensor(layer.config.batchFirst ? [B, T, 5] : [T, B, 5], random);
      const ours = await layer.forward(x);
      const theirs = await runOrt(exportOnnx(layer, { opset: 14 }), { input: floatFeed(x) });
      close(theirs.output, ours.output, 'output');
      close(theirs.h, ours.h, 'h');
    }
  });

  it('a LanguageModel exports as Gather → recurrent nodes → MatMul + Add, with logits and probabilities', async () => {
    const text = 'the quick brown fox jumps over the lazy dog';
    const tokenizer = CharTokenizer.fromText(text);
    const cells = [
      { cell: 'lstm' },
      { cell: 'lstm', peepholes: true },
      { cell: 'gru' },
      { cell: 'gru', resetAfter: false },
      { cell: 'rnn' },
    ] as const;
    for (const variant of cells) {
      const cell = variant.cell;
      const model = (await LanguageModel.create({ tokenizer, ...variant, hiddenSize: 12, embeddingDim: 5, numLayers: 2, seed: 2 })).eval();
      const ids = tokenizer.encode('the lazy fox');
      const bytes = exportOnnx(model);
      const graph = decodeModel(bytes).graph;
      assert.deepEqual(
        graph.input.map((i) => i.name),
        ['input'],
      );
      assert.deepEqual(
        graph.output.map((o) => o.name),
        ['output', 'probabilities', 'h', ...(cell === 'lstm' ? ['c'] : [])],
      );
      assert.equal(graph.node.filter((n) => n.opType === cell.toUpperCase()).length, 2, 'one node per layer');
      const theirs = await runOrt(bytes, {
        input: new ort.Tensor(
          'int64',
          BigInt64Array.from(ids, (v) => BigInt(v)),
          [ids.length, 1],
        ),
      });
      // rnnkit's logits for the same window, one stream.
      model.core.prepare(ids.length, 1);
      model.core.resetState();
      model.core.inputIds().set(ids);
      model.core.run(false, false, false);
      const V = tokenizer.vocabSize;
      close(
        theirs.output,
        { shape: [ids.length, 1, V], data: Float32Array.from(model.core.output().subarray(0, ids.length * V)) },
        `${JSON.stringify(variant)} logits`,
      );
      const probs = theirs.probabilities.data;
      for (let t = 0; t < ids.length; t++) {
        const sum = probs.subarray(t * V, (t + 1) * V).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - 1) < 1e-5, `probabilities at step ${t} sum to ${sum}`);
      }
    }
  });

  it("a SequenceTagger and a SequenceClassifier (last, mean, max) give rnnkit's scores, with ragged lengths", async () => {
    const random = new Random(21);
    const sequences = [
      [3, 1, 4, 1, 5, 2],
      [2, 6],
      [5, 3, 5, 0],
    ];
    const T = 6;
    const B = sequences.length;
    const lengths = sequences.map((s) => s.length);
    const ids = new BigInt64Array(T * B);
    sequences.forEach((s, b) =>
      s.forEach((id, t) => {
        ids[t * B + b] = BigInt(id);
      }),
    );
    const feeds = { input: new ort.Tensor('int64', ids, [T, B]), lengths: new ort.Tensor('int32', Int32Array.from(lengths), [B]) };
    for (const variant of [
      { cell: 'lstm' },
      { cell: 'gru' },
      { cell: 'gru', resetAfter: false },
      { cell: 'lstm', peepholes: true },
    ] as const) {
      const cell = JSON.stringify(variant);
      const tagger = SequenceTagger.create({
        vocabSize: 7,
        numTags: 4,
        embeddingDim: 5,
        hiddenSize: 6,
        numLayers: 2,
        ...variant,
        seed: random.int(100),
      }).eval();
      const { logits } = await tagger.logits(sequences);
      const theirs = (await runOrt(exportOnnx(tagger, { lengths: true }), feeds)).output;
      assert.deepEqual(theirs.shape, [T, B, 4]);
      // Compare the real steps (rnnkit's padded steps hold the bias alone, as ONNX's).
      const real = (t: Tensor) =>
        Float32Array.from(
          sequences.flatMap((s, b) => s.flatMap((_, step) => [...t.data.subarray((step * B + b) * 4, (step * B + b + 1) * 4)])),
        );
      assertClose(`tagger ${cell}`, real(theirs), real(logits), TOLERANCE);
      for (const pooling of ['last', 'mean', 'max'] as const) {
        const classifier = SequenceClassifier.create({
          vocabSize: 7,
          numClasses: 3,
          embeddingDim: 5,
          hiddenSize: 6,
          numLayers: 2,
          ...variant,
          pooling,
          seed: random.int(100),
        }).eval();
        close(
          (await runOrt(exportOnnx(classifier, { lengths: true }), feeds)).output,
          await classifier.logits(sequences),
          `classifier ${cell} ${pooling}`,
        );
        // Without lengths every sequence is taken as full: compare on equal-length sequences.
        const full = [
          [1, 2, 3],
          [4, 5, 6],
        ];
        const fullIds = BigInt64Array.from([1, 4, 2, 5, 3, 6].map((v) => BigInt(v)));
        close(
          (await runOrt(exportOnnx(classifier), { input: new ort.Tensor('int64', fullIds, [3, 2]) })).output,
          await classifier.logits(full),
          `classifier ${cell} ${pooling} without lengths`,
        );
      }
    }
  });

  it("a BiLSTM-CRF tagger gives its emissions and the decoding scores; Viterbi over them is the tagger's prediction", async () => {
    const labels = ['O', 'B-X', 'I-X'];
    const tagger = SequenceTagger.create({
      vocabSize: 7,
      numTags: 3,
      embeddingDim: 5,
      hiddenSize: 6,
      seed: 12,
      crf: true,
      vocabularies: { labels },
    }).eval();
    const crf = tagger.crf!.layer;
    crf.loadStateDict({ ...crf.stateDict(), transitions: { shape: [3, 3], data: Float32Array.of(0.5, -1, 2, 1, 0.3, -2, 0.2, 1, 1.5) } });
    const sequences = [
      [3, 1, 4, 1, 5, 2],
      [2, 6],
      [5, 3, 5, 0],
    ];
    const [T, B] = [6, sequences.length];
    const ids = new BigInt64Array(T * B);
    sequences.forEach((s, b) =>
      s.forEach((id, t) => {
        ids[t * B + b] = BigInt(id);
      }),
    );
    const outputs = await runOrt(exportOnnx(tagger, { lengths: true }), {
      input: new ort.Tensor('int64', ids, [T, B]),
      lengths: new ort.Tensor('int32', Int32Array.from(sequences.map((s) => s.length)), [B]),
    });
    assert.deepEqual(Object.keys(outputs).sort(), ['end_transitions', 'output', 'start_transitions', 'transitions']);
    // I-X may neither start a path nor follow O: those scores are −∞.
    assert.equal(outputs.start_transitions.data[2], -Infinity);
    assert.equal(outputs.transitions.data[0 * 3 + 2], -Infinity);
    for (const name of ['start_transitions', 'end_transitions', 'transitions']) {
      assert.deepEqual(Array.from(outputs[name].data), Array.from(crf.decodingScores()[name].data), name);
    }
    // The best path by enumeration over ONNX Runtime's outputs, as a decoder outside rnnkit would find it.
    const [e, start, end, trans] = ['output', 'start_transitions', 'end_transitions', 'transitions'].map<Float32Array>(
      (n) => outputs[n].data,
    );
    const decoded = sequences.map((s, b) => {
      let best: { score: number; tags: number[] } = { score: -Infinity, tags: [] };
      for (let n = 0; n < 3 ** s.length; n++) {
        const tags = s.map((_, t) => Math.floor(n / 3 ** t) % 3);
        const score = tags.reduce(
          (sum, y, t) => sum + e[(t * B + b) * 3 + y] + (t > 0 ? trans[tags[t - 1] * 3 + y] : start[y]),
          end[tags.at(-1)!],
        );
        if (score > best.score) best = { score, tags };
      }
      return best.tags;
    });
    assert.deepEqual(decoded, await tagger.predict(sequences));
  });

  it('writes the gate blocks in ONNX order and the GRU with linear_before_reset 1, or 0 with the reset gate before', () => {
    const before = decodeModel(exportOnnx(makeLayer('gru-reset-before', 1, false))).graph.node.find((n) => n.opType === 'GRU')!;
    assert.equal(Number(before.attribute.find((a) => a.name === 'linear_before_reset')!.i), 0);
    const gru = makeLayer('gru', 1, false);
    const model = decodeModel(exportOnnx(gru));
    assert.equal(model.opsetImport[0].version, 17);
    assert.equal(model.producerName, 'rnnkit');
    const node = model.graph.node.find((n) => n.opType === 'GRU')!;
    assert.equal(node.attribute.find((a) => a.name === 'linear_before_reset')!.i, 1);
    const W = model.graph.initializer.find((t) => t.name === node.input[1])!;
    const first = new Float32Array(Uint8Array.from(W.rawData).buffer);
    const ih = gru.stateDict().weight_ih_l0.data;
    const H = 6 * 5; // one gate block: H rows × D columns
    assert.deepEqual(first.subarray(0, H), ih.subarray(H, 2 * H), 'ONNX z block = PyTorch z block');
    assert.deepEqual(first.subarray(H, 2 * H), ih.subarray(0, H), 'ONNX r block = PyTorch r block');
  });

  it("writes a peephole LSTM's p_i, p_f, p_o as ONNX's P (i, o, f), after the initial states", () => {
    const lstm = makeLayer('lstm-peepholes', 1, true);
    const graph = decodeModel(exportOnnx(lstm)).graph;
    const node = graph.node.find((n) => n.opType === 'LSTM')!;
    assert.equal(node.input.length, 8);
    assert.deepEqual(node.input.slice(4, 7), ['', '', ''], 'no lengths, h0 or c0');
    const P = graph.initializer.find((t) => t.name === node.input[7])!;
    assert.deepEqual(P.dims.map(Number), [2, 18]);
    const values = new Float32Array(Uint8Array.from(P.rawData).buffer);
    const dict = lstm.stateDict();
    for (const [d, sfx] of [
      [0, ''],
      [1, '_reverse'],
    ] as const) {
      const p = dict[`weight_peephole_l0${sfx}`].data;
      const row = values.subarray(d * 18, (d + 1) * 18);
      assert.deepEqual([...row], [...p.subarray(0, 6), ...p.subarray(12, 18), ...p.subarray(6, 12)], `direction ${d}: i, o, f`);
    }
  });

  it('rejects an unknown opset, lengths for a language model and foreign objects', async () => {
    const layer = makeLayer('lstm', 1, false);
    assert.throws(
      () => exportOnnx(layer, { opset: 9 }),
      (e: Error) => e instanceof UsageError && /opset must be an integer from 14 to 17/.test(e.message),
    );
    const model = await LanguageModel.create({ tokenizer: CharTokenizer.fromText('ab'), hiddenSize: 3 });
    assert.throws(() => exportOnnx(model, { lengths: true }), /takes no lengths/);
    assert.throws(
      () => exportOnnx({} as RecurrentLayer),
      /expected an RNN, LSTM or GRU layer or an rnnkit model \(LanguageModel, .*, Seq2Seq\)/,
    );
  });
});
