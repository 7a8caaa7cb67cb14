/**
 * The `blas` backend (Node only): the wasm backend — its memory, its cell and loss kernels,
 * its worker pool — with the large matrix products handed to the system BLAS, which reads
 * and writes the same WebAssembly memory through `koffi` (no copies per call).
 *
 * Which products go to BLAS is decided by shape ({@link takesProduct}): BLAS wins on large
 * products, and loses on the per-step product of a small batch, where one round of the wasm
 * threads forms the product and applies the cell together. How many of BLAS's threads run a
 * time step's product is decided by its size too ({@link stepProductsOnThreads}).
 */
import { availableParallelism } from 'node:os';
import type { Backend } from '../backend.js';
import { createWasmBackendWith, type WasmBackendOptions } from '../wasm/index.js';
import type { ExternalGemm } from '../wasm/external.js';
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

/** Multiply-adds (M·N·K) from which a product runs in BLAS; below, the call costs more than it saves. */
export const BLAS_MIN_WORK = 1 << 16;
/** Rows from which a product runs in BLAS: fewer make a matrix–vector product, faster in wasm. */
export const BLAS_MIN_ROWS = 4;
/**
 * Elements of op(B) (K·N) from which B no longer stays in a core's caches (2²⁰ floats: 4 MiB);
 * such a product runs in BLAS only with {@link BLAS_MIN_ROWS_LARGE_B} rows or more.
 */
export const BLAS_LARGE_B = 1 << 20;
/** Rows from which a product with a large B runs in BLAS. */
export const BLAS_MIN_ROWS_LARGE_B = 16;
/**
 * Rows from which a `fused` LSTM step runs its product in BLAS: with fewer, one round of the
 * wasm threads (product and cell together) is faster.
 */
export const BLAS_MIN_ROWS_FUSED = 16;
/**
 * Multiply-adds from which BLAS runs the product of a time step on all its threads; a smaller
 * one runs on the calling thread alone (see {@link stepProductsOnThreads}).
 */
export const BLAS_THREADED_WORK = 1 << 22;

/**
 * Whether the product C [m, n] = op(A) [m, k] · op(B) [k, n] runs in BLAS. Measured on this
 * machine (2 cores of an AMD EPYC, OpenBLAS 0.3.21, products in both; W1-like training steps of
 * LSTMs at H = 64 to 512 and batches 8 to 64):
 * - BLAS wins every product of 4 rows or more from about 2¹⁶ multiply-adds on;
 * - with B of 2²⁰ elements or more (the recurrent weights of an LSTM at H = 512), wasm's packed
 *   kernel streams B as fast up to 8 rows, and BLAS wins from 16 rows (1.25× at 16, 1.8× at 32);
 * - a `fused` LSTM step (wasm: product and cell in one round of its threads) stays in wasm below
 *   16 rows (BLAS then the cell kernel: 0.6× to 0.85× at batch 8, H = 256), and goes to BLAS from
 *   there (1.0× to 1.3× at batches 16 to 64, H = 64 and 128; 1.3× to 1.6× at batch 32, H = 256).
 */
export function takesProduct(m: number, n: number, k: number, fused: boolean): boolean {
  if (m < BLAS_MIN_ROWS || n === 0 || k === 0) return false;
  if (n * k >= BLAS_LARGE_B) return m >= BLAS_MIN_ROWS_LARGE_B;
  if (fused && m < BLAS_MIN_ROWS_FUSED) return false;
  return m * n * k >= BLAS_MIN_WORK;
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
  const threads = threadsFor(library, options.threads);
  return createWasmBackendWith(wasmOptions, {
    name: 'blas',
    description: describeLibrary(library, threads),
    takes: takesProduct,
    gemm: library.sgemm,
    stepGemm: threads !== undefined && threads > 1 ? stepProductsOnThreads(library, threads) : library.sgemm,
  });
}

/** Sets the library's thread count to `requested` (default all cores) and returns what it reports. */
function threadsFor(library: BlasLibrary, requested: number | undefined): number | undefined {
  const count = requested ?? availableParallelism();
  if (Number.isInteger(count) && count >= 1) library.setThreads(count);
  return library.threads();
}

/**
 * The library's product for a recurrent time step: on all `threads` from
 * {@link BLAS_THREADED_WORK} multiply-adds on, and on the calling thread alone below. Between
 * two steps the wasm threads run the cell kernel, BLAS's threads go to sleep, and waking them
 * for a small product costs more than they save (a GRU step at H = 128, batch 32, runs 2.3×
 * faster on one BLAS thread). Other products leave the choice to the library.
 */
export function stepProductsOnThreads(library: BlasLibrary, threads: number): ExternalGemm {
  return (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) => {
    if (m * n * k >= BLAS_THREADED_WORK) return library.sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    library.setThreads(1);
    try {
      library.sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    } finally {
      library.setThreads(threads);
    }
  };
}

/** `OpenBLAS 0.3.21 (Zen), 2 threads`. */
export function describeLibrary(library: BlasLibrary, threads: number | undefined): string {
  const count = threads === undefined ? 'its own threads' : `${threads} thread${threads === 1 ? '' : 's'}`;
  return `${library.vendor} ${library.version}, ${count}`;
}
