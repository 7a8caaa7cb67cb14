// `rnnkit train seq2seq` on TSV pairs, and `predict` (greedy and beam) and `eval` on its
// model; errors (exit 2 or 1, one line) naming the file and line.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../../src/io/model-file.js';
import { Random } from '../../src/random.js';
import { assertFails, runCli, runJson } from '../helpers/cli.js';
import { favour, heldOut, rewriteModel, zeros } from '../helpers/model-edit.js';
import { suiteDir } from '../helpers/temp.js';

const TINY = ['--hidden', '8', '--embed', '8', '--batch', '8', '--threads', '1'];

/** Words of 2–4 letters from "abc", each paired with its letters reversed and spelled as upper-case words. */
function pairs(count: number): string {
  const random = new Random(5);
  return Array.from({ length: count }, () => {
    const word = Array.from({ length: 2 + random.int(3) }, () => 'abc'[random.int(3)]).join('');
    return `${word}\t${[...word]
      .reverse()
      .map((c) => c.toUpperCase())
      .join(' ')}`;
  }).join('\n');
}

describe('rnnkit train seq2seq / predict / eval', () => {
  const at = suiteDir('rnnkit-cli-seq2seq-', {
    'pairs.tsv': () => `${pairs(50)}\n`,
    'no-tab.tsv': () => 'abc\tC B A\nabc C B A\n',
    'two-tabs.tsv': () => 'abc\tC\tB A\n',
  });
  const model = (): string => at('reverse.safetensors');

  it('train seq2seq --json builds character sources and word targets and reports exact match', async () => {
    const summary = runJson<{
      modelType: string;
      examples: { train: number; validation: number };
      validation: { exactMatch: number; tokenErrorRate: number; examples: number };
    }>([
      'train',
      'seq2seq',
      '--data',
      at('pairs.tsv'),
      '--out',
      model(),
      '--steps',
      '4',
      '--target-tokens',
      'word',
      '--attention',
      'general',
      '--teacher-forcing',
      '0.9',
      ...TINY,
    ]);
    assert.equal(summary.modelType, 'seq2seq');
    assert.deepEqual(summary.examples, { train: 45, validation: 5 });
    // The same scores as eval on the 5 held-out pairs (drawn with the default seed 1).
    const heldOutFile = at('held-out.tsv');
    writeFileSync(heldOutFile, `${heldOut(pairs(50).split('\n'), 0.1, 1).validation.join('\n')}\n`);
    assert.deepEqual({ modelType: 'seq2seq', ...summary.validation }, runJson(['eval', '--model', model(), '--data', heldOutFile]));
    const loaded = await loadModel(model(), { type: 'seq2seq' });
    assert.deepEqual([loaded.settings.attention, loaded.settings.teacherForcing, loaded.settings.hiddenSize], ['general', 0.9, 8]);
    assert.equal(loaded.vocabularies.tokenizer!.kind, 'char');
    assert.equal(loaded.vocabularies.outputTokenizer!.kind, 'word');
    const info = runJson<{ modelType: string; tokenizer: { kind: string }; outputTokenizer: { kind: string; vocabSize: number } }>([
      'info',
      '--model',
      model(),
    ]);
    assert.deepEqual([info.modelType, info.tokenizer.kind, info.outputTokenizer.kind], ['seq2seq', 'char', 'word']);
    // The output words A, B, C and the word tokenizer's three specials.
    assert.equal(info.outputTokenizer.vocabSize, 6);
  });

  it('predict writes what the model decodes, greedily or with a beam; eval scores a file', async () => {
    const loaded = (await loadModel(model(), { type: 'seq2seq' })).eval();
    const words = ['abc', 'ca'];
    const ids = words.map((w) => [...loaded.vocabularies.tokenizer!.encode(w)]);
    const output = loaded.vocabularies.outputTokenizer!;
    const greedy = (await loaded.greedy(ids, { maxLength: 200 })).map((d) => output.decode(d.tokens));
    const r = runCli(['predict', '--model', model()], words.join('\n'));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${greedy.join('\n')}\n`);
    const beam = [];
    for (const source of ids) beam.push(output.decode((await loaded.beamSearch(source, { beamWidth: 3, maxLength: 200 }))[0].tokens));
    const json = runJson<{ modelType: string; predictions: { line: number; input: string; prediction: string }[] }>([
      'predict',
      '--model',
      model(),
      '--beam',
      '3',
      '--text',
      'abc',
    ]);
    assert.deepEqual(json.predictions, [{ line: 1, input: 'abc', prediction: beam[0] }]);
    const result = runJson<{ modelType: string; exactMatch: number; examples: number }>([
      'eval',
      '--model',
      model(),
      '--data',
      at('pairs.tsv'),
    ]);
    assert.deepEqual([result.modelType, result.examples], ['seq2seq', 50]);
  });

  it('export writes the encoder and the one-step decoder; their first step scores the begin token as the model does', async () => {
    const r = runJson<{ encoder: string; decoder: string; bytes: number }>([
      'export',
      '--model',
      model(),
      '--format',
      'onnx',
      '--out',
      at('rev.onnx'),
      '--json',
    ]);
    assert.deepEqual([r.encoder, r.decoder], [at('rev.encoder.onnx'), at('rev.decoder.onnx')]);
    const loaded = (await loadModel(model(), { type: 'seq2seq' })).eval();
    const source = [...loaded.vocabularies.tokenizer!.encode('abc')];
    const encoder = await ort.InferenceSession.create(r.encoder);
    const decoder = await ort.InferenceSession.create(r.decoder);
    const encoded = await encoder.run({
      source: new ort.Tensor('int64', BigInt64Array.from(source, BigInt), [source.length, 1]),
      source_lengths: new ort.Tensor('int32', Int32Array.of(source.length), [1]),
    });
    const feeds: Record<string, ort.Tensor> = { token: new ort.Tensor('int64', BigInt64Array.of(BigInt(loaded.begin)), [1]) };
    for (const name of decoder.inputNames) {
      if (name === 'source_lengths') feeds[name] = new ort.Tensor('int32', Int32Array.of(source.length), [1]);
      else if (name !== 'token') feeds[name] = encoded[name === 'encoder_output' ? 'encoder_output' : name];
    }
    const step = await decoder.run(feeds);
    const probabilities = step.probabilities.data as Float32Array;
    // An empty target's loss is −log p(end | begin): the first step's probability of the end token.
    const nll = await loaded.evaluate([{ source, target: [] }]);
    assert.ok(Math.abs(-Math.log(probabilities[loaded.end]) - nll) < 1e-4, `${-Math.log(probabilities[loaded.end])} vs ${nll}`);
  });

  it('eval scores exact match and token error rate exactly: a model that writes "A" until the length limit', async () => {
    const output = (await loadModel(model(), { type: 'seq2seq' })).vocabularies.outputTokenizer!;
    const always = at('always-a.safetensors');
    await rewriteModel(model(), always, { 'output.weight': zeros, 'output.bias': favour(output.encode('A')[0]) });
    const file = at('scored.tsv');
    writeFileSync(file, 'ab\tB A\nc\tC\na\tA\nabc\tC B A\n');
    // The output is 200 × A (the longest output) each time: to reach a target, one substitution per token that is not A, and
    // the other A's deleted: 200 − (A's in the target) edits. (199 + 200 + 199 + 199) / 7 target tokens; nothing exact.
    const result = runJson<Record<string, unknown>>(['eval', '--model', always, '--data', file]);
    assert.deepEqual(result, { modelType: 'seq2seq', exactMatch: 0, tokenErrorRate: 797 / 7, examples: 4 });
  });

  it('names the file and line of a malformed pair; refuses bad options', () => {
    assertFails(
      runCli(['train', 'seq2seq', '--data', at('no-tab.tsv'), '--out', at('x.safetensors'), '--steps', '1']),
      1,
      /no-tab\.tsv:2: expected source<TAB>target, found no tab/,
    );
    assertFails(
      runCli(['train', 'seq2seq', '--data', at('two-tabs.tsv'), '--out', at('x.safetensors'), '--steps', '1']),
      1,
      /two-tabs\.tsv:1: expected one tab/,
    );
    assertFails(runCli(['train', 'seq2seq', '--data', at('pairs.tsv'), '--out', at('x.safetensors'), '--context', 'mean']), 2, /--context/);
    assertFails(runCli(['predict', '--model', model(), '--beam', '0', '--text', 'ab']), 2, /--beam/);
  });
});
