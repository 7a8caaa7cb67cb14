/**
 * The `blas` backend (Node only): the wasm backend — its memory, its cell and loss kernels,
 * its worker pool — with the large matrix products handed to the system BLAS, which reads
 * and writes the same WebAssembly memory through `koffi` (no copies per call).
 *
 * Which products go to BLAS is decided by shape ({@link takesProduct}): BLAS wins on large
 * products, and loses on the per-step product of a small batch, where one round of the wasm
 * threads forms the product and applies the cell together.
 */
import { availableParallelism } from 'node:os';
import type { Backend } from '../backend.js';
import { createWasmBackendWith, type WasmBackendOptions } from '../wasm/index.js';
import { type BlasLibrary, requireBlas } from './library.js';

/** Options of {@link createBlasBackend}. */
export interface BlasBackendOptions extends WasmBackendOptions {
  /**
   * The BLAS library to open (a name the system's loader finds, or a path), instead of
   * searching for OpenBLAS, Accelerate, MKL and BLIS.
   * @default the environment variable RNNKIT_BLAS, else the first of blasCandidates() that
   *   opens and identifies itself
   */
  library?: string;
}

/**
 * Multiply-adds (M·N·K) from which a product runs in BLAS. Below it the call's fixed cost
 * and BLAS's own thread start-up outweigh its faster inner loop (measured with
 * `npm run bench -- gemm`).
 */
export const BLAS_MIN_WORK = 1 << 22;
/** Rows from which a product runs in BLAS: a row or two is a matrix–vector product, as fast in wasm. */
export const BLAS_MIN_ROWS = 4;

/** Whether the product C [m, n] = op(A) [m, k] · op(B) [k, n] runs in BLAS. */
export function takesProduct(m: number, n: number, k: number): boolean {
  return m >= BLAS_MIN_ROWS && n > 0 && k > 0 && m * n * k >= BLAS_MIN_WORK;
}

/**
 * Creates the BLAS backend: the wasm backend with its large products in the system BLAS.
 * `threads` (default: all cores) is both the wasm pool's size and BLAS's thread count; the
 * two never run at once (each call returns before the next starts).
 * @throws EnvironmentError when no usable BLAS is found (koffi missing, no library, or a
 *   reference BLAS), naming the reason.
 * @throws UsageError on an invalid option.
 */
export async function createBlasBackend(options: BlasBackendOptions = {}): Promise<Backend<Float32Array>> {
  const { library: path, ...wasmOptions } = options;
  const library = await requireBlas(path);
  return createWasmBackendWith(wasmOptions, {
    name: 'blas',
    description: describeLibrary(library, threadsFor(library, options.threads)),
    takes: takesProduct,
    gemm: library.sgemm,
  });
}

/** Sets the library's thread count to `requested` (default all cores) and returns what it reports. */
function threadsFor(library: BlasLibrary, requested: number | undefined): number | undefined {
  const count = requested ?? availableParallelism();
  if (Number.isInteger(count) && count >= 1) library.setThreads(count);
  return library.threads();
}

/** `OpenBLAS 0.3.21 (Zen), 2 threads`. */
export function describeLibrary(library: BlasLibrary, threads: number | undefined): string {
  const count = threads === undefined ? 'its own threads' : `${threads} thread${threads === 1 ? '' : 's'}`;
  return `${library.vendor} ${library.version}, ${count}`;
}
