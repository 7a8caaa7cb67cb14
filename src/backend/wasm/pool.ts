/**
 * A pool of worker threads that run kernel calls on the shared WebAssembly memory.
 *
 * Each worker instantiates the same module on the same memory and waits on a
 * generation counter. A round: the caller writes one job per worker (an export index
 * and its arguments) into a shared slot, bumps the generation, does its own share,
 * and waits until the workers have counted themselves done. Waiting spins briefly
 * before sleeping on `Atomics.wait`, so back-to-back calls (one RNN step after
 * another) do not pay a wake-up each time; how long adapts to how long waits have
 * been (see SPINS).
 *
 * Node uses `worker_threads`; browsers use Web Workers (the page must be
 * cross-origin isolated for shared memory). The caller's own thread never blocks
 * where blocking is not allowed (a browser's main thread spins instead).
 */
import { EnvironmentError, RnnkitError } from '../../errors.js';
import { workerFunctions } from './exports.js';
import { isNode } from './loader.js';

/** Control words in the shared Int32Array. */
const GENERATION = 0;
const DONE = 1;
const FAILED = 2;
const CONTROL_WORDS = 4;
/** Job slot per worker: [export index | IDLE | STOP, up to 15 arguments]. */
const SLOT = 16;
const IDLE = -1;
const STOP = -2;
/**
 * Polls of a counter before a thread goes to sleep on it: at most SPINS (about a tenth of a
 * millisecond), at least MIN_SPINS. Each thread adapts its own budget: a wait that ended while
 * spinning, or soon after going to sleep (within SHORT_WAIT_MS), doubles it; a longer sleep halves
 * it. On a quiet machine the waits between RNN steps are short and threads keep spinning (a
 * wake-up costs some 20 µs); when the cores are shared with other work the peer is often off the
 * CPU, and a thread that spins for it only takes CPU time from it (and from everyone else).
 */
const SPINS = 20000;
const MIN_SPINS = 100;
const SHORT_WAIT_MS = 0.1;

/** The spin budget after a wait that slept from `sleptAt` (performance.now(); −1: did not sleep). */
function nextBudget(budget: number, sleptAt: number): number {
  return sleptAt < 0 || performance.now() - sleptAt < SHORT_WAIT_MS ? Math.min(SPINS, budget * 2) : Math.max(MIN_SPINS, budget >> 1);
}

// The worker's whole program. Plain JavaScript in a string, so it runs unchanged from
// source, from dist/ and inside bundles, in Node (eval) and in browsers (blob URL).
const WORKER_SOURCE = `'use strict';
const SLOT = ${SLOT}, IDLE = ${IDLE}, STOP = ${STOP}, SPINS = ${SPINS}, MIN_SPINS = ${MIN_SPINS}, SHORT_WAIT_MS = ${SHORT_WAIT_MS};
function start(init, reply) {
  const exports = new WebAssembly.Instance(init.module, { env: { memory: init.memory } }).exports;
  reply('ready');
  const fns = init.names.map((name) => exports[name]);
  const control = new Int32Array(init.control);
  const a = new Float64Array(init.slots, init.index * SLOT * 8, SLOT);
  let seen = 0; // the generation when the pool was created: a round posted before this worker started still runs
  let budget = SPINS;
  for (;;) {
    let spins = 0, sleptAt = -1;
    while (Atomics.load(control, ${GENERATION}) === seen) {
      if (++spins > budget) {
        if (sleptAt < 0) sleptAt = performance.now();
        Atomics.wait(control, ${GENERATION}, seen);
        spins = 0;
      }
    }
    budget = sleptAt < 0 || performance.now() - sleptAt < SHORT_WAIT_MS
      ? Math.min(SPINS, budget * 2) : Math.max(MIN_SPINS, budget >> 1);  // as nextBudget()
    seen = Atomics.load(control, ${GENERATION});
    const job = a[0];
    if (job === STOP) return;
    if (job === IDLE) continue;
    try {
      fns[job](a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15]);
    } catch (e) {
      Atomics.store(control, ${FAILED}, 1);
    }
    Atomics.add(control, ${DONE}, 1);
    Atomics.notify(control, ${DONE});
  }
}
if (typeof self === 'undefined') {
  const port = require('node:worker_threads').parentPort;
  port.once('message', (init) => start(init, (m) => port.postMessage(m)));
} else {
  self.onmessage = (event) => start(event.data, (m) => self.postMessage(m));
}
`;

/** What a started worker needs: the module, the memory and the shared control words. */
interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  slots: SharedArrayBuffer;
  names: readonly string[];
  index: number;
}

/** The part of Node's and the browser's Worker classes the pool uses. */
interface PoolWorker {
  postMessage(message: WorkerInit): void;
  terminate(): unknown;
}

