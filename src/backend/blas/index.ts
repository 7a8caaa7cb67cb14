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
 * Whether the product C [m, n] = op(A) [m, k] · op(B) [k, n] runs in BLAS. Measured on this
 * machine (2 cores of an AMD EPYC, OpenBLAS 0.3.21, products in both):
 * - BLAS wins every product of 4 rows or more from about 2¹⁴ multiply-adds on, by 1.3× to 3×;
 * - with B of 2²⁰ elements or more (the recurrent weights of an LSTM at H = 512), wasm's packed
 *   kernel streams B as fast up to 8 rows, and BLAS wins from 16 rows (1.25× at 16, 1.8× at 32);
 * - a `fused` LSTM step (wasm: product and cell in one round of its threads) stays in wasm at
 *   H ≤ 256 whatever the batch (BLAS then the cell kernel: 0.4× to 0.85×).
 */
export function takesProduct(m: number, n: number, k: number, fused: boolean): boolean {
  if (m < BLAS_MIN_ROWS || n === 0 || k === 0) return false;
  if (n * k >= BLAS_LARGE_B) return m >= BLAS_MIN_ROWS_LARGE_B;
  return !fused && m * n * k >= BLAS_MIN_WORK;
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
