/**
 * Reference GEMM: the triple loop, written as the definition
 * C[i, j] = alpha · Σₚ op(A)[i, p] · op(B)[p, j] + beta · C[i, j].
 */
import type { FloatArray } from '../backend.js';

export function gemm<F extends FloatArray>(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: F,
  lda: number,
  b: F,
  ldb: number,
  beta: number,
  c: F,
  ldc: number,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const aip = transA ? a[p * lda + i] : a[i * lda + p]; // op(A)[i, p]
        const bpj = transB ? b[j * ldb + p] : b[p * ldb + j]; // op(B)[p, j]
        sum += aip * bpj;
      }
      const at = i * ldc + j;
      c[at] = beta === 0 ? alpha * sum : alpha * sum + beta * c[at];
    }
  }
}

/** The reference "packing" is op(B) copied as a row-major [k, n] matrix. */
export function packedSize(k: number, n: number): number {
  return k * n;
}

export function packMatrix<F extends FloatArray>(trans: boolean, k: number, n: number, b: F, ldb: number, packed: F): void {
  for (let p = 0; p < k; p++) {
    for (let j = 0; j < n; j++) packed[p * n + j] = trans ? b[j * ldb + p] : b[p * ldb + j];
  }
}

export function gemmPacked<F extends FloatArray>(
  transA: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: F,
  lda: number,
  packed: F,
  beta: number,
  c: F,
  ldc: number,
): void {
  gemm(transA, false, m, n, k, alpha, a, lda, packed, n, beta, c, ldc);
}