/** Index of an export in the jobs workers can run. */
export type WorkerFunction = (typeof workerFunctions)[number];

export class ThreadPool {
  private readonly control: Int32Array;
  private readonly slots: Float64Array;
  private readonly canBlock: boolean;
  private disposed = false;
  /** Polls before sleeping, adapted to recent waits (see SPINS). */
  private budget = SPINS;

  private constructor(
    private readonly workers: PoolWorker[],
    control: SharedArrayBuffer,
    slots: SharedArrayBuffer,
  ) {
    this.control = new Int32Array(control);
    this.slots = new Float64Array(slots);
    this.canBlock = isNode() || typeof (globalThis as { document?: unknown }).document === 'undefined';
  }

  /** Number of workers (the calling thread works too, so threads = workers + 1). */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Starts `count` workers on the module and memory.
   * @throws EnvironmentError if workers cannot be created here.
   */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, count: number): Promise<ThreadPool> {
    const control = new SharedArrayBuffer(CONTROL_WORDS * 4);
    const slots = new SharedArrayBuffer(count * SLOT * 8);
    const workers: PoolWorker[] = [];
    const controlWords = new Int32Array(control);
    // A worker that dies (it failed to start, or crashed) must not leave a caller waiting.
    const onError = (): void => {
      Atomics.store(controlWords, FAILED, 1);
      Atomics.add(controlWords, DONE, count + 1);
      Atomics.notify(controlWords, DONE);
    };
    const started: Promise<void>[] = [];
    for (let index = 0; index < count; index++) {
      const { worker, ready } = await spawnWorker(onError);
      worker.postMessage({ module, memory, control, slots, names: workerFunctions, index });
      workers.push(worker);
      started.push(ready);
    }
    // Wait until every worker runs: a browser starts workers through the page's event
    // loop, which a caller spinning in run() would never yield to.
    try {
      await Promise.all(started);
    } catch (error) {
      for (const worker of workers) void worker.terminate();
      throw new EnvironmentError(`thread pool: a worker failed to start (${String(error)})`);
    }
    return new ThreadPool(workers, control, slots);
  }

  /** Sets worker `w`'s job for the next round: the export `fn` with its arguments. */
  setJob(w: number, fn: WorkerFunction, args: readonly number[]): void {
    const base = w * SLOT;
    this.slots[base] = workerFunctions.indexOf(fn);
    for (let i = 0; i < args.length; i++) this.slots[base + 1 + i] = args[i];
  }

  /**
   * Runs one round: workers 0..active-1 run their jobs (the others stay idle) while
   * this thread runs `own`; returns when all are done.
   * @throws RnnkitError if a worker's job trapped.
   */
  run(active: number, own: () => void): void {
    if (this.disposed) throw new RnnkitError('thread pool: used after dispose()');
    for (let w = active; w < this.workers.length; w++) this.slots[w * SLOT] = IDLE;
    const control = this.control;
    Atomics.store(control, DONE, 0);
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);
    own();
    let spins = 0;
    let sleptAt = -1;
    for (;;) {
      const done = Atomics.load(control, DONE);
      if (done >= active) break;
      if (++spins > this.budget && this.canBlock) {
        if (sleptAt < 0) sleptAt = performance.now();
        Atomics.wait(control, DONE, done, 1);
        spins = 0;
      }
    }
    this.budget = nextBudget(this.budget, sleptAt);
    if (Atomics.exchange(control, FAILED, 0) !== 0) {
      throw new RnnkitError('thread pool: a worker failed while running a kernel');
    }
  }

  /** Stops and terminates every worker. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (let w = 0; w < this.workers.length; w++) this.slots[w * SLOT] = STOP;
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    for (const worker of this.workers) void worker.terminate();
  }
}

/** Starts one worker; `ready` settles when it has instantiated the module (or failed to). */
async function spawnWorker(onError: () => void): Promise<{ worker: PoolWorker; ready: Promise<void> }> {
  if (isNode()) {
    const specifier = 'node:worker_threads';
    const { Worker: NodeWorker } = (await import(/* @vite-ignore */ specifier)) as typeof import('node:worker_threads');
    const worker = new NodeWorker(WORKER_SOURCE, { eval: true });
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('message', () => {
        worker.unref(); // once started, an idle pool must not keep the process alive
        resolve();
      });
      worker.once('error', reject);
    });
    worker.on('error', onError);
    return { worker, ready };
  }
  if (typeof Worker === 'undefined') throw new EnvironmentError('thread pool: this environment has no Worker');
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const worker = new Worker(url);
  const ready = new Promise<void>((resolve, reject) => {
    worker.onmessage = () => {
      URL.revokeObjectURL(url);
      resolve();
    };
    worker.onerror = (event) => {
      reject(new Error(event.message));
      onError();
    };
  });
  return { worker, ready };
}
