/**
 * The WebAssembly backend: SIMD kernels compiled from assembly/, buffers that live in
 * the module's memory, and a worker pool that splits large matrix products across
 * cores (and the rows of the per-step cell kernels, or an LSTM step's hidden units; see
 * split.ts). Each method is a thin wrapper that turns views into byte offsets; the math is
 * in the kernels.
 */
import { UsageError } from '../../errors.js';
import type { Activation, AdamStep, Backend, RmspropStep, RnnNonlinearity, SgdStep } from '../backend.js';
import { type KernelExports, workerFunctions } from './exports.js';
import { type ExternalProducts, PLAIN_HEADER, plainOffset } from './external.js';
import { WasmHeap } from './heap.js';
import { compileKernels, detectFeatures, isNode } from './loader.js';
import { ThreadPool, type WorkerFunction } from './pool.js';
import { block, type CellKernel, COLUMN_ALIGN, plan, planRows, planUnits, splitCellArguments } from './split.js';

/** Options of {@link createWasmBackend}. */
export interface WasmBackendOptions {
  /**
   * Threads that share large matrix products, the calling thread included.
   * 1 runs everything on the calling thread. Falls back to 1 where shared memory
   * or workers are unavailable.
   * @default all logical cores
   */
  threads?: number;
  /**
   * Use relaxed SIMD (fused multiply-add) when the engine supports it. Results then
   * differ from the plain build in the last bits.
   * @default true
   */
  relaxedSimd?: boolean;
  /**
   * Put buffers in shared memory, which can grow and which threads need. Without it
   * (as in a page that is not cross-origin isolated) memory has a fixed size and one thread.
   * @default true where the engine allows it
   */
  sharedMemory?: boolean;
  /**
   * Memory size in MiB when memory cannot grow (no shared memory, e.g. a page that
   * is not cross-origin isolated). With shared memory it grows on demand up to 4 GiB.
   * @default 512
   */
  memoryMiB?: number;
}

const PAGE = 65536;
const ACTIVATIONS: Record<Activation, number> = { sigmoid: 0, tanh: 1, relu: 2 };

/**
 * Creates the WebAssembly backend.
 * @throws EnvironmentError if the engine lacks WebAssembly SIMD.
 * @throws UsageError on an invalid option.
 */
export function createWasmBackend(options: WasmBackendOptions = {}): Promise<Backend<Float32Array>> {
  return createWasmBackendWith(options, undefined);
}

/**
 * The wasm backend with some matrix products handed to `external` (the system BLAS: see
 * ../blas/), which decides by shape which ones it takes; everything else as in
 * {@link createWasmBackend}.
 */
export async function createWasmBackendWith(
  options: WasmBackendOptions,
  external: ExternalProducts | undefined,
): Promise<Backend<Float32Array>> {
  const features = detectFeatures();
  const requested = options.threads ?? (await logicalCores());
  if (!Number.isInteger(requested) || requested < 1) {
    throw new UsageError(`wasm backend: threads must be a positive integer, got ${options.threads}`);
  }
  const memoryMiB = options.memoryMiB ?? 512;
  if (!Number.isInteger(memoryMiB) || memoryMiB < 1 || memoryMiB > 4095) {
    throw new UsageError(`wasm backend: memoryMiB must be an integer from 1 to 4095, got ${options.memoryMiB}`);
  }
  const shared = features.threads && (options.sharedMemory ?? true);
  const threads = shared ? requested : 1;
  const relaxed = (options.relaxedSimd ?? true) && features.relaxedSimd;
  const kernels = await compileKernels(relaxed, shared);
  const memory = shared
    ? new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true })
    : new WebAssembly.Memory({ initial: (memoryMiB * 2 ** 20) / PAGE, maximum: (memoryMiB * 2 ** 20) / PAGE });
  const instance = await WebAssembly.instantiate(kernels.module, { env: { memory } });
  const exports = instance.exports as unknown as KernelExports;
  const heap = new WasmHeap(memory, exports.heapBase(), shared);
  const pool = threads > 1 ? await ThreadPool.start(kernels.module, memory, threads - 1) : undefined;
  const kernelsDescription =
    `${relaxed ? 'relaxed SIMD with FMA' : 'SIMD'}, ` + `${threads} thread${threads > 1 ? 's' : ''}${shared ? '' : ', unshared memory'}`;
  const description =
    external === undefined
      ? `wasm (${kernelsDescription})`
      : `${external.name} (${external.description}; other kernels: wasm ${kernelsDescription})`;
  return new WasmBackend(exports, heap, pool, description, external);
}

