// `rnnkit train forecast` on a CSV series, and `predict` and `eval` on its model; held-out
// windows are the last ones; errors (exit 2 or 1, one line) naming the file and line.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../../src/io/model-file.js';
import { assertFails, runCli, runJson } from '../helpers/cli.js';
import { rewriteModel, zeros } from '../helpers/model-edit.js';
import { suiteDir } from '../helpers/temp.js';

const TINY = ['--hidden', '8', '--batch', '8', '--threads', '1'];
/** 80 days of a seasonal series around 1000. */
const VALUES = Array.from({ length: 80 }, (_, t) => 1000 + 100 * Math.sin(t / 2) + (t % 3));

describe('rnnkit train forecast / predict / eval', () => {
  const at = suiteDir('rnnkit-cli-forecast-', { 'series.csv': () => `day,value\n${VALUES.map((v, t) => `${t},${v}`).join('\n')}\n` });
  const data = (): string => at('series.csv');
  const model = (): string => at('forecast.safetensors');

  it('train forecast --json holds out the last windows and reports MAE beside the naive last value', async () => {
    const summary = runJson<{
      modelType: string;
      examples: { train: number; validation: number };
      validation: { mae: number; naiveMae: number; windows: number };
    }>([
      'train',
      'forecast',
      '--data',
      data(),
      '--column',
      'value',
      '--window',
      '8',
      '--horizon',
      '2',
      '--out',
      model(),
      '--steps',
      '5',
      '--val-fraction',
      '0.25',
      ...TINY,
    ]);
    assert.equal(summary.modelType, 'sequence-regressor');
    // 80 values give 80 − 8 − 2 + 1 = 71 windows; the last ⌊71/4⌋ = 17 are held out.
    assert.deepEqual(summary.examples, { train: 54, validation: 17 });
    assert.equal(summary.validation.windows, 17);
    // The naive forecast of the held-out targets (t = 63 … 79) is the value two days before each.
    const naive = VALUES.slice(63).reduce((s, v, i) => s + Math.abs(VALUES[61 + i] - v), 0) / 17;
    assert.ok(Math.abs(summary.validation.naiveMae - naive) < 1e-3, `${summary.validation.naiveMae} vs ${naive}`);
    // The same scores as eval on the series' last 17 + 8 + 2 − 1 values, whose windows are the 17 held out.
    const tail = at('tail.csv');
    writeFileSync(tail, `value\n${VALUES.slice(80 - 26).join('\n')}\n`);
    assert.deepEqual({ modelType: 'sequence-regressor', ...summary.validation }, runJson(['eval', '--model', model(), '--data', tail]));
    const loaded = await loadModel(model(), { type: 'sequence-regressor' });
    assert.deepEqual(loaded.forecast, { window: 8, horizon: 2 });
    assert.ok(Math.abs(loaded.normalization.targetMean[0] - 1000) < 60, 'the standardisation of the training windows is kept');
  });

  it('predict forecasts from the last window of the series given, as the model does; eval scores a series', async () => {
    const loaded = (await loadModel(model(), { type: 'sequence-regressor' })).eval();
    const [[expected]] = (await loaded.predict([{ steps: 8, data: Float32Array.from(VALUES.slice(-8)) }])) as [[number]];
    const r = runCli(['predict', '--model', model(), '--input', data(), '--column', 'value']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(Number(r.stdout.trim()), expected);
    const json = runJson<{ predictions: { line: number; prediction: number }[] }>(
      ['predict', '--model', model()],
      `births\n${VALUES.slice(-8).join('\n')}\n`,
    );
    assert.deepEqual(json.predictions, [{ line: 9, prediction: expected }]);
    const result = runJson<{ mae: number; naiveMae: number; windows: number }>([
      'eval',
      '--model',
      model(),
      '--data',
      data(),
      '--column',
      'value',
    ]);
    assert.equal(result.windows, 71);
  });

  it('eval scores the mean absolute error exactly: a model that always forecasts 100', async () => {
    const always = at('always-100.safetensors');
    await rewriteModel(model(), always, {
      'head.weight': zeros,
      'head.bias': zeros,
      'normalization.targetMean': (t) => new Float32Array(t.data.length).fill(100),
      'normalization.targetStd': (t) => new Float32Array(t.data.length).fill(1),
    });
    const file = at('scored.csv');
    writeFileSync(file, `value\n${[100, 102, 98, 101, 99, 103, 97, 100, 104, 96, 105, 95].join('\n')}\n`);
    // Windows of 8, horizon 2: targets 96, 105, 95 (forecast 100: errors 4, 5, 5); the windows end with
    // 100, 104, 96 (naive errors 4, 1, 1).
    const result = runJson<Record<string, unknown>>(['eval', '--model', always, '--data', file]);
    assert.deepEqual(result, { modelType: 'sequence-regressor', mae: 14 / 3, naiveMae: 2, windows: 3 });
  });

  it('a value that is not a number exits 1 naming the file and line; a missing or unknown column is named', () => {
    const bad = at('bad.csv');
    writeFileSync(
      bad,
      `day,value\n${VALUES.slice(0, 30)
        .map((v, t) => (t === 12 ? `${t},n/a` : `${t},${v}`))
        .join('\n')}\n`,
    );
    const train = (file: string, ...extra: string[]) =>
      runCli(['train', 'forecast', '--data', file, '--window', '4', '--out', at('x.safetensors'), '--steps', '1', ...TINY, ...extra]);
    assertFails(train(bad, '--column', 'value'), 1, new RegExp(`${bad}:14: column 'value' holds "n/a", not a number`));
    assertFails(train(data(), '--column', 'births'), 1, new RegExp(`${data()}:1: no column 'births'`));
    assertFails(train(data()), 2, /has the columns 'day', 'value': choose the series with --column/);
  });

  it("export writes an ONNX forecaster that predicts in the series' units, as the model does", async () => {
    const onnx = at('forecast.onnx');
    const r = runJson<{ out: string; bytes: number }>(['export', '--model', model(), '--format', 'onnx', '--out', onnx, '--json']);
    assert.equal(r.out, onnx);
    const loaded = await loadModel(model(), { type: 'sequence-regressor' });
    const window = VALUES.slice(-8);
    const [[expected]] = (await loaded.predict([{ steps: 8, data: Float32Array.from(window) }])) as [[number]];
    const session = await ort.InferenceSession.create(onnx);
    const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(window), [8, 1, 1]) });
    assert.ok(
      Math.abs((out.output.data as Float32Array)[0] - expected) < 1e-3 * Math.abs(expected),
      `${String(out.output.data[0])} vs ${expected}`,
    );
    assert.ok(Math.abs(expected - 1000) < 300, "a forecast in the series' units");
  });
});
