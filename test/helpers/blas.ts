/**
 * Tests of the BLAS backend need a system BLAS (and koffi). Where none is found they are
 * skipped with the reason — except when RNNKIT_REQUIRE_BLAS is set (`.ci/run` sets it, and
 * installs OpenBLAS), where a missing library fails the run instead.
 */
import { existsSync } from 'node:fs';
import type { Backend } from '../../src/backend/backend.js';
import { type BlasLibrary, openBlas } from '../../src/backend/blas/library.js';
import { createWasmBackendWith } from '../../src/backend/wasm/index.js';

const search = await openBlas();

/** Why BLAS tests cannot run here, or undefined when they can. */
export function blasUnavailable(): string | undefined {
  if (search.found) return undefined;
  if (process.env.RNNKIT_REQUIRE_BLAS) throw new Error(`no usable BLAS: ${search.reason} (apt-get install libopenblas0-pthread)`);
  return `no usable BLAS: ${search.reason}`;
}

/** The library the default search finds (call only when {@link blasUnavailable} is undefined). */
export function foundBlas(): BlasLibrary {
  if (!search.found) throw new Error(search.reason);
  return search.library;
}

/**
 * The blas backend with every product in BLAS, however small (the shape rule would leave the
 * small ones to the wasm kernels): suites and fixtures of small sizes then check BLAS's side.
 */
export function everyProductInBlas(threads: number): Promise<Backend> {
  return createWasmBackendWith(
    { threads },
    { name: 'blas', description: 'every product in BLAS', takes: () => true, gemm: foundBlas().sgemm, stepGemm: foundBlas().sgemm },
  );
}

/** Debian's Netlib reference BLAS (package libblas3), which the blas backend must refuse. */
export const NETLIB_BLAS = `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/blas/libblas.so.3`;

/** Why the Netlib refusal cannot be tested here, or undefined when it can (required with RNNKIT_REQUIRE_BLAS). */
export function netlibUnavailable(): string | undefined {
  if (existsSync(NETLIB_BLAS)) return undefined;
  if (process.env.RNNKIT_REQUIRE_BLAS) throw new Error(`${NETLIB_BLAS} is missing (apt-get install libblas3)`);
  return `${NETLIB_BLAS} is not installed (apt-get install libblas3)`;
}
