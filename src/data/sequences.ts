/**
 * Variable-length sequences of feature vectors, batched for the recurrent layers:
 * padded to the longest, time-major `[T, B, D]`, with their lengths (the layers give
 * padding no weight, as PyTorch's packed sequences).
 *
 * Legend: T steps of the longest sequence in a batch, B sequences, D features per step.
 */
import { ShapeError, UsageError } from '../errors.js';
import { Random } from '../random.js';
import type { Tensor } from '../tensor/tensor.js';

/** One sequence: `steps` rows of D features, row-major. */
export interface Sequence {
  steps: number;
  data: Float32Array;
}

/** Pads sequences into `[T, B, D]` (zeros past each one's end) and lists their lengths. */
export function padSequences(sequences: readonly Sequence[], features: number): { x: Tensor; lengths: number[] } {
  if (sequences.length === 0) throw new ShapeError('padSequences: no sequence to batch');
  const lengths = sequences.map((s, i) => {
    if (!Number.isInteger(s.steps) || s.steps < 1 || s.data.length !== s.steps * features) {
      throw new ShapeError(`padSequences: sequence ${i} has ${s.data.length} values for ${s.steps} steps of ${features} features`);
    }
    return s.steps;
  });
  const T = Math.max(...lengths);
  const B = sequences.length;
  const data = new Float32Array(T * B * features);
  sequences.forEach((s, b) => {
    for (let t = 0; t < s.steps; t++) data.set(s.data.subarray(t * features, (t + 1) * features), (t * B + b) * features);
  });
  return { x: { shape: [T, B, features], data }, lengths };
}

/**
 * Batches of item indices for one pass over `count` items, drawn anew each epoch (in
 * {@link startEpoch}) from `random`, cut into `batchSize` pieces (the last may be smaller).
 * With `lengths`, each batch holds items of similar length (sorted by length after a
 * shuffle that breaks ties, then the batches' order shuffled), so padded batches waste
 * little work on padding.
 */
export class IndexBatches {
  private order: number[];
  /** The generator state this epoch's order was drawn from. */
  private epochState: [number, number, number, number] | undefined;

  constructor(
    readonly count: number,
    readonly batchSize: number,
    private readonly random: Random,
    private readonly lengths?: readonly number[],
  ) {
    if (!Number.isInteger(count) || count < 1) throw new UsageError(`IndexBatches: need at least one item, got ${count}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new UsageError(`IndexBatches: batchSize must be a positive integer, got ${batchSize}`);
    }
    if (lengths !== undefined && lengths.length !== count) {
      throw new ShapeError(`IndexBatches: ${lengths.length} lengths for ${count} items`);
    }
    this.order = Array.from({ length: count }, (_, i) => i);
  }

  /** Batches per epoch. */
  get batchesPerEpoch(): number {
    return Math.ceil(this.count / this.batchSize);
  }

  /** Draws this epoch's order (deterministic given the generator's state). */
  startEpoch(): void {
    this.epochState = this.random.getState();
    this.order = this.draw(this.random);
  }

  /**
   * The generator state this epoch's order was drawn from (undefined before the first
   * epoch): with {@link restoreEpoch}, a resumed run continues an epoch in its order.
   */
  get epochRandomState(): readonly number[] | undefined {
    return this.epochState;
  }

  /** Draws again the order of an epoch from the generator state it was drawn from; the model's generator is left alone. */
  restoreEpoch(state: readonly number[]): void {
    const random = new Random(0);
    random.setState(state);
    this.epochState = random.getState();
    this.order = this.draw(random);
  }

  private draw(random: Random): number[] {
    const shuffled = random.shuffle(Array.from({ length: this.count }, (_, i) => i));
    const lengths = this.lengths;
    if (lengths === undefined) return shuffled;
    const sorted = shuffled.sort((a, b) => lengths[a] - lengths[b]); // stable: ties stay shuffled
    const batches = Array.from({ length: this.batchesPerEpoch }, (_, i) => sorted.slice(i * this.batchSize, (i + 1) * this.batchSize));
    return random.shuffle(batches).flat();
  }

  /** The item indices of batch `index`. */
  batch(index: number): number[] {
    return this.order.slice(index * this.batchSize, (index + 1) * this.batchSize);
  }
}

/**
 * Token-id sequences as padded time-major ids `[T, B]` and their lengths. Padding is id 0
 * (for inputs, whose padded steps the layers ignore) or `padding` (e.g. the loss's ignore
 * index, for targets). `owner` names the caller in errors.
 * @throws ShapeError when there is no sequence or one is empty.
 */
export function padTokenIds(
  sequences: readonly (readonly number[])[],
  owner: string,
  padding = 0,
): { ids: Int32Array; T: number; B: number; lengths: number[] } {
  if (sequences.length === 0) throw new ShapeError(`${owner}: no sequence given`);
  const lengths = sequences.map((s, i) => {
    if (s.length === 0) throw new ShapeError(`${owner}: sequence ${i} is empty`);
    return s.length;
  });
  const T = Math.max(...lengths);
  const B = sequences.length;
  const ids = new Int32Array(T * B).fill(padding);
  sequences.forEach((s, b) =>
    s.forEach((id, t) => {
      ids[t * B + b] = id;
    }),
  );
  return { ids, T, B, lengths };
}
