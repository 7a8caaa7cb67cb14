// Run by blas.test.ts in a fresh process (OpenBLAS reads its thread timeout once, when it
// loads): opens the system BLAS as the blas backend does, runs one product on two threads,
// then prints as JSON the CPU time the process used while it slept for IDLE_MS, the
// thread-timeout variable as the environment holds it afterwards, and C[0, 0] of the product.
import { setTimeout as sleep } from 'node:timers/promises';
import { requireBlas, THREAD_TIMEOUT_VARIABLE } from '../../src/backend/blas/library.js';

const IDLE_MS = 300;
const N = 512; // 512³ multiply-adds: far above OpenBLAS's threshold for using its threads
const library = await requireBlas();
library.setThreads(2);
const a = new Float32Array(N * N).fill(0.5);
const c = new Float32Array(N * N);
library.sgemm(false, false, N, N, N, 1, a, N, a, N, 0, c, N);
const before = process.cpuUsage();
await sleep(IDLE_MS);
const used = process.cpuUsage(before);
process.stdout.write(
  JSON.stringify({
    idleMs: IDLE_MS,
    cpuMs: (used.user + used.system) / 1000,
    variable: process.env[THREAD_TIMEOUT_VARIABLE] ?? null,
    element: c[0],
  }),
);
