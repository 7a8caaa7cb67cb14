// `rnnkit train ctc` on JSON Lines of frames and label strings, and `predict` and `eval` on
// its model; errors (exit 2 or 1, one line) naming the file and line; commands refuse model types they do not handle.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CharTokenizer } from '../../src/data/tokenizers/char.js';
import { padSequences } from '../../src/data/sequences.js';
import { loadModel, saveModel } from '../../src/io/model-file.js';
import { SequenceGenerator } from '../../src/models/sequence-generator.js';
import { Random } from '../../src/random.js';
import { assertFails, runCli, runJson } from '../helpers/cli.js';
import { favour, heldOut, rewriteModel, zeros } from '../helpers/model-edit.js';
import { suiteDir } from '../helpers/temp.js';

const TINY = ['--hidden', '8', '--batch', '8', '--threads', '1'];

/** Strings of 1–3 letters from "ab", each letter three frames of its one-hot code, then a blank frame. */
function strips(count: number, withTarget: boolean): string {
  const random = new Random(9);
  return Array.from({ length: count }, () => {
    const target = Array.from({ length: 1 + random.int(3) }, () => 'ab'[random.int(2)]).join('');
    const input = [...target].flatMap((c) => [...Array<number[]>(3).fill(c === 'a' ? [1, 0] : [0, 1]), [0, 0]]);
    return JSON.stringify(withTarget ? { input, target } : { input });
  }).join('\n');
}

describe('rnnkit train ctc / predict / eval', () => {
  const at = suiteDir('rnnkit-cli-ctc-', { 'strips.jsonl': () => `${strips(40, true)}\n` });
  const data = (): string => at('strips.jsonl');
  const model = (): string => at('reader.safetensors');

  it('train ctc --json learns the characters of the targets as labels and reports the character error rate', async () => {
    const summary = runJson<{
      modelType: string;
      tokens: number;
      examples: { train: number; validation: number };
      validation: { characterErrorRate: number; exactMatch: number; examples: number };
    }>(['train', 'ctc', '--data', data(), '--out', model(), '--steps', '5', '--cell', 'gru', ...TINY]);
    assert.equal(summary.modelType, 'ctc-model');
    assert.deepEqual(summary.examples, { train: 36, validation: 4 });
    assert.ok(summary.tokens > 0);
    const trainLines = heldOut(strips(40, true).split('\n'), 0.1, 1);
    // The same scores as eval on the 4 held-out lines (drawn with the default seed 1).
    const heldOutFile = at('held-out.jsonl');
    writeFileSync(heldOutFile, `${trainLines.validation.join('\n')}\n`);
    assert.deepEqual({ modelType: 'ctc-model', ...summary.validation }, runJson(['eval', '--model', model(), '--data', heldOutFile]));
    const loaded = await loadModel(model(), { type: 'ctc-model' });
    assert.deepEqual(loaded.vocabularies.labels, ['a', 'b']);
    assert.deepEqual([loaded.settings.inputSize, loaded.settings.cell], [2, 'gru']);
  });

  it('predict decodes each line of frames (no target needed) as the model does; eval scores a file', async () => {
    const loaded = (await loadModel(model(), { type: 'ctc-model' })).eval();
    const lines = strips(3, false).split('\n');
    const frames = lines.map((l) => {
      const input = (JSON.parse(l) as { input: number[][] }).input;
      return { steps: input.length, data: Float32Array.from(input.flat()) };
    });
    const { x, lengths } = padSequences(frames, 2);
    const expected = (await loaded.decode(x, lengths)).map((ids) => ids.map((k) => 'ab'[k]).join(''));
    const r = runCli(['predict', '--model', model()], lines.join('\n'));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${expected.join('\n')}\n`);
    const result = runJson<{ modelType: string; characterErrorRate: number; examples: number }>([
      'eval',
      '--model',
      model(),
      '--data',
      data(),
    ]);
    assert.deepEqual([result.modelType, result.examples], ['ctc-model', 40]);
  });

  it('eval scores character error rate and exact match exactly: a model that reads "a" in every frame', async () => {
    const always = at('always-a.safetensors');
    await rewriteModel(model(), always, { 'classifier.weight': zeros, 'classifier.bias': favour(1) }); // classes: blank, a, b
    const file = at('scored.jsonl');
    const line = (target: string, frames: number): string =>
      JSON.stringify({ input: Array.from({ length: frames }, () => [0, 1]), target });
    writeFileSync(file, `${[line('a', 3), line('ab', 5), line('bb', 4), line('aba', 6)].join('\n')}\n`);
    // Greedy decoding collapses the repeated "a"s into one "a": edits to the targets 0, 1, 2, 2 over 1 + 2 + 2 + 3 characters.
    const result = runJson<Record<string, unknown>>(['eval', '--model', always, '--data', file]);
    assert.deepEqual(result, { modelType: 'ctc-model', characterErrorRate: 5 / 8, exactMatch: 1 / 4, examples: 4 });
  });

  it('ragged or mis-sized frames exit 1 naming the file and line; an unknown option exits 2', () => {
    const ragged = at('ragged.jsonl');
    writeFileSync(ragged, '{"input": [[1, 0], [0, 1]], "target": "ab"}\n{"input": [[1, 0], [0]], "target": "ab"}\n');
    assertFails(
      runCli(['train', 'ctc', '--data', ragged, '--out', at('x.safetensors'), '--steps', '1']),
      1,
      new RegExp(`${ragged}:2: ragged "input": frame 1 has 1 values, frame 0 has 2`),
    );
    assertFails(
      runCli(['predict', '--model', model(), '--text', '{"input": [[1, 0, 0]]}']),
      1,
      /--text: frames have 3 features, the model reads 2/,
    );
    assertFails(runCli(['train', 'ctc', '--data', data(), '--out', at('x.safetensors'), '--beam', '3']), 2, /unknown option '--beam'/);
  });

  it('predict and eval refuse the model types they do not handle; info describes them', async () => {
    const generator = at('generator.safetensors');
    const tokenizer = CharTokenizer.fromText('^$ab');
    await saveModel(
      SequenceGenerator.create({ vocabSize: tokenizer.vocabSize, conditionSize: 2, hiddenSize: 4, vocabularies: { tokenizer } }),
      generator,
    );
    assertFails(
      runCli(['predict', '--model', generator, '--text', 'x']),
      2,
      /predict handles sequence-classifier, sequence-tagger, sequence-regressor, ctc-model, seq2seq models; .* holds a sequence-generator/,
    );
    assertFails(
      runCli(['eval', '--model', generator, '--data', data()]),
      2,
      /eval handles language-model(), .* holds a sequence-generator/,
    );
    const info = runJson<{ modelType: string; tokenizer: { kind: string; vocabSize: number }; settings: { conditioning: string } }>([
      'info',
      '--model',
      generator,
    ]);
    assert.deepEqual(
      [info.modelType, info.tokenizer, info.settings.conditioning],
      ['sequence-generator', { kind: 'char', vocabSize: 5 }, 'initial-state'],
    );
  });
});
