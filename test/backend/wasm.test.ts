import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../../src/backend/backend.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { EnvironmentError, RnnkitError, UsageError } from '../../src/errors.js';
import { assertIdentical } from '../helpers/allclose.js';
import { describeConformance, upload } from '../helpers/conformance.js';
import { rng, uniform } from '../helpers/random.js';

/** Runs `check` with a one-thread and a three-thread wasm backend, and disposes both after. */
async function withOneAndMany(check: (one: Backend, many: Backend) => void | Promise<void>): Promise<void> {
  const one = await createWasmBackend({ threads: 1 });
  const many = await createWasmBackend({ threads: 3 });
  try {
    await check(one, many);
  } finally {
    one.dispose();
    many.dispose();
  }
}

describeConformance('wasm, 1 thread', () => createWasmBackend({ threads: 1 }));
describeConformance('wasm, 2 threads', () => createWasmBackend({ threads: 2 }));
describeConformance('wasm, unshared memory', () => createWasmBackend({ sharedMemory: false, memoryMiB: 64 }));

describe('wasm threads', () => {
  it('split products equal single-threaded ones bit for bit', async () => {
    await withOneAndMany((one, many) => {
      assert.match(many.description, /3 threads/);
      // Wide (split by columns), tall (split by rows), uneven splits, every transpose.
      for (const [m, n, k] of [
        [32, 2048, 512],
        [700, 96, 130],
        [129, 1000, 65],
        [1003, 17, 257],
      ] as const) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const random = rng(m + n + k);
            const a = uniform(random, m * k);
            const b = uniform(random, k * n);
            const c0 = uniform(random, m * n);
            const results = [one, many].map((backend) => {
              const c = upload(backend, c0);
              backend.gemm(transA, transB, m, n, k, 0.5, upload(backend, a), transA ? m : k, upload(backend, b), transB ? k : n, 1, c, n);
              return Float32Array.from(c);
            });
            assertIdentical(`C ${m}x${n}x${k} transA=${transA} transB=${transB}`, results[1], results[0]);
            const packedResults = [one, many].map((backend) => {
              const packed = backend.alloc(backend.packedSize(k, n));
              backend.packMatrix(transB, k, n, upload(backend, b), transB ? k : n, packed);
              const c = upload(backend, c0);
              backend.gemmPacked(transA, m, n, k, 0.5, upload(backend, a), transA ? m : k, packed, 1, c, n);
              return Float32Array.from(c);
            });
            assertIdentical(`packed C ${m}x${n}x${k} transA=${transA} transB=${transB}`, packedResults[1], packedResults[0]);
            assertIdentical('packed equals unpacked', packedResults[0], results[0]);
          }
        }
      }
    });
  });
});

describe('wasm products of one row', () => {
  it('a lone row of C equals the same row of a many-row product bit for bit', async () => {
    const backend = await createWasmBackend({ threads: 2 });
    try {
      const [m, n, k] = [6, 530, 300]; // several column blocks, a partial panel, two K blocks
      const random = rng(3);
      const a = Float32Array.from(uniform(random, m * k));
      const b = upload(backend, uniform(random, k * n));
      const c0 = Float32Array.from(uniform(random, m * n));
      const packed = backend.alloc(backend.packedSize(k, n));
      backend.packMatrix(false, k, n, b, n, packed);
      for (const beta of [0, 1]) {
        const whole = upload(backend, c0);
        backend.gemm(false, false, m, n, k, 0.5, upload(backend, a), k, b, n, beta, whole, n);
        const wholePacked = upload(backend, c0);
        backend.gemmPacked(false, m, n, k, 0.5, upload(backend, a), k, packed, beta, wholePacked, n);
        for (const row of [0, m - 1]) {
          const lone = upload(backend, c0.subarray(row * n, (row + 1) * n));
          backend.gemm(false, false, 1, n, k, 0.5, upload(backend, a.subarray(row * k, (row + 1) * k)), k, b, n, beta, lone, n);
          assertIdentical(`gemm row ${row}, beta ${beta}`, lone, whole.subarray(row * n, (row + 1) * n));
          const lonePacked = upload(backend, c0.subarray(row * n, (row + 1) * n));
          backend.gemmPacked(false, 1, n, k, 0.5, upload(backend, a.subarray(row * k, (row + 1) * k)), k, packed, beta, lonePacked, n);
          assertIdentical(`gemmPacked row ${row}, beta ${beta}`, lonePacked, wholePacked.subarray(row * n, (row + 1) * n));
        }
      }
    } finally {
      backend.dispose();
    }
  });
});

