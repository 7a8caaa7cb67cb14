/**
 * A token stream cut into batches for truncated backpropagation through time, the way
 * char-rnn and PyTorch's word_language_model ("batchify") do it: the stream is split into
 * B contiguous parallel streams, and consecutive batches continue each stream where the
 * previous batch stopped, so that the recurrent state carries over from batch to batch.
 *
 * Legend: n ids, B streams (batch), T steps per batch, L ids per stream (plus one for the last target).
 */
import { ShapeError, UsageError } from '../errors.js';

/** Options of {@link splitValidation}. */
export interface SplitValidationOptions {
  /** Fewest validation ids when `fraction > 0` (one input and its target need 2). @default 2 */
  minValidation?: number;
}

/**
 * Splits ids into training and validation parts: validation is the last ⌊n·fraction⌋ ids
 * (at least `minValidation` if fraction > 0), training the ids before them. Both parts are
 * views of `ids` (no copy). With `fraction = 0` the validation part is empty.
 * @example splitValidation(ids, 0.05) // the last 5 % validates, as `rnnkit train lm` does by default
 * @throws UsageError if `fraction` is not in [0, 1), `minValidation` is not a positive integer,
 * or fewer than 2 training ids would remain.
 */
export function splitValidation(
  ids: Int32Array,
  fraction: number,
  options: SplitValidationOptions = {},
): { train: Int32Array; validation: Int32Array } {
  const { minValidation = 2 } = options;
  if (!(ids instanceof Int32Array)) throw new UsageError(`splitValidation: ids must be an Int32Array, got ${typeName(ids)}`);
  if (typeof fraction !== 'number' || !(fraction >= 0 && fraction < 1)) {
    throw new UsageError(`splitValidation: fraction must be a number in [0, 1), got ${String(fraction)}`);
  }
  if (!Number.isInteger(minValidation) || minValidation < 1) {
    throw new UsageError(`splitValidation: minValidation must be a positive integer, got ${String(minValidation)}`);
  }
  const n = ids.length;
  const nValidation = fraction > 0 ? Math.max(Math.floor(n * fraction), minValidation) : 0;
  if (n - nValidation < 2) {
    throw new UsageError(
      `splitValidation: ${n} ids with fraction ${fraction} leave ${n - nValidation} for training ` +
        `after ${nValidation} for validation; training needs at least 2`,
    );
  }
  return { train: ids.subarray(0, n - nValidation), validation: ids.subarray(n - nValidation) };
}

/**
 * B parallel streams over `ids`: L = ⌊(n − 1) / B⌋ and stream b is ids[b·L … b·L + L] (L + 1 ids).
 * Batch i (0 ≤ i < batchesPerEpoch = ⌊L / T⌋) has inputs x[t, b] = stream_b[i·T + t] and targets
 * y[t, b] = stream_b[i·T + t + 1], time-major [T, B], for t < T.
 *
 * Consecutive streams share one id (the last target of stream b is the first input of
 * stream b + 1). Per epoch, the last (n − 1) mod B ids and the last L mod T steps of each
 * stream are not trained on. `ids` is read when a batch is filled, not copied.
 * @example
 * // ids 0 … 20, B = 2, T = 3: L = 10, streams 0…10 and 10…20, 3 batches per epoch.
 * const batches = new TokenBatches(Int32Array.from({ length: 21 }, (_, i) => i), 2, 3);
 * const x = new Int32Array(6), y = new Int32Array(6);
 * batches.fill(1, x, y); // x = [3, 13, 4, 14, 5, 15], y = [4, 14, 5, 15, 6, 16]
 */
export class TokenBatches {
  /** Number of parallel streams, B. */
  readonly batch: number;
  /** Time steps per batch, T. */
  readonly steps: number;
  /** Number of batches in one pass over the streams: ⌊L / T⌋ (at least 1). */
  readonly batchesPerEpoch: number;
  /** Ids per stream, L = ⌊(n − 1) / B⌋ (each stream reads L + 1 ids). */
  readonly streamLength: number;
  private readonly ids: Int32Array;

  /**
   * @param ids the token stream (n ids).
   * @param batch number of parallel streams B (a positive integer).
   * @param steps time steps per batch T (a positive integer).
   * @throws UsageError if `batch` or `steps` is not a positive integer, or the stream is
   * too short for one batch (it needs n ≥ B·T + 1).
   */
  constructor(ids: Int32Array, batch: number, steps: number) {
    if (!(ids instanceof Int32Array)) throw new UsageError(`TokenBatches: ids must be an Int32Array, got ${typeName(ids)}`);
    for (const [name, v] of [
      ['batch', batch],
      ['steps', steps],
    ] as const) {
      if (!Number.isSafeInteger(v) || v < 1) throw new UsageError(`TokenBatches: ${name} must be a positive integer, got ${String(v)}`);
    }
    const n = ids.length;
    const L = n > 0 ? Math.floor((n - 1) / batch) : 0;
    if (L < steps) {
      throw new UsageError(
        `TokenBatches: ${n} ids are too few for batch ${batch} × steps ${steps}: ` +
          `one batch needs batch·steps + 1 = ${batch * steps + 1} ids`,
      );
    }
    this.ids = ids;
    this.batch = batch;
    this.steps = steps;
    this.streamLength = L;
    this.batchesPerEpoch = Math.floor(L / steps);
  }

  /** Number of ids a batch's inputs (or targets) hold: T·B. */
  get batchSize(): number {
    return this.steps * this.batch;
  }

  /**
   * Writes batch i's inputs and targets (each T·B ids, time-major) into the given arrays:
   * `inputs[t·B + b] = stream_b[i·T + t]`, `targets[t·B + b] = stream_b[i·T + t + 1]`.
   * @throws UsageError if `i` is not an integer in [0, batchesPerEpoch).
   * @throws ShapeError if `inputs` or `targets` does not hold exactly T·B ids.
   */
  fill(i: number, inputs: Int32Array, targets: Int32Array): void {
    const { batch: B, steps: T, streamLength: L, ids } = this;
    if (!Number.isInteger(i) || i < 0 || i >= this.batchesPerEpoch) {
      throw new UsageError(`TokenBatches.fill: batch index must be an integer in [0, ${this.batchesPerEpoch}), got ${String(i)}`);
    }
    for (const [name, a] of [
      ['inputs', inputs],
      ['targets', targets],
    ] as const) {
      if (!(a instanceof Int32Array) || a.length !== T * B) {
        const got = a instanceof Int32Array ? `${a.length} ids` : typeName(a);
        throw new ShapeError(`TokenBatches.fill: ${name} must be an Int32Array of steps·batch = ${T}·${B} = ${T * B} ids, got ${got}`);
      }
    }
    for (let b = 0; b < B; b++) {
      const start = b * L + i * T; // stream_b[i·T]
      for (let t = 0; t < T; t++) {
        inputs[t * B + b] = ids[start + t];
        targets[t * B + b] = ids[start + t + 1];
      }
    }
  }
}

function typeName(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}
