// The PyTorch twin (python/rnnkit_torch), run by Python child processes: its forward equals
// rnnkit's on every model type (model files and inputs written by rnnkit, read by the twin; ragged
// batches), the files it saves back load in rnnkit unchanged, and `python -m rnnkit_torch.train`
// in two processes joined through PyTorch's env:// rendezvous (what torchrun sets up; gloo over
// loopback) continues a CLI-trained model to a lower held-out loss under `rnnkit eval`.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CharTokenizer } from '../../src/data/tokenizers/char.js';
import { padSequences, padTokenIds } from '../../src/data/sequences.js';
import { loadModel, saveModel } from '../../src/io/model-file.js';
import type { Model } from '../../src/io/model-types.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { CTCModel } from '../../src/models/ctc-model.js';
import { LanguageModel } from '../../src/models/language-model/language-model.js';
import { SequenceClassifier } from '../../src/models/sequence-classifier.js';
import { SequenceGenerator } from '../../src/models/sequence-generator.js';
import { SequenceRegressor } from '../../src/models/sequence-regressor.js';
import { SequenceTagger } from '../../src/models/sequence-tagger.js';
import { Seq2Seq } from '../../src/models/seq2seq/seq2seq.js';
import { Random } from '../../src/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers/allclose.js';
import { runJson } from '../helpers/cli.js';
import { torchMissing, torchPython, twinEnv } from '../helpers/python.js';
import { suiteDir } from '../helpers/temp.js';

const skip = torchMissing();
const TOLERANCE = { atol: 2e-5, rtol: 1e-4 };
const forwardScript = fileURLToPath(new URL('twin_forward.py', import.meta.url));
const f32 = (values: ArrayLike<number>, shape: number[]): Tensor => ({ shape, data: Float32Array.from(values) });

interface Case {
  name: string;
  kind: string;
  model: string;
  resaved: string;
}

