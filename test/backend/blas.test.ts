import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../../src/backend/backend.js';
import {
  BLAS_MIN_ROWS_FUSED,
  BLAS_MIN_ROWS_LARGE_B,
  BLAS_MIN_WORK,
  BLAS_THREADED_WORK,
  createBlasBackend,
  stepProductsOnThreads,
  takesProduct,
} from '../../src/backend/blas/index.js';
import { blasCandidates, type BlasLibrary, openBlas, THREAD_TIMEOUT_VARIABLE } from '../../src/backend/blas/library.js';
import { createWasmBackend, createWasmBackendWith } from '../../src/backend/wasm/index.js';
import { EnvironmentError, UsageError } from '../../src/errors.js';
import { assertClose, assertIdentical } from '../helpers/allclose.js';
import { blasUnavailable, everyProductInBlas, foundBlas, NETLIB_BLAS, netlibUnavailable } from '../helpers/blas.js';
import { describeConformance, f64, ref64, upload } from '../helpers/conformance.js';
import { rng, uniform } from '../helpers/random.js';

const skip = blasUnavailable();

if (skip === undefined) {
  describeConformance('blas, 2 threads', () => createBlasBackend({ threads: 2 }));
  describeConformance('blas, every product in BLAS', () => everyProductInBlas(2));
} else {
  describe('blas conformance', { skip }, () => {});
}

