/**
 * The backend conformance suite: every kernel of a float32 backend against the
 * float64 reference backend, on awkward sizes, every transpose, beta 0 and 1 and
 * leading dimensions larger than the rows they hold. One suite for every backend,
 * no exclude list.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Activation, Backend } from '../../src/backend/backend.js';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { assertClose } from './allclose.js';
import { cellChecks } from './conformance-cells.js';
import { crfChecks } from './conformance-crf.js';
import { optimizerChecks } from './conformance-optim.js';
import { rng, uniform } from './random.js';

export const AWKWARD_SIZES = [1, 3, 7, 17, 65, 129] as const;

/** [M, N, K] triples that put every awkward size in every position, plus multi-block ones. */
export function gemmShapes(): [number, number, number][] {
  const s = AWKWARD_SIZES;
  const shapes: [number, number, number][] = [];
  for (let i = 0; i < s.length; i++) {
    shapes.push([s[i], s[(i + 2) % s.length], s[(i + 4) % s.length]]);
    shapes.push([s[(i + 3) % s.length], s[i], s[(i + 1) % s.length]]);
  }
  // Beyond one block in every dimension (M > 64, N > 256, K > 256) and a long thin product; one
  // row against many columns (a matrix–vector product), alone and as the last row block.
  shapes.push([70, 300, 600], [2, 520, 513], [133, 9, 260], [1, 300, 129], [65, 520, 70]);
  return shapes;
}

export const ref64 = createReferenceBackend(Float64Array);

/** Copies values into a new buffer of `backend`. */
export function upload(backend: Backend<Float32Array>, values: ArrayLike<number>): Float32Array {
  const buffer = backend.alloc(values.length);
  buffer.set(values);
  return buffer;
}

export function f64(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values);
}

