/**
 * Which backend rnnkit computes with. It is chosen once, before layers allocate their
 * buffers (buffers belong to the backend that made them): by default the WebAssembly
 * backend, with the reference backend as the fallback where WebAssembly SIMD is missing.
 * Tests and the CLI switch it with {@link setBackend}.
 */
import { EnvironmentError, RnnkitError, UsageError } from '../errors.js';
import type { Backend } from './backend.js';
import { createReferenceBackend } from './reference/index.js';
import { createWasmBackend, type WasmBackendOptions } from './wasm/index.js';

/** Names of the built-in backends. */
export type BackendName = 'wasm' | 'reference';

let current: Promise<Backend> | undefined;
let resolved: Backend | undefined;

/**
 * Makes `choice` the backend from now on, disposing of the previous one.
 * @param choice `'wasm'`, `'reference'` (float32), or a backend object.
 * @param options threads, relaxed SIMD and memory size for `'wasm'`.
 * @example await setBackend('wasm', { threads: 1 });
 * @throws UsageError on an unknown name.
 */
export async function setBackend(choice: BackendName | Backend, options: WasmBackendOptions = {}): Promise<Backend> {
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

/** The current backend, creating the default (wasm, else reference) on first use. */
export function getBackend(): Promise<Backend> {
  if (current === undefined) {
    const created = createWasmBackend().catch((error: unknown) => {
      if (error instanceof EnvironmentError) return createReferenceBackend();
      throw error;
    });
    current = created;
    void created.then((backend) => {
      if (current === created) resolved = backend;
    }, () => {});
  }
  return current;
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

function create(choice: BackendName | Backend, options: WasmBackendOptions): Promise<Backend> {
  if (typeof choice === 'object') return Promise.resolve(choice);
  if (choice === 'wasm') return createWasmBackend(options);
  if (choice === 'reference') return Promise.resolve(createReferenceBackend());
  return Promise.reject(new UsageError(`unknown backend '${String(choice)}'; expected 'wasm' or 'reference'`));
}
