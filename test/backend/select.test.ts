import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { getBackend, setBackend } from '../../src/backend/select.js';
import { UsageError } from '../../src/errors.js';

describe('backend selection', () => {
  it('defaults to wasm, switches on request and disposes of the previous backend', async () => {
    const first = await getBackend();
    assert.equal(first.name, 'wasm');
    assert.equal(await getBackend(), first, 'the default is created once');
    let disposed = 0;
    const spy: Backend = { ...createReferenceBackend(), dispose: () => { disposed++; } };
    assert.equal(await setBackend(spy), spy);
    assert.equal(await getBackend(), spy);
    const reference = await setBackend('reference');
    assert.equal(reference.name, 'reference');
    assert.equal(disposed, 1, 'switching away disposes of the old backend');
    await setBackend('wasm', { threads: 1 });
    assert.match((await getBackend()).description, /1 thread/);
  });

  it('rejects an unknown name and keeps the current backend', async () => {
    const before = await setBackend('reference');
    await assert.rejects(setBackend('gpu' as 'wasm'), (e: unknown) =>
      e instanceof UsageError && /unknown backend 'gpu'; expected 'wasm' or 'reference'/.test(e.message));
    assert.equal(await getBackend(), before);
  });
});