describe('wasm threads (cell kernels)', () => {
  it('cell kernels with rows split between threads equal single-threaded ones bit for bit', async () => {
    await withOneAndMany((one, many) => {
      const [rows, H] = [43, 96];
      const ldy = 2 * H + 3;
      const random = rng(7);
      const inputs = {
        gates: uniform(random, rows * 4 * H, -3, 3),
        cPrev: uniform(random, rows * H),
        dy: uniform(random, rows * ldy),
        dh: uniform(random, rows * H),
        dc: uniform(random, rows * H),
        hh: uniform(random, rows * 3 * H),
        bhh: uniform(random, 3 * H),
      };
      const results = [one, many].map((b) => {
        const gates = upload(b, inputs.gates);
        const c = b.alloc(rows * H);
        const h = b.alloc(rows * H);
        const y = upload(b, inputs.dy);
        b.lstmCellForward(rows, H, gates, upload(b, inputs.cPrev), c, h, y, ldy);
        const dh = upload(b, inputs.dh);
        const dc = upload(b, inputs.dc);
        b.lstmCellBackward(rows, H, gates, upload(b, inputs.cPrev), c, upload(b, inputs.dy), ldy, dh, dc);
        const gru = upload(b, inputs.gates.slice(0, rows * 3 * H));
        const hn = b.alloc(rows * H);
        const hg = b.alloc(rows * H);
        b.gruCellForward(rows, H, gru, upload(b, inputs.hh), upload(b, inputs.bhh), upload(b, inputs.cPrev), hn, hg, y, ldy);
        return [c, h, y, dh, dc, gates, gru, hn, hg].map((t) => Float32Array.from(t));
      });
      results[0].forEach((want, i) => assertIdentical(`output ${i}`, results[1][i], want));
    });
  });
});

describe('wasm threads (whole LSTM steps)', () => {
  it('fused steps with units split between threads equal the unfused single-threaded calls bit for bit', async () => {
    await withOneAndMany((one, many) => {
      const [rows, H] = [43, 96];
      const ldy = 2 * H + 3;
      const random = rng(11);
      const inputs = {
        whh: uniform(random, 4 * H * H, -0.2, 0.2),
        hPrev: uniform(random, rows * H),
        gates: uniform(random, rows * 4 * H, -2, 2),
        cPrev: uniform(random, rows * H),
        y: uniform(random, rows * ldy),
        da: uniform(random, rows * 4 * H),
        dc: uniform(random, rows * H),
      };
      const run = (b: Backend, fused: boolean): Float32Array[] => {
        const packedT = b.alloc(b.packedSize(H, 4 * H));
        b.packMatrix(true, H, 4 * H, upload(b, inputs.whh), H, packedT);
        const packed = b.alloc(b.packedSize(4 * H, H));
        b.packMatrix(false, 4 * H, H, upload(b, inputs.whh), H, packed);
        const [hPrev, gates, cPrev, y] = [inputs.hPrev, inputs.gates, inputs.cPrev, inputs.y].map((x) => upload(b, x)) as [
          Float32Array,
          Float32Array,
          Float32Array,
          Float32Array,
        ];
        const c = b.alloc(rows * H);
        const h = b.alloc(rows * H);
        const [da, dc] = [upload(b, inputs.da), upload(b, inputs.dc)];
        const dh = b.alloc(rows * H);
        if (fused) {
          b.lstmStepForward(rows, H, hPrev, packedT, gates, cPrev, c, h, y, ldy);
          b.lstmStepBackward(rows, H, da, packed, dh, rows, gates, cPrev, c, y, ldy, dc);
        } else {
          b.gemmPacked(false, rows, 4 * H, H, 1, hPrev, H, packedT, 1, gates, 4 * H);
          b.lstmCellForward(rows, H, gates, cPrev, c, h, y, ldy);
          b.gemmPacked(false, rows, H, 4 * H, 1, da, 4 * H, packed, 0, dh, H);
          b.lstmCellBackward(rows, H, gates, cPrev, c, y, ldy, dh, dc);
        }
        return [c, h, y, dh, dc, gates].map((t) => Float32Array.from(t));
      };
      const want = run(one, false);
      for (const [name, got] of [
        ['1 thread', run(one, true)],
        ['3 threads', run(many, true)],
      ] as const) {
        want.forEach((w, i) => assertIdentical(`${name}, output ${i}`, got[i], w));
      }
    });
  });
});

