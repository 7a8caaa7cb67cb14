// Run by wasm.test.ts in a child process started with --experimental-wasm-relaxed-simd.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { describeConformance } from '../helpers/conformance.js';

it('uses the relaxed SIMD build', async () => {
  const backend = await createWasmBackend({ threads: 1 });
  assert.match(backend.description, /relaxed SIMD with FMA/);
  backend.dispose();
});
describeConformance('wasm relaxed SIMD, 2 threads', () => createWasmBackend({ threads: 2 }));