async function logicalCores(): Promise<number> {
  if (isNode()) {
    const specifier = 'node:os';
    const os = (await import(/* @vite-ignore */ specifier)) as typeof import('node:os');
    return os.availableParallelism();
  }
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

class WasmBackend implements Backend<Float32Array> {
  readonly name: string;
  private readonly workspaceBytes: number;
  /** One GEMM workspace per thread: [0] the calling thread's, then one per worker. */
  private readonly workspaces: number[] = [];
  /** One reusable argument list per thread (a product allocates nothing). */
  private readonly args: number[][] = [];
  readonly threads: number;

  constructor(
    private readonly k: KernelExports,
    private readonly heap: WasmHeap,
    private readonly pool: ThreadPool | undefined,
    readonly description: string,
    private readonly external: ExternalProducts | undefined,
  ) {
    this.name = external?.name ?? 'wasm';
    this.workspaceBytes = k.gemmWorkspaceFloats() * 4;
    this.threads = 1 + (pool?.size ?? 0);
    for (let t = 0; t < this.threads; t++) {
      this.workspaces.push(heap.allocate(this.workspaceBytes));
      this.args.push(new Array<number>(15).fill(0));
    }
  }

  alloc(length: number): Float32Array {
    return this.heap.float32(this.heap.allocate(length * 4), length);
  }

  allocInt(length: number): Int32Array {
    return this.heap.int32(this.heap.allocate(length * 4), length);
  }

  free(buffer: Float32Array | Int32Array): void {
    this.heap.release(this.heap.pointer(buffer, 'the freed buffer'));
  }

  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    lda: number,
    b: Float32Array,
    ldb: number,
    beta: number,
    c: Float32Array,
    ldc: number,
  ): void {
    if (this.external?.takes(m, n, k, false)) {
      this.external.gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
      return;
    }
    const pa = this.ptr(a, 'A');
    const pb = this.ptr(b, 'B');
    const pc = this.ptr(c, 'C');
    const ta = transA ? 1 : 0;
    const tb = transB ? 1 : 0;
    const split = plan(this.threads, m, n, k);
    for (let t = 0; t < split.parts; t++) {
      const { start, size } = block(split, t);
      if (split.columns) {
        const pbPart = pb + 4 * (transB ? start * ldb : start);
        fill14(this.args[t], ta, tb, m, size, k, alpha, pa, lda, pbPart, ldb, beta, pc + 4 * start, ldc, this.workspaces[t]);
      } else {
        const paPart = pa + 4 * (transA ? start : start * lda);
        fill14(this.args[t], ta, tb, size, n, k, alpha, paPart, lda, pb, ldb, beta, pc + 4 * start * ldc, ldc, this.workspaces[t]);
      }
    }
    this.dispatch('gemm', split.parts);
  }

  // With an external library, a packed buffer also holds a plain copy of op(B) for it (see external.ts).
  packedSize(k: number, n: number): number {
    const floats = this.k.packedBFloats(k, n);
    return this.external === undefined ? floats : plainOffset(floats) + PLAIN_HEADER + k * n;
  }

  packMatrix(trans: boolean, k: number, n: number, b: Float32Array, ldb: number, packed: Float32Array): void {
    this.k.packB(trans ? 1 : 0, k, n, this.ptr(b, 'B'), ldb, this.ptr(packed, 'packed'));
    if (this.external === undefined) return;
    // B as it is stored ([k, n], or [n, k] when trans), its rows made contiguous.
    const header = plainOffset(this.k.packedBFloats(k, n));
    packed[header] = trans ? 1 : 0;
    const [rows, cols] = trans ? [n, k] : [k, n];
    const plain = packed.subarray(header + PLAIN_HEADER, header + PLAIN_HEADER + k * n);
    if (ldb === cols) plain.set(b.subarray(0, rows * cols));
    else for (let r = 0; r < rows; r++) plain.set(b.subarray(r * ldb, r * ldb + cols), r * cols);
  }

  gemmPacked(
    transA: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    lda: number,
    packed: Float32Array,
    beta: number,
    c: Float32Array,
    ldc: number,
  ): void {
    if (this.external?.takes(m, n, k, false)) {
      const header = plainOffset(this.k.packedBFloats(k, n));
      const trans = packed[header] === 1;
      const plain = packed.subarray(header + PLAIN_HEADER, header + PLAIN_HEADER + k * n);
      this.external.stepGemm(transA, trans, m, n, k, alpha, a, lda, plain, trans ? k : n, beta, c, ldc);
      return;
    }
    const pa = this.ptr(a, 'A');
    const pp = this.ptr(packed, 'packed');
    const pc = this.ptr(c, 'C');
    const ta = transA ? 1 : 0;
    const split = plan(this.threads, m, n, k);
    for (let t = 0; t < split.parts; t++) {
      const { start, size } = block(split, t);
      const work = this.workspaces[t];
      if (split.columns) fill14(this.args[t], ta, m, n, k, alpha, pa, lda, pp, beta, pc, ldc, work, start, start + size);
      else {
        const paPart = pa + 4 * (transA ? start : start * lda);
        fill14(this.args[t], ta, size, n, k, alpha, paPart, lda, pp, beta, pc + 4 * start * ldc, ldc, work, 0, n);
      }
    }
    this.dispatch('gemmPacked', split.parts);
  }

  /**
   * Runs a row-wise cell kernel, its rows split between threads when there are enough
   * units; `this.args[0]` holds the whole call's arguments. Rows are independent, so the
   * result is the same however they are split.
   */
  private cellKernel(fn: CellKernel, rows: number, H: number, ldy: number): void {
    const split = planRows(this.threads, rows, H);
    if (split.parts > 1) splitCellArguments(fn, split, H, ldy, this.args);
    this.dispatch(fn, split.parts);
  }

  /** Runs parts 1… on the workers and part 0 here, from the argument lists in {@link args}. */
  private dispatch(fn: WorkerFunction, used: number): void {
    if (used === 1) {
      this.call(fn, this.args[0]);
      return;
    }
    const pool = this.pool!;
    for (let t = 1; t < used; t++) pool.setJob(t - 1, fn, this.args[t]);
    pool.run(used - 1, this.runOwn[fn]);
  }

  // Arguments past a kernel's own are ignored by WebAssembly, so one signature serves all.
  private call(fn: WorkerFunction, a: number[]): void {
    this.k[fn](a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14]);
  }

  // The calling thread's share of a round, as closures made once.
  private readonly runOwn = Object.fromEntries(workerFunctions.map((fn) => [fn, (): void => this.call(fn, this.args[0])])) as Record<
    WorkerFunction,
    () => void
  >;

  addBias(rows: number, cols: number, bias: Float32Array, c: Float32Array, ldc: number): void {
    this.k.addBias(rows, cols, this.ptr(bias, 'bias'), this.ptr(c, 'C'), ldc);
  }

  columnSums(rows: number, cols: number, x: Float32Array, ldx: number, beta: number, out: Float32Array): void {
    this.k.columnSums(rows, cols, this.ptr(x, 'x'), ldx, beta, this.ptr(out, 'out'));
  }

  columnProductSums(
    rows: number,
    cols: number,
    x: Float32Array,
    ldx: number,
    y: Float32Array,
    ldy: number,
    beta: number,
    out: Float32Array,
  ): void {
    this.k.columnProductSums(rows, cols, this.ptr(x, 'x'), ldx, this.ptr(y, 'y'), ldy, beta, this.ptr(out, 'out'));
  }

  activate(kind: Activation, n: number, x: Float32Array, y: Float32Array): void {
    this.k.activate(ACTIVATIONS[kind], n, this.ptr(x, 'x'), this.ptr(y, 'y'));
  }

  activateBackward(kind: Activation, n: number, y: Float32Array, dy: Float32Array, dx: Float32Array): void {
    this.k.activateBackward(ACTIVATIONS[kind], n, this.ptr(y, 'y'), this.ptr(dy, 'dy'), this.ptr(dx, 'dx'));
  }

  softmaxCrossEntropy(
    rows: number,
    cols: number,
    logits: Float32Array,
    targets: Int32Array,
    ignoreIndex: number,
    probs: Float32Array,
    losses: Float32Array,
  ): void {
    this.k.softmaxCrossEntropy(
      rows,
      cols,
      this.ptr(logits, 'logits'),
      this.ptr(targets, 'targets'),
      ignoreIndex,
      this.ptr(probs, 'probs'),
      this.ptr(losses, 'losses'),
    );
  }

  softmaxCrossEntropyBackward(
    rows: number,
    cols: number,
    probs: Float32Array,
    targets: Int32Array,
    ignoreIndex: number,
    scale: number,
    dlogits: Float32Array,
  ): void {
    this.k.softmaxCrossEntropyBackward(
      rows,
      cols,
      this.ptr(probs, 'probs'),
      this.ptr(targets, 'targets'),
      ignoreIndex,
      scale,
      this.ptr(dlogits, 'dlogits'),
    );
  }

  softmax(rows: number, cols: number, x: Float32Array, y: Float32Array): void {
    this.k.softmax(rows, cols, this.ptr(x, 'x'), this.ptr(y, 'y'));
  }

  softmaxBackward(rows: number, cols: number, y: Float32Array, dy: Float32Array, dx: Float32Array): void {
    this.k.softmaxBackward(rows, cols, this.ptr(y, 'y'), this.ptr(dy, 'dy'), this.ptr(dx, 'dx'));
  }

  fill(n: number, value: number, x: Float32Array): void {
    this.k.fill(n, value, this.ptr(x, 'x'));
  }

  copy(n: number, x: Float32Array, y: Float32Array): void {
    this.k.copy(n, this.ptr(x, 'x'), this.ptr(y, 'y'));
  }

  axpy(n: number, alpha: number, x: Float32Array, y: Float32Array): void {
    this.k.axpy(n, alpha, this.ptr(x, 'x'), this.ptr(y, 'y'));
  }

  scale(n: number, alpha: number, x: Float32Array): void {
    this.k.scale(n, alpha, this.ptr(x, 'x'));
  }

  mul(n: number, x: Float32Array, y: Float32Array, out: Float32Array): void {
    this.k.mul(n, this.ptr(x, 'x'), this.ptr(y, 'y'), this.ptr(out, 'out'));
  }

  clamp(n: number, lo: number, hi: number, x: Float32Array): void {
    this.k.clamp(n, lo, hi, this.ptr(x, 'x'));
  }

  sumSquares(n: number, x: Float32Array): number {
    return this.k.sumSquares(n, this.ptr(x, 'x'));
  }

  gatherRows(count: number, indices: Int32Array, table: Float32Array, cols: number, out: Float32Array): void {
    this.k.gatherRows(count, this.ptr(indices, 'indices'), this.ptr(table, 'table'), cols, this.ptr(out, 'out'));
  }

  scatterAddRows(count: number, indices: Int32Array, src: Float32Array, cols: number, table: Float32Array): void {
    this.k.scatterAddRows(count, this.ptr(indices, 'indices'), this.ptr(src, 'src'), cols, this.ptr(table, 'table'));
  }

  rnnCellForward(kind: RnnNonlinearity, rows: number, H: number, pre: Float32Array, h: Float32Array, y: Float32Array, ldy: number): void {
    fill14(
      this.args[0],
      kind === 'relu' ? 1 : 0,
      rows,
      H,
      this.ptr(pre, 'pre'),
      this.ptr(h, 'h'),
      this.ptr(y, 'y'),
      ldy,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
    );
    this.cellKernel('rnnCellForward', rows, H, ldy);
  }

  rnnCellBackward(
    kind: RnnNonlinearity,
    rows: number,
    H: number,
    h: Float32Array,
    dy: Float32Array,
    ldy: number,
    dh: Float32Array,
    da: Float32Array,
  ): void {
    fill14(
      this.args[0],
      kind === 'relu' ? 1 : 0,
      rows,
      H,
      this.ptr(h, 'h'),
      this.ptr(dy, 'dy'),
      ldy,
      this.ptr(dh, 'dh'),
      this.ptr(da, 'da'),
      0,
      0,
      0,
      0,
      0,
      0,
    );
    this.cellKernel('rnnCellBackward', rows, H, ldy);
  }

  lstmCellForward(
    rows: number,
    H: number,
    gates: Float32Array,
    cPrev: Float32Array,
    c: Float32Array,
    h: Float32Array,
    y: Float32Array,
    ldy: number,
    peepholes?: Float32Array,
  ): void {
    fill14(
      this.args[0],
      rows,
      H,
      this.ptr(gates, 'gates'),
      this.ptr(cPrev, 'cPrev'),
      this.ptr(c, 'c'),
      this.ptr(h, 'h'),
      this.ptr(y, 'y'),
      ldy,
      this.optionalPtr(peepholes, 'peepholes'),
      0,
      0,
      0,
      0,
      0,
    );
    this.cellKernel('lstmCellForward', rows, H, ldy);
  }

  lstmCellBackward(
    rows: number,
    H: number,
    gates: Float32Array,
    cPrev: Float32Array,
    c: Float32Array,
    dy: Float32Array,
    ldy: number,
    dh: Float32Array,
    dc: Float32Array,
    peepholes?: Float32Array,
  ): void {
    fill14(
      this.args[0],
      rows,
      H,
      this.ptr(gates, 'gates'),
      this.ptr(cPrev, 'cPrev'),
      this.ptr(c, 'c'),
      this.ptr(dy, 'dy'),
      ldy,
      this.ptr(dh, 'dh'),
      this.ptr(dc, 'dc'),
      this.optionalPtr(peepholes, 'peepholes'),
      0,
      0,
      0,
      0,
    );
    this.cellKernel('lstmCellBackward', rows, H, ldy);
  }

  gruCellForward(
    rows: number,
    H: number,
    gates: Float32Array,
    hh: Float32Array,
    bhh: Float32Array,
    hPrev: Float32Array,
    hn: Float32Array,
    h: Float32Array,
    y: Float32Array,
    ldy: number,
  ): void {
    fill14(
      this.args[0],
      rows,
      H,
      this.ptr(gates, 'gates'),
      this.ptr(hh, 'hh'),
      this.ptr(bhh, 'bhh'),
      this.ptr(hPrev, 'hPrev'),
      this.ptr(hn, 'hn'),
      this.ptr(h, 'h'),
      this.ptr(y, 'y'),
      ldy,
      0,
      0,
      0,
      0,
    );
    this.cellKernel('gruCellForward', rows, H, ldy);
  }

  gruCellBackward(
    rows: number,
    H: number,
    gates: Float32Array,
    hn: Float32Array,
    hPrev: Float32Array,
    dy: Float32Array,
    ldy: number,
    dh: Float32Array,
    dgh: Float32Array,
  ): void {
    fill14(
      this.args[0],
      rows,
      H,
      this.ptr(gates, 'gates'),
      this.ptr(hn, 'hn'),
      this.ptr(hPrev, 'hPrev'),
      this.ptr(dy, 'dy'),
      ldy,
      this.ptr(dh, 'dh'),
      this.ptr(dgh, 'dgh'),
      0,
      0,
      0,
      0,
      0,
    );
    this.cellKernel('gruCellBackward', rows, H, ldy);
  }

  gruGatesForward(rows: number, H: number, gates: Float32Array, hPrev: Float32Array, rh: Float32Array): void {
    fill14(this.args[0], rows, H, this.ptr(gates, 'gates'), this.ptr(hPrev, 'hPrev'), this.ptr(rh, 'rh'), 0, 0, 0, 0, 0, 0, 0, 0, 0);
    this.cellKernel('gruGatesForward', rows, H, 0);
  }

  gruCandidateForward(
    rows: number,
    H: number,
    gates: Float32Array,
    hPrev: Float32Array,
    h: Float32Array,
    y: Float32Array,
    ldy: number,
  ): void {
    fill14(
      this.args[0],
      rows,
      H,
      this.ptr(gates, 'gates'),
      this.ptr(hPrev, 'hPrev'),
      this.ptr(h, 'h'),
      this.ptr(y, 'y'),
      ldy,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
    );
    this.cellKernel('gruCandidateForward', rows, H, ldy);
  }

  gruCandidateBackward(
    rows: number,
    H: number,
    gates: Float32Array,
    hPrev: Float32Array,
    dy: Float32Array,
    ldy: number,
    dh: Float32Array,
  ): void {
    fill14(
      this.args[0],
      rows,
      H,
      this.ptr(gates, 'gates'),
      this.ptr(hPrev, 'hPrev'),
      this.ptr(dy, 'dy'),
      ldy,
      this.ptr(dh, 'dh'),
      0,
      0,
      0,
      0,
      0,
      0,
      0,
    );
    this.cellKernel('gruCandidateBackward', rows, H, ldy);
  }

  gruGatesBackward(rows: number, H: number, gates: Float32Array, hPrev: Float32Array, drh: Float32Array, dh: Float32Array): void {
    fill14(
      this.args[0],
      rows,
      H,
      this.ptr(gates, 'gates'),
      this.ptr(hPrev, 'hPrev'),
      this.ptr(drh, 'drh'),
      this.ptr(dh, 'dh'),
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
    );
    this.cellKernel('gruGatesBackward', rows, H, 0);
  }

  lstmStepForward(
    rows: number,
    H: number,
    hPrev: Float32Array,
    packedWhhT: Float32Array,
    gates: Float32Array,
    cPrev: Float32Array,
    c: Float32Array,
    h: Float32Array,
    y: Float32Array,
    ldy: number,
  ): void {
    if (H % COLUMN_ALIGN !== 0 || this.external?.takes(rows, 4 * H, H, true)) {
      // The gates' column blocks would not start on whole micro-panels, or the library takes the
      // product: product, then cell kernel.
      this.gemmPacked(false, rows, 4 * H, H, 1, hPrev, H, packedWhhT, 1, gates, 4 * H);
      this.lstmCellForward(rows, H, gates, cPrev, c, h, y, ldy);
      return;
    }
    const split = planUnits(this.threads, rows, H);
    const ph = this.ptr(hPrev, 'hPrev'),
      pw = this.ptr(packedWhhT, 'packedWhhT'),
      pg = this.ptr(gates, 'gates');
    const pcp = this.ptr(cPrev, 'cPrev'),
      pc = this.ptr(c, 'c'),
      phn = this.ptr(h, 'h'),
      py = this.ptr(y, 'y');
    for (let t = 0; t < split.parts; t++) {
      const a = this.args[t];
      const { start, size } = block(split, t);
      a[0] = rows;
      a[1] = H;
      a[2] = start;
      a[3] = start + size;
      a[4] = ph;
      a[5] = pw;
      a[6] = pg;
      a[7] = pcp;
      a[8] = pc;
      a[9] = phn;
      a[10] = py;
      a[11] = ldy;
      a[12] = this.workspaces[t];
    }
    this.dispatch('lstmStepForward', split.parts);
  }

  lstmStepBackward(
    rows: number,
    H: number,
    da: Float32Array,
    packedWhh: Float32Array,
    dh: Float32Array,
    cellRows: number,
    gates: Float32Array,
    cPrev: Float32Array,
    c: Float32Array,
    dy: Float32Array,
    ldy: number,
    dc: Float32Array,
  ): void {
    if (this.external?.takes(rows, H, 4 * H, true)) {
      this.gemmPacked(false, rows, H, 4 * H, 1, da, 4 * H, packedWhh, 0, dh, H);
      if (cellRows > 0) this.lstmCellBackward(cellRows, H, gates, cPrev, c, dy, ldy, dh, dc);
      return;
    }
    const split = planUnits(this.threads, rows, H);
    const pda = this.ptr(da, 'da'),
      pw = this.ptr(packedWhh, 'packedWhh'),
      pdh = this.ptr(dh, 'dh');
    const pg = this.ptr(gates, 'gates'),
      pcp = this.ptr(cPrev, 'cPrev'),
      pc = this.ptr(c, 'c');
    const pdy = this.ptr(dy, 'dy'),
      pdc = this.ptr(dc, 'dc');
    for (let t = 0; t < split.parts; t++) {
      const a = this.args[t];
      const { start, size } = block(split, t);
      a[0] = rows;
      a[1] = H;
      a[2] = start;
      a[3] = start + size;
      a[4] = pda;
      a[5] = pw;
      a[6] = pdh;
      a[7] = this.workspaces[t];
      a[8] = cellRows;
      a[9] = pg;
      a[10] = pcp;
      a[11] = pc;
      a[12] = pdy;
      a[13] = ldy;
      a[14] = pdc;
    }
    this.dispatch('lstmStepBackward', split.parts);
  }

  adamUpdate(n: number, param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, s: AdamStep): void {
    this.k.adamUpdate(
      n,
      this.ptr(param, 'param'),
      this.ptr(grad, 'grad'),
      this.ptr(m, 'm'),
      this.ptr(v, 'v'),
      s.lr,
      s.beta1,
      s.beta2,
      s.eps,
      s.weightDecay,
      s.decoupled ? 1 : 0,
      s.biasCorrection1,
      s.biasCorrection2,
    );
  }

  sgdUpdate(n: number, param: Float32Array, grad: Float32Array, buf: Float32Array, s: SgdStep): void {
    this.k.sgdUpdate(
      n,
      this.ptr(param, 'param'),
      this.ptr(grad, 'grad'),
      this.ptr(buf, 'momentumBuffer'),
      s.lr,
      s.momentum,
      s.dampening,
      s.weightDecay,
      s.nesterov ? 1 : 0,
      s.first ? 1 : 0,
    );
  }

  rmspropUpdate(
    n: number,
    param: Float32Array,
    grad: Float32Array,
    sq: Float32Array,
    buf: Float32Array,
    gAvg: Float32Array,
    s: RmspropStep,
  ): void {
    this.k.rmspropUpdate(
      n,
      this.ptr(param, 'param'),
      this.ptr(grad, 'grad'),
      this.ptr(sq, 'squareAvg'),
      this.ptr(buf, 'momentumBuffer'),
      this.ptr(gAvg, 'gradAvg'),
      s.lr,
      s.alpha,
      s.eps,
      s.weightDecay,
      s.momentum,
      s.centered ? 1 : 0,
    );
  }

  crfForward(
    T: number,
    B: number,
    K: number,
    emissions: Float32Array,
    lengths: Int32Array,
    tags: Int32Array | null,
    start: Float32Array,
    end: Float32Array,
    transitions: Float32Array,
    alpha: Float32Array,
    logZ: Float32Array,
    score: Float32Array,
    work: Float32Array,
  ): void {
    this.k.crfForward(
      T,
      B,
      K,
      this.ptr(emissions, 'emissions'),
      this.ptr(lengths, 'lengths'),
      tags === null ? 0 : this.ptr(tags, 'tags'),
      this.ptr(start, 'start'),
      this.ptr(end, 'end'),
      this.ptr(transitions, 'transitions'),
      this.ptr(alpha, 'alpha'),
      this.ptr(logZ, 'logZ'),
      this.ptr(score, 'score'),
      this.ptr(work, 'work'),
    );
  }

  crfBackward(
    T: number,
    B: number,
    K: number,
    emissions: Float32Array,
    lengths: Int32Array,
    tags: Int32Array | null,
    end: Float32Array,
    transitions: Float32Array,
    alpha: Float32Array,
    logZ: Float32Array,
    weights: Float32Array,
    beta: Float32Array,
    dEmissions: Float32Array,
    dStart: Float32Array,
    dEnd: Float32Array,
    dTransitions: Float32Array,
    work: Float32Array,
  ): void {
    this.k.crfBackward(
      T,
      B,
      K,
      this.ptr(emissions, 'emissions'),
      this.ptr(lengths, 'lengths'),
      tags === null ? 0 : this.ptr(tags, 'tags'),
      this.ptr(end, 'end'),
      this.ptr(transitions, 'transitions'),
      this.ptr(alpha, 'alpha'),
      this.ptr(logZ, 'logZ'),
      this.ptr(weights, 'weights'),
      this.ptr(beta, 'beta'),
      this.ptr(dEmissions, 'dEmissions'),
      this.ptr(dStart, 'dStart'),
      this.ptr(dEnd, 'dEnd'),
      this.ptr(dTransitions, 'dTransitions'),
      this.ptr(work, 'work'),
    );
  }

  crfViterbi(
    T: number,
    B: number,
    K: number,
    k: number,
    emissions: Float32Array,
    lengths: Int32Array,
    start: Float32Array,
    end: Float32Array,
    transitions: Float32Array,
    delta: Float32Array,
    history: Int32Array,
    paths: Int32Array,
    scores: Float32Array,
  ): void {
    this.k.crfViterbi(
      T,
      B,
      K,
      k,
      this.ptr(emissions, 'emissions'),
      this.ptr(lengths, 'lengths'),
      this.ptr(start, 'start'),
      this.ptr(end, 'end'),
      this.ptr(transitions, 'transitions'),
      this.ptr(delta, 'delta'),
      this.ptr(history, 'history'),
      this.ptr(paths, 'paths'),
      this.ptr(scores, 'scores'),
    );
  }

  dispose(): void {
    this.pool?.dispose();
  }

  private ptr(view: Float32Array | Int32Array, what: string): number {
    return this.heap.pointer(view, what);
  }

  /** The pointer of an optional buffer; 0 (never a buffer's address) when it is absent. */
  private optionalPtr(view: Float32Array | undefined, what: string): number {
    return view === undefined ? 0 : this.heap.pointer(view, what);
  }
}

function fill14(
  out: number[],
  a0: number,
  a1: number,
  a2: number,
  a3: number,
  a4: number,
  a5: number,
  a6: number,
  a7: number,
  a8: number,
  a9: number,
  a10: number,
  a11: number,
  a12: number,
  a13: number,
): void {
  out[0] = a0;
  out[1] = a1;
  out[2] = a2;
  out[3] = a3;
  out[4] = a4;
  out[5] = a5;
  out[6] = a6;
  out[7] = a7;
  out[8] = a8;
  out[9] = a9;
  out[10] = a10;
  out[11] = a11;
  out[12] = a12;
  out[13] = a13;
}
