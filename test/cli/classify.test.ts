// `rnnkit train classify`, and `predict`, `eval`, `info` and `export` on its model files, as a
// user runs them: a small CSV written to a temp dir, a tiny model, a few steps; usage errors exit 2, other failures 1.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseTable } from '../../src/data/readers/table.js';
import { loadModel } from '../../src/io/model-file.js';
import { Random } from '../../src/random.js';
import { assertFails, runCli, runJson } from '../helpers/cli.js';
import { favour, heldOut, rewriteModel, zeros } from '../helpers/model-edit.js';
import { suiteDir } from '../helpers/temp.js';

const TINY = ['--hidden', '8', '--embed', '8', '--batch', '8', '--threads', '1'];

/** 60 reviews of two sentiment words and two neutral ones; some quoted with a comma inside. */
function reviews(): string {
  const random = new Random(3);
  const rows = Array.from({ length: 60 }, (_, i) => {
    const positive = random.int(2) === 0;
    const words = [...(positive ? ['good', 'fine'] : ['bad', 'dull']), 'the', 'film'];
    const text = random.shuffle(words).join(' ');
    return `${i % 5 === 0 ? `"${text}, ""really"""` : text},${positive ? 'pos' : 'neg'}`;
  });
  return `text,label\n${rows.join('\n')}\n`;
}

