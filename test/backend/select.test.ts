import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { createDefaultBackend, getBackend, setBackend } from '../../src/backend/select.js';
import { EnvironmentError, UsageError } from '../../src/errors.js';
import { blasUnavailable } from '../helpers/blas.js';

describe('backend selection', () => {
  it('defaults to blas when a system BLAS is found, else wasm; switches on request and disposes of the previous backend', async () => {
    const first = await getBackend();
    assert.equal(first.name, blasUnavailable() === undefined ? 'blas' : 'wasm');
    assert.equal(await getBackend(), first, 'the default is created once');
    let disposed = 0;
    const spy: Backend = {
      ...createReferenceBackend(),
      dispose: () => {
        disposed++;
      },
    };
    assert.equal(await setBackend(spy), spy);
    assert.equal(await getBackend(), spy);
    const reference = await setBackend('reference');
    assert.equal(reference.name, 'reference');
    assert.equal(disposed, 1, 'switching away disposes of the old backend');
    await setBackend('wasm', { threads: 1 });
    assert.match((await getBackend()).description, /^wasm \(SIMD, 1 thread\)/);
  });

  it('the default without a usable BLAS is wasm, with the options given', async () => {
    const backend = await createDefaultBackend({ threads: 1, library: '/nonexistent/libopenblas.so.0' });
    assert.equal(backend.name, 'wasm');
    assert.equal(backend.threads, 1);
    backend.dispose();
  });

  it('blas on request, with its options; a clear error when there is none', { skip: blasUnavailable() }, async () => {
    const blas = await setBackend('blas', { threads: 1 });
    assert.equal(blas.name, 'blas');
    assert.equal(blas.threads, 1);
    await assert.rejects(
      setBackend('blas', { library: '/nonexistent/libopenblas.so.0' }),
      (e: unknown) => e instanceof EnvironmentError && /blas backend: cannot open \/nonexistent\/libopenblas\.so\.0/.test(e.message),
    );
    assert.equal(await getBackend(), blas, 'a failed switch keeps the current backend');
  });

  it('rejects an unknown name and keeps the current backend', async () => {
    const before = await setBackend('reference');
    await assert.rejects(
      setBackend('gpu' as 'wasm'),
      (e: unknown) => e instanceof UsageError && /unknown backend 'gpu'; expected 'wasm', 'blas', 'reference'/.test(e.message),
    );
    assert.equal(await getBackend(), before);
  });
});
