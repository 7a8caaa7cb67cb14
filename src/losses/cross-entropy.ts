/**
 * Softmax cross-entropy (PyTorch's `nn.CrossEntropyLoss` on logits): per row,
 * ℓ = −log softmax(logits)[target]; rows whose target is `ignoreIndex` (or masked out)
 * count for nothing. `mean` divides by the number of counted rows, `sum` does not.
 *
 * Legend: R rows (predictions), C classes.
 */
import type { Backend, FloatArray } from '../backend/backend.js';
import { getBackend } from '../backend/select.js';
import { ShapeError, UsageError } from '../errors.js';
import { assertFinite, assertTensor, formatShape, type Tensor } from '../tensor/tensor.js';

/** How per-row losses combine. */
export type Reduction = 'mean' | 'sum' | 'none';

/** PyTorch's default ignore index. */
export const IGNORE_INDEX = -100;

/** Buffers (in the backend) a cross-entropy evaluation uses. */
export interface CrossEntropyBuffers<F extends FloatArray> {
  /** [R, C] softmax probabilities (scratch). */
  probs: F;
  /** [R] per-row losses. */
  losses: F;
}

/**
 * Computes the loss over logits [R, C] and, when `dlogits` is given, writes
 * dL/dlogits (for `mean`, scaled by 1/counted rows). Returns the reduced loss; with
 * `mean` and no counted row it is NaN, as in PyTorch. `scale` multiplies the gradient
 * (e.g. 1/steps when a loss is averaged over several calls).
 */
export function crossEntropyForwardBackward<F extends FloatArray>(
  b: Backend<F>,
  rows: number,
  classes: number,
  logits: F,
  targets: Int32Array,
  ignoreIndex: number,
  reduction: 'mean' | 'sum',
  buffers: CrossEntropyBuffers<F>,
  dlogits: F | undefined,
  scale = 1,
): number {
  b.softmaxCrossEntropy(rows, classes, logits, targets, ignoreIndex, buffers.probs, buffers.losses);
  let total = 0;
  let counted = 0;
  for (let r = 0; r < rows; r++) {
    if (targets[r] === ignoreIndex) continue;
    total += buffers.losses[r];
    counted++;
  }
  const divisor = reduction === 'mean' ? counted : 1;
  if (dlogits !== undefined) {
    b.softmaxCrossEntropyBackward(rows, classes, buffers.probs, targets, ignoreIndex, scale / divisor, dlogits);
  }
  return total / divisor;
}

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions {
  /** Rows with this target are ignored. @default -100 */
  ignoreIndex?: number;
  /** One weight per row, 0 (ignore) or 1 (count): a mask of real steps. @default all count */
  mask?: ArrayLike<number>;
  /** @default 'mean' */
  reduction?: Reduction;
}

/** Result of {@link crossEntropy}. */
export interface LossResult {
  /** The reduced loss, or per-row losses for `'none'`. */
  loss: number | Float32Array;
  /** dL/d input, shaped as the input (for `'none'`, the gradient of the sum). */
  grad: Tensor;
}

/**
 * Cross-entropy of logits […, C] against integer targets (one per row), with its gradient.
 * @example
 * const { loss, grad } = await crossEntropy(logits, targets); // logits [T, B, 65], targets T·B ids
 * @throws ShapeError on mismatched sizes or a target outside [0, C); UsageError on bad options.
 */
export async function crossEntropy(logits: Tensor, targets: ArrayLike<number>, options: CrossEntropyOptions = {}): Promise<LossResult> {
  assertTensor(logits, 'crossEntropy: logits');
  const C = logits.shape[logits.shape.length - 1] ?? 0;
  if (logits.shape.length < 1 || C < 1)
    throw new ShapeError(`crossEntropy: logits need a class dimension, got ${formatShape(logits.shape)}`);
  const rows = logits.data.length / C;
  const ignoreIndex = options.ignoreIndex ?? IGNORE_INDEX;
  const reduction = options.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new UsageError(`crossEntropy: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
  if (targets.length !== rows) throw new ShapeError(`crossEntropy: expected ${rows} targets (one per row), got ${targets.length}`);
  if (options.mask !== undefined && options.mask.length !== rows) {
    throw new ShapeError(`crossEntropy: expected a mask of ${rows} entries, got ${options.mask.length}`);
  }
  assertFinite(logits.data, 'crossEntropy: logits');
  const b = await getBackend();
  const t = b.allocInt(rows);
  for (let r = 0; r < rows; r++) {
    const v = targets[r];
    const masked = options.mask !== undefined && options.mask[r] === 0;
    if (!masked && v !== ignoreIndex && (!Number.isInteger(v) || v < 0 || v >= C)) {
      throw new ShapeError(`crossEntropy: target ${r} is ${v}; expected an integer in [0, ${C}) or ${ignoreIndex}`);
    }
    t[r] = masked ? ignoreIndex : v;
  }
  const x = b.alloc(rows * C);
  x.set(logits.data);
  const buffers = { probs: b.alloc(rows * C), losses: b.alloc(rows) };
  const g = b.alloc(rows * C);
  try {
    const loss = crossEntropyForwardBackward(b, rows, C, x, t, ignoreIndex, reduction === 'mean' ? 'mean' : 'sum', buffers, g);
    return {
      loss: reduction === 'none' ? Float32Array.from(buffers.losses) : loss,
      grad: { shape: [...logits.shape], data: Float32Array.from(g) },
    };
  } finally {
    for (const buffer of [x, buffers.probs, buffers.losses, g, t]) b.free(buffer);
  }
}
