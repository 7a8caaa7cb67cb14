/**
 * SequenceRegressor (N→1 with real-valued outputs): feature sequences →
 * (by default bidirectional) LSTM/GRU → one vector per sequence (final states, mean or
 * max) → Dense → mean squared error. Inputs and targets are standardised with the mean
 * and standard deviation of the training data ({@link SequenceRegressor.fitNormalization}),
 * which the model keeps (and saves in its state dict), so predictions come back in the
 * data's own units. Forecasting is regression on sliding windows of a series (see
 * `slidingWindows`).
 *
 * Legend: T steps, B sequences, D features per step, O outputs.
 */
import { padSequences, type Sequence } from '../data/sequences.js';
import { ShapeError, UsageError } from '../errors.js';
import { Dense } from '../layers/dense.js';
import type { RecurrentLayer } from '../layers/recurrent/layers.js';
import { Random } from '../random.js';
import type { Tensor } from '../tensor/tensor.js';
import { mse } from '../losses/mse.js';
import type { TrainingTask } from '../training/trainer.js';
import {
  checkPooling,
  ComposedModel,
  createEncoder,
  encoderSettings,
  type EncoderSettings,
  encoderWidth,
  type EncoderOptions,
  pool,
  pooledGradient,
  type SequencePooling,
} from './sequence-model.js';

/** Options of {@link SequenceRegressor.create}: the encoder's (hidden size 64 by default) and the data's. */
export interface SequenceRegressorOptions extends EncoderOptions {
  /** Features per step, D. */
  inputSize: number;
  /** Values predicted per sequence, O. @default 1 */
  outputSize?: number;
  /** @default 'last' */
  pooling?: SequencePooling;
  /**
   * For a forecaster trained on sliding windows of a series (see `slidingWindows`): the
   * window and horizon, kept with the model so that a loaded one is fed the same windows.
   * The model itself reads sequences of any length. @default none
   */
  forecast?: ForecastWindows;
}

/** Sliding windows of a series: `window` past values predict the value `horizon` steps after them. */
export interface ForecastWindows {
  window: number;
  horizon: number;
}

/** The shape of a regressor (saved in model files); {@link SequenceRegressor.create} rebuilds it. */
export interface SequenceRegressorSettings extends EncoderSettings {
  inputSize: number;
  outputSize: number;
  pooling: SequencePooling;
  forecast?: ForecastWindows;
}

/** A regression example: a sequence and its O target values. */
export interface RegressionExample {
  frames: Sequence;
  target: readonly number[];
}

/** Per-feature mean and standard deviation of the inputs ([D]) and targets ([O]). */
export interface Normalization {
  inputMean: Float32Array;
  inputStd: Float32Array;
  targetMean: Float32Array;
  targetStd: Float32Array;
}

export class SequenceRegressor extends ComposedModel {
  /** Identity until {@link fitNormalization}. */
  normalization: Normalization;

  private constructor(
    readonly encoder: RecurrentLayer,
    readonly head: Dense,
    readonly pooling: SequencePooling,
    readonly inputSize: number,
    readonly outputSize: number,
    readonly forecast: ForecastWindows | undefined,
    readonly random: Random,
  ) {
    super(
      [
        ['encoder', encoder],
        ['head', head],
      ],
      {},
    );
    this.normalization = {
      inputMean: new Float32Array(inputSize),
      inputStd: new Float32Array(inputSize).fill(1),
      targetMean: new Float32Array(outputSize),
      targetStd: new Float32Array(outputSize).fill(1),
    };
  }

  /** @throws UsageError on an invalid option. */
  static create(options: SequenceRegressorOptions): SequenceRegressor {
    const { inputSize, outputSize = 1, pooling = 'last', forecast, seed = 1, backend } = options;
    if (!Number.isInteger(outputSize) || outputSize < 1)
      throw new UsageError(`SequenceRegressor: outputSize must be a positive integer, got ${outputSize}`);
    checkPooling(pooling, 'SequenceRegressor');
    if (forecast !== undefined) {
      for (const key of ['window', 'horizon'] as const) {
        const v = (forecast as Partial<ForecastWindows>)[key];
        if (!Number.isInteger(v) || v! < 1)
          throw new UsageError(`SequenceRegressor: forecast.${key} must be a positive integer, got ${String(v)}`);
      }
    }
    const encoder = createEncoder(options, inputSize, 64);
    const head = new Dense({ inFeatures: encoderWidth(encoder), outFeatures: outputSize, seed: seed + 1, ...(backend ? { backend } : {}) });
    const windows = forecast === undefined ? undefined : { window: forecast.window, horizon: forecast.horizon };
    return new SequenceRegressor(encoder, head, pooling, inputSize, outputSize, windows, new Random(seed + 2));
  }

  /** Its settings: `create(settings)` builds the same shape (the weights and standardisation travel in the state dict). */
  get settings(): SequenceRegressorSettings {
    return {
      inputSize: this.inputSize,
      outputSize: this.outputSize,
      pooling: this.pooling,
      ...encoderSettings(this.encoder),
      ...(this.forecast ? { forecast: { ...this.forecast } } : {}),
    };
  }

