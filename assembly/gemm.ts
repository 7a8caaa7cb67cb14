// Single-precision GEMM:  C = alpha · op(A) · op(B) + beta · C   (row-major).
//
// Legend: M rows of C, N columns of C, K the inner dimension.
// A is [M, K] (or [K, M] when transposed), B is [K, N] (or [N, K]), C is [M, N].
// Leading dimensions lda, ldb, ldc are in elements; pointers are byte offsets.
//
// Blocking (BLIS order): jc over N in NC columns, pc over K in KC steps (B's
// block packed into NR-wide micro-panels), ic over M in MC rows (A's block
// packed into MR-tall micro-panels), then MR×NR micro-tiles held in registers.
// Packing takes care of both transposes, so one micro-kernel serves all four.
//
// Every element of C sees the same sequence of operations wherever its tile
// lies, so splitting C between threads gives bit-identical results.

import { madd, transpose4 } from './simd';

const MR: i32 = 4;   // micro-tile rows (one broadcast each)
const NR: i32 = 8;   // micro-tile columns (two f32x4 vectors)
const KC: i32 = 256; // K block: an A micro-panel (4 KiB) and a B micro-panel (8 KiB) stay in L1
const NC: i32 = 256; // N block: the packed B block (256 KiB) stays in L2
const MC: i32 = 64;  // M block: the packed A block (64 KiB)

/** Floats of scratch one gemm call needs: packed B block, packed A block, one edge tile. */
export function gemmWorkspaceFloats(): i32 {
  return KC * NC + KC * MC + MR * NR;
}

/** Stores one row of a tile: c = alpha·acc, then + beta·c on the first K block or + c after it. */
@inline function storeRow(c: usize, lo: v128, hi: v128, alpha: v128, beta: f32, first: bool): void {
  lo = f32x4.mul(lo, alpha);
  hi = f32x4.mul(hi, alpha);
  if (!first) {
    lo = f32x4.add(lo, v128.load(c));
    hi = f32x4.add(hi, v128.load(c, 16));
  } else if (beta != 0) {
    const bv = f32x4.splat(beta);
    lo = f32x4.add(lo, f32x4.mul(bv, v128.load(c)));
    hi = f32x4.add(hi, f32x4.mul(bv, v128.load(c, 16)));
  }
  v128.store(c, lo);
  v128.store(c, hi, 16);
}

// Micro-kernel: the 4×8 tile C[c] (row stride ldc bytes) from packed panels A [kc][4] and B [kc][8].
// Kept to one K step per iteration: V8 hoists the loads of an unrolled body and spills accumulators.
function kernel4x8(kc: i32, a: usize, b: usize, c: usize, ldc: usize,
                   alpha: f32, beta: f32, first: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = b + (<usize>kc << 5);
  while (b < end) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c00 = madd(c00, av, b0); c01 = madd(c01, av, b1);
    av = v128.load32_splat(a, 4);
    c10 = madd(c10, av, b0); c11 = madd(c11, av, b1);
    av = v128.load32_splat(a, 8);
    c20 = madd(c20, av, b0); c21 = madd(c21, av, b1);
    av = v128.load32_splat(a, 12);
    c30 = madd(c30, av, b0); c31 = madd(c31, av, b1);
    a += 16;
    b += 32;
  }
  const al = f32x4.splat(alpha);
  storeRow(c, c00, c01, al, beta, first); c += ldc;
  storeRow(c, c10, c11, al, beta, first); c += ldc;
  storeRow(c, c20, c21, al, beta, first); c += ldc;
  storeRow(c, c30, c31, al, beta, first);
}

