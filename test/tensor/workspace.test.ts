import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { Workspace } from '../../src/tensor/workspace.js';

/** A reference backend that counts what it allocates and frees. */
function countingBackend(): { backend: Backend<Float32Array>; allocs: number[]; freed: number[] } {
  const inner = createReferenceBackend();
  const allocs: number[] = [];
  const freed: number[] = [];
  const backend: Backend<Float32Array> = Object.create(inner) as Backend<Float32Array>;
  backend.alloc = (n) => {
    allocs.push(n);
    return inner.alloc(n);
  };
  backend.allocInt = (n) => {
    allocs.push(n);
    return inner.allocInt(n);
  };
  backend.free = (buffer) => {
    freed.push(buffer.length);
    inner.free(buffer);
  };
  return { backend, allocs, freed };
}

const plan = {
  floats: { gates: ({ T, B }: { T: number; B: number }) => T * B * 4, state: ({ B }: { T: number; B: number }) => B * 2 },
  ints: { ids: ({ T, B }: { T: number; B: number }) => T * B },
};

describe('Workspace', () => {
  it('hands out views of exactly the planned sizes, floats and ints', () => {
    const { backend } = countingBackend();
    const ws = new Workspace(backend, plan);
    const v = ws.views({ T: 3, B: 2 });
    assert.equal(v.gates.length, 24);
    assert.equal(v.state.length, 4);
    assert.ok(v.ids instanceof Int32Array);
    assert.equal(v.ids.length, 6);
    assert.equal(ws.last, v);
  });

  it('returns the same views for a shape with the same sizes, without allocating', () => {
    const { backend, allocs } = countingBackend();
    const ws = new Workspace(backend, plan);
    const v = ws.views({ T: 3, B: 2 });
    const count = allocs.length;
    assert.equal(ws.views({ T: 3, B: 2 }), v);
    assert.equal(allocs.length, count);
  });

  it('grows only the buffers that are too small, and reuses the rest as prefixes', () => {
    const { backend, allocs, freed } = countingBackend();
    const ws = new Workspace(backend, plan);
    const big = ws.views({ T: 4, B: 2 });
    big.gates[0] = 7;
    allocs.length = 0;
    // T·B drops (gates, ids fit), B stays (state fits): nothing allocated, the data stays.
    const small = ws.views({ T: 1, B: 2 });
    assert.deepEqual(allocs, []);
    assert.equal(small.gates.length, 8);
    assert.equal(small.gates[0], 7);
    assert.equal(small.gates.buffer, big.gates.buffer);
    // B grows: state [B·2] outgrows its 4 numbers and is replaced; gates (12 ≤ 32) and ids (3 ≤ 8) still fit.
    const wider = ws.views({ T: 1, B: 3 });
    assert.deepEqual(allocs, [6]);
    assert.deepEqual(freed, [4]);
    assert.equal(wider.gates.buffer, big.gates.buffer);
    assert.equal(wider.state.length, 6);
  });

  it('frees every buffer with free(), and plans anew afterwards', () => {
    const { backend, freed } = countingBackend();
    const ws = new Workspace(backend, plan);
    ws.views({ T: 2, B: 1 });
    assert.equal(ws.planned, true);
    ws.free();
    assert.deepEqual(
      freed.sort((a, b) => a - b),
      [2, 2, 8],
    );
    assert.equal(ws.planned, false);
    assert.throws(() => ws.last, /no shape planned yet/);
    assert.equal(ws.views({ T: 2, B: 1 }).gates.length, 8);
  });

  it('plans over any shape, e.g. a single count', () => {
    const { backend } = countingBackend();
    const ws = new Workspace(backend, { floats: { rows: (V: number) => V * 3, none: () => 0 } });
    assert.equal(ws.views(5).rows.length, 15);
    assert.equal(ws.last.none.length, 0);
  });

  it('lives in the wasm memory on the wasm backend, and free() returns it to the heap', async () => {
    const backend = await createWasmBackend({ threads: 1 });
    try {
      const ws = new Workspace(backend, plan);
      const v = ws.views({ T: 5, B: 3 });
      const probe = backend.alloc(1);
      assert.equal(v.gates.buffer, probe.buffer, 'a view of the module memory');
      backend.free(probe);
      const offset = v.gates.byteOffset;
      ws.free();
      // The heap hands the freed block out again, first fit.
      const again = backend.alloc(v.gates.length);
      assert.equal(again.byteOffset, offset);
      backend.free(again);
    } finally {
      backend.dispose();
    }
  });
});