  /**
   * Sets the standardisation from training examples: mean and standard deviation of each
   * input feature over all their steps, and of each target (a constant gets std 1).
   */
  fitNormalization(examples: readonly RegressionExample[]): void {
    const D = this.inputSize;
    const O = this.outputSize;
    const stats = (count: number, values: (visit: (i: number, v: number) => void) => void) => {
      const sum = new Float64Array(count);
      const squares = new Float64Array(count);
      let n = 0;
      values((i, v) => {
        sum[i] += v;
        squares[i] += v * v;
        if (i === 0) n++;
      });
      const mean = Float32Array.from(sum, (s) => s / n);
      const std = Float32Array.from(squares, (q, i) => Math.sqrt(Math.max(q / n - mean[i] ** 2, 0)) || 1);
      return { mean, std };
    };
    const inputs = stats(D, (visit) => examples.forEach((e) => e.frames.data.forEach((v, j) => visit(j % D, v))));
    const targets = stats(O, (visit) => examples.forEach((e) => e.target.forEach((v, j) => visit(j, v))));
    this.normalization = { inputMean: inputs.mean, inputStd: inputs.std, targetMean: targets.mean, targetStd: targets.std };
  }

  /** The standardisation under `normalization.` (the parameters are under `encoder.` and `head.`). */
  protected override extraState(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [name, data] of Object.entries(this.normalization))
      out[`normalization.${name}`] = { shape: [data.length], data: Float32Array.from(data) };
    return out;
  }

  /** Loads the standardisation: `normalization.inputMean`, `.inputStd` [D], `.targetMean`, `.targetStd` [O]. */
  protected override loadExtraState(rest: Record<string, Tensor>): void {
    const sizes = { inputMean: this.inputSize, inputStd: this.inputSize, targetMean: this.outputSize, targetStd: this.outputSize };
    for (const name of Object.keys(rest)) {
      const key = name.startsWith('normalization.') ? name.slice('normalization.'.length) : '';
      if (!(key in sizes)) throw new ShapeError(`SequenceRegressor: unexpected state dict entry '${name}'`);
    }
    const read = (key: keyof Normalization): Float32Array => {
      const t = rest[`normalization.${key}`];
      if (t === undefined) throw new ShapeError(`SequenceRegressor: the state dict lacks 'normalization.${key}'`);
      if (t.shape.length !== 1 || t.shape[0] !== sizes[key] || t.data.length !== sizes[key]) {
        throw new ShapeError(`SequenceRegressor: 'normalization.${key}' must have shape [${sizes[key]}], got [${t.shape.join(', ')}]`);
      }
      return Float32Array.from(t.data);
    };
    this.normalization = {
      inputMean: read('inputMean'),
      inputStd: read('inputStd'),
      targetMean: read('targetMean'),
      targetStd: read('targetStd'),
    };
  }

  /** Predictions [B][O] in the data's units. */
  async predict(sequences: readonly Sequence[]): Promise<number[][]> {
    const { prediction } = await this.forward(sequences);
    const { targetMean, targetStd } = this.normalization;
    const O = this.outputSize;
    return sequences.map((_, b) => Array.from({ length: O }, (_, o) => prediction.data[b * O + o] * targetStd[o] + targetMean[o]));
  }

  /**
   * Forward, mean squared error of the standardised targets, backward (gradients accumulate).
   * @throws ShapeError when a target does not have O values.
   */
  async lossAndBackward(batch: readonly RegressionExample[]): Promise<number> {
    const { prediction, output, h, lengths } = await this.forward(batch.map((e) => e.frames));
    const O = this.outputSize;
    const { targetMean, targetStd } = this.normalization;
    const target: Tensor = { shape: [batch.length, O], data: new Float32Array(batch.length * O) };
    batch.forEach((e, b) => {
      if (e.target.length !== O) throw new ShapeError(`SequenceRegressor: target ${b} has ${e.target.length} values, expected ${O}`);
      e.target.forEach((v, o) => {
        target.data[b * O + o] = (v - targetMean[o]) / targetStd[o];
      });
    });
    const { loss, grad } = await mse(prediction, target);
    const dPooled = await this.head.backward(grad);
    await this.encoder.backward(pooledGradient(this.encoder, this.pooling, output, h, lengths, dPooled));
    return loss as number;
  }

  /** The training task for the shared loop: length-bucketed shuffled batches; tokens count steps. */
  async trainingTask(examples: readonly RegressionExample[], batchSize: number): Promise<TrainingTask> {
    return this.batchedTask(
      examples,
      batchSize,
      (e) => e.frames.steps,
      (batch) => this.train().lossAndBackward(batch),
    );
  }

  private async forward(sequences: readonly Sequence[]) {
    const D = this.inputSize;
    const { x, lengths } = padSequences(sequences, D);
    const { inputMean, inputStd } = this.normalization;
    const [T, B] = x.shape as [number, number, number];
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        if (t >= lengths[b]) continue; // padding stays zero
        const row = (t * B + b) * D;
        for (let d = 0; d < D; d++) x.data[row + d] = (x.data[row + d] - inputMean[d]) / inputStd[d];
      }
    }
    const { output, h } = await this.encoder.forward(x, { lengths });
    const prediction = await this.head.forward(pool(this.encoder, this.pooling, output, h, lengths));
    return { prediction, output, h, lengths };
  }
}
