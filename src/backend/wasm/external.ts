/**
 * Matrix products that the wasm backend hands to a library outside WebAssembly working on
 * the same memory — the system BLAS in Node (see ../blas/) — chosen product by product from
 * its shape, so that the products where the library loses (a per-step product of a small
 * batch, where one round of the wasm threads does product and cell together) stay in the
 * kernels. Nothing here imports the library: the wasm backend stays the same in browsers.
 *
 * Legend: C [M, N] = op(A) [M, K] · op(B) [K, N], row-major, leading dimensions in elements.
 */
import type { Backend } from '../backend.js';

/** Row-major C = alpha · op(A) · op(B) + beta · C on views of the wasm memory: the backend's own gemm signature. */
export type ExternalGemm = Backend<Float32Array>['gemm'];

/** A library's products, and which ones it takes. */
export interface ExternalProducts {
  /** The backend's name with this path, e.g. `'blas'`. */
  readonly name: string;
  /** What computes the products, e.g. `OpenBLAS 0.3.21 (Zen), 2 threads`. */
  readonly description: string;
  /**
   * Whether the product C [m, n] with inner dimension k runs in the library (else in the wasm
   * kernels). `fused`: the wasm alternative is a whole LSTM step in one round of its threads
   * (product and cell kernel together), not the product alone.
   */
  takes(m: number, n: number, k: number, fused: boolean): boolean;
  /** The product; it must honour BLAS's contract that beta 0 never reads C. */
  readonly gemm: ExternalGemm;
  /**
   * The product of a recurrent time step (B packed once and multiplied at every step, between
   * cell kernels on the wasm threads), with the same contract.
   */
  readonly stepGemm: ExternalGemm;
}

/**
 * Floats in front of a matrix's plain copy in a packed buffer: one header float says whether the
 * copy is B [k, n] (0) or Bᵀ [n, k] (1), padded to 64 bytes so that the copy stays aligned.
 */
export const PLAIN_HEADER = 16;

/** Offset (floats) of the plain copy's header in a packed buffer whose wasm part has `packedFloats` floats. */
export function plainOffset(packedFloats: number): number {
  return Math.ceil(packedFloats / PLAIN_HEADER) * PLAIN_HEADER;
}
