/**
 * Dense (PyTorch's `nn.Linear`): y = x Wᵀ + b, applied to every row — for sequences, at
 * every time step. Parameters `weight` [out, in] and `bias` [out], initialised
 * U(−1/√in, 1/√in) as PyTorch does.
 *
 * Legend: R rows (all leading dimensions flattened), I inFeatures, O outFeatures.
 */
import type { Backend, FloatArray } from '../backend/backend.js';
import { RnnkitError, ShapeError, UsageError } from '../errors.js';
import { assertFinite, assertTensor, formatShape, sizeOf, type Tensor } from '../tensor/tensor.js';
import { Module, type ModuleOptions } from './module.js';
import type { Parameter } from './parameters.js';

/** y [R, O] = x [R, I] · Wᵀ + b. */
export function denseForward<F extends FloatArray>(
  b: Backend<F>,
  rows: number,
  inFeatures: number,
  outFeatures: number,
  x: F,
  weight: F,
  bias: F | undefined,
  y: F,
): void {
  b.gemm(false, true, rows, outFeatures, inFeatures, 1, x, inFeatures, weight, inFeatures, 0, y, outFeatures);
  if (bias !== undefined) b.addBias(rows, outFeatures, bias, y, outFeatures);
}

/** Accumulates dW += dyᵀ x and db += Σ dy; writes dx = dy · W when dx is given. */
export function denseBackward<F extends FloatArray>(
  b: Backend<F>,
  rows: number,
  inFeatures: number,
  outFeatures: number,
  x: F,
  weight: Parameter<F>,
  bias: Parameter<F> | undefined,
  dy: F,
  dx: F | undefined,
): void {
  b.gemm(true, false, outFeatures, inFeatures, rows, 1, dy, outFeatures, x, inFeatures, 1, weight.grad, inFeatures);
  if (bias !== undefined) b.columnSums(rows, outFeatures, dy, outFeatures, 1, bias.grad);
  if (dx !== undefined)
    b.gemm(false, false, rows, inFeatures, outFeatures, 1, dy, outFeatures, weight.value, inFeatures, 0, dx, inFeatures);
}

/** Options of {@link Dense}. */
export interface DenseOptions extends ModuleOptions {
  inFeatures: number;
  outFeatures: number;
  /** Learn an additive bias. @default true */
  bias?: boolean;
}

/**
 * A fully connected layer over the last dimension of its input.
 * @example
 * const dense = new Dense({ inFeatures: 512, outFeatures: 65 });
 * const logits = await dense.forward(h); // h: [T, B, 512] → [T, B, 65]
 */
export class Dense extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly hasBias: boolean;
  private lastInput: { shape: number[]; x: Float32Array } | undefined;

  constructor(options: DenseOptions) {
    const { inFeatures, outFeatures } = options;
    for (const [name, v] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new UsageError(`Dense: ${name} must be a positive integer, got ${String(v)}`);
    }
    const hasBias = options.bias ?? true;
    const bound = 1 / Math.sqrt(inFeatures);
    super(
      [
        { name: 'weight', shape: [outFeatures, inFeatures], init: { uniform: bound } },
        ...(hasBias ? [{ name: 'bias', shape: [outFeatures], init: { uniform: bound } }] : []),
      ],
      options,
      'Dense',
    );
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.hasBias = hasBias;
  }

  /** y = x Wᵀ + b over the last dimension of x ([…, in] → […, out]). */
  async forward(x: Tensor): Promise<Tensor> {
    const b = await this.backendInUse();
    assertTensor(x, 'Dense.forward: x');
    const last = x.shape[x.shape.length - 1];
    if (x.shape.length === 0 || last !== this.inFeatures) {
      throw new ShapeError(
        `Dense.forward: x.shape[-1] must be equal to inFeatures. Expected ${this.inFeatures}, ` + `got shape ${formatShape(x.shape)}`,
      );
    }
    assertFinite(x.data, 'Dense.forward: x');
    const rows = sizeOf(x.shape) / this.inFeatures;
    const input = b.alloc(x.data.length);
    input.set(x.data);
    const y = b.alloc(rows * this.outFeatures);
    denseForward(
      b,
      rows,
      this.inFeatures,
      this.outFeatures,
      input,
      this.params.get('weight').value,
      this.hasBias ? this.params.get('bias').value : undefined,
      y,
    );
    if (this.lastInput !== undefined) b.free(this.lastInput.x);
    this.lastInput = { shape: [...x.shape], x: input };
    const out = { shape: [...x.shape.slice(0, -1), this.outFeatures], data: Float32Array.from(y) };
    b.free(y);
    return out;
  }

  /** Accumulates parameter gradients from dL/dy and returns dL/dx. */
  async backward(dy: Tensor): Promise<Tensor> {
    const b = await this.backendInUse();
    const last = this.lastInput;
    if (last === undefined) throw new RnnkitError('Dense.backward: run forward() first');
    const outShape = [...last.shape.slice(0, -1), this.outFeatures];
    assertTensor(dy, 'Dense.backward: dy');
    if (dy.shape.length !== outShape.length || dy.shape.some((d, i) => d !== outShape[i])) {
      throw new ShapeError(`Dense.backward: expected dy of shape ${formatShape(outShape)}, got ${formatShape(dy.shape)}`);
    }
    assertFinite(dy.data, 'Dense.backward: dy');
    const rows = sizeOf(outShape) / this.outFeatures;
    const g = b.alloc(dy.data.length);
    g.set(dy.data);
    const dx = b.alloc(rows * this.inFeatures);
    denseBackward(
      b,
      rows,
      this.inFeatures,
      this.outFeatures,
      last.x,
      this.params.get('weight'),
      this.hasBias ? this.params.get('bias') : undefined,
      g,
      dx,
    );
    const out = { shape: [...last.shape], data: Float32Array.from(dx) };
    b.free(g);
    b.free(dx);
    return out;
  }
}
