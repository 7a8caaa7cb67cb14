/**
 * Dropout (PyTorch's `nn.Dropout`): in training, each element is zeroed with probability
 * p and the survivors scaled by 1/(1 − p); in evaluation mode, the identity.
 */
import type { FloatArray } from '../backend/backend.js';
import { RnnkitError, ShapeError, UsageError } from '../errors.js';
import type { Random } from '../random.js';
import { assertTensor, formatShape, type Tensor } from '../tensor/tensor.js';
import { Module, type ModuleOptions } from './module.js';

/** Draws a mask of n elements: 1/(1 − p) with probability 1 − p, else 0. */
export function drawDropoutMask(random: Random, p: number, n: number, mask: FloatArray): void {
  const keep = 1 - p;
  const scale = keep > 0 ? 1 / keep : 0;
  for (let i = 0; i < n; i++) mask[i] = random.next() < keep ? scale : 0;
}

/** Options of {@link Dropout}. */
export interface DropoutOptions extends ModuleOptions {
  /** Probability of zeroing an element. @default 0.5 */
  p?: number;
}

/**
 * @example
 * const drop = new Dropout({ p: 0.2 });
 * const y = await drop.forward(x); // training mode: ~20% zeros, the rest × 1.25
 */
export class Dropout extends Module {
  readonly p: number;
  private mask: Float32Array | undefined;
  private lastShape: number[] | undefined;

  constructor(options: DropoutOptions = {}) {
    super([], options, 'Dropout');
    const p = options.p ?? 0.5;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new UsageError(`Dropout: p must be in [0, 1], got ${String(p)}`);
    this.p = p;
  }

  async forward(x: Tensor): Promise<Tensor> {
    assertTensor(x, 'Dropout.forward: x');
    this.lastShape = [...x.shape];
    if (!this.training || this.p === 0) {
      this.mask = undefined;
      return { shape: [...x.shape], data: Float32Array.from(x.data) };
    }
    const n = x.data.length;
    if (this.mask?.length !== n) this.mask = new Float32Array(n);
    drawDropoutMask(this.random, this.p, n, this.mask);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) y[i] = x.data[i] * this.mask[i];
    return { shape: [...x.shape], data: y };
  }

  async backward(dy: Tensor): Promise<Tensor> {
    const shape = this.lastShape;
    if (shape === undefined) throw new RnnkitError('Dropout.backward: run forward() first');
    if (dy.shape.length !== shape.length || dy.shape.some((d, i) => d !== shape[i])) {
      throw new ShapeError(`Dropout.backward: expected dy of shape ${formatShape(shape)}, got ${formatShape(dy.shape)}`);
    }
    const dx = Float32Array.from(dy.data);
    if (this.mask !== undefined) for (let i = 0; i < dx.length; i++) dx[i] *= this.mask[i];
    return { shape: [...shape], data: dx };
  }
}
