/**
 * The functions the kernel module exports (see assembly/index.ts). Pointers are byte
 * offsets into the module's memory; booleans travel as 0/1.
 */
export interface KernelExports {
  heapBase(): number;
  gemmWorkspaceFloats(): number;
  gemm(transA: number, transB: number, m: number, n: number, k: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number, work: number): void;
  packedBFloats(k: number, n: number): number;
  packB(transB: number, k: number, n: number, b: number, ldb: number, dst: number): void;
  gemmPacked(transA: number, m: number, n: number, k: number, alpha: number, a: number, lda: number, packed: number,
    beta: number, c: number, ldc: number, work: number, j0: number, j1: number): void;
  fill(n: number, value: number, x: number): void;
  copy(n: number, x: number, y: number): void;
  axpy(n: number, alpha: number, x: number, y: number): void;
  scale(n: number, alpha: number, x: number): void;
  addBias(rows: number, cols: number, bias: number, c: number, ldc: number): void;
  columnSums(rows: number, cols: number, x: number, ldx: number, beta: number, out: number): void;
  columnProductSums(rows: number, cols: number, x: number, ldx: number, y: number, ldy: number, beta: number, out: number): void;
  activate(kind: number, n: number, x: number, y: number): void;
  activateBackward(kind: number, n: number, y: number, dy: number, dx: number): void;
  softmaxCrossEntropy(rows: number, cols: number, logits: number, targets: number, ignoreIndex: number,
    probs: number, losses: number): void;
  softmaxCrossEntropyBackward(rows: number, cols: number, probs: number, targets: number, ignoreIndex: number,
    scale: number, dlogits: number): void;
  softmax(rows: number, cols: number, x: number, y: number): void;
  softmaxBackward(rows: number, cols: number, y: number, dy: number, dx: number): void;
  mul(n: number, x: number, y: number, out: number): void;
  clamp(n: number, lo: number, hi: number, x: number): void;
  sumSquares(n: number, x: number): number;
  gatherRows(count: number, indices: number, table: number, cols: number, out: number): void;
  scatterAddRows(count: number, indices: number, src: number, cols: number, table: number): void;
  rnnCellForward(relu: number, rows: number, H: number, pre: number, h: number, y: number, ldy: number): void;
  rnnCellBackward(relu: number, rows: number, H: number, h: number, dy: number, ldy: number, dh: number, da: number): void;
  lstmCellForward(rows: number, H: number, gates: number, cPrev: number, c: number, h: number, y: number, ldy: number,
    peepholes: number): void;
  lstmCellBackward(rows: number, H: number, gates: number, cPrev: number, c: number, dy: number, ldy: number,
    dh: number, dc: number, peepholes: number): void;
  gruCellForward(rows: number, H: number, gates: number, hh: number, bhh: number, hPrev: number, hn: number,
    h: number, y: number, ldy: number): void;
  gruCellBackward(rows: number, H: number, gates: number, hn: number, hPrev: number, dy: number, ldy: number,
    dh: number, dgh: number): void;
  gruGatesForward(rows: number, H: number, gates: number, hPrev: number, rh: number): void;
  gruCandidateForward(rows: number, H: number, gates: number, hPrev: number, h: number, y: number, ldy: number): void;
  gruCandidateBackward(rows: number, H: number, gates: number, hPrev: number, dy: number, ldy: number, dh: number): void;
  gruGatesBackward(rows: number, H: number, gates: number, hPrev: number, drh: number, dh: number): void;
  lstmStepForward(rows: number, H: number, u0: number, u1: number, hPrev: number, packedWhhT: number, gates: number,
    cPrev: number, c: number, h: number, y: number, ldy: number, work: number): void;
  lstmStepBackward(rows: number, H: number, u0: number, u1: number, da: number, packedWhh: number, dh: number,
    work: number, cellRows: number, gates: number, cPrev: number, c: number, dy: number, ldy: number, dc: number): void;
  adamUpdate(n: number, param: number, grad: number, m: number, v: number, lr: number, beta1: number, beta2: number,
    eps: number, weightDecay: number, decoupled: number, biasCorrection1: number, biasCorrection2: number): void;
  sgdUpdate(n: number, param: number, grad: number, buf: number, lr: number, momentum: number, dampening: number,
    weightDecay: number, nesterov: number, first: number): void;
  rmspropUpdate(n: number, param: number, grad: number, sq: number, buf: number, gAvg: number, lr: number,
    alpha: number, eps: number, weightDecay: number, momentum: number, centered: number): void;
  crfForward(T: number, B: number, K: number, emissions: number, lengths: number, tags: number, start: number, end: number,
    transitions: number, alpha: number, logZ: number, score: number, work: number): void;
  crfBackward(T: number, B: number, K: number, emissions: number, lengths: number, tags: number, end: number,
    transitions: number, alpha: number, logZ: number, weights: number, beta: number, dEmissions: number, dStart: number,
    dEnd: number, dTransitions: number, work: number): void;
  crfViterbi(T: number, B: number, K: number, k: number, emissions: number, lengths: number, start: number, end: number,
    transitions: number, delta: number, history: number, paths: number, scores: number): void;
}

/** Names of the exports a worker thread may run, in the order jobs refer to them. */
export const workerFunctions = [
  'gemm', 'gemmPacked', 'rnnCellForward', 'rnnCellBackward', 'lstmCellForward', 'lstmCellBackward', 'gruCellForward',
  'gruCellBackward', 'lstmStepForward', 'lstmStepBackward', 'gruGatesForward', 'gruCandidateForward', 'gruCandidateBackward',
  'gruGatesBackward',
] as const;
