// `rnnkit import --from pytorch` on the PyTorch char-LM fixture: the imported model
// samples PyTorch's greedy continuation through `rnnkit sample`. `rnnkit import --from tfjs`
// on a model.json and weight file saved by @tensorflow/tfjs-layers: the model file scores as tfjs.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadModel } from '../../src/io/model-file.js';
import { Random } from '../../src/random.js';
import { assertClose } from '../helpers/allclose.js';
import { assertFails, runCli, runJson } from '../helpers/cli.js';

const FIXTURE = new URL('../fixtures/pytorch-lm/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', FIXTURE), 'utf8')) as { vocab: string[]; prime: string; greedy: string };
const weights = fileURLToPath(new URL('model.safetensors', FIXTURE));

describe('rnnkit import --from pytorch', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rnnkit-cli-import-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('imports with a JSON vocabulary or one read from a text, and samples as PyTorch does', () => {
    const vocab = join(dir, 'vocab.json');
    writeFileSync(vocab, JSON.stringify(expected.vocab));
    const corpus = join(dir, 'corpus.txt');
    writeFileSync(corpus, [...expected.vocab].reverse().join('').repeat(3));
    for (const source of [
      ['--vocab', vocab],
      ['--vocab-from', corpus],
    ]) {
      const out = join(dir, 'imported.safetensors');
      const r = runCli(['import', '--from', 'pytorch', '--weights', weights, ...source, '--out', out, '--json']);
      assert.equal(r.status, 0, r.stderr);
      const summary = JSON.parse(r.stdout) as { cell: string; numLayers: number; hiddenSize: number; vocabSize: number };
      assert.deepEqual(
        [summary.cell, summary.numLayers, summary.hiddenSize, summary.vocabSize],
        ['lstm', 2, 48, expected.vocab.length + 1],
      );
      const sample = runCli([
        'sample',
        '--model',
        out,
        '--prime',
        expected.prime,
        '--length',
        String(expected.greedy.length),
        '--temperature',
        '0',
      ]);
      assert.equal(sample.status, 0, sample.stderr);
      assert.equal(sample.stdout, `${expected.prime}${expected.greedy}\n`);
    }
  });

  it('imports a TensorFlow.js GRU classifier from its model.json and weight file, which then scores as tfjs', async () => {
    await tf.setBackend('cpu');
    const model = tfl.sequential();
    model.add(tfl.layers.embedding({ inputDim: 6, outputDim: 3, inputLength: 4 }));
    model.add(tfl.layers.gru({ units: 4, recurrentActivation: 'sigmoid', recurrentInitializer: 'glorotUniform' }));
    model.add(tfl.layers.dense({ units: 2, activation: 'softmax' }));
    const random = new Random(9);
    model.setWeights(
      model.getWeights().map((w) =>
        tf.tensor(
          Float32Array.from({ length: w.size }, () => random.uniform(-0.8, 0.8)),
          w.shape,
        ),
      ),
    );
    const web = join(dir, 'web_model');
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        mkdirSync(web);
        writeFileSync(
          join(web, 'model.json'),
          JSON.stringify({
            format: 'layers-model',
            modelTopology: a.modelTopology,
            weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }],
          }),
        );
        writeFileSync(join(web, 'group1-shard1of1.bin'), new Uint8Array(a.weightData as ArrayBuffer));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const labels = join(dir, 'labels.json');
    writeFileSync(labels, JSON.stringify(['neg', 'pos']));
    const out = join(dir, 'from-tfjs.safetensors');
    const summary = runJson<{ modelType: string; cell: string; resetAfter: boolean; hiddenSize: number; vocabSize: number }>([
      'import',
      '--from',
      'tfjs',
      join(web, 'model.json'),
      '--labels',
      labels,
      '--out',
      out,
    ]);
    assert.deepEqual(
      [summary.modelType, summary.cell, summary.resetAfter, summary.hiddenSize, summary.vocabSize],
      ['sequence-classifier', 'gru', false, 4, 6],
    );
    const classifier = (await loadModel(out, { type: 'sequence-classifier' })).eval();
    assert.deepEqual(classifier.vocabularies.labels, ['neg', 'pos']);
    const ids = [
      [1, 5, 2, 0],
      [3, 3, 4, 1],
    ];
    const logits = (await classifier.logits(ids)).data;
    const ours = Array.from(logits, (_, i) => 1 / (1 + Math.exp(logits[i ^ 1] - logits[i]))); // softmax over two classes
    assertClose('probabilities', ours, (model.predict(tf.tensor2d(ids)) as tf.Tensor).dataSync(), { atol: 2e-5, rtol: 1e-4 });

    assertFails(runCli(['import', '--from', 'tfjs', '--out', out]), 2, /--from tfjs needs the model.json/);
    assertFails(
      runCli(['import', '--from', 'tfjs', join(web, 'model.json'), '--weights', weights, '--out', out]),
      2,
      /--weights is for --from pytorch/,
    );
  });

  it('usage errors exit 2 with one line', () => {
    const out = join(dir, 'x.safetensors');
    for (const [args, message] of [
      [['import', '--weights', weights, '--vocab-from', weights, '--out', out], /--from/],
      [['import', '--from', 'pytorch', '--weights', weights, '--out', out], /exactly one of --vocab/],
      [['import', '--from', 'keras', '--weights', weights, '--out', out], /keras/],
      [
        ['import', '--from', 'pytorch', '--weights', weights, '--vocab-from', weights, '--labels', weights, '--out', out],
        /--labels is for --from tfjs/,
      ],
    ] as const) {
      const r = runCli([...args]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /^rnnkit: error: .*\n$/);
      assert.match(r.stderr, message);
    }
  });
});
