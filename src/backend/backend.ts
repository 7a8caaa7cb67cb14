/**
 * The backend interface: the few numeric kernels every layer is built from.
 *
 * Conventions (BLAS-like): matrices are row-major with a leading dimension (`ld*`,
 * the distance in elements between consecutive rows); vectors and matrices are passed
 * as typed-array views that start at the first element used. Kernels trust their
 * arguments: the layer above has already checked shapes (DESIGN habit 10).
 *
 * Buffers passed to a backend must come from its own `alloc`/`allocInt` (for the
 * WebAssembly backend they live in its memory, so calls copy nothing).
 *
 * Legend: M rows, N columns, K inner dimension of a product.
 */

/** Float element arrays a backend can work on. */
export type FloatArray = Float32Array | Float64Array;

/** Elementwise nonlinearities with derivatives expressible through their output. */
export type Activation = 'sigmoid' | 'tanh' | 'relu';

/** The numeric kernels, over element arrays of type `F`. */
export interface Backend<F extends FloatArray = Float32Array> {
  /** Short name: `'reference'` or `'wasm'`. */
  readonly name: string;
  /** Human-readable details (instruction set, threads). */
  readonly description: string;

  /** A zero-filled float buffer of `length` elements in this backend's memory. */
  alloc(length: number): F;
  /** A zero-filled int32 buffer (class indices, lengths) in this backend's memory. */
  allocInt(length: number): Int32Array;
  /** Returns a buffer from `alloc`/`allocInt`; it must not be used afterwards. */
  free(buffer: F | Int32Array): void;

  /**
   * C = alpha · op(A) · op(B) + beta · C, op(X) = X or Xᵀ.
   * op(A) is [M, K], op(B) is [K, N], C is [M, N]. With `beta` 0, C is write-only
   * (NaN or garbage in C does not propagate).
   */
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: F, lda: number, b: F, ldb: number, beta: number, c: F, ldc: number): void;

  /** C[i, j] += bias[j] for a [rows, cols] matrix C. */
  addBias(rows: number, cols: number, bias: F, c: F, ldc: number): void;

  /** out[j] = beta · out[j] + Σᵢ x[i, j] over a [rows, cols] matrix x (bias gradients). */
  columnSums(rows: number, cols: number, x: F, ldx: number, beta: number, out: F): void;

  /** y = f(x) elementwise over n elements (y may be x). */
  activate(kind: Activation, n: number, x: F, y: F): void;

  /** dx = dy · f′ expressed through the forward output y (dx may be dy). */
  activateBackward(kind: Activation, n: number, y: F, dy: F, dx: F): void;

  /**
   * Row-wise softmax and cross-entropy over [rows, cols] logits:
   * probs = softmax(logits), losses[r] = −log probs[r, targets[r]];
   * a row whose target equals `ignoreIndex` gets loss 0 (its probs are still written).
   */
  softmaxCrossEntropy(rows: number, cols: number, logits: F, targets: Int32Array, ignoreIndex: number,
    probs: F, losses: F): void;

  /**
   * dlogits = scale · (probs − onehot(targets)) row by row; rows with target `ignoreIndex` get 0.
   * `dlogits` may be `probs`.
   */
  softmaxCrossEntropyBackward(rows: number, cols: number, probs: F, targets: Int32Array, ignoreIndex: number,
    scale: number, dlogits: F): void;

  /** x[i] = value for n elements. */
  fill(n: number, value: number, x: F): void;
  /** y[i] = x[i] for n elements. */
  copy(n: number, x: F, y: F): void;
  /** y[i] += alpha · x[i] for n elements. */
  axpy(n: number, alpha: number, x: F, y: F): void;
  /** x[i] *= alpha for n elements. */
  scale(n: number, alpha: number, x: F): void;

  /** Releases threads and memory. The backend must not be used afterwards. */
  dispose(): void;
}
