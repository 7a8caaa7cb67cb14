/**
 * `rnnkit train forecast`: a {@link SequenceRegressor} forecasting a series — a numeric
 * column of a CSV or TSV file — from sliding windows of its past values; the windows'
 * size and horizon are kept with the model. Held-out: the last windows, mean absolute error
 * against the naive forecast (the window's last value). Prediction: the value `horizon`
 * steps after the end of the series given (from its last `window` values).
 */
import { Option } from 'commander';
import { numericColumn, parseTable, type Table } from '../../data/readers/table.js';
import { slidingWindows, type WindowExample } from '../../data/series.js';
import { FormatError, UsageError } from '../../errors.js';
import type { Model } from '../../io/model-file.js';
import { type ForecastWindows, SequenceRegressor } from '../../models/sequence-regressor.js';
import { integer, readUtf8 } from '../common.js';
import { defineTask, inSlices, type TaskFlags, type TaskSpec } from './task.js';

/** A window and the line of its target value. */
interface WindowRecord extends WindowExample {
  line: number;
}

const SLICE = 512;

/** The series of a table: the `--column` one, or the only one. */
function series(table: Table, flags: TaskFlags): { values: number[]; lines: number[]; column: string } {
  const column = flags.column ?? (table.columns.length === 1 ? table.columns[0] : undefined);
  if (column === undefined) {
    throw new UsageError(
      `${table.source} has the columns ${table.columns.map((c) => `'${c}'`).join(', ')}: choose the series with --column`,
    );
  }
  return { ...numericColumn(table, column), column };
}

/** The windows a forecaster was trained on. @throws UsageError when it was not trained on a series. */
function windowsOf(model: SequenceRegressor): ForecastWindows {
  if (model.forecast === undefined || model.inputSize !== 1) {
    throw new UsageError('this sequence regressor does not forecast a series (it was not trained on windows of one)');
  }
  return model.forecast;
}

const spec: TaskSpec<SequenceRegressor, WindowRecord, WindowRecord> = {
  name: 'forecast',
  modelType: 'sequence-regressor',
  holds: (m: Model): m is SequenceRegressor => m instanceof SequenceRegressor,
  description: 'train a forecaster on a time series: a numeric column of a CSV or TSV file, in time order',
  dataHelp: 'CSV or TSV (by its extension) with a header; the series is the column --column (or the only one)',
  example: 'rnnkit train forecast --data births.csv --column births --window 28 --horizon 1 --out births.safetensors --time 60',
  unit: 'steps',
  defaults: { cells: ['lstm', 'gru', 'rnn'], hidden: 64, lr: 3e-3 },
  split: 'last',
  options: (command) =>
    command
      .option('--column <name>', 'the column of the series (default: the only column)')
      .option('--window <n>', 'past values a forecast reads', integer(1), 20)
      .option('--horizon <n>', 'steps from the last value read to the value forecast', integer(1), 1)
      .addOption(
        new Option('--pooling <kind>', 'one vector per window: final states, or mean or max over the steps')
          .choices(['last', 'mean', 'max'])
          .default('last'),
      ),
  read: async (path, flags, model) => {
    const table = parseTable(await readUtf8(path), { source: path });
    const { values, lines, column } = series(table, flags);
    const { window, horizon } = model === undefined ? { window: flags.window ?? 20, horizon: flags.horizon ?? 1 } : windowsOf(model);
    if (values.length < window + horizon) {
      throw new FormatError(
        `${path}: ${values.length} values of '${column}' are too few for a window of ${window} and a horizon of ${horizon}`,
      );
    }
    return slidingWindows(values, window, horizon).map((w) => ({ ...w, line: lines[w.at] }));
  },
  build: (records, flags, encoder) => {
    const model = SequenceRegressor.create({
      ...encoder,
      inputSize: 1,
      pooling: flags.pooling ?? 'last',
      forecast: { window: records[0].frames.steps, horizon: flags.horizon ?? 1 },
    });
    model.fitNormalization(records);
    return model;
  },
  encode: (_model, records) => [...records],
  trainingTask: (model, examples, batch) => model.trainingTask(examples, batch),
  evaluate: async (model, examples) => {
    const predicted = await inSlices(examples, SLICE, (slice) => model.predict(slice.map((e) => e.frames)));
    const meanError = (forecast: (i: number) => number): number =>
      examples.reduce((s, e, i) => s + Math.abs(forecast(i) - e.target[0]), 0) / examples.length;
    const mae = meanError((i) => predicted[i][0]);
    // The naive forecast: the last value of the window.
    const naiveMae = meanError((i) => examples[i].frames.data[examples[i].frames.steps - 1]);
    return {
      metrics: { mae, naiveMae, windows: examples.length },
      text: `mean absolute error ${mae.toPrecision(4)} on ${examples.length} windows (naive last value: ${naiveMae.toPrecision(4)})`,
    };
  },
  predict: async (model, text, source, flags) => {
    const { window } = windowsOf(model);
    const { values, lines } = series(parseTable(text, { source }), flags);
    if (values.length < window) throw new FormatError(`${source}: ${values.length} values, fewer than the model's window of ${window}`);
    const [forecast] = await model.predict([{ steps: window, data: Float32Array.from(values.slice(-window)) }]);
    const value = forecast[0];
    return [{ line: lines[lines.length - 1], prediction: value, text: String(value) }];
  },
};

/** `train forecast`, and evaluation and prediction of forecasters. */
export const forecastTask = defineTask(spec);
