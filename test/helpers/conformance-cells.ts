/**
 * Conformance of the fused cell kernels and the row/vector helpers added for the
 * recurrent layers: each against the float64 reference, with hidden sizes that are and
 * are not multiples of the SIMD width and a padded output stride, and sizes that threads split.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Backend, RnnNonlinearity } from '../../src/backend/backend.js';
import { assertClose } from './allclose.js';
import { f64, ref64, upload } from './conformance.js';
import { rng, uniform } from './random.js';

// The last two have enough units (rows × H ≥ 2048) for a threaded backend to split their rows.
const CELL_SHAPES = [
  [1, 1],
  [3, 7],
  [5, 8],
  [17, 13],
  [2, 65],
  [37, 67],
  [3, 1000],
] as const;
const TOL = { atol: 2e-6, rtol: 2e-5 };

export function cellChecks(get: () => Backend<Float32Array>): void {
  for (const [rows, H] of CELL_SHAPES) {
    const ldy = 2 * H + 1;

    for (const kind of ['tanh', 'relu'] as RnnNonlinearity[]) {
      it(`rnn ${kind} cell forward and backward, rows ${rows}, H ${H}`, () => {
        const b = get();
        const random = rng(rows * 100 + H);
        const pre = uniform(random, rows * H, -3, 3);
        const y0 = uniform(random, rows * ldy);
        const wantH = new Float64Array(rows * H);
        const wantY = f64(y0);
        ref64.rnnCellForward(kind, rows, H, f64(pre), wantH, wantY, ldy);
        const h = b.alloc(rows * H);
        const y = upload(b, y0);
        b.rnnCellForward(kind, rows, H, upload(b, pre), h, y, ldy);
        assertClose('h', h, wantH, TOL);
        assertClose('y (untouched padding included)', y, wantY, TOL);

        const dy = uniform(random, rows * ldy);
        const dh = uniform(random, rows * H);
        const wantDa = new Float64Array(rows * H);
        ref64.rnnCellBackward(kind, rows, H, f64(h), f64(dy), ldy, f64(dh), wantDa);
        const da = b.alloc(rows * H);
        b.rnnCellBackward(kind, rows, H, h, upload(b, dy), ldy, upload(b, dh), da);
        assertClose('da', da, wantDa, TOL);
      });
    }

    for (const peepholes of [false, true]) {
      it(`lstm cell forward and backward${peepholes ? ' with peepholes' : ''}, rows ${rows}, H ${H}`, () => {
        const b = get();
        const random = rng(rows * 1000 + H + (peepholes ? 1 : 0));
        const gates0 = uniform(random, rows * 4 * H, -4, 4);
        const cPrev = uniform(random, rows * H, -2, 2);
        const y0 = uniform(random, rows * ldy);
        const p = peepholes ? uniform(random, 3 * H, -1, 1) : undefined;
        const p64 = p === undefined ? undefined : f64(p);
        const pb = p === undefined ? undefined : upload(b, p);
        const wantGates = f64(gates0);
        const wantC = new Float64Array(rows * H);
        const wantH = new Float64Array(rows * H);
        const wantY = f64(y0);
        ref64.lstmCellForward(rows, H, wantGates, f64(cPrev), wantC, wantH, wantY, ldy, p64);
        const gates = upload(b, gates0);
        const c = b.alloc(rows * H);
        const h = b.alloc(rows * H);
        const y = upload(b, y0);
        const cp = upload(b, cPrev);
        b.lstmCellForward(rows, H, gates, cp, c, h, y, ldy, pb);
        assertClose('gate activations', gates, wantGates, TOL);
        assertClose('c', c, wantC, TOL);
        assertClose('h', h, wantH, TOL);
        assertClose('y', y, wantY, TOL);

        const dy = uniform(random, rows * ldy);
        const dh = uniform(random, rows * H);
        const dc0 = uniform(random, rows * H);
        const wantDg = f64(gates);
        const wantDc = f64(dc0);
        ref64.lstmCellBackward(rows, H, wantDg, f64(cp), f64(c), f64(dy), ldy, f64(dh), wantDc, p64);
        const dc = upload(b, dc0);
        b.lstmCellBackward(rows, H, gates, cp, c, upload(b, dy), ldy, upload(b, dh), dc, pb);
        assertClose('d gates', gates, wantDg, TOL);
        assertClose('dc_{t-1}', dc, wantDc, TOL);
      });
    }

    it(`gru with the reset gate before the product: both halves forward and backward, rows ${rows}, H ${H}`, () => {
      const b = get();
      const random = rng(rows * 20000 + H);
      const gates0 = uniform(random, rows * 3 * H, -3, 3);
      const hPrev = uniform(random, rows * H);
      const y0 = uniform(random, rows * ldy);
      const product = uniform(random, rows * H, -2, 2); // stands for rh · W_hnᵀ, added between the halves
      const wantGates = f64(gates0);
      const wantRh = new Float64Array(rows * H);
      ref64.gruGatesForward(rows, H, wantGates, f64(hPrev), wantRh);
      const gates = upload(b, gates0);
      const hp = upload(b, hPrev);
      const rh = b.alloc(rows * H);
      b.gruGatesForward(rows, H, gates, hp, rh);
      assertClose('r, z (n block untouched)', gates, wantGates, TOL);
      assertClose('r ⊙ h_{t-1}', rh, wantRh, TOL);

      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < H; j++) {
          wantGates[r * 3 * H + 2 * H + j] += product[r * H + j];
          gates[r * 3 * H + 2 * H + j] += product[r * H + j];
        }
      }
      const wantH = new Float64Array(rows * H);
      const wantY = f64(y0);
      ref64.gruCandidateForward(rows, H, wantGates, f64(hPrev), wantH, wantY, ldy);
      const h = b.alloc(rows * H);
      const y = upload(b, y0);
      b.gruCandidateForward(rows, H, gates, hp, h, y, ldy);
      assertClose('r, z, n', gates, wantGates, TOL);
      assertClose('h', h, wantH, TOL);
      assertClose('y (untouched padding included)', y, wantY, TOL);

      const dy = uniform(random, rows * ldy);
      const dh0 = uniform(random, rows * H);
      const wantDg = f64(gates);
      const wantDh = f64(dh0);
      ref64.gruCandidateBackward(rows, H, wantDg, f64(hPrev), f64(dy), ldy, wantDh);
      const dh = upload(b, dh0);
      b.gruCandidateBackward(rows, H, gates, hp, upload(b, dy), ldy, dh);
      assertClose('r, da_z, da_n', gates, wantDg, TOL);
      assertClose('dh direct part', dh, wantDh, TOL);

      const drh = uniform(random, rows * H);
      ref64.gruGatesBackward(rows, H, wantDg, f64(hPrev), f64(drh), wantDh);
      b.gruGatesBackward(rows, H, gates, hp, upload(b, drh), dh);
      assertClose('da_r, da_z, da_n', gates, wantDg, TOL);
      assertClose('dh with the reset path', dh, wantDh, TOL);
    });

    it(`gru cell forward and backward, rows ${rows}, H ${H}`, () => {
      const b = get();
      const random = rng(rows * 10000 + H);
      const gates0 = uniform(random, rows * 3 * H, -3, 3);
      const hh = uniform(random, rows * 3 * H, -3, 3);
      const bhh = uniform(random, 3 * H);
      const hPrev = uniform(random, rows * H);
      const y0 = uniform(random, rows * ldy);
      const wantGates = f64(gates0);
      const wantHn = new Float64Array(rows * H);
      const wantH = new Float64Array(rows * H);
      const wantY = f64(y0);
      ref64.gruCellForward(rows, H, wantGates, f64(hh), f64(bhh), f64(hPrev), wantHn, wantH, wantY, ldy);
      const gates = upload(b, gates0);
      const hn = b.alloc(rows * H);
      const h = b.alloc(rows * H);
      const y = upload(b, y0);
      const hp = upload(b, hPrev);
      b.gruCellForward(rows, H, gates, upload(b, hh), upload(b, bhh), hp, hn, h, y, ldy);
      assertClose('r, z, n', gates, wantGates, TOL);
      assertClose('hn', hn, wantHn, TOL);
      assertClose('h', h, wantH, TOL);
      assertClose('y', y, wantY, TOL);

      const dy = uniform(random, rows * ldy);
      const dh0 = uniform(random, rows * H);
      const wantDg = f64(gates);
      const wantDh = f64(dh0);
      const wantDgh = new Float64Array(rows * 3 * H);
      ref64.gruCellBackward(rows, H, wantDg, f64(hn), f64(hp), f64(dy), ldy, wantDh, wantDgh);
      const dh = upload(b, dh0);
      const dgh = b.alloc(rows * 3 * H);
      b.gruCellBackward(rows, H, gates, hn, hp, upload(b, dy), ldy, dh, dgh);
      assertClose('d gates (x part)', gates, wantDg, TOL);
      assertClose('d gates (h part)', dgh, wantDgh, TOL);
      assertClose('dh direct part', dh, wantDh, TOL);
    });
  }

  // Whole LSTM steps (product + cell kernel): H a multiple of 8 or not (the wasm backend then
  // composes the two calls), and sizes whose units threads split.
  for (const [rows, H] of [
    [1, 1],
    [3, 7],
    [5, 8],
    [37, 67],
    [32, 64],
    [3, 200],
    [1, 136],
  ] as const) {
    it(`lstm step forward and backward (fused product), rows ${rows}, H ${H}`, () => {
      const b = get();
      const random = rng(rows * 7 + H);
      const ldy = 2 * H + 1;
      const whh = uniform(random, 4 * H * H, -0.2, 0.2); // W_hh [4H, H]
      const hPrev = uniform(random, rows * H);
      const gates0 = uniform(random, rows * 4 * H, -2, 2);
      const cPrev = uniform(random, rows * H, -2, 2);
      const y0 = uniform(random, rows * ldy);
      const packedT = b.alloc(b.packedSize(H, 4 * H));
      b.packMatrix(true, H, 4 * H, upload(b, whh), H, packedT);
      const gates = upload(b, gates0);
      const c = b.alloc(rows * H);
      const h = b.alloc(rows * H);
      const y = upload(b, y0);
      b.lstmStepForward(rows, H, upload(b, hPrev), packedT, gates, upload(b, cPrev), c, h, y, ldy);
      // forward: gates += h_{t−1} · W_hhᵀ, then the cell kernel
      const wantGates = f64(gates0);
      ref64.gemm(false, true, rows, 4 * H, H, 1, f64(hPrev), H, f64(whh), H, 1, wantGates, 4 * H);
      const wantC = new Float64Array(rows * H);
      const wantH = new Float64Array(rows * H);
      const wantY = f64(y0);
      ref64.lstmCellForward(rows, H, wantGates, f64(cPrev), wantC, wantH, wantY, ldy);
      const PRODUCT_TOL = { atol: 1e-5, rtol: 1e-4 };
      assertClose('gate activations', gates, wantGates, PRODUCT_TOL);
      assertClose('c', c, wantC, PRODUCT_TOL);
      assertClose('h', h, wantH, PRODUCT_TOL);
      assertClose('y', y, wantY, PRODUCT_TOL);

      for (const cellRows of [rows, 0]) {
        const packed = b.alloc(b.packedSize(4 * H, H));
        b.packMatrix(false, 4 * H, H, upload(b, whh), H, packed);
        const da = uniform(random, rows * 4 * H);
        const dy = uniform(random, rows * ldy);
        const dc0 = uniform(random, rows * H);
        const dh = b.alloc(rows * H);
        const dc = upload(b, dc0);
        const prevGates = upload(b, Float32Array.from(gates));
        b.lstmStepBackward(rows, H, upload(b, da), packed, dh, cellRows, prevGates, upload(b, cPrev), c, upload(b, dy), ldy, dc);
        // dh_{t−1} = da_t · W_hh, then the cell backward of step t − 1
        const wantDh = new Float64Array(rows * H);
        ref64.gemm(false, false, rows, H, 4 * H, 1, f64(da), 4 * H, f64(whh), H, 0, wantDh, H);
        const wantDg = f64(gates);
        const wantDc = f64(dc0);
        if (cellRows > 0) ref64.lstmCellBackward(rows, H, wantDg, f64(cPrev), f64(c), f64(dy), ldy, wantDh, wantDc);
        assertClose(`dh (cell rows ${cellRows})`, dh, wantDh, PRODUCT_TOL);
        assertClose(`d gates (cell rows ${cellRows})`, prevGates, wantDg, PRODUCT_TOL);
        assertClose(`dc (cell rows ${cellRows})`, dc, wantDc, PRODUCT_TOL);
      }
    });
  }

  for (const n of [1, 3, 7, 17, 65, 129]) {
    it(`mul, clamp and sumSquares on ${n} elements`, () => {
      const b = get();
      const random = rng(n + 5);
      const x = uniform(random, n, -3, 3);
      const y = uniform(random, n);
      const out = b.alloc(n);
      b.mul(n, upload(b, x), upload(b, y), out);
      assertClose(
        'mul',
        out,
        x.map((v, i) => v * y[i]),
        { atol: 1e-6, rtol: 1e-6 },
      );
      const c = upload(b, x);
      b.clamp(n, -1, 0.5, c);
      assertClose(
        'clamp',
        c,
        Float32Array.from(x, (v) => Math.min(Math.max(v, -1), 0.5)),
        { atol: 0, rtol: 0 },
      );
      const want = Float32Array.from(x).reduce((s, v) => s + v * v, 0);
      assertClose('sumSquares', [b.sumSquares(n, upload(b, x))], [want], { atol: 1e-9, rtol: 1e-9 });
    });
  }

  it('gatherRows and scatterAddRows, with repeated indices', () => {
    const b = get();
    const random = rng(77);
    const [rowsIn, cols, count] = [6, 7, 9];
    const table = uniform(random, rowsIn * cols);
    const indices = Int32Array.of(5, 0, 0, 3, 1, 5, 2, 4, 0);
    const idx = b.allocInt(count);
    idx.set(indices);
    const wantOut = new Float64Array(count * cols);
    ref64.gatherRows(count, indices, f64(table), cols, wantOut);
    const out = b.alloc(count * cols);
    b.gatherRows(count, idx, upload(b, table), cols, out);
    assertClose('gathered', out, wantOut, { atol: 0, rtol: 0 });

    const src = uniform(random, count * cols);
    const wantTable = f64(table);
    ref64.scatterAddRows(count, indices, f64(src), cols, wantTable);
    const t = upload(b, table);
    b.scatterAddRows(count, idx, upload(b, src), cols, t);
    assertClose('scattered', t, wantTable, { atol: 1e-6, rtol: 1e-6 });
    assert.ok(indices.filter((i) => i === 0).length === 3, 'index 0 repeats, so its row accumulates three times');
  });
}
