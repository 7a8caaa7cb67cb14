// Each training and sampling option of the CLI has an effect that a test would miss if it were
// ignored: the optimizer, schedule, warm-up, clipping and backend give the weights of the
// library doing the same (bit for bit, on the reference backend) and other weights than the
// defaults; the budgets stop where they say; word tokens, one direction and top-k show in the
// model file or the samples.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { splitValidation } from '../../src/data/stream.js';
import { CharTokenizer } from '../../src/data/tokenizers/char.js';
import { WordTokenizer } from '../../src/data/tokenizers/word.js';
import { loadModel } from '../../src/io/model-file.js';
import { LanguageModel } from '../../src/models/language-model/language-model.js';
import type { Parameter } from '../../src/layers/parameters.js';
import { Adam } from '../../src/training/optim/adam.js';
import type { Optimizer } from '../../src/training/optim/optimizer.js';
import { RMSprop } from '../../src/training/optim/rmsprop.js';
import { SGD } from '../../src/training/optim/sgd.js';
import { CosineAnnealing, type LrSchedule, warmupThen } from '../../src/training/schedules.js';
import { train } from '../../src/training/trainer.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { runCli, runJson } from '../helpers/cli.js';
import { suiteDir } from '../helpers/temp.js';

const CORPUS = new URL('../../data/moby-dick.txt', import.meta.url);
const STEPS = 6;
/** A tiny language model; the CLI's defaults otherwise (seed 1, 5 % held out, Adam 2e-3, clipping at 5). */
const LM = ['--hidden', '12', '--embed', '6', '--batch', '4', '--seq-len', '12', '--steps', String(STEPS), '--quiet'];

