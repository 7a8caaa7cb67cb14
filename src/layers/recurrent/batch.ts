/**
 * How a batch of variable-length sequences is laid out inside a recurrent layer.
 *
 * As PyTorch's packed sequences do, the batch is ordered by decreasing length (ties keep
 * their order), so that at every time step the sequences still running form a prefix of
 * the batch: step t works on rows [0, rowsAt[t]) only. Padding therefore never enters a
 * product, an output or a gradient.
 */
import { ShapeError } from '../../errors.js';

export interface BatchLayout {
  /** Time steps (the longest length). */
  readonly T: number;
  /** Batch size. */
  readonly B: number;
  /** order[i] = the caller's batch index of internal row i. */
  readonly order: Int32Array;
  /** rowsAt[t] = number of sequences longer than t (a prefix of the internal rows). */
  readonly rowsAt: Int32Array;
  /** True when every sequence has length T and the order is the identity. */
  readonly full: boolean;
}

/**
 * Orders a batch by decreasing length.
 * @param lengths one length per batch item, each in [1, T]; omitted means all T.
 * @throws ShapeError when a length is missing, out of range or not an integer.
 */
export function layoutBatch(T: number, B: number, lengths: ArrayLike<number> | undefined, what: string): BatchLayout {
  const order = new Int32Array(B);
  const rowsAt = new Int32Array(T);
  if (lengths === undefined) {
    for (let i = 0; i < B; i++) order[i] = i;
    rowsAt.fill(B);
    return { T, B, order, rowsAt, full: true };
  }
  if (lengths.length !== B) {
    throw new ShapeError(`${what}: lengths must have one entry per batch item (${B}), got ${lengths.length}`);
  }
  for (let b = 0; b < B; b++) {
    const n = lengths[b];
    if (!Number.isInteger(n) || n < 1 || n > T) {
      throw new ShapeError(`${what}: lengths[${b}] must be an integer in [1, ${T}], got ${n}`);
    }
  }
  const sorted = Array.from({ length: B }, (_, b) => b).sort((a, b) => lengths[b] - lengths[a] || a - b);
  let full = true;
  for (let i = 0; i < B; i++) {
    order[i] = sorted[i];
    if (sorted[i] !== i || lengths[i] !== T) full = false;
    for (let t = 0; t < lengths[sorted[i]]; t++) rowsAt[t]++;
  }
  return { T, B, order, rowsAt, full };
}
