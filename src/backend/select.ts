/**
 * Which backend rnnkit computes with. It is chosen once, before layers allocate their
 * buffers (buffers belong to the backend that made them): by default, in Node, the BLAS
 * backend when a system BLAS is found (see blas/), else the WebAssembly backend, with the
 * reference backend as the fallback where WebAssembly SIMD is missing. Tests and the CLI
 * switch it with {@link setBackend}.
 */
import { EnvironmentError, RnnkitError, UsageError } from '../errors.js';
import type { Backend } from './backend.js';
import type { BlasBackendOptions } from './blas/index.js';
import { createReferenceBackend } from './reference/index.js';
import { isNode } from './wasm/loader.js';
import { createWasmBackend } from './wasm/index.js';

/** Names of the built-in backends. */
export type BackendName = 'wasm' | 'blas' | 'reference';

/** Every built-in backend's name. */
export const BACKEND_NAMES: readonly BackendName[] = ['wasm', 'blas', 'reference'];

/** Options of the built-in backends: threads, relaxed SIMD and memory (wasm, blas); the library (blas). */
export type BackendOptions = BlasBackendOptions;

let current: Promise<Backend> | undefined;
let resolved: Backend | undefined;

/**
 * Makes `choice` the backend from now on, disposing of the previous one.
 * @param choice `'wasm'`, `'blas'` (Node only: the system BLAS for large products, the wasm
 *   kernels for the rest), `'reference'` (float32), or a backend object.
 * @param options threads, relaxed SIMD and memory size for `'wasm'` and `'blas'`; `library`
 *   for `'blas'`.
 * @example await setBackend('wasm', { threads: 1 });
 * @throws UsageError on an unknown name; EnvironmentError when `'blas'` finds no usable library.
 */
export async function setBackend(choice: BackendName | Backend, options: BackendOptions = {}): Promise<Backend> {
  const created = create(choice, options);
  const previous = current;
  current = created;
  try {
    const backend = await created;
    if (current === created) resolved = backend;
    if (previous !== undefined) {
      const old = await previous.catch(() => undefined);
      if (old !== undefined && old !== backend) old.dispose();
    }
    return backend;
  } catch (error) {
    if (current === created) current = previous;
    throw error;
  }
}

/** The current backend, creating the default (blas in Node when found, else wasm, else reference) on first use. */
export function getBackend(): Promise<Backend> {
  if (current === undefined) {
    const created = createDefaultBackend();
    current = created;
    void created.then(
      (backend) => {
        if (current === created) resolved = backend;
      },
      () => {},
    );
  }
  return current;
}

/**
 * Creates the backend rnnkit chooses by itself: in Node the blas backend when a usable
 * system BLAS is found, else the wasm backend, else (no WebAssembly SIMD) the reference one.
 * @param options threads, relaxed SIMD and memory size for wasm and blas; `library` for blas.
 * @throws UsageError on an invalid option.
 */
export async function createDefaultBackend(options: BackendOptions = {}): Promise<Backend> {
  const { library, ...wasmOptions } = options;
  if (isNode()) {
    try {
      return await createBlas(library === undefined ? wasmOptions : { ...wasmOptions, library });
    } catch (error) {
      if (!(error instanceof EnvironmentError)) throw error;
    }
  }
  try {
    return await createWasmBackend(wasmOptions);
  } catch (error) {
    if (error instanceof EnvironmentError) return createReferenceBackend();
    throw error;
  }
}

/**
 * The current backend, synchronously: the one the last {@link setBackend} or
 * {@link getBackend} produced.
 * @throws RnnkitError before any backend has been created (await getBackend() first).
 */
export function currentBackend(): Backend {
  if (resolved === undefined) {
    throw new RnnkitError('no backend has been created yet: await getBackend() or setBackend() first');
  }
  return resolved;
}

function create(choice: BackendName | Backend, options: BackendOptions): Promise<Backend> {
  if (typeof choice === 'object') return Promise.resolve(choice);
  const { library, ...wasmOptions } = options;
  if (choice === 'wasm') return createWasmBackend(wasmOptions);
  if (choice === 'blas') return createBlas(library === undefined ? wasmOptions : { ...wasmOptions, library });
  if (choice === 'reference') return Promise.resolve(createReferenceBackend());
  return Promise.reject(new UsageError(`unknown backend '${String(choice)}'; expected ${BACKEND_NAMES.map((n) => `'${n}'`).join(', ')}`));
}

/**
 * The BLAS backend, loaded only in Node and through a computed specifier, so that bundlers
 * (the playground's Vite build) leave it and its native dependency out of browser code.
 */
async function createBlas(options: BlasBackendOptions): Promise<Backend> {
  if (!isNode()) throw new EnvironmentError('the blas backend needs Node.js; use the wasm backend in browsers');
  const specifier = './blas/index.js';
  const blas = (await import(/* @vite-ignore */ specifier)) as typeof import('./blas/index.js');
  return blas.createBlasBackend(options);
}