// One row of C against four consecutive B micro-panels (32 columns of C at c; panel stride pb
// bytes), A's row being lane 0 of its packed panel: row 0 of kernel4x8 on each panel, the same
// operations per element, without the work of the three zero rows that pad a lone row to MR.
function kernel1x32(kc: i32, a: usize, b: usize, pb: usize, c: usize, alpha: f32, beta: f32, first: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let c4 = f32x4.splat(0), c5 = f32x4.splat(0), c6 = f32x4.splat(0), c7 = f32x4.splat(0);
  let b1 = b + pb, b2 = b1 + pb, b3 = b2 + pb;
  const end = b + (<usize>kc << 5);
  while (b < end) {
    const av = v128.load32_splat(a);
    c0 = madd(c0, av, v128.load(b)); c1 = madd(c1, av, v128.load(b, 16));
    c2 = madd(c2, av, v128.load(b1)); c3 = madd(c3, av, v128.load(b1, 16));
    c4 = madd(c4, av, v128.load(b2)); c5 = madd(c5, av, v128.load(b2, 16));
    c6 = madd(c6, av, v128.load(b3)); c7 = madd(c7, av, v128.load(b3, 16));
    a += 16;
    b += 32; b1 += 32; b2 += 32; b3 += 32;
  }
  const al = f32x4.splat(alpha);
  storeRow(c, c0, c1, al, beta, first);
  storeRow(c + 32, c2, c3, al, beta, first);
  storeRow(c + 64, c4, c5, al, beta, first);
  storeRow(c + 96, c6, c7, al, beta, first);
}

// Packs `width` (≤ lanes) lines of a block into one micro-panel [kcp][lanes], zero-padded.
// Line l, step p of the source lives at src + l·lineStride + p·stepStride (bytes).
// Fast paths: steps contiguous (stepStride 4: 4×4 transposes) or lines contiguous (lineStride 4: row copies).
function packPanel(lanes: i32, width: i32, kc: i32, kcp: i32,
                   src: usize, lineStride: usize, stepStride: usize, dst: usize): void {
  const rowBytes = <usize>lanes << 2;
  let p = 0;
  if (width == lanes && stepStride == 4) {
    for (; p + 4 <= kc; p += 4) {
      for (let l = 0; l < lanes; l += 4) {
        transpose4(src + (<usize>l) * lineStride + (<usize>p << 2), lineStride, dst + (<usize>l << 2), rowBytes);
      }
      dst += rowBytes << 2;
    }
  } else if (width == lanes && lineStride == 4) {
    for (; p < kc; p++) {
      const s = src + (<usize>p) * stepStride;
      for (let l = 0; l < lanes; l += 4) v128.store(dst + (<usize>l << 2), v128.load(s + (<usize>l << 2)));
      dst += rowBytes;
    }
  }
  for (; p < kcp; p++) {
    for (let l = 0; l < lanes; l++) {
      const v: f32 = l < width && p < kc ? load<f32>(src + (<usize>l) * lineStride + (<usize>p) * stepStride) : 0;
      store<f32>(dst + (<usize>l << 2), v);
    }
    dst += rowBytes;
  }
}

// Packs a block of `lines` lines into consecutive micro-panels of `lanes` lines each.
function packBlock(lanes: i32, lines: i32, kc: i32, kcp: i32,
                   src: usize, lineStride: usize, stepStride: usize, dst: usize): void {
  const panelBytes = <usize>(kcp * lanes) << 2;
  for (let l0 = 0; l0 < lines; l0 += lanes) {
    packPanel(lanes, min(lanes, lines - l0), kc, kcp, src + (<usize>l0) * lineStride, lineStride, stepStride, dst);
    dst += panelBytes;
  }
}

/** Floats of a whole B [k, n] packed by packB: NR-column panels per (NC, KC) block, K padded to 4. */
export function packedBFloats(k: i32, n: i32): i32 {
  return ((n + NR - 1) / NR) * NR * paddedK(k);
}

// K rounded up per block: full KC blocks, then the last one to a multiple of 4.
function paddedK(k: i32): i32 {
  return (k / KC) * KC + (((k % KC) + 3) & ~3);
}

// Offset (floats) of the packed block (jc, pc) of a B packed by packB.
@inline function packedBlockOffset(n: i32, kp: i32, jc: i32, pc: i32): i32 {
  const nc = min(NC, n - jc);
  return jc * kp + ((nc + NR - 1) / NR) * NR * pc;
}

/** Packs op(B) [k, n] once, for many products with gemmPacked (a layer's weights over all time steps). */
export function packB(transB: bool, k: i32, n: i32, b: usize, ldb: i32, dst: usize): void {
  const ldbB = <usize>ldb << 2;
  const rsB: usize = transB ? 4 : ldbB, csB: usize = transB ? ldbB : 4;
  const kp = paddedK(k);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packBlock(NR, nc, kc, (kc + 3) & ~3, b + (<usize>pc) * rsB + (<usize>jc) * csB, csB, rsB,
                dst + (<usize>packedBlockOffset(n, kp, jc, pc) << 2));
    }
  }
}