describe('the PyTorch twin (rnnkit_torch)', { skip }, () => {
  const at = suiteDir('rnnkit-twin-');

  it("loads every model type with rnnkit's names and computes rnnkit's forward; saves files rnnkit loads unchanged", async () => {
    const random = new Random(3);
    const cases: Case[] = [];
    const inputs: Record<string, Tensor> = {};
    const expected: Record<string, Tensor> = {};
    const models = new Map<string, Model>();
    const add = async (name: string, model: Model, tensors: Record<string, Tensor>, output: Tensor): Promise<void> => {
      const file = at(`${name}.safetensors`);
      await saveModel(model, file);
      models.set(name, model);
      cases.push({ name, kind: kindOf(model), model: file, resaved: at(`${name}.resaved.safetensors`) });
      for (const [key, t] of Object.entries(tensors)) inputs[`${name}/${key}`] = t;
      expected[`${name}/output`] = output;
    };

    // Language models, one of them over a projected LSTM (PyTorch's proj_size).
    const text = 'the twin reads what rnnkit writes';
    const tokenizer = CharTokenizer.fromText(text);
    for (const [name, options] of [
      ['lm-lstm', { numLayers: 2 }],
      ['lm-gru', { cell: 'gru' }],
      ['lm-lstmp', { projSize: 3, numLayers: 2 }],
    ] as const) {
      const model = (await LanguageModel.create({ tokenizer, hiddenSize: 8, embeddingDim: 5, seed: 4, ...options })).eval();
      const ids = tokenizer.encode('rnnkit writes');
      model.core.prepare(ids.length, 1);
      model.core.resetState();
      model.core.inputIds().set(ids);
      model.core.run(false, false, false);
      const V = tokenizer.vocabSize;
      await add(name, model, { ids: f32(ids, [ids.length, 1]) }, f32(model.core.output().subarray(0, ids.length * V), [ids.length, 1, V]));
    }
    // Token sequence models on a ragged batch.
    const sequences = [
      [3, 1, 4, 1, 5, 2],
      [2, 6],
      [5, 3, 5, 0],
    ];
    const padded = padTokenIds(sequences, 'test');
    const tokenInputs = { ids: f32(padded.ids, [padded.T, padded.B]), lengths: f32(padded.lengths, [padded.B]) };
    const tagger = SequenceTagger.create({ vocabSize: 7, numTags: 4, embeddingDim: 5, hiddenSize: 6, numLayers: 2, seed: 5 }).eval();
    await add('tagger', tagger, tokenInputs, (await tagger.logits(sequences)).logits);
    for (const pooling of ['last', 'mean', 'max'] as const) {
      const classifier = SequenceClassifier.create({
        vocabSize: 7,
        numClasses: 3,
        embeddingDim: 5,
        hiddenSize: 6,
        cell: 'gru',
        pooling,
        seed: 6,
      }).eval();
      await add(`classifier-${pooling}`, classifier, tokenInputs, await classifier.logits(sequences));
    }
    // Frame models on a ragged batch.
    const frames = [3, 6, 2].map((steps) => ({
      steps,
      data: Float32Array.from({ length: steps * 3 }, () => 5 + 2 * random.uniform(-1, 1)),
    }));
    const { x, lengths } = padSequences(frames, 3);
    const frameInputs = { x, lengths: f32(lengths, [lengths.length]) };
    const regressor = SequenceRegressor.create({ inputSize: 3, outputSize: 2, pooling: 'mean', hiddenSize: 5, seed: 7 });
    regressor.fitNormalization(frames.map((f, i) => ({ frames: f, target: [10 * i, 100 - i] })));
    regressor.eval();
    await add('regressor', regressor, frameInputs, f32((await regressor.predict(frames)).flat(), [3, 2]));
    const ctc = CTCModel.create({ inputSize: 3, numLabels: 4, hiddenSize: 5, numLayers: 2, seed: 8 }).eval();
    await add('ctc', ctc, frameInputs, await ctc.logits(x, lengths));
    // Generators: the teacher-forced loss of a ragged batch.
    for (const conditioning of ['initial-state', 'every-step'] as const) {
      const generator = SequenceGenerator.create({
        vocabSize: 9,
        conditionSize: 3,
        conditioning,
        embeddingDim: 4,
        hiddenSize: 6,
        numLayers: 2,
        seed: 9,
      }).eval();
      const batch = [
        { condition: [1, 0, 0.5], tokens: [0, 3, 4, 5, 8] },
        { condition: [-0.2, 1, 0], tokens: [0, 6, 8] },
      ];
      const ids = padTokenIds(
        batch.map((s) => s.tokens.slice(0, -1)),
        'test',
      );
      const targets = padTokenIds(
        batch.map((s) => s.tokens.slice(1)),
        'test',
        -1,
      );
      await add(
        `generator-${conditioning}`,
        generator,
        {
          ids: f32(ids.ids, [ids.T, ids.B]),
          lengths: f32(ids.lengths, [ids.B]),
          targets: f32(targets.ids, [ids.T, ids.B]),
          condition: f32(
            batch.flatMap((s) => s.condition),
            [2, 3],
          ),
        },
        f32([await generator.evaluate(batch)], [1]),
      );
    }
    // Encoder–decoders: the teacher-forced loss of a ragged batch, in every context.
    const pairs = [
      { source: [3, 4], target: [5, 6, 7] },
      { source: [5, 6, 7, 3, 4], target: [3] },
      { source: [7, 7, 3], target: [4, 4] },
    ];
    const source = padTokenIds(
      pairs.map((p) => p.source),
      'test',
    );
    const decoderInputs = padTokenIds(
      pairs.map((p) => [1, ...p.target]),
      'test',
    );
    const decoderTargets = padTokenIds(
      pairs.map((p) => [...p.target, 2]),
      'test',
      -1,
    );
    const seq2seqInputs = {
      source: f32(source.ids, [source.T, source.B]),
      lengths: f32(source.lengths, [source.B]),
      inputs: f32(decoderInputs.ids, [decoderInputs.T, decoderInputs.B]),
      targets: f32(decoderTargets.ids, [decoderTargets.T, decoderTargets.B]),
    };
    for (const config of [
      { context: 'final', contextUse: 'every-step' },
      { context: 'transform', contextUse: 'initial-state' },
      { context: 'attention', attention: 'additive' },
      { context: 'attention', attention: 'general' },
      { context: 'attention', attention: 'dot', cell: 'gru' },
    ] as const) {
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
          seed: 10,
        })
      ).eval();
      await add(`seq2seq-${Object.values(config).join('-')}`, model, seq2seqInputs, f32([await model.evaluate(pairs)], [1]));
    }

    const casesFile = at('cases.safetensors');
    writeFileSync(casesFile, writeSafetensors(inputs, { cases: JSON.stringify(cases) }));
    const outputsFile = at('outputs.safetensors');
    const run = spawnSync(torchPython()!, [forwardScript, casesFile, outputsFile], { encoding: 'utf8', env: twinEnv() });
    assert.equal(run.status, 0, run.stderr);
    const theirs = readSafetensors(readFileSync(outputsFile));
    for (const c of cases) {
      const name = `${c.name}/output`;
      assert.deepEqual(theirs[name]?.shape, expected[name].shape, `${name} shape`);
      assertClose(name, theirs[name].data, expected[name].data, TOLERANCE);
      // What the twin saved is the same model for rnnkit.
      const resaved = await loadModel(c.resaved);
      const original = models.get(c.name)!;
      assert.deepEqual(resaved.settings, original.settings, `${c.name}: settings after the twin's save`);
      const a = original.stateDict();
      const b = resaved.stateDict();
      assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
      for (const key of Object.keys(a)) assert.deepEqual(b[key].data, a[key].data, `${c.name}: ${key}`);
    }
    assert.equal(cases.length, 16);
  });

  it('refuses, naming the reason, a model file whose cell variant torch lacks', async () => {
    const model = await LanguageModel.create({ tokenizer: CharTokenizer.fromText('ab'), cell: 'gru', resetAfter: false, hiddenSize: 3 });
    const file = at('reset-before.safetensors');
    await saveModel(model, file);
    const run = spawnSync(torchPython()!, ['-c', `import rnnkit_torch; rnnkit_torch.load(${JSON.stringify(file)})`], {
      encoding: 'utf8',
      env: twinEnv(),
    });
    assert.notEqual(run.status, 0);
    assert.match(
      run.stderr,
      /ValueError: LanguageModel: a GRU with the reset gate before the product \(resetAfter: false\) has no torch module/,
    );
  });

  it('python -m rnnkit_torch.train on two processes (DDP, gloo, env://) takes a CLI-trained model to a lower held-out loss', async () => {
    const book = readFileSync(new URL('../../data/moby-dick.txt', import.meta.url), 'utf8').slice(20000, 60000);
    writeFileSync(at('train.txt'), book.slice(0, 36000));
    writeFileSync(at('held-out.txt'), book.slice(36000));
    const model = at('cli.safetensors');
    runJson([
      'train',
      'lm',
      '--data',
      at('train.txt'),
      '--out',
      model,
      '--steps',
      '3',
      '--hidden',
      '48',
      '--embed',
      '16',
      '--batch',
      '8',
      '--seq-len',
      '32',
      '--threads',
      '1',
    ]);
    const before = runJson<{ bitsPerChar: number }>(['eval', '--model', model, '--data', at('held-out.txt')]).bitsPerChar;
    const port = await freePort();
    const out = at('twin-trained.safetensors');
    const args = [
      '-m',
      'rnnkit_torch.train',
      '--model',
      model,
      '--data',
      at('train.txt'),
      '--out',
      out,
      '--steps',
      '60',
      '--batch',
      '16',
      '--seq-len',
      '48',
      '--lr',
      '0.01',
    ];
    // What torchrun --nproc_per_node=2 sets for each worker (PyTorch's env:// rendezvous).
    const worker = (rank: number) =>
      run(
        torchPython()!,
        args,
        twinEnv({
          RANK: String(rank),
          LOCAL_RANK: String(rank),
          WORLD_SIZE: '2',
          LOCAL_WORLD_SIZE: '2',
          MASTER_ADDR: '127.0.0.1',
          MASTER_PORT: String(port),
        }),
      );
    const [first, second] = await Promise.all([worker(0), worker(1)]);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(second.status, 0, second.stderr);
    const summary = JSON.parse(first.stdout) as { out: string; steps: number; worldSize: number; firstLoss: number; lastLoss: number };
    assert.deepEqual([summary.out, summary.steps, summary.worldSize], [out, 60, 2]);
    assert.equal(second.stdout, '', 'only rank 0 writes and reports');
    const after = runJson<{ bitsPerChar: number }>(['eval', '--model', out, '--data', at('held-out.txt')]).bitsPerChar;
    assert.ok(after < before - 0.2, `held-out bits per character ${before} → ${after}`);
  });
});

function kindOf(model: Model): string {
  if (model instanceof LanguageModel) return 'language-model';
  if (model instanceof SequenceTagger) return 'sequence-tagger';
  if (model instanceof SequenceClassifier) return 'sequence-classifier';
  if (model instanceof SequenceRegressor) return 'sequence-regressor';
  if (model instanceof CTCModel) return 'ctc-model';
  if (model instanceof SequenceGenerator) return 'sequence-generator';
  return 'seq2seq';
}

/** A TCP port free on the loopback interface now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Runs a command to its end, collecting its output. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
