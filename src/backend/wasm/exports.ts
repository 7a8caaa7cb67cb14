/**
 * The functions the kernel module exports (see assembly/index.ts). Pointers are byte
 * offsets into the module's memory; booleans travel as 0/1.
 */
export interface KernelExports {
  heapBase(): number;
  gemmWorkspaceFloats(): number;
  gemm(transA: number, transB: number, m: number, n: number, k: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number, work: number): void;
  fill(n: number, value: number, x: number): void;
  copy(n: number, x: number, y: number): void;
  axpy(n: number, alpha: number, x: number, y: number): void;
  scale(n: number, alpha: number, x: number): void;
  addBias(rows: number, cols: number, bias: number, c: number, ldc: number): void;
  columnSums(rows: number, cols: number, x: number, ldx: number, beta: number, out: number): void;
  activate(kind: number, n: number, x: number, y: number): void;
  activateBackward(kind: number, n: number, y: number, dy: number, dx: number): void;
  softmaxCrossEntropy(rows: number, cols: number, logits: number, targets: number, ignoreIndex: number,
    probs: number, losses: number): void;
  softmaxCrossEntropyBackward(rows: number, cols: number, probs: number, targets: number, ignoreIndex: number,
    scale: number, dlogits: number): void;
}

/** Names of the exports a worker thread may run, in the order jobs refer to them. */
export const workerFunctions = ['gemm'] as const;