/** Registers the suite for the backend `make` creates (disposed after the suite). */
export function describeConformance(label: string, make: () => Promise<Backend<Float32Array>>): void {
  describe(`${label} conformance`, () => {
    let backend: Backend<Float32Array>;
    before(async () => {
      backend = await make();
    });
    after(() => backend.dispose());

    for (const [m, n, k] of gemmShapes()) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          it(`gemm ${m}x${n}x${k} transA=${transA} transB=${transB}, beta 0 and 1, padded strides`, () => {
            const random = rng(m * 7919 + n * 31 + k + (transA ? 1 : 0) + (transB ? 2 : 0));
            // Leading dimensions a few elements wider than the stored rows.
            const lda = (transA ? m : k) + 3;
            const ldb = (transB ? k : n) + 2;
            const ldc = n + 5;
            const a = uniform(random, (transA ? k : m) * lda);
            const b = uniform(random, (transB ? n : k) * ldb);
            const c0 = uniform(random, m * ldc);
            for (const [alpha, beta] of [
              [1, 0],
              [0.75, 1],
              [-1.5, 0.5],
            ] as const) {
              const expected = f64(c0);
              ref64.gemm(transA, transB, m, n, k, alpha, f64(a), lda, f64(b), ldb, beta, expected, ldc);
              const c = upload(backend, c0);
              backend.gemm(transA, transB, m, n, k, alpha, upload(backend, a), lda, upload(backend, b), ldb, beta, c, ldc);
              // Float32 accumulation over k terms of size ≤ 1.
              assertClose(`C (alpha ${alpha}, beta ${beta})`, c, expected, { atol: 2e-6 * k + 1e-6, rtol: 1e-5 });
            }
          });
        }
      }
    }

    for (const [m, n, k] of [...gemmShapes().slice(0, 8), [33, 600, 300], [5, 257, 513]] as [number, number, number][]) {
      it(`gemmPacked ${m}x${n}x${k}: B packed once (both layouts), every transA, beta 0 and 1`, () => {
        const random = rng(m * 13 + n * 7 + k);
        for (const transB of [false, true]) {
          const ldb = (transB ? k : n) + 1;
          const b = uniform(random, (transB ? n : k) * ldb);
          const packed = backend.alloc(backend.packedSize(k, n));
          backend.packMatrix(transB, k, n, upload(backend, b), ldb, packed);
          for (const transA of [false, true]) {
            const lda = (transA ? m : k) + 2;
            const a = uniform(random, (transA ? k : m) * lda);
            const ldc = n + 3;
            const c0 = uniform(random, m * ldc);
            for (const [alpha, beta] of [
              [1, 0],
              [0.5, 1],
            ] as const) {
              const expected = f64(c0);
              ref64.gemm(transA, transB, m, n, k, alpha, f64(a), lda, f64(b), ldb, beta, expected, ldc);
              const c = upload(backend, c0);
              backend.gemmPacked(transA, m, n, k, alpha, upload(backend, a), lda, packed, beta, c, ldc);
              assertClose(`C (transA ${transA}, transB ${transB}, beta ${beta})`, c, expected, { atol: 2e-6 * k + 1e-6, rtol: 1e-5 });
            }
          }
        }
      });
    }

    it('gemm with beta 0 ignores NaN already in C', () => {
      const c = upload(backend, [NaN, NaN, NaN, NaN]);
      backend.gemm(false, false, 2, 2, 1, 1, upload(backend, [1, 2]), 1, upload(backend, [3, 4]), 2, 0, c, 2);
      assert.deepEqual(Array.from(c), [3, 4, 6, 8]);
    });

    it('gemm with k = 0 scales C by beta', () => {
      const c = upload(backend, [1, 2, 3]);
      backend.gemm(false, false, 1, 3, 0, 1, upload(backend, [0]), 1, upload(backend, [0]), 3, 0.5, c, 3);
      assert.deepEqual(Array.from(c), [0.5, 1, 1.5]);
    });

    for (const n of AWKWARD_SIZES) {
      it(`vector kernels on ${n} elements`, () => {
        const random = rng(n);
        const x = uniform(random, n);
        const y = uniform(random, n);
        const buf = upload(backend, y);
        backend.axpy(n, -0.5, upload(backend, x), buf);
        assertClose(
          'axpy',
          buf,
          y.map((v, i) => v - 0.5 * x[i]),
        );
        backend.scale(n, 3, buf);
        assertClose(
          'scale',
          buf,
          y.map((v, i) => 3 * (v - 0.5 * x[i])),
        );
        backend.copy(n, upload(backend, x), buf);
        assertClose('copy', buf, Float32Array.from(x), { atol: 0, rtol: 0 });
        backend.fill(n, 0.25, buf);
        assertClose('fill', buf, new Array<number>(n).fill(0.25), { atol: 0, rtol: 0 });
      });

      it(`addBias, columnSums and columnProductSums on [${n}, ${n + 2}] with padded strides`, () => {
        const random = rng(100 + n);
        const rows = n;
        const cols = n + 2;
        const ld = cols + 3;
        const x = uniform(random, rows * ld);
        const bias = uniform(random, cols);
        const expected = f64(x);
        ref64.addBias(rows, cols, f64(bias), expected, ld);
        const c = upload(backend, x);
        backend.addBias(rows, cols, upload(backend, bias), c, ld);
        assertClose('addBias', c, expected);

        const out0 = uniform(random, cols);
        for (const beta of [0, 1, 0.5]) {
          const want = f64(out0);
          ref64.columnSums(rows, cols, f64(x), ld, beta, want);
          const out = upload(backend, out0);
          backend.columnSums(rows, cols, upload(backend, x), ld, beta, out);
          assertClose(`columnSums beta ${beta}`, out, want, { atol: 1e-6 * rows + 1e-6 });
        }

        const ldy = cols + 1;
        const y = uniform(random, rows * ldy);
        for (const beta of [0, 1, 0.5]) {
          const want = f64(out0);
          ref64.columnProductSums(rows, cols, f64(x), ld, f64(y), ldy, beta, want);
          const out = upload(backend, out0);
          backend.columnProductSums(rows, cols, upload(backend, x), ld, upload(backend, y), ldy, beta, out);
          assertClose(`columnProductSums beta ${beta}`, out, want, { atol: 1e-6 * rows + 1e-6 });
        }
      });
    }

    for (const kind of ['sigmoid', 'tanh', 'relu'] as Activation[]) {
      it(`${kind} and its derivative, over ordinary, tiny and saturating inputs`, () => {
        const random = rng(kind.length);
        const x = [...uniform(random, 129, -6, 6), ...uniform(random, 17, -1e-3, 1e-3), -100, -30, 0, 30, 100, 0.39, 0.41];
        const n = x.length;
        const want = new Float64Array(n);
        ref64.activate(kind, n, f64(x), want);
        const y = backend.alloc(n);
        backend.activate(kind, n, upload(backend, x), y);
        assertClose(`${kind}(x)`, y, want, { atol: 1e-7, rtol: 2e-6 });

        const dy = uniform(random, n);
        const wantDx = new Float64Array(n);
        ref64.activateBackward(kind, n, f64(y), f64(dy), wantDx);
        const dx = backend.alloc(n);
        backend.activateBackward(kind, n, y, upload(backend, dy), dx);
        assertClose(`${kind}'`, dx, wantDx, { atol: 1e-7, rtol: 1e-6 });

        // In place: y = f(y).
        const inPlace = upload(backend, x);
        backend.activate(kind, n, inPlace, inPlace);
        assertClose(`${kind} in place`, inPlace, y, { atol: 0, rtol: 0 });
      });
    }

    for (const [rows, cols] of [
      [1, 1],
      [3, 7],
      [17, 65],
      [65, 3],
      [7, 129],
    ] as const) {
      it(`softmax cross-entropy on [${rows}, ${cols}] with ignored rows`, () => {
        const random = rng(rows * 1000 + cols);
        const logits = uniform(random, rows * cols, -8, 8);
        const ignoreIndex = -100;
        const targets = Int32Array.from({ length: rows }, (_, r) => (r % 4 === 3 ? ignoreIndex : (r * 5) % cols));
        const wantProbs = new Float64Array(rows * cols);
        const wantLoss = new Float64Array(rows);
        ref64.softmaxCrossEntropy(rows, cols, f64(logits), targets, ignoreIndex, wantProbs, wantLoss);
        const t = backend.allocInt(rows);
        t.set(targets);
        const probs = backend.alloc(rows * cols);
        const losses = backend.alloc(rows);
        backend.softmaxCrossEntropy(rows, cols, upload(backend, logits), t, ignoreIndex, probs, losses);
        assertClose('probs', probs, wantProbs, { atol: 1e-7, rtol: 1e-5 });
        assertClose('losses', losses, wantLoss, { atol: 1e-5, rtol: 1e-5 });

        const wantGrad = new Float64Array(rows * cols);
        ref64.softmaxCrossEntropyBackward(rows, cols, f64(probs), targets, ignoreIndex, 0.5, wantGrad);
        const grad = backend.alloc(rows * cols);
        backend.softmaxCrossEntropyBackward(rows, cols, probs, t, ignoreIndex, 0.5, grad);
        assertClose('dlogits', grad, wantGrad, { atol: 1e-7, rtol: 1e-6 });
        // In place over probs.
        backend.softmaxCrossEntropyBackward(rows, cols, probs, t, ignoreIndex, 0.5, probs);
        assertClose('dlogits in place', probs, grad, { atol: 0, rtol: 0 });
      });
    }

    for (const [rows, cols] of [
      [1, 1],
      [3, 7],
      [17, 65],
      [2, 129],
    ] as const) {
      it(`softmax and its backward on [${rows}, ${cols}], in place too`, () => {
        const random = rng(rows * 77 + cols);
        const x = uniform(random, rows * cols, -6, 6);
        const want = new Float64Array(rows * cols);
        ref64.softmax(rows, cols, f64(x), want);
        const y = backend.alloc(rows * cols);
        backend.softmax(rows, cols, upload(backend, x), y);
        assertClose('softmax', y, want, { atol: 1e-7, rtol: 1e-5 });
        const dy = uniform(random, rows * cols);
        const wantDx = new Float64Array(rows * cols);
        ref64.softmaxBackward(rows, cols, f64(y), f64(dy), wantDx);
        const d = upload(backend, dy);
        backend.softmaxBackward(rows, cols, y, d, d);
        assertClose('softmax backward', d, wantDx, { atol: 1e-7, rtol: 1e-5 });
      });
    }

    it('softmax cross-entropy stays finite for logits of ±1e4', () => {
      const t = backend.allocInt(1);
      t[0] = 1;
      const probs = backend.alloc(3);
      const losses = backend.alloc(1);
      backend.softmaxCrossEntropy(1, 3, upload(backend, [1e4, -1e4, 0]), t, -1, probs, losses);
      assertClose('probs', probs, [1, 0, 0], { atol: 1e-7, rtol: 0 });
      assertClose('loss', losses, [2e4], { atol: 0, rtol: 1e-6 });
    });

    cellChecks(() => backend);
    optimizerChecks(() => backend);
    crfChecks(() => backend);

    it('alloc returns zero-filled buffers and free makes room for reuse', () => {
      const a = backend.alloc(1000);
      a.fill(7);
      backend.free(a);
      const b = backend.alloc(1000);
      assert.ok(
        b.every((v) => v === 0),
        'a fresh buffer is zero-filled',
      );
      const ints = backend.allocInt(5);
      assert.deepEqual(Array.from(ints), [0, 0, 0, 0, 0]);
      backend.free(b);
      backend.free(ints);
    });
  });
}