describe('CLI options change what they say', () => {
  const at = suiteDir('rnnkit-cli-options-', { 'text.txt': () => readFileSync(CORPUS, 'utf8').slice(70000, 73000) });
  let backend: Backend<Float32Array>;
  before(() => {
    backend = createReferenceBackend(Float32Array);
  });

  /** Trains the CLI's language model with the library: the same data, split, model and batches, on the reference backend. */
  const library = async (optimizer: (p: Parameter[]) => Optimizer, options: { clipNorm?: number; schedule?: LrSchedule } = {}) => {
    const text = readFileSync(at('text.txt'), 'utf8');
    const tokenizer = CharTokenizer.fromText(text);
    const ids = splitValidation(tokenizer.encode(text), 0.05).train;
    const model = await LanguageModel.create({
      tokenizer,
      cell: 'lstm',
      embeddingDim: 6,
      hiddenSize: 12,
      numLayers: 1,
      dropout: 0,
      seed: 1,
      backend,
    });
    await train(model.train().trainingTask(ids, 4, 12), {
      optimizer: optimizer(await model.parameters()),
      budget: { steps: STEPS },
      clipNorm: options.clipNorm,
      schedule: options.schedule,
    });
    return model.stateDict();
  };
  /** The weights of `rnnkit train lm` with `extra` options. */
  const cli = async (name: string, ...extra: string[]): Promise<Record<string, Tensor>> => {
    const out = at(`${name}.safetensors`);
    const r = runCli(['train', 'lm', '--data', at('text.txt'), '--out', out, ...LM, ...extra]);
    assert.equal(r.status, 0, r.stderr);
    return (await loadModel(out)).stateDict();
  };
  const same = (a: Record<string, Tensor>, b: Record<string, Tensor>): boolean =>
    Object.keys(a).length === Object.keys(b).length &&
    Object.keys(a).every((k) => Buffer.from(a[k].data.buffer).equals(Buffer.from(b[k].data.buffer)));
  const lr = 2e-3;

  it("--optimizer, --lr, --momentum: the weights of the library's optimizer, not Adam's", async () => {
    const adam = await cli('adam', '--backend', 'reference');
    assert.ok(same(adam, await library((p) => new Adam(p, { lr }, backend), { clipNorm: 5 })), 'the default is Adam');
    const sgd = await cli('sgd', '--backend', 'reference', '--optimizer', 'sgd', '--lr', '0.5');
    assert.ok(same(sgd, await library((p) => new SGD(p, { lr: 0.5 }, backend), { clipNorm: 5 })), '--optimizer sgd --lr 0.5');
    assert.ok(!same(sgd, adam));
    const rmsprop = await cli('rmsprop', '--backend', 'reference', '--optimizer', 'rmsprop', '--momentum', '0.5');
    assert.ok(
      same(rmsprop, await library((p) => new RMSprop(p, { lr, momentum: 0.5 }, backend), { clipNorm: 5 })),
      '--optimizer rmsprop --momentum 0.5',
    );
    assert.ok(!same(rmsprop, await library((p) => new RMSprop(p, { lr }, backend), { clipNorm: 5 })), 'momentum matters');
  });

  it("--schedule cosine and --warmup: the library's schedules, step by step", async () => {
    const cosine = await cli('cosine', '--backend', 'reference', '--schedule', 'cosine', '--warmup', '2');
    const schedule = warmupThen(new CosineAnnealing({ lr, tMax: STEPS - 2 }), { warmupSteps: 2 });
    assert.ok(same(cosine, await library((p) => new Adam(p, { lr }, backend), { clipNorm: 5, schedule })));
    const warmupOnly = await cli('warmup', '--backend', 'reference', '--warmup', '3');
    assert.ok(!same(warmupOnly, cosine) && !same(warmupOnly, await library((p) => new Adam(p, { lr }, backend), { clipNorm: 5 })));
  });

  it('--clip: the global norm clipped to, or off with 0', async () => {
    const tight = await cli('clip', '--backend', 'reference', '--clip', '0.05', '--optimizer', 'sgd', '--lr', '1');
    assert.ok(same(tight, await library((p) => new SGD(p, { lr: 1 }, backend), { clipNorm: 0.05 })));
    assert.ok(!same(tight, await library((p) => new SGD(p, { lr: 1 }, backend), { clipNorm: 5 })));
    const off = await cli('noclip', '--backend', 'reference', '--clip', '0', '--optimizer', 'sgd', '--lr', '1');
    assert.ok(same(off, await library((p) => new SGD(p, { lr: 1 }, backend))));
  });

  it("--backend: the reference backend gives the library's reference weights; the wasm kernels round differently", async () => {
    const reference = await cli('reference', '--backend', 'reference');
    const wasm = await cli('wasm', '--backend', 'wasm', '--threads', '1');
    assert.ok(same(reference, await library((p) => new Adam(p, { lr }, backend), { clipNorm: 5 })));
    assert.ok(!same(wasm, reference), "the wasm backend gave the reference backend's weights bit for bit");
  });

  it('--epochs and --time end the run where they say', () => {
    const data = at('labels.csv');
    writeFileSync(
      data,
      `text,label\n${Array.from({ length: 21 }, (_, i) => `${'ab'.repeat(1 + (i % 3))},${i % 2 ? 'odd' : 'even'}`).join('\n')}\n`,
    );
    const classify = (...extra: string[]) =>
      runJson<{ steps: number; epochs: number; stoppedBy: string; seconds: number }>([
        'train',
        'classify',
        '--data',
        data,
        '--out',
        at('epochs.safetensors'),
        '--hidden',
        '4',
        '--embed',
        '4',
        '--batch',
        '4',
        '--quiet',
        ...extra,
      ]);
    // 21 rows, ⌊2.1⌋ = 2 held out: 19 training examples in batches of 4 make 5 batches per epoch.
    const two = classify('--epochs', '2');
    assert.deepEqual([two.steps, two.epochs, two.stoppedBy], [10, 2, 'epochs']);
    assert.equal(classify('--epochs', '0.5').steps, 3);
    assert.equal(classify().steps, 5, 'one epoch without a budget');
    const timed = classify('--time', '0.5', '--steps', '20000');
    assert.equal(timed.stoppedBy, 'seconds');
    assert.ok(timed.seconds >= 0.5 && timed.steps < 20000, JSON.stringify(timed));
  });

  it('--tokenizer word (lm), --no-bidirectional (every task) and --top-k (sample) show in the model and its samples', async () => {
    const text = 'the cat sat on the mat .\nthe dog sat on the log .\n'.repeat(20);
    const words = at('words.txt');
    writeFileSync(words, text);
    const out = at('words.safetensors');
    assert.equal(
      runCli([
        'train',
        'lm',
        '--data',
        words,
        '--out',
        out,
        '--tokenizer',
        'word',
        '--hidden',
        '8',
        '--embed',
        '4',
        '--batch',
        '2',
        '--seq-len',
        '8',
        '--steps',
        '2',
        '--quiet',
      ]).status,
      0,
    );
    const lm = await loadModel(out, { type: 'language-model' });
    assert.deepEqual((lm.tokenizer as WordTokenizer).words, [
      '<pad>',
      '<unk>',
      '<eos>',
      'the',
      'sat',
      'on',
      '.',
      'cat',
      'mat',
      'dog',
      'log',
    ]);

    const data = at('bidirectional.csv');
    writeFileSync(data, 'text,label\nab,x\nba,y\naab,x\nbba,y\n');
    for (const [flags, directions] of [
      [[], 2],
      [['--no-bidirectional'], 1],
    ] as const) {
      const model = at(`directions-${directions}.safetensors`);
      assert.equal(
        runCli(['train', 'classify', '--data', data, '--out', model, '--hidden', '4', '--steps', '1', '--quiet', ...flags]).status,
        0,
      );
      const loaded = await loadModel(model, { type: 'sequence-classifier' });
      assert.equal(loaded.settings.bidirectional, directions === 2);
      assert.equal(Object.keys(loaded.stateDict()).filter((k) => k.endsWith('_reverse')).length, directions === 2 ? 4 : 0);
    }

    // Top-1 sampling draws the likeliest token whatever the seed: the greedy text of temperature 0.
    const sample = (...extra: string[]) => runCli(['sample', '--model', out, '--length', '30', '--prime', 'the', ...extra]).stdout;
    const greedy = sample('--temperature', '0');
    assert.equal(sample('--top-k', '1', '--seed', '1'), greedy);
    assert.equal(sample('--top-k', '1', '--seed', '2', '--temperature', '2'), greedy);
    assert.notEqual(
      sample('--seed', '1', '--temperature', '2'),
      sample('--seed', '2', '--temperature', '2'),
      'without --top-k the seed matters',
    );
  });
});