describe('wasm backend boundaries', () => {
  it('rejects buffers that are not in its memory', async () => {
    const backend = await createWasmBackend({ threads: 1 });
    try {
      assert.throws(
        () => backend.scale(2, 2, new Float32Array(2)),
        (e: unknown) => e instanceof RnnkitError && /x is not in the backend's memory/.test(e.message),
      );
      assert.throws(() => backend.free(new Float32Array(2)), RnnkitError);
    } finally {
      backend.dispose();
    }
  });

  it('reports exhausted fixed-size memory and keeps working after it', async () => {
    const backend = await createWasmBackend({ sharedMemory: false, memoryMiB: 2 });
    try {
      assert.match(backend.description, /1 thread, unshared memory/);
      assert.throws(
        () => backend.alloc(1_000_000),
        (e: unknown) => e instanceof EnvironmentError && /out of memory \(2 MiB\)/.test(e.message),
      );
      const small = upload(backend, [1, 2, 3]);
      backend.scale(3, 2, small);
      assert.deepEqual(Array.from(small), [2, 4, 6]);
    } finally {
      backend.dispose();
    }
  });

  it('grows shared memory without invalidating existing buffers', async () => {
    const backend = await createWasmBackend({ threads: 2 });
    try {
      const early = upload(backend, [1, 2, 3, 4]);
      const big = backend.alloc(40_000_000); // 160 MB: forces memory.grow
      big[big.length - 1] = 5;
      backend.axpy(4, 1, early, early);
      assert.deepEqual(Array.from(early), [2, 4, 6, 8]);
      backend.free(big);
    } finally {
      backend.dispose();
    }
  });

  it('validates its options', async () => {
    await assert.rejects(createWasmBackend({ threads: 0 }), UsageError);
    await assert.rejects(createWasmBackend({ threads: 1.5 }), /threads must be a positive integer, got 1.5/);
    await assert.rejects(createWasmBackend({ memoryMiB: 0 }), UsageError);
  });
});

describe('wasm relaxed SIMD build', () => {
  it('passes the conformance suite where the engine enables relaxed SIMD', () => {
    // Node 20 ships relaxed SIMD behind a flag: run the suite in a child that sets it.
    const script = fileURLToPath(new URL('./relaxed-simd.run.ts', import.meta.url));
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT; // else the child reports to this runner instead of running on its own
    const child = spawnSync(
      process.execPath,
      ['--experimental-wasm-relaxed-simd', '--import', 'tsx', '--test', '--test-reporter=tap', script],
      { encoding: 'utf8', env },
    );
    assert.equal(child.status, 0, `relaxed SIMD suite failed:\n${child.stdout}\n${child.stderr}`);
    const passed = Number(/^# pass (\d+)$/m.exec(child.stdout)?.[1] ?? 0);
    assert.ok(passed > 80, `the relaxed SIMD suite ran only ${passed} tests`);
  });
});