describe('rnnkit train classify / predict / eval', () => {
  const at = suiteDir('rnnkit-cli-classify-', { 'reviews.csv': reviews });
  const data = (): string => at('reviews.csv');
  const model = (): string => at('sentiment.safetensors');

  it('train classify --json trains on word tokens, reports held-out accuracy and the majority baseline, saves the model', async () => {
    const summary = runJson<{
      steps: number;
      modelType: string;
      model: string;
      examples: { train: number; validation: number };
      validation: { accuracy: number; majorityBaseline: number; majorityClass: string; examples: number };
    }>(['train', 'classify', '--data', data(), '--out', model(), '--tokens', 'word', '--steps', '5', '--val-fraction', '0.2', ...TINY]);
    assert.equal(summary.steps, 5);
    assert.equal(summary.modelType, 'sequence-classifier');
    assert.deepEqual(summary.examples, { train: 48, validation: 12 });
    assert.equal(summary.validation.examples, 12);
    // The 12 held-out rows (drawn with the default seed 1), what the saved model predicts for them, and the training majority.
    const rows = parseTable(readFileSync(data(), 'utf8'), { source: data() }).rows.map(({ fields }) => ({
      text: fields[0],
      label: fields[1],
    }));
    const { train, validation } = heldOut(rows, 0.2, 1);
    const predicted = runJson<{ predictions: { prediction: string }[] }>(
      ['predict', '--model', model()],
      validation.map((r) => r.text).join('\n'),
    ).predictions.map((p) => p.prediction);
    assert.equal(predicted.length, 12);
    const majority = train.filter((r) => r.label === 'pos').length > train.length / 2 ? 'pos' : 'neg';
    assert.deepEqual(summary.validation, {
      accuracy: predicted.filter((p, i) => p === validation[i].label).length / 12,
      majorityBaseline: validation.filter((r) => r.label === majority).length / 12,
      majorityClass: majority,
      examples: 12,
    });
    const loaded = await loadModel(model(), { type: 'sequence-classifier' });
    assert.deepEqual(loaded.vocabularies.labels, ['neg', 'pos']);
    assert.equal(loaded.vocabularies.tokenizer!.kind, 'word');
    assert.equal(loaded.settings.hiddenSize, 8);
  });

  it('without --json it prints the run, the held-out accuracy and plain progress lines on stderr', () => {
    const out = at('chars.safetensors');
    const r = runCli(['train', 'classify', '--data', data(), '--out', out, '--steps', '3', '--cell', 'gru', ...TINY]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^trained 3 steps \(.* tokens\) in .*; train loss \d/);
    assert.match(r.stdout, /\nvalidation: accuracy \d+\.\d\d % on 6 examples \(majority class "(pos|neg)": \d+\.\d\d %\)\n/);
    assert.match(r.stdout, /model saved to /);
    assert.match(r.stderr, /^step 3 \(100%\) loss /m);
    assert.ok(existsSync(out));
  });

  it('predict gives the label the model gives, from --text, a file or stdin; --json keeps the input lines', async () => {
    const loaded = (await loadModel(model(), { type: 'sequence-classifier' })).eval();
    const texts = ['good film', 'the dull film', 'fine'];
    const expected = (await loaded.predict(texts.map((t) => [...loaded.vocabularies.tokenizer!.encode(t)]))).map(
      (k) => loaded.vocabularies.labels![k],
    );
    const one = runCli(['predict', '--model', model(), '--text', texts[0]]);
    assert.equal(one.status, 0, one.stderr);
    assert.equal(one.stdout, `${expected[0]}\n`);
    const input = at('texts.txt');
    writeFileSync(input, `${texts[0]}\n\n${texts[1]}\n${texts[2]}\n`);
    assert.equal(runCli(['predict', '--model', model(), '--input', input]).stdout, `${expected.join('\n')}\n`);
    const json = runJson<{ modelType: string; predictions: { line: number; input: string; prediction: string }[] }>(
      ['predict', '--model', model()],
      readFileSync(input, 'utf8'),
    );
    assert.equal(json.modelType, 'sequence-classifier');
    assert.deepEqual(json.predictions, [
      { line: 1, input: texts[0], prediction: expected[0] },
      { line: 3, input: texts[1], prediction: expected[1] },
      { line: 4, input: texts[2], prediction: expected[2] },
    ]);
  });

  it('eval --json scores a labelled file: a model that always answers "pos" scores the share of "pos"', async () => {
    const always = at('always-pos.safetensors');
    await rewriteModel(model(), always, { 'classifier.weight': zeros, 'classifier.bias': favour(1) }); // labels: neg, pos
    const file = at('scored.csv');
    // 2 × pos, 3 × neg and a label the model does not know (an error whatever it answers).
    writeFileSync(file, 'text,label\ngood film,pos\nbad film,neg\ndull,neg\nfine,pos\nthe film,neg\nfilm,meh\n');
    const result = runJson<Record<string, unknown>>(['eval', '--model', always, '--data', file]);
    assert.deepEqual(result, {
      modelType: 'sequence-classifier',
      accuracy: 2 / 6,
      majorityBaseline: 3 / 6,
      majorityClass: 'neg',
      examples: 6,
    });
    const text = runCli(['eval', '--model', always, '--data', file]);
    assert.equal(text.stdout, 'accuracy 33.33 % on 6 examples (majority class "neg": 50.00 %)\n');
  });

  it('eval --json on the training file; info --model describes the file; export writes ONNX', async () => {
    const result = runJson<{ modelType: string; accuracy: number; majorityBaseline: number; examples: number }>([
      'eval',
      '--model',
      model(),
      '--data',
      data(),
    ]);
    assert.equal(result.modelType, 'sequence-classifier');
    assert.equal(result.examples, 60);
    const info = runJson<{ modelType: string; tokenizer: { kind: string }; labels: string[]; parameters: number }>([
      'info',
      '--model',
      model(),
    ]);
    assert.deepEqual([info.modelType, info.tokenizer.kind, info.labels], ['sequence-classifier', 'word', ['neg', 'pos']]);
    assert.ok(info.parameters > 0);
    const onnx = at('sentiment.onnx');
    const r = runCli(['export', '--model', model(), '--format', 'onnx', '--out', onnx, '--lengths']);
    assert.equal(r.status, 0, r.stderr);
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(readFileSync(onnx));
    const { probabilities } = await session.run({
      input: new ort.Tensor('int64', new BigInt64Array([3n, 4n, 5n]), [3, 1]),
      lengths: new ort.Tensor('int32', Int32Array.of(3), [1]),
    });
    assert.deepEqual(probabilities.dims, [1, 2]);
    await session.release();
  });

  it('malformed files exit 1 with one line naming the file and line; bad options exit 2', () => {
    const write = (name: string, text: string): string => {
      const path = at(name);
      writeFileSync(path, text);
      return path;
    };
    const train = (file: string, ...extra: string[]) =>
      runCli(['train', 'classify', '--data', file, '--out', at('x.safetensors'), '--steps', '1', ...TINY, ...extra]);
    const quote = write('quote.csv', 'text,label\ngood film,pos\n"bad film,neg\n');
    assertFails(train(quote), 1, new RegExp(`${quote}:3: Quote Not Closed`));
    const column = write('column.csv', 'sentence,label\ngood film,pos\n');
    assertFails(train(column), 1, new RegExp(`${column}:1: no column 'text' \\(the header has 'sentence', 'label'\\)`));
    const empty = write('empty.csv', '');
    assertFails(train(empty), 1, new RegExp(`${empty}: no header row \\(the file is empty\\)`));
    assertFails(train(data(), '--bogus'), 2, /unknown option '--bogus'/);
    assertFails(runCli(['predict', '--model', model(), '--text', 'a', '--input', data()]), 2, /--input or --text, not both/);
  });
});