// C[:, j0:j1] for one (jc, pc) block: A's rows packed by MC blocks, B's block already packed at bp0
// (panels from column jc). Columns [j0, j1) lie within [jc, jc + nc) and j0 − jc is a multiple of NR.
function multiplyBlock(m: i32, j0: i32, j1: i32, jc: i32, kc: i32, kcp: i32, alpha: f32,
                       a: usize, rsA: usize, csA: usize, bp0: usize, beta: f32, first: bool,
                       c: usize, ldcB: usize, packedA: usize, edge: usize): void {
  for (let ic = 0; ic < m; ic += MC) {
    const mc = min(MC, m - ic);
    packBlock(MR, mc, kc, kcp, a + (<usize>ic) * rsA, rsA, csA, packedA);
    multiplyPanels(mc, j0, j1, jc, kcp, alpha, packedA, bp0, beta, first,
                   c + (<usize>ic) * ldcB, ldcB, edge);
  }
}

// C[0:mc, j0:j1] from an A block already packed at packedA (mc rows) and B's block packed at bp0.
function multiplyPanels(mc: i32, j0: i32, j1: i32, jc: i32, kcp: i32, alpha: f32, packedA: usize, bp0: usize,
                        beta: f32, first: bool, c: usize, ldcB: usize, edge: usize): void {
  let jr = j0;
  if (mc == 1) {
    // A lone row (a matrix–vector product, as in a step of batch 1): four panels at a time.
    const pb = <usize>(NR * kcp) << 2;
    for (; jr + 4 * NR <= j1; jr += 4 * NR) {
      kernel1x32(kcp, packedA, bp0 + (<usize>((jr - jc) * kcp) << 2), pb, c + (<usize>jr << 2), alpha, beta, first);
    }
  }
  for (; jr < j1; jr += NR) {
    const w = min(NR, j1 - jr);
    const bp = bp0 + (<usize>((jr - jc) * kcp) << 2);
    for (let ir = 0; ir < mc; ir += MR) {
      const h = min(MR, mc - ir);
      const ap = packedA + (<usize>(ir * kcp) << 2);
      const cT = c + (<usize>ir) * ldcB + (<usize>jr << 2);
      if (w == NR && h == MR) {
        kernel4x8(kcp, ap, bp, cT, ldcB, alpha, beta, first);
      } else {
        // Partial tile: run the kernel on a copy of C's valid part, then copy that part back.
        for (let r = 0; r < h; r++) {
          memory.copy(edge + (<usize>(r * NR) << 2), cT + (<usize>r) * ldcB, <usize>w << 2);
        }
        kernel4x8(kcp, ap, bp, edge, <usize>NR << 2, alpha, beta, first);
        for (let r = 0; r < h; r++) {
          memory.copy(cT + (<usize>r) * ldcB, edge + (<usize>(r * NR) << 2), <usize>w << 2);
        }
      }
    }
  }
}

/**
 * C = alpha · op(A) · op(B) + beta · C. When beta is 0, C is only written (NaN in C does not propagate).
 * `work` points to gemmWorkspaceFloats() floats of scratch owned by the caller.
 */
export function gemm(transA: bool, transB: bool, m: i32, n: i32, k: i32, alpha: f32,
                     a: usize, lda: i32, b: usize, ldb: i32, beta: f32,
                     c: usize, ldc: i32, work: usize): void {
  if (m <= 0 || n <= 0) return;
  const ldaB = <usize>lda << 2, ldbB = <usize>ldb << 2, ldcB = <usize>ldc << 2;
  if (k <= 0) { scaleC(m, n, beta, c, ldcB); return; }
  // A[i, p] at a + i·rsA + p·csA;  B[p, j] at b + p·rsB + j·csB  (bytes).
  const rsA: usize = transA ? 4 : ldaB, csA: usize = transA ? ldaB : 4;
  const rsB: usize = transB ? 4 : ldbB, csB: usize = transB ? ldbB : 4;
  const packedB = work;                                  // [NC/NR][KC][NR]
  const packedA = packedB + (<usize>(KC * NC) << 2);     // [MC/MR][KC][MR]
  const edge = packedA + (<usize>(KC * MC) << 2);        // [MR][NR]
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const kcp = (kc + 3) & ~3;  // zero-padded to whole 4-step groups
      packBlock(NR, nc, kc, kcp, b + (<usize>pc) * rsB + (<usize>jc) * csB, csB, rsB, packedB);
      multiplyBlock(m, jc, jc + nc, jc, kc, kcp, alpha, a + (<usize>pc) * csA, rsA, csA, packedB, beta, pc == 0,
                    c, ldcB, packedA, edge);
    }
  }
}

