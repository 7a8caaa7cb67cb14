// `rnnkit train lm`, `eval` and `sample` as a user runs them: on a slice of the bundled
// corpus with a tiny model and a few steps; results as JSON; resume; usage errors exit 2, other failures 1.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadModel } from '../../src/io/model-file.js';
import { assertFails, runCli, runJson } from '../helpers/cli.js';

const CORPUS = new URL('../../data/moby-dick.txt', import.meta.url);
const TINY = ['--hidden', '16', '--embed', '8', '--batch', '4', '--seq-len', '16', '--threads', '1'];

describe('rnnkit train lm / eval / sample', () => {
  let dir: string;
  let data: string;
  let model: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rnnkit-cli-lm-'));
    data = join(dir, 'text.txt');
    writeFileSync(data, readFileSync(CORPUS, 'utf8').slice(30000, 42000));
    model = join(dir, 'lm.safetensors');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('train lm --json trains, validates, saves the model and a checkpoint beside it', () => {
    const r = runCli(['train', 'lm', '--data', data, '--out', model, '--steps', '4', '--json', ...TINY]);
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as {
      steps: number;
      tokens: number;
      model: string;
      validation: { bitsPerChar: number; perplexity: number; tokens: number };
    };
    assert.equal(summary.steps, 4);
    assert.equal(summary.tokens, 4 * 4 * 16);
    assert.equal(summary.model, model);
    assert.ok(summary.validation.bitsPerChar > 0 && summary.validation.bitsPerChar < 8, JSON.stringify(summary));
    assert.ok(existsSync(model) && existsSync(`${model}.ckpt`));
  });

  it('--resume continues the checkpointed run to the new budget', () => {
    const out = join(dir, 'resumed.safetensors');
    const r = runCli([
      'train',
      'lm',
      '--data',
      data,
      '--out',
      out,
      '--resume',
      `${model}.ckpt`,
      '--steps',
      '7',
      '--json',
      '--threads',
      '1',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { steps: number; tokens: number };
    assert.equal(summary.steps, 7);
    assert.equal(summary.tokens, 7 * 4 * 16, 'the run keeps its batch and window from the checkpoint');
  });

  it('info --model describes a checkpoint: its type, tokenizer and step', () => {
    const info = runJson<{ modelType: string; tokenizer: { kind: string }; checkpointStep: number; labels: null }>([
      'info',
      '--model',
      `${model}.ckpt`,
    ]);
    assert.deepEqual([info.modelType, info.tokenizer.kind, info.checkpointStep, info.labels], ['language-model', 'char', 4, null]);
  });

  it('eval --json prints bitsPerChar, perplexity and tokens', () => {
    const r = runCli(['eval', '--model', model, '--data', data, '--json', '--batch', '2', '--seq-len', '32']);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { bitsPerChar: number; perplexity: number; tokens: number; loss: number };
    assert.ok(Math.abs(result.bitsPerChar - result.loss / Math.LN2) < 1e-9);
    assert.ok(Math.abs(result.perplexity - Math.exp(result.loss)) < 1e-6);
    assert.equal(result.tokens % 64, 0);
  });

  it('sample prints the prime and its continuation, the same for the same seed', () => {
    const args = ['sample', '--model', model, '--prime', 'The whale', '--length', '50', '--seed', '3', '--temperature', '0.8'];
    const a = runCli(args);
    assert.equal(a.status, 0, a.stderr);
    assert.ok(a.stdout.startsWith('The whale'));
    assert.equal([...a.stdout].length, 'The whale'.length + 50 + 1);
    assert.equal(runCli(args).stdout, a.stdout);
    assert.notEqual(runCli([...args.slice(0, -4), '--seed', '4']).stdout, a.stdout);
  });

  it('export --format onnx writes a model that ONNX Runtime runs', async () => {
    const out = join(dir, 'lm.onnx');
    const r = runCli(['export', '--model', model, '--format', 'onnx', '--out', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { bytes: number }).bytes, readFileSync(out).length);
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(readFileSync(out));
    const { probabilities } = await session.run({ input: new ort.Tensor('int64', new BigInt64Array([5n, 6n, 7n]), [3, 1]) });
    assert.equal(probabilities.dims.length, 3);
    await session.release();
    assertFails(runCli(['export', '--model', model, '--format', 'tflite', '--out', out]), 2, /tflite/);
  });

  it("--gru-form reset-before and --peepholes train and save the cell's variant; given to another cell they are usage errors", async () => {
    for (const [flags, field] of [
      [['--cell', 'gru', '--gru-form', 'reset-before'], { resetAfter: false }],
      [['--cell', 'lstm', '--peepholes'], { peepholes: true }],
    ] as const) {
      const out = join(dir, `variant-${flags[1]}.safetensors`);
      const r = runCli(['train', 'lm', '--data', data, '--out', out, '--steps', '2', '--json', ...flags, ...TINY]);
      assert.equal(r.status, 0, r.stderr);
      const loaded = await loadModel(out, { type: 'language-model' });
      assert.deepEqual({ ...loaded.settings }, { cell: flags[1], embeddingDim: 8, hiddenSize: 16, numLayers: 1, dropout: 0, ...field });
    }
    assertFails(
      runCli(['train', 'lm', '--data', data, '--out', model, '--gru-form', 'reset-before']),
      2,
      /--gru-form applies to --cell gru, not --cell lstm/,
    );
    assertFails(
      runCli(['train', 'lm', '--data', data, '--out', model, '--cell', 'gru', '--peepholes']),
      2,
      /--peepholes applies to --cell lstm, not --cell gru/,
    );
  });

  it("--proj-size saves a projected LSTM (PyTorch's proj_size); export refuses it; a bad size or cell: usage error", async () => {
    const out = join(dir, 'projected.safetensors');
    const r = runCli(['train', 'lm', '--data', data, '--out', out, '--steps', '2', '--json', '--proj-size', '5', ...TINY]);
    assert.equal(r.status, 0, r.stderr);
    const loaded = await loadModel(out, { type: 'language-model' });
    assert.deepEqual({ ...loaded.settings }, { cell: 'lstm', embeddingDim: 8, hiddenSize: 16, numLayers: 1, dropout: 0, projSize: 5 });
    assert.deepEqual(loaded.stateDict()['rnn.weight_hr_l0'].shape, [5, 16]);
    assertFails(
      runCli(['export', '--model', out, '--format', 'onnx', '--out', join(dir, 'projected.onnx')]),
      2,
      /an LSTM with a projection \(projSize 5, PyTorch's proj_size\) has no ONNX form/,
    );
    assertFails(
      runCli(['train', 'lm', '--data', data, '--out', model, '--cell', 'gru', '--proj-size', '4']),
      2,
      /--proj-size applies to --cell lstm, not --cell gru/,
    );
    assertFails(
      runCli(['train', 'lm', '--data', data, '--out', model, '--proj-size', '16', ...TINY]),
      2,
      /--proj-size must be below --hidden \(16\), got 16/,
    );
  });

  it('usage errors exit 2 with one line', () => {
    assertFails(runCli(['train', 'lm', '--out', model]), 2, /--data/);
    assertFails(runCli(['train', 'lm', '--data', data, '--out', model, '--lr', '-1']), 2, /--lr.*expected a number > 0, got '-1'/);
    assertFails(runCli(['train', 'lm', '--data', data, '--out', model, '--cell', 'transformer']), 2, /transformer/);
    assertFails(runCli(['train', 'lm', '--data', data, '--out', model, '--batch', '500', '--seq-len', '500']), 2, /too few for one batch/);
    assertFails(runCli(['sample', '--model', model, '--top-p', '2']), 2, /--top-p/);
  });

  it('other failures exit 1 with one line naming the problem; --debug adds the stack', () => {
    const missing = join(dir, 'missing.txt');
    assertFails(runCli(['train', 'lm', '--data', missing, '--out', model, '--steps', '1']), 1, new RegExp(missing.replace(/[.]/g, '\\.')));
    assertFails(runCli(['sample', '--model', data]), 1, new RegExp(`${data.replace(/[.]/g, '\\.')}: safetensors: header size`));
    const notUtf8 = join(dir, 'binary.txt');
    writeFileSync(notUtf8, new Uint8Array([0x66, 0xff, 0xfe, 0x00]));
    assertFails(runCli(['eval', '--model', model, '--data', notUtf8]), 1, /not UTF-8/);
    const debug = runCli(['sample', '--model', data, '--debug']);
    assert.equal(debug.status, 1);
    assert.match(debug.stderr, /^rnnkit: error: .*\n[\s\S]*\n\s+at /);
  });

  it('every command has --help with an example', () => {
    for (const command of [
      ['train', 'lm'],
      ['train', 'classify'],
      ['train', 'tag'],
      ['train', 'forecast'],
      ['train', 'ctc'],
      ['eval'],
      ['predict'],
      ['sample'],
      ['export'],
      ['import'],
      ['demo'],
      ['poem'],
    ]) {
      const r = runCli([...command, '--help']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /Examples?:\n\s+\$ rnnkit /, command.join(' '));
    }
  });
});
