// The built package (dist/) loads and computes in a real browser: threaded with shared
// memory on a cross-origin-isolated page, single-threaded with fixed memory elsewhere;
// ONNX export works there too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { browserUnavailable, launchChromium, serveRepository } from '../helpers/browser.js';

interface PageResult {
  isolated: boolean;
  description: string;
  maxDifference: number;
  onnxBytes: number;
}

// Runs in the page: a 67×133×45 product (split across threads when there are two) against the reference.
async function checkInPage(): Promise<PageResult> {
  const entry: string = '/dist/index.js'; // served by the test's page, not resolved here
  const rnnkit = (await import(entry)) as typeof import('../../src/index.js');
  const backend = await rnnkit.createWasmBackend({ threads: 2, memoryMiB: 64 });
  const reference = rnnkit.createReferenceBackend();
  const [m, n, k] = [67, 133, 45];
  const a = backend.alloc(m * k);
  const b = backend.alloc(k * n);
  const c = backend.alloc(m * n);
  a.forEach((_, i) => {
    a[i] = Math.sin(i);
  });
  b.forEach((_, i) => {
    b[i] = Math.cos(i);
  });
  backend.gemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n);
  const want = new Float32Array(m * n);
  reference.gemm(false, true, m, n, k, 1, Float32Array.from(a), k, Float32Array.from(b), k, 0, want, n);
  let maxDifference = 0;
  for (let i = 0; i < want.length; i++) maxDifference = Math.max(maxDifference, Math.abs(want[i] - c[i]));
  const description = backend.description;
  backend.dispose();
  const onnxBytes = rnnkit.exportOnnx(new rnnkit.LSTM({ inputSize: 3, hiddenSize: 4, seed: 1 })).length;
  return { isolated: crossOriginIsolated, description, maxDifference, onnxBytes };
}

const unavailable = browserUnavailable();

describe('wasm backend in Chromium', { skip: unavailable }, () => {
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  before(async () => {
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
  });

  for (const isolated of [true, false]) {
    it(isolated ? 'runs on two threads on a cross-origin-isolated page' : 'falls back to one thread elsewhere', async () => {
      const server = await serveRepository(isolated);
      const page = await chromium.browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      try {
        await page.goto(new URL('test/browser/page.html', server.url).href);
        const result = await page.evaluate(checkInPage);
        assert.equal(result.isolated, isolated);
        assert.match(result.description, isolated ? /SIMD.*, 2 threads\)/ : /1 thread, unshared memory/);
        assert.ok(result.maxDifference < 1e-4, `max difference ${result.maxDifference}`);
        assert.ok(result.onnxBytes > 500, `ONNX export in the page: ${result.onnxBytes} bytes`);
        assert.deepEqual(errors, []);
      } finally {
        await page.close();
        await server.close();
      }
    });
  }
});