/**
 * C[:, j0:j1] = alpha · op(A) · B[:, j0:j1] + beta · C[:, j0:j1], with B [k, n] packed by packB.
 * j0 is a multiple of NR (8); c points at column 0. Threads split the columns between them.
 */
export function gemmPacked(transA: bool, m: i32, n: i32, k: i32, alpha: f32, a: usize, lda: i32, packed: usize,
                           beta: f32, c: usize, ldc: i32, work: usize, j0: i32, j1: i32): void {
  if (m <= 0 || j1 <= j0) return;
  const ldaB = <usize>lda << 2, ldcB = <usize>ldc << 2;
  if (k <= 0) { scaleC(m, j1 - j0, beta, c + (<usize>j0 << 2), ldcB); return; }
  const rsA: usize = transA ? 4 : ldaB, csA: usize = transA ? ldaB : 4;
  const packedA = work;
  const edge = packedA + (<usize>(KC * MC) << 2);
  const kp = paddedK(k);
  for (let jc = (j0 / NC) * NC; jc < j1; jc += NC) {
    const lo = max(j0, jc), hi = min(j1, jc + NC);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const bp = packed + (<usize>packedBlockOffset(n, kp, jc, pc) << 2);
      multiplyBlock(m, lo, hi, jc, kc, (kc + 3) & ~3, alpha, a + (<usize>pc) * csA, rsA, csA, bp, beta, pc == 0,
                    c, ldcB, packedA, edge);
    }
  }
}

// C = beta · C for K = 0 (beta 0 writes zeros without reading C).
function scaleC(m: i32, n: i32, beta: f32, c: usize, ldcB: usize): void {
  for (let i = 0; i < m; i++) {
    const row = c + (<usize>i) * ldcB;
    for (let j = 0; j < n; j++) {
      const p = row + (<usize>j << 2);
      store<f32>(p, beta == 0 ? 0 : beta * load<f32>(p));
    }
  }
}

/**
 * The recurrent product of one slice of hidden units, for a cell with G gates of H units
 * (B [k, G·H] packed by packB): for each gate q, C[:, qH+u0 : qH+u1] = A · B[:, qH+u0 : qH+u1]
 * + beta · C. A ([m, k], not transposed) is packed once for all the gates' columns; each
 * element of C sees the same operations as in gemmPacked, so the results are identical.
 * H and u0 are multiples of NR (8).
 */
export function gemmPackedGates(m: i32, k: i32, a: usize, lda: i32, packed: usize, beta: f32, c: usize, ldc: i32,
                                work: usize, G: i32, H: i32, u0: i32, u1: i32): void {
  if (m <= 0 || u1 <= u0) return;
  const n = G * H;
  const ldaB = <usize>lda << 2, ldcB = <usize>ldc << 2;
  if (k <= 0) {
    for (let q = 0; q < G; q++) scaleC(m, u1 - u0, beta, c + (<usize>(q * H + u0) << 2), ldcB);
    return;
  }
  const packedA = work;
  const edge = packedA + (<usize>(KC * MC) << 2);
  const kp = paddedK(k);
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    const kcp = (kc + 3) & ~3;
    for (let ic = 0; ic < m; ic += MC) {
      const mc = min(MC, m - ic);
      packBlock(MR, mc, kc, kcp, a + (<usize>ic) * ldaB + (<usize>pc << 2), ldaB, 4, packedA);
      const cBlock = c + (<usize>ic) * ldcB;
      for (let q = 0; q < G; q++) {
        const j0 = q * H + u0, j1 = q * H + u1;
        for (let jc = (j0 / NC) * NC; jc < j1; jc += NC) {
          const bp = packed + (<usize>packedBlockOffset(n, kp, jc, pc) << 2);
          multiplyPanels(mc, max(j0, jc), min(j1, jc + NC), jc, kcp, 1, packedA, bp, beta, pc == 0, cBlock, ldcB, edge);
        }
      }
    }
  }
}
