/**
 * Embedding (PyTorch's `nn.Embedding`): row i of `weight` [num, dim] is the vector of
 * token i — the dense alternative to one-hot word vectors (Bengio et al. 2003). Initialised
 * N(0, 1) as PyTorch does; the row of `paddingIdx`, if set, starts at zero and never
 * receives a gradient.
 */
import type { Backend, FloatArray } from '../backend/backend.js';
import { RnnkitError, ShapeError, UsageError } from '../errors.js';
import { formatShape, sizeOf, type Tensor } from '../tensor/tensor.js';
import { Module, type ModuleOptions } from './module.js';

/** out [count, dim] = weight[indices]. */
export function embeddingForward<F extends FloatArray>(
  b: Backend<F>,
  count: number,
  indices: Int32Array,
  weight: F,
  dim: number,
  out: F,
): void {
  b.gatherRows(count, indices, weight, dim, out);
}

/**
 * dW[indices[r]] += dy[r] (repeated tokens accumulate). A row whose index is
 * `paddingIdx` contributes nothing.
 */
export function embeddingBackward<F extends FloatArray>(
  b: Backend<F>,
  count: number,
  indices: Int32Array,
  dy: F,
  dim: number,
  weightGrad: F,
  paddingIdx: number | undefined,
): void {
  b.scatterAddRows(count, indices, dy, dim, weightGrad);
  if (paddingIdx !== undefined) b.fill(dim, 0, weightGrad.subarray(paddingIdx * dim, (paddingIdx + 1) * dim) as F);
}

/**
 * Checks token ids: integers in [0, num).
 * @throws ShapeError naming the first bad id and its position.
 */
export function checkIndices(indices: ArrayLike<number>, num: number, what: string): void {
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    if (!Number.isInteger(v) || v < 0 || v >= num) {
      throw new ShapeError(`${what}: index ${i} is ${v}; token ids must be integers in [0, ${num})`);
    }
  }
}

/** Options of {@link Embedding}. */
export interface EmbeddingOptions extends ModuleOptions {
  /** Vocabulary size (rows of the table). */
  numEmbeddings: number;
  /** Features per token. */
  embeddingDim: number;
  /** A token whose vector stays zero and receives no gradient. @default none */
  paddingIdx?: number;
}

/**
 * A lookup table of token vectors.
 * @example
 * const emb = new Embedding({ numEmbeddings: 65, embeddingDim: 64 });
 * const x = await emb.forward([3, 1, 4, 1], [2, 2]); // → [2, 2, 64]
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | undefined;
  private lastIndices: Int32Array | undefined;
  private lastShape: number[] | undefined;

  constructor(options: EmbeddingOptions) {
    const { numEmbeddings: num, embeddingDim: dim, paddingIdx } = options;
    for (const [name, v] of [
      ['numEmbeddings', num],
      ['embeddingDim', dim],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new UsageError(`Embedding: ${name} must be a positive integer, got ${String(v)}`);
    }
    if (paddingIdx !== undefined && (!Number.isInteger(paddingIdx) || paddingIdx < 0 || paddingIdx >= num)) {
      throw new UsageError(`Embedding: paddingIdx must be an integer in [0, ${num}), got ${String(paddingIdx)}`);
    }
    super([{ name: 'weight', shape: [num, dim], init: { normal: 1 } }], options, 'Embedding');
    this.numEmbeddings = num;
    this.embeddingDim = dim;
    this.paddingIdx = paddingIdx;
    if (paddingIdx !== undefined) {
      const w = this.params.stateDict().weight;
      w.data.fill(0, paddingIdx * dim, (paddingIdx + 1) * dim);
      this.params.loadStateDict({ weight: w }, 'Embedding');
    }
  }

  /** Looks up `indices` (row-major, of `shape`, default 1-D) → a tensor of shape […shape, dim]. */
  async forward(indices: ArrayLike<number>, shape: number[] = [indices.length]): Promise<Tensor> {
    const b = await this.backendInUse();
    if (sizeOf(shape) !== indices.length) {
      throw new ShapeError(`Embedding.forward: shape ${formatShape(shape)} holds ${sizeOf(shape)} ids, got ${indices.length}`);
    }
    checkIndices(indices, this.numEmbeddings, 'Embedding.forward');
    if (this.lastIndices !== undefined) b.free(this.lastIndices);
    const ids = b.allocInt(indices.length);
    ids.set(indices);
    this.lastIndices = ids;
    this.lastShape = [...shape];
    const out = b.alloc(indices.length * this.embeddingDim);
    embeddingForward(b, indices.length, ids, this.params.get('weight').value, this.embeddingDim, out);
    const result = { shape: [...shape, this.embeddingDim], data: Float32Array.from(out) };
    b.free(out);
    return result;
  }

  /** Accumulates the table's gradient from dL/d output. */
  async backward(dy: Tensor): Promise<void> {
    const b = await this.backendInUse();
    const ids = this.lastIndices;
    if (ids === undefined || this.lastShape === undefined) throw new RnnkitError('Embedding.backward: run forward() first');
    const want = [...this.lastShape, this.embeddingDim];
    if (dy.shape.length !== want.length || dy.shape.some((d, i) => d !== want[i])) {
      throw new ShapeError(`Embedding.backward: expected dy of shape ${formatShape(want)}, got ${formatShape(dy.shape)}`);
    }
    const g = b.alloc(dy.data.length);
    g.set(dy.data);
    embeddingBackward(b, ids.length, ids, g, this.embeddingDim, this.params.get('weight').grad, this.paddingIdx);
    b.free(g);
  }
}
