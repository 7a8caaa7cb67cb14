/**
 * Mean squared error (PyTorch's `nn.MSELoss`): ℓ = Σ (prediction − target)², divided
 * by the number of elements for `mean`.
 */
import type { Backend, FloatArray } from '../backend/backend.js';
import { getBackend } from '../backend/select.js';
import { ShapeError, UsageError } from '../errors.js';
import { assertFinite, assertTensor, formatShape, type Tensor } from '../tensor/tensor.js';
import type { LossResult, Reduction } from './cross-entropy.js';

/**
 * Returns the loss over n elements and writes dL/dprediction into `grad`
 * (2·(p − t), divided by n for `mean`, times `scale`).
 */
export function mseForwardBackward<F extends FloatArray>(
  b: Backend<F>,
  n: number,
  prediction: F,
  target: F,
  reduction: 'mean' | 'sum',
  grad: F,
  scale = 1,
): number {
  b.copy(n, prediction, grad);
  b.axpy(n, -1, target, grad); // grad = p − t
  const divisor = reduction === 'mean' ? n : 1;
  const loss = b.sumSquares(n, grad) / divisor;
  b.scale(n, (2 * scale) / divisor, grad); // d/dp (p − t)² = 2(p − t)
  return loss;
}

/**
 * Mean squared error of two tensors of the same shape, with its gradient.
 * @example const { loss, grad } = await mse(prediction, target);
 */
export async function mse(prediction: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Promise<LossResult> {
  assertTensor(prediction, 'mse: prediction');
  assertTensor(target, 'mse: target');
  if (prediction.shape.length !== target.shape.length || prediction.shape.some((d, i) => d !== target.shape[i])) {
    throw new ShapeError(`mse: prediction ${formatShape(prediction.shape)} and target ${formatShape(target.shape)} differ in shape`);
  }
  const reduction = options.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new UsageError(`mse: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
  assertFinite(prediction.data, 'mse: prediction');
  assertFinite(target.data, 'mse: target');
  const n = prediction.data.length;
  if (reduction === 'none') {
    const loss = new Float32Array(n);
    const grad = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const d = prediction.data[i] - target.data[i];
      loss[i] = d * d;
      grad[i] = 2 * d;
    }
    return { loss, grad: { shape: [...prediction.shape], data: grad } };
  }
  const b = await getBackend();
  const p = b.alloc(n);
  const t = b.alloc(n);
  const g = b.alloc(n);
  p.set(prediction.data);
  t.set(target.data);
  try {
    const loss = mseForwardBackward(b, n, p, t, reduction, g);
    return { loss, grad: { shape: [...prediction.shape], data: Float32Array.from(g) } };
  } finally {
    for (const buffer of [p, t, g]) b.free(buffer);
  }
}