describe('blas backend', { skip }, () => {
  it('names its library, version and threads', async () => {
    const backend = await createBlasBackend({ threads: 1 });
    try {
      assert.equal(backend.name, 'blas');
      const library = foundBlas();
      assert.ok(backend.description.startsWith(`blas (${library.vendor} ${library.version}`), backend.description);
      assert.match(backend.description, /wasm SIMD, 1 thread\)$/);
      if (library.threads() !== undefined) assert.match(backend.description, /, 1 thread;/);
      assert.equal(backend.threads, 1);
    } finally {
      backend.dispose();
    }
  });

  it('takes large products and leaves small, matrix-vector and small per-step ones to wasm', () => {
    assert.equal(takesProduct(32, 2048, 512, true), true, 'an LSTM step of batch 32 at H = 512');
    assert.equal(takesProduct(BLAS_MIN_ROWS_LARGE_B - 1, 2048, 512, true), false, 'an LSTM step of batch 15 at H = 512');
    assert.equal(takesProduct(8, 2048, 512, false), false, 'a product of 8 rows with a B of 2^20 elements');
    assert.equal(takesProduct(8, 1024, 256, true), false, 'an LSTM step of batch 8 at H = 256');
    assert.equal(takesProduct(8, 1024, 256, false), true, 'the same product outside a fused step');
    assert.equal(takesProduct(BLAS_MIN_ROWS_FUSED, 1024, 256, true), true, 'an LSTM step of batch 16 at H = 256');
    assert.equal(takesProduct(BLAS_MIN_ROWS_FUSED - 1, 1024, 256, true), false, 'an LSTM step of batch 15 at H = 256');
    assert.equal(takesProduct(32, 256, 64, true), true, 'an LSTM step of batch 32 at H = 64');
    assert.equal(takesProduct(BLAS_MIN_ROWS_FUSED, 64, BLAS_MIN_WORK / 1024 - 1, true), false, 'a fused product below BLAS_MIN_WORK');
    assert.equal(takesProduct(2048, 512, 2048, false), true, 'dW_hh at H = 512');
    assert.equal(takesProduct(1, 65, 512, false), false, 'one row');
    assert.equal(takesProduct(64, 64, BLAS_MIN_WORK / 4096, false), true);
    assert.equal(takesProduct(64, 64, BLAS_MIN_WORK / 4096 - 1, false), false);
    assert.equal(takesProduct(64, 64, 0, false), false);
  });

  it('runs step products below BLAS_THREADED_WORK on one BLAS thread and larger ones on all, restoring the count', () => {
    const calls: string[] = [];
    let threads = 3;
    const library: BlasLibrary = {
      ...foundBlas(),
      threads: () => threads,
      setThreads: (count) => {
        threads = count;
        return true;
      },
      sgemm: (_tA, _tB, m, n, k) => {
        calls.push(`${m}x${n}x${k} on ${threads}`);
        if (m === 13) throw new Error('failed product');
      },
    };
    const gemm = stepProductsOnThreads(library, 3);
    const none = new Float32Array(0);
    const product = (m: number, k: number): void => gemm(false, false, m, 64, k, 1, none, k, none, 64, 0, none, 64);
    product(64, BLAS_THREADED_WORK / 4096);
    product(64, BLAS_THREADED_WORK / 4096 - 1);
    assert.throws(() => product(13, 64), /failed product/);
    assert.deepEqual(calls, [`64x64x${BLAS_THREADED_WORK / 4096} on 3`, `64x64x${BLAS_THREADED_WORK / 4096 - 1} on 1`, '13x64x64 on 1']);
    assert.equal(threads, 3, 'the thread count after a failed product');
  });

  it('hands the products of time steps (packed B) to stepGemm and the others to gemm', async () => {
    const calls: string[] = [];
    const library = foundBlas();
    const recording =
      (name: string): BlasLibrary['sgemm'] =>
      (...args) => {
        calls.push(`${name} ${args[2]}x${args[3]}x${args[4]}`);
        library.sgemm(...args);
      };
    const backend = await createWasmBackendWith(
      { threads: 1 },
      { name: 'blas', description: 'recorded', takes: () => true, gemm: recording('gemm'), stepGemm: recording('step') },
    );
    try {
      const [m, n, k] = [5, 16, 8];
      const a = backend.alloc(m * k).fill(1);
      const b = backend.alloc(k * n).fill(2);
      const c = backend.alloc(m * n);
      backend.gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n);
      assert.equal(c[0], 2 * k);
      const packed = backend.alloc(backend.packedSize(k, n));
      backend.packMatrix(false, k, n, b, n, packed);
      backend.gemmPacked(false, m, n, k, 1, a, k, packed, 0, c.fill(0), n);
      assert.equal(c[m * n - 1], 2 * k);
      assert.deepEqual(calls, ['gemm 5x16x8', 'step 5x16x8']);
    } finally {
      backend.dispose();
    }
  });

  it('packed products in BLAS equal the unpacked ones, both layouts of B', async () => {
    const backend = await everyProductInBlas(1);
    try {
      const [m, n, k] = [37, 130, 67];
      const random = rng(5);
      for (const transB of [false, true]) {
        const ldb = (transB ? k : n) + 3;
        const b = upload(backend, uniform(random, (transB ? n : k) * ldb));
        const a = upload(backend, uniform(random, m * k));
        const packed = backend.alloc(backend.packedSize(k, n));
        backend.packMatrix(transB, k, n, b, ldb, packed);
        const viaPacked = backend.alloc(m * n);
        backend.gemmPacked(false, m, n, k, 1, a, k, packed, 0, viaPacked, n);
        const direct = backend.alloc(m * n);
        backend.gemm(false, transB, m, n, k, 1, a, k, b, ldb, 0, direct, n);
        assertIdentical(`transB ${transB}`, viaPacked, direct);
        const want = new Float64Array(m * n);
        ref64.gemm(false, transB, m, n, k, 1, f64(a), k, f64(b), ldb, 0, want, n);
        assertClose('against the reference', direct, want, { atol: 2e-6 * k + 1e-6, rtol: 1e-5 });
      }
    } finally {
      backend.dispose();
    }
  });

  it('runs LSTM steps through BLAS when it takes the product, equal to product then cell kernel', async () => {
    const blas = await createBlasBackend({ threads: 2 });
    const wasm = await createWasmBackend({ threads: 2 });
    try {
      const [rows, H] = [16, 512];
      assert.equal(takesProduct(rows, 4 * H, H, true), true);
      const random = rng(9);
      const inputs = {
        whh: uniform(random, 4 * H * H, -0.3, 0.3),
        hPrev: uniform(random, rows * H),
        gates: uniform(random, rows * 4 * H, -2, 2),
        cPrev: uniform(random, rows * H),
        da: uniform(random, rows * 4 * H),
        dc: uniform(random, rows * H),
      };
      const run = (b: Backend, fused: boolean): Float32Array[] => {
        const packedT = b.alloc(b.packedSize(H, 4 * H));
        b.packMatrix(true, H, 4 * H, upload(b, inputs.whh), H, packedT);
        const packed = b.alloc(b.packedSize(4 * H, H));
        b.packMatrix(false, 4 * H, H, upload(b, inputs.whh), H, packed);
        const [hPrev, gates, cPrev, da, dc] = [inputs.hPrev, inputs.gates, inputs.cPrev, inputs.da, inputs.dc].map<Float32Array>((x) =>
          upload(b, x),
        );
        const [c, h, y, dh] = [b.alloc(rows * H), b.alloc(rows * H), b.alloc(rows * H), b.alloc(rows * H)];
        if (fused) {
          b.lstmStepForward(rows, H, hPrev, packedT, gates, cPrev, c, h, y, H);
          b.lstmStepBackward(rows, H, da, packed, dh, rows, gates, cPrev, c, y, H, dc);
        } else {
          b.gemm(false, true, rows, 4 * H, H, 1, hPrev, H, upload(b, inputs.whh), H, 1, gates, 4 * H);
          b.lstmCellForward(rows, H, gates, cPrev, c, h, y, H);
          b.gemm(false, false, rows, H, 4 * H, 1, da, 4 * H, upload(b, inputs.whh), H, 0, dh, H);
          b.lstmCellBackward(rows, H, gates, cPrev, c, y, H, dh, dc);
        }
        return [c, h, y, dh, dc, gates].map((t) => Float32Array.from(t));
      };
      const want = run(blas, false);
      run(blas, true).forEach((got, i) => assertIdentical(`output ${i}`, got, want[i]));
      // The wasm kernels' own product rounds differently, within float32 accuracy.
      run(wasm, true).forEach((got, i) => assertClose(`wasm output ${i}`, got, want[i], { atol: 1e-4, rtol: 1e-4 }));
    } finally {
      blas.dispose();
      wasm.dispose();
    }
  });

  it('refuses a library without cblas_sgemm and one it cannot open, saying why', async () => {
    const libc = process.platform === 'linux' ? 'libc.so.6' : undefined;
    if (libc !== undefined) {
      const search = await openBlas(libc);
      assert.equal(search.found, false);
      assert.match(search.found ? '' : search.reason, /libc\.so\.6 has no cblas_sgemm/);
    }
    await assert.rejects(
      createBlasBackend({ library: '/nonexistent/libopenblas.so.0' }),
      (e: unknown) => e instanceof EnvironmentError && /blas backend: cannot open \/nonexistent\/libopenblas\.so\.0/.test(e.message),
    );
  });

  it('refuses the Netlib reference BLAS, naming it', { skip: netlibUnavailable() }, async () => {
    const search = await openBlas(NETLIB_BLAS);
    assert.equal(search.found, false);
    assert.equal(
      search.found ? '' : search.reason,
      `${NETLIB_BLAS} is refused: it is neither OpenBLAS, MKL, BLIS nor ` + 'Accelerate (most likely the slow Netlib reference BLAS)',
    );
    await assert.rejects(createBlasBackend({ library: NETLIB_BLAS }), EnvironmentError);
  });

  it('validates its options like the wasm backend', async () => {
    await assert.rejects(createBlasBackend({ threads: 0 }), UsageError);
  });

  it('searches OpenBLAS first on Linux, Accelerate on macOS, and libblas.so.3 only last', () => {
    const linux = blasCandidates('linux');
    assert.equal(linux[0], 'libopenblas.so.0');
    assert.equal(linux.at(-1), 'libblas.so.3');
    assert.match(blasCandidates('darwin')[0], /Accelerate\.framework/);
    assert.ok(blasCandidates('win32').includes('libopenblas.dll'));
  });

  describe('OpenBLAS threads between products', { skip: skip ?? (foundBlas().vendor === 'OpenBLAS' ? undefined : 'not OpenBLAS') }, () => {
    /** CPU time a fresh process spends asleep right after a two-thread product (see blas-idle.run.ts). */
    interface Idle {
      idleMs: number;
      cpuMs: number;
      variable: string | null;
    }
    const idleAfterProduct = (timeout: string | undefined): Idle => {
      const env = { ...process.env };
      delete env[THREAD_TIMEOUT_VARIABLE];
      if (timeout !== undefined) env[THREAD_TIMEOUT_VARIABLE] = timeout;
      const script = fileURLToPath(new URL('./blas-idle.run.ts', import.meta.url));
      const child = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', env });
      assert.equal(child.status, 0, child.stderr);
      const { element, ...idle } = JSON.parse(child.stdout) as Idle & { element: number };
      assert.equal(element, 128, 'C[0, 0] of the product: 512 × 0.5 × 0.5');
      return idle;
    };

    it('sleep within microseconds after a product, leaving the cores to the cell kernels, and the environment as it was', () => {
      // OpenBLAS's default polls for 2^28 cycles (about 110 ms of CPU here) after every product.
      const idle = idleAfterProduct(undefined);
      assert.ok(idle.cpuMs < 30, `the process used ${idle.cpuMs} ms of CPU while asleep for ${idle.idleMs} ms`);
      assert.equal(idle.variable, null, `${THREAD_TIMEOUT_VARIABLE} leaked into the environment`);
    });

    it(`follow ${THREAD_TIMEOUT_VARIABLE} when the environment sets it`, () => {
      // 2^30 cycles: the worker polls through the whole sleep.
      const idle = idleAfterProduct('30');
      assert.ok(idle.cpuMs > 60, `the process used only ${idle.cpuMs} ms of CPU while asleep for ${idle.idleMs} ms`);
      assert.equal(idle.variable, '30');
    });
  });
});
